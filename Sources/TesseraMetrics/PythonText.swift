import CICU

/// The few text primitives whose exact Python semantics sacreBLEU's numbers
/// depend on: str.isspace (what str.split() and str.rstrip() cut on), UTF-8
/// decoding of already validated text, and str.lower().
enum PythonText {
    /// Python 3's str.isspace(): bidirectional class WS, B or S, or category Zs.
    /// This set is stable across the Unicode versions Python 3.11+ ships.
    @inline(__always)
    static func isSpace(_ c: UInt32) -> Bool {
        if c < 0x80 { return c == 0x20 || (c &- 0x09) <= 4 || (c &- 0x1C) <= 3 }
        switch c {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// Decodes the scalar starting at `i` of valid UTF-8; returns it and its byte length.
    @inline(__always)
    static func decode(_ p: UnsafePointer<UInt8>, _ i: Int) -> (scalar: UInt32, length: Int) {
        let b0 = UInt32(p[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(p[i + 1] & 0x3F), 2) }
        if b0 < 0xF0 {
            return ((b0 & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F), 3)
        }
        return ((b0 & 0x07) << 18 | UInt32(p[i + 1] & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6
                | UInt32(p[i + 3] & 0x3F), 4)
    }

    /// Appends the UTF-8 encoding of a scalar.
    @inline(__always)
    static func encode(_ c: UInt32, into out: inout [UInt8]) {
        if c < 0x80 {
            out.append(UInt8(c))
        } else if c < 0x800 {
            out.append(UInt8(0xC0 | c >> 6)); out.append(UInt8(0x80 | c & 0x3F))
        } else if c < 0x10000 {
            out.append(UInt8(0xE0 | c >> 12)); out.append(UInt8(0x80 | (c >> 6) & 0x3F))
            out.append(UInt8(0x80 | c & 0x3F))
        } else {
            out.append(UInt8(0xF0 | c >> 18)); out.append(UInt8(0x80 | (c >> 12) & 0x3F))
            out.append(UInt8(0x80 | (c >> 6) & 0x3F)); out.append(UInt8(0x80 | c & 0x3F))
        }
    }

    /// Decodes valid UTF-8 into scalars (replacing `out`'s contents).
    static func scalars(of text: UnsafeBufferPointer<UInt8>, into out: inout [UInt32]) {
        out.removeAll(keepingCapacity: true)
        guard let p = text.baseAddress else { return }
        var i = 0
        while i < text.count {
            let (c, n) = decode(p, i)
            out.append(c)
            i += n
        }
    }

    /// Length in bytes of `text` without trailing Python whitespace (str.rstrip()).
    static func rstrippedCount(_ text: UnsafeBufferPointer<UInt8>) -> Int {
        guard let p = text.baseAddress else { return 0 }
        var end = text.count
        while end > 0 {
            var start = end - 1
            while start > 0 && p[start] & 0xC0 == 0x80 { start -= 1 }
            guard isSpace(decode(p, start).scalar) else { break }
            end = start
        }
        return end
    }

    /// Byte offset of the first character that is not Python whitespace.
    static func leadingSpaceCount(_ text: UnsafeBufferPointer<UInt8>) -> Int {
        guard let p = text.baseAddress else { return 0 }
        var i = 0
        while i < text.count {
            let (c, n) = decode(p, i)
            guard isSpace(c) else { break }
            i += n
        }
        return i
    }

    /// Calls `body` with the byte range of each whitespace-separated token,
    /// exactly the pieces Python's str.split() returns.
    @inline(__always)
    static func forEachToken(_ text: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        guard let p = text.baseAddress else { return }
        var i = 0, start = -1
        while i < text.count {
            let b = p[i]
            let c: UInt32, n: Int
            if b < 0x80 { c = UInt32(b); n = 1 } else { (c, n) = decode(p, i) }
            if isSpace(c) {
                if start >= 0 { body(start..<i); start = -1 }
            } else if start < 0 {
                start = i
            }
            i += n
        }
        if start >= 0 { body(start..<text.count) }
    }

    /// Python's str.lower() of valid UTF-8, written to `out` (replacing its contents).
    static func lowercase(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        if !text.contains(where: { $0 >= 0x80 }) {
            out.append(contentsOf: text.lazy.map { $0 &- 0x41 < 26 ? $0 | 0x20 : $0 })
            return
        }
        // Full mappings can grow text (e.g. U+0130 becomes "i" + U+0307).
        var capacity = text.count * 3 + 16
        while true {
            out = [UInt8](repeating: 0, count: capacity)
            var needed = 0
            let written = text.withMemoryRebound(to: CChar.self) { input in
                out.withUnsafeMutableBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) {
                        tsr_lowercase(input.baseAddress, input.count, $0.baseAddress, $0.count, &needed)
                    }
                }
            }
            if written >= 0 {
                out.removeSubrange(Int(written)...)
                return
            }
            // Only a too-small buffer can fail on valid UTF-8; retry with the exact size.
            precondition(written == Int64(TSR_ERR_BUFFER_TOO_SMALL) && needed + 1 > capacity,
                         "ICU lowercasing failed with code \(written)")
            capacity = needed + 1
        }
    }
}
