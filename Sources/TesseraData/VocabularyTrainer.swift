import TesseraTensor
import TesseraIO
import Foundation
import TesseraText

/// Trains Tessera's joint SentencePiece vocabulary over all languages of a corpus.
public enum VocabularyTrainer {
    public struct Options: Codable, Sendable {
        public var vocabularySize = 8000
        /// Sampling temperature across languages (weight ∝ share^(1/T)).
        public var temperature = 5.0
        /// Sentences drawn in total for training, across languages.
        public var sentences = 200_000
        public var seed: UInt64 = 1
        public var characterCoverage = 0.9995
        public var threads = 2

        public init() {}
    }

    public struct Report: Sendable {
        /// Sentences drawn per language, in the corpus's language order.
        public var sampled: [(language: Language, available: Int, drawn: Int)]
        public var seconds: Double
        public var modelPath: String
    }

    /// Special ids, fixed so every Tessera model agrees on them.
    public static let specialIDs = (unknown: 0, begin: 1, end: 2, padding: 3)

    /// Samples sentences per language by temperature, normalizes them, and
    /// trains a unigram model with byte fallback (no unknown pieces ever) and
    /// one `__xx__` tag per language as a user-defined symbol.
    /// Writes `outputPrefix.model` and `outputPrefix.vocab` atomically.
    public static func train(corpus: ParallelCorpus, options: Options, outputPrefix: String,
                             log: (String) -> Void = { _ in }) throws -> Report {
        let start = Date()
        var generator = SplitMix64(seed: options.seed)
        let segments = corpus.columns.map { column in column.filter { !$0.isEmpty } }
        let quotas = TemperatureSampling.quotas(counts: segments.map(\.count), temperature: options.temperature,
                                                total: options.sentences)
        var sentences: [String] = []
        var sampled: [(language: Language, available: Int, drawn: Int)] = []
        for (index, language) in corpus.languages.enumerated() {
            let drawn = sample(segments[index], count: quotas[index], using: &generator)
            sentences += drawn.map { Normalizer.normalize($0) }.filter { !$0.isEmpty }
            sampled.append((language, segments[index].count, drawn.count))
            log("vocab: \(language.code): \(drawn.count) of \(segments[index].count) segments")
        }

        let tags = corpus.languages.map(\.tag).joined(separator: ",")
        let ids = specialIDs
        // Trained in memory rather than from a temporary file: a SentencePiece-saved model
        // records its input and output paths, so it would differ with the temp directory.
        let model = try explainingSizeErrors(options.vocabularySize) { () throws(SentencePiece.Failure) in try SentencePiece.train(sentences: sentences, options: [
            ("model_type", "unigram"),
            ("vocab_size", "\(options.vocabularySize)"), ("character_coverage", "\(options.characterCoverage)"),
            ("byte_fallback", "true"),
            // Text is already normalized by Tessera's ICU normalizer.
            ("normalization_rule_name", "identity"),
            ("user_defined_symbols", tags),
            ("unk_id", "\(ids.unknown)"), ("bos_id", "\(ids.begin)"), ("eos_id", "\(ids.end)"), ("pad_id", "\(ids.padding)"),
            ("input_sentence_size", "0"), ("shuffle_input_sentence", "false"),
            ("num_threads", "\(options.threads)"), ("minloglevel", "2"),
        ]) }
        let vocabulary = try SentencePiece(serialized: model).vocabularyListing()
        // The .model goes last, so its presence means both files are complete.
        try AtomicFile.write(to: outputPrefix + ".vocab") { try $0.write(contentsOf: Data(vocabulary)) }
        try AtomicFile.write(to: outputPrefix + ".model") { try $0.write(contentsOf: Data(model)) }
        return Report(sampled: sampled, seconds: Date().timeIntervalSince(start), modelPath: outputPrefix + ".model")
    }

    /// SentencePiece words a size that does not fit the corpus in its own flag names
    /// (`--character_coverage`) around a source location; say it in Tessera's.
    static func explainingSizeErrors<T>(_ size: Int, _ body: () throws(SentencePiece.Failure) -> T) throws -> T {
        do { return try body() } catch {
            let text = error.description
            func number(after marker: String) -> Int? {
                text.range(of: marker).flatMap { Int(text[$0.upperBound...].prefix { $0.isNumber }) }
            }
            if text.contains("smaller than required_chars"), let needed = number(after: "\(size) vs ") {
                throw InputError(file: "--vocab-size", message: "\(size) is too small: this corpus's characters, tags and special pieces need \(needed); raise it or lower --character-coverage")
            }
            if let most = number(after: "value <= ") {
                throw InputError(file: "--vocab-size", message: "\(size) is too large: this corpus gives at most \(most) pieces; lower it or add text")
            }
            throw error
        }
    }

    /// Draws `count` items: without replacement while the pool lasts, then
    /// whole extra passes over a shuffled pool (upsampling small languages).
    static func sample(_ pool: [String], count: Int, using generator: inout SplitMix64) -> [String] {
        guard !pool.isEmpty else { return [] }
        var result: [String] = []
        result.reserveCapacity(count)
        while result.count < count {
            let shuffled = pool.shuffled(using: &generator)
            result.append(contentsOf: shuffled.prefix(count - result.count))
        }
        return result
    }
}
