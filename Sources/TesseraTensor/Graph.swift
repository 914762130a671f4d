/// Handle to a tensor recorded in a `Graph`. Valid until the graph's next `reset()`.
public struct Var: Hashable, Sendable {
    let id: Int32
    let generation: UInt32
}

/// Integer tensor (token ids, targets, routing indices) stored in the graph's arena.
public struct Indices: @unchecked Sendable {
    public let pointer: UnsafePointer<Int32>
    public let count: Int
    public subscript(i: Int) -> Int { Int(pointer[i]) }
    public var array: [Int32] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}



/// The tape: holds every tensor of one step in an arena, records each differentiable op with what
/// its backward needs, and replays them in reverse in `backward`. Views (reshape, leading-axis
/// slices) alias their parent's value and gradient, so they cost nothing in either direction.
public final class Graph {
    struct Node {
        var value: UnsafeMutablePointer<Float>
        var shape: Shape
        /// Var that owns the gradient buffer this one aliases (itself unless a view).
        var root: Int32
        var offset: Int
        var requiresGrad: Bool
    }

    public let arena: Arena
    var nodes: [Node] = []
    var grads: [UnsafeMutablePointer<Float>?] = []
    var records: [Record] = []
    var operandLists: [Int32] = []
    var recycledGradients = BufferRecycler()
    private(set) var generation: UInt32 = 0
    /// Dropout and other stochastic ops draw their seeds from here; same seed → same step.
    public var rng: SplitMix64
    /// When false (inference), dropout is the identity.
    public var isTraining = true
    /// When false, ops compute values only and record nothing (no-grad mode).
    public private(set) var isRecording = true

    public init(seed: UInt64 = 0, arena: Arena = Arena()) {
        self.arena = arena
        rng = SplitMix64(seed: seed)
        nodes.reserveCapacity(4096)
        grads.reserveCapacity(4096)
        records.reserveCapacity(4096)
        operandLists.reserveCapacity(1024)
    }

    /// Forgets every Var of the previous step and recycles their memory.
    public func reset() {
        nodes.removeAll(keepingCapacity: true)
        grads.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
        operandLists.removeAll(keepingCapacity: true)
        recycledGradients.clear()
        arena.reset()
        generation &+= 1
    }

    /// Runs `body` without recording: for inference and for values that must not get gradients.
    public func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
        let saved = isRecording
        isRecording = false
        defer { isRecording = saved }
        return try body()
    }

    // MARK: Creating Vars

    /// The parameter as a Var: no copy; backward accumulates straight into `parameter.grad`.
    public func param(_ parameter: Parameter) -> Var {
        let v = addNode(parameter.value, parameter.shape, requiresGrad: parameter.requiresGrad && isRecording)
        grads[Int(v.id)] = parameter.grad
        return v
    }

    /// A constant copied into the arena.
    public func constant(_ values: [Float], _ shape: Shape) -> Var {
        values.withUnsafeBufferPointer { constant($0, shape) }
    }

    /// A constant copied into the arena from caller memory (e.g. a memory-mapped file).
    public func constant(_ values: UnsafeBufferPointer<Float>, _ shape: Shape) -> Var {
        precondition(values.count == shape.count, "constant: \(values.count) values for shape \(shape)")
        let p = arena.allocate(floats: shape.count)
        if let base = values.baseAddress { p.update(from: base, count: shape.count) }
        return addNode(p, shape, requiresGrad: false)
    }

    /// A constant that aliases caller-owned memory (e.g. a KV cache); it must outlive the step.
    public func external(_ pointer: UnsafeMutablePointer<Float>, _ shape: Shape) -> Var {
        addNode(pointer, shape, requiresGrad: false)
    }

    /// A leaf that receives a gradient (read it with `grad(_:)` after backward); used by tests.
    public func variable(_ values: [Float], _ shape: Shape) -> Var {
        let v = constant(values, shape)
        nodes[Int(v.id)].requiresGrad = isRecording
        return v
    }

    public func zeros(_ shape: Shape) -> Var {
        let v = alloc(shape, requiresGrad: false)
        value(v).update(repeating: 0)
        return v
    }

    public func indices(_ values: [Int32]) -> Indices {
        values.withUnsafeBufferPointer { indices($0) }
    }

    /// Integer ids copied into the arena from caller memory (e.g. a memory-mapped corpus).
    public func indices(_ values: UnsafeBufferPointer<Int32>) -> Indices {
        let p = arena.allocate(indices: values.count)
        if let base = values.baseAddress { p.update(from: base, count: values.count) }
        return Indices(pointer: UnsafePointer(p), count: values.count)
    }

    // MARK: Reading

    public func shape(_ v: Var) -> Shape { node(v).shape }

    public func value(_ v: Var) -> UnsafeMutableBufferPointer<Float> {
        let n = node(v)
        return UnsafeMutableBufferPointer(start: n.value, count: n.shape.count)
    }

    public func array(_ v: Var) -> [Float] { Array(value(v)) }

    public func scalar(_ v: Var) -> Float { node(v).value[0] }

    /// Gradient of a leaf (`variable`, `param`, `constant` views) after `backward`, or nil if none
    /// reached it. Gradients of op outputs are recycled during backward and read as nil.
    public func grad(_ v: Var) -> [Float]? {
        let n = node(v)
        guard let g = grads[Int(n.root)] else { return nil }
        return Array(UnsafeBufferPointer(start: g + n.offset, count: n.shape.count))
    }

    public func requiresGrad(_ v: Var) -> Bool { node(v).requiresGrad }

    // MARK: Views

    /// Same memory, new shape (row-major order is unchanged).
    public func reshape(_ v: Var, _ shape: Shape) -> Var {
        let n = node(v)
        precondition(n.shape.count == shape.count, "reshape \(n.shape) to \(shape)")
        return addView(of: n, offset: 0, shape)
    }

    /// Sub-range of the leading axis, aliasing the parent (LMS per-language factors, row blocks).
    public func rows(_ v: Var, _ start: Int, _ count: Int) -> Var {
        let n = node(v)
        precondition(n.shape.rank >= 1 && start >= 0 && start + count <= n.shape[0], "rows \(start)+\(count) of \(n.shape)")
        let inner = n.shape.count / Swift.max(n.shape[0], 1)
        return addView(of: n, offset: start * inner, n.shape.replacing(0, with: count))
    }

    // MARK: Backward

    /// Accumulates d(loss)/d(x) into every parameter and variable that `loss` depends on.
    /// `seed` scales the upstream gradient (e.g. 1/tokens for a mean over a summed loss).
    public func backward(_ loss: Var, seed: Float = 1) {
        precondition(node(loss).shape.count == 1, "backward needs a scalar, got \(node(loss).shape)")
        guard node(loss).requiresGrad else { return }
        gradPointer(loss)[0] += seed
        for record in records.reversed() where hasGrad(record.output) {
            runBackward(record)
            recycleGradient(of: record.output)
        }
    }

    // MARK: Internals for ops

    @inline(__always) func node(_ v: Var) -> Node {
        precondition(v.generation == generation, "Var used after Graph.reset()")
        return nodes[Int(v.id)]
    }

    @inline(__always) func ptr(_ v: Var) -> UnsafeMutablePointer<Float> { node(v).value }

    func addNode(_ p: UnsafeMutablePointer<Float>, _ shape: Shape, requiresGrad: Bool) -> Var {
        let id = Int32(nodes.count)
        nodes.append(Node(value: p, shape: shape, root: id, offset: 0, requiresGrad: requiresGrad))
        grads.append(nil)
        return Var(id: id, generation: generation)
    }

    private func addView(of parent: Node, offset: Int, _ shape: Shape) -> Var {
        let id = Int32(nodes.count)
        nodes.append(Node(value: parent.value + offset, shape: shape, root: parent.root,
                          offset: parent.offset + offset, requiresGrad: parent.requiresGrad))
        grads.append(nil)
        return Var(id: id, generation: generation)
    }

    /// Fresh uninitialized output in the arena.
    func alloc(_ shape: Shape, requiresGrad: Bool) -> Var {
        addNode(arena.allocate(floats: shape.count), shape, requiresGrad: requiresGrad)
    }

    /// Output of an op: requires grad when recording and any input does.
    func output(_ shape: Shape, inputs: Var...) -> Var {
        alloc(shape, requiresGrad: isRecording && inputs.contains { node($0).requiresGrad })
    }

    func record(_ r: Record) { if node(r.output).requiresGrad { records.append(r) } }

    func hasGrad(_ v: Var) -> Bool { grads[Int(node(v).root)] != nil }

    /// Gradient buffer of `v`, zero-initialized on first use.
    func gradPointer(_ v: Var) -> UnsafeMutablePointer<Float> {
        let n = node(v)
        let root = Int(n.root)
        if let g = grads[root] { return g + n.offset }
        let count = nodes[root].shape.count
        let g = recycledGradients.take(count) ?? arena.allocate(floats: count)
        g.update(repeating: 0, count: count)
        grads[root] = g
        return g + n.offset
    }

    /// Once the op producing `v` has run its backward, every consumer of v (and of its views) already
    /// has, so v's gradient is dead and its memory can serve a later gradient of the same size.
    private func recycleGradient(of v: Var) {
        let n = node(v)
        guard n.root == v.id, let g = grads[Int(v.id)] else { return }
        recycledGradients.give(g, count: n.shape.count)
        grads[Int(v.id)] = nil
    }

    /// Gradient pointer if `v` wants one, nil otherwise (inputs that are constants).
    func gradIfNeeded(_ v: Var) -> UnsafeMutablePointer<Float>? {
        node(v).requiresGrad ? gradPointer(v) : nil
    }

    /// Stores a list of Vars (for n-ary ops) and returns its location.
    func storeOperands(_ vars: [Var]) -> (start: Int32, count: Int32) {
        let start = Int32(operandLists.count)
        for v in vars { operandLists.append(v.id) }
        return (start, Int32(vars.count))
    }

    func operand(_ i: Int32) -> Var { Var(id: operandLists[Int(i)], generation: generation) }

    func nextSeed() -> UInt64 { rng.next() }
}

/// Free gradient buffers of the current step, matched by exact size (layers repeat the same shapes).
struct BufferRecycler {
    private var free: [(count: Int, pointer: UnsafeMutablePointer<Float>)] = []

    init() { free.reserveCapacity(512) }

    mutating func take(_ count: Int) -> UnsafeMutablePointer<Float>? {
        guard let i = free.lastIndex(where: { $0.count == count }) else { return nil }
        return free.remove(at: i).pointer
    }

    mutating func give(_ pointer: UnsafeMutablePointer<Float>, count: Int) { free.append((count, pointer)) }

    mutating func clear() { free.removeAll(keepingCapacity: true) }
}
