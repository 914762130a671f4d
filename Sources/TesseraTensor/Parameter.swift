/// A named, trainable tensor with its gradient accumulator. Names follow the checkpoint layout
/// (e.g. "encoder.layers.0.fc1.weight") so models save and load by name.
public final class Parameter {
    public let name: String
    public let shape: Shape
    public let value: UnsafeMutablePointer<Float>
    /// Accumulated by `Graph.backward`; cleared by the optimizer step or `zeroGrad()`.
    public let grad: UnsafeMutablePointer<Float>
    /// Frozen parameters take part in forward passes but never receive gradients.
    public var requiresGrad = true

    public var count: Int { shape.count }

    public init(name: String, shape: Shape, fill: Float = 0) {
        self.name = name
        self.shape = shape
        value = .allocate(capacity: shape.count)
        value.initialize(repeating: fill, count: shape.count)
        grad = .allocate(capacity: shape.count)
        grad.initialize(repeating: 0, count: shape.count)
    }

    public convenience init(name: String, shape: Shape, values: [Float]) {
        precondition(values.count == shape.count, "\(name): \(values.count) values for shape \(shape)")
        self.init(name: name, shape: shape)
        self.values = values
    }

    /// Normal(0, std²) initialization from a seeded generator.
    public convenience init(name: String, shape: Shape, normalStd std: Float, rng: inout SplitMix64) {
        self.init(name: name, shape: shape)
        for i in 0..<shape.count { value[i] = std * rng.nextGaussian() }
    }

    /// Uniform(−limit, limit) initialization (Xavier/Glorot uses limit = sqrt(6/(fanIn+fanOut))).
    public convenience init(name: String, shape: Shape, uniformLimit limit: Float, rng: inout SplitMix64) {
        self.init(name: name, shape: shape)
        for i in 0..<shape.count { value[i] = limit * (2 * rng.nextFloat() - 1) }
    }

    deinit {
        value.deallocate()
        grad.deallocate()
    }

    /// Copy of the values (for checkpoints and tests).
    public var values: [Float] {
        get { Array(UnsafeBufferPointer(start: value, count: count)) }
        set {
            precondition(newValue.count == count, "\(name): \(newValue.count) values for shape \(shape)")
            newValue.withUnsafeBufferPointer { value.update(from: $0.baseAddress!, count: count) }
        }
    }

    public var gradients: [Float] { Array(UnsafeBufferPointer(start: grad, count: count)) }

    public func zeroGrad() { grad.update(repeating: 0, count: count) }
}
