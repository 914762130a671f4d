import TesseraIO
import TesseraText

/// A translation direction, written "en-de" (source-target).
public struct Direction: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let source: Language
    public let target: Language

    public init(source: Language, target: Language) {
        self.source = source
        self.target = target
    }

    public init(_ text: String, context: String) throws(InputError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw InputError(file: context, message: "'\(text)' is not a direction; write source-target, e.g. en-de")
        }
        let source = try Language(String(parts[0]), context: context), target = try Language(String(parts[1]), context: context)
        guard source != target else { throw InputError(file: context, message: "direction '\(text)' has the same source and target") }
        self.init(source: source, target: target)
    }

    public var description: String { "\(source.code)-\(target.code)" }

    public static func < (a: Direction, b: Direction) -> Bool { (a.source, a.target) < (b.source, b.target) }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(text, context: decoder.codingPath.map(\.stringValue).joined(separator: "."))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Which directions a recipe trains: every ordered pair of its languages,
/// English-centric (to and from a pivot), or an explicit list.
public enum DirectionSelection: Equatable, Sendable, Codable {
    case allPairs
    case pivot(Language)
    case explicit([Direction])

    public func directions(languages: [Language]) -> [Direction] {
        switch self {
        case .allPairs:
            return languages.flatMap { s in languages.filter { $0 != s }.map { Direction(source: s, target: $0) } }
        case .pivot(let pivot):
            return languages.filter { $0 != pivot }.flatMap {
                [Direction(source: pivot, target: $0), Direction(source: $0, target: pivot)]
            }
        case .explicit(let list):
            return list
        }
    }

    /// JSON: "all", "english-centric", {"pivot": "xx"}, or ["en-de", "de-en", …].
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let word = try? container.decode(String.self) {
            switch word {
            case "all": self = .allPairs
            case "english-centric": self = .pivot(try Language("en"))
            default:
                throw DecodingError.dataCorruptedError(in: container, debugDescription:
                    "directions must be \"all\", \"english-centric\", {\"pivot\": \"xx\"} or a list such as [\"en-de\"], not \"\(word)\"")
            }
        } else if let pivot = try? container.decode([String: Language].self), let language = pivot["pivot"], pivot.count == 1 {
            self = .pivot(language)
        } else {
            self = .explicit(try container.decode([Direction].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .allPairs: try container.encode("all")
        case .pivot(let language): try container.encode(["pivot": language])
        case .explicit(let list): try container.encode(list)
        }
    }
}
