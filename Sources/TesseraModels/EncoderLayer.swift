import TesseraNN
import TesseraTensor

/// Pre-norm encoder layer: x + drop(selfAttn(LN(x))), then x + drop(FFN(LN(x))).
public final class EncoderLayer: Module {
    public let selfAttention: MultiHeadAttention
    public let selfAttentionNorm, finalNorm: LayerNorm
    public let feedForward: any FeedForward
    let dropout: Float

    /// `languages` are the model's language codes, for language-specific feed-forward kinds.
    public init(name: String, index: Int, config: TransformerConfig, languages: [String], rng: inout SplitMix64) {
        let parts = LayerParts(name: name, index: index, side: .encoder, config: config, languages: languages)
        selfAttention = parts.attention("self_attn", rng: &rng)
        selfAttentionNorm = parts.norm("self_attn_layer_norm")
        feedForward = parts.feedForward(rng: &rng)
        finalNorm = parts.norm("final_layer_norm")
        dropout = config.dropout
    }

    public var parameters: [Parameter] {
        selfAttention.parameters + selfAttentionNorm.parameters + feedForward.parameters + finalNorm.parameters
    }

    /// x [B, S, d]; `padding` marks source padding.
    public func callAsFunction(_ g: Graph, _ x: Var, padding: AttentionMask, context: FeedForwardContext) -> Var {
        let normed = selfAttentionNorm(g, x)
        let attended = g.add(x, g.dropout(selfAttention(g, query: normed, memory: normed, mask: padding, context: context), rate: dropout))
        return residualFeedForward(g, attended, norm: finalNorm, feedForward: feedForward, dropout: dropout,
                                   padding: padding.keyPadding?.array, context: context)
    }
}
