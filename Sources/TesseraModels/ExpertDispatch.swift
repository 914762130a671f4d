import TesseraTensor

/// Tokens an expert may take in one batch: ⌊factor·⌈T/E⌉⌋, the reference gates' rounding (fairseq
/// top1gating's `int(capacity_factor * math.ceil(num_tokens / num_experts))`; the SMoE reference's
/// top2gatingmask has 2·⌈T/E⌉, factor 2). The product is rounded down in Double as Python's `int()`
/// does. A nil factor means no limit (evaluation, where nothing should be dropped).
public func expertCapacity(factor: Double?, tokens: Int, experts: Int) -> Int {
    guard let factor else { return tokens }
    return Int(factor * Double((tokens + experts - 1) / experts))
}

/// Which token rows each expert processes, decided on the host from the router's choices. Slots
/// are laid out expert after expert, so every expert's input is one contiguous block.
public struct DispatchPlan: Equatable {
    /// Token row of each slot, expert-major, tokens ascending within an expert.
    public private(set) var tokens: [Int32] = []
    /// Index of each slot's gate weight in the flattened [T, k] gate matrix (t·k + choice rank).
    public private(set) var gates: [Int32] = []
    /// Start of each expert's block in `tokens`, and the end: E + 1 entries.
    public private(set) var offsets: [Int] = [0]
    /// kept[t·k + j]: whether token t's j-th choice fit its expert's capacity.
    public private(set) var kept: [Bool]

    /// `choices[t·k + j]` is token t's j-th expert. Choices are admitted rank by rank (every
    /// token's first choice before any second one), tokens in order within a rank, as in GShard:
    /// a later token's top-1 wins a slot over an earlier token's top-2.
    public init(choices: [Int], perToken k: Int, experts: Int, capacity: Int) {
        let tokenCount = choices.count / k
        kept = [Bool](repeating: false, count: choices.count)
        var perExpert = [[Int32]](repeating: [], count: experts)
        for rank in 0..<k {
            for t in 0..<tokenCount where perExpert[choices[t * k + rank]].count < capacity {
                perExpert[choices[t * k + rank]].append(Int32(t * k + rank))
                kept[t * k + rank] = true
            }
        }
        for slots in perExpert {
            let ordered = slots.sorted()
            gates += ordered
            tokens += ordered.map { $0 / Int32(k) }
            offsets.append(tokens.count)
        }
    }

    /// Fraction of choices that were over capacity.
    public var droppedFraction: Double { kept.isEmpty ? 0 : Double(kept.count - tokens.count) / Double(kept.count) }
}

public enum ExpertDispatch {
    /// Σ over kept choices of gate · expert(x_token), as x's shape [T, d]: one gather (index-select)
    /// into per-expert blocks, one `expert(e, block)` call per non-empty expert (one GEMM each),
    /// gate scaling, one index-add back. Tokens with no kept choice get 0: the caller's residual
    /// passes them through. `gates` holds the [T, k] weights the plan's `gates` index into.
    public static func combine(_ g: Graph, _ x: Var, gates: Var, plan: DispatchPlan, expert: (Int, Var) -> Var) -> Var {
        let zeros = g.zeros(g.shape(x))
        guard !plan.tokens.isEmpty else { return zeros }
        let tokenRows = g.indices(plan.tokens)
        let dispatched = g.gatherRows(x, indices: tokenRows)
        let outputs = (0..<plan.offsets.count - 1).compactMap { e -> Var? in
            let count = plan.offsets[e + 1] - plan.offsets[e]
            return count == 0 ? nil : expert(e, g.rows(dispatched, plan.offsets[e], count))
        }
        let expertOutputs = outputs.count == 1 ? outputs[0] : g.concat(outputs, axis: 0)
        let weights = g.gatherRows(g.reshape(gates, Shape(g.shape(gates).count, 1)), indices: g.indices(plan.gates))
        return g.indexAddRows(zeros, source: g.scaleRows(expertOutputs, weights), indices: tokenRows)
    }
}
