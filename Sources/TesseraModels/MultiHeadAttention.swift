import TesseraNN
import TesseraTensor

/// Multi-head attention with fairseq's parameter layout: `<name>.q_proj`,
/// `k_proj`, `v_proj`, `out_proj`, each a biased [d, d] Linear.
public final class MultiHeadAttention: Module {
    public let heads: Int
    public let dropout: Float
    public let queryProjection, keyProjection, valueProjection, outputProjection: Linear

    public init(name: String, dimension: Int, heads: Int, dropout: Float, rng: inout SplitMix64) {
        self.heads = heads
        self.dropout = dropout
        let config = LinearConfig(inputs: dimension, outputs: dimension)
        queryProjection = Linear(name: name + ".q_proj", config: config, rng: &rng)
        keyProjection = Linear(name: name + ".k_proj", config: config, rng: &rng)
        valueProjection = Linear(name: name + ".v_proj", config: config, rng: &rng)
        outputProjection = Linear(name: name + ".out_proj", config: config, rng: &rng)
    }

    public var parameters: [Parameter] {
        [queryProjection, keyProjection, valueProjection, outputProjection].flatMap(\.parameters)
    }

    /// query [B, Tq, d] attends over memory [B, Tk, d].
    public func callAsFunction(_ g: Graph, query: Var, memory: Var, mask: AttentionMask) -> Var {
        attend(g, query: queryProjection(g, query), keys: keyProjection(g, memory), values: valueProjection(g, memory), mask: mask)
    }

    /// Attention over keys and values that are already projected (cached
    /// decoding), from projected queries; applies the output projection.
    public func attend(_ g: Graph, query: Var, keys: Var, values: Var, mask: AttentionMask = .none) -> Var {
        outputProjection(g, g.attention(query: query, key: keys, value: values, heads: heads, mask: mask, dropout: dropout))
    }
}
