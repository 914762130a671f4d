import TesseraTensor

/// Router arithmetic shared by the MoE kinds: host-side choices from the router's values, and
/// the differentiable pieces (selected gate values, balancing loss, z-loss).
public enum Routing {
    /// Row-wise argmax of m [T, E] (ties: lower index).
    public static func argmax(_ g: Graph, _ m: Var) -> [Int] {
        let (values, cols) = (g.value(m), g.shape(m).last)
        return (0..<g.shape(m).rows).map { r in
            var best = 0
            for e in 1..<cols where values[r * cols + e] > values[r * cols + best] { best = e }
            return best
        }
    }

    /// m[t, choices[t·k + j]] for every token and rank, as [T·k] (differentiable).
    public static func selected(_ g: Graph, _ m: Var, choices: [Int], perToken k: Int) -> Var {
        let cols = g.shape(m).last
        let flat = choices.indices.map { Int32($0 / k * cols + choices[$0]) }
        return g.reshape(g.gatherRows(g.reshape(m, Shape(g.shape(m).count, 1)), indices: g.indices(flat)), Shape(choices.count))
    }

    /// Switch load balancing E · Σ_e f_e · P_e: f_e the fraction of tokens whose top-1 is e
    /// (constant), P_e the mean router probability of e (differentiable).
    public static func balancingLoss(_ g: Graph, probabilities: Var, top1: [Int]) -> Var {
        let s = g.shape(probabilities), (tokens, experts) = (s.rows, s.last)
        var weights = [Float](repeating: 0, count: experts)
        // E · (count_e / T) · (Σ_t p_te / T), folded into one weight per expert.
        for e in top1 { weights[e] += Float(experts) / Float(tokens * tokens) }
        return g.sum(g.mul(g.sumRows(probabilities), g.constant(weights, Shape(experts))))
    }

    /// ST-MoE router z-loss: mean over tokens of logsumexp(logits)². The row's logsumexp is
    /// logit₀ − logSoftmax₀, which keeps the gradient exact without a dedicated op.
    public static func zLoss(_ g: Graph, logits: Var) -> Var {
        let first = g.slice(logits, axis: 1, start: 0, length: 1)
        let lse = g.sub(first, g.slice(g.logSoftmax(logits), axis: 1, start: 0, length: 1))
        return g.mean(g.mul(lse, lse))
    }

    /// The rows a router takes: nil for all of them (with `routePadding`, the reference's default, or
    /// when no padding is known), else the real-token rows of `padding` (as `TokenBatch.padding`)
    /// in ascending order, so padding rows count toward neither T, capacity nor the balancing loss.
    public static func routedRows(padding: [Int32]?, rows: Int, routePadding: Bool) -> [Int32]? {
        guard !routePadding, let padding else { return nil }
        precondition(padding.count == rows, "\(padding.count) padding flags for \(rows) rows")
        guard padding.contains(where: { $0 != 0 }) else { return nil }
        return padding.indices.compactMap { padding[$0] == 0 ? Int32($0) : nil }
    }

    /// Per-expert fraction of the tokens whose top-1 is that expert.
    public static func load(_ top1: [Int], experts: Int) -> [Double] {
        var counts = [Double](repeating: 0, count: experts)
        for e in top1 { counts[e] += 1 }
        return counts.map { $0 / Double(max(top1.count, 1)) }
    }
}
