import TesseraIO
import TesseraNN
import TesseraTensor

/// Switch Transformer settings (Fedus et al. 2021); JSON keys follow fairseq's `--moe-*` names.
public struct SwitchOptions: Codable, Sendable, Equatable {
    public var experts = 8
    /// Training capacity factor: C = ⌊factor·⌈T/E⌉⌋, as fairseq's top1gating.
    public var capacityFactor = 1.25
    /// Evaluation capacity factor, rounded as in training; nil (the default) drops nothing.
    public var evalCapacityFactor: Double? = nil
    /// α of the load-balancing loss α·E·Σ f_e P_e.
    public var balanceWeight: Float = 1e-2
    /// Weight of the router z-loss (ST-MoE uses 1e-3); 0 disables it.
    public var zLossWeight: Float = 0
    /// MoE in layers i with (i+1) % every == 0 (fairseq `--moe-freq`).
    public var every = 2
    /// Route padding rows like tokens (the reference's default, `use_moe_pad_mask` off); false
    /// routes only real tokens and gives padding rows a zero update.
    public var routePadding = true

    enum CodingKeys: String, CodingKey, CaseIterable {
        case experts, every
        case capacityFactor = "capacity_factor", evalCapacityFactor = "eval_capacity_factor"
        case balanceWeight = "balance_weight", zLossWeight = "z_loss_weight", routePadding = "route_padding"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.update(&experts, .experts)
        try c.update(&capacityFactor, .capacityFactor)
        evalCapacityFactor = try c.decodeIfPresent(Double.self, forKey: .evalCapacityFactor)
        try c.update(&balanceWeight, .balanceWeight)
        try c.update(&zLossWeight, .zLossWeight)
        try c.update(&every, .every)
        try c.update(&routePadding, .routePadding)
        guard experts >= 1, capacityFactor > 0, evalCapacityFactor.map({ $0 > 0 }) ?? true, every >= 1 else {
            throw ConfigError(message: "switch: experts, capacity factors and every must be positive")
        }
    }
}

/// Top-1 mixture of dense experts. Router `<layer>.moe_layer.gate.wg.weight` [E, d] (fairseq's
/// MOELayer names), experts `<layer>.moe_layer.experts.<e>.fc1|fc2.weight|bias`.
public final class SwitchFeedForward: FeedForward {
    public let name: String
    public let options: SwitchOptions
    public let gate: Linear
    public let experts: [DenseFeedForward]
    /// The last forward pass's dispatch (for routing statistics); its token rows count the routed
    /// rows only.
    public private(set) var lastPlan: DispatchPlan?

    public init(layerName: String, config: TransformerConfig, options: SwitchOptions, rng: inout SplitMix64) {
        name = layerName
        self.options = options
        gate = Linear(name: layerName + ".moe_layer.gate.wg",
                      config: LinearConfig(inputs: config.modelDimension, outputs: options.experts, bias: false), rng: &rng)
        experts = (0..<options.experts).map { DenseFeedForward(layerName: layerName + ".moe_layer.experts.\($0)", config: config, rng: &rng) }
    }

    public var parameters: [Parameter] { gate.parameters + experts.flatMap(\.parameters) }

    public func callAsFunction(_ g: Graph, _ x: Var, context: FeedForwardContext) -> Var {
        forward(g, x, gateWeight: g.param(gate.weight), context: context) { e, rows in experts[e](g, rows, context: context) }
    }

    /// The layer with its router weight and experts passed in (so gradients can be checked on Vars).
    /// Rows that `Routing.routedRows` leaves out (padding, with `route_padding` false) get 0.
    public func forward(_ g: Graph, _ x: Var, gateWeight: Var, context: FeedForwardContext, expert: (Int, Var) -> Var) -> Var {
        guard let routed = Routing.routedRows(padding: context.padding, rows: g.shape(x).rows, routePadding: options.routePadding) else {
            return route(g, x, gateWeight: gateWeight, context: context, expert: expert)
        }
        let zeros = g.zeros(g.shape(x))
        guard !routed.isEmpty else {
            lastPlan = nil
            return zeros
        }
        let rows = g.indices(routed)
        return g.indexAddRows(zeros, source: route(g, g.gatherRows(x, indices: rows), gateWeight: gateWeight, context: context, expert: expert),
                              indices: rows)
    }

    /// Top-1 routing of every row of x.
    func route(_ g: Graph, _ x: Var, gateWeight: Var, context: FeedForwardContext, expert: (Int, Var) -> Var) -> Var {
        let logits = g.linear(x, weight: gateWeight, bias: nil)
        let probabilities = g.softmax(logits)
        let top1 = Routing.argmax(g, probabilities)
        let factor = g.isTraining ? options.capacityFactor : options.evalCapacityFactor
        let plan = DispatchPlan(choices: top1, perToken: 1, experts: options.experts,
                                capacity: expertCapacity(factor: factor, tokens: top1.count, experts: options.experts))
        lastPlan = plan
        let output = ExpertDispatch.combine(g, x, gates: Routing.selected(g, probabilities, choices: top1, perToken: 1),
                                            plan: plan, expert: expert)
        let balance = Routing.balancingLoss(g, probabilities: probabilities, top1: top1)
        var auxiliary = g.scale(balance, options.balanceWeight)
        if options.zLossWeight > 0 { auxiliary = g.add(auxiliary, g.scale(Routing.zLoss(g, logits: logits), options.zLossWeight)) }
        context.addAuxiliaryLoss(auxiliary)
        context.statistics[name + ".moe.load"] = Routing.load(top1, experts: options.experts)
        context.statistics[name + ".moe.dropped"] = [plan.droppedFraction]
        context.statistics[name + ".moe.balance_loss"] = [Double(g.scalar(balance))]
        return output
    }
}
