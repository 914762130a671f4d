import TesseraData
import TesseraText

/// The corpus options shared by commands that read parallel data.
enum CorpusOptions {
    static let spec: [String: Arguments.Kind] = ["--input": .value, "--tsv": .value, "--langs": .value]

    static let help = """
          --input PREFIX       Moses-style corpus: PREFIX.en, PREFIX.de, … (line-aligned)
          --tsv FILE           TSV corpus whose header row names the languages
          --langs LIST         languages to use, e.g. en,de,fr (default: all found)
        """

    static func load(_ options: Arguments) throws -> ParallelCorpus {
        let languages = try options.string("--langs").map { try Language.parseList($0, context: "--langs") }
        switch (options.string("--input"), options.string("--tsv")) {
        case let (prefix?, nil):
            return try CorpusReader.readMoses(prefix: prefix, languages: languages)
        case let (nil, path?):
            let full = try CorpusReader.readTSV(path: path)
            return try languages.map { try full.selecting($0, context: path) } ?? full
        default:
            throw UsageError(message: "give exactly one of --input PREFIX or --tsv FILE")
        }
    }
}
