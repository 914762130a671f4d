import TesseraIO
import TesseraNN
import TesseraTensor

/// LMS settings (Xu et al., EMNLP 2023); also those of LMS + Fuse Distillation.
public struct LMSOptions: Codable, Sendable, Equatable {
    /// Rank d of V_l F_l (the paper: 32 on IWSLT; 64, 16, 4 on OPUS-100).
    public var rank = 32
    public var pairing = LMSPairing.pairwise
    /// Also on the attention projections (q, k, v, out) of the layers it applies to;
    /// built by FeedForwardKind.attentionProjection, not by the FFN.
    public var attention = false
    /// LMS in layers i with (i+1) % every == 0 (`lms_freq`, 1 = every layer).
    public var every = 1
    /// Fuse Distillation: λ of the symmetric KL, and which reading of the KL.
    public var distillationWeight: Float = 1
    public var divergence = FuseDistillation.Divergence.symmetric

    enum CodingKeys: String, CodingKey, CaseIterable {
        case rank, pairing, attention, every, divergence
        case distillationWeight = "lambda"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.update(&rank, .rank)
        try c.update(&pairing, .pairing)
        try c.update(&attention, .attention)
        try c.update(&every, .every)
        try c.update(&distillationWeight, .distillationWeight)
        try c.update(&divergence, .divergence)
        guard rank >= 1, every >= 1, distillationWeight >= 0 else { throw ConfigError(message: "lms: rank and every must be positive, lambda ≥ 0") }
    }
}

/// The FFN with LMS on fc1 and fc2: fc2(dropout(activation(fc1(x)))), with fairseq's
/// `<layer>.fc1|fc2.weight|bias` for the shared W and `<layer>.fc1.lms_v.<language>` etc.
public final class LMSFeedForward: FeedForward {
    public let name: String
    public let config: TransformerConfig
    public let fc1, fc2: LanguageSpecificLinear

    public init(layerName: String, config: TransformerConfig, options: LMSOptions, languages: [String], side: ModelSide,
                sharedSlot: Bool, rng: inout SplitMix64) {
        name = layerName
        self.config = config
        let (d, f) = (config.modelDimension, config.feedForwardDimension)
        fc1 = LanguageSpecificLinear(name: layerName + ".fc1", config: LinearConfig(inputs: d, outputs: f), rank: options.rank,
                                     languages: languages, pairing: options.pairing, side: side, sharedSlot: sharedSlot, rng: &rng)
        fc2 = LanguageSpecificLinear(name: layerName + ".fc2", config: LinearConfig(inputs: f, outputs: d), rank: options.rank,
                                     languages: languages, pairing: options.pairing, side: side, sharedSlot: sharedSlot, rng: &rng)
    }

    public var parameters: [Parameter] { fc1.parameters + fc2.parameters }

    public func callAsFunction(_ g: Graph, _ x: Var, context: FeedForwardContext) -> Var {
        let hidden = fc1(g, x, context: context)
        let activated = config.activation == .relu ? g.relu(hidden) : g.gelu(hidden)
        return fc2(g, g.dropout(activated, rate: config.activationDropout), context: context)
    }

    /// FD-Share: the dense FFN with W + V_sh F_sh and the same biases and names; every
    /// language-specific factor is dropped.
    public func fold() -> DenseFeedForward {
        var unused = SplitMix64(seed: 0)
        let dense = DenseFeedForward(layerName: name, config: config, rng: &unused)
        for (target, source) in [(dense.fc1, fc1), (dense.fc2, fc2)] {
            target.weight.values = source.foldedWeight()
            if let bias = target.bias, let sourceBias = source.base.bias { bias.values = sourceBias.values }
        }
        return dense
    }
}
