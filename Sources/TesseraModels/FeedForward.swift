import TesseraNN
import TesseraTensor

/// The replaceable position-wise part of a Transformer layer: dense here,
/// mixture-of-experts or language-specific kinds elsewhere.
public protocol FeedForward: Module {
    /// x [N, d] (one row per token) → [N, d].
    func callAsFunction(_ g: Graph, _ x: Var, context: FeedForwardContext) -> Var
}

/// What a feed-forward kind may need beyond its input rows, and what it
/// reports back, for one forward pass.
public final class FeedForwardContext {
    /// The batch's direction, as indices into the model's language list
    /// (every batch holds one direction).
    public let source: Int
    public let target: Int
    /// Which weights LMS layers use: the direction's own factors, or the shared slot (Fuse Distillation).
    public var route: LanguageRoute = .languageSpecific
    /// Weighted auxiliary losses (e.g. MoE load balancing) added during the
    /// forward pass; training adds them to the translation loss.
    public private(set) var auxiliaryLosses: [Var] = []
    /// Per-layer figures for logging (expert load, dropped tokens, …).
    public var statistics: [String: [Double]] = [:]
    /// Which rows of the current feed-forward input are padding (1) and which real tokens (0), as
    /// `TokenBatch.padding`; nil when unknown. Set around one call by `withPadding`.
    public private(set) var padding: [Int32]?

    public init(source: Int, target: Int) {
        self.source = source
        self.target = target
    }

    public func addAuxiliaryLoss(_ loss: Var) { auxiliaryLosses.append(loss) }

    /// The auxiliary losses averaged over the layers that added one, as the
    /// reference criterion combines them (`combine_method="average"`), so a
    /// balancing weight α means the same with 2 MoE layers or 12; nil if none.
    public func meanAuxiliaryLoss(_ g: Graph) -> Var? {
        guard let first = auxiliaryLosses.first else { return nil }
        let sum = auxiliaryLosses.dropFirst().reduce(first) { g.add($0, $1) }
        return g.scale(sum, 1 / Float(auxiliaryLosses.count))
    }

    /// Runs `body` (one feed-forward call) with `padding` describing its input rows.
    public func withPadding<Result>(_ padding: [Int32]?, _ body: () -> Result) -> Result {
        let outer = self.padding
        self.padding = padding
        defer { self.padding = outer }
        return body()
    }
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

    public func callAsFunction(_ g: Graph, _ x: Var, context: FeedForwardContext) -> Var {
        let hidden = fc1(g, x)
        let activated = activation == .relu ? g.relu(hidden) : g.gelu(hidden)
        return fc2(g, g.dropout(activated, rate: activationDropout))
    }
}
