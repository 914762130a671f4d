import Foundation
import Testing
import TesseraDecoding
import TesseraNN
import TesseraTensor
@testable import TesseraModels

/// A tiny model and a few "sentences" over a 24-token vocabulary
/// (0 unk, 1 bos, 2 eos, 3 pad, 4 and 5 language tags, 6… words).
private func tinyConfig(dropout: Float = 0) -> TransformerConfig {
    var config = TransformerConfig(vocabularySize: 24)
    config.modelDimension = 32
    config.heads = 4
    config.feedForwardDimension = 64
    config.encoderLayers = 2
    config.decoderLayers = 2
    config.maxPositions = 32
    config.dropout = dropout
    return config
}

private let pairs: [(source: [Int32], target: [Int32])] = [
    ([6, 7, 8, 9], [10, 11, 12]),
    ([13, 14], [15, 16, 17, 18, 19]),
    ([20, 21, 22, 6, 7], [23, 10]),
    ([8, 8, 9], [12, 11, 10, 17]),
]
private let tag: Int32 = 5, eos: Int32 = 2, pad: Int32 = 3
/// The dense model ignores the direction; one is needed all the same.
private let context = FeedForwardContext(source: 0, target: 1)

private func batches() -> (source: TokenBatch, input: TokenBatch, target: TokenBatch) {
    (TokenBatch(pairs.map { [tag] + $0.source + [eos] }, paddingID: pad),
     TokenBatch(pairs.map { [tag] + $0.target }, paddingID: pad),
     TokenBatch(pairs.map { $0.target + [eos] }, paddingID: pad))
}

@Suite(.serialized) struct TransformerTests {
    @Test func parameterNamesFollowFairseq() {
        let model = Transformer(config: tinyConfig(), languages: ["de", "en"], seed: 1)
        let names = Set(model.parameters.map(\.name))
        for name in ["encoder.embed_tokens.weight", "encoder.layers.0.self_attn.q_proj.weight", "encoder.layers.1.fc1.bias",
                     "encoder.layers.0.self_attn_layer_norm.weight", "encoder.layers.0.final_layer_norm.bias", "encoder.layer_norm.weight",
                     "decoder.layers.1.encoder_attn.k_proj.weight", "decoder.layers.0.encoder_attn_layer_norm.bias",
                     "decoder.layers.0.self_attn.out_proj.bias", "decoder.layers.1.fc2.weight", "decoder.layer_norm.bias"] {
            #expect(names.contains(name), "\(name)")
        }
        #expect(names.count == model.parameters.count, "names are unique")
        // d·V embedding + per encoder layer 4(d²+d) + 2·2d + (d·f + f) + (f·d + d) …
        let d = 32, f = 64, v = 24
        let encoderLayer = 4 * (d * d + d) + 4 * d + (d * f + f) + (f * d + d)
        let decoderLayer = encoderLayer + 4 * (d * d + d) + 2 * d
        #expect(model.parameterCount == v * d + 2 * encoderLayer + 2 * decoderLayer + 4 * d)
    }

    /// Cached one-token-at-a-time decoding gives the log-probabilities that a
    /// full forward pass over the whole prefix gives.
    @Test(arguments: [#""dense""#, #"{"lms": {"rank": 4, "attention": true}}"#, #"{"smoe": {"strata": [1, 2], "every": 1}}"#])
    func cachedDecodingEqualsFullRecomputation(kind: String) throws {
        var config = tinyConfig()
        config.feedForwardKind = try JSONDecoder().decode(FeedForwardKind.self, from: Data(kind.utf8))
        let model = Transformer(config: config, languages: ["de", "en"], seed: 7)
        // LMS's F starts at zero; give the factors values so they take part.
        var rng = SplitMix64(seed: 2)
        for p in model.parameters where p.name.contains(".lms_f.") {
            for i in 0..<p.count { p.value[i] = 0.2 * (2 * rng.nextFloat() - 1) }
        }
        let sources: [[Int32]] = [[tag, 6, 7, 8, eos], [tag, 9, eos], [tag, 10, 11, 12, 13, 14, eos]]
        let decoder = IncrementalDecoder(model: model, sources: sources, context: context)
        // Four hypotheses: source 0 twice (a beam), sources 1 and 2 once.
        var prefixes: [[Int32]] = [[tag], [tag], [tag], [tag]]
        var owners = [0, 0, 1, 2]
        var parents = [0, 0, 1, 2]
        // Which old hypothesis each new one extends after each step: a swap,
        // then source 1 finishes, then one hypothesis splits in two.
        let schedule: [[Int]] = [[1, 0, 2, 3], [1, 0, 3], [0, 0, 2], [0, 1, 2]]
        for step in 0..<4 {
            let tokens = prefixes.map { $0.last! }
            let cached = try decoder.step(tokens: tokens, parents: parents)
            let g = Graph()
            g.isTraining = false
            let full = g.withoutGrad { () -> [Float] in
                let (memory, padding) = model.encode(g, source: TokenBatch(owners.map { sources[$0] }, paddingID: pad), context: context)
                let logits = model.decode(g, input: TokenBatch(prefixes, paddingID: pad), memory: memory, memoryPadding: padding, context: context)
                return g.array(g.logSoftmax(logits))
            }
            let v = 24, length = prefixes[0].count
            for h in prefixes.indices {
                let last = Array(full[((h * length + length - 1) * v)..<((h * length + length) * v)])
                let row = Array(cached[(h * v)..<((h + 1) * v)])
                let difference = zip(last, row).map { abs($0 - $1) }.max()!
                #expect(difference < 1e-4, "step \(step) hypothesis \(h): max difference \(difference)")
            }
            let next = schedule[step]
            prefixes = next.enumerated().map { i, parent in prefixes[parent] + [Int32(6 + (i + step) % 12)] }
            owners = next.map { owners[$0] }
            parents = next
        }
    }

    /// A tiny model overfits four sentence pairs, then greedy and beam search
    /// translate each source back to its exact target.
    @Test func overfitsAndTranslatesExactly() throws {
        let model = Transformer(config: tinyConfig(), languages: ["de", "en"], seed: 3)
        var adam = AdamConfig()
        adam.learningRate = 3e-3
        adam.warmupSteps = 20
        let optimizer = Adam(parameters: model.parameters, config: adam)
        let (source, input, target) = batches()
        let g = Graph(seed: 1)
        var lastLoss = Double.infinity
        for _ in 0..<300 {
            g.reset()
            let result = model.loss(g, source: source, decoderInput: input, targets: target, labelSmoothing: 0, context: context)
            g.backward(result.loss, seed: 1 / Float(result.tokens))
            optimizer.step()
            lastLoss = result.nllSum / Double(result.tokens)
        }
        #expect(lastLoss < 0.01, "final loss \(lastLoss)")
        let sources = pairs.map { [tag] + $0.source + [eos] }
        let expected = pairs.map { $0.target + [eos] }
        let greedy = try Search.greedy(decoder: IncrementalDecoder(model: model, sources: sources, context: context), starts: sources.map { _ in tag },
                                       end: eos, maxLengths: sources.map { _ in 10 })
        #expect(greedy.map(\.tokens) == expected)
        let beam = try Search.beam(decoder: IncrementalDecoder(model: model, sources: sources, context: context), starts: sources.map { _ in tag },
                                   end: eos, maxLengths: sources.map { _ in 10 }, beam: 4, lengthPenalty: 1)
        #expect(beam.map(\.tokens) == expected)
    }

    @Test func beamOfOneIsGreedyOnTheModel() throws {
        let model = Transformer(config: tinyConfig(), languages: ["de", "en"], seed: 11)
        let sources: [[Int32]] = [[tag, 6, 7, eos], [tag, 8, 9, 10, 11, eos], [tag, 12, eos]]
        let caps = [12, 5, 12]
        let greedy = try Search.greedy(decoder: IncrementalDecoder(model: model, sources: sources, context: context), starts: [tag, tag, tag],
                                       end: eos, maxLengths: caps)
        let beam = try Search.beam(decoder: IncrementalDecoder(model: model, sources: sources, context: context), starts: [tag, tag, tag],
                                   end: eos, maxLengths: caps, beam: 1, lengthPenalty: 1)
        #expect(beam.map(\.tokens) == greedy.map(\.tokens))
        for (b, g) in zip(beam, greedy) { #expect(abs(b.logProbability - g.logProbability) < 1e-5) }
    }

    @Test func configDecodesWithDefaultsAndRejectsBadValues() throws {
        let config = try JSONDecoder().decode(TransformerConfig.self, from: Data(#"{"vocab_size": 8000, "encoder_layers": 6}"#.utf8))
        #expect(config.encoderLayers == 6 && config.decoderLayers == 3 && config.modelDimension == 256)
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode(TransformerConfig.self, from: Data(#"{"vocab_size": 8000, "embed_dim": 250, "attention_heads": 4}"#.utf8))
        }
    }
}
