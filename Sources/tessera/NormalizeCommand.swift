import TesseraText

enum NormalizeCommand: Command {
    static let name = "normalize"
    static let summary = "normalize text from stdin: NFKC, no control/zero-width chars, collapsed spaces"
    static let usage = """
        usage: tessera normalize [-i FILE] < in > out

        Streams text to stdout, one output line per input line (empty lines stay
        empty): ICU NFKC, control and format (zero-width) characters removed,
        whitespace collapsed to single spaces and trimmed. Invalid UTF-8 stops
        with an error naming the line; the lines before it are written.

        options:
          -i, --input FILE   read FILE instead of stdin
        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try Arguments(arguments, options: ["--input": .value], aliases: ["-i": "--input"])
        guard options.positional.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positional[0])'") }
        let reader = try options.string("--input").map { try LineReader(path: $0) } ?? LineReader(standardInputNamed: "<stdin>")
        let name = reader.name
        try ParallelLineMap.run(reader: reader, writer: LineWriter()) { bytes, line in
            try Normalizer.normalize(utf8: bytes, file: name, line: line)
        }
        return 0
    }
}
