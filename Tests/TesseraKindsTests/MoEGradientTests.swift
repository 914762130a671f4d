import Testing
import TesseraModels
import TesseraNN
@testable import TesseraTensor

/// Finite-difference checks through whole MoE layers: router, capacity dropping, dispatch
/// (gather), per-expert GEMMs, gate scaling, combine (index-add) and the auxiliary losses.
@Suite struct MoEGradientTests {
    let checker = GradientChecker()
    let tokens = 6, d = 4, f = 5

    func expertInputs(_ count: Int) -> [GradientChecker.Input] {
        (0..<count).flatMap { [input(Shape(f, d), seed: 10 + UInt64($0)), input(Shape(d, f), seed: 20 + UInt64($0))] }
    }

    @Test func switchLayer() {
        var options = SwitchOptions()
        options.experts = 3
        options.capacityFactor = 1  // C = 2 of 6 tokens: some are dropped
        options.balanceWeight = 1  // large enough that its gradient is visible to the check
        options.zLossWeight = 0.5
        var rng = SplitMix64(seed: 1)
        let layer = SwitchFeedForward(layerName: "l", config: smallConfig(), options: options, rng: &rng)
        let inputs = [input(Shape(tokens, d), seed: 1), input(Shape(3, d), seed: 2, scale: 2)] + expertInputs(3)
        checker.check(inputs, "switch") { g, v in
            let context = FeedForwardContext(source: 0, target: 1)
            let y = layer.forward(g, v[0], gateWeight: v[1], context: context) { e, rows in expert(g, rows, v[2 + 2 * e], v[3 + 2 * e]) }
            return withAuxiliary(g, y, context)
        }
        let plan = layer.lastPlan!
        #expect(plan.droppedFraction > 0, "the check must cover dropped tokens")
        #expect(zip(plan.offsets, plan.offsets.dropFirst()).allSatisfy { $0 < $1 }, "every expert must get tokens")
    }

    /// With `route_padding` false the router sees only the real rows: gather, route, index-add back.
    @Test func switchLayerSkippingPadding() {
        var options = SwitchOptions()
        (options.experts, options.capacityFactor, options.balanceWeight, options.routePadding) = (2, 1, 1, false)
        var rng = SplitMix64(seed: 1)
        let layer = SwitchFeedForward(layerName: "l", config: smallConfig(), options: options, rng: &rng)
        let padding: [Int32] = [0, 1, 0, 0, 0, 1, 0, 0]
        let inputs = [input(Shape(8, d), seed: 4), input(Shape(2, d), seed: 2, scale: 2)] + expertInputs(2)
        checker.check(inputs, "switch, padding not routed") { g, v in
            let context = FeedForwardContext(source: 0, target: 1)
            let y = context.withPadding(padding) {
                layer.forward(g, v[0], gateWeight: v[1], context: context) { e, rows in expert(g, rows, v[2 + 2 * e], v[3 + 2 * e]) }
            }
            return withAuxiliary(g, y, context)
        }
        #expect(layer.lastPlan!.kept.count == 6, "only the real rows are routed")
    }

    /// The whole SMoE sublayer as a layer runs it: final_layer_norm, strata with their gates and
    /// hmoe_layernorms, expert dropout, the residual inside the block and the exit norm; one row is
    /// padding and not routed.
    @Test func stratifiedLayer() {
        var options = StratifiedOptions()
        options.strata = [2, 2]
        options.capacityFactor = 1  // drops some second choices, so renormalization is covered
        options.balanceWeight = 1
        options.routePadding = false
        var config = smallConfig()
        config.dropout = 0.2
        var rng = SplitMix64(seed: 1)
        let layer = StratifiedMoE(layerName: "l", config: config, options: options, rng: &rng)
        let rows = 7, padding: [Int32] = [0, 0, 0, 1, 0, 0, 0]
        let norms = (0..<6).map { input(Shape(d), seed: 30 + UInt64($0)) }  // final_layer_norm, hmoe_layernorms.0, .1
        let inputs = [input(Shape(rows, d), seed: 3), input(Shape(4, d), seed: 1, scale: 2), input(Shape(2, d), seed: 5, scale: 2)]
            + norms + expertInputs(4)
        // With the default step, some token's routing flips between the two evaluations; this one keeps it.
        var checker = checker
        checker.step = 2e-3
        var dropped = 0.0
        checker.check(inputs, "smoe") { g, v in
            let context = FeedForwardContext(source: 0, target: 1)
            defer { dropped = context.statistics["l.moe.dropped"]?[0] ?? 0 }
            let normed = g.layerNorm(v[0], gamma: v[3], beta: v[4])
            let strata = [StratumWeights(gate: v[1], normGamma: v[5], normBeta: v[6]),
                          StratumWeights(gate: v[2], normGamma: v[7], normBeta: v[8])]
            let y = context.withPadding(padding) {
                layer.forward(g, stream: v[0], normed: normed, strata: strata, context: context) { e, rows in
                    expert(g, rows, v[9 + 2 * e], v[10 + 2 * e])
                }
            }
            return withAuxiliary(g, y, context)
        }
        #expect(layer.lastVisits[0] == [0, 1, 2, 4, 5, 6], "the padding row is not routed")
        #expect(layer.lastVisits[1].count > 0, "some tokens must reach the second stratum")
        #expect(dropped > 0, "some choices must be over capacity")
    }

    @Test func zLossAndBalancing() {
        checker.check([input(Shape(tokens, 3), seed: 11, scale: 2)], "router losses") { g, v in
            let probabilities = g.softmax(v[0])
            let top1 = Routing.argmax(g, probabilities)
            return g.concat([Routing.zLoss(g, logits: v[0]), Routing.balancingLoss(g, probabilities: probabilities, top1: top1)], axis: 0)
        }
    }
}
