import TesseraNN
import TesseraTensor

/// A feed-forward kind that owns its layer's residual connection: from the layer's residual stream
/// and final_layer_norm(stream) it computes the layer's output itself, where other kinds return an
/// update that the layer adds as x + dropout(update). SMoE is one (docs/kinds.md).
public protocol ResidualFeedForward: FeedForward {
    /// stream [N, d], the layer's residual stream, and normed [N, d] = final_layer_norm(stream) →
    /// the layer's output [N, d].
    func layerOutput(_ g: Graph, stream: Var, normed: Var, context: FeedForwardContext) -> Var
}

/// The feed-forward half of an encoder or decoder layer: x + drop(FFN(LN(x))), or the output of a
/// kind that owns the residual. The FFN sees tokens as rows [N, d], whatever the batch layout, and
/// finds in `context.padding` which rows are padding (`padding`, as `TokenBatch.padding`; nil when
/// unknown).
func residualFeedForward(_ g: Graph, _ x: Var, norm: LayerNorm, feedForward: any FeedForward, dropout: Float,
                         padding: [Int32]?, context: FeedForwardContext) -> Var {
    let shape = g.shape(x), rows = Shape(shape.rows, shape.last)
    let normed = g.reshape(norm(g, x), rows)
    return context.withPadding(padding) {
        if let owner = feedForward as? any ResidualFeedForward {
            return g.reshape(owner.layerOutput(g, stream: g.reshape(x, rows), normed: normed, context: context), shape)
        }
        return g.add(x, g.dropout(g.reshape(feedForward(g, normed, context: context), shape), rate: dropout))
    }
}
