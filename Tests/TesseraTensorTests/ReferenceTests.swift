import Foundation
import Testing
@testable import TesseraTensor

/// Forward results against naive loops in Double, on random inputs with sizes that are not
/// multiples of 8.
@Suite struct ReferenceTests {
    func close(_ a: [Float], _ b: [Double], tolerance: Double = 1e-4, _ what: String) {
        #expect(a.count == b.count, "\(what): count")
        let worst = zip(a, b).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst < tolerance, "\(what): worst relative error \(worst)")
    }

    @Test func matmulAndLinear() {
        let (m, k, n) = (13, 19, 11)
        let a = randomValues(m * k, seed: 1), w = randomValues(n * k, seed: 2), bias = randomValues(n, seed: 3)
        let g = Graph()
        let y = g.linear(g.constant(a, Shape(m, k)), weight: g.constant(w, Shape(n, k)), bias: g.constant(bias, Shape(n)))
        var ref = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            ref[i * n + j] = Double(bias[j]) + (0..<k).reduce(0.0) { $0 + Double(a[i * k + $1]) * Double(w[j * k + $1]) }
        } }
        close(g.array(y), ref, "linear")
    }

    @Test func layerNorm() {
        let (r, c) = (7, 37)
        let x = randomValues(r * c, seed: 1, scale: 3), gamma = randomValues(c, seed: 2), beta = randomValues(c, seed: 3)
        let g = Graph()
        let y = g.layerNorm(g.constant(x, Shape(r, c)), gamma: g.constant(gamma, Shape(c)), beta: g.constant(beta, Shape(c)))
        var ref = [Double]()
        for i in 0..<r {
            let row = x[(i * c)..<((i + 1) * c)].map(Double.init)
            let mean = row.reduce(0, +) / Double(c)
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(c)
            for j in 0..<c { ref.append((row[j] - mean) / (variance + 1e-5).squareRoot() * Double(gamma[j]) + Double(beta[j])) }
        }
        close(g.array(y), ref, "layerNorm")
    }

    /// Naive masked attention for one batch element and head.
    func referenceAttention(q: [Float], k: [Float], v: [Float], b: Int, tq: Int, tk: Int, d: Int, heads: Int,
                            pad: [Int32], causal: Bool) -> [Double] {
        let dh = d / heads
        var out = [Double](repeating: 0, count: b * tq * d)
        for bi in 0..<b { for h in 0..<heads { for i in 0..<tq {
            var scores = [Double](repeating: -.infinity, count: tk)
            for j in 0..<tk where pad[bi * tk + j] == 0 && (!causal || j <= i + tk - tq) {
                scores[j] = (0..<dh).reduce(0.0) { $0 + Double(q[bi * tq * d + i * d + h * dh + $1]) * Double(k[bi * tk * d + j * d + h * dh + $1]) }
                    / Double(dh).squareRoot()
            }
            let m = scores.max()!
            let e = scores.map { $0 == -.infinity ? 0 : Foundation.exp($0 - m) }
            let s = e.reduce(0, +)
            for c in 0..<dh {
                out[bi * tq * d + i * d + h * dh + c] = (0..<tk).reduce(0.0) { $0 + e[$1] / s * Double(v[bi * tk * d + $1 * d + h * dh + c]) }
            }
        } } }
        return out
    }

    @Test(arguments: [false, true])
    func attention(causal: Bool) {
        let (b, tq, tk, d, heads) = (3, causal ? 9 : 5, 9, 12, 3)
        let q = randomValues(b * tq * d, seed: 1), k = randomValues(b * tk * d, seed: 2), v = randomValues(b * tk * d, seed: 3)
        var pad = [Int32](repeating: 0, count: b * tk)
        pad[tk - 1] = 1; pad[tk - 2] = 1; pad[2 * tk - 1] = 1
        let g = Graph()
        let y = g.attention(query: g.constant(q, Shape(b, tq, d)), key: g.constant(k, Shape(b, tk, d)), value: g.constant(v, Shape(b, tk, d)),
                            heads: heads, mask: AttentionMask(keyPadding: g.indices(pad), causal: causal))
        close(g.array(y), referenceAttention(q: q, k: k, v: v, b: b, tq: tq, tk: tk, d: d, heads: heads, pad: pad, causal: causal), "attention")
    }

    @Test func crossEntropyAndLogSoftmax() {
        let (n, v, eps) = (6, 29, 0.1)
        let x = randomValues(n * v, seed: 1, scale: 4)
        let targets: [Int32] = [3, 0, 28, 0, 7, 11]
        let g = Graph()
        let logits = g.constant(x, Shape(n, v))
        let ce = g.crossEntropy(logits: logits, targets: g.indices(targets), smoothing: Float(eps), ignoreIndex: 0)
        var loss = 0.0, nll = 0.0, logProbs = [Double]()
        for r in 0..<n {
            let row = x[(r * v)..<((r + 1) * v)].map(Double.init)
            let lse = Foundation.log(row.map { Foundation.exp($0) }.reduce(0, +))
            let lp = row.map { $0 - lse }
            logProbs += lp
            guard targets[r] != 0 else { continue }
            let t = Int(targets[r])
            nll -= lp[t]
            loss -= (1 - eps) * lp[t] + eps / Double(v - 1) * (lp.reduce(0, +) - lp[t])
        }
        close([g.scalar(ce.loss)], [loss], "label-smoothed CE")
        close([Float(ce.nllSum)], [nll], "nll")
        #expect(ce.tokens == 4)
        close(g.array(g.logSoftmax(logits)), logProbs, "logSoftmax")
    }

    @Test func geluMatchesErfDefinition() {
        let x = (0..<101).map { Float($0 - 50) / 10 }
        let g = Graph()
        let y = g.gelu(g.constant(x, Shape(101)))
        close(g.array(y), x.map { Double($0) * 0.5 * (1 + erf(Double($0) / 2.0.squareRoot())) }, tolerance: 1e-6, "gelu")
    }

    @Test func topKTransposeConcat() {
        let x: [Float] = [1, 5, 3, 5, -2, 0, 9, 9, 9, 1]
        let g = Graph()
        let (values, indices) = g.topK(g.constant(x, Shape(2, 5)), k: 2)
        #expect(g.array(values) == [5, 5, 9, 9])
        #expect(indices.array == [1, 3, 1, 2])
        let m = randomValues(2 * 5 * 9, seed: 4)
        let t = g.array(g.transposeLastTwo(g.constant(m, Shape(2, 5, 9))))
        let expected: [Float] = (0..<90).map { (i: Int) -> Float in
            let (batch, row, col) = (i / 45, (i % 45) / 5, i % 5)
            return m[batch * 45 + col * 9 + row]
        }
        #expect(t == expected)
        let c = g.array(g.concat([g.constant([1, 2, 3, 4], Shape(2, 2)), g.constant([5, 6], Shape(2, 1))], axis: 1))
        #expect(c == [1, 2, 5, 3, 4, 6])
    }

    @Test func dropoutKeepsExpectedFractionAndScales() {
        let g = Graph(seed: 3)
        let y = g.array(g.dropout(g.constant([Float](repeating: 1, count: 10_001), Shape(10_001)), rate: 0.25))
        let kept = y.filter { $0 != 0 }
        #expect(abs(Double(kept.count) / 10_001 - 0.75) < 0.02)
        #expect(kept.allSatisfy { abs($0 - 4 / 3) < 1e-6 })
        g.isTraining = false
        let x = g.constant([1, 2, 3], Shape(3))
        #expect(g.dropout(x, rate: 0.5) == x)
    }

    @Test func batchedMatmulWithTransposes() {
        let (b, m, k, n) = (3, 5, 9, 7)
        let x = randomValues(b * k * m, seed: 1), y = randomValues(b * n * k, seed: 2)
        let g = Graph()
        // x stored [b, k, m] and y stored [b, n, k]: out = xᵀ·yᵀ per batch.
        let out = g.batchedMatmul(g.constant(x, Shape(b, k, m)), g.constant(y, Shape(b, n, k)), transposeA: true, transposeB: true)
        var ref = [Double]()
        for bi in 0..<b { for i in 0..<m { for j in 0..<n {
            ref.append((0..<k).reduce(0.0) { $0 + Double(x[bi * k * m + $1 * m + i]) * Double(y[bi * n * k + j * k + $1]) })
        } } }
        close(g.array(out), ref, "batchedMatmul")
    }

    @Test func klDivergenceAndIndexAdd() {
        let (n, v) = (3, 13)
        let p = randomValues(n * v, seed: 1, scale: 3), q = randomValues(n * v, seed: 2, scale: 3)
        let g = Graph()
        let kl = g.klDivergence(logP: g.logSoftmax(g.constant(p, Shape(n, v))), logQ: g.logSoftmax(g.constant(q, Shape(n, v))),
                                rowMask: RowMask(targets: g.indices([5, 0, 5]), ignoreIndex: 0))
        func logSoftmax(_ row: ArraySlice<Float>) -> [Double] {
            let lse = Foundation.log(row.map { Foundation.exp(Double($0)) }.reduce(0, +))
            return row.map { Double($0) - lse }
        }
        var ref = 0.0
        for r in [0, 2] {
            let (lp, lq) = (logSoftmax(p[(r * v)..<((r + 1) * v)]), logSoftmax(q[(r * v)..<((r + 1) * v)]))
            ref += zip(lp, lq).reduce(0.0) { $0 + Foundation.exp($1.0) * ($1.0 - $1.1) }
        }
        close([g.scalar(kl)], [ref], "kl")

        let base = randomValues(4 * 3, seed: 3), src = randomValues(3 * 3, seed: 4)
        let added = g.array(g.indexAddRows(g.constant(base, Shape(4, 3)), source: g.constant(src, Shape(3, 3)), indices: g.indices([2, 0, 2])))
        var expected = base.map(Double.init)
        for (i, row) in [2, 0, 2].enumerated() { for c in 0..<3 { expected[row * 3 + c] += Double(src[i * 3 + c]) } }
        close(added, expected, "indexAddRows")
        let combined = g.array(g.indexAddRows(g.zeros(Shape(2, 3)), source: g.constant(src, Shape(3, 3)), indices: g.indices([1, 1, 0])))
        close(combined, (0..<3).map { Double(src[6 + $0]) } + (0..<3).map { Double(src[$0]) + Double(src[3 + $0]) }, "combine onto zeros")
    }

    @Test func maskedSoftmaxOnAttentionShapedScores() {
        let (b, h, tq, tk) = (2, 2, 3, 5)
        let x = randomValues(b * h * tq * tk, seed: 7, scale: 3)
        let pad: [Int32] = [0, 0, 0, 1, 1, 0, 1, 0, 0, 0]
        let g = Graph()
        let p = g.array(g.softmax(g.constant(x, Shape(b, h, tq, tk)), mask: AttentionMask(keyPadding: g.indices(pad), causal: true)))
        var ref = [Double]()
        for bi in 0..<b { for _ in 0..<h { for i in 0..<tq {
            let visible = (0..<tk).map { j in pad[bi * tk + j] == 0 && j <= i + tk - tq }
            let row = x[(ref.count)..<(ref.count + tk)].map(Double.init)
            let e = (0..<tk).map { visible[$0] ? Foundation.exp(row[$0]) : 0 }
            ref += e.map { $0 / e.reduce(0, +) }
        } } }
        close(p, ref, "masked softmax")
        #expect(zip(p, ref).allSatisfy { ($1 == 0) == ($0 == 0) }, "masked positions must be exactly 0")
    }

    /// Attention over the first t positions of a cache equals attention over those positions copied out.
    @Test func keyLengthMatchesACompactedCache() {
        let (b, capacity, t, d) = (2, 7, 4, 6)
        let q = randomValues(b * d, seed: 1), k = randomValues(b * capacity * d, seed: 2), v = randomValues(b * capacity * d, seed: 3)
        func firstRows(_ x: [Float]) -> [Float] { (0..<b).flatMap { x[($0 * capacity * d)..<($0 * capacity * d + t * d)] } }
        let g = Graph()
        let pad = [Int32](repeating: 0, count: b * capacity)
        let cached = g.attention(query: g.constant(q, Shape(b, 1, d)), key: g.constant(k, Shape(b, capacity, d)),
                                 value: g.constant(v, Shape(b, capacity, d)), heads: 2,
                                 mask: AttentionMask(keyPadding: g.indices(pad), causal: true), keyLength: t)
        let compact = g.attention(query: g.constant(q, Shape(b, 1, d)), key: g.constant(firstRows(k), Shape(b, t, d)),
                                  value: g.constant(firstRows(v), Shape(b, t, d)), heads: 2, mask: AttentionMask(causal: true))
        #expect(g.array(cached) == g.array(compact))
    }
}
