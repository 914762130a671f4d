import Glibc

/// The rewriting steps sacreBLEU's tokenizers are built from, each with the
/// semantics of Python's `re.sub`: matches are found left to right and never
/// overlap. They work on bytes when every pattern character is ASCII (then a
/// byte-wise scan finds the same matches as a character-wise one) and on
/// Unicode scalars otherwise.
enum TextPasses {
    static let space = 0x20

    /// s/(A)(B)/\1 \2 /g when `spaceBefore` is false, s/(A)(B)/ \1 \2/g when true.
    @inline(__always)
    static func splitPairs<T: FixedWidthInteger>(_ input: [T], into out: inout [T], spaceBefore: Bool,
                                                 first: (T) -> Bool, second: (T) -> Bool) {
        let sp = T(space)
        input.withUnsafeBufferPointer { src in
            out.overwrite(maxCount: 2 * src.count) { dst in
                var i = 0, w = 0
                let n = src.count
                while i < n {
                    let a = src[i]
                    if i + 1 < n && first(a) && second(src[i + 1]) {
                        if spaceBefore { dst[w] = sp; dst[w + 1] = a; dst[w + 2] = sp; dst[w + 3] = src[i + 1] }
                        else { dst[w] = a; dst[w + 1] = sp; dst[w + 2] = src[i + 1]; dst[w + 3] = sp }
                        w += 4
                        i += 2
                    } else {
                        dst[w] = a
                        w += 1
                        i += 1
                    }
                }
                return w
            }
        }
    }

    /// s/(X)/ \1 /g for every element in the class.
    @inline(__always)
    static func pad<T: FixedWidthInteger>(_ input: [T], into out: inout [T], where member: (T) -> Bool) {
        let sp = T(space)
        input.withUnsafeBufferPointer { src in
            out.overwrite(maxCount: 3 * src.count) { dst in
                var w = 0
                for c in src {
                    if member(c) { dst[w] = sp; dst[w + 1] = c; dst[w + 2] = sp; w += 3 } else { dst[w] = c; w += 1 }
                }
                return w
            }
        }
    }

    /// str.replace(pattern, replacement): literal, left to right, non-overlapping.
    static func replace(_ input: [UInt8], _ pattern: StaticString, with replacement: StaticString,
                        into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        let p = UnsafeBufferPointer(start: pattern.utf8Start, count: pattern.utf8CodeUnitCount)
        let r = UnsafeBufferPointer(start: replacement.utf8Start, count: replacement.utf8CodeUnitCount)
        var i = 0
        let n = input.count
        while i < n {
            if input[i] == p[0] && i + p.count <= n && (1..<p.count).allSatisfy({ input[i + $0] == p[$0] }) {
                out.append(contentsOf: r)
                i += p.count
            } else {
                out.append(input[i])
                i += 1
            }
        }
    }

    /// Whether `pattern` occurs in `text` (memchr for its first byte, then a compare).
    static func contains(_ text: [UInt8], _ pattern: StaticString) -> Bool {
        let p = pattern.utf8Start, m = pattern.utf8CodeUnitCount
        return text.withUnsafeBufferPointer { t in
            guard let base = t.baseAddress else { return false }
            var i = 0
            while i + m <= t.count, let hit = memchr(base + i, Int32(p[0]), t.count - i - m + 1) {
                let at = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self))
                if memcmp(at, p, m) == 0 { return true }
                i = at - base + 1
            }
            return false
        }
    }

    /// Applies `replace` only when the pattern occurs (rarely), swapping buffers.
    static func replaceInPlace(_ text: inout [UInt8], _ pattern: StaticString, with replacement: StaticString,
                               scratch: inout [UInt8]) {
        guard contains(text, pattern) else { return }
        replace(text, pattern, with: replacement, into: &scratch)
        swap(&text, &scratch)
    }

    /// mteval-v13a's ASCII punctuation class [{-~[-` -&(-+:-@/], shared by the
    /// 13a, zh and TER tokenizers, as a 128-bit membership mask.
    @inline(__always)
    static func isMtevalPunct(_ b: UInt8) -> Bool { inMask(b, 0xFC00_8F7F_0000_0000, 0x7800_0001_F800_0001) }

    /// Python's string.punctuation.
    @inline(__always)
    static func isASCIIPunctuation(_ b: UInt8) -> Bool { inMask(b, 0xFC00_FFFE_0000_0000, 0x7800_0001_F800_0001) }

    @inline(__always)
    private static func inMask(_ b: UInt8, _ low: UInt64, _ high: UInt64) -> Bool {
        b < 64 ? (low >> UInt64(b)) & 1 != 0 : b < 128 && (high >> UInt64(b & 63)) & 1 != 0
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
    @inline(__always) static func isPeriodOrComma(_ b: UInt8) -> Bool { b == 0x2E || b == 0x2C }

    /// The language-dependent steps of mteval-v13a (sacreBLEU's TokenizerRegexp
    /// without its final whitespace join): pad punctuation, split periods and
    /// commas except next to digits, split a dash after a digit. TER's
    /// normalizer also splits possessive "'s " right after the padding.
    static func mtevalSteps(_ text: inout [UInt8], scratch: inout [UInt8], splitPossessives: Bool = false) {
        pad(text, into: &scratch, where: isMtevalPunct)
        swap(&text, &scratch)
        // TER's second possessive rule, "'s$", can never match here: the padded
        // text always ends with a space.
        if splitPossessives { replaceInPlace(&text, "'s ", with: " 's ", scratch: &scratch) }
        // Each remaining rule needs a period, comma or dash; most lines lack some.
        if text.contains(where: isPeriodOrComma) {
            splitPairs(text, into: &scratch, spaceBefore: false, first: { !isDigit($0) }, second: isPeriodOrComma)
            splitPairs(scratch, into: &text, spaceBefore: true, first: isPeriodOrComma, second: { !isDigit($0) })
        }
        if text.contains(0x2D) {
            splitPairs(text, into: &scratch, spaceBefore: false, first: isDigit, second: { $0 == 0x2D })
            swap(&text, &scratch)
        }
    }

    static func encode(_ scalars: [UInt32], into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        for c in scalars { PythonText.encode(c, into: &out) }
    }
}

extension Array where Element: FixedWidthInteger {
    /// Replaces the contents with what `body` writes (at most `maxCount`
    /// elements, returning the count), reusing the storage from call to call.
    @inline(__always)
    mutating func overwrite(maxCount: Int, _ body: (UnsafeMutablePointer<Element>) -> Int) {
        if count < maxCount { append(contentsOf: repeatElement(0, count: maxCount - count)) }
        let written = withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        removeLast(count - written)
    }
}
