/// The rewriting steps sacreBLEU's tokenizers are built from, each with the
/// semantics of Python's `re.sub`: matches are found left to right and never
/// overlap. They work on bytes when every pattern character is ASCII (then a
/// byte-wise scan finds the same matches as a character-wise one) and on
/// Unicode scalars otherwise.
enum TextPasses {
    static let space = 0x20

    /// s/(A)(B)/\1 \2 /g when `spaceBefore` is false, s/(A)(B)/ \1 \2/g when true.
    static func splitPairs<T: FixedWidthInteger>(_ input: [T], into out: inout [T], spaceBefore: Bool,
                                                 first: (T) -> Bool, second: (T) -> Bool) {
        out.removeAll(keepingCapacity: true)
        let sp = T(space)
        var i = 0
        let n = input.count
        while i < n {
            let a = input[i]
            if i + 1 < n && first(a) && second(input[i + 1]) {
                if spaceBefore { out.append(sp); out.append(a); out.append(sp); out.append(input[i + 1]) }
                else { out.append(a); out.append(sp); out.append(input[i + 1]); out.append(sp) }
                i += 2
            } else {
                out.append(a)
                i += 1
            }
        }
    }

    /// s/(X)/ \1 /g for every element in the class.
    static func pad<T: FixedWidthInteger>(_ input: [T], into out: inout [T], where member: (T) -> Bool) {
        out.removeAll(keepingCapacity: true)
        let sp = T(space)
        for c in input {
            if member(c) { out.append(sp); out.append(c); out.append(sp) } else { out.append(c) }
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

    /// Applies `replace` only when the pattern's first byte occurs, swapping buffers.
    static func replaceInPlace(_ text: inout [UInt8], _ pattern: StaticString, with replacement: StaticString,
                               scratch: inout [UInt8]) {
        guard text.contains(pattern.utf8Start[0]) else { return }
        replace(text, pattern, with: replacement, into: &scratch)
        swap(&text, &scratch)
    }

    /// mteval-v13a's ASCII punctuation class [{-~[-` -&(-+:-@/], shared by the
    /// 13a, zh and TER tokenizers.
    @inline(__always)
    static func isMtevalPunct(_ b: UInt8) -> Bool {
        (b >= 0x7B && b <= 0x7E) || (b >= 0x5B && b <= 0x60) || (b >= 0x20 && b <= 0x26)
            || (b >= 0x28 && b <= 0x2B) || (b >= 0x3A && b <= 0x40) || b == 0x2F
    }

    /// Python's string.punctuation.
    @inline(__always)
    static func isASCIIPunctuation(_ b: UInt8) -> Bool {
        (b >= 0x21 && b <= 0x2F) || (b >= 0x3A && b <= 0x40) || (b >= 0x5B && b <= 0x60) || (b >= 0x7B && b <= 0x7E)
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
        splitPairs(text, into: &scratch, spaceBefore: false, first: { !isDigit($0) }, second: isPeriodOrComma)
        splitPairs(scratch, into: &text, spaceBefore: true, first: isPeriodOrComma, second: { !isDigit($0) })
        splitPairs(text, into: &scratch, spaceBefore: false, first: isDigit, second: { $0 == 0x2D })
        swap(&text, &scratch)
    }

    static func encode(_ scalars: [UInt32], into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        for c in scalars { PythonText.encode(c, into: &out) }
    }
}
