import Foundation
import Testing
import TesseraModels
import TesseraNN
@testable import TesseraTensor

/// LMS factors, routes, the Fuse Distillation loss and the fold into a dense FFN.
@Suite struct LMSTests {
    let checker = GradientChecker()
    let languages = ["en", "de", "fr"]

    @Test func lowRankTermGradients() {
        let inputs = [input(Shape(5, 4), seed: 1), input(Shape(3, 4), seed: 2), input(Shape(3), seed: 3),
                      input(Shape(3, 2), seed: 4), input(Shape(2, 4), seed: 5)]
        checker.check(inputs, "LMS linear") { g, v in
            LanguageSpecificLinear.apply(g, v[0], weight: v[1], bias: v[2], vertical: v[3], flat: v[4])
        }
    }

    func distillationLoss(_ g: Graph, _ ls: Var, _ shared: Var, _ divergence: FuseDistillation.Divergence) -> Var {
        FuseDistillation.loss(g, languageSpecific: ls, shared: shared, targets: g.indices([1, 3, 0, 5, 2]), smoothing: 0.1,
                              ignoreIndex: 3, lambda: 1, divergence: divergence).loss
    }

    @Test func fuseDistillationLossGradients() {
        checker.check([input(Shape(5, 6), seed: 7, scale: 2), input(Shape(5, 6), seed: 8, scale: 2)], "FD loss") { g, v in
            distillationLoss(g, v[0], v[1], .symmetric)
        }
        // With a stopped teacher the shared side's gradient is that of the loss with p_ls fixed...
        let teacher = randomValues(30, seed: 7, scale: 2)
        checker.check([input(Shape(5, 6), seed: 8, scale: 2)], "FD loss, stopped teacher") { g, v in
            distillationLoss(g, g.constant(teacher, Shape(5, 6)), v[0], .stopLanguageSpecific)
        }
        // ...and the language-specific side only gets ½ CE_ls's gradient.
        let g = Graph()
        let (ls, shared) = (g.variable(teacher, Shape(5, 6)), g.constant(randomValues(30, seed: 8, scale: 2), Shape(5, 6)))
        g.backward(distillationLoss(g, ls, shared, .stopLanguageSpecific))
        let reference = Graph()
        let alone = reference.variable(teacher, Shape(5, 6))
        reference.backward(reference.crossEntropy(logits: alone, targets: reference.indices([1, 3, 0, 5, 2]), smoothing: 0.1,
                                                  ignoreIndex: 3).loss, seed: 0.5)
        #expect(maxDifference(g.grad(ls)!, reference.grad(alone)!) < 1e-6)
    }

    /// The FD loss is ½(CE_ls + CE_sh) + λ·½(KL + KL), and padding rows count nowhere.
    @Test func fuseDistillationLossValue() {
        let g = Graph()
        let (ls, sh) = (g.constant(randomValues(12, seed: 1), Shape(2, 6)), g.constant(randomValues(12, seed: 2), Shape(2, 6)))
        let result = FuseDistillation.loss(g, languageSpecific: ls, shared: sh, targets: g.indices([4, 3]), smoothing: 0,
                                           ignoreIndex: 3, lambda: 2)
        let (p, q) = (g.array(g.softmax(g.rows(ls, 0, 1))), g.array(g.softmax(g.rows(sh, 0, 1))))
        var kl: Float = 0
        for (a, b) in zip(p, q) { kl += (a * log(a / b) + b * log(b / a)) / 2 }
        let crossEntropy: Float = (-log(p[4]) - log(q[4])) / 2
        let expected = crossEntropy + 2 * kl
        #expect(abs(g.scalar(result.loss) - expected) < 1e-5)
        #expect(result.languageSpecific.tokens == 1)
    }

    /// The model-level FD loss runs both routes; with dense FFNs and no dropout they agree, so the
    /// loss is the plain cross-entropy and the KL vanishes.
    @Test func transformerDistillationLossOnDenseModel() {
        var config = smallConfig(dimension: 8, feedForward: 16)
        (config.heads, config.encoderLayers, config.decoderLayers, config.dropout) = (2, 1, 1, 0)
        let model = Transformer(config: config, languages: ["de", "en"], seed: 3)
        let source = TokenBatch([[5, 6, 7, 2], [8, 2]], paddingID: 3)
        let input = TokenBatch([[4, 9, 10], [4, 11]], paddingID: 3)
        let targets = TokenBatch([[9, 10, 2], [11, 2]], paddingID: 3)
        let g = Graph()
        let context = FeedForwardContext(source: 0, target: 1)
        let result = FuseDistillation.loss(g, model: model, source: source, decoderInput: input, targets: targets, smoothing: 0.1,
                                           context: context)
        let plain = model.loss(g, source: source, decoderInput: input, targets: targets, labelSmoothing: 0.1, context: context)
        #expect(abs(g.scalar(result.loss) - g.scalar(plain.loss)) < 1e-5 * g.scalar(plain.loss))
        #expect(abs(g.scalar(result.divergence)) < 1e-5)
        #expect(result.shared.tokens == 5)
        #expect(context.route == .languageSpecific)
    }

    func layer(_ pairing: LMSPairing, side: ModelSide, shared: Bool = true) -> LanguageSpecificLinear {
        var rng = SplitMix64(seed: 3)
        let linear = LanguageSpecificLinear(name: "l.fc1", config: LinearConfig(inputs: 4, outputs: 3), rank: 2, languages: languages,
                                            pairing: pairing, side: side, sharedSlot: shared, rng: &rng)
        for (i, f) in linear.flat.enumerated() { f.values = randomValues(f.count, seed: 40 + UInt64(i)) }
        return linear
    }

    /// Which (V, F) slots receive gradient for the direction de → fr.
    func slotsUsed(_ linear: LanguageSpecificLinear, route: LanguageRoute = .languageSpecific) -> (v: [Int], f: [Int]) {
        linear.parameters.forEach { $0.zeroGrad() }
        let g = Graph()
        let context = FeedForwardContext(source: 1, target: 2)
        context.route = route
        g.backward(g.sum(linear(g, g.constant(randomValues(20, seed: 9), Shape(5, 4)), context: context)))
        func used(_ ps: [Parameter]) -> [Int] { ps.indices.filter { ps[$0].gradients.contains { $0 != 0 } } }
        return (used(linear.vertical), used(linear.flat))
    }

    @Test func routesPickTheDirectionsFactors() {
        #expect(slotsUsed(layer(.pairwise, side: .encoder)) == ([1], [2]))
        #expect(slotsUsed(layer(.pairwise, side: .decoder)) == ([1], [2]))
        #expect(slotsUsed(layer(.languagewise, side: .encoder)) == ([1], [1]))
        #expect(slotsUsed(layer(.languagewise, side: .decoder)) == ([2], [2]))  // the paper: the target language
        #expect(slotsUsed(layer(.languagewiseSource, side: .encoder)) == ([1], [1]))
        #expect(slotsUsed(layer(.languagewiseSource, side: .decoder)) == ([1], [1]))  // the reference code: the source language
        #expect(slotsUsed(layer(.pairwise, side: .encoder), route: .shared) == ([3], [3]))
        #expect(layer(.pairwise, side: .encoder).vertical.map(\.name) == ["l.fc1.lms_v.en", "l.fc1.lms_v.de", "l.fc1.lms_v.fr", "l.fc1.lms_v.shared"])
    }

    /// Attention projections see [B, T, d]; the result is the row-wise one.
    @Test func acceptsBatchedSequences() {
        let linear = layer(.pairwise, side: .encoder)
        let g = Graph()
        let values = randomValues(24, seed: 13)
        let context = FeedForwardContext(source: 1, target: 2)
        let batched = linear(g, g.constant(values, Shape(2, 3, 4)), context: context)
        #expect(g.shape(batched) == Shape(2, 3, 3))
        #expect(g.array(batched) == g.array(linear(g, g.constant(values, Shape(6, 4)), context: context)))
    }

    /// F = 0 at initialization, so LMS starts exactly as the shared dense layer.
    @Test func startsAsTheSharedLayer() {
        var rng = SplitMix64(seed: 3)
        let linear = LanguageSpecificLinear(name: "l", config: LinearConfig(inputs: 4, outputs: 3), rank: 2, languages: languages,
                                            pairing: .pairwise, side: .encoder, sharedSlot: false, rng: &rng)
        let g = Graph()
        let x = g.constant(randomValues(20, seed: 9), Shape(5, 4))
        #expect(g.array(linear(g, x, context: FeedForwardContext(source: 0, target: 1))) == g.array(linear.base(g, x)))
        #expect(linear.vertical.allSatisfy { v in v.values.contains { $0 != 0 } })
    }

    /// The folded dense FFN computes the shared route: (W + V_sh F_sh) x = W x + V_sh (F_sh x).
    @Test func foldEqualsSharedRoute() throws {
        var rng = SplitMix64(seed: 11)
        let config = smallConfig(dimension: 8, feedForward: 12)
        var options = LMSOptions()
        options.rank = 3
        let ffn = LMSFeedForward(layerName: "encoder.layers.0", config: config, options: options, languages: languages, side: .encoder,
                                 sharedSlot: true, rng: &rng)
        for (i, p) in ffn.parameters.enumerated() where p.name.contains(".lms_") { p.values = randomValues(p.count, seed: 100 + UInt64(i), scale: 0.3) }
        let g = Graph()
        g.isTraining = false
        let x = g.constant(randomValues(7 * 8, seed: 12), Shape(7, 8))
        let context = FeedForwardContext(source: 0, target: 2)
        context.route = .shared
        let shared = g.array(ffn(g, x, context: context))
        let dense = ffn.fold()
        let folded = g.array(dense(g, x, context: context))
        #expect(maxDifference(shared, folded) < 1e-5)
        #expect(dense.parameters.map(\.name) == ["encoder.layers.0.fc1.weight", "encoder.layers.0.fc1.bias",
                                                 "encoder.layers.0.fc2.weight", "encoder.layers.0.fc2.bias"])
        context.route = .languageSpecific
        #expect(maxDifference(g.array(ffn(g, x, context: context)), shared) > 1e-3, "the routes must differ for the test to mean anything")

        // The checkpoint-level fold (what `tessera distill` runs) gives the same tensors.
        let tensors = Dictionary(uniqueKeysWithValues: ffn.parameters.map { ($0.name, (shape: $0.shape.dims, values: $0.values)) })
        let foldedTensors = try LMSFold.fold(tensors)
        #expect(foldedTensors.keys.sorted() == dense.parameters.map(\.name).sorted())
        for p in dense.parameters { #expect(foldedTensors[p.name]?.values == p.values, "\(p.name)") }
    }

    /// FFN-level FD: the language-specific route runs the side's language FFN, the shared route
    /// the shared FFN, and distilling keeps exactly the shared FFN's tensors.
    @Test func ffnLevelDistillationRoutesAndDistills() throws {
        var rng = SplitMix64(seed: 5)
        let ffn = LanguageFeedForwardFD(layerName: "decoder.layers.0", config: smallConfig(), languages: languages, side: .decoder, rng: &rng)
        let g = Graph()
        let x = g.constant(randomValues(12, seed: 2), Shape(3, 4))
        let context = FeedForwardContext(source: 0, target: 2)
        #expect(g.array(ffn(g, x, context: context)) == g.array(ffn.languageFFNs[2](g, x, context: context)))
        context.route = .shared
        #expect(g.array(ffn(g, x, context: context)) == g.array(ffn.shared(g, x, context: context)))
        let tensors = Dictionary(uniqueKeysWithValues: ffn.parameters.map { ($0.name, (shape: $0.shape.dims, values: $0.values)) })
        let distilled = try LMSFold.fold(tensors)
        #expect(distilled.keys.sorted() == ffn.shared.parameters.map(\.name).sorted())
        for p in ffn.shared.parameters { #expect(distilled[p.name]?.values == p.values) }
    }

    @Test func foldRejectsModelsWithoutSharedSlot() {
        var rng = SplitMix64(seed: 3)
        let linear = LanguageSpecificLinear(name: "l", config: LinearConfig(inputs: 4, outputs: 3), rank: 2, languages: languages,
                                            pairing: .pairwise, side: .encoder, sharedSlot: false, rng: &rng)
        let tensors = Dictionary(uniqueKeysWithValues: linear.parameters.map { ($0.name, (shape: $0.shape.dims, values: $0.values)) })
        #expect(throws: LMSFold.FoldError.self) { try LMSFold.fold(tensors) }
    }
}
