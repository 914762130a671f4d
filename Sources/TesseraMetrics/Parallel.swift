import TesseraIO

/// Metric statistics over chunks of lines on all cores, with per-chunk worker state;
/// chunk results are combined in chunk order (deterministic).
enum Parallel {
    /// Lines per chunk: large enough to amortize a worker's scratch buffers,
    /// small enough to balance two busy cores.
    static let chunkSize = 2048

    /// body(worker, i) for every line i, each chunk with its own worker state.
    static func map<W, R>(count: Int, worker makeWorker: () -> W, _ body: (inout W, Int) -> R) -> [R] {
        OrderedParallel.mapChunks(count: count, chunkSize: chunkSize) { range in
            var worker = makeWorker()
            return range.map { body(&worker, $0) }
        }.flatMap { $0 }
    }

    /// The sum of body(worker, i) over all lines, for statistics whose addition is exact.
    static func sum<W, S>(count: Int, worker makeWorker: () -> W, zero: S, _ body: (inout W, Int) -> S,
                          add: (inout S, S) -> Void) -> S {
        var total = zero
        let parts = OrderedParallel.mapChunks(count: count, chunkSize: chunkSize) { range in
            var worker = makeWorker()
            var part = zero
            for i in range { add(&part, body(&worker, i)) }
            return part
        }
        for part in parts { add(&total, part) }
        return total
    }
}
