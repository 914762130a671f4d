import TesseraIO
import Foundation
import TesseraText

/// Readers for users' own parallel data. Every malformed input becomes a
/// InputError naming the file and line, never a crash or silent truncation.
public enum CorpusReader {
    /// Moses-style files: `prefix.xx` for each language, line-aligned.
    /// With `languages` nil, every `prefix.xx` whose suffix is a two-letter
    /// ISO 639 code is read.
    public static func readMoses(prefix: String, languages: [Language]? = nil) throws -> ParallelCorpus {
        let languages = try languages ?? discoverLanguages(prefix: prefix)
        var columns: [[String]] = []
        for language in languages {
            let path = "\(prefix).\(language.code)"
            guard FileManager.default.fileExists(atPath: path) else {
                throw InputError(file: path, message: "missing file for language '\(language.code)'")
            }
            let lines = try LineReader.readLines(path: path)
            guard !lines.isEmpty else { throw InputError(file: path, message: "file is empty") }
            if let first = columns.first, first.count != lines.count {
                let firstPath = "\(prefix).\(languages[0].code)"
                throw InputError(file: path, line: min(first.count, lines.count) + 1,
                                message: "has \(lines.count) lines but \(firstPath) has \(first.count); Moses-style files must be line-aligned")
            }
            columns.append(lines)
        }
        return ParallelCorpus(languages: languages, columns: columns)
    }

    /// Languages present as `prefix.xx` files, sorted by code.
    public static func discoverLanguages(prefix: String) throws -> [Language] {
        let url = URL(fileURLWithPath: prefix)
        let directory = url.deletingLastPathComponent().path
        let base = url.lastPathComponent + "."
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let codes = names.filter { $0.hasPrefix(base) }.map { String($0.dropFirst(base.count)) }
            .filter { $0.count == 2 && $0.allSatisfy { $0 >= "a" && $0 <= "z" } }
        // A two-letter suffix is meant as a language: one Tessera does not know is an error,
        // not a file quietly left out of the vocabulary or the corpus.
        let languages = try codes.map { code throws(InputError) in
            do { return try Language(code) } catch {
                throw InputError(file: "\(prefix).\(code)", message: "'\(code)' is not a language code Tessera knows; rename the file or choose languages with --langs")
            }
        }.sorted()
        guard !languages.isEmpty else {
            throw InputError(file: prefix, message: "no files named \(base)xx with a language code xx")
        }
        return languages
    }

    /// Tab-separated values: a header row naming each column's language
    /// (e.g. `en<TAB>de`), then one aligned row per line. An empty field means
    /// that row lacks that language.
    public static func readTSV(path: String) throws -> ParallelCorpus {
        let lines = try LineReader.readLines(path: path)
        guard let header = lines.first, !header.isEmpty else {
            throw InputError(file: path, message: "file is empty; expected a header row of language codes such as en<TAB>de")
        }
        var languages: [Language] = []
        for field in header.split(separator: "\t", omittingEmptySubsequences: false) {
            let language = try Language(String(field), context: "\(path):1")
            guard !languages.contains(language) else {
                throw InputError(file: path, line: 1, message: "language '\(field)' appears twice in the header")
            }
            languages.append(language)
        }
        var columns = Array(repeating: [String](), count: languages.count)
        for (index, line) in lines.enumerated().dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == languages.count else {
                throw InputError(file: path, line: index + 1,
                                message: "expected \(languages.count) tab-separated fields (\(languages.map(\.code).joined(separator: ", "))), found \(fields.count)")
            }
            for (column, field) in fields.enumerated() { columns[column].append(String(field)) }
        }
        guard lines.count > 1 else { throw InputError(file: path, message: "no rows after the header") }
        return ParallelCorpus(languages: languages, columns: columns)
    }
}
