import TesseraNN
import TesseraTensor

/// A linear map that may depend on the batch's direction: a plain Linear, or
/// an LMS LanguageSpecificLinear (W + V_a·F_b).
public protocol Projection: Module {
    func callAsFunction(_ g: Graph, _ x: Var, context: FeedForwardContext) -> Var
}

extension Linear: Projection {
    public func callAsFunction(_ g: Graph, _ x: Var, context: FeedForwardContext) -> Var { self(g, x) }
}

extension LanguageSpecificLinear: Projection {}

/// Multi-head attention with fairseq's parameter layout: `<name>.q_proj`,
/// `k_proj`, `v_proj`, `out_proj`, each a biased [d, d] projection.
public final class MultiHeadAttention: Module {
    public let heads: Int
    public let dropout: Float
    public let queryProjection, keyProjection, valueProjection, outputProjection: any Projection

    /// `projection(name, rng)` builds each of the four projections (plain Linear or LMS).
    public init(name: String, heads: Int, dropout: Float, rng: inout SplitMix64,
                projection: (String, inout SplitMix64) -> any Projection) {
        self.heads = heads
        self.dropout = dropout
        queryProjection = projection(name + ".q_proj", &rng)
        keyProjection = projection(name + ".k_proj", &rng)
        valueProjection = projection(name + ".v_proj", &rng)
        outputProjection = projection(name + ".out_proj", &rng)
    }

    public var parameters: [Parameter] {
        [queryProjection, keyProjection, valueProjection, outputProjection].flatMap(\.parameters)
    }

    /// query [B, Tq, d] attends over memory [B, Tk, d].
    public func callAsFunction(_ g: Graph, query: Var, memory: Var, mask: AttentionMask, context: FeedForwardContext) -> Var {
        attend(g, query: queryProjection(g, query, context: context), keys: keyProjection(g, memory, context: context),
               values: valueProjection(g, memory, context: context), mask: mask, context: context)
    }

    /// Attention over keys and values that are already projected (cached
    /// decoding), from projected queries; applies the output projection.
    public func attend(_ g: Graph, query: Var, keys: Var, values: Var, mask: AttentionMask = .none,
                       context: FeedForwardContext) -> Var {
        outputProjection(g, g.attention(query: query, key: keys, value: values, heads: heads, mask: mask, dropout: dropout),
                         context: context)
    }
}
