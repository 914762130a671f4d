import TesseraData
import TesseraText

enum VocabCommand: Command {
    static let name = "vocab"
    static let summary = "train the joint SentencePiece vocabulary with language tags"
    static let usage = """
        usage: tessera vocab (--input PREFIX | --tsv FILE) -o PREFIX [options]

        Trains one SentencePiece unigram model over every language of a corpus:
        sentences are drawn per language with temperature sampling so small
        languages still get their pieces, normalized as `tessera normalize` does,
        and trained with byte fallback (no unknown pieces) and one `__xx__` tag
        per language. Writes PREFIX.model and PREFIX.vocab.

        options:
        \(CorpusOptions.help)
          -o, --output PREFIX  where to write PREFIX.model and PREFIX.vocab
          --vocab-size N       vocabulary size (default 8000)
          --temperature T      language sampling temperature (default 5)
          --sentences N        sentences drawn in total (default 200000)
          --seed N             sampling seed (default 1)
          --character-coverage F  SentencePiece character coverage (default 0.9995)
        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try Arguments(arguments, options: CorpusOptions.spec.merging([
            "--output": .value, "--vocab-size": .value, "--temperature": .value, "--sentences": .value,
            "--seed": .value, "--character-coverage": .value,
        ]) { $1 }, aliases: ["-o": "--output"])
        guard options.positional.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positional[0])'") }
        let output = try options.required("--output")
        let corpus = try CorpusOptions.load(options)
        var settings = VocabularyTrainer.Options()
        settings.vocabularySize = try options.number("--vocab-size", default: settings.vocabularySize)
        settings.temperature = try options.number("--temperature", default: settings.temperature)
        settings.sentences = try options.number("--sentences", default: settings.sentences)
        settings.seed = try options.number("--seed", default: settings.seed)
        settings.characterCoverage = try options.number("--character-coverage", default: settings.characterCoverage)
        guard settings.vocabularySize > corpus.languages.count + 4, settings.temperature > 0, settings.sentences > 0 else {
            throw UsageError(message: "--vocab-size, --temperature and --sentences must be positive (and the vocabulary larger than the tags)")
        }
        let report = try VocabularyTrainer.train(corpus: corpus, options: settings, outputPrefix: output) {
            printError($0)
        }
        printError("vocab: wrote \(report.modelPath) (\(settings.vocabularySize) pieces, \(corpus.languages.count) language tags) in \(String(format: "%.1f", report.seconds)) s")
        return 0
    }
}
