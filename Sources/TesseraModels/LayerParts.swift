import TesseraNN
import TesseraTensor

/// Builds the parts of one encoder or decoder layer with fairseq's names
/// (`<layer>.self_attn`, `<layer>.self_attn_layer_norm`, …), the recipe's
/// feed-forward kind, and the attention projections that kind asks for.
struct LayerParts {
    let name: String
    let index: Int
    let side: ModelSide
    let config: TransformerConfig
    /// The model's language codes, for language-specific kinds.
    let languages: [String]

    func attention(_ suffix: String, rng: inout SplitMix64) -> MultiHeadAttention {
        MultiHeadAttention(name: name + "." + suffix, heads: config.heads, dropout: config.attentionDropout, rng: &rng,
                           projection: config.feedForwardKind.attentionProjection(index: index, side: side, config: config,
                                                                                   languages: languages))
    }

    func norm(_ suffix: String) -> LayerNorm {
        LayerNorm(name: name + "." + suffix, config: LayerNormConfig(size: config.modelDimension))
    }

    func feedForward(rng: inout SplitMix64) -> any FeedForward {
        config.feedForwardKind.makeLayer(layerName: name, index: index, side: side, config: config, languages: languages, rng: &rng)
    }
}
