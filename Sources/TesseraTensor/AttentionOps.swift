struct AttentionRecord {
    let q, k, v, out: Var
    /// Softmax probabilities [batch, heads, queries, keys], before dropout.
    let probs: UnsafeMutablePointer<Float>
    let heads: Int
    let dropout: Float
    let seed: UInt64
}

extension Graph {
    /// Fused multi-head scaled-dot-product attention. q [B, Tq, D], k and v [B, Tk, D] with the heads
    /// side by side in D (D = heads·dh), so no split-heads transpose is ever materialized: each head
    /// is a strided matrix handed to sgemm. softmax(q kᵀ/√dh + mask), optional dropout on the
    /// probabilities, times v. Output [B, Tq, D]. Backward reuses the stored probabilities.
    public func attention(query q: Var, key k: Var, value v: Var, heads: Int,
                          mask: AttentionMask = .none, dropout: Float = 0) -> Var {
        let (sq, sk) = (shape(q), shape(k))
        precondition(sq.rank == 3 && sk.rank == 3 && shape(v) == sk && sq[0] == sk[0] && sq[2] == sk[2]
                     && sq[2] % heads == 0, "attention: q \(sq), k \(sk), v \(shape(v)), heads \(heads)")
        let (b, tq, tk, d) = (sq[0], sq[1], sk[1], sq[2])
        precondition(mask.keyPadding.map { $0.count == b * tk } ?? true, "attention: key padding must be [\(b), \(tk)]")
        let rate: Float = isTraining ? dropout : 0
        let seed = rate > 0 ? nextSeed() : 0
        let out = output(sq, inputs: q, k, v)
        let probs = arena.allocate(floats: b * heads * tq * tk)
        let dropped = rate > 0 ? arena.allocate(floats: tq * tk * b * heads) : probs
        let dh = d / heads, scale = 1 / Float(dh).squareRoot()
        let (qp, kp, vp, op) = (SharedPointer(ptr(q)), SharedPointer(ptr(k)), SharedPointer(ptr(v)), SharedPointer(ptr(out)))
        let (pp, dp) = (SharedPointer(probs), SharedPointer(dropped))
        Self.batches(count: b * heads, work: tq * tk * dh) { task in
            let (bi, h) = (task / heads, task % heads)
            let p = pp.p + task * tq * tk
            let qm = Matrix(qp.p + bi * tq * d + h * dh, tq, dh, ld: d)
            let km = Matrix(kp.p + bi * tk * d + h * dh, tk, dh, ld: d)
            Kernels.gemm(qm, false, km, true, Matrix(p, tq, tk), alpha: scale, beta: 0)
            let pad = mask.keyPadding.map { $0.pointer + bi * tk }
            for i in 0..<tq {
                let visible = mask.causal ? Kernels.causalVisible(query: i, queries: tq, keys: tk) : tk
                Kernels.softmaxRow(p + i * tk, keys: tk, visible: visible, padding: pad)
            }
            if rate > 0 { Self.applyDropout(p, into: dp.p + task * tq * tk, count: tq * tk, start: task * tq * tk, rate, seed) }
            Kernels.gemm(Matrix(dp.p + task * tq * tk, tq, tk), false, Matrix(vp.p + bi * tk * d + h * dh, tk, dh, ld: d), false,
                         Matrix(op.p + bi * tq * d + h * dh, tq, dh, ld: d), beta: 0)
        }
        record(.attention(AttentionRecord(q: q, k: k, v: v, out: out, probs: probs, heads: heads, dropout: rate, seed: seed)))
        return out
    }

    /// y = x ⊙ dropout mask, where the mask of element i is drawn from (seed, start + i).
    private static func applyDropout(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int, start: Int,
                                     _ rate: Float, _ seed: UInt64) {
        let threshold = Kernels.dropoutThreshold(rate), scale = 1 / (1 - rate)
        forLanes(count) { j, l in
            let m = CounterHash.dropoutScale(seed: seed, start: start + j, threshold: threshold, scale: scale)
            store8(load8(x + j, l) * m, y + j, l)
        }
    }

    func attentionBackward(_ r: AttentionRecord) {
        let (sq, sk) = (shape(r.q), shape(r.k))
        let (b, tq, tk, d, heads) = (sq[0], sq[1], sk[1], sq[2], r.heads)
        let dh = d / heads, scale = 1 / Float(dh).squareRoot()
        let scratch = SharedPointer(arena.allocate(floats: 2 * b * heads * tq * tk))
        let (qp, kp, vp, pp) = (SharedPointer(ptr(r.q)), SharedPointer(ptr(r.k)), SharedPointer(ptr(r.v)), SharedPointer(r.probs))
        let dO = SharedPointer(gradPointer(r.out))
        let dQ = gradIfNeeded(r.q).map(SharedPointer.init), dK = gradIfNeeded(r.k).map(SharedPointer.init)
        let dV = gradIfNeeded(r.v).map(SharedPointer.init)
        let (rate, seed) = (r.dropout, r.seed)
        Self.batches(count: b * heads, work: tq * tk * dh) { task in
            let (bi, h) = (task / heads, task % heads)
            let n = tq * tk
            let p = pp.p + task * n
            let dP = scratch.p + 2 * task * n, dropped = dP + n
            if rate > 0 { Self.applyDropout(p, into: dropped, count: n, start: task * n, rate, seed) }
            let pd = Matrix(rate > 0 ? dropped : p, tq, tk)
            let qm = Matrix(qp.p + bi * tq * d + h * dh, tq, dh, ld: d)
            let km = Matrix(kp.p + bi * tk * d + h * dh, tk, dh, ld: d)
            let vm = Matrix(vp.p + bi * tk * d + h * dh, tk, dh, ld: d)
            let dom = Matrix(dO.p + bi * tq * d + h * dh, tq, dh, ld: d)
            if let dV { Kernels.gemm(pd, true, dom, false, Matrix(dV.p + bi * tk * d + h * dh, tk, dh, ld: d), beta: 1) }
            Kernels.gemm(dom, false, vm, true, Matrix(dP, tq, tk), beta: 0)
            if rate > 0 { Self.applyDropout(dP, into: dP, count: n, start: task * n, rate, seed) }
            // dS = P ⊙ (dP − Σ dP·P) · scale, in place.
            for i in 0..<tq {
                let (pr, gr) = (p + i * tk, dP + i * tk)
                var dot = F8()
                forLanes(tk) { j, l in dot += load8(pr + j, l) * load8(gr + j, l) }
                let s = FastMath.sum(dot)
                forLanes(tk) { j, l in
                    store8(load8(pr + j, l) * (load8(gr + j, l) - s) * scale, gr + j, l)
                }
            }
            let ds = Matrix(dP, tq, tk)
            if let dQ { Kernels.gemm(ds, false, km, false, Matrix(dQ.p + bi * tq * d + h * dh, tq, dh, ld: d), beta: 1) }
            if let dK { Kernels.gemm(ds, true, qm, false, Matrix(dK.p + bi * tk * d + h * dh, tk, dh, ld: d), beta: 1) }
        }
    }
}
