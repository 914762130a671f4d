import Testing
@testable import TesseraTensor

/// A finite-difference gradient check for every differentiable op (odd sizes on purpose).
@Suite struct OpGradientTests {
    let checker = GradientChecker()

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func matmul(transposeA: Bool, transposeB: Bool) {
        let a = transposeA ? Shape(5, 3) : Shape(3, 5), b = transposeB ? Shape(7, 5) : Shape(5, 7)
        checker.check([input(a, seed: 1), input(b, seed: 2)], "matmul \(transposeA) \(transposeB)") { g, v in
            g.matmul(v[0], v[1], transposeA: transposeA, transposeB: transposeB)
        }
    }

    @Test func linearWithBiasOnRank3Input() {
        checker.check([input(Shape(2, 3, 5), seed: 1), input(Shape(6, 5), seed: 2), input(Shape(6), seed: 3)], "linear") { g, v in
            g.linear(v[0], weight: v[1], bias: v[2])
        }
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func batchedMatmul(transposeA: Bool, transposeB: Bool) {
        let a = transposeA ? Shape(3, 4, 2) : Shape(3, 2, 4), b = transposeB ? Shape(3, 5, 4) : Shape(3, 4, 5)
        checker.check([input(a, seed: 1), input(b, seed: 2)], "bmm") { g, v in
            g.batchedMatmul(v[0], v[1], transposeA: transposeA, transposeB: transposeB)
        }
    }

    @Test func addMulSubScale() {
        let ins = [input(Shape(3, 9), seed: 1), input(Shape(3, 9), seed: 2)]
        checker.check(ins, "add") { g, v in g.add(v[0], v[1]) }
        checker.check(ins, "sub") { g, v in g.sub(v[0], v[1]) }
        checker.check(ins, "mul") { g, v in g.mul(v[0], v[1]) }
        checker.check([ins[0]], "mul self") { g, v in g.mul(v[0], v[0]) }
        checker.check([ins[0]], "scale") { g, v in g.scale(v[0], -1.7) }
    }

    @Test func broadcastAdd() {
        checker.check([input(Shape(2, 3, 9), seed: 1), input(Shape(9), seed: 2)], "bias add") { g, v in g.add(v[0], v[1]) }
        checker.check([input(Shape(2, 3, 9), seed: 1), input(Shape(3, 9), seed: 2)], "block add") { g, v in g.add(v[0], v[1]) }
    }

    @Test func scaleRows() {
        checker.check([input(Shape(5, 11), seed: 1), input(Shape(5), seed: 2)], "scaleRows") { g, v in g.scaleRows(v[0], v[1]) }
    }

    @Test func activations() {
        // Keep ReLU inputs away from the kink, where finite differences are meaningless.
        var x = input(Shape(4, 13), seed: 1, scale: 3)
        x.values = x.values.map { abs($0) < 0.1 ? $0 + 0.3 : $0 }
        checker.check([x], "relu") { g, v in g.relu(v[0]) }
        checker.check([x], "gelu") { g, v in g.gelu(v[0]) }
    }

    @Test func dropoutUsesTheSameMaskForwardAndBackward() {
        checker.check([input(Shape(6, 11), seed: 1)], "dropout") { g, v in g.dropout(v[0], rate: 0.3) }
    }

    @Test func layerNorm() {
        checker.check([input(Shape(4, 11), seed: 1, scale: 2), input(Shape(11), seed: 2), input(Shape(11), seed: 3)], "layerNorm") { g, v in
            g.layerNorm(v[0], gamma: v[1], beta: v[2])
        }
    }

    @Test func softmaxPlainAndMasked() {
        checker.check([input(Shape(3, 10), seed: 1, scale: 2)], "softmax") { g, v in g.softmax(v[0]) }
        checker.check([input(Shape(2, 2, 3, 5), seed: 1, scale: 2)], "masked softmax") { g, v in
            let pad = g.indices([0, 0, 0, 1, 1, 0, 0, 0, 0, 0])
            return g.softmax(v[0], mask: AttentionMask(keyPadding: pad, causal: true))
        }
        checker.check([input(Shape(3, 10), seed: 1, scale: 2)], "logSoftmax") { g, v in g.logSoftmax(v[0]) }
        checker.check([input(Shape(2, 3, 10), seed: 1, scale: 2)], "logSumExp") { g, v in g.logSumExp(v[0]) }
    }

    @Test func causalMaskWithMoreQueriesThanKeysLeavesEarlyRowsEmpty() {
        let g = Graph()
        let p = g.array(g.softmax(g.constant([1, 2, 3, 4, 5, 6], Shape(3, 2)), mask: AttentionMask(causal: true)))
        #expect(p[0] == 0 && p[1] == 0 && p[2] == 1 && p[3] == 0 && abs(p[4] + p[5] - 1) < 1e-6)
    }

    @Test(arguments: [false, true])
    func attention(causal: Bool) {
        let q = input(Shape(2, 3, 8), seed: 1), k = input(Shape(2, 5, 8), seed: 2), val = input(Shape(2, 5, 8), seed: 3)
        checker.check(causal ? [q, q, q] : [q, k, val], "attention causal=\(causal)") { g, v in
            let pad = g.indices(causal ? [0, 0, 0, 0, 0, 0] : [0, 0, 0, 0, 1, 0, 0, 0, 1, 1])
            return g.attention(query: v[0], key: v[1], value: v[2], heads: 2, mask: AttentionMask(keyPadding: pad, causal: causal))
        }
    }

    @Test func attentionOverAPartlyFilledKeyCache() {
        let q = input(Shape(2, 1, 8), seed: 1), k = input(Shape(2, 6, 8), seed: 2), v = input(Shape(2, 6, 8), seed: 3)
        checker.check([q, k, v], "attention keyLength") { g, v in
            g.attention(query: v[0], key: v[1], value: v[2], heads: 2, mask: AttentionMask(causal: true), keyLength: 4)
        }
    }

    @Test func attentionWithDropoutAndSharedInput() {
        checker.check([input(Shape(2, 4, 6), seed: 1)], "self attention dropout") { g, v in
            g.attention(query: v[0], key: v[0], value: v[0], heads: 3, dropout: 0.2)
        }
    }

    @Test func embeddingScatterAddsRepeatedIds() {
        checker.check([input(Shape(7, 5), seed: 1)], "embedding") { g, v in g.embedding(v[0], ids: g.indices([3, 0, 3, 6, 3])) }
    }

    @Test func embeddingPaddingRowGetsNoGradient() {
        let g = Graph()
        let table = g.variable(randomValues(12, seed: 1), Shape(4, 3))
        g.backward(g.sum(g.embedding(table, ids: g.indices([2, 1, 2]), paddingIndex: 1)))
        #expect(g.grad(table) == [0, 0, 0, 0, 0, 0, 2, 2, 2, 0, 0, 0])
    }

    @Test func gatherAndIndexAdd() {
        checker.check([input(Shape(6, 5), seed: 1)], "gatherRows") { g, v in g.gatherRows(v[0], indices: g.indices([5, 1, 1, 0])) }
        checker.check([input(Shape(4, 5), seed: 1), input(Shape(3, 5), seed: 2)], "indexAddRows") { g, v in
            g.indexAddRows(v[0], source: v[1], indices: g.indices([2, 0, 2]))
        }
    }

    @Test func crossEntropyWithSmoothingAndPadding() {
        for smoothing: Float in [0, 0.1] {
            checker.check([input(Shape(5, 9), seed: 1, scale: 3)], "crossEntropy ε=\(smoothing)") { g, v in
                g.crossEntropy(logits: v[0], targets: g.indices([2, 1, 8, 1, 0]), smoothing: smoothing, ignoreIndex: 1).loss
            }
        }
    }

    @Test func klDivergenceBothSides() {
        checker.check([input(Shape(4, 7), seed: 1, scale: 2), input(Shape(4, 7), seed: 2, scale: 2)], "kl") { g, v in
            let mask = RowMask(targets: g.indices([3, 0, 3, 3]), ignoreIndex: 0)
            return g.klDivergence(logP: g.logSoftmax(v[0]), logQ: g.logSoftmax(v[1]), rowMask: mask)
        }
    }

    @Test func concatSliceSplit() {
        let a = input(Shape(2, 3, 4), seed: 1), b = input(Shape(2, 2, 4), seed: 2)
        checker.check([a, b], "concat axis 1") { g, v in g.concat([v[0], v[1]], axis: 1) }
        checker.check([a, a], "concat axis 0") { g, v in g.concat([v[0], v[1]], axis: 0) }
        checker.check([a], "slice axis 2") { g, v in g.slice(v[0], axis: 2, start: 1, length: 2) }
        checker.check([a], "split axis 1") { g, v in
            let parts = g.split(v[0], axis: 1, sizes: [1, 2])
            return g.concat([g.scale(parts[1], 3), g.scale(parts[0], 2)], axis: 1)
        }
    }

    @Test func viewsShareGradients() {
        checker.check([input(Shape(4, 6), seed: 1)], "rows + reshape") { g, v in
            let top = g.reshape(g.rows(v[0], 1, 2), Shape(3, 4))
            return g.add(g.mul(top, top), g.reshape(g.rows(v[0], 0, 2), Shape(3, 4)))
        }
    }

    @Test func transposeLastTwo() {
        checker.check([input(Shape(2, 3, 5), seed: 1)], "transpose") { g, v in g.transposeLastTwo(v[0]) }
    }

    @Test func topK() {
        checker.check([input(Shape(4, 9), seed: 1)], "topK") { g, v in g.topK(v[0], k: 3).values }
    }

    @Test func reductions() {
        checker.check([input(Shape(3, 11), seed: 1)], "sum") { g, v in g.sum(v[0]) }
        checker.check([input(Shape(3, 11), seed: 1)], "mean") { g, v in g.mean(v[0]) }
        checker.check([input(Shape(2, 3, 11), seed: 1)], "sumRows") { g, v in g.sumRows(v[0]) }
    }
}
