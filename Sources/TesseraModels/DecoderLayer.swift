import TesseraNN
import TesseraTensor

/// Pre-norm decoder layer: causal self-attention, attention over the
/// encoder output, then the feed-forward block, each with a residual.
public final class DecoderLayer: Module {
    public let selfAttention, encoderAttention: MultiHeadAttention
    public let selfAttentionNorm, encoderAttentionNorm, finalNorm: LayerNorm
    public let feedForward: any FeedForward
    let dropout: Float

    /// `languages` are the model's language codes, for language-specific feed-forward kinds.
    public init(name: String, index: Int, config: TransformerConfig, languages: [String], rng: inout SplitMix64) {
        let parts = LayerParts(name: name, index: index, side: .decoder, config: config, languages: languages)
        selfAttention = parts.attention("self_attn", rng: &rng)
        selfAttentionNorm = parts.norm("self_attn_layer_norm")
        encoderAttention = parts.attention("encoder_attn", rng: &rng)
        encoderAttentionNorm = parts.norm("encoder_attn_layer_norm")
        feedForward = parts.feedForward(rng: &rng)
        finalNorm = parts.norm("final_layer_norm")
        dropout = config.dropout
    }

    public var parameters: [Parameter] {
        selfAttention.parameters + selfAttentionNorm.parameters + encoderAttention.parameters
            + encoderAttentionNorm.parameters + feedForward.parameters + finalNorm.parameters
    }

    /// x [B, T, d] over the whole target prefix (training, or recomputing); `padding` [B, T] marks
    /// target padding, as `TokenBatch.padding` (nil: none), for the feed-forward kinds that route.
    public func callAsFunction(_ g: Graph, _ x: Var, padding: [Int32]?, memory: Var, memoryPadding: AttentionMask,
                               context: FeedForwardContext) -> Var {
        let normed = selfAttentionNorm(g, x)
        let selfAttended = selfAttention(g, query: normed, memory: normed, mask: AttentionMask(causal: true), context: context)
        let afterSelf = g.add(x, g.dropout(selfAttended, rate: dropout))
        let crossAttended = encoderAttention(g, query: encoderAttentionNorm(g, afterSelf), memory: memory, mask: memoryPadding,
                                             context: context)
        let afterCross = g.add(afterSelf, g.dropout(crossAttended, rate: dropout))
        return residualFeedForward(g, afterCross, norm: finalNorm, feedForward: feedForward, dropout: dropout, padding: padding,
                                   context: context)
    }
}
