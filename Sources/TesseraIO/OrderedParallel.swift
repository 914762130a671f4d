import Dispatch

/// Work over 0..<count in fixed chunks on all cores. Results come back in chunk order, whatever the
/// timing, so everything built from them (output lines, metric sums) is deterministic.
public enum OrderedParallel {
    /// body(range) for the consecutive ranges of `chunkSize` indices covering 0..<count.
    public static func mapChunks<R>(count: Int, chunkSize: Int, _ body: (Range<Int>) -> R) -> [R] {
        let chunks = (count + chunkSize - 1) / chunkSize
        if chunks <= 1 { return count == 0 ? [] : [body(0..<count)] }
        let slots = Slots<R>(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { k in
            slots.buffer[k] = body(k * chunkSize..<min(count, (k + 1) * chunkSize))
        }
        return slots.buffer.map { $0! }
    }

    /// body(i) for every i in 0..<count: its value, or the error it threw, in index order.
    public static func results<T>(count: Int, chunkSize: Int, _ body: (Int) throws -> T) -> [Result<T, Error>] {
        mapChunks(count: count, chunkSize: chunkSize) { range in range.map { i in Result { try body(i) } } }.flatMap { $0 }
    }
}

/// One slot per chunk; each concurrentPerform iteration writes only its own.
private final class Slots<R>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<R?>

    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }

    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }
}
