/// Eight Float lanes: the unit of every vector kernel (two SSE registers in the portable build,
/// one AVX register in the AVX2 build).
public typealias F8 = SIMD8<Float>

/// a·b + c: one fused multiply-add in the AVX2 build (rounded once), two operations otherwise.
/// Swift never contracts a·b + c by itself, and the portable target has no FMA instruction.
@inlinable @inline(__always)
public func muladd(_ a: F8, _ b: F8, _ c: F8) -> F8 {
    #if TESSERA_FMA
    return c.addingProduct(a, b)
    #else
    return a * b + c
    #endif
}

// MARK: - Loading and storing 8 lanes, with partial tails for sizes that are not multiples of 8.

/// Calls body(offset, lanes) over 0..<count: full 8-lane blocks first (where `lanes` is the
/// constant 8, so loads and stores compile to plain vector moves), then one partial tail block.
@inlinable @inline(__always)
public func forLanes(_ count: Int, _ body: (Int, Int) -> Void) {
    var j = 0
    while j &+ 8 <= count {
        body(j, 8)
        j &+= 8
    }
    if j < count { body(j, count &- j) }
}

/// `forLanes` over the elements of `range`; offsets passed to body are absolute.
@inlinable @inline(__always)
public func forLanes(_ range: Range<Int>, _ body: (Int, Int) -> Void) {
    let start = range.lowerBound
    forLanes(range.count) { i, l in body(start &+ i, l) }
}

/// Loads min(n, 8) lanes from p; missing lanes get `fill`.
@inlinable @inline(__always)
public func load8(_ p: UnsafePointer<Float>, _ n: Int, fill: Float = 0) -> F8 {
    if n >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: F8.self) }
    var v = F8(repeating: fill)
    for j in 0..<n { v[j] = p[j] }
    return v
}

@inlinable @inline(__always)
public func load8(_ p: UnsafeMutablePointer<Float>, _ n: Int, fill: Float = 0) -> F8 {
    load8(UnsafePointer(p), n, fill: fill)
}

/// Stores the first min(n, 8) lanes of v at p.
@inlinable @inline(__always)
public func store8(_ v: F8, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    if n >= 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self); return }
    for j in 0..<n { p[j] = v[j] }
}

/// Combines body(offset, lanes) over the 8-lane blocks of 0..<count, like `forLanes`, in four
/// accumulators merged in a fixed order: with one, each vector add waited for the previous one,
/// and that latency chain bounded LayerNorm in the AVX2 build.
@inlinable @inline(__always)
public func reduceLanes(_ count: Int, identity: F8, _ combine: (F8, F8) -> F8, _ body: (Int, Int) -> F8) -> F8 {
    var (a0, a1, a2, a3) = (identity, identity, identity, identity)
    var j = 0
    while j &+ 32 <= count {
        a0 = combine(a0, body(j, 8))
        a1 = combine(a1, body(j &+ 8, 8))
        a2 = combine(a2, body(j &+ 16, 8))
        a3 = combine(a3, body(j &+ 24, 8))
        j &+= 32
    }
    while j &+ 8 <= count {
        a0 = combine(a0, body(j, 8))
        j &+= 8
    }
    if j < count { a1 = combine(a1, body(j, count &- j)) }
    return combine(combine(a0, a1), combine(a2, a3))
}

/// Σ over blocks (see `reduceLanes`); lanes a body leaves out must hold 0.
@inlinable @inline(__always)
public func sumLanes(_ count: Int, _ body: (Int, Int) -> F8) -> F8 { reduceLanes(count, identity: F8(), +, body) }

/// Lane-wise maximum over blocks (see `reduceLanes`); lanes a body leaves out must hold −∞.
@inlinable @inline(__always)
public func maxLanes(_ count: Int, _ body: (Int, Int) -> F8) -> F8 {
    reduceLanes(count, identity: F8(repeating: -.infinity), larger, body)
}

/// Lane-wise maximum in the form x86's max instruction computes (`b > a ? b : a`). Transparent:
/// as an @inline(__always) function it stayed an out-of-line call inside the softmax kernels.
@_transparent
public func larger(_ a: F8, _ b: F8) -> F8 { a.replacing(with: b, where: b .> a) }
