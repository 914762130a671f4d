import TesseraIO
import CICU

/// A language of the corpus, identified by its ISO 639 code ("de", "ja").
/// Codes are checked against ICU's list so a typo fails loudly instead of
/// silently creating a new language.
public struct Language: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let code: String

    /// Validates `code`; `context` says where it came from, for the error.
    public init(_ code: String, context: @autoclosure () -> String = "language list") throws(InputError) {
        guard tsr_is_known_language(code) != 0 else {
            throw InputError(file: context(), message: "unknown language code '\(code)' (expected an ISO 639 code such as en, de, ja)")
        }
        self.code = code
    }

    /// The tag prepended to a source sentence to ask for this target language
    /// (fairseq's `--encoder-langtok tgt` convention), e.g. `__de__`.
    public var tag: String { "__\(code)__" }

    /// Whether a vocabulary piece has the form of a language tag, of any language.
    public static func isTag(_ piece: String) -> Bool { piece.count > 4 && piece.hasPrefix("__") && piece.hasSuffix("__") }

    public var description: String { code }

    public static func < (a: Language, b: Language) -> Bool { a.code < b.code }

    /// Encoded as the bare code ("de"), validated when decoded.
    public init(from decoder: Decoder) throws {
        let code = try decoder.singleValueContainer().decode(String.self)
        try self.init(code, context: decoder.codingPath.map(\.stringValue).joined(separator: "."))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }

    /// Parses a comma-separated list such as "en,de,fr".
    public static func parseList(_ list: String, context: String) throws(InputError) -> [Language] {
        var languages: [Language] = []
        for code in list.split(separator: ",", omittingEmptySubsequences: false) {
            let language = try Language(String(code), context: context)
            guard !languages.contains(language) else {
                throw InputError(file: context, message: "language '\(code)' is listed twice")
            }
            languages.append(language)
        }
        return languages
    }
}
