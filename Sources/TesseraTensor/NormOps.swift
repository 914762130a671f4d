import TesseraKernels

extension Graph {
    /// Fused LayerNorm over the last axis with affine gamma, beta (both [last]).
    public func layerNorm(_ x: Var, gamma: Var, beta: Var, eps: Float = 1e-5) -> Var {
        let s = shape(x)
        precondition(shape(gamma).count == s.last && shape(beta).count == s.last, "layerNorm: params for \(s)")
        let out = output(s, inputs: x, gamma, beta)
        let stats = arena.allocate(floats: 2 * s.rows)
        Kernels.layerNorm(ptr(x), gamma: ptr(gamma), beta: ptr(beta), into: ptr(out), stats: stats,
                          rows: s.rows, cols: s.last, eps: eps)
        record(.layerNorm(x: x, gamma: gamma, beta: beta, out: out, stats: stats))
        return out
    }

    func layerNormBackward(_ x: Var, _ gamma: Var, _ beta: Var, _ out: Var, _ stats: UnsafeMutablePointer<Float>) {
        let s = shape(x)
        Kernels.layerNormBackward(ptr(x), gamma: ptr(gamma), stats: stats, dy: gradPointer(out), dx: gradIfNeeded(x),
                                  dgamma: gradIfNeeded(gamma), dbeta: gradIfNeeded(beta), rows: s.rows, cols: s.last)
    }

    /// Fused masked softmax over the last axis. Scores are laid out [..., queries, keys] (e.g.
    /// [batch, heads, queries, keys]); the key padding mask is [batch, keys] with batch the leading
    /// axis. With `.none` it is a plain softmax.
    public func softmax(_ x: Var, mask: AttentionMask = .none) -> Var {
        let s = shape(x)
        let q = s.rank >= 2 ? s[s.rank - 2] : 1
        let out = output(s, inputs: x)
        let rowsPerBatch = mask.keyPadding.map { s.rows / ($0.count / s.last) } ?? s.rows
        Kernels.softmax(ptr(x), into: ptr(out), rows: s.rows, keys: s.last, queries: q, rowsPerBatch: rowsPerBatch, mask: mask)
        record(.softmax(x: x, out: out))
        return out
    }

    func softmaxBackward(_ x: Var, _ out: Var) {
        guard let dx = gradIfNeeded(x) else { return }
        let s = shape(x)
        Kernels.softmaxBackward(ptr(out), gradPointer(out), into: dx, rows: s.rows, cols: s.last)
    }

    /// log softmax over the last axis.
    public func logSoftmax(_ x: Var) -> Var {
        let s = shape(x), c = s.last
        let out = output(s, inputs: x)
        let (xs, ys) = (SharedPointer(ptr(x)), SharedPointer(ptr(out)))
        Kernels.rows(s.rows, cols: c) { r in
            let lse = Vector.logSumExp(xs.p + r * c, count: c)
            forLanes(c) { j, l in
                store8(load8(xs.p + r * c + j, l) - lse, ys.p + r * c + j, l)
            }
        }
        record(.logSoftmax(x: x, out: out))
        return out
    }

    func logSoftmaxBackward(_ x: Var, _ out: Var) {
        guard let dx = gradIfNeeded(x) else { return }
        let s = shape(x), c = s.last
        let (ys, dys, dxs) = (SharedPointer(ptr(out)), SharedPointer(gradPointer(out)), SharedPointer(dx))
        Kernels.rows(s.rows, cols: c) { r in
            let o = r * c
            var acc = F8()
            forLanes(c) { j, l in acc += load8(dys.p + o + j, l) }
            let total = FastMath.sum(acc)
            forLanes(c) { j, l in
                let v = load8(dys.p + o + j, l) - FastMath.exp(load8(ys.p + o + j, l)) * total
                store8(load8(dxs.p + o + j, l) + v, dxs.p + o + j, l)
            }
        }
    }

    /// log Σ exp over the last axis: x [.., C] → [..] (router z-loss).
    public func logSumExp(_ x: Var) -> Var {
        let s = shape(x), c = s.last
        let out = output(Shape(s.rows), inputs: x)
        let (xs, ys) = (SharedPointer(ptr(x)), SharedPointer(ptr(out)))
        Kernels.rows(s.rows, cols: c) { r in ys.p[r] = Vector.logSumExp(xs.p + r * c, count: c) }
        record(.logSumExp(x: x, out: out))
        return out
    }

    func logSumExpBackward(_ x: Var, _ out: Var) {
        guard let dx = gradIfNeeded(x) else { return }
        let s = shape(x), c = s.last
        let (xs, ys, dys, dxs) = (SharedPointer(ptr(x)), SharedPointer(ptr(out)), SharedPointer(gradPointer(out)), SharedPointer(dx))
        Kernels.rows(s.rows, cols: c) { r in
            let (z, g) = (ys.p[r], dys.p[r])
            Vector.addScaledExp(xs.p + r * c, minus: z, times: g, offset: 0, into: dxs.p + r * c, count: c)
        }
    }
}
