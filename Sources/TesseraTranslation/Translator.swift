import TesseraDecoding
import TesseraIO
import TesseraModels
import TesseraText

/// Text in, text out: normalizes and encodes sentences, prepends the target
/// language tag (fairseq's encoder and decoder language tokens), decodes in
/// length-sorted batches and returns detokenized text in input order.
public final class Translator {
    public let model: Transformer
    public let vocabulary: SentencePiece
    public let languages: [Language]
    /// For LMS+FD models: decode with the language-specific factors (FD-LS) or the shared slot (FD-Share).
    public var route: LanguageRoute = .languageSpecific
    private let tags: [Language: Int32]
    /// Ids search never emits: padding, unknown, start and every language tag of the vocabulary.
    private let banned: [Int32]

    public init(model: Transformer, vocabulary: SentencePiece, languages: [Language]) throws {
        self.model = model
        self.vocabulary = vocabulary
        self.languages = languages
        var tags: [Language: Int32] = [:]
        for language in languages {
            guard let id = vocabulary.id(of: language.tag) else {
                throw InputError(file: "vocabulary", message: "has no tag \(language.tag) for language '\(language.code)'")
            }
            tags[language] = id
        }
        self.tags = tags
        let languageTags = (0..<Int32(vocabulary.vocabularySize)).filter { vocabulary.piece(of: $0).map(Language.isTag) ?? false }
        banned = ([vocabulary.paddingID, vocabulary.unknownID, vocabulary.beginID] + languageTags)
            .filter { $0 >= 0 && $0 != vocabulary.endID }
    }

    /// The position of a language the model knows (what feed-forward contexts
    /// index); the error names `context` and lists the known languages.
    public func index(of language: Language, context: String) throws -> Int {
        guard let index = languages.firstIndex(of: language) else {
            throw InputError(file: context, message: "the model does not know language '\(language.code)' (it knows \(languages.map(\.code).joined(separator: ", ")))")
        }
        return index
    }

    /// The tag id of a language the model knows.
    public func tag(_ language: Language) throws -> Int32 {
        _ = try index(of: language, context: "--tgt")
        return tags[language]!
    }

    /// Source tokens a sentence keeps: the model's positions less its tag and end token.
    public var maxSourceTokens: Int { model.config.maxPositions - 2 }

    /// Model input for one sentence: [tag] + ids + [eos], cut to fit the model's positions.
    public func sourceTokens(_ ids: [Int32], tag: Int32) -> [Int32] {
        [tag] + ids.prefix(maxSourceTokens) + [vocabulary.endID]
    }

    /// The ids of one input line, as `translate(_:…)` encodes it.
    public func encode(_ sentence: String) throws -> [Int32] { try vocabulary.encode(Normalizer.normalize(sentence)) }

    /// Translates `sentences` from `source` into `target`; an empty sentence gives an empty one.
    public func translate(_ sentences: [String], source: Language, target: Language, options: SearchOptions,
                          batchSize: Int = 32) throws -> [String] {
        try translate(encodedSources: sentences.map(encode),
                      source: source, target: target, options: options, batchSize: batchSize)
    }

    /// Translates sentences already encoded to ids (without tag or end token).
    public func translate(encodedSources encoded: [[Int32]], source: Language, target: Language, options: SearchOptions,
                          batchSize: Int = 32) throws -> [String] {
        let tag = try tag(target)
        let sourceIndex = try index(of: source, context: "--src"), targetIndex = try index(of: target, context: "--tgt")
        var output = [String](repeating: "", count: encoded.count)
        // Length-sorted batches waste little on padding; ties keep input order.
        let order = encoded.indices.filter { !encoded[$0].isEmpty }.sorted { (encoded[$0].count, $0) < (encoded[$1].count, $1) }
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let rows = Array(order[start..<min(start + batchSize, order.count)])
            let sources = rows.map { sourceTokens(encoded[$0], tag: tag) }
            // The decoder's input is the tag plus up to the cap of tokens, all within its positions.
            let maxLengths = sources.map { min(options.maxLength(sourceLength: $0.count), model.config.maxPositions - 1) }
            let context = FeedForwardContext(source: sourceIndex, target: targetIndex)
            context.route = route
            let decoder = IncrementalDecoder(model: model, sources: sources, context: context)
            let starts = rows.map { _ in tag }
            let hypotheses = options.beam == 1
                ? try Search.greedy(decoder: decoder, starts: starts, end: vocabulary.endID, banned: banned,
                                    maxLengths: maxLengths, lengthPenalty: options.lengthPenalty,
                                    noRepeatNgramSize: options.noRepeatNgramSize)
                : try Search.beam(decoder: decoder, starts: starts, end: vocabulary.endID, banned: banned, maxLengths: maxLengths,
                                  beam: options.beam, lengthPenalty: options.lengthPenalty,
                                  noRepeatNgramSize: options.noRepeatNgramSize)
            for (row, hypothesis) in zip(rows, hypotheses) {
                output[row] = try vocabulary.decode(Array(hypothesis.tokens.dropLast()))
            }
        }
        return output
    }
}
