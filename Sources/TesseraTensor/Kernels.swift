import TesseraKernels

/// Pointwise nonlinearities of the feed-forward layers.
public enum Activation: String, Codable, Sendable {
    case relu, gelu
}

/// Raw, allocation-free kernels over contiguous Float buffers. Graph ops call these; the benchmark
/// calls them directly. Elementwise kernels split into 8-lane blocks, parallel above `grain`.
public enum Kernels {
    /// Elements per thread below which splitting across threads costs more than it gains.
    nonisolated(unsafe) static var grain = 1 << 15

    /// Splits 0..<n into per-thread ranges that start on 8-lane boundaries and calls `body` on each;
    /// the body loops with `forLanes(range)`, so its per-element code is inlined into that loop.
    @inline(__always)
    static func blocks(_ n: Int, _ body: (Range<Int>) -> Void) {
        Parallel.forRanges((n + 7) / 8, grain: grain / 8) { range in
            body((range.lowerBound * 8)..<Swift.min(n, range.upperBound * 8))
        }
    }

    /// Runs `body` on ranges of rows, in parallel when rows × cols is large enough.
    @inline(__always)
    static func rowRanges(_ rows: Int, cols: Int, _ body: (Range<Int>) -> Void) {
        Parallel.forRanges(rows, grain: Swift.max(1, grain / Swift.max(cols, 1)), body)
    }

    /// Runs `body(row)` for each row, in parallel when rows × cols is large enough.
    @inline(__always)
    static func rows(_ rows: Int, cols: Int, _ body: (Int) -> Void) {
        rowRanges(rows, cols: cols) { range in for r in range { body(r) } }
    }

    /// y += alpha · x
    public static func accumulate(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int,
                                  alpha: Float = 1) {
        let (xs, ys) = (SharedPointer(UnsafeMutablePointer(mutating: x)), SharedPointer(y))
        blocks(n) { range in forLanes(range) { i, l in store8(load8(ys.p + i, l) + alpha * load8(xs.p + i, l), ys.p + i, l) } }
    }

    public static func copy(_ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count n: Int) {
        let (xs, ys) = (SharedPointer(UnsafeMutablePointer(mutating: x)), SharedPointer(y))
        blocks(n) { range in forLanes(range) { i, l in store8(load8(xs.p + i, l), ys.p + i, l) } }
    }

    /// out = a + b, where b has `bCount` elements and repeats over the n / bCount rows of a.
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, bCount: Int,
                           into out: UnsafeMutablePointer<Float>, count n: Int) {
        let (aS, bS, oS) = (SharedPointer(UnsafeMutablePointer(mutating: a)),
                            SharedPointer(UnsafeMutablePointer(mutating: b)), SharedPointer(out))
        if bCount == n {
            blocks(n) { range in forLanes(range) { i, l in store8(load8(aS.p + i, l) + load8(bS.p + i, l), oS.p + i, l) } }
            return
        }
        rows(n / bCount, cols: bCount) { r in
            let (ar, orow) = (aS.p + r * bCount, oS.p + r * bCount)
            forLanes(bCount) { j, l in store8(load8(ar + j, l) + load8(bS.p + j, l), orow + j, l) }
        }
    }

    /// Sums the rows of x [rows, cols] into out [cols] (accumulating). Each column is summed in row
    /// order whatever the thread split, so results are deterministic.
    public static func columnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        let (xs, os) = (SharedPointer(UnsafeMutablePointer(mutating: x)), SharedPointer(out))
        let colBlocks = (cols + 7) / 8
        Parallel.forRanges(colBlocks, grain: Swift.max(1, grain / 8 / Swift.max(rows, 1))) { range in
            for b in range {
                let j = b * 8, l = Swift.min(8, cols - j)
                var acc = F8()
                for r in 0..<rows { acc += load8(xs.p + r * cols + j, l) }
                store8(load8(os.p + j, l) + acc, os.p + j, l)
            }
        }
    }

    /// The switch stays outside the loops: each loop then inlines its own per-lane code.
    public static func activation(_ kind: Activation, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int) {
        let (xs, ys) = (SharedPointer(UnsafeMutablePointer(mutating: x)), SharedPointer(y))
        switch kind {
        case .relu:
            blocks(n) { range in forLanes(range) { i, l in store8(FastMath.relu(load8(xs.p + i, l)), ys.p + i, l) } }
        case .gelu:
            blocks(n) { range in Vector.gelu(xs.p, into: ys.p, range: range) }
        }
    }

    /// dx += dy · activation′(x)
    static func activationBackward(_ kind: Activation, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                   into dx: UnsafeMutablePointer<Float>, count n: Int) {
        let (xs, dys, dxs) = (SharedPointer(UnsafeMutablePointer(mutating: x)), SharedPointer(UnsafeMutablePointer(mutating: dy)),
                              SharedPointer(dx))
        switch kind {
        case .relu:
            blocks(n) { range in forLanes(range) { i, l in
                store8(load8(dxs.p + i, l) + FastMath.reluGradient(load8(xs.p + i, l), load8(dys.p + i, l)), dxs.p + i, l)
            } }
        case .gelu:
            blocks(n) { range in Vector.geluBackward(xs.p, dys.p, into: dxs.p, range: range) }
        }
    }

    /// Inverted dropout: y = x · mask / (1 − rate), mask drawn from (seed, element index).
    public static func dropout(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int,
                               rate: Float, seed: UInt64) {
        let (xs, ys) = (SharedPointer(UnsafeMutablePointer(mutating: x)), SharedPointer(y))
        let threshold = dropoutThreshold(rate), scale = 1 / (1 - rate)
        blocks(n) { range in forLanes(range) { i, l in
            let m = CounterHash.dropoutScale(seed: seed, start: i, threshold: threshold, scale: scale)
            store8(load8(xs.p + i, l) * m, ys.p + i, l)
        } }
    }

    static func dropoutThreshold(_ rate: Float) -> Float { (rate * 65536).rounded() }
}
