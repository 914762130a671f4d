import TesseraIO
import TesseraText

/// A multi-way parallel corpus: rows of segments, one column per language.
/// An empty cell means the row has no segment in that language, so the data of
/// a pair (a, b) is the rows where both cells are non-empty.
public struct ParallelCorpus: Sendable {
    public let languages: [Language]
    /// columns[l][r] is row r in languages[l].
    public let columns: [[String]]

    public init(languages: [Language], columns: [[String]]) {
        precondition(languages.count == columns.count, "one column per language")
        precondition(Set(columns.map(\.count)).count <= 1, "columns must have equal length")
        self.languages = languages
        self.columns = columns
    }

    public var rowCount: Int { columns.first?.count ?? 0 }

    public func column(_ language: Language) -> [String]? {
        languages.firstIndex(of: language).map { columns[$0] }
    }

    /// Number of non-empty segments per language.
    public func segmentCounts() -> [Language: Int] {
        Dictionary(uniqueKeysWithValues: zip(languages, columns.map { $0.lazy.filter { !$0.isEmpty }.count }))
    }

    /// The aligned pairs of one direction: rows where both sides are non-empty.
    public func pairs(source: Language, target: Language) -> [(source: String, target: String)] {
        guard let s = column(source), let t = column(target) else { return [] }
        return zip(s, t).filter { !$0.0.isEmpty && !$0.1.isEmpty }.map { (source: $0.0, target: $0.1) }
    }
}

extension ParallelCorpus {
    /// The corpus restricted to `languages`, in that order; a language the
    /// corpus lacks is an error naming `context` (the corpus's file).
    public func selecting(_ wanted: [Language], context: String) throws(InputError) -> ParallelCorpus {
        var columns: [[String]] = []
        for language in wanted {
            guard let column = column(language) else {
                throw InputError(file: context, message: "has no column for language '\(language.code)' (it has \(languages.map(\.code).joined(separator: ", ")))")
            }
            columns.append(column)
        }
        return ParallelCorpus(languages: wanted, columns: columns)
    }
}
