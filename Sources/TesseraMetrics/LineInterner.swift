/// Gives every distinct token, character and n-gram of one segment (hypothesis
/// plus its references) a small dense integer id, exactly: keys are compared in
/// full, never by hash alone. An n-gram's id is the id of the pair (id of its
/// first n-1 items, id of its last item), so n-grams of any order are interned
/// in one table and compared as integers. `reset()` forgets everything in O(1)
/// so one interner serves a whole chunk of lines without reallocating.
struct LineInterner {
    private var keys: [UInt64]
    private var values: [Int32]
    private var stamps: [UInt32]
    private var stamp: UInt32 = 1
    private var mask: Int
    private var used = 0
    /// Number of ids handed out since the last reset; ids are 0..<count.
    private(set) var count: Int32 = 0
    /// Copies of interned token bytes; spans[id] locates a token's bytes in arena.
    private var arena: [UInt8] = []
    private var spans: [Range<Int>] = []

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        values = [Int32](repeating: 0, count: size)
        stamps = [UInt32](repeating: 0, count: size)
        mask = size - 1
    }

    mutating func reset() {
        stamp &+= 1
        if stamp == 0 {  // wrapped: old stamps could look current again
            for i in stamps.indices { stamps[i] = 0 }
            stamp = 1
        }
        used = 0
        count = 0
        arena.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
    }

    /// Id of the pair (a, b) of ids.
    @inline(__always)
    mutating func pair(_ a: Int32, _ b: Int32) -> Int32 {
        // Pair and scalar keys are even, token hashes odd: one table, disjoint keys.
        intern((UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))) << 1)
    }

    /// Id of a single Unicode scalar (a character n-gram of order 1).
    @inline(__always)
    mutating func scalar(_ c: UInt32) -> Int32 {
        intern((0xFFFF_FFFF_0000_0000 | UInt64(c)) << 1)
    }

    /// Id of a token given by its UTF-8 bytes.
    mutating func token(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let key = Self.hash(bytes) | 1
        let (found, slot) = probe(key) { id in
            let span = spans[Int(id)]
            guard span.count == bytes.count else { return false }
            return arena.withUnsafeBufferPointer { a in
                bytesEqual(a.baseAddress! + span.lowerBound, bytes.baseAddress!, bytes.count)
            }
        }
        if let found { return found }
        let id = insert(key, at: slot)
        spans[Int(id)] = arena.count..<(arena.count + bytes.count)
        arena.append(contentsOf: bytes)
        return id
    }

    @inline(__always)
    private mutating func intern(_ key: UInt64) -> Int32 {
        let (found, slot) = probe(key) { _ in true }
        return found ?? insert(key, at: slot)
    }

    /// The id stored under `key` (confirmed by `matches`, for hashed keys), or
    /// the free slot where it belongs.
    @inline(__always)
    private func probe(_ key: UInt64, _ matches: (Int32) -> Bool) -> (Int32?, Int) {
        var slot = Int(truncatingIfNeeded: Self.mix(key)) & mask
        while stamps[slot] == stamp {
            if keys[slot] == key && matches(values[slot]) { return (values[slot], slot) }
            slot = (slot + 1) & mask
        }
        return (nil, slot)
    }

    private mutating func insert(_ key: UInt64, at slot: Int) -> Int32 {
        let id = count
        count += 1
        stamps[slot] = stamp
        keys[slot] = key
        values[slot] = id
        spans.append(0..<0)
        used += 1
        if used * 2 > mask { grow() }
        return id
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values, oldStamps = stamps, oldStamp = stamp
        let size = (mask + 1) * 2
        keys = [UInt64](repeating: 0, count: size)
        values = [Int32](repeating: 0, count: size)
        stamps = [UInt32](repeating: 0, count: size)
        stamp = 1
        mask = size - 1
        for i in oldKeys.indices where oldStamps[i] == oldStamp {
            var slot = Int(truncatingIfNeeded: Self.mix(oldKeys[i])) & mask
            while stamps[slot] == stamp { slot = (slot + 1) & mask }
            stamps[slot] = stamp
            keys[slot] = oldKeys[i]
            values[slot] = oldValues[i]
        }
    }

    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x &* 0x9E37_79B9_7F4A_7C15
        z ^= z >> 29
        return z &* 0xBF58_476D_1CE4_E5B9 ^ (z >> 32)
    }

    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(bytes.count)
        guard let p = bytes.baseAddress else { return h }
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= bytes.count {
            h = mix(h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count { tail |= UInt64(p[i]) << shift; shift += 8; i += 1 }
        return mix(h ^ tail)
    }
}

@inline(__always)
private func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    for i in 0..<n where a[i] != b[i] { return false }
    return true
}
