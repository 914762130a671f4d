import Foundation
import Testing
import TesseraModels
import TesseraNN
import TesseraTensor

/// The recipe-facing kind config and the per-layer factory.
@Suite struct FeedForwardKindTests {
    func decode(_ json: String) throws -> FeedForwardKind {
        try JSONDecoder().decode(FeedForwardKind.self, from: Data(json.utf8))
    }

    @Test func decodesEveryKind() throws {
        #expect(try decode("\"dense\"") == .dense)
        var switchOptions = SwitchOptions()
        switchOptions.experts = 16
        switchOptions.evalCapacityFactor = 2
        #expect(try decode(#"{"switch": {"experts": 16, "eval_capacity_factor": 2}}"#) == .switchMoE(switchOptions))
        switchOptions.routePadding = false
        #expect(try decode(#"{"switch": {"experts": 16, "eval_capacity_factor": 2, "route_padding": false}}"#) == .switchMoE(switchOptions))
        var strata = StratifiedOptions()
        strata.strata = [2, 2, 2, 2]
        #expect(try decode(#"{"smoe": {"strata": [2, 2, 2, 2]}}"#) == .stratified(strata))
        strata.routePadding = false
        #expect(try decode(#"{"smoe": {"strata": [2, 2, 2, 2], "route_padding": false}}"#) == .stratified(strata))
        var lms = LMSOptions()
        lms.rank = 8
        lms.pairing = .languagewise
        lms.distillationWeight = 0.5
        lms.divergence = .stopLanguageSpecific
        let kind = try decode(#"{"lms_fd": {"rank": 8, "pairing": "languagewise", "lambda": 0.5, "divergence": "stop_ls"}}"#)
        #expect(kind == .lmsFD(lms))
        #expect(try decode(String(decoding: JSONEncoder().encode(kind), as: UTF8.self)) == kind)
        lms.pairing = .languagewiseSource
        #expect(try decode(#"{"lms": {"rank": 8, "pairing": "languagewise_source", "lambda": 0.5, "divergence": "stop_ls"}}"#) == .lms(lms))
        var ffnFD = FFNDistillationOptions()
        ffnFD.distillationWeight = 0.5
        #expect(try decode(#"{"ffn_fd": {"lambda": 0.5}}"#) == .ffnFD(ffnFD))
        #expect(FeedForwardKind.ffnFD(ffnFD).fuseDistillation?.divergence == .stopLanguageSpecific)
    }

    @Test func rejectsBadConfigs() {
        #expect(throws: (any Error).self) { try decode(#"{"switch": {"experts": 4, "capacity": 1}}"#) }
        #expect(throws: (any Error).self) { try decode(#"{"switch": {}, "lms": {}}"#) }
        #expect(throws: (any Error).self) { try decode("\"moe\"") }
        #expect(throws: (any Error).self) { try decode(#"{"smoe": {"strata": []}}"#) }
    }

    @Test func factoryBuildsEveryKthLayerWithFairseqNames() throws {
        var rng = SplitMix64(seed: 1)
        let config = smallConfig()
        var options = SwitchOptions()
        options.experts = 2
        let kind = FeedForwardKind.switchMoE(options)
        let first = kind.makeLayer(layerName: "encoder.layers.0", index: 0, side: .encoder, config: config, languages: ["en"], rng: &rng)
        let second = kind.makeLayer(layerName: "encoder.layers.1", index: 1, side: .encoder, config: config, languages: ["en"], rng: &rng)
        #expect(first is DenseFeedForward)
        #expect(second.parameters.map(\.name).prefix(3) == ["encoder.layers.1.moe_layer.gate.wg.weight",
                                                            "encoder.layers.1.moe_layer.experts.0.fc1.weight",
                                                            "encoder.layers.1.moe_layer.experts.0.fc1.bias"])
        var lms = LMSOptions()
        lms.rank = 2
        let fd = FeedForwardKind.lmsFD(lms).makeLayer(layerName: "decoder.layers.0", index: 0, side: .decoder, config: config,
                                                      languages: ["en", "de"], rng: &rng)
        #expect(fd.parameters.map(\.name).contains("decoder.layers.0.fc2.lms_f.shared"))
        #expect(try ParameterSet(fd.parameters).scalarCount == (5 * 4 + 5) + (4 * 5 + 4) + 2 * 3 * 2 * (4 + 5))
    }

    /// Three MoE layers' balancing losses combine to their mean, not their sum,
    /// so α weighs the same whatever the number of MoE layers.
    @Test func auxiliaryLossIsTheMeanOverLayers() throws {
        var rng = SplitMix64(seed: 2)
        var options = SwitchOptions()
        options.experts = 2
        options.balanceWeight = 0.5
        let layers = (0..<3).map { i in
            FeedForwardKind.switchMoE(options).makeLayer(layerName: "encoder.layers.\(2 * i + 1)", index: 2 * i + 1, side: .encoder,
                                                         config: smallConfig(), languages: ["en"], rng: &rng)
        }
        let g = Graph(seed: 1)
        let context = FeedForwardContext(source: 0, target: 0)
        var weighted: [Float] = []
        for layer in layers {
            _ = layer(g, g.constant((0..<24).map { _ in Float.random(in: -1...1, using: &rng) }, Shape(6, 4)), context: context)
            weighted.append(g.scalar(context.auxiliaryLosses.last!))
        }
        let mean = try #require(context.meanAuxiliaryLoss(g))
        #expect(abs(g.scalar(mean) - weighted.reduce(0, +) / 3) < 1e-6)
        #expect(FeedForwardContext(source: 0, target: 0).meanAuxiliaryLoss(g) == nil)
    }
}
