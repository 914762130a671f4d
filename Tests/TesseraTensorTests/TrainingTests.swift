import Testing
@testable import TesseraNN
@testable import TesseraTensor

/// End to end: a one-layer attention model must learn to output each sequence reversed, which it
/// can only do by attending to the mirrored position. Exercises every piece together.
@Suite struct TrainingTests {
    @Test func tinyModelLearnsToReverseSequences() {
        let (vocab, d, length, batch) = (12, 24, 5, 8)
        var rng = SplitMix64(seed: 3)
        let embed = Embedding(name: "embed", config: EmbeddingConfig(vocabulary: vocab, dimension: d), rng: &rng)
        let positions = Parameter(name: "positions", shape: Shape(length, d), normalStd: 0.3, rng: &rng)
        let (q, k, v, o) = (Linear(name: "q", config: LinearConfig(inputs: d, outputs: d), rng: &rng),
                            Linear(name: "k", config: LinearConfig(inputs: d, outputs: d), rng: &rng),
                            Linear(name: "v", config: LinearConfig(inputs: d, outputs: d), rng: &rng),
                            Linear(name: "o", config: LinearConfig(inputs: d, outputs: d), rng: &rng))
        let norm = LayerNorm(name: "norm", config: LayerNormConfig(size: d))
        let (fc1, fc2) = (Linear(name: "fc1", config: LinearConfig(inputs: d, outputs: 48), rng: &rng),
                          Linear(name: "fc2", config: LinearConfig(inputs: 48, outputs: d), rng: &rng))
        let modules: [any Module] = [embed, q, k, v, o, norm, fc1, fc2]
        var config = AdamConfig()
        (config.learningRate, config.warmupSteps, config.clipNorm) = (1e-2, 10, 1)
        let adam = Adam(parameters: modules.flatMap(\.parameters) + [positions], config: config)

        let sequences: [[Int32]] = (0..<batch).map { _ in (0..<length).map { _ in Int32(1 + rng.next() % UInt64(vocab - 1)) } }
        let ids = sequences.flatMap { $0 }, targets = sequences.flatMap { $0.reversed() }
        let g = Graph(seed: 1)
        func logits() -> Var {
            let x = g.add(g.reshape(embed(g, g.indices(ids)), Shape(batch, length, d)), g.param(positions))
            let a = g.add(x, o(g, g.attention(query: q(g, x), key: k(g, x), value: v(g, x), heads: 2)))
            let h = g.add(a, fc2(g, g.relu(fc1(g, norm(g, a)))))
            return g.linear(h, weight: g.param(embed.weight), bias: nil)
        }
        var loss: Float = .infinity
        for _ in 0..<300 {
            g.reset()
            let ce = g.crossEntropy(logits: logits(), targets: g.indices(targets))
            g.backward(ce.loss)
            adam.step(gradientScale: 1 / Float(ce.tokens))
            loss = g.scalar(ce.loss) / Float(ce.tokens)
        }
        g.reset()
        let predicted = g.withoutGrad { g.topK(logits(), k: 1).indices.array }
        #expect(loss < 0.05, "final loss \(loss)")
        #expect(predicted == targets)
    }
}
