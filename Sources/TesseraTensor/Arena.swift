/// Bump allocator for one training or decoding step. Every intermediate of a step lives here;
/// `reset()` releases them all at once, so after the first steps (when the arena has grown to the
/// step's high-water mark) a step performs no system allocation for tensor memory.
public final class Arena {
    private var chunks: [(base: UnsafeMutableRawPointer, bytes: Int)] = []
    private var used = 0
    private var usedInEarlierChunks = 0
    /// Number of times memory was requested from the system; steady state keeps this constant.
    public private(set) var systemAllocations = 0
    /// Largest number of bytes in use at once since creation.
    public private(set) var peakBytes = 0
    private static let alignment = 64

    public init(initialBytes: Int = 1 << 20) {
        addChunk(bytes: initialBytes)
    }

    deinit { for chunk in chunks { chunk.base.deallocate() } }

    /// Capacity currently reserved from the system.
    public var reservedBytes: Int { chunks.reduce(0) { $0 + $1.bytes } }

    public func allocate(floats count: Int) -> UnsafeMutablePointer<Float> {
        raw(bytes: count * 4).bindMemory(to: Float.self, capacity: count)
    }

    public func allocate(indices count: Int) -> UnsafeMutablePointer<Int32> {
        raw(bytes: count * 4).bindMemory(to: Int32.self, capacity: count)
    }

    /// Frees everything allocated since the last reset. If the step needed several chunks, they are
    /// merged into one chunk of the high-water size so that the next step fits without growing.
    public func reset() {
        if chunks.count > 1 {
            let total = peakBytes + peakBytes / 8
            for chunk in chunks { chunk.base.deallocate() }
            chunks.removeAll(keepingCapacity: true)
            addChunk(bytes: total)
        }
        used = 0
        usedInEarlierChunks = 0
    }

    private func raw(bytes: Int) -> UnsafeMutableRawPointer {
        let size = (bytes + Arena.alignment - 1) / Arena.alignment * Arena.alignment
        if used + size > chunks[chunks.count - 1].bytes {
            usedInEarlierChunks += used
            addChunk(bytes: Swift.max(size, chunks[chunks.count - 1].bytes * 2))
            used = 0
        }
        let p = chunks[chunks.count - 1].base + used
        used += size
        peakBytes = Swift.max(peakBytes, usedInEarlierChunks + used)
        return p
    }

    private func addChunk(bytes: Int) {
        let size = Swift.max(bytes, Arena.alignment)
        chunks.append((UnsafeMutableRawPointer.allocate(byteCount: size, alignment: Arena.alignment), size))
        systemAllocations += 1
    }
}
