import Testing
import TesseraModels
import TesseraNN
@testable import TesseraTensor

/// The SMoE sublayer follows the reference's `forward_hmoe`: stratum 0 routes
/// final_layer_norm(residual), stratum s ≥ 1 routes hmoe_layernorms[s−1] of the residual stream
/// with the updates so far, and the layer returns hmoe_layernorms[S−1] of the stream, with no
/// residual added after it.
@Suite struct SMoELayoutTests {
    let d = 4

    func layer(rng: inout SplitMix64) -> StratifiedMoE {
        var options = StratifiedOptions()
        options.strata = [1, 2]
        let smoe = StratifiedMoE(layerName: "encoder.layers.0", config: smallConfig(), options: options, rng: &rng)
        for (i, norm) in smoe.norms.enumerated() {
            norm.gamma.values = randomValues(d, seed: 20 + UInt64(i), scale: 0.5).map { $0 + 1 }
            norm.beta.values = randomValues(d, seed: 30 + UInt64(i), scale: 0.5)
        }
        for (i, gate) in smoe.gates.enumerated() { gate.weight.values = randomValues(gate.weight.count, seed: 40 + UInt64(i), scale: 2) }
        return smoe
    }

    /// One token by hand: top-2 at stratum 0 on normed; if its top-1 is expert 0 (stratum 0), both
    /// experts of stratum 1 on hmoe_layernorms[0](stream); then the exit norm.
    func expected(_ smoe: StratifiedMoE, stream: [Float], normed: [Float], context: FeedForwardContext) -> (output: [Float], steps: Int) {
        let g = Graph()
        g.isTraining = false
        func mix(_ input: Var, stratum: Int, into h: Var) -> (Var, top1: Int) {
            let logits = g.array(g.linear(input, weight: g.param(smoe.gates[stratum].weight), bias: nil))
            let order = logits.indices.sorted { logits[$0] > logits[$1] }
            let weights = g.array(g.softmax(g.constant([logits[order[0]], logits[order[1]]], Shape(1, 2))))
            let first = stratum == 0 ? 0 : 1  // global id of the gate's first expert
            var h = h
            for (rank, e) in order.prefix(2).enumerated() {
                h = g.add(h, g.scale(smoe.experts[first + e](g, input, context: context), weights[rank]))
            }
            return (h, first + order[0])
        }
        var (h, top1) = mix(g.constant(normed, Shape(1, d)), stratum: 0, into: g.constant(stream, Shape(1, d)))
        var steps = 1
        if top1 == 0 {
            (h, _) = mix(smoe.norms[0](g, h), stratum: 1, into: h)
            steps = 2
        }
        return (g.array(smoe.norms[1](g, h)), steps)
    }

    @Test func sublayerFollowsTheReferenceLayout() {
        var rng = SplitMix64(seed: 6)
        let smoe = layer(rng: &rng)
        let finalNorm = LayerNorm(name: "encoder.layers.0.final_layer_norm", config: LayerNormConfig(size: d))
        finalNorm.gamma.values = randomValues(d, seed: 50, scale: 0.5).map { $0 + 1 }
        let rows = 8, values = randomValues(rows * d, seed: 7, scale: 2)
        let g = Graph()
        g.isTraining = false
        let context = FeedForwardContext(source: 0, target: 1)
        let stream = g.constant(values, Shape(rows, d)), normed = finalNorm(g, stream)
        let y = g.array(smoe.layerOutput(g, stream: stream, normed: normed, context: context))
        var steps = 0
        for t in 0..<rows {
            let reference = expected(smoe, stream: row(values, t, cols: d), normed: row(g.array(normed), t, cols: d), context: context)
            #expect(maxDifference(row(y, t, cols: d), reference.output) < 1e-5, "token \(t)")
            steps += reference.steps
        }
        #expect(smoe.lastVisits[1].count > 0 && smoe.lastVisits[1].count < rows, "tokens must both exit early and go on")
        #expect(smoe.lastVisits[1].count == steps - rows)
        #expect(smoe.parameters.map(\.name).filter { !$0.contains(".experts.") }
                == ["encoder.layers.0.moe_layer.gate.0.wg.weight", "encoder.layers.0.moe_layer.gate.1.wg.weight",
                    "encoder.layers.0.hmoe_layernorms.0.weight", "encoder.layers.0.hmoe_layernorms.0.bias",
                    "encoder.layers.0.hmoe_layernorms.1.weight", "encoder.layers.0.hmoe_layernorms.1.bias"])
    }

    /// In a Transformer layer the SMoE output is the layer's output: no residual and no dropout
    /// are added after it, and stratum 0 is fed the layer's own final_layer_norm.
    @Test func encoderLayerReturnsTheBlocksOutput() {
        var config = smallConfig(dimension: 8, feedForward: 16)
        config.heads = 2
        var options = StratifiedOptions()
        (options.strata, options.every) = ([1, 2], 1)
        config.feedForwardKind = .stratified(options)
        var rng = SplitMix64(seed: 3)
        let layer = EncoderLayer(name: "encoder.layers.0", index: 0, config: config, languages: ["de", "en"], rng: &rng)
        for p in layer.parameters where p.name.contains("layer_norm") { p.values = randomValues(p.count, seed: 9, scale: 0.5).map { $0 + 1 } }
        let smoe = layer.feedForward as! StratifiedMoE
        let g = Graph()
        g.isTraining = false
        let context = FeedForwardContext(source: 0, target: 1)
        let x = g.constant(randomValues(2 * 3 * 8, seed: 4), Shape(2, 3, 8))
        let padding = AttentionMask(keyPadding: g.indices([0, 0, 0, 0, 0, 1]))
        let y = g.array(layer(g, x, padding: padding, context: context))
        let normed = layer.selfAttentionNorm(g, x)
        let attended = g.reshape(g.add(x, layer.selfAttention(g, query: normed, memory: normed, mask: padding, context: context)), Shape(6, 8))
        let expected = g.array(smoe.layerOutput(g, stream: attended, normed: layer.finalNorm(g, attended), context: context))
        #expect(maxDifference(y, expected) < 1e-6)
        #expect(layer.parameters.filter { $0.name.contains("final_layer_norm") }.count == 2, "stratum 0 uses the layer's final_layer_norm")
    }
}
