import Foundation
import TesseraIO
import TesseraText

/// A corpus split encoded once into token ids, stored as safetensors so that
/// training memory-maps it instead of re-tokenizing. For each language there
/// are two tensors: `<lang>.offsets` (I64, rows + 1) and `<lang>.tokens`
/// (U16 when the vocabulary fits, else I32); row r of a language is
/// tokens[offsets[r] ..< offsets[r + 1]], empty when the row lacks it.
/// Ids carry no language tag or end-of-sentence marker: training adds those.
public final class BinarizedCorpus: @unchecked Sendable {
    public let path: String
    public let languages: [Language]
    public let rowCount: Int
    /// SHA-256 of the SentencePiece model the ids come from.
    public let vocabularyHash: String
    private let file: Safetensors.File
    private let wideTokens: Bool

    public init(path: String) throws {
        let file = try Safetensors.File(path: path)
        func fail(_ message: String) -> InputError { InputError(file: path, message: message) }
        guard file.metadata["format"] == Self.format, let codes = file.metadata["languages"],
              let hash = file.metadata["vocabulary_sha256"] else {
            throw fail("not a binarized Tessera corpus (run `tessera binarize` to make one)")
        }
        languages = try Language.parseList(codes, context: path)
        var rows: Int?
        var wide: Bool?
        for language in languages {
            let offsets = try file.info("\(language.code).offsets"), tokens = try file.info("\(language.code).tokens")
            guard offsets.dtype == .i64, offsets.shape.count == 1, offsets.shape[0] >= 1,
                  tokens.dtype == .u16 || tokens.dtype == .i32, tokens.shape.count == 1 else {
                throw fail("corrupt: tensors of '\(language.code)' have unexpected dtypes or shapes")
            }
            guard rows == nil || rows == offsets.shape[0] - 1 else { throw fail("corrupt: languages have different row counts") }
            rows = offsets.shape[0] - 1
            wide = tokens.dtype == .i32
            let valid = try file.withValues("\(language.code).offsets", as: Int64.self, dtype: .i64) { offsets in
                offsets.first == 0 && offsets.last == Int64(tokens.shape[0]) && zip(offsets, offsets.dropFirst()).allSatisfy { $0 <= $1 }
            }
            guard valid else { throw fail("corrupt: offsets of '\(language.code)' are not a valid index into its tokens") }
        }
        self.path = path
        self.file = file
        self.rowCount = rows ?? 0
        self.wideTokens = wide ?? false
        self.vocabularyHash = hash
    }

    static let format = "tessera-binarized-corpus-1"

    /// Token count of every row of `language` (0 where the row lacks it).
    public func lengths(_ language: Language) throws -> [Int] {
        try file.withValues("\(language.code).offsets", as: Int64.self, dtype: .i64) { offsets in
            zip(offsets, offsets.dropFirst()).map { Int($1 - $0) }
        }
    }

    /// The largest token id of any language (-1 for an empty corpus), so a
    /// reader can check every id against its vocabulary once, up front.
    public func maximumTokenID() throws -> Int32 {
        var maximum: Int32 = -1
        for language in languages {
            let name = "\(language.code).tokens"
            let largest = wideTokens
                ? try file.withValues(name, as: Int32.self, dtype: .i32) { $0.max() ?? -1 }
                : try file.withValues(name, as: UInt16.self, dtype: .u16) { $0.max().map(Int32.init) ?? -1 }
            maximum = max(maximum, largest)
        }
        return maximum
    }

    /// The ids of one row in one language.
    public func tokens(_ language: Language, row: Int) throws -> [Int32] {
        let range = try file.withValues("\(language.code).offsets", as: Int64.self, dtype: .i64) {
            Int($0[row])..<Int($0[row + 1])
        }
        if wideTokens {
            return try file.withValues("\(language.code).tokens", as: Int32.self, dtype: .i32) { Array($0[range]) }
        }
        return try file.withValues("\(language.code).tokens", as: UInt16.self, dtype: .u16) { $0[range].map { Int32($0) } }
    }

    /// Normalizes and encodes every row of `corpus` with `vocabulary` (on all
    /// cores) and writes the result atomically to `path`.
    public static func write(corpus: ParallelCorpus, vocabulary: SentencePiece, to path: String) throws {
        let wide = vocabulary.vocabularySize > Int(UInt16.max) + 1
        var writer = Safetensors.Writer(metadata: [
            "format": format,
            "languages": corpus.languages.map(\.code).joined(separator: ","),
            "vocabulary_sha256": SHA256.hex(try vocabulary.serialized()),
        ])
        for (language, column) in zip(corpus.languages, corpus.columns) {
            let encoded = try encodeAll(column, with: vocabulary)
            var offsets: [Int64] = [0]
            offsets.reserveCapacity(encoded.count + 1)
            for ids in encoded { offsets.append(offsets.last! + Int64(ids.count)) }
            let flat = encoded.flatMap { $0 }
            offsets.withUnsafeBufferPointer { writer.add("\(language.code).offsets", dtype: .i64, shape: [offsets.count], values: $0) }
            if wide {
                flat.withUnsafeBufferPointer { writer.add("\(language.code).tokens", dtype: .i32, shape: [flat.count], values: $0) }
            } else {
                let narrow = flat.map { UInt16($0) }
                narrow.withUnsafeBufferPointer { writer.add("\(language.code).tokens", dtype: .u16, shape: [narrow.count], values: $0) }
            }
        }
        try writer.write(to: path)
    }

    private static func encodeAll(_ lines: [String], with vocabulary: SentencePiece) throws -> [[Int32]] {
        try OrderedParallel.results(count: lines.count, chunkSize: 256) { row in
            lines[row].isEmpty ? [] : try vocabulary.encode(Normalizer.normalize(lines[row]))
        }.map { try $0.get() }
    }
}
