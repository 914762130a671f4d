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

/// x + drop(FFN(LN(x))), shared by encoder and decoder layers. The FFN sees tokens as rows [N, d],
/// whatever the batch layout, and finds in `context.padding` which rows are padding (`padding`, as
/// `TokenBatch.padding`; nil when unknown).
func residualFeedForward(_ g: Graph, _ x: Var, norm: LayerNorm, feedForward: any FeedForward, dropout: Float,
                         padding: [Int32]?, context: FeedForwardContext) -> Var {
    let shape = g.shape(x)
    let rows = g.reshape(norm(g, x), Shape(shape.rows, shape.last))
    let update = context.withPadding(padding) { feedForward(g, rows, context: context) }
    return g.add(x, g.dropout(g.reshape(update, shape), rate: dropout))
}
