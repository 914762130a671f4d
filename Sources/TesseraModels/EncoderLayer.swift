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
        let norm = LayerNormConfig(size: config.modelDimension)
        let projection = config.feedForwardKind.attentionProjection(index: index, side: .encoder, config: config, languages: languages)
        selfAttention = MultiHeadAttention(name: name + ".self_attn", heads: config.heads, dropout: config.attentionDropout,
                                           rng: &rng, projection: projection)
        selfAttentionNorm = LayerNorm(name: name + ".self_attn_layer_norm", config: norm)
        feedForward = config.feedForwardKind.makeLayer(layerName: name, index: index, side: .encoder, config: config,
                                                       languages: languages, rng: &rng)
        finalNorm = LayerNorm(name: name + ".final_layer_norm", config: norm)
        dropout = config.dropout
    }

    public var parameters: [Parameter] {
        selfAttention.parameters + selfAttentionNorm.parameters + feedForward.parameters + finalNorm.parameters
    }

    /// x [B, S, d]; `padding` marks source padding.
    public func callAsFunction(_ g: Graph, _ x: Var, padding: AttentionMask, context: FeedForwardContext) -> Var {
        let normed = selfAttentionNorm(g, x)
        let attended = g.add(x, g.dropout(selfAttention(g, query: normed, memory: normed, mask: padding, context: context), rate: dropout))
        return residualFeedForward(g, attended, norm: finalNorm, feedForward: feedForward, dropout: dropout, context: context)
    }
}

/// x + drop(FFN(LN(x))), shared by encoder and decoder layers. The FFN sees
/// tokens as rows [N, d], whatever the batch layout.
func residualFeedForward(_ g: Graph, _ x: Var, norm: LayerNorm, feedForward: any FeedForward, dropout: Float,
                         context: FeedForwardContext) -> Var {
    let shape = g.shape(x)
    let rows = g.reshape(norm(g, x), Shape(shape.rows, shape.last))
    return g.add(x, g.dropout(g.reshape(feedForward(g, rows, context: context), shape), rate: dropout))
}
