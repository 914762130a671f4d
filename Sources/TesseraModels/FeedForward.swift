import TesseraNN
import TesseraTensor

/// The replaceable position-wise part of a Transformer layer: dense here,
/// mixture-of-experts or language-specific kinds elsewhere.
public protocol FeedForward: Module {
    /// x [N, d] (one row per token) → [N, d].
    func callAsFunction(_ g: Graph, _ x: Var) -> Var
}

/// fc2(dropout(activation(fc1(x)))), named `<layer>.fc1` and `<layer>.fc2` as in fairseq.
public final class DenseFeedForward: FeedForward {
    public let fc1, fc2: Linear
    public let activation: TransformerConfig.Activation
    public let activationDropout: Float

    public init(layerName: String, config: TransformerConfig, rng: inout SplitMix64) {
        fc1 = Linear(name: layerName + ".fc1", config: LinearConfig(inputs: config.modelDimension, outputs: config.feedForwardDimension), rng: &rng)
        fc2 = Linear(name: layerName + ".fc2", config: LinearConfig(inputs: config.feedForwardDimension, outputs: config.modelDimension), rng: &rng)
        activation = config.activation
        activationDropout = config.activationDropout
    }

    public var parameters: [Parameter] { fc1.parameters + fc2.parameters }

    public func callAsFunction(_ g: Graph, _ x: Var) -> Var {
        let hidden = fc1(g, x)
        let activated = activation == .relu ? g.relu(hidden) : g.gelu(hidden)
        return fc2(g, g.dropout(activated, rate: activationDropout))
    }
}
