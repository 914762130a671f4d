import Foundation
import TesseraData
import TesseraDecoding
import TesseraMetrics
import TesseraModels
import TesseraTensor
import TesseraText
import TesseraTranslation

/// Validation on a fixed sample of the valid split: per-token loss over the
/// validation directions, and greedy-decoding BLEU (sacreBLEU's 13a BLEU,
/// through TesseraMetrics) against the reference text.
struct Validation {
    struct Report {
        /// Mean negative log-likelihood per target token (no label smoothing).
        var loss: Double
        var bleu: [(direction: Direction, score: Double)]

        var bleuSummary: String {
            guard !bleu.isEmpty else { return "n/a" }
            let mean = bleu.map(\.score).reduce(0, +) / Double(bleu.count)
            return String(format: "%.2f", mean) + " (" + bleu.map { String(format: "%@ %.1f", $0.direction.description, $0.score) }
                .joined(separator: ", ") + ")"
        }
    }

    let directions: [Direction]
    /// The model's languages, in the order feed-forward contexts index them.
    let languages: [Language]
    let vocabulary: SentencePiece
    let tags: [Language: Int32]
    /// Per direction: rows as (source ids, target ids, reference text).
    let samples: [[(source: [Int32], target: [Int32], reference: String)]]

    /// Samples the first `sentences` rows of each direction that training could see: both
    /// sides within `maxLength` once tagged as BatchSampler counts them, so every row fits
    /// the model's positions.
    init(corpus: BinarizedCorpus, directions: [Direction], languages: [Language], sentences: Int, maxLength: Int,
         vocabulary: SentencePiece, tags: [Language: Int32]) throws {
        self.directions = directions
        self.languages = languages
        self.vocabulary = vocabulary
        self.tags = tags
        var samples: [[(source: [Int32], target: [Int32], reference: String)]] = []
        for direction in directions {
            var rows: [(source: [Int32], target: [Int32], reference: String)] = []
            for row in 0..<corpus.rowCount where rows.count < sentences {
                let source = try corpus.tokens(direction.source, row: row), target = try corpus.tokens(direction.target, row: row)
                guard !source.isEmpty && !target.isEmpty && source.count + 2 <= maxLength && target.count + 1 <= maxLength else { continue }
                rows.append((source, target, try vocabulary.decode(target)))
            }
            samples.append(rows)
        }
        self.samples = samples
    }

    func run(model: Transformer) throws -> Report {
        let g = Graph()
        g.isTraining = false
        var nll = 0.0, tokens = 0
        var bleu: [(direction: Direction, score: Double)] = []
        let translator = try Translator(model: model, vocabulary: vocabulary, languages: languages)
        for (direction, rows) in zip(directions, samples) where !rows.isEmpty {
            let tag = tags[direction.target]!, end = vocabulary.endID, pad = model.config.paddingID
            for start in stride(from: 0, to: rows.count, by: 32) {
                let chunk = rows[start..<min(start + 32, rows.count)]
                g.reset()
                let context = FeedForwardContext(source: languages.firstIndex(of: direction.source)!,
                                                 target: languages.firstIndex(of: direction.target)!)
                let result = g.withoutGrad {
                    model.loss(g, source: TokenBatch(chunk.map { translator.sourceTokens($0.source, tag: tag) }, paddingID: pad),
                               decoderInput: TokenBatch(chunk.map { [tag] + $0.target }, paddingID: pad),
                               targets: TokenBatch(chunk.map { $0.target + [end] }, paddingID: pad), labelSmoothing: 0,
                               context: context)
                }
                nll += result.nllSum
                tokens += result.tokens
            }
            var search = SearchOptions()
            search.beam = 1
            search.maxLengthA = 1.5
            search.maxLengthB = 10
            let hypotheses = try translator.translate(encodedSources: rows.map(\.source), source: direction.source,
                                                      target: direction.target, options: search)
            let score = try BLEU().corpusScore(hypotheses: hypotheses, references: [rows.map(\.reference)]).score
            bleu.append((direction, score))
        }
        return Report(loss: nll / Double(max(tokens, 1)), bleu: bleu)
    }
}
