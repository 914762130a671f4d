/// The compute-bound row and range kernels (exp, erf, LayerNorm). This directory is compiled twice:
/// as TesseraKernels for any x86-64, and as TesseraKernelsAVX2 with AVX2 and fused multiply-adds,
/// which TesseraTensor picks at run time by CPU features. Entry points work on whole ranges, so
/// the choice costs one call per range, not per element.
public enum VectorKernels {
    /// Softmax over each row of `keys` scores in `rows`, from x into y (which may be x). Row r sees
    /// keys below `visible`: all keys, or under a causal mask with `queries` rows per block the keys
    /// up to its query index, offset so the last query sees every key (cached decoding). Keys marked
    /// nonzero in `padding` (one row of `keys` flags per `rowsPerPaddingRow` rows) are hidden too.
    /// Hidden keys get probability 0; a row with no visible key becomes all zeros.
    public static func softmaxRows(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Range<Int>, keys: Int,
                                   causalQueries: Int?, padding: UnsafePointer<Int32>?, rowsPerPaddingRow: Int) {
        if keys <= 256 && padding == nil { return softmaxShortRows(x, into: y, rows: rows, keys: keys, causalQueries: causalQueries) }
        // Query and padding-row indices advance with r, so no row pays an integer division.
        let queries = causalQueries ?? 1
        var query = rows.lowerBound % queries
        var paddingRow = padding.map { $0 + rows.lowerBound / rowsPerPaddingRow * keys }
        var rowsLeftOnPaddingRow = rowsPerPaddingRow - rows.lowerBound % rowsPerPaddingRow
        for r in rows {
            softmaxRow(x + r * keys, into: y + r * keys, keys: keys, visible: visibleKeys(query: query, keys: keys, causalQueries: causalQueries),
                       padding: paddingRow)
            query += 1
            if query == queries { query = 0 }
            rowsLeftOnPaddingRow -= 1
            if rowsLeftOnPaddingRow == 0 { paddingRow = paddingRow.map { $0 + keys }; rowsLeftOnPaddingRow = rowsPerPaddingRow }
        }
    }

    /// `softmaxRows` for rows of at most 256 keys without padding flags (the decoder's causal
    /// self-attention, routers). Eight consecutive rows whose visible keys end in the same whole block
    /// go through `softmaxEightRows` together; other rows go one at a time.
    static func softmaxShortRows(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Range<Int>, keys: Int,
                                 causalQueries: Int?) {
        let queries = causalQueries ?? 1
        // Under a causal mask row i of a group sees one key more than row i − 1 (within a block of queries).
        let step = causalQueries == nil ? 0 : 1
        var query = rows.lowerBound % queries
        var r = rows.lowerBound
        while r < rows.upperBound {
            let first = visibleKeys(query: query, keys: keys, causalQueries: causalQueries)
            let blocks = (first &+ 7) &>> 3
            let last = Swift.min(keys, first &+ 7 &* step)
            if r &+ 8 <= rows.upperBound && first > 0 && (step == 0 || query &+ 7 < queries) && (last &+ 7) &>> 3 == blocks
                && 8 &* blocks <= keys
                && softmaxEightRows(x + r &* keys, into: y + r &* keys, keys: keys, blocks: blocks, firstVisible: first, step: step) {
                r &+= 8
                query = (query &+ 8) % queries
                continue
            }
            softmaxRow(x + r &* keys, into: y + r &* keys, keys: keys, visible: first, padding: nil)
            r &+= 1
            query &+= 1
            if query == queries { query = 0 }
        }
    }

    /// Softmax over eight consecutive rows of `keys` scores, where row i sees firstVisible + step·i
    /// keys, all ending in block `blocks − 1`, a whole block (8·blocks ≤ keys). Returns false, having
    /// written nothing, when a row's visible scores are all −∞; those rows take `softmaxRow`.
    ///
    /// Why eight rows at once: a causal row of 32 keys is about 2.5 blocks, and row by row its loop
    /// control and setup took more instructions than its exps (docs/tensor-engine.md). Here each
    /// pass (maxima, exps, scaling) walks the blocks with the eight rows inside, so its loop runs
    /// once per group; only the last block is masked; the eight sums reduce in one shuffle tree.
    @inline(__always)
    static func softmaxEightRows(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, keys: Int, blocks: Int,
                                 firstVisible: Int, step: Int) -> Bool {
        let lastStart = 8 &* (blocks &- 1)
        // Maxima: blocks before the last are fully visible; the last hides lanes past each row's keys.
        var maxima = InlineArray<8, F8>(repeating: F8(repeating: -.infinity))
        var j = 0
        while j < lastStart {
            for i in 0..<8 { maxima[i] = larger(maxima[i], load8(x + (i &* keys &+ j), 8)) }
            j &+= 8
        }
        let lanesPastFirst = F8(0, 1, 2, 3, 4, 5, 6, 7) - Float(firstVisible &- lastStart)
        var shown = InlineArray<8, SIMD8<Int32>>(repeating: SIMD8<Int32>())
        for i in 0..<8 {
            let hidden = lanesPastFirst .>= Float(i &* step)
            shown[i] = unsafeBitCast(.!hidden, to: SIMD8<Int32>.self)
            let last = load8(x + (i &* keys &+ lastStart), 8).replacing(with: -.infinity, where: hidden)
            maxima[i] = FastMath.maxAcross(larger(maxima[i], last))
            if maxima[i][0] == -.infinity { return false }
        }
        // Exps, stored unscaled, and their sums; hidden lanes of the last block become 0.
        var sums = InlineArray<8, F8>(repeating: F8())
        j = 0
        while j < lastStart {
            for i in 0..<8 {
                let e = FastMath.expOrZero(load8(x + (i &* keys &+ j), 8) - maxima[i])
                store8(e, y + (i &* keys &+ j), 8)
                sums[i] += e
            }
            j &+= 8
        }
        for i in 0..<8 {
            let exps = unsafeBitCast(FastMath.expOrZero(load8(x + (i &* keys &+ j), 8) - maxima[i]), to: SIMD8<Int32>.self)
            let e = unsafeBitCast(exps & shown[i], to: F8.self)
            store8(e, y + (i &* keys &+ j), 8)
            sums[i] += e
        }
        // Scaling by 1/sum, then zeros past the last visible block.
        let inverses = 1 / FastMath.rowSums(sums)
        var scales = InlineArray<8, F8>(repeating: F8())
        for i in 0..<8 { scales[i] = F8(repeating: inverses[i]) }
        j = 0
        while j <= lastStart {
            for i in 0..<8 { let p = y + (i &* keys &+ j); store8(load8(p, 8) * scales[i], p, 8) }
            j &+= 8
        }
        forLanes(j..<keys) { j, l in for i in 0..<8 { store8(F8(), y + (i &* keys &+ j), l) } }
        return true
    }

    /// The keys a row may see: all of them, or under a causal mask with `causalQueries` rows per
    /// block those up to its query index, offset so the last query sees every key.
    @_transparent
    static func visibleKeys(query: Int, keys: Int, causalQueries: Int?) -> Int {
        guard let queries = causalQueries else { return keys }
        return Swift.min(keys, Swift.max(0, query &+ keys &- queries &+ 1))
    }

    @inline(__always)
    static func softmaxRow(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, keys: Int, visible: Int,
                           padding: UnsafePointer<Int32>?) {
        // Only blocks holding visible keys are read and exponentiated (about half of a causal row);
        // later blocks are zeroed. Hidden keys inside them read as −∞.
        let span = Swift.min(keys, (visible + 7) / 8 * 8)
        forLanes(span..<keys) { j, l in store8(F8(), y + j, l) }
        let laneIndex = F8(0, 1, 2, 3, 4, 5, 6, 7)
        @inline(__always) func scores(_ j: Int, _ l: Int) -> F8 {
            var v = load8(x + j, l, fill: -.infinity)
            if j &+ 8 > visible { v.replace(with: -.infinity, where: laneIndex .>= Float(visible &- j)) }
            if let padding { v.replace(with: -.infinity, where: loadFlags(padding + j, l) .!= 0) }
            return v
        }
        // Single accumulators: attention rows have at most a few blocks, where four measured slower.
        var mx = F8(repeating: -.infinity)
        forLanes(span) { j, l in mx = larger(mx, scores(j, l)) }
        let m = FastMath.max(mx)
        if m == -.infinity { y.update(repeating: 0, count: span); return }
        var sum = F8()
        forLanes(span) { j, l in
            let v = scores(j, l)
            let e = FastMath.expOrZero(v - m)
            sum += e
            store8(e, y + j, l)
        }
        let inv = 1 / FastMath.sum(sum)
        forLanes(span) { j, l in store8(load8(y + j, l) * inv, y + j, l) }
    }

    /// min(n, 8) padding flags; missing lanes read as 0 (not padded: those lanes are hidden by
    /// `visible` or lie past the row and are never stored).
    @inline(__always)
    static func loadFlags(_ p: UnsafePointer<Int32>, _ n: Int) -> SIMD8<Int32> {
        if n >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Int32>.self) }
        var v = SIMD8<Int32>()
        for j in 0..<n { v[j] = p[j] }
        return v
    }

    /// Row-wise LayerNorm over `cols`: y = (x − mean)/sqrt(var + eps) · gamma + beta. Writes mean and
    /// 1/std of each row into stats [rows, 2] for backward.
    public static func layerNormRows(_ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                     into y: UnsafeMutablePointer<Float>, stats: UnsafeMutablePointer<Float>,
                                     rows: Range<Int>, cols: Int, eps: Float) {
        for r in rows {
            let xr = x + r * cols, yr = y + r * cols
            let mean = FastMath.sum(sumLanes(cols) { j, l in load8(xr + j, l) }) / Float(cols)
            // Missing tail lanes load as the mean, so they add nothing.
            let sq = sumLanes(cols) { j, l in let d = load8(xr + j, l, fill: mean) - mean; return d * d }
            let rstd = 1 / (FastMath.sum(sq) / Float(cols) + eps).squareRoot()
            forLanes(cols) { j, l in
                store8(muladd((load8(xr + j, l) - mean) * rstd, load8(gamma + j, l), load8(beta + j, l)), yr + j, l)
            }
            stats[2 * r] = mean
            stats[2 * r + 1] = rstd
        }
    }

    /// y = GELU(x) over `range`.
    public static func gelu(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, range: Range<Int>) {
        forLanes(range) { i, l in store8(FastMath.gelu(load8(x + i, l)), y + i, l) }
    }

    /// dx += dy · GELU′(x) over `range`.
    public static func geluBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                                    range: Range<Int>) {
        forLanes(range) { i, l in store8(muladd(load8(dy + i, l), FastMath.geluDerivative(load8(x + i, l)), load8(dx + i, l)), dx + i, l) }
    }

    /// log Σ exp over `count` values, with one exp per element and one log per row.
    public static func logSumExp(_ row: UnsafePointer<Float>, count n: Int) -> Float {
        let m = FastMath.max(maxLanes(n) { j, l in load8(row + j, l, fill: -.infinity) })
        let s = sumLanes(n) { j, l in FastMath.expOrZero(load8(row + j, l, fill: -.infinity) - m) }
        return m + log(FastMath.sum(s))
    }

    /// d += g · (exp(x − z) − offset) over `count` values: the gradient of log Σ exp (offset 0) and of
    /// cross-entropy against a smoothed target (offset = the smoothing mass per class).
    public static func addScaledExp(_ x: UnsafePointer<Float>, minus z: Float, times g: Float, offset: Float,
                                    into d: UnsafeMutablePointer<Float>, count n: Int) {
        forLanes(n) { j, l in
            store8(muladd(F8(repeating: g), FastMath.exp(load8(x + j, l) - z) - offset, load8(d + j, l)), d + j, l)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
