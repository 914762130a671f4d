/// Vectorized approximations used by the kernels instead of libm (whose per-element calls are an
/// order of magnitude slower). Accuracy against libm is checked in FastMathTests.
public typealias F8 = SIMD8<Float>

public enum FastMath {
    /// exp(x) to about 2 ulp for x in [-87.3, 88]; inputs are clamped to that range, so very
    /// negative inputs give the smallest normal float instead of 0.
    @inline(__always)
    public static func exp(_ input: F8) -> F8 {
        var x = input
        x.replace(with: 88.0, where: x .> 88.0)
        x.replace(with: -87.33654, where: x .< -87.33654)
        // n = round(x / ln 2) by the 1.5·2^23 trick (no SSE4 rounding needed); its low mantissa
        // bits then hold n itself.
        let magic: Float = 12582912.0
        let t = x * 1.44269504088896341 + magic
        let n = t - magic
        let r = x - n * 0.693359375 - n * -2.12194440e-4
        var p = F8(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        let bits = (unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: F8.self)
    }

    /// erf(t) ≈ t·P(t²)/Q(t²) with t clamped to ±4 (beyond it erf rounds to ±1 in float32): one
    /// division and eleven multiply-adds, no exp. Coefficients and their error come from
    /// recipes/fit-erf.py (|error of x·Φ(x)| ≤ 1.2e-6 on [−10, 10]).
    @inline(__always)
    public static func erf(_ input: F8) -> F8 {
        var t = input
        t.replace(with: 4, where: t .> 4)
        t.replace(with: -4, where: t .< -4)
        let u = t * t
        var p = F8(repeating: -1.3667002640715964e-08)
        p = p * u + 4.780584276886657e-06
        p = p * u + 0.0003826936590485275
        p = p * u + 0.0038395242299884558
        p = p * u + 0.05433260276913643
        p = p * u + 0.18471011519432068
        p = p * u + 1.128379225730896
        var q = F8(repeating: 6.400969141395763e-05)
        q = q * u + 0.001309579936787486
        q = q * u + 0.015453511849045753
        q = q * u + 0.11382624506950378
        q = q * u + 0.4970286190509796
        q = q * u + 1
        return t * p / q
    }

    /// The standard normal CDF Φ(x) = (1 + erf(x/√2))/2.
    @inline(__always)
    static func normalCDF(_ x: F8) -> F8 { 0.5 * (1 + erf(x * 0.70710678118654752)) }

    /// GELU with the exact (erf) definition: x·Φ(x).
    @inline(__always)
    public static func gelu(_ x: F8) -> F8 { x * normalCDF(x) }

    /// GELU′(x) = Φ(x) + x·φ(x).
    @inline(__always)
    public static func geluDerivative(_ x: F8) -> F8 { normalCDF(x) + x * exp(-0.5 * x * x) * 0.3989422804014327 }

    /// exp(x), and exactly 0 where x is −∞ (masked entries).
    @inline(__always)
    public static func expOrZero(_ x: F8) -> F8 { exp(x).replacing(with: 0, where: x .== -.infinity) }

    @inline(__always)
    public static func square(_ x: F8) -> F8 { x * x }

    @inline(__always)
    public static func relu(_ x: F8) -> F8 { x.replacing(with: 0, where: x .< 0) }

    /// dy where x > 0, else 0.
    @inline(__always)
    public static func reluGradient(_ x: F8, _ dy: F8) -> F8 { dy.replacing(with: 0, where: x .<= 0) }

    /// Horizontal sum in a fixed lane order (deterministic).
    @inline(__always)
    static func sum(_ v: F8) -> Float {
        ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]))
    }

    @inline(__always)
    static func max(_ v: F8) -> Float {
        Swift.max(Swift.max(Swift.max(v[0], v[4]), Swift.max(v[1], v[5])), Swift.max(Swift.max(v[2], v[6]), Swift.max(v[3], v[7])))
    }
}

// MARK: - Loading and storing 8 lanes, with partial tails for sizes that are not multiples of 8.

/// Calls body(offset, lanes) over 0..<count: full 8-lane blocks first (where `lanes` is the
/// constant 8, so loads and stores compile to plain vector moves), then one partial tail block.
@inline(__always)
public func forLanes(_ count: Int, _ body: (Int, Int) -> Void) {
    var j = 0
    while j &+ 8 <= count {
        body(j, 8)
        j &+= 8
    }
    if j < count { body(j, count &- j) }
}

/// `forLanes` over the elements of `range`; offsets passed to body are absolute.
@inline(__always)
public func forLanes(_ range: Range<Int>, _ body: (Int, Int) -> Void) {
    let start = range.lowerBound
    forLanes(range.count) { i, l in body(start &+ i, l) }
}

/// Loads min(n, 8) lanes from p; missing lanes get `fill`.
@inline(__always)
public func load8(_ p: UnsafePointer<Float>, _ n: Int, fill: Float = 0) -> F8 {
    if n >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: F8.self) }
    var v = F8(repeating: fill)
    for j in 0..<n { v[j] = p[j] }
    return v
}

@inline(__always)
public func load8(_ p: UnsafeMutablePointer<Float>, _ n: Int, fill: Float = 0) -> F8 {
    load8(UnsafePointer(p), n, fill: fill)
}

/// Stores the first min(n, 8) lanes of v at p.
@inline(__always)
public func store8(_ v: F8, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    if n >= 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self); return }
    for j in 0..<n { p[j] = v[j] }
}
