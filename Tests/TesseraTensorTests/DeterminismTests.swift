import Testing
@testable import TesseraNN
@testable import TesseraTensor

/// A small training step (embedding → attention → LN+FFN → CE, Adam) run from the same seed must
/// give bit-identical losses, gradients and parameters, including with a different thread count.
@Suite(.serialized) struct DeterminismTests {
    final class TinyModel {
        let embed: Embedding, qkv: Linear, out: Linear, norm: LayerNorm, fc1: Linear, fc2: Linear
        var parameters: [Parameter] { ([embed, qkv, out, norm, fc1, fc2] as [any Module]).flatMap(\.parameters) }

        init(seed: UInt64) {
            var rng = SplitMix64(seed: seed)
            embed = Embedding(name: "embed", config: EmbeddingConfig(vocabulary: 23, dimension: 16, paddingIndex: 1), rng: &rng)
            qkv = Linear(name: "qkv", config: LinearConfig(inputs: 16, outputs: 48), rng: &rng)
            out = Linear(name: "out", config: LinearConfig(inputs: 16, outputs: 16), rng: &rng)
            norm = LayerNorm(name: "norm", config: LayerNormConfig(size: 16))
            fc1 = Linear(name: "fc1", config: LinearConfig(inputs: 16, outputs: 37), rng: &rng)
            fc2 = Linear(name: "fc2", config: LinearConfig(inputs: 37, outputs: 16), rng: &rng)
        }

        func loss(_ g: Graph, ids: [Int32], batch: Int) -> CrossEntropyResult {
            let t = ids.count / batch
            let x = g.dropout(g.reshape(embed(g, g.indices(ids)), Shape(batch, t, 16)), rate: 0.1)
            let parts = g.split(qkv(g, x), axis: 2, sizes: [16, 16, 16])
            let pad = g.indices(ids.map { $0 == 1 ? 1 : 0 })
            let a = g.add(x, out(g, g.attention(query: parts[0], key: parts[1], value: parts[2], heads: 4,
                                                mask: AttentionMask(keyPadding: pad, causal: true), dropout: 0.1)))
            let h = g.add(a, fc2(g, g.dropout(g.relu(fc1(g, norm(g, a))), rate: 0.1)))
            let logits = g.linear(h, weight: g.param(embed.weight), bias: nil)
            let targets = g.indices(ids.enumerated().map { i, v in i % t == t - 1 ? 1 : ids[i + 1] })
            return g.crossEntropy(logits: logits, targets: targets, smoothing: 0.1, ignoreIndex: 1)
        }
    }

    /// With a tiny grain every kernel really splits its work across `threads` threads.
    func run(threads: Int) -> (losses: [Float], parameters: [[Float]]) {
        let saved = (Parallel.threads, Kernels.grain)
        (Parallel.threads, Kernels.grain) = (threads, 8)
        defer { (Parallel.threads, Kernels.grain) = saved }
        let model = TinyModel(seed: 5)
        var config = AdamConfig()
        (config.learningRate, config.warmupSteps) = (1e-2, 1)
        let adam = Adam(parameters: model.parameters, config: config)
        let g = Graph(seed: 99)
        var losses = [Float]()
        for _ in 0..<4 {
            g.reset()
            let ids: [Int32] = [4, 7, 9, 2, 11, 1, 5, 6, 22, 3, 8, 1, 13, 14, 15, 16, 17, 18]
            let ce = model.loss(g, ids: ids, batch: 3)
            g.backward(ce.loss)
            losses.append(g.scalar(ce.loss))
            adam.step(gradientScale: 1 / Float(ce.tokens))
        }
        return (losses, model.parameters.map(\.values))
    }

    @Test func sameSeedSameBits() {
        let a = run(threads: 2), b = run(threads: 2), single = run(threads: 1)
        #expect(a.losses == b.losses && a.parameters == b.parameters)
        #expect(a.losses == single.losses && a.parameters == single.parameters)
        #expect(a.losses[3] < a.losses[0], "training should reduce the loss: \(a.losses)")
    }
}
