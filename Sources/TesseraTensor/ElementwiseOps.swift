import TesseraKernels

extension Graph {
    /// a + b, where b has a's shape or a's trailing shape (broadcast over the leading axes, e.g. a bias).
    public func add(_ a: Var, _ b: Var) -> Var {
        let (sa, sb) = (shape(a), shape(b))
        precondition(sb.count > 0 && sa.count % sb.count == 0 && Array(sa.dims.suffix(sb.rank)) == sb.dims,
                     "add: \(sb) does not broadcast to \(sa)")
        let out = output(sa, inputs: a, b)
        Kernels.add(ptr(a), ptr(b), bCount: sb.count, into: ptr(out), count: sa.count)
        record(.add(a: a, b: b, out: out))
        return out
    }

    func addBackward(_ a: Var, _ b: Var, _ out: Var) {
        let dy = gradPointer(out), n = shape(out).count
        if let da = gradIfNeeded(a) { Kernels.accumulate(dy, into: da, count: n) }
        guard let db = gradIfNeeded(b) else { return }
        let nb = shape(b).count
        if nb == n { Kernels.accumulate(dy, into: db, count: n) } else {
            Kernels.columnSums(dy, rows: n / nb, cols: nb, into: db)
        }
    }

    /// a − b (same shapes or b broadcast like `add`).
    public func sub(_ a: Var, _ b: Var) -> Var { add(a, scale(b, -1)) }

    /// Elementwise product of two tensors of the same shape.
    public func mul(_ a: Var, _ b: Var) -> Var {
        precondition(shape(a) == shape(b), "mul: \(shape(a)) vs \(shape(b))")
        let out = output(shape(a), inputs: a, b)
        let (x, y, o) = (SharedPointer(ptr(a)), SharedPointer(ptr(b)), SharedPointer(ptr(out)))
        Kernels.blocks(shape(a).count) { range in forLanes(range) { i, l in store8(load8(x.p + i, l) * load8(y.p + i, l), o.p + i, l) } }
        record(.mul(a: a, b: b, out: out))
        return out
    }

    func mulBackward(_ a: Var, _ b: Var, _ out: Var) {
        let dy = SharedPointer(gradPointer(out)), n = shape(out).count
        func accumulate(into target: Var, times other: Var) {
            guard let g = gradIfNeeded(target) else { return }
            let (gs, os) = (SharedPointer(g), SharedPointer(ptr(other)))
            Kernels.blocks(n) { range in forLanes(range) { i, l in store8(load8(gs.p + i, l) + load8(dy.p + i, l) * load8(os.p + i, l), gs.p + i, l) } }
        }
        accumulate(into: a, times: b)
        accumulate(into: b, times: a)
    }

    /// factor · x
    public func scale(_ x: Var, _ factor: Float) -> Var {
        let out = output(shape(x), inputs: x)
        let (xs, o) = (SharedPointer(ptr(x)), SharedPointer(ptr(out)))
        Kernels.blocks(shape(x).count) { range in forLanes(range) { i, l in store8(load8(xs.p + i, l) * factor, o.p + i, l) } }
        record(.scale(x: x, out: out, factor: factor))
        return out
    }

    func scaleBackward(_ x: Var, _ out: Var, _ factor: Float) {
        guard let dx = gradIfNeeded(x) else { return }
        Kernels.accumulate(gradPointer(out), into: dx, count: shape(x).count, alpha: factor)
    }

    /// Row r of x [rows, cols] times s[r] (s has `rows` elements): expert outputs × router weights.
    public func scaleRows(_ x: Var, _ s: Var) -> Var {
        let sx = shape(x)
        precondition(shape(s).count == sx.rows, "scaleRows: \(shape(s)) for \(sx)")
        let out = output(sx, inputs: x, s)
        let (xs, ss, o, c) = (SharedPointer(ptr(x)), SharedPointer(ptr(s)), SharedPointer(ptr(out)), sx.last)
        Kernels.rows(sx.rows, cols: c) { r in
            let f = ss.p[r]
            forLanes(c) { j, l in
                store8(load8(xs.p + r * c + j, l) * f, o.p + r * c + j, l)
            }
        }
        record(.scaleRows(x: x, s: s, out: out))
        return out
    }

    func scaleRowsBackward(_ x: Var, _ s: Var, _ out: Var) {
        let sx = shape(x), c = sx.last
        let (dy, xs, ss) = (SharedPointer(gradPointer(out)), SharedPointer(ptr(x)), SharedPointer(ptr(s)))
        let dx = gradIfNeeded(x).map(SharedPointer.init), ds = gradIfNeeded(s).map(SharedPointer.init)
        Kernels.rows(sx.rows, cols: c) { r in
            var dot = F8()
            let f = ss.p[r]
            forLanes(c) { j, l in
                let o = r * c + j
                let g = load8(dy.p + o, l)
                if let dx { store8(load8(dx.p + o, l) + g * f, dx.p + o, l) }
                dot += g * load8(xs.p + o, l)
            }
            if let ds { ds.p[r] += FastMath.sum(dot) }
        }
    }

    public func relu(_ x: Var) -> Var { activation(x, .relu) }

    /// GELU, exact erf form (as PyTorch's default).
    public func gelu(_ x: Var) -> Var { activation(x, .gelu) }

    public func activation(_ x: Var, _ kind: Activation) -> Var {
        let out = output(shape(x), inputs: x)
        Kernels.activation(kind, ptr(x), into: ptr(out), count: shape(x).count)
        record(.activation(x: x, out: out, kind: kind))
        return out
    }

    func activationBackward(_ x: Var, _ out: Var, _ kind: Activation) {
        guard let dx = gradIfNeeded(x) else { return }
        Kernels.activationBackward(kind, ptr(x), gradPointer(out), into: dx, count: shape(x).count)
    }

    /// Inverted dropout when training; the identity otherwise. The mask depends only on the graph's
    /// seed sequence, so a step is reproducible, and backward regenerates it instead of storing it.
    public func dropout(_ x: Var, rate: Float) -> Var {
        precondition(rate >= 0 && rate < 1, "dropout rate \(rate) not in [0, 1)")
        guard isTraining && rate > 0 else { return x }
        let seed = nextSeed()
        let out = output(shape(x), inputs: x)
        Kernels.dropout(ptr(x), into: ptr(out), count: shape(x).count, rate: rate, seed: seed)
        record(.dropout(x: x, out: out, rate: rate, seed: seed))
        return out
    }

    func dropoutBackward(_ x: Var, _ out: Var, _ rate: Float, _ seed: UInt64) {
        guard let dx = gradIfNeeded(x) else { return }
        let (dy, g) = (SharedPointer(gradPointer(out)), SharedPointer(dx))
        let threshold = Kernels.dropoutThreshold(rate), scale = 1 / (1 - rate)
        Kernels.blocks(shape(x).count) { range in forLanes(range) { i, l in
            let m = CounterHash.dropoutScale(seed: seed, start: i, threshold: threshold, scale: scale)
            store8(load8(g.p + i, l) + load8(dy.p + i, l) * m, g.p + i, l)
        } }
    }
}
