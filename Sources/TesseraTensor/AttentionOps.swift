import TesseraKernels

/// Where each head's matrices live: q and out are [batch, queries, width], k and v are
/// [batch, capacity, width] of which the first `keys` rows are used (a KV cache filled up to `keys`),
/// with the heads side by side in width, so every head is a strided matrix and none is copied.
struct AttentionLayout {
    let batch, heads, queries, keys, capacity, width: Int
    var headWidth: Int { width / heads }
    var scoresPerHead: Int { queries * keys }

    func query(_ base: UnsafeMutablePointer<Float>, _ bi: Int, _ h: Int) -> Matrix {
        Matrix(base + bi * queries * width + h * headWidth, queries, headWidth, ld: width)
    }

    func key(_ base: UnsafeMutablePointer<Float>, _ bi: Int, _ h: Int) -> Matrix {
        Matrix(base + bi * capacity * width + h * headWidth, keys, headWidth, ld: width)
    }
}

struct AttentionRecord {
    let q, k, v, out: Var
    let layout: AttentionLayout
    /// Softmax probabilities [batch, heads, queries, keys], before dropout.
    let probs: UnsafeMutablePointer<Float>
    let dropout: Float
    let seed: UInt64
}

extension Graph {
    /// Fused multi-head scaled-dot-product attention: softmax(q kᵀ/√dh + mask), optional dropout on
    /// the probabilities, times v. q [B, Tq, D]; k and v [B, Tk, D] with the heads side by side in D
    /// (D = heads·dh), so no split-heads transpose is materialized. `keyLength` uses only the first
    /// keyLength of the Tk positions (a KV cache of capacity Tk; the key padding mask stays [B, Tk]).
    /// Output [B, Tq, D]. Backward reuses the stored probabilities.
    public func attention(query q: Var, key k: Var, value v: Var, heads: Int, mask: AttentionMask = .none,
                          dropout: Float = 0, keyLength: Int? = nil) -> Var {
        let (sq, sk) = (shape(q), shape(k))
        precondition(sq.rank == 3 && sk.rank == 3 && shape(v) == sk && sq[0] == sk[0] && sq[2] == sk[2]
                     && sq[2] % heads == 0, "attention: q \(sq), k \(sk), v \(shape(v)), heads \(heads)")
        let layout = AttentionLayout(batch: sq[0], heads: heads, queries: sq[1], keys: keyLength ?? sk[1], capacity: sk[1], width: sq[2])
        precondition(layout.keys >= 0 && layout.keys <= sk[1], "attention: keyLength \(layout.keys) for \(sk[1]) positions")
        precondition(mask.keyPadding.map { $0.count == sk[0] * sk[1] } ?? true, "attention: key padding must be [\(sk[0]), \(sk[1])]")
        let rate: Float = isTraining ? dropout : 0
        let seed = rate > 0 ? nextSeed() : 0
        let out = output(sq, inputs: q, k, v)
        let n = layout.scoresPerHead
        let probs = arena.allocate(floats: layout.batch * heads * n)
        let dropped = rate > 0 ? arena.allocate(floats: layout.batch * heads * n) : probs
        let scale = 1 / Float(layout.headWidth).squareRoot()
        let (qp, kp, vp, op) = (SharedPointer(ptr(q)), SharedPointer(ptr(k)), SharedPointer(ptr(v)), SharedPointer(ptr(out)))
        let (pp, dp) = (SharedPointer(probs), SharedPointer(dropped))
        Self.batches(count: layout.batch * heads, work: n * layout.headWidth) { task in
            let (bi, h, (tq, tk)) = (task / heads, task % heads, (layout.queries, layout.keys))
            let p = pp.p + task * n
            Kernels.gemm(layout.query(qp.p, bi, h), false, layout.key(kp.p, bi, h), true, Matrix(p, tq, tk), alpha: scale, beta: 0)
            let pad = mask.keyPadding.map { $0.pointer + bi * layout.capacity }
            Vector.softmaxRows(p, into: p, rows: 0..<tq, keys: tk, causalQueries: mask.causal ? tq : nil, padding: pad,
                               rowsPerPaddingRow: tq)
            if rate > 0 { Self.applyDropout(p, into: dp.p + task * n, count: n, start: task * n, rate, seed) }
            Kernels.gemm(Matrix(dp.p + task * n, tq, tk), false, layout.key(vp.p, bi, h), false, layout.query(op.p, bi, h), beta: 0)
        }
        record(.attention(AttentionRecord(q: q, k: k, v: v, out: out, layout: layout, probs: probs, dropout: rate, seed: seed)))
        return out
    }

    /// y = x ⊙ dropout mask, where the mask of element i is drawn from (seed, start + i).
    private static func applyDropout(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int, start: Int,
                                     _ rate: Float, _ seed: UInt64) {
        let threshold = Kernels.dropoutThreshold(rate), scale = 1 / (1 - rate)
        forLanes(count) { j, l in
            store8(load8(x + j, l) * CounterHash.dropoutScale(seed: seed, start: start + j, threshold: threshold, scale: scale), y + j, l)
        }
    }

    func attentionBackward(_ r: AttentionRecord) {
        let layout = r.layout
        let (n, tq, tk) = (layout.scoresPerHead, layout.queries, layout.keys)
        let scale = 1 / Float(layout.headWidth).squareRoot()
        let scratch = SharedPointer(arena.allocate(floats: 2 * layout.batch * layout.heads * n))
        let (qp, kp, vp, pp) = (SharedPointer(ptr(r.q)), SharedPointer(ptr(r.k)), SharedPointer(ptr(r.v)), SharedPointer(r.probs))
        let dO = SharedPointer(gradPointer(r.out))
        let dQ = gradIfNeeded(r.q).map(SharedPointer.init), dK = gradIfNeeded(r.k).map(SharedPointer.init)
        let dV = gradIfNeeded(r.v).map(SharedPointer.init)
        let (rate, seed) = (r.dropout, r.seed)
        Self.batches(count: layout.batch * layout.heads, work: n * layout.headWidth) { task in
            let (bi, h) = (task / layout.heads, task % layout.heads)
            let p = pp.p + task * n
            let dP = scratch.p + 2 * task * n, dropped = dP + n
            if rate > 0 { Self.applyDropout(p, into: dropped, count: n, start: task * n, rate, seed) }
            let dom = layout.query(dO.p, bi, h)
            if let dV { Kernels.gemm(Matrix(rate > 0 ? dropped : p, tq, tk), true, dom, false, layout.key(dV.p, bi, h), beta: 1) }
            Kernels.gemm(dom, false, layout.key(vp.p, bi, h), true, Matrix(dP, tq, tk), beta: 0)
            if rate > 0 { Self.applyDropout(dP, into: dP, count: n, start: task * n, rate, seed) }
            // dS = P ⊙ (dP − Σ dP·P) · scale, in place.
            for i in 0..<tq {
                let (pr, gr) = (p + i * tk, dP + i * tk)
                var dot = F8()
                forLanes(tk) { j, l in dot += load8(pr + j, l) * load8(gr + j, l) }
                let s = FastMath.sum(dot)
                forLanes(tk) { j, l in store8(load8(pr + j, l) * (load8(gr + j, l) - s) * scale, gr + j, l) }
            }
            let ds = Matrix(dP, tq, tk)
            if let dQ { Kernels.gemm(ds, false, layout.key(kp.p, bi, h), false, layout.query(dQ.p, bi, h), beta: 1) }
            if let dK { Kernels.gemm(ds, true, layout.query(qp.p, bi, h), false, layout.key(dK.p, bi, h), beta: 1) }
        }
    }
}
