import CBLAS

/// A stored row-major matrix: `rows`×`cols` with leading dimension `ld` (≥ cols), so head slices of
/// a [T, heads·dh] buffer are matrices without copying.
struct Matrix {
    let p: UnsafeMutablePointer<Float>
    let rows: Int
    let cols: Int
    let ld: Int
    init(_ p: UnsafeMutablePointer<Float>, _ rows: Int, _ cols: Int, ld: Int? = nil) {
        self.p = p; self.rows = rows; self.cols = cols; self.ld = ld ?? cols
    }
}

extension Kernels {
    /// c = op(a)·op(b) + beta·c through cblas_sgemm; transposes are passed to BLAS, never copied.
    /// Products above `smallGemm` multiply-adds are split into blocks of C's rows (or columns, when
    /// C is wider than tall), each computed by single-threaded OpenBLAS. The number of blocks is
    /// fixed, never the thread count: OpenBLAS does not round a block of rows the same as the
    /// whole product (measured: other bits at K = 256–300), so a split that followed the threads
    /// made results depend on them.
    static func gemm(_ a: Matrix, _ ta: Bool, _ b: Matrix, _ tb: Bool, _ c: Matrix, alpha: Float = 1, beta: Float) {
        let m = ta ? a.cols : a.rows, k = ta ? a.rows : a.cols, n = tb ? b.rows : b.cols
        precondition((tb ? b.cols : b.rows) == k && c.rows == m && c.cols == n, "gemm shape mismatch")
        if m == 0 || n == 0 { return }
        BLAS.singleThreaded
        let (lda, ldb, ldc) = (Int32(a.ld), Int32(b.ld), Int32(c.ld))
        func sgemm(_ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ c: UnsafeMutablePointer<Float>) {
            cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, lda, b, ldb, beta, c, ldc)
        }
        if m * n * k <= smallGemm { return sgemm(m, n, a.p, b.p, c.p) }
        // Blocks of 16 rows or columns keep OpenBLAS's register tiles whole at the split.
        let (ap, bp, cp) = (SharedPointer(a.p), SharedPointer(b.p), SharedPointer(c.p))
        if m >= n {
            Parallel.forParts((m + 15) / 16, parts: gemmParts) { blocks in
                let r0 = blocks.lowerBound * 16, rows = Swift.min(m, blocks.upperBound * 16) - r0
                sgemm(rows, n, ap.p + (ta ? r0 : r0 * a.ld), bp.p, cp.p + r0 * c.ld)
            }
        } else {
            Parallel.forParts((n + 15) / 16, parts: gemmParts) { blocks in
                let c0 = blocks.lowerBound * 16, cols = Swift.min(n, blocks.upperBound * 16) - c0
                sgemm(m, cols, ap.p, bp.p + (tb ? c0 * b.ld : c0), cp.p + c0)
            }
        }
    }

    /// Gradients of c = op(a)·op(b), accumulated into da and db (either may be nil).
    static func gemmBackward(_ a: Matrix, _ ta: Bool, _ b: Matrix, _ tb: Bool, dc: Matrix,
                             da: Matrix?, db: Matrix?) {
        if let da {
            if ta { gemm(b, tb, dc, true, da, beta: 1) } else { gemm(dc, false, b, !tb, da, beta: 1) }
        }
        if let db {
            if tb { gemm(dc, true, a, ta, db, beta: 1) } else { gemm(a, !ta, dc, false, db, beta: 1) }
        }
    }

    /// Up to this many multiply-adds a product runs on one thread, and batched products run one matrix
    /// per thread; above it, each product is split into `gemmParts` blocks.
    static let smallGemm = 65536 * 4
    /// Blocks of a split product: one per thread of the default two, the split the engine always
    /// made with two threads, so those results keep their bits. With 16 blocks of 64–256 rows
    /// OpenBLAS lost up to a quarter of its speed (fc1's dW at 72–74 % of the ceiling); 4 blocks
    /// measured the same as 2 in kernel-bench, and 0.96–1.00× in model-bench training.
    static let gemmParts = 2
}

extension Graph {
    /// op(a)·op(b). Without transposeA, `a` may have any rank ≥ 2: its leading axes are rows
    /// (x [B, T, in] · W). `b` is 2-D.
    public func matmul(_ a: Var, _ b: Var, transposeA: Bool = false, transposeB: Bool = false) -> Var {
        matmulImpl(a, b, bias: nil, transposeA: transposeA, transposeB: transposeB)
    }

    /// x·Wᵀ + bias with W stored [out, in] (fairseq/PyTorch layout); the bias add is folded into the
    /// GEMM (C starts as the broadcast bias, beta = 1).
    public func linear(_ x: Var, weight: Var, bias: Var?) -> Var {
        matmulImpl(x, weight, bias: bias, transposeA: false, transposeB: true)
    }

    private func matrices(_ a: Var, _ b: Var, _ ta: Bool, _ tb: Bool) -> (Matrix, Matrix) {
        let (sa, sb) = (shape(a), shape(b))
        precondition(sb.rank == 2 && sa.rank >= 2 && (!ta || sa.rank == 2), "matmul: shapes \(sa), \(sb)")
        return (Matrix(ptr(a), sa.rows, sa.last), Matrix(ptr(b), sb[0], sb[1]))
    }

    private func matmulImpl(_ a: Var, _ b: Var, bias: Var?, transposeA ta: Bool, transposeB tb: Bool) -> Var {
        let (ma, mb) = matrices(a, b, ta, tb)
        let (m, k, n) = (ta ? ma.cols : ma.rows, ta ? ma.rows : ma.cols, tb ? mb.rows : mb.cols)
        precondition((tb ? mb.cols : mb.rows) == k, "matmul: inner sizes differ: \(shape(a)) · \(shape(b))")
        let outShape = ta ? Shape(m, n) : shape(a).replacing(shape(a).rank - 1, with: n)
        let out = bias.map { output(outShape, inputs: a, b, $0) } ?? output(outShape, inputs: a, b)
        let c = Matrix(ptr(out), m, n)
        if let bias {
            precondition(shape(bias).count == n, "linear: bias \(shape(bias)) for \(n) outputs")
            let (bs, cs) = (SharedPointer(ptr(bias)), SharedPointer(c.p))
            Kernels.rows(m, cols: n) { r in (cs.p + r * n).update(from: bs.p, count: n) }
        }
        Kernels.gemm(ma, ta, mb, tb, c, beta: bias == nil ? 0 : 1)
        record(.matmul(a: a, b: b, bias: bias, out: out, transposeA: ta, transposeB: tb))
        return out
    }

    func matmulBackward(_ a: Var, _ b: Var, _ bias: Var?, _ out: Var, _ ta: Bool, _ tb: Bool) {
        let (ma, mb) = matrices(a, b, ta, tb)
        let dc = Matrix(gradPointer(out), shape(out).rows, shape(out).last)
        Kernels.gemmBackward(ma, ta, mb, tb, dc: dc,
                             da: gradIfNeeded(a).map { Matrix($0, ma.rows, ma.cols) },
                             db: gradIfNeeded(b).map { Matrix($0, mb.rows, mb.cols) })
        if let bias, let db = gradIfNeeded(bias) { Kernels.columnSums(dc.p, rows: dc.rows, cols: dc.cols, into: db) }
    }

    /// Batched op(a[i])·op(b[i]) for 3-D a and b with the same leading (batch) size.
    public func batchedMatmul(_ a: Var, _ b: Var, transposeA: Bool = false, transposeB: Bool = false) -> Var {
        let (sa, sb) = (shape(a), shape(b))
        precondition(sa.rank == 3 && sb.rank == 3 && sa[0] == sb[0], "batchedMatmul: \(sa), \(sb)")
        let m = transposeA ? sa[2] : sa[1], k = transposeA ? sa[1] : sa[2], n = transposeB ? sb[1] : sb[2]
        precondition((transposeB ? sb[2] : sb[1]) == k, "batchedMatmul: inner sizes differ: \(sa) · \(sb)")
        let out = output(Shape(sa[0], m, n), inputs: a, b)
        forEachBatch(a, b, out) { ma, mb, mc in Kernels.gemm(ma, transposeA, mb, transposeB, mc, beta: 0) }
        record(.batchedMatmul(a: a, b: b, out: out, transposeA: transposeA, transposeB: transposeB))
        return out
    }

    func batchedMatmulBackward(_ a: Var, _ b: Var, _ out: Var, _ ta: Bool, _ tb: Bool) {
        let (ga, gb) = (gradIfNeeded(a).map(SharedPointer.init), gradIfNeeded(b).map(SharedPointer.init))
        let dOut = SharedPointer(gradPointer(out))
        let (sa, sb, so) = (shape(a), shape(b), shape(out))
        let (pa, pb) = (SharedPointer(ptr(a)), SharedPointer(ptr(b)))
        Self.batches(count: sa[0], work: so[1] * so[2] * (ta ? sa[1] : sa[2])) { i in
            let ma = Matrix(pa.p + i * sa[1] * sa[2], sa[1], sa[2]), mb = Matrix(pb.p + i * sb[1] * sb[2], sb[1], sb[2])
            Kernels.gemmBackward(ma, ta, mb, tb, dc: Matrix(dOut.p + i * so[1] * so[2], so[1], so[2]),
                                 da: ga.map { Matrix($0.p + i * sa[1] * sa[2], sa[1], sa[2]) },
                                 db: gb.map { Matrix($0.p + i * sb[1] * sb[2], sb[1], sb[2]) })
        }
    }

    private func forEachBatch(_ a: Var, _ b: Var, _ out: Var, _ body: (Matrix, Matrix, Matrix) -> Void) {
        let (sa, sb, so) = (shape(a), shape(b), shape(out))
        let (pa, pb, po) = (SharedPointer(ptr(a)), SharedPointer(ptr(b)), SharedPointer(ptr(out)))
        Self.batches(count: sa[0], work: so[1] * so[2] * (sa[1] * sa[2] / so[1])) { i in
            body(Matrix(pa.p + i * sa[1] * sa[2], sa[1], sa[2]), Matrix(pb.p + i * sb[1] * sb[2], sb[1], sb[2]),
                 Matrix(po.p + i * so[1] * so[2], so[1], so[2]))
        }
    }

    /// Runs per-matrix work whose largest product has `work` multiply-adds: small ones one matrix
    /// per thread, large ones in order, each product split across the threads.
    static func batches(count: Int, work: Int, _ body: (Int) -> Void) {
        if work > Kernels.smallGemm {
            for i in 0..<count { body(i) }
            return
        }
        Parallel.forRanges(count, grain: 1) { range in for i in range { body(i) } }
    }
}
