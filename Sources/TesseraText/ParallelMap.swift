import Dispatch

public enum ParallelMap {
    /// Computes `body(i)` for every i in 0..<count on `workers` threads and
    /// returns the results in index order. Worker w takes indices w, w+workers, …
    /// so the split never depends on timing and results are deterministic.
    public static func results<T>(count: Int, workers: Int = 2,
                                  _ body: @Sendable (Int) throws -> T) -> [Result<T, Error>] {
        let slots = Slots<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, count))) { worker in
            for index in stride(from: worker, to: count, by: max(1, min(workers, count))) {
                slots.buffer[index] = Result { try body(index) }
            }
        }
        return Array(slots.buffer)
    }
}

/// Result slots written by concurrent workers; each slot has exactly one
/// writer, so no locking is needed.
private final class Slots<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Result<T, Error>>

    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: .failure(Unfilled()))
    }

    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }

    private struct Unfilled: Error {}
}
