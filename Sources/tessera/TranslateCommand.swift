import Foundation
import TesseraData
import TesseraDecoding
import TesseraIO
import TesseraModels
import TesseraTensor
import TesseraText
import TesseraTranslation

enum TranslateCommand: Command {
    static let name = "translate"
    static let summary = "translate stdin to stdout, one output line per input line"
    static let usage = """
        usage: tessera translate --model CKPT --src xx --tgt yy [options] < in > out
               tessera translate --model CKPT --tsv [options] < in.tsv > out

        Normalizes, encodes and translates each input line; prints exactly one
        line per input line, in input order (an empty line gives an empty line).
        Lines are read --buffer-size at a time, sorted by length and decoded in
        batches, so output starts before the end of a long input.

        options:
          --model CKPT          a Tessera checkpoint (checkpoint_best.safetensors, …)
          --src xx, --tgt yy    source and target language of every line
          --tsv                 per-line languages instead: each line is
                                src<TAB>tgt<TAB>text (the output is the translation only)
          --beam N              beam size (default 5; 1 = greedy)
          --lenpen X            length penalty: score / length^X (default 1.0)
          --max-len-a X, --max-len-b N
                                output at most X·source length + N tokens (default 0, 200)
          --no-repeat-ngram-size N
                                no n-gram of N output tokens twice (default 0: off)
          --batch-size N        sentences per decoding batch (default 32)
          --buffer-size N       lines read before translating (default 256)
          --route ls|shared     LMS+FD models: language-specific factors (FD-LS, default)
                                or the shared slot (FD-Share)
        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try Arguments(arguments, options: [
            "--model": .value, "--src": .value, "--tgt": .value, "--tsv": .flag, "--beam": .value, "--lenpen": .value,
            "--max-len-a": .value, "--max-len-b": .value, "--batch-size": .value, "--buffer-size": .value, "--route": .value,
            "--no-repeat-ngram-size": .value,
        ])
        guard options.positional.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positional[0])'") }
        var search = SearchOptions()
        search.beam = try options.number("--beam", default: search.beam, atLeast: 1)
        search.lengthPenalty = try options.number("--lenpen", default: search.lengthPenalty)
        search.maxLengthA = try options.number("--max-len-a", default: search.maxLengthA, atLeast: 0)
        search.maxLengthB = try options.number("--max-len-b", default: search.maxLengthB, atLeast: 0)
        search.noRepeatNgramSize = try options.number("--no-repeat-ngram-size", default: search.noRepeatNgramSize, atLeast: 0)
        let batchSize = try options.number("--batch-size", default: 32, atLeast: 1)
        let bufferSize = try options.number("--buffer-size", default: 256, atLeast: 1)
        let tsv = options.has("--tsv")
        guard tsv == (options.string("--tgt") == nil) else {
            throw UsageError(message: "give --src and --tgt, or --tsv")
        }
        let translator = try loadTranslator(path: options.required("--model"))
        try applyRoute(options.string("--route"), to: translator)
        // Languages given once are checked before reading any input.
        let fixed = try options.string("--tgt").map { target in
            let direction = Direction(source: try knownLanguage(options.required("--src"), translator, "--src"),
                                      target: try knownLanguage(target, translator, "--tgt"))
            // The model never trained on a language into itself (--tsv refuses it too).
            guard direction.source != direction.target else {
                throw UsageError(message: "--src and --tgt are both '\(target)'")
            }
            return direction
        }

        // After the checks above, so that a refused command prints its one error line only.
        printError("translate: \(translator.model.parameterCount) parameters, beam \(search.beam); \(Engine.summary)")
        let reader = LineReader(standardInputNamed: "<stdin>")
        let writer = LineWriter()
        // Empty TSV lines have no direction and give empty output lines.
        var pending: [(direction: Direction?, text: String, line: Int)] = []
        func flush() throws {
            // One decoding pass per direction; output keeps input order.
            var output = [String](repeating: "", count: pending.count)
            for direction in Set(pending.compactMap(\.direction)).sorted() {
                let indices = pending.indices.filter { pending[$0].direction == direction }
                let encoded = try indices.map { index in
                    let ids = try translator.encode(pending[index].text)
                    if ids.count > translator.maxSourceTokens {
                        printError("tessera translate: <stdin>:\(pending[index].line): warning: \(ids.count) tokens; "
                                   + "only the first \(translator.maxSourceTokens) are translated (the model's max_positions)")
                    }
                    return ids
                }
                let translations = try translator.translate(encodedSources: encoded, source: direction.source,
                                                            target: direction.target, options: search, batchSize: batchSize)
                for (index, translation) in zip(indices, translations) { output[index] = translation }
            }
            output.forEach(writer.writeLine)
            writer.flush()
            pending.removeAll(keepingCapacity: true)
        }
        try reader.forEachLine { bytes, number in
            guard let line = String(validating: bytes, as: UTF8.self) else {
                try flush()
                throw InputError(file: "<stdin>", line: number, message: "invalid UTF-8")
            }
            if let fixed {
                pending.append((fixed, line, number))
            } else if line.isEmpty {
                pending.append((nil, "", number))
            } else {
                let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
                guard fields.count == 3 else {
                    try flush()
                    throw InputError(file: "<stdin>", line: number, message: "expected src<TAB>tgt<TAB>text, found \(fields.count) field(s)")
                }
                let context = "<stdin>:\(number)"
                let source = try knownLanguage(String(fields[0]), translator, context)
                let target = try knownLanguage(String(fields[1]), translator, context)
                guard source != target else { throw InputError(file: context, message: "source and target are both '\(source.code)'") }
                pending.append((Direction(source: source, target: target), String(fields[2]), number))
            }
            if pending.count >= bufferSize { try flush() }
        }
        try flush()
        return 0
    }

    /// `--route ls|shared`: the shared route exists only in Fuse Distillation models.
    static func applyRoute(_ route: String?, to translator: Translator) throws {
        switch route ?? "ls" {
        case "ls": translator.route = .languageSpecific
        case "shared":
            guard translator.model.config.feedForwardKind.fuseDistillation != nil else {
                throw UsageError(message: "--route shared needs a model trained with Fuse Distillation (ffn_kind lms_fd or ffn_fd)")
            }
            translator.route = .shared
        case let other: throw UsageError(message: "--route must be ls or shared, not '\(other)'")
        }
    }

    static func loadTranslator(path: String) throws -> Translator {
        let (file, tensors) = try ModelFile.open(path: path)
        let model = Transformer(config: file.config, languages: file.languages, seed: 0)
        try ModelFile.load(model.parameters, from: tensors)
        let vocabulary = try SentencePiece(serialized: file.vocabulary)
        let languages = try file.languages.map { try Language($0, context: path) }
        return try Translator(model: model, vocabulary: vocabulary, languages: languages)
    }

    /// A language the model was trained on; the error names the known ones.
    static func knownLanguage(_ code: String, _ translator: Translator, _ context: String) throws -> Language {
        let language = try Language(code, context: context)
        _ = try translator.index(of: language, context: context)
        return language
    }
}
