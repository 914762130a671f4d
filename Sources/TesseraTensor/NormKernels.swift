import TesseraKernels

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
        rowRanges(rows, cols: cols) { range in
            Vector.layerNormRows(xs.p, gamma: gs.p, beta: bs.p, into: ys.p, stats: ss.p, rows: range, cols: cols, eps: eps)
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

    /// Masked softmax over the last axis of scores laid out as described by `AttentionMask`.
    public static func softmax(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, keys: Int,
                               queries: Int, rowsPerBatch: Int, mask: AttentionMask) {
        let (xs, ys) = (SharedPointer(UnsafeMutablePointer(mutating: x)), SharedPointer(y))
        let padding = mask.keyPadding.map { SharedPointer(UnsafeMutablePointer(mutating: $0.pointer)) }
        rowRanges(rows, cols: keys) { range in
            Vector.softmaxRows(xs.p, into: ys.p, rows: range, keys: keys, causalQueries: mask.causal ? queries : nil,
                               padding: padding?.p, rowsPerPaddingRow: rowsPerBatch)
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
}
