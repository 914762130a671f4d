/// Which keys a row of attention scores may see. Rows are laid out [batch, heads, queries, keys]
/// (or any layout where each batch element owns `rowsPerBatch` consecutive rows, and query i of a
/// block of `queries` rows is row index mod `queries`).
public struct AttentionMask: Sendable {
    /// [batch, keys]; nonzero marks a padded key that no query may attend to.
    public var keyPadding: Indices?
    /// Query i sees keys 0...i + (keys − queries) (the offset lets cached decoding use it).
    public var causal: Bool

    public init(keyPadding: Indices? = nil, causal: Bool = false) {
        self.keyPadding = keyPadding
        self.causal = causal
    }

    public static let none = AttentionMask()
}

extension Kernels {
    /// Row-wise LayerNorm over `cols`: y = (x − mean)/sqrt(var + eps) · gamma + beta.
    /// Writes mean and 1/std per row into stats [rows, 2] for backward.
    public static func layerNorm(_ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                 into y: UnsafeMutablePointer<Float>, stats: UnsafeMutablePointer<Float>,
                                 rows: Int, cols: Int, eps: Float) {
        let (xs, gs, bs, ys, ss) = (SharedPointer(UnsafeMutablePointer(mutating: x)),
                                    SharedPointer(UnsafeMutablePointer(mutating: gamma)),
                                    SharedPointer(UnsafeMutablePointer(mutating: beta)), SharedPointer(y), SharedPointer(stats))
        Kernels.rows(rows, cols: cols) { r in
            let xr = xs.p + r * cols, yr = ys.p + r * cols
            var acc = F8()
            forLanes(cols) { j, l in acc += load8(xr + j, l) }
            let mean = FastMath.sum(acc) / Float(cols)
            var sq = F8()
            // Missing tail lanes load as the mean, so they add nothing.
            forLanes(cols) { j, l in sq += FastMath.square(load8(xr + j, l, fill: mean) - mean) }
            let rstd = 1 / (FastMath.sum(sq) / Float(cols) + eps).squareRoot()
            forLanes(cols) { j, l in
                store8((load8(xr + j, l) - mean) * rstd * load8(gs.p + j, l) + load8(bs.p + j, l), yr + j, l)
            }
            ss.p[2 * r] = mean
            ss.p[2 * r + 1] = rstd
        }
    }

    /// Accumulates LayerNorm gradients: dx per row; dgamma, dbeta summed over rows in row order.
    static func layerNormBackward(_ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, stats: UnsafePointer<Float>,
                                  dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                                  dgamma: UnsafeMutablePointer<Float>?, dbeta: UnsafeMutablePointer<Float>?,
                                  rows: Int, cols: Int) {
        let xs = SharedPointer(UnsafeMutablePointer(mutating: x)), gs = SharedPointer(UnsafeMutablePointer(mutating: gamma))
        let ss = SharedPointer(UnsafeMutablePointer(mutating: stats)), dys = SharedPointer(UnsafeMutablePointer(mutating: dy))
        if let dx {
            let dxs = SharedPointer(dx)
            Kernels.rows(rows, cols: cols) { r in
                let (mean, rstd) = (ss.p[2 * r], ss.p[2 * r + 1])
                let xr = xs.p + r * cols, dyr = dys.p + r * cols, dxr = dxs.p + r * cols
                var sumG = F8(), sumGX = F8()
                forLanes(cols) { j, l in
                    let g = load8(dyr + j, l) * load8(gs.p + j, l)
                    sumG += g
                    sumGX += g * ((load8(xr + j, l) - mean) * rstd)
                }
                let meanG = FastMath.sum(sumG) / Float(cols), meanGX = FastMath.sum(sumGX) / Float(cols)
                forLanes(cols) { j, l in
                    let g = load8(dyr + j, l) * load8(gs.p + j, l)
                    let xhat = (load8(xr + j, l) - mean) * rstd
                    store8(load8(dxr + j, l) + rstd * (g - meanG - xhat * meanGX), dxr + j, l)
                }
            }
        }
        if dgamma == nil && dbeta == nil { return }
        let dgs = dgamma.map(SharedPointer.init), dbs = dbeta.map(SharedPointer.init)
        Parallel.forRanges((cols + 7) / 8, grain: max(1, grain / 8 / max(rows, 1))) { range in
            for b in range {
                let j = b * 8, l = min(8, cols - j)
                var accG = F8(), accB = F8()
                for r in 0..<rows {
                    let g = load8(dys.p + r * cols + j, l)
                    accG += g * ((load8(xs.p + r * cols + j, l) - ss.p[2 * r]) * ss.p[2 * r + 1])
                    accB += g
                }
                if let dgs { store8(load8(dgs.p + j, l) + accG, dgs.p + j, l) }
                if let dbs { store8(load8(dbs.p + j, l) + accB, dbs.p + j, l) }
            }
        }
    }

    /// Keys visible to query `query` of `queries` under a causal mask, the queries being the last ones
    /// of `keys` positions (so cached decoding with one query sees every key).
    @inline(__always)
    static func causalVisible(query: Int, queries: Int, keys: Int) -> Int {
        min(keys, max(0, query + keys - queries + 1))
    }

    /// Softmax of one row of `keys` scores in place; keys ≥ `visible` or padded get probability 0.
    /// A row with no visible key becomes all zeros.
    @inline(__always)
    static func softmaxRow(_ row: UnsafeMutablePointer<Float>, keys: Int, visible: Int, padding: UnsafePointer<Int32>?) {
        // Only the 8-lane blocks holding visible keys are exponentiated (about half the work of a
        // causal row): the rest of the last such block is masked, later blocks are zeroed.
        let span = min(keys, (visible + 7) / 8 * 8)
        for j in visible..<span { row[j] = -.infinity }
        forLanes(span..<keys) { j, l in store8(F8(), row + j, l) }
        if let padding {
            for j in 0..<visible where padding[j] != 0 { row[j] = -.infinity }
        }
        var mx = F8(repeating: -.infinity)
        forLanes(span) { j, l in let v = load8(row + j, l, fill: -.infinity); mx.replace(with: v, where: v .> mx) }
        let m = FastMath.max(mx)
        if m == -.infinity { row.update(repeating: 0, count: span); return }
        var sum = F8()
        forLanes(span) { j, l in
            let v = load8(row + j, l, fill: -.infinity)
            let e = FastMath.exp(v - m).replacing(with: 0, where: v .== -.infinity)
            sum += e
            store8(e, row + j, l)
        }
        let inv = 1 / FastMath.sum(sum)
        forLanes(span) { j, l in
            store8(load8(row + j, l) * inv, row + j, l)
        }
    }

    /// Masked softmax over the last axis of scores laid out as described by `AttentionMask`.
    public static func softmax(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, keys: Int,
                               queries: Int, rowsPerBatch: Int, mask: AttentionMask) {
        let (xs, ys) = (SharedPointer(UnsafeMutablePointer(mutating: x)), SharedPointer(y))
        Kernels.rows(rows, cols: keys) { r in
            let row = ys.p + r * keys
            if row != xs.p + r * keys { row.update(from: xs.p + r * keys, count: keys) }
            let visible = mask.causal ? causalVisible(query: r % queries, queries: queries, keys: keys) : keys
            let pad = mask.keyPadding.map { $0.pointer + (r / rowsPerBatch) * keys }
            softmaxRow(row, keys: keys, visible: visible, padding: pad)
        }
    }

    /// dx += y ⊙ (dy − Σ dy·y) row-wise (softmax backward).
    static func softmaxBackward(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                                rows: Int, cols: Int, scale: Float = 1) {
        let (ys, dys, dxs) = (SharedPointer(UnsafeMutablePointer(mutating: y)), SharedPointer(UnsafeMutablePointer(mutating: dy)),
                              SharedPointer(dx))
        Kernels.rows(rows, cols: cols) { r in
            let o = r * cols
            var dot = F8()
            forLanes(cols) { j, l in dot += load8(ys.p + o + j, l) * load8(dys.p + o + j, l) }
            let d = FastMath.sum(dot)
            forLanes(cols) { j, l in
                let v = load8(ys.p + o + j, l) * (load8(dys.p + o + j, l) - d) * scale
                store8(load8(dxs.p + o + j, l) + v, dxs.p + o + j, l)
            }
        }
    }

    /// log Σ exp over a row, with one exp per element and one log per row.
    @inline(__always)
    static func logSumExp(_ row: UnsafePointer<Float>, _ n: Int) -> Float {
        var mx = F8(repeating: -.infinity)
        forLanes(n) { j, l in let v = load8(row + j, l, fill: -.infinity); mx.replace(with: v, where: v .> mx) }
        let m = FastMath.max(mx)
        var s = F8()
        forLanes(n) { j, l in s += FastMath.expOrZero(load8(row + j, l, fill: -.infinity) - m) }
        return m + log(FastMath.sum(s))
    }
}

#if canImport(Glibc)
import Glibc
#endif
