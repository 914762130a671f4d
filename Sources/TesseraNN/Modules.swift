import TesseraTensor

/// Anything holding parameters. Models are trees of small modules; `parameters` lists them in a
/// fixed order (the optimizer and checkpoints rely on it).
public protocol Module {
    var parameters: [Parameter] { get }
}

public struct LinearConfig: Codable, Sendable, Equatable {
    public var inputs: Int
    public var outputs: Int
    public var bias: Bool
    public init(inputs: Int, outputs: Int, bias: Bool = true) {
        self.inputs = inputs
        self.outputs = outputs
        self.bias = bias
    }
}

/// y = x·Wᵀ + b with W stored [outputs, inputs] as "<name>.weight", b as "<name>.bias".
public final class Linear: Module {
    public let config: LinearConfig
    public let weight: Parameter
    public let bias: Parameter?

    /// Xavier-uniform weights (gain 1) and zero bias, for every Linear. This is not
    /// quite fairseq's: it gives q/k/v xavier with gain 1/√2 and PyTorch's default
    /// U(±1/√fan_in) biases, and fc1/fc2 and routers PyTorch's default for weights and
    /// biases. `recipes/parity.sh` trains from both on the same batches (docs/parity.md).
    public init(name: String, config: LinearConfig, rng: inout SplitMix64) {
        self.config = config
        let limit = (6 / Float(config.inputs + config.outputs)).squareRoot()
        weight = Parameter(name: name + ".weight", shape: Shape(config.outputs, config.inputs), uniformLimit: limit, rng: &rng)
        bias = config.bias ? Parameter(name: name + ".bias", shape: Shape(config.outputs)) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func callAsFunction(_ g: Graph, _ x: Var) -> Var {
        g.linear(x, weight: g.param(weight), bias: bias.map(g.param))
    }
}

public struct LayerNormConfig: Codable, Sendable, Equatable {
    public var size: Int
    public var epsilon: Float
    public init(size: Int, epsilon: Float = 1e-5) {
        self.size = size
        self.epsilon = epsilon
    }
}

/// LayerNorm over the last axis; gamma "<name>.weight" = 1, beta "<name>.bias" = 0 initially.
public final class LayerNorm: Module {
    public let config: LayerNormConfig
    public let gamma: Parameter
    public let beta: Parameter

    public init(name: String, config: LayerNormConfig) {
        self.config = config
        gamma = Parameter(name: name + ".weight", shape: Shape(config.size), fill: 1)
        beta = Parameter(name: name + ".bias", shape: Shape(config.size))
    }

    public var parameters: [Parameter] { [gamma, beta] }

    public func callAsFunction(_ g: Graph, _ x: Var) -> Var {
        g.layerNorm(x, gamma: g.param(gamma), beta: g.param(beta), eps: config.epsilon)
    }
}

public struct EmbeddingConfig: Codable, Sendable, Equatable {
    public var vocabulary: Int
    public var dimension: Int
    /// Row kept at zero at initialization (fairseq's padding_idx); nil for none.
    public var paddingIndex: Int?
    public init(vocabulary: Int, dimension: Int, paddingIndex: Int? = nil) {
        self.vocabulary = vocabulary
        self.dimension = dimension
        self.paddingIndex = paddingIndex
    }
}

/// Token embedding table "<name>.weight" [vocabulary, dimension], N(0, dimension^-1/2) init.
/// The same table can serve as the output projection: `g.linear(h, weight: g.param(embedding.weight), bias: nil)`.
public final class Embedding: Module {
    public let config: EmbeddingConfig
    public let weight: Parameter

    public init(name: String, config: EmbeddingConfig, rng: inout SplitMix64) {
        self.config = config
        weight = Parameter(name: name + ".weight", shape: Shape(config.vocabulary, config.dimension),
                           normalStd: 1 / Float(config.dimension).squareRoot(), rng: &rng)
        if let pad = config.paddingIndex { weight.value.advanced(by: pad * config.dimension).update(repeating: 0, count: config.dimension) }
    }

    public var parameters: [Parameter] { [weight] }

    /// ids → [ids.count, dimension].
    public func callAsFunction(_ g: Graph, _ ids: Indices) -> Var {
        g.embedding(g.param(weight), ids: ids, paddingIndex: config.paddingIndex.map(Int32.init) ?? -1)
    }
}
