import Testing
@testable import TesseraTensor

/// Gradient checks through composite blocks, and proof that the checker catches wrong backwards.
@Suite struct BlockGradientTests {
    let checker = GradientChecker()

    /// Pre-norm self-attention sublayer: x + Wo·attn(LN(x)Wq, LN(x)Wk, LN(x)Wv).
    @Test func attentionLayer() {
        let (b, t, d) = (2, 3, 8)
        let ins = [input(Shape(b, t, d), seed: 1), input(Shape(d), seed: 2), input(Shape(d), seed: 3),
                   input(Shape(3 * d, d), seed: 4, scale: 0.5), input(Shape(d, d), seed: 5, scale: 0.5), input(Shape(d), seed: 6)]
        checker.check(ins, "attention layer") { g, v in
            let h = g.layerNorm(v[0], gamma: v[1], beta: v[2])
            let qkv = g.split(g.linear(h, weight: v[3], bias: nil), axis: 2, sizes: [d, d, d])
            let mask = AttentionMask(keyPadding: g.indices([0, 0, 1, 0, 0, 0]), causal: false)
            let a = g.attention(query: qkv[0], key: qkv[1], value: qkv[2], heads: 2, mask: mask)
            return g.add(v[0], g.linear(a, weight: v[4], bias: v[5]))
        }
    }

    /// Pre-norm FFN sublayer with dropout: x + W2·dropout(relu(W1·LN(x) + b1)) + b2.
    @Test func layerNormFFNBlock() {
        let (n, d, f) = (5, 6, 11)
        let ins = [input(Shape(n, d), seed: 1), input(Shape(d), seed: 2), input(Shape(d), seed: 3),
                   input(Shape(f, d), seed: 4), input(Shape(f), seed: 5), input(Shape(d, f), seed: 6), input(Shape(d), seed: 7)]
        checker.check(ins, "LN+FFN") { g, v in
            let h = g.layerNorm(v[0], gamma: v[1], beta: v[2])
            let hidden = g.dropout(g.gelu(g.linear(h, weight: v[3], bias: v[4])), rate: 0.1)
            return g.add(v[0], g.linear(hidden, weight: v[5], bias: v[6]))
        }
    }

    /// The checker must reject gradients with a flipped sign, a transposed matrix or a missing term.
    @Test func checkerRejectsWrongBackward() {
        let ins = [input(Shape(3, 4), seed: 1), input(Shape(4, 3), seed: 2)]
        // y = [vec(s · a·b), vec(b ⊙ b)]; s = 0 drops the matmul term from the analytic gradient.
        func build(matmulScale s: Float) -> (Graph, [Var]) -> Var {
            { g, v in
                g.concat([g.reshape(g.scale(g.matmul(v[0], v[1]), s), Shape(9)), g.reshape(g.mul(v[1], v[1]), Shape(12))], axis: 0)
            }
        }
        let (analytic, numeric) = checker.gradients(ins, build(matmulScale: 1))[1]
        #expect(checker.mismatches(analytic, numeric).isEmpty)
        #expect(!checker.mismatches(analytic.map { -$0 }, numeric).isEmpty, "flipped sign")
        let transposed = (0..<12).map { i in analytic[(i % 4) * 3 + i / 4] }
        #expect(!checker.mismatches(transposed, numeric).isEmpty, "transposed")
        let missingTerm = checker.gradients(ins, build(matmulScale: 0))[1].analytic
        #expect(!checker.mismatches(missingTerm, numeric).isEmpty, "missing term")
    }
}
