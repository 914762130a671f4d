import Foundation
import Testing
import TesseraModels
import TesseraNN
@testable import TesseraTensor

/// `"route_padding": false`: padding rows are not routed, so the output on real tokens (and the
/// balancing loss) does not depend on how much padding the batch has. `true` (the default, as the
/// reference) routes them like tokens.
@Suite struct PaddingTests {
    let d = 4

    func layers(routePadding: Bool) -> [any FeedForward] {
        var rng = SplitMix64(seed: 8)
        var switchOptions = SwitchOptions()
        (switchOptions.experts, switchOptions.capacityFactor, switchOptions.balanceWeight, switchOptions.routePadding) = (2, 1, 1, routePadding)
        var strata = StratifiedOptions()
        (strata.strata, strata.capacityFactor, strata.balanceWeight, strata.routePadding) = ([1, 2], 1, 1, routePadding)
        let switchLayer = SwitchFeedForward(layerName: "s", config: smallConfig(), options: switchOptions, rng: &rng)
        let smoe = StratifiedMoE(layerName: "m", config: smallConfig(), options: strata, rng: &rng)
        // Every row has a large first coordinate and these gates send it to expert 0, so padding
        // rows routed ahead of real ones take expert 0's slots.
        switchLayer.gate.weight.values = [1, 0, 0, 0, 0, 0, 0, 0]
        smoe.gates[0].weight.values = [1, 0, 0, 0] + [Float](repeating: 0, count: 8)
        return [switchLayer, smoe]
    }

    /// Eight real rows with padding rows (random values) inserted before the rows in `before`
    /// (8 and above: after the last).
    func batch(paddingBefore before: [Int]) -> (values: [Float], padding: [Int32]) {
        var noise = SplitMix64(seed: 40 + UInt64(before.count))
        var values: [Float] = [], padding: [Int32] = []
        func pad(_ count: Int) {
            for _ in 0..<count {
                values += [2 + noise.nextFloat()] + (1..<d).map { _ in 2 * noise.nextFloat() - 1 }
                padding.append(1)
            }
        }
        for r in 0..<8 {
            pad(before.filter { $0 == r }.count)
            values += [2 + Float(r) / 8] + randomValues(d - 1, seed: 60 + UInt64(r))
            padding.append(0)
        }
        pad(before.filter { $0 >= 8 }.count)
        return (values, padding)
    }

    /// The layer's output on the real rows, and its auxiliary losses.
    func run(_ layer: any FeedForward, _ batch: (values: [Float], padding: [Int32])) -> (real: [Float], auxiliary: [Float]) {
        let g = Graph(seed: 3)
        let context = FeedForwardContext(source: 0, target: 1)
        let x = g.constant(batch.values, Shape(batch.padding.count, d))
        let y = g.array(context.withPadding(batch.padding) { layer(g, x, context: context) })
        let real = batch.padding.indices.filter { batch.padding[$0] == 0 }.flatMap { row(y, $0, cols: d) }
        return (real, context.auxiliaryLosses.map { g.scalar($0) })
    }

    @Test func realTokensIgnorePaddingWhenItIsNotRouted() {
        let amounts = [[], [0, 5, 5], [0, 3, 8, 8, 8, 8, 8, 8]]
        for (notRouted, routed) in zip(layers(routePadding: false), layers(routePadding: true)) {
            let alone = run(notRouted, batch(paddingBefore: []))
            let aloneRouted = run(routed, batch(paddingBefore: []))
            #expect(alone.real == aloneRouted.real && alone.auxiliary == aloneRouted.auxiliary, "without padding the option changes nothing")
            for before in amounts.dropFirst() {
                let padded = run(notRouted, batch(paddingBefore: before))
                #expect(maxDifference(padded.real, alone.real) < 1e-6, "\(type(of: notRouted)), padding before \(before)")
                #expect(maxDifference(padded.auxiliary, alone.auxiliary) < 1e-6, "\(type(of: notRouted)), padding before \(before)")
                // Routed, the same padding takes expert 0's slots and enters the loss.
                let withPadding = run(routed, batch(paddingBefore: before))
                #expect(maxDifference(withPadding.real, alone.real) > 1e-3, "\(type(of: routed)), padding before \(before)")
                #expect(maxDifference(withPadding.auxiliary, alone.auxiliary) > 1e-4, "\(type(of: routed)), padding before \(before)")
            }
        }
    }

    /// A whole model: an extra all-padding sentence leaves the loss and the balancing losses alone
    /// when padding is not routed, and the encoder's and decoder's routers see only real tokens.
    @Test(arguments: [#"{"switch": {"experts": 2, "capacity_factor": 1, "every": 1, "route_padding": false}}"#,
                      #"{"smoe": {"strata": [1, 2], "capacity_factor": 1, "every": 1, "route_padding": false}}"#])
    func modelLossIgnoresPaddingWhenItIsNotRouted(kind: String) throws {
        var config = smallConfig(dimension: 8, feedForward: 16)
        (config.heads, config.encoderLayers, config.decoderLayers, config.dropout) = (2, 1, 1, 0)
        config.feedForwardKind = try JSONDecoder().decode(FeedForwardKind.self, from: Data(kind.utf8))
        var routedConfig = config
        routedConfig.feedForwardKind = try JSONDecoder().decode(FeedForwardKind.self, from: Data(kind.replacingOccurrences(of: "false", with: "true").utf8))
        let model = Transformer(config: config, languages: ["de", "en"], seed: 5)
        let routed = Transformer(config: routedConfig, languages: ["de", "en"], seed: 5)
        let sources: [[Int32]] = [[5, 6, 7, 8, 9, 2], [10, 11, 2]], inputs: [[Int32]] = [[4, 12, 13, 14], [4, 15]]
        let targets: [[Int32]] = [[12, 13, 14, 2], [15, 2]]
        func loss(_ model: Transformer, extra: [[Int32]]) -> (loss: Float, auxiliary: [Float]) {
            let g = Graph(seed: 2)
            let context = FeedForwardContext(source: 0, target: 1)
            let result = model.loss(g, source: TokenBatch(sources + extra, paddingID: 3), decoderInput: TokenBatch(inputs + extra, paddingID: 3),
                                    targets: TokenBatch(targets + extra, paddingID: 3), labelSmoothing: 0.1, context: context)
            return (g.scalar(result.loss), context.auxiliaryLosses.map { g.scalar($0) })
        }
        let plain = loss(model, extra: []), padded = loss(model, extra: [[]])
        #expect(abs(plain.loss - padded.loss) <= 1e-5 * plain.loss)
        #expect(maxDifference(plain.auxiliary, padded.auxiliary) < 1e-6)
        #expect(plain.auxiliary.count == 2)
        // The padded pass routed the 9 real source and 6 real target rows, in the encoder and the decoder.
        let (encoder, decoder) = (model.encoderLayers[0].feedForward, model.decoderLayers[0].feedForward)
        if let encoder = encoder as? SwitchFeedForward, let decoder = decoder as? SwitchFeedForward {
            #expect(encoder.lastPlan!.kept.count == 9 && decoder.lastPlan!.kept.count == 6)
        } else if let encoder = encoder as? StratifiedMoE, let decoder = decoder as? StratifiedMoE {
            #expect(encoder.lastVisits[0] == (0..<9).map(Int32.init) && decoder.lastVisits[0] == (0..<6).map(Int32.init))
        } else {
            Issue.record("unexpected kinds \(type(of: encoder)), \(type(of: decoder))")
        }
        // Routing padding (the same weights), the extra sentence's rows enter the balancing losses.
        let routedPlain = loss(routed, extra: []), routedPadded = loss(routed, extra: [[]])
        #expect(maxDifference(routedPlain.auxiliary, routedPadded.auxiliary) > 1e-4)
    }
}
