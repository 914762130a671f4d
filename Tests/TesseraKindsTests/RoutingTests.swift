import Foundation
import Testing
import TesseraModels
import TesseraNN
@testable import TesseraTensor

/// Routing on hand-made router weights: capacity, dropping, stratum transitions, determinism.
@Suite struct RoutingTests {
    /// ⌊factor·⌈T/E⌉⌋ as the reference gates round (top1gating, top2gatingmask), not ⌈factor·T/E⌉.
    @Test func capacityRoundsAsTheReferenceGates() {
        #expect(expertCapacity(factor: 1.25, tokens: 4096, experts: 8) == 640)
        #expect(expertCapacity(factor: 1, tokens: 10, experts: 3) == 4)
        #expect(expertCapacity(factor: 1.25, tokens: 10, experts: 4) == 3)  // int(1.25·3); ⌈1.25·10/4⌉ would be 4
        #expect(expertCapacity(factor: 2, tokens: 5, experts: 2) == 6)  // 2·⌈5/2⌉; ⌈2·5/2⌉ would be 5
        #expect(expertCapacity(factor: 2, tokens: 7, experts: 3) == 6)
        #expect(expertCapacity(factor: 1.15, tokens: 100, experts: 1) == 114)  // Python: int(1.15 * 100) == 114
        #expect(expertCapacity(factor: 0.5, tokens: 3, experts: 8) == 0)
        #expect(expertCapacity(factor: nil, tokens: 10, experts: 3) == 10)
    }

    /// Every token prefers expert 0, so the number it keeps is the capacity: Switch with E = 4,
    /// factor 1.25, T = 10 keeps int(1.25·⌈10/4⌉) = 3; SMoE with one stratum of 3, factor 2, T = 7
    /// keeps 2·⌈7/3⌉ = 6 first and 6 second choices (the second goes to expert 1, the lowest tie).
    @Test func layersDropByTheReferenceCapacity() {
        let config = smallConfig()
        let g = Graph(seed: 1)
        let x = g.constant((0..<10).flatMap { _ in [Float(1), 0, 0, 0] }, Shape(10, 4))
        var rng = SplitMix64(seed: 2)
        var switchOptions = SwitchOptions()
        (switchOptions.experts, switchOptions.capacityFactor) = (4, 1.25)
        let switchLayer = SwitchFeedForward(layerName: "s", config: config, options: switchOptions, rng: &rng)
        switchLayer.gate.weight.values = [10, 0, 0, 0] + [Float](repeating: 0, count: 12)
        let context = FeedForwardContext(source: 0, target: 1)
        _ = switchLayer(g, x, context: context)
        #expect(switchLayer.lastPlan!.tokens == [0, 1, 2])
        #expect(context.statistics["s.moe.dropped"] == [0.7])

        var strata = StratifiedOptions()
        (strata.strata, strata.gumbel) = ([3], false)
        let smoe = StratifiedMoE(layerName: "m", config: config, options: strata, rng: &rng)
        smoe.gates[0].weight.values = [10, 0, 0, 0] + [Float](repeating: 0, count: 8)
        _ = smoe(g, g.rows(x, 0, 7), context: context)
        #expect(context.statistics["m.moe.dropped"] == [2.0 / 14])
    }

    /// First choices of all tokens are admitted before any second choice.
    @Test func planAdmitsChoicesRankByRank() {
        let plan = DispatchPlan(choices: [0, 1, 1, 0, 0, 1], perToken: 2, experts: 2, capacity: 2)
        #expect(plan.kept == [true, true, true, false, true, false])
        #expect(plan.tokens == [0, 2, 0, 1])
        #expect(plan.gates == [0, 4, 1, 2])
        #expect(plan.offsets == [0, 2, 4])
        #expect(plan.droppedFraction == 2.0 / 6)
    }

    /// Router = identity, so token t goes to the expert of its largest coordinate. With 4 tokens,
    /// 2 experts and factor 1 each expert takes 2: token 3, expert 0's third, is dropped and gets 0.
    @Test func switchDropsTokensOverCapacity() {
        var options = SwitchOptions()
        options.experts = 2
        options.capacityFactor = 1
        var rng = SplitMix64(seed: 3)
        let layer = SwitchFeedForward(layerName: "l", config: smallConfig(dimension: 2, feedForward: 3), options: options, rng: &rng)
        layer.gate.weight.values = [1, 0, 0, 1]
        let x: [Float] = [2, 0, 3, 0, 0, 1, 1, 0]
        let g = Graph(seed: 1)
        let context = FeedForwardContext(source: 0, target: 1)
        let y = g.array(layer(g, g.constant(x, Shape(4, 2)), context: context))
        #expect(layer.lastPlan!.tokens == [0, 1, 2])
        #expect(layer.lastPlan!.kept == [true, true, true, false])
        #expect(row(y, 3, cols: 2) == [0, 0])
        #expect(context.statistics["l.moe.dropped"] == [0.25])
        #expect(context.statistics["l.moe.load"] == [0.75, 0.25])
        // E · Σ f_e P_e with f = (3/4, 1/4) and P_e the mean softmax probability of expert e.
        let meanP0 = [2, 3, -1, 1].map { 1 / (1 + exp(-Double($0))) }.reduce(0, +) / 4
        let balance = 2 * (0.75 * meanP0 + 0.25 * (1 - meanP0))
        #expect(abs(context.statistics["l.moe.balance_loss"]![0] - balance) < 1e-6)
        for (t, e) in [(0, 0), (1, 0), (2, 1)] {
            let reference = Graph()
            let rowVar = reference.constant(row(x, t, cols: 2), Shape(1, 2))
            let probability = reference.array(reference.softmax(reference.constant(row(x, t, cols: 2), Shape(1, 2))))[e]
            let expected = reference.array(layer.experts[e](reference, rowVar, context: context)).map { $0 * probability }
            #expect(maxDifference(row(y, t, cols: 2), expected) < 1e-6, "token \(t)")
        }
        // Evaluation capacity (nil factor) drops nothing.
        g.reset()
        g.isTraining = false
        let evaluated = g.array(layer(g, g.constant(x, Shape(4, 2)), context: context))
        #expect(layer.lastPlan!.kept.allSatisfy { $0 })
        #expect(row(evaluated, 3, cols: 2) != [0, 0])
    }

    /// Strata [1, 1, 2]; gate_i scores expert e by 10·LN(x)_e, so a token whose largest coordinate
    /// is e picks expert e wherever e is visible (ties: the lowest visible). Experts output 0, so
    /// the stream never changes and the output is the exit norm of the input. Token 0 (expert 0, stratum 0) moves to stratum 1, picks expert 1
    /// there, moves to stratum 2, exits; token 1 (expert 1) skips to stratum 2; token 2 (expert 2,
    /// last stratum) exits at once.
    @Test func stratumTransitions() {
        var options = StratifiedOptions()
        options.strata = [1, 1, 2]
        var rng = SplitMix64(seed: 4)
        let layer = StratifiedMoE(layerName: "l", config: smallConfig(), options: options, rng: &rng)
        for (i, gate) in layer.gates.enumerated() {
            let first = [0, 1, 2][i]
            gate.weight.values = (0..<gate.config.outputs).flatMap { j in (0..<4).map { $0 == first + j ? Float(10) : 0 } }
        }
        let g = Graph(seed: 1)
        g.isTraining = false
        let context = FeedForwardContext(source: 0, target: 1)
        var calls: [Int: Int] = [:]
        let strata = zip(layer.gates, layer.norms).map { StratumWeights(gate: g.param($0.weight), normGamma: g.param($1.gamma), normBeta: g.param($1.beta)) }
        let x = g.constant([4, 0, 0, 0, 0, 4, 0, 0, 0, 0, 4, 0], Shape(3, 4))
        let normed = layer.norms[0](g, x)  // as final_layer_norm with its initial weights
        let y = layer.forward(g, stream: x, normed: normed, strata: strata, context: context) { e, rows in
            calls[e, default: 0] += g.shape(rows)[0]
            return g.scale(rows, 0)
        }
        #expect(layer.lastVisits == [[0, 1, 2], [0], [0, 1]])
        #expect(context.statistics["l.moe.steps_per_token"] == [2])
        #expect(g.array(y) == g.array(layer.norms[2](g, x)))
        // Stratum 0: top-1 experts 0, 1, 2 and their second choices (1, 0, 0: the lowest tie);
        // stratum 1: token 0 → 1, 2; stratum 2: tokens 0, 1 → experts 2 and 3 each.
        #expect(calls == [0: 3, 1: 3, 2: 4, 3: 2])
    }

    /// Same seed → bit-identical outputs and gradients with Gumbel sampling and dropping; another
    /// seed samples different second experts.
    @Test func stratifiedIsDeterministicGivenSeed() {
        var options = StratifiedOptions()
        options.strata = [2, 4]
        options.capacityFactor = 1
        var config = smallConfig(dimension: 8, feedForward: 16)
        config.activationDropout = 0.1
        var rng = SplitMix64(seed: 5)
        let layer = StratifiedMoE(layerName: "l", config: config, options: options, rng: &rng)
        let x = randomValues(32 * 8, seed: 6)
        func run(seed: UInt64) -> (output: [Float], gradients: [[Float]]) {
            layer.parameters.forEach { $0.zeroGrad() }
            let g = Graph(seed: seed)
            let y = layer(g, g.constant(x, Shape(32, 8)), context: FeedForwardContext(source: 0, target: 1))
            g.backward(g.sum(g.mul(y, y)))
            return (g.array(y), layer.parameters.map(\.gradients))
        }
        let first = run(seed: 9), second = run(seed: 9), other = run(seed: 10)
        #expect(first.output == second.output)
        #expect(first.gradients == second.gradients)
        #expect(first.output != other.output)
    }
}
