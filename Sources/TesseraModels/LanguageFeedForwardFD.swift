import TesseraIO
import TesseraNN
import TesseraTensor

/// FFN-level Fuse Distillation settings.
public struct FFNDistillationOptions: Codable, Sendable, Equatable {
    public var every = 1
    public var distillationWeight: Float = 1
    /// The paper stops the gradient on the language-specific side for FFN-level FD.
    public var divergence = FuseDistillation.Divergence.stopLanguageSpecific

    enum CodingKeys: String, CodingKey, CaseIterable {
        case every, divergence
        case distillationWeight = "lambda"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.update(&every, .every)
        try c.update(&distillationWeight, .distillationWeight)
        try c.update(&divergence, .divergence)
        guard every >= 1, distillationWeight >= 0 else { throw ConfigError(message: "ffn_fd: every must be positive, lambda ≥ 0") }
    }
}

/// FFN-level Fuse Distillation: one dense FFN per language beside a shared dense FFN. The
/// language-specific route uses the side's language (source in the encoder, target in the
/// decoder), the shared route the shared FFN. The shared FFN has the dense names
/// `<layer>.fc1|fc2`, so distilling only drops the `<layer>.lang_ffns.<language>.*` tensors.
public final class LanguageFeedForwardFD: FeedForward {
    public let shared: DenseFeedForward
    public let languageFFNs: [DenseFeedForward]
    public let side: ModelSide

    public init(layerName: String, config: TransformerConfig, languages: [String], side: ModelSide, rng: inout SplitMix64) {
        shared = DenseFeedForward(layerName: layerName, config: config, rng: &rng)
        languageFFNs = languages.map { DenseFeedForward(layerName: layerName + ".lang_ffns." + $0, config: config, rng: &rng) }
        self.side = side
    }

    public var parameters: [Parameter] { shared.parameters + languageFFNs.flatMap(\.parameters) }

    public func callAsFunction(_ g: Graph, _ x: Var, context: FeedForwardContext) -> Var {
        guard context.route == .languageSpecific else { return shared(g, x, context: context) }
        return languageFFNs[side == .encoder ? context.source : context.target](g, x, context: context)
    }
}
