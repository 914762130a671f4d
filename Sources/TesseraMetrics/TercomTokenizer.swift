/// sacreBLEU's TercomTokenizer (tokenizers/tokenizer_ter.py) without its
/// lowercasing, which `Preprocessor` does before this runs.
struct TercomTokenizer: LineTokenizer {
    var normalized: Bool
    var noPunct: Bool
    var asianSupport: Bool
    /// sacreBLEU's TER preprocesses references twice (once when caching them,
    /// again when extracting their words), and normalization is not idempotent:
    /// a second pass can split a possessive that punctuation removal exposed.
    /// References set this so their words match sacreBLEU's.
    var twice = false

    func apply<R>(_ line: UnsafeBufferPointer<UInt8>, scratch: inout TokenizerScratch,
                  _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        guard normalized || noPunct else { return body(line) }
        scratch.text.removeAll(keepingCapacity: true)
        scratch.text.append(contentsOf: line)
        transform(&scratch)
        if twice {
            // The first pass's result as sacreBLEU returns it: tokens joined by single spaces.
            scratch.spare.removeAll(keepingCapacity: true)
            scratch.text.withUnsafeBufferPointer { text in
                PythonText.forEachToken(text) { range in
                    if !scratch.spare.isEmpty { scratch.spare.append(0x20) }
                    scratch.spare.append(contentsOf: text[range])
                }
            }
            swap(&scratch.text, &scratch.spare)
            transform(&scratch)
        }
        return scratch.text.withUnsafeBufferPointer(body)
    }

    private func transform(_ scratch: inout TokenizerScratch) {
        if normalized {
            TextPasses.replaceInPlace(&scratch.text, "\n-", with: "", scratch: &scratch.spare)
            TextPasses.replaceInPlace(&scratch.text, "\n", with: " ", scratch: &scratch.spare)
            Tokenizer.unescapeXML(&scratch.text, scratch: &scratch.spare)
            scratch.text.insert(0x20, at: 0)
            scratch.text.append(0x20)
            TextPasses.mtevalSteps(&scratch.text, scratch: &scratch.spare, splitPossessives: true)
            if asianSupport { padAsian(&scratch) }
        }
        if noPunct {
            scratch.text.removeAll { b in
                b == 0x2E || b == 0x2C || b == 0x3F || b == 0x3A || b == 0x3B || b == 0x21 || b == 0x22
                    || b == 0x28 || b == 0x29
            }
            if asianSupport && scratch.text.contains(where: { $0 >= 0x80 }) {
                scratch.text.withUnsafeBufferPointer { PythonText.scalars(of: $0, into: &scratch.scalars) }
                scratch.scalars.removeAll(where: Self.isAsianPunctuation)
                TextPasses.encode(scratch.scalars, into: &scratch.text)
            }
        }
    }

    /// _normalize_asian: every character of its CJK classes gets spaces around
    /// it. Its passes each pad one class of single characters, so one pass over
    /// their union splits the text into the same tokens. Its three Hiragana and
    /// Katakana rules are anchored at the start of the text, which the
    /// normalizer has already padded with a space, so they never match.
    private func padAsian(_ scratch: inout TokenizerScratch) {
        guard scratch.text.contains(where: { $0 >= 0x80 }) else { return }
        scratch.text.withUnsafeBufferPointer { PythonText.scalars(of: $0, into: &scratch.scalars) }
        TextPasses.pad(scratch.scalars, into: &scratch.spareScalars) { c in
            switch c {
            case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x31C0...0x31EF, 0x2E80...0x2EFF, 0x3300...0x33FF,
                 0xF900...0xFAFF, 0xFE30...0xFE4F, 0x3200...0x3F22:
                return true
            default:
                return Self.isAsianPunctuation(c)
            }
        }
        TextPasses.encode(scratch.spareScalars, into: &scratch.text)
    }

    /// TercomTokenizer.ASIAN_PUNCT and FULL_WIDTH_PUNCT.
    private static func isAsianPunctuation(_ c: UInt32) -> Bool {
        switch c {
        case 0x3001, 0x3002, 0x3008...0x3011, 0x3014...0x301F, 0xFF61...0xFF65, 0x30FB,
             0xFF0E, 0xFF0C, 0xFF1F, 0xFF1A, 0xFF1B, 0xFF01, 0xFF02, 0xFF08, 0xFF09:
            return true
        default:
            return false
        }
    }
}
