import TesseraKernels

/// Rows to include in a row-wise loss: row r counts unless targets[r] == ignoreIndex (padding).
public struct RowMask: Sendable {
    public let targets: Indices
    public let ignoreIndex: Int32
    public init(targets: Indices, ignoreIndex: Int32) {
        self.targets = targets
        self.ignoreIndex = ignoreIndex
    }
    @inline(__always) func includes(_ r: Int) -> Bool { targets.pointer[r] != ignoreIndex }
}

/// Result of the fused cross-entropy: the differentiable loss plus figures for logging.
public struct CrossEntropyResult {
    /// Σ over non-padding rows of the label-smoothed loss (a scalar Var).
    public let loss: Var
    /// Σ over non-padding rows of −log p(target) (for perplexity).
    public let nllSum: Double
    /// Number of non-padding rows.
    public let tokens: Int
}

extension Graph {
    /// Fused log-softmax + label-smoothed cross-entropy over logits [N, V] (fairseq's
    /// label_smoothed_nll_loss: target weight 1−ε, every other class ε/(V−1)). Rows whose target is
    /// `ignoreIndex` contribute nothing. Returns sums; scale by 1/tokens for a mean.
    public func crossEntropy(logits: Var, targets: Indices, smoothing: Float = 0, ignoreIndex: Int32 = -1) -> CrossEntropyResult {
        let s = shape(logits), (n, v) = (s.rows, s.last)
        precondition(targets.count == n, "crossEntropy: \(targets.count) targets for \(n) rows")
        let lse = arena.allocate(floats: n)
        let rowLoss = arena.allocate(floats: 2 * n)
        let (xs, ls, rl) = (SharedPointer(ptr(logits)), SharedPointer(lse), SharedPointer(rowLoss))
        let otherWeight = v > 1 ? smoothing / Float(v - 1) : 0
        let targetWeight = 1 - smoothing
        Kernels.rows(n, cols: v) { r in
            let t = Int(targets.pointer[r])
            guard t != Int(ignoreIndex) else { rl.p[2 * r] = 0; rl.p[2 * r + 1] = 0; return }
            precondition(t >= 0 && t < v, "crossEntropy: target \(t) outside vocabulary of \(v)")
            let row = xs.p + r * v
            let z = Vector.logSumExp(row, count: v)
            var acc = F8()
            forLanes(v) { j, l in acc += load8(row + j, l) }
            let sumLogP = FastMath.sum(acc) - Float(v) * z
            let logPT = row[t] - z
            ls.p[r] = z
            rl.p[2 * r] = -(targetWeight - otherWeight) * logPT - otherWeight * sumLogP
            rl.p[2 * r + 1] = -logPT
        }
        var total = 0.0, nll = 0.0, tokens = 0
        for r in 0..<n where targets.pointer[r] != ignoreIndex {
            total += Double(rowLoss[2 * r])
            nll += Double(rowLoss[2 * r + 1])
            tokens += 1
        }
        let out = output(Shape(1), inputs: logits)
        ptr(out)[0] = Float(total)
        record(.crossEntropy(logits: logits, targets: targets, logSumExp: lse, smoothing: smoothing, ignoreIndex: ignoreIndex, out: out))
        return CrossEntropyResult(loss: out, nllSum: nll, tokens: tokens)
    }

    func crossEntropyBackward(_ logits: Var, _ targets: Indices, _ lse: UnsafeMutablePointer<Float>, _ smoothing: Float,
                              _ ignoreIndex: Int32, _ out: Var) {
        guard let dx = gradIfNeeded(logits) else { return }
        let s = shape(logits), (n, v) = (s.rows, s.last)
        let g = gradPointer(out)[0]
        let otherWeight = v > 1 ? smoothing / Float(v - 1) : 0
        let targetWeight = 1 - smoothing
        let (xs, ls, dxs) = (SharedPointer(ptr(logits)), SharedPointer(lse), SharedPointer(dx))
        // d/dx_j = g · (softmax_j − q_j), q = smoothed target distribution.
        Kernels.rows(n, cols: v) { r in
            let t = Int(targets.pointer[r])
            guard t != Int(ignoreIndex) else { return }
            let (row, drow, z) = (xs.p + r * v, dxs.p + r * v, ls.p[r])
            Vector.addScaledExp(row, minus: z, times: g, offset: otherWeight, into: drow, count: v)
            drow[t] -= g * (targetWeight - otherWeight)
        }
    }

    /// Σ over rows of KL(p ‖ q) = Σ_j p_j (log p_j − log q_j), for log-distributions logP, logQ of the
    /// same shape [N, V] (outputs of logSoftmax). Gradients flow to both sides; wrap one side's
    /// producer in `withoutGrad` for a stop-gradient. Rows outside `rowMask` are skipped.
    public func klDivergence(logP: Var, logQ: Var, rowMask: RowMask? = nil) -> Var {
        let s = shape(logP), (n, v) = (s.rows, s.last)
        precondition(shape(logQ) == s, "klDivergence: \(s) vs \(shape(logQ))")
        precondition(rowMask.map { $0.targets.count == n } ?? true, "klDivergence: mask rows differ from \(n)")
        let rowKL = arena.allocate(floats: n)
        let (ps, qs, rk) = (SharedPointer(ptr(logP)), SharedPointer(ptr(logQ)), SharedPointer(rowKL))
        Kernels.rows(n, cols: v) { r in
            guard rowMask?.includes(r) ?? true else { rk.p[r] = 0; return }
            var acc = F8()
            forLanes(v) { j, l in
                let lp = load8(ps.p + r * v + j, l, fill: -.infinity), lq = load8(qs.p + r * v + j, l)
                acc += (FastMath.exp(lp) * (lp - lq)).replacing(with: 0, where: lp .== -.infinity)
            }
            rk.p[r] = FastMath.sum(acc)
        }
        var total = 0.0
        for r in 0..<n { total += Double(rowKL[r]) }
        let out = output(Shape(1), inputs: logP, logQ)
        ptr(out)[0] = Float(total)
        record(.klDivergence(logP: logP, logQ: logQ, rowMask: rowMask, out: out))
        return out
    }

    func klDivergenceBackward(_ logP: Var, _ logQ: Var, _ rowMask: RowMask?, _ out: Var) {
        let s = shape(logP), (n, v) = (s.rows, s.last)
        let g = gradPointer(out)[0]
        let (ps, qs) = (SharedPointer(ptr(logP)), SharedPointer(ptr(logQ)))
        // One single-expression loop per side, so each inlines its lane code.
        if let dp = gradIfNeeded(logP).map(SharedPointer.init) {
            Kernels.rows(n, cols: v) { r in
                guard rowMask?.includes(r) ?? true else { return }
                let (lp, lq, d) = (ps.p + r * v, qs.p + r * v, dp.p + r * v)
                forLanes(v) { j, l in store8(load8(d + j, l) + g * Self.klGradientP(load8(lp + j, l), load8(lq + j, l)), d + j, l) }
            }
        }
        if let dq = gradIfNeeded(logQ).map(SharedPointer.init) {
            Kernels.rows(n, cols: v) { r in
                guard rowMask?.includes(r) ?? true else { return }
                let (lp, d) = (ps.p + r * v, dq.p + r * v)
                forLanes(v) { j, l in store8(load8(d + j, l) - g * FastMath.expOrZero(load8(lp + j, l)), d + j, l) }
            }
        }
    }

    /// ∂/∂log p of p·(log p − log q) = p·(log p − log q + 1), 0 where p = 0.
    @inline(__always)
    private static func klGradientP(_ lp: F8, _ lq: F8) -> F8 {
        (FastMath.exp(lp) * (lp - lq + 1)).replacing(with: 0, where: lp .== -.infinity)
    }

    /// Sum of all elements, as a scalar [1]. Summed per row, then rows in order (deterministic).
    public func sum(_ x: Var) -> Var { reduceAll(x, factor: 1) }

    /// Mean of all elements, as a scalar [1].
    public func mean(_ x: Var) -> Var { reduceAll(x, factor: 1 / Float(shape(x).count)) }

    private func reduceAll(_ x: Var, factor: Float) -> Var {
        let s = shape(x), c = s.last
        let partial = arena.allocate(floats: s.rows)
        let (xs, ps) = (SharedPointer(ptr(x)), SharedPointer(partial))
        Kernels.rows(s.rows, cols: c) { r in
            var acc = F8()
            forLanes(c) { j, l in acc += load8(xs.p + r * c + j, l) }
            ps.p[r] = FastMath.sum(acc)
        }
        var total = 0.0
        for r in 0..<s.rows { total += Double(partial[r]) }
        let out = output(Shape(1), inputs: x)
        ptr(out)[0] = Float(total) * factor
        record(.sum(x: x, out: out, factor: factor))
        return out
    }

    func sumBackward(_ x: Var, _ out: Var, _ factor: Float) {
        guard let dx = gradIfNeeded(x) else { return }
        let g = gradPointer(out)[0] * factor
        let dxs = SharedPointer(dx)
        Kernels.blocks(shape(x).count) { range in forLanes(range) { i, l in store8(load8(dxs.p + i, l) + g, dxs.p + i, l) } }
    }

    /// Sums over the leading axes: x [.., C] → [C] (e.g. per-expert router mass for balancing losses).
    public func sumRows(_ x: Var) -> Var {
        let s = shape(x)
        let out = output(Shape(s.last), inputs: x)
        ptr(out).update(repeating: 0, count: s.last)
        Kernels.columnSums(ptr(x), rows: s.rows, cols: s.last, into: ptr(out))
        record(.sumRows(x: x, out: out))
        return out
    }

    func sumRowsBackward(_ x: Var, _ out: Var) {
        guard let dx = gradIfNeeded(x) else { return }
        let s = shape(x)
        Kernels.add(dx, gradPointer(out), bCount: s.last, into: dx, count: s.count)
    }
}
