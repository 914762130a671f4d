/// sacreBLEU 2.6.0's BLEU tokenizers. Each rewrites a line; BLEU then splits
/// the result on Python whitespace.
public enum Tokenizer: String, Sendable, CaseIterable {
    case none
    case thirteenA = "13a"
    case intl
    case zh
    case char

    /// sacreBLEU tokenizers that need models or dictionaries Tessera cannot
    /// download (this machine has no network besides package registries).
    static let unavailable: [String: String] = [
        "ja-mecab": "MeCab with the IPA dictionary",
        "ko-mecab": "MeCab with the mecab-ko dictionary",
        "spm": "the FLORES-101 SentencePiece model",
        "flores101": "the FLORES-101 SentencePiece model",
        "flores200": "the FLORES-200 SentencePiece model",
        "spBLEU-1K": "the spBLEU-1K SentencePiece model",
    ]

    /// Every name sacreBLEU accepts for -tok, in its order.
    public static let sacrebleuNames = ["none", "zh", "13a", "intl", "char", "ja-mecab", "ko-mecab",
                                        "spm", "flores101", "flores200", "spBLEU-1K"]

    /// The tokenizer called `name`, or an error saying why it is not available.
    public static func named(_ name: String) throws(MetricsError) -> Tokenizer {
        if let tokenizer = Tokenizer(rawValue: name) { return tokenizer }
        if let resource = unavailable[name] {
            throw MetricsError(message: "tokenizer '\(name)' needs \(resource), which is not available offline")
        }
        throw MetricsError(message: "unknown tokenizer '\(name)' (choose from \(sacrebleuNames.joined(separator: ", ")))")
    }

    /// Calls `body` with the tokenized text of `line` (tokens separated by whitespace).
    func apply<R>(_ line: UnsafeBufferPointer<UInt8>, scratch: inout TokenizerScratch,
                  _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        switch self {
        case .none:
            return body(line)
        case .thirteenA:
            // f" {line} ": padding first is the same as last, as no replaced pattern contains a space.
            scratch.text.removeAll(keepingCapacity: true)
            scratch.text.append(0x20)
            scratch.text.append(contentsOf: line)
            scratch.text.append(0x20)
            Self.thirteenA(&scratch.text, scratch: &scratch.spare)
        case .zh:
            Self.zh(line, scratch: &scratch)
        case .intl:
            Self.intl(line, scratch: &scratch)
        case .char:
            // " ".join(line): every character becomes its own token.
            scratch.text.removeAll(keepingCapacity: true)
            for b in line {
                if b & 0xC0 != 0x80 { scratch.text.append(0x20) }
                scratch.text.append(b)
            }
        }
        return scratch.text.withUnsafeBufferPointer(body)
    }

    private static func thirteenA(_ text: inout [UInt8], scratch: inout [UInt8]) {
        TextPasses.replaceInPlace(&text, "<skipped>", with: "", scratch: &scratch)
        TextPasses.replaceInPlace(&text, "-\n", with: "", scratch: &scratch)
        TextPasses.replaceInPlace(&text, "\n", with: " ", scratch: &scratch)
        unescapeXML(&text, scratch: &scratch)
        TextPasses.mtevalSteps(&text, scratch: &scratch)
    }

    /// The four XML entities mteval (and TER's normalizer) decode, in their order.
    static func unescapeXML(_ text: inout [UInt8], scratch: inout [UInt8]) {
        guard text.contains(0x26) else { return }
        TextPasses.replaceInPlace(&text, "&quot;", with: "\"", scratch: &scratch)
        TextPasses.replaceInPlace(&text, "&amp;", with: "&", scratch: &scratch)
        TextPasses.replaceInPlace(&text, "&lt;", with: "<", scratch: &scratch)
        TextPasses.replaceInPlace(&text, "&gt;", with: ">", scratch: &scratch)
    }

    private static func zh(_ line: UnsafeBufferPointer<UInt8>, scratch: inout TokenizerScratch) {
        // line.strip(), then each "Chinese" character padded with spaces, then 13a's regexps.
        let end = PythonText.rstrippedCount(line)
        let stripped = UnsafeBufferPointer(rebasing: line[0..<end])
        let start = PythonText.leadingSpaceCount(stripped)
        scratch.text.removeAll(keepingCapacity: true)
        guard let p = line.baseAddress else { return }
        var i = start
        while i < end {
            let (c, n) = PythonText.decode(p, i)
            if isChinese(c) {
                scratch.text.append(0x20)
                scratch.text.append(contentsOf: UnsafeBufferPointer(start: p + i, count: n))
                scratch.text.append(0x20)
            } else {
                scratch.text.append(contentsOf: UnsafeBufferPointer(start: p + i, count: n))
            }
            i += n
        }
        TextPasses.mtevalSteps(&scratch.text, scratch: &scratch.spare)
    }

    /// sacreBLEU's _is_chinese_char. Its table writes two supplementary-plane
    /// ranges as "\u20000"-"\u2a6d6" and "\u2f800"-"\u2fa1d", which Python reads
    /// as two-character strings; compared with one character they select
    /// U+2001...U+2A6D and U+2F81...U+2FA1. Those effective ranges are what
    /// sacreBLEU's scores depend on, so they are what this table holds.
    static func isChinese(_ c: UInt32) -> Bool {
        guard c >= 0x2001 && c <= 0xFFEF else { return false }
        switch c {
        case 0x3400...0x4DB5, 0x4E00...0x9FA5, 0x9FA6...0x9FBB, 0xF900...0xFA2D, 0xFA30...0xFA6A,
             0xFA70...0xFAD9, 0x2001...0x2A6D, 0x2F81...0x2FA1, 0xFF00...0xFFEF, 0x2E80...0x2EFF,
             0x3000...0x303F, 0x31C0...0x31EF, 0x2F00...0x2FDF, 0x2FF0...0x2FFF, 0x3100...0x312F,
             0x31A0...0x31BF, 0xFE10...0xFE1F, 0xFE30...0xFE4F, 0x2600...0x26FF, 0x2700...0x27BF,
             0x3200...0x32FF, 0x3300...0x33FF:
            return true
        default:
            return false
        }
    }

    private static func intl(_ line: UnsafeBufferPointer<UInt8>, scratch: inout TokenizerScratch) {
        PythonText.scalars(of: line, into: &scratch.scalars)
        let P = UnicodeClasses.punctuation, S = UnicodeClasses.symbol, N = UnicodeClasses.number
        func isP(_ c: UInt32) -> Bool { UnicodeClasses.flags(c) & P != 0 }
        func notN(_ c: UInt32) -> Bool { UnicodeClasses.flags(c) & N == 0 }
        // (\P{N})(\p{P}) -> "\1 \2 ", (\p{P})(\P{N}) -> " \1 \2", (\p{S}) -> " \1 "
        TextPasses.splitPairs(scratch.scalars, into: &scratch.spareScalars, spaceBefore: false, first: notN, second: isP)
        TextPasses.splitPairs(scratch.spareScalars, into: &scratch.scalars, spaceBefore: true, first: isP, second: notN)
        TextPasses.pad(scratch.scalars, into: &scratch.spareScalars, where: { UnicodeClasses.flags($0) & S != 0 })
        TextPasses.encode(scratch.spareScalars, into: &scratch.text)
    }
}

/// Reusable buffers for tokenizing one line after another without allocating.
struct TokenizerScratch {
    var text: [UInt8] = []
    var spare: [UInt8] = []
    var scalars: [UInt32] = []
    var spareScalars: [UInt32] = []
}
