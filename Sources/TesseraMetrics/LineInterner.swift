import Glibc

/// Gives every distinct token, character and n-gram of one segment (hypothesis
/// plus its references) a small dense integer id, exactly: keys are compared in
/// full, never by hash alone. An n-gram's id is the id of the pair (id of its
/// first n-1 items, id of its last item), so n-grams of any order are interned
/// in one table and compared as integers. `reset()` forgets everything in O(1)
/// so one interner serves a whole chunk of lines without reallocating.
///
/// A class over raw buffers: it is the innermost loop of BLEU and chrF, and
/// array copy-on-write checks cost more than the probing itself. Each worker
/// thread owns its own instance.
final class LineInterner {
    private var keys: UnsafeMutablePointer<UInt64>
    private var values: UnsafeMutablePointer<Int32>
    private var stamps: UnsafeMutablePointer<UInt32>
    /// For token entries: arena offset << 32 | byte length of the token.
    private var spans: UnsafeMutablePointer<UInt64>
    private var stamp: UInt32 = 1
    private var mask: Int
    /// Number of ids handed out since the last reset; ids are 0..<count.
    private(set) var count: Int32 = 0
    /// Copies of interned token bytes.
    private var arena: [UInt8] = []

    init(capacity: Int = 4096) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        mask = size - 1
        (keys, values, stamps, spans) = Self.allocate(size)
    }

    deinit { Self.free(keys, values, stamps, spans) }

    func reset() {
        stamp &+= 1
        if stamp == 0 {  // wrapped: old stamps could look current again
            stamps.update(repeating: 0, count: mask + 1)
            stamp = 1
        }
        count = 0
        arena.removeAll(keepingCapacity: true)
    }

    /// Id of the pair (a, b) of ids.
    @inline(__always)
    func pair(_ a: Int32, _ b: Int32) -> Int32 {
        // Pair and scalar keys are even, token hashes odd: one table, disjoint keys.
        intern((UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))) << 1)
    }

    /// Id of a single Unicode scalar (a character n-gram of order 1).
    @inline(__always)
    func scalar(_ c: UInt32) -> Int32 {
        intern((0xFFFF_FFFF_0000_0000 | UInt64(c)) << 1)
    }

    @inline(__always)
    private func intern(_ key: UInt64) -> Int32 {
        var slot = Int(truncatingIfNeeded: Self.mix(key)) & mask
        while stamps[slot] == stamp {
            if keys[slot] == key { return values[slot] }
            slot = (slot + 1) & mask
        }
        return insert(key, at: slot)
    }

    /// Id of a token given by its UTF-8 bytes.
    func token(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let key = Self.hash(bytes) | 1
        var slot = Int(truncatingIfNeeded: Self.mix(key)) & mask
        while stamps[slot] == stamp {
            if keys[slot] == key && equal(spans[slot], bytes) { return values[slot] }
            slot = (slot + 1) & mask
        }
        spans[slot] = UInt64(arena.count) << 32 | UInt64(bytes.count)
        arena.append(contentsOf: bytes)
        return insert(key, at: slot)
    }

    private func equal(_ span: UInt64, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard Int(span & 0xFFFF_FFFF) == bytes.count else { return false }
        return arena.withUnsafeBufferPointer { a in
            bytes.isEmpty || memcmp(a.baseAddress! + Int(span >> 32), bytes.baseAddress!, bytes.count) == 0
        }
    }

    private func insert(_ key: UInt64, at slot: Int) -> Int32 {
        let id = count
        count += 1
        stamps[slot] = stamp
        keys[slot] = key
        values[slot] = id
        if Int(count) * 2 > mask { grow() }
        return id
    }

    private func grow() {
        let old = (keys, values, stamps, spans), oldSize = mask + 1, oldStamp = stamp
        let size = oldSize * 2
        (keys, values, stamps, spans) = Self.allocate(size)
        mask = size - 1
        stamp = 1
        for i in 0..<oldSize where old.2[i] == oldStamp {
            var slot = Int(truncatingIfNeeded: Self.mix(old.0[i])) & mask
            while stamps[slot] == stamp { slot = (slot + 1) & mask }
            stamps[slot] = stamp
            keys[slot] = old.0[i]
            values[slot] = old.1[i]
            spans[slot] = old.3[i]
        }
        Self.free(old.0, old.1, old.2, old.3)
    }

    private static func allocate(_ size: Int) -> (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<Int32>,
                                                   UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UInt64>) {
        let stamps = UnsafeMutablePointer<UInt32>.allocate(capacity: size)
        stamps.initialize(repeating: 0, count: size)
        return (.allocate(capacity: size), .allocate(capacity: size), stamps, .allocate(capacity: size))
    }

    private static func free(_ a: UnsafeMutablePointer<UInt64>, _ b: UnsafeMutablePointer<Int32>,
                             _ c: UnsafeMutablePointer<UInt32>, _ d: UnsafeMutablePointer<UInt64>) {
        a.deallocate(); b.deallocate(); c.deallocate(); d.deallocate()
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
