import Foundation
import Testing
import TesseraIO
import TesseraNN
import TesseraTensor
@testable import TesseraModels

@Suite struct DistillationTests {
    /// `Distillation.distill` turns an LMS+FD checkpoint into a dense one whose
    /// logits equal the LMS+FD model's shared route.
    @Test(arguments: [#"{"lms_fd": {"rank": 3}}"#, #"{"lms_fd": {"rank": 3, "attention": true, "every": 2}}"#])
    func foldedModelEqualsSharedRoute(kind: String) throws {
        var config = smallConfig(dimension: 16, feedForward: 24)
        (config.heads, config.encoderLayers, config.decoderLayers, config.dropout) = (2, 2, 2, 0)
        config.feedForwardKind = try JSONDecoder().decode(FeedForwardKind.self, from: Data(kind.utf8))
        let languages = ["de", "en", "fr"]
        let model = Transformer(config: config, languages: languages, seed: 4)
        if kind.contains("attention") {
            // Every other layer (index 1) carries LMS on all four attention projections.
            let names = Set(model.parameters.map(\.name))
            #expect(names.contains("encoder.layers.1.self_attn.k_proj.lms_v.shared"))
            #expect(names.contains("decoder.layers.1.encoder_attn.out_proj.lms_f.fr"))
            #expect(!names.contains { $0.hasPrefix("encoder.layers.0.self_attn.") && $0.contains(".lms_") })
        }
        // F starts at zero, which would make the fold trivial: give every factor values.
        var rng = SplitMix64(seed: 9)
        for p in model.parameters where p.name.contains(".lms_") {
            for i in 0..<p.count { p.value[i] = 0.3 * (2 * rng.nextFloat() - 1) }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-distill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("lmsfd.safetensors").path, dense = directory.appendingPathComponent("dense.safetensors").path
        try ModelFile(config: config, languages: languages, vocabulary: [1, 2, 3]).writer(parameters: model.parameters).write(to: source)

        let report = try Distillation.distill(from: source, to: dense)
        let (file, tensors) = try ModelFile.open(path: dense)
        #expect(file.config.feedForwardKind == .dense)
        #expect(!tensors.names.contains { $0.contains("lms_") })
        let folded = Transformer(config: file.config, languages: file.languages, seed: 0)
        try ModelFile.load(folded.parameters, from: tensors)
        #expect(report.parametersAfter == folded.parameterCount && report.parametersBefore > report.parametersAfter)

        func logits(_ model: Transformer, route: LanguageRoute) -> [Float] {
            let g = Graph()
            g.isTraining = false
            let context = FeedForwardContext(source: 0, target: 2)
            context.route = route
            return g.withoutGrad {
                let (memory, padding) = model.encode(g, source: TokenBatch([[5, 6, 7, 2], [8, 2]], paddingID: 3), context: context)
                return g.array(model.decode(g, input: TokenBatch([[4, 9, 10], [4, 11]], paddingID: 3), memory: memory,
                                            memoryPadding: padding, context: context))
            }
        }
        let shared = logits(model, route: .shared), distilled = logits(folded, route: .languageSpecific)
        let difference = zip(shared, distilled).map { abs($0 - $1) }.max()!
        #expect(difference < 1e-4, "max logit difference \(difference)")
        // The language-specific route really differs, so the comparison above means something.
        let specific = logits(model, route: .languageSpecific)
        #expect(zip(specific, distilled).map { abs($0 - $1) }.max()! > 1e-2)
    }

    @Test func refusesModelsWithoutSharedRoute() throws {
        let config = smallConfig(dimension: 8, feedForward: 8)
        let model = Transformer(config: config, languages: ["de", "en"], seed: 1)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-distill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("dense.safetensors").path
        try ModelFile(config: config, languages: ["de", "en"], vocabulary: [1]).writer(parameters: model.parameters).write(to: path)
        #expect(throws: InputError(file: path, message: "is not a Fuse Distillation model (ffn_kind lms_fd or ffn_fd); nothing to fold")) {
            _ = try Distillation.distill(from: path, to: path + ".out")
        }
    }
}
