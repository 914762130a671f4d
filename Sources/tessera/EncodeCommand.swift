import TesseraIO
import TesseraText

enum EncodeCommand: Command {
    static let name = "encode"
    static let summary = "normalize and encode text from stdin with a Tessera vocabulary"
    static let usage = """
        usage: tessera encode --vocab MODEL [--pieces] [-i FILE] < in > out

        Normalizes each line as `tessera normalize` does, then encodes it with the
        SentencePiece model: space-separated ids (default) or pieces. One output
        line per input line; an empty line gives an empty line.

        options:
          --vocab MODEL      SentencePiece model written by `tessera vocab`
          --pieces           print pieces instead of ids
          -i, --input FILE   read FILE instead of stdin
        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try Arguments(arguments, options: ["--vocab": .value, "--pieces": .flag, "--input": .value],
                                    aliases: ["-i": "--input"])
        guard options.positional.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positional[0])'") }
        let model = try SentencePiece(path: options.required("--vocab"))
        let pieces = options.has("--pieces")
        let reader = try options.string("--input").map { try LineReader(path: $0) } ?? LineReader(standardInputNamed: "<stdin>")
        let name = reader.name
        try ParallelLineMap.run(reader: reader, writer: LineWriter()) { bytes, line in
            let text = String(decoding: try Normalizer.normalize(utf8: bytes, file: name, line: line), as: UTF8.self)
            let tokens = pieces ? try model.encodePieces(text) : try model.encode(text).map { String($0) }
            return Array(tokens.joined(separator: " ").utf8)
        }
        return 0
    }
}

enum DecodeCommand: Command {
    static let name = "decode"
    static let summary = "decode space-separated ids from stdin back to text"
    static let usage = """
        usage: tessera decode --vocab MODEL [-i FILE] < ids > text

        Reads one line of space-separated ids per sentence (as `tessera encode`
        writes them) and prints the text. An id outside the vocabulary is an
        error naming the line.

        options:
          --vocab MODEL      SentencePiece model written by `tessera vocab`
          -i, --input FILE   read FILE instead of stdin
        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try Arguments(arguments, options: ["--vocab": .value, "--input": .value], aliases: ["-i": "--input"])
        guard options.positional.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positional[0])'") }
        let model = try SentencePiece(path: options.required("--vocab"))
        let size = model.vocabularySize
        let reader = try options.string("--input").map { try LineReader(path: $0) } ?? LineReader(standardInputNamed: "<stdin>")
        let name = reader.name
        try ParallelLineMap.run(reader: reader, writer: LineWriter()) { bytes, line in
            var ids: [Int32] = []
            for field in bytes.split(separator: UInt8(ascii: " ")) {
                guard let id = Int32(String(decoding: field, as: UTF8.self)), id >= 0, Int(id) < size else {
                    throw InputError(file: name, line: line,
                                    message: "'\(String(decoding: field, as: UTF8.self))' is not an id of this vocabulary (0..<\(size))")
                }
                ids.append(id)
            }
            return Array(try model.decode(ids).utf8)
        }
        return 0
    }
}
