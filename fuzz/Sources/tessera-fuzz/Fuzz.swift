import Foundation
import TesseraData
import TesseraIO
import TesseraMetrics
import TesseraModels
import TesseraText
import TesseraTraining

/// One libFuzzer entry for every parser a user's file reaches; FUZZ_TARGET picks which.
/// Errors are the expected answer to bad input: only a crash, a sanitizer report, a leak
/// or a hang is a finding.
enum Target: String, CaseIterable {
    case safetensors, recipe, moses, tsv, metrics, normalize, translateInput = "translate-input"
}

let target: Target = {
    guard let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"], let target = Target(rawValue: name) else {
        fatalError("set FUZZ_TARGET to one of: \(Target.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return target
}()

/// Parsers that take paths read the input from a scratch file of this process.
let scratch: String = {
    let directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let path = "\(directory)/tessera-fuzz-\(getpid())"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

func write(_ bytes: some Collection<UInt8>, to name: String) -> String {
    let path = scratch + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}

/// The input cut at NUL bytes into at most `count` parts (the rest stays in the last).
func parts(_ bytes: UnsafeBufferPointer<UInt8>, _ count: Int) -> [ArraySlice<UInt8>] {
    Array(bytes).split(separator: 0, maxSplits: count - 1, omittingEmptySubsequences: false)
}

/// sacreBLEU option sets, as recipes/bleu_fuzz.py runs them; the first input byte picks one.
let metricOptions: [[String]] = [
    ["-m", "bleu", "chrf", "ter"], ["-m", "bleu", "-tok", "intl", "-sl", "-lc"], ["-m", "bleu", "-tok", "zh", "-s", "floor"],
    ["-m", "bleu", "-tok", "char", "-s", "add-k", "-sl"], ["-m", "bleu", "-tok", "ja-mecab"], ["-m", "bleu", "-tok", "none", "-s", "none"],
    ["-m", "chrf", "-cw", "2", "-sl"], ["-m", "chrf", "--chrf-whitespace", "--chrf-eps-smoothing", "-sl"],
    ["-m", "ter", "-sl"], ["-m", "ter", "--ter-normalized", "-sl"], ["-m", "ter", "--ter-no-punct", "--ter-case-sensitive"],
    ["-m", "ter", "--ter-normalized", "--ter-asian-support", "--ter-no-punct", "-sl"], ["-m", "bleu", "chrf", "-nr", "2"],
]

let vocabulary: SentencePiece = {
    guard let path = ProcessInfo.processInfo.environment["FUZZ_VOCAB"] else { fatalError("set FUZZ_VOCAB to a SentencePiece model") }
    return try! SentencePiece(path: path)
}()

/// One input, as libFuzzer's driver calls it (main.swift hands it over).
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    switch target {
    case .safetensors:
        guard let file = try? Safetensors.File(path: write(bytes, to: "t.safetensors")) else { return 0 }
        for name in file.names {
            _ = try? file.withValues(name, as: Float.self, dtype: .f32) { $0.reduce(0, +) }
        }
        _ = try? ModelFile.open(path: file.path)
    case .recipe:
        guard let recipe = try? Recipe.load(path: write(bytes, to: "recipe.json")) else { return 0 }
        _ = try? recipe.transformerConfig(vocabularySize: 1000)
    case .moses:
        let files = parts(bytes, 3)
        for (language, part) in zip(["en", "de", "fr"], files) { _ = write(part, to: "corpus.\(language)") }
        _ = try? CorpusReader.readMoses(prefix: scratch + "/corpus", languages: Array(Language.parseList("en,de,fr", context: "fuzz").prefix(files.count)))
    case .tsv:
        _ = try? CorpusReader.readTSV(path: write(bytes, to: "corpus.tsv"))
    case .metrics:
        guard let first = bytes.first else { return 0 }
        let files = parts(UnsafeBufferPointer(rebasing: bytes.dropFirst()), 2)
        let reference = write(files[0], to: "ref"), hypothesis = write(files.count > 1 ? files[1] : [], to: "hyp")
        _ = BleuCommand.run(arguments: [reference, "-i", hypothesis] + metricOptions[Int(first) % metricOptions.count],
                            standardInput: .nullDevice, output: { _ in }, errors: { _ in })
    case .normalize:
        if let normalized = try? Normalizer.normalize(utf8: bytes) {
            // Normalizing is idempotent: a second pass changes nothing.
            let again = normalized.withUnsafeBufferPointer { try? Normalizer.normalize(utf8: $0) }
            precondition(again == normalized, "normalize is not idempotent")
        }
    case .translateInput:
        // translate's path up to the model: lines, UTF-8, TSV fields, language codes,
        // normalization, encoding; decoding must give one line back.
        guard let reader = try? LineReader(path: write(bytes, to: "input")) else { return 0 }
        try? reader.forEachLine { line, number in
            guard let text = String(validating: line, as: UTF8.self) else { return }
            let fields = text.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3 { _ = try? Language(String(fields[0]), context: "<stdin>:\(number)") }
            let ids = try vocabulary.encode(Normalizer.normalize(String(fields.last ?? "")))
            let decoded = try vocabulary.decode(ids)
            precondition(!decoded.contains { $0.isNewline }, "decoded text breaks the line")
        }
    }
    return 0
}
