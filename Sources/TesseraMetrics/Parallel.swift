import Dispatch

/// Runs work over chunks of lines on all cores and returns the chunk results
/// in chunk order, so every reduction over them is deterministic.
enum Parallel {
    /// Lines per chunk: large enough to amortize a worker's scratch buffers,
    /// small enough to balance two busy cores.
    static let chunkSize = 2048

    static func mapChunks<R>(count: Int, _ body: (Range<Int>) -> R) -> [R] {
        let chunks = (count + chunkSize - 1) / chunkSize
        if chunks <= 1 { return count == 0 ? [] : [body(0..<count)] }
        let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: chunks)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }
        let slots = SendablePointer(results)
        DispatchQueue.concurrentPerform(iterations: chunks) { k in
            let range = k * chunkSize..<min(count, (k + 1) * chunkSize)
            slots.buffer[k] = body(range)
        }
        return results.map { $0! }
    }
}

extension Parallel {
    /// body(worker, i) for every line i, each chunk with its own worker state.
    static func map<W, R>(count: Int, worker makeWorker: () -> W, _ body: (inout W, Int) -> R) -> [R] {
        mapChunks(count: count) { range in
            var worker = makeWorker()
            return range.map { body(&worker, $0) }
        }.flatMap { $0 }
    }

    /// The sum of body(worker, i) over all lines, for statistics whose addition is exact.
    static func sum<W, S>(count: Int, worker makeWorker: () -> W, zero: S, _ body: (inout W, Int) -> S,
                          add: (inout S, S) -> Void) -> S {
        var total = zero
        let parts = mapChunks(count: count) { range in
            var worker = makeWorker()
            var part = zero
            for i in range { add(&part, body(&worker, i)) }
            return part
        }
        for part in parts { add(&total, part) }
        return total
    }
}

/// Each concurrentPerform iteration writes only its own slot.
private struct SendablePointer<R>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<R?>
    init(_ buffer: UnsafeMutableBufferPointer<R?>) { self.buffer = buffer }
}
