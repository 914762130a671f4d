import Foundation
import TesseraData
import TesseraIO
import TesseraModels
import TesseraText
import TesseraTranslation

enum InspectCommand: Command {
    static let name = "inspect"
    static let summary = "parameter counts, and per-language routing of MoE layers on given text"
    static let usage = """
        usage: tessera inspect --model CKPT [--src xx --tgt yy < text]

        Prints the model's configuration and parameter counts for training and
        for inference. With --src and --tgt, also translates the text on stdin
        and prints, for every mixture-of-experts layer, the expert load, the
        fraction of dropped tokens and (SMoE) the mean FFN steps per token, for
        the source side (encoder) and the translations (decoder).

        options:
          --model CKPT          a Tessera checkpoint
          --src xx, --tgt yy    the direction of the text on stdin
          --route ls|shared     LMS+FD models: which route to inspect (default ls)
        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try Arguments(arguments, options: ["--model": .value, "--src": .value, "--tgt": .value, "--route": .value])
        guard options.positional.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positional[0])'") }
        let path = try options.required("--model")
        let translator = try TranslateCommand.loadTranslator(path: path)
        try TranslateCommand.applyRoute(options.string("--route"), to: translator)
        let model = translator.model
        let kind = String(decoding: try JSONEncoder().encode(model.config.feedForwardKind), as: UTF8.self)
        print("model: \(path)")
        print("languages: \(translator.languages.map(\.code).joined(separator: ", "))")
        print("layers: \(model.config.encoderLayers)+\(model.config.decoderLayers), d=\(model.config.modelDimension), ffn=\(model.config.feedForwardDimension), ffn_kind: \(kind)")
        let counts = Inspection.parameterCounts(model)
        print("parameters: training \(counts.training), inference \(counts.inference)"
              + (counts.activePerToken.map { ", active per token \($0)" } ?? ""))
        guard let src = options.string("--src"), let tgt = options.string("--tgt") else {
            guard options.string("--src") == nil && options.string("--tgt") == nil else { throw UsageError(message: "give both --src and --tgt") }
            return 0
        }
        let source = try TranslateCommand.knownLanguage(src, translator, "--src")
        let target = try TranslateCommand.knownLanguage(tgt, translator, "--tgt")
        var sentences: [String] = []
        try LineReader(standardInputNamed: "<stdin>").forEachLine { bytes, number in
            guard let line = String(validating: bytes, as: UTF8.self) else {
                throw InputError(file: "<stdin>", line: number, message: "invalid UTF-8")
            }
            sentences.append(line)
        }
        let statistics = try Inspection.routing(translator: translator, sentences: sentences, source: source, target: target)
        guard !statistics.isEmpty else {
            print("routing: no mixture-of-experts layers (or no text)")
            return 0
        }
        print("routing \(source.code)-\(target.code) over \(sentences.count) sentences:")
        for key in statistics.keys.sorted() {
            print("  \(key): " + statistics[key]!.map { String(format: "%.3f", $0) }.joined(separator: " "))
        }
        return 0
    }
}
