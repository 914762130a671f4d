import Foundation
import TesseraData
import TesseraIO
import TesseraText

enum BinarizeCommand: Command {
    static let name = "binarize"
    static let summary = "encode a corpus split once into a memory-mapped file of token ids"
    static let usage = """
        usage: tessera binarize (--input PREFIX | --tsv FILE) --vocab MODEL -o FILE.safetensors

        Normalizes and encodes every row of every language with the joint
        vocabulary and writes the ids as safetensors (`<lang>.offsets`,
        `<lang>.tokens`), which training memory-maps.

        options:
        \(CorpusOptions.help)
          --vocab MODEL        SentencePiece model written by `tessera vocab`
          -o, --output FILE    the binarized file to write
        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try Arguments(arguments, options: CorpusOptions.spec.merging(["--vocab": .value, "--output": .value]) { $1 },
                                    aliases: ["-o": "--output"])
        guard options.positional.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positional[0])'") }
        let output = try options.required("--output")
        let vocabularyPath = try options.required("--vocab")
        let vocabulary = try SentencePiece(path: vocabularyPath)
        let start = Date()
        let corpus = try CorpusOptions.load(options)
        // Training needs the target tag; without it this file could never be trained on.
        for language in corpus.languages where vocabulary.id(of: language.tag) == nil {
            throw InputError(file: vocabularyPath, message: "has no tag \(language.tag); train the vocabulary with '\(language.code)' in the corpus")
        }
        try BinarizedCorpus.write(corpus: corpus, vocabulary: vocabulary, to: output)
        let counts = corpus.segmentCounts()
        printError("binarize: wrote \(output): \(corpus.rowCount) rows, " +
                   corpus.languages.map { "\($0.code) \(counts[$0] ?? 0)" }.joined(separator: ", ") +
                   String(format: " segments in %.1f s", Date().timeIntervalSince(start)))
        return 0
    }
}
