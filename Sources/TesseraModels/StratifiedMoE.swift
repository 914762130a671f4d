import Foundation
import TesseraIO
import TesseraNN
import TesseraTensor

/// Stratified MoE settings (Xu et al., Findings EMNLP 2023).
public struct StratifiedOptions: Codable, Sendable, Equatable {
    /// Experts per stratum, first stratum first (SMoE-4-12 is [4, 12]).
    public var strata = [4, 12]
    /// Training capacity of an expert in stratum i: ⌊factor·⌈T_i/E_i⌉⌋; the default 2 gives the
    /// reference's 2·⌈T_i/E_i⌉ (the paper's 2·T_i/E_i).
    public var capacityFactor = 2.0
    /// Evaluation capacity factor, rounded as in training; nil (the default) drops nothing.
    public var evalCapacityFactor: Double? = nil
    /// α: the block's loss is α · mean over gates of E_i·Σ f_e p_e.
    public var balanceWeight: Float = 1e-2
    /// Sample the second expert with Gumbel noise while training (the paper); false takes the
    /// second-largest probability.
    public var gumbel = true
    public var every = 2
    /// Route padding rows like tokens (the reference's default, `use_moe_pad_mask` off); false
    /// routes only real tokens and gives padding rows a zero update.
    public var routePadding = true

    enum CodingKeys: String, CodingKey, CaseIterable {
        case strata, gumbel, every
        case capacityFactor = "capacity_factor", evalCapacityFactor = "eval_capacity_factor", balanceWeight = "balance_weight"
        case routePadding = "route_padding"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.update(&strata, .strata)
        try c.update(&capacityFactor, .capacityFactor)
        evalCapacityFactor = try c.decodeIfPresent(Double.self, forKey: .evalCapacityFactor)
        try c.update(&balanceWeight, .balanceWeight)
        try c.update(&gumbel, .gumbel)
        try c.update(&every, .every)
        try c.update(&routePadding, .routePadding)
        guard !strata.isEmpty, strata.allSatisfy({ $0 >= 1 }), capacityFactor > 0, evalCapacityFactor.map({ $0 > 0 }) ?? true, every >= 1 else {
            throw ConfigError(message: "smoe: strata must be a non-empty list of positive sizes; factors and every positive")
        }
    }

    /// Global id of the first expert of each stratum, plus the total.
    var firstExpert: [Int] { strata.reduce(into: [0]) { $0.append($0.last! + $1) } }
}

/// One stratum's weights, as Vars: its gate, and the LayerNorm `hmoe_layernorms.<i>` that
/// normalizes a token's stream as it enters stratum i + 1, or, for the last stratum, as it leaves
/// the block.
public struct StratumWeights {
    public var gate, normGamma, normBeta: Var
    public init(gate: Var, normGamma: Var, normBeta: Var) {
        self.gate = gate
        self.normGamma = normGamma
        self.normBeta = normBeta
    }
}

/// SMoE block, laid out as the reference's `forward_hmoe` (docs/kinds.md). It owns the layer's
/// residual: a token's stream h starts as the layer's residual stream. Stratum 0 routes
/// final_layer_norm(h); a token entering stratum s ≥ 1 is routed on hmoe_layernorms[s−1](h). At
/// each stratum the token goes top-2 over the experts of that stratum and all later ones, adds the
/// renormalized mix of the experts' outputs, each with its own dropout, to h, and moves on to the
/// stratum after its top-1 expert's, or exits. The layer's output is hmoe_layernorms[S−1](h) for
/// every row, with no residual added after it.
/// Names (the reference's): `<layer>.moe_layer.gate.<i>.wg.weight` [E_i, d],
/// `<layer>.hmoe_layernorms.<i>.weight|bias`, experts `<layer>.moe_layer.experts.<e>.fc1|fc2` with
/// global expert ids; stratum 0 uses the layer's `<layer>.final_layer_norm`.
public final class StratifiedMoE: ResidualFeedForward {
    public let name: String
    public let options: StratifiedOptions
    public let gates: [Linear]
    /// hmoe_layernorms: norms[i] enters stratum i + 1; the last one is the exit norm.
    public let norms: [LayerNorm]
    public let experts: [DenseFeedForward]
    /// Dropout on each expert's output (the reference's experts end in the layer's dropout).
    let dropout: Float
    let firstExpert: [Int]
    /// Token rows that reached each stratum in the last forward pass (for routing statistics).
    public private(set) var lastVisits: [[Int32]] = []

    public init(layerName: String, config: TransformerConfig, options: StratifiedOptions, rng: inout SplitMix64) {
        name = layerName
        self.options = options
        firstExpert = options.firstExpert
        dropout = config.dropout
        let total = firstExpert.last!, d = config.modelDimension
        gates = options.strata.indices.map { [firstExpert] i in
            Linear(name: layerName + ".moe_layer.gate.\(i).wg", config: LinearConfig(inputs: d, outputs: total - firstExpert[i], bias: false), rng: &rng)
        }
        norms = options.strata.indices.map { LayerNorm(name: layerName + ".hmoe_layernorms.\($0)", config: LayerNormConfig(size: d)) }
        experts = (0..<total).map { DenseFeedForward(layerName: layerName + ".moe_layer.experts.\($0)", config: config, rng: &rng) }
    }

    public var parameters: [Parameter] { gates.flatMap(\.parameters) + norms.flatMap(\.parameters) + experts.flatMap(\.parameters) }

    public func layerOutput(_ g: Graph, stream: Var, normed: Var, context: FeedForwardContext) -> Var {
        let weights = zip(gates, norms).map { StratumWeights(gate: g.param($0.weight), normGamma: g.param($1.gamma), normBeta: g.param($1.beta)) }
        return forward(g, stream: stream, normed: normed, strata: weights, context: context) { e, rows in experts[e](g, rows, context: context) }
    }

    /// The block on a stream x that is its own stratum-0 input (final_layer_norm left out), for
    /// callers without a layer around it; layers call `layerOutput`.
    public func callAsFunction(_ g: Graph, _ x: Var, context: FeedForwardContext) -> Var {
        layerOutput(g, stream: x, normed: x, context: context)
    }

    /// Stratum of a global expert id.
    func stratum(ofExpert e: Int) -> Int { firstExpert.lastIndex { $0 <= e }! }

    /// The block with its weights and experts (global ids) passed in: stream and normed =
    /// final_layer_norm(stream) are [N, d]; returns the layer's output [N, d]. Rows that
    /// `Routing.routedRows` leaves out (padding, with `route_padding` false) get no update.
    public func forward(_ g: Graph, stream: Var, normed: Var, strata weights: [StratumWeights], context: FeedForwardContext,
                        expert: (Int, Var) -> Var) -> Var {
        let rows = g.shape(stream).rows, strataCount = options.strata.count
        var h = stream
        var waiting = [[Int32]](repeating: [], count: strataCount)
        waiting[0] = Routing.routedRows(padding: context.padding, rows: rows, routePadding: options.routePadding)
            ?? (0..<Int32(rows)).map { $0 }
        let tokens = waiting[0].count
        var balance: [Var] = [], steps = 0, dropped = 0, choices = 0
        var loads: [Double] = []
        for i in 0..<strataCount where !waiting[i].isEmpty {
            let active = waiting[i].sorted(), indices = g.indices(active)
            let visible = firstExpert.last! - firstExpert[i], k = min(2, visible)
            let input = i == 0 ? g.gatherRows(normed, indices: indices)
                : g.layerNorm(g.gatherRows(h, indices: indices), gamma: weights[i - 1].normGamma, beta: weights[i - 1].normBeta)
            let logits = g.linear(input, weight: weights[i].gate, bias: nil)
            let probabilities = g.softmax(logits)
            let top1 = Routing.argmax(g, probabilities)
            let picks = topChoices(g, logits: logits, top1: top1, k: k)
            let factor = g.isTraining ? options.capacityFactor : options.evalCapacityFactor
            let plan = DispatchPlan(choices: picks, perToken: k, experts: visible,
                                    capacity: expertCapacity(factor: factor, tokens: active.count, experts: visible))
            // p_1/(p_1+p_2) = softmax over the two chosen logits; a dropped choice gets −∞, i.e. weight 0.
            let chosen = g.reshape(Routing.selected(g, logits, choices: picks, perToken: k), Shape(active.count, k))
            let dropMask = g.constant(plan.kept.map { $0 ? 0 : -Float.infinity }, Shape(active.count, k))
            let mixed = ExpertDispatch.combine(g, input, gates: g.softmax(g.add(chosen, dropMask)), plan: plan) { e, block in
                g.dropout(expert(firstExpert[i] + e, block), rate: dropout)
            }
            h = g.indexAddRows(h, source: mixed, indices: indices)
            balance.append(Routing.balancingLoss(g, probabilities: probabilities, top1: top1))
            for (t, e) in top1.enumerated() {
                let next = stratum(ofExpert: firstExpert[i] + e) + 1
                if next < strataCount { waiting[next].append(active[t]) }
            }
            steps += active.count
            dropped += plan.kept.count - plan.tokens.count
            choices += plan.kept.count
            loads += Routing.load(top1, experts: visible).map { $0 * Double(active.count) / Double(tokens) }
        }
        lastVisits = waiting.map { $0.sorted() }
        let output = g.layerNorm(h, gamma: weights[strataCount - 1].normGamma, beta: weights[strataCount - 1].normBeta)
        guard !balance.isEmpty else { return output }  // no tokens routed at all
        let meanBalance = g.scale(balance.dropFirst().reduce(balance[0]) { g.add($0, $1) }, 1 / Float(balance.count))
        context.addAuxiliaryLoss(g.scale(meanBalance, options.balanceWeight))
        context.statistics[name + ".moe.load"] = loads
        context.statistics[name + ".moe.dropped"] = [Double(dropped) / Double(max(choices, 1))]
        context.statistics[name + ".moe.balance_loss"] = [Double(g.scalar(meanBalance))]
        context.statistics[name + ".moe.steps_per_token"] = [Double(steps) / Double(max(tokens, 1))]
        return output
    }

    /// Top-1 and, with k = 2, the second expert: while training (with `gumbel`) the argmax of
    /// logits + Gumbel noise over the other experts, as in the reference top2gating; otherwise the
    /// second-largest logit. Noise comes from the graph's generator, so a seeded step repeats.
    func topChoices(_ g: Graph, logits: Var, top1: [Int], k: Int) -> [Int] {
        guard k == 2 else { return top1 }
        let (values, cols) = (g.value(logits), g.shape(logits).last)
        let sample = g.isTraining && options.gumbel
        var noise = SplitMix64(seed: sample ? g.rng.next() : 0)
        var picks: [Int] = []
        picks.reserveCapacity(2 * top1.count)
        for (r, first) in top1.enumerated() {
            var second = -1, best = -Float.infinity
            for e in 0..<cols where e != first {
                let score = values[r * cols + e] + (sample ? -log(-log(noise.nextFloat() + 0x1p-25)) : 0)
                if second < 0 || score > best { (second, best) = (e, score) }
            }
            picks += [first, second]
        }
        return picks
    }
}
