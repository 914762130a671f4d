import TesseraNN
import TesseraTensor

/// The feed-forward kind of a model, as a recipe names it: `"dense"`, or an object with one key
/// naming the kind and holding its options, e.g. `{"switch": {"experts": 16}}`, `{"smoe":
/// {"strata": [4, 12]}}`, `{"lms": {"rank": 32}}`, `{"lms_fd": {"rank": 32, "lambda": 1}}`,
/// `{"ffn_fd": {"lambda": 1}}`.
/// Layers the kind skips (its `every`) stay dense.
public enum FeedForwardKind: Codable, Sendable, Equatable {
    case dense
    case switchMoE(SwitchOptions)
    case stratified(StratifiedOptions)
    case lms(LMSOptions)
    /// LMS with the shared slot, trained with Fuse Distillation.
    case lmsFD(LMSOptions)
    /// FFN-level Fuse Distillation: a dense FFN per language beside a shared one.
    case ffnFD(FFNDistillationOptions)

    enum Key: String, CodingKey, CaseIterable {
        case dense, switchMoE = "switch", stratified = "smoe", lms, lmsFD = "lms_fd", ffnFD = "ffn_fd"
    }

    public init(from decoder: Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            guard name == Key.dense.rawValue else {
                throw ConfigError(message: "feed-forward kind '\(name)': only \"dense\" takes no options; write e.g. {\"\(name)\": {}}")
            }
            self = .dense
            return
        }
        try decoder.rejectUnknownKeys(Key.self)
        let c = try decoder.container(keyedBy: Key.self)
        guard c.allKeys.count == 1, let key = c.allKeys.first else {
            throw ConfigError(message: "feed-forward kind: give exactly one of \(Key.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        switch key {
        case .dense: self = .dense
        case .switchMoE: self = .switchMoE(try c.decode(SwitchOptions.self, forKey: key))
        case .stratified: self = .stratified(try c.decode(StratifiedOptions.self, forKey: key))
        case .lms: self = .lms(try c.decode(LMSOptions.self, forKey: key))
        case .lmsFD: self = .lmsFD(try c.decode(LMSOptions.self, forKey: key))
        case .ffnFD: self = .ffnFD(try c.decode(FFNDistillationOptions.self, forKey: key))
        }
    }

    public func encode(to encoder: Encoder) throws {
        if case .dense = self {
            var c = encoder.singleValueContainer()
            try c.encode(Key.dense.rawValue)
            return
        }
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .dense: break
        case let .switchMoE(o): try c.encode(o, forKey: .switchMoE)
        case let .stratified(o): try c.encode(o, forKey: .stratified)
        case let .lms(o): try c.encode(o, forKey: .lms)
        case let .lmsFD(o): try c.encode(o, forKey: .lmsFD)
        case let .ffnFD(o): try c.encode(o, forKey: .ffnFD)
        }
    }

    /// Every how many layers the kind replaces the dense FFN.
    public var every: Int {
        switch self {
        case .dense: return 1
        case let .switchMoE(o): return o.every
        case let .stratified(o): return o.every
        case let .lms(o), let .lmsFD(o): return o.every
        case let .ffnFD(o): return o.every
        }
    }

    /// Whether layer `index` (0-based, counted separately in encoder and decoder) gets this kind:
    /// (index + 1) % every == 0, as fairseq's `--moe-freq`.
    public func applies(toLayer index: Int) -> Bool { (index + 1) % every == 0 }

    /// The FFN of one layer. `languages` are the model's language codes (LMS names its factors by
    /// them; contexts index them); `side` tells language-wise LMS which language to use.
    public func makeLayer(layerName: String, index: Int, side: ModelSide, config: TransformerConfig, languages: [String],
                          rng: inout SplitMix64) -> any FeedForward {
        guard applies(toLayer: index) else { return DenseFeedForward(layerName: layerName, config: config, rng: &rng) }
        switch self {
        case .dense: return DenseFeedForward(layerName: layerName, config: config, rng: &rng)
        case let .switchMoE(o): return SwitchFeedForward(layerName: layerName, config: config, options: o, rng: &rng)
        case let .stratified(o): return StratifiedMoE(layerName: layerName, config: config, options: o, rng: &rng)
        case let .lms(o), let .lmsFD(o):
            return LMSFeedForward(layerName: layerName, config: config, options: o, languages: languages, side: side,
                                  sharedSlot: isFuseDistillation, rng: &rng)
        case .ffnFD: return LanguageFeedForwardFD(layerName: layerName, config: config, languages: languages, side: side, rng: &rng)
        }
    }

    /// How the attention projections of layer `index` are built: LMS linears
    /// when the kind is LMS with `"attention": true` and applies to the layer,
    /// plain biased Linears otherwise.
    public func attentionProjection(index: Int, side: ModelSide, config: TransformerConfig, languages: [String])
        -> (String, inout SplitMix64) -> any Projection {
        let linear = LinearConfig(inputs: config.modelDimension, outputs: config.modelDimension)
        switch self {
        case let .lms(o) where o.attention && applies(toLayer: index), let .lmsFD(o) where o.attention && applies(toLayer: index):
            let shared = isFuseDistillation
            return { name, rng in
                LanguageSpecificLinear(name: name, config: linear, rank: o.rank, languages: languages, pairing: o.pairing,
                                       side: side, sharedSlot: shared, rng: &rng)
            }
        default:
            return { name, rng in Linear(name: name, config: linear, rng: &rng) }
        }
    }

    /// Whether training runs both routes with the Fuse Distillation loss, with its λ and KL reading.
    public var fuseDistillation: (lambda: Float, divergence: FuseDistillation.Divergence)? {
        switch self {
        case let .lmsFD(o): return (o.distillationWeight, o.divergence)
        case let .ffnFD(o): return (o.distillationWeight, o.divergence)
        default: return nil
        }
    }

    var isFuseDistillation: Bool { fuseDistillation != nil }
}
