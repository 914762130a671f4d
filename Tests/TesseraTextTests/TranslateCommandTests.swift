import Foundation
import Testing
import TesseraData
import TesseraModels
import TesseraText
import TesseraTensor

/// `tessera translate` end to end on a tiny random model: the output has one
/// line per input line whatever the model says, and bad input is refused
/// with a one-line error.
@Suite(.serialized) struct TranslateCommandTests {
    /// A directory with `model.safetensors`: a tiny random Transformer that
    /// carries a vocabulary trained on the sample (en, de, fr).
    static let fixture: Result<URL, Error> = Result {
        let directory = try TestSupport.fixtureDirectory("translate")
        let sample = TestSupport.repositoryRoot.appendingPathComponent("corpora/sample/train").path
        let corpus = try CorpusReader.readMoses(prefix: sample, languages: Language.parseList("en,de,fr", context: "test"))
        var options = VocabularyTrainer.Options()
        options.vocabularySize = 500
        options.sentences = 2000
        let report = try VocabularyTrainer.train(corpus: corpus, options: options, outputPrefix: directory.appendingPathComponent("spm").path)
        let vocabulary = try SentencePiece(path: report.modelPath)
        var config = TransformerConfig(vocabularySize: vocabulary.vocabularySize)
        (config.modelDimension, config.heads, config.feedForwardDimension) = (16, 2, 32)
        (config.encoderLayers, config.decoderLayers, config.maxPositions) = (1, 1, 64)
        for (name, kind) in [("model", #""dense""#), ("switch", #"{"switch": {"experts": 4, "every": 1}}"#)] {
            config.feedForwardKind = try JSONDecoder().decode(FeedForwardKind.self, from: Data(kind.utf8))
            let model = Transformer(config: config, languages: ["en", "de", "fr"], seed: 1)
            let file = ModelFile(config: config, languages: ["en", "de", "fr"], vocabulary: try vocabulary.serialized())
            try file.writer(parameters: model.parameters).write(to: directory.appendingPathComponent("\(name).safetensors").path)
        }
        return directory
    }

    private var model: String { get throws { try Self.fixture.get().appendingPathComponent("model.safetensors").path } }

    @Test(arguments: ["1", "3"])
    func oneLinePerInputLine(beam: String) throws {
        let input = "Hallo Welt\n\nDas ist ein Test.\n   \nZeile fünf\r\nohne Zeilenende"
        let output = try TestSupport.tessera(["translate", "--model", model, "--src", "de", "--tgt", "en", "--beam", beam,
                                              "--max-len-b", "8", "--batch-size", "2", "--buffer-size", "3"], input: Data(input.utf8))
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 7 && lines.last == "", "six lines and a final newline: \(lines)")
        #expect(lines[1] == "" && lines[3] == "", "empty (after normalization) input lines stay empty")
    }

    /// A line longer than the model's positions is cut, and stderr says which line.
    @Test func warnsWhenALineIsCut() throws {
        let long = Array(repeating: "Hallo Welt", count: 80).joined(separator: " ")
        let output = try TestSupport.tessera(["translate", "--model", model, "--src", "de", "--tgt", "en", "--beam", "1",
                                              "--max-len-b", "3"], input: Data("kurz\n\(long)\n".utf8))
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.text.split(separator: "\n", omittingEmptySubsequences: false).count == 3)
        let warnings = output.stderr.split(separator: "\n").filter { $0.contains("warning") }
        #expect(warnings.count == 1 && warnings[0].hasPrefix("tessera translate: <stdin>:2: warning: ")
                && warnings[0].hasSuffix("only the first 62 are translated (the model's max_positions)"), "\(output.stderr)")
    }

    @Test func tsvModeMixesDirections() throws {
        let input = "de\ten\tHallo\n\nen\tfr\tHello\n"
        let output = try TestSupport.tessera(["translate", "--model", model, "--tsv", "--beam", "1", "--max-len-b", "5"], input: Data(input.utf8))
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.text.split(separator: "\n", omittingEmptySubsequences: false).count == 4)
    }

    @Test func refusesBadInput() throws {
        let model = try model
        let unknown = try TestSupport.tessera(["translate", "--model", model, "--src", "de", "--tgt", "ja"], input: Data("x\n".utf8))
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "tessera translate: --tgt: the model does not know language 'ja' (it knows en, de, fr)\n")

        let notACode = try TestSupport.tessera(["translate", "--model", model, "--src", "xx", "--tgt", "en"], input: Data("x\n".utf8))
        #expect(notACode.status == 1)
        #expect(notACode.stderr.contains("unknown language code 'xx'"))

        var input = Data("eins\nzwei\n".utf8)
        input.append(contentsOf: [0x64, 0xFF, 0x0A])
        let invalid = try TestSupport.tessera(["translate", "--model", model, "--src", "de", "--tgt", "en", "--beam", "1",
                                               "--max-len-b", "3"], input: input)
        #expect(invalid.status == 1)
        #expect(invalid.stderr.hasPrefix("translate: "), "a first line names the engine: \(invalid.stderr)")
        #expect(invalid.stderr.hasSuffix("\ntessera translate: <stdin>:3: invalid UTF-8\n"))
        #expect(invalid.stderr.filter { $0 == "\n" }.count == 2, "the engine line and one error line")
        #expect(invalid.text.split(separator: "\n", omittingEmptySubsequences: false).count == 3, "the two good lines are written")

        let tsv = try TestSupport.tessera(["translate", "--model", model, "--tsv"], input: Data("de\ten\n".utf8))
        #expect(tsv.status == 1)
        #expect(tsv.stderr.hasSuffix("\ntessera translate: <stdin>:1: expected src<TAB>tgt<TAB>text, found 2 field(s)\n"))
        #expect(tsv.stderr.filter { $0 == "\n" }.count == 2, "the engine line and one error line")

        // A NUL in quoted input is shown, not the end of the message.
        let nul = try TestSupport.tessera(["translate", "--model", model, "--tsv"], input: Data("e\u{0}n\tde\tHallo\n".utf8))
        #expect(nul.status == 1)
        #expect(nul.stderr.hasSuffix("\ntessera translate: <stdin>:1: unknown language code 'e\\u{0}n' (expected an ISO 639 code such as en, de, ja)\n"))

        let both = try TestSupport.tessera(["translate", "--model", model, "--tsv", "--src", "de", "--tgt", "en"])
        #expect(both.status == 2)

        for (flags, message) in [(["--lenpen", "nan"], "option --lenpen: 'nan' is not a finite number"),
                                 (["--max-len-a", "-1"], "option --max-len-a: must be at least 0.0, not -1.0"),
                                 (["--max-len-b", "-2"], "option --max-len-b: must be at least 0, not -2"),
                                 (["--batch-size", "0"], "option --batch-size: must be at least 1, not 0"),
                                 (["--tgt", "de"], "--src and --tgt are both 'de'")] {
            let refused = try TestSupport.tessera(["translate", "--model", model, "--src", "de", "--tgt", "en"] + flags, input: Data("x\n".utf8))
            #expect(refused.status == 2 && refused.stderr.hasPrefix("tessera translate: \(message)\n"), "\(refused.stderr)")
        }
    }

    @Test func refusesTruncatedCorruptAndForeignModels() throws {
        let directory = try Self.fixture.get()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: try model))
        let cases: [(name: String, bytes: Data, message: String)] = [
            ("truncated.safetensors", bytes.prefix(bytes.count - 100), "truncated"),
            ("tiny.safetensors", bytes.prefix(4), "not a safetensors file"),
            ("text.safetensors", Data("just some text, not a model at all\n".utf8), "not a safetensors file"),
        ]
        for item in cases {
            let path = directory.appendingPathComponent(item.name).path
            try item.bytes.write(to: URL(fileURLWithPath: path))
            let output = try TestSupport.tessera(["translate", "--model", path, "--src", "de", "--tgt", "en"], input: Data("x\n".utf8))
            #expect(output.status == 1)
            #expect(output.stderr.hasPrefix("tessera translate: \(path): ") && output.stderr.contains(item.message), "\(output.stderr)")
            #expect(output.stderr.filter { $0 == "\n" }.count == 1, "one line")
        }
        // A valid safetensors file that is not a Tessera model.
        let binarized = directory.appendingPathComponent("corpus.safetensors").path
        let vocabulary = try SentencePiece(path: directory.appendingPathComponent("spm.model").path)
        try BinarizedCorpus.write(corpus: ParallelCorpus(languages: [try Language("en")], columns: [["hello"]]), vocabulary: vocabulary, to: binarized)
        let foreign = try TestSupport.tessera(["translate", "--model", binarized, "--src", "de", "--tgt", "en"], input: Data("x\n".utf8))
        #expect(foreign.status == 1)
        #expect(foreign.stderr == "tessera translate: \(binarized): not a Tessera model (no tessera-model-1 metadata)\n")

        // One NaN weight: refused at load, not 200 "⁇" per line with exit 0.
        let (file, _) = try ModelFile.open(path: try model)
        let broken = Transformer(config: file.config, languages: file.languages, seed: 1)
        let embedding = try #require(broken.parameters.first { $0.name == "encoder.embed_tokens.weight" })
        embedding.value[37] = .nan
        let nan = directory.appendingPathComponent("nan.safetensors").path
        try file.writer(parameters: broken.parameters).write(to: nan)
        let refused = try TestSupport.tessera(["translate", "--model", nan, "--src", "de", "--tgt", "en"], input: Data("x\n".utf8))
        #expect(refused.status == 1)
        #expect(refused.stderr == "tessera translate: \(nan): tensor 'encoder.embed_tokens.weight' holds nan at index 37; the model is unusable\n")
    }

    @Test func inspectCountsParametersAndRoutesText() throws {
        let path = try Self.fixture.get().appendingPathComponent("switch.safetensors").path
        let output = try TestSupport.tessera(["inspect", "--model", path, "--src", "de", "--tgt", "en"],
                                             input: Data("Hallo Welt\nDas ist ein Test\n".utf8))
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.text.split(separator: "\n").map(String.init)
        let counts = try #require(lines.first { $0.hasPrefix("parameters: ") })
        let numbers = counts.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        #expect(numbers.count == 3 && numbers[2] < numbers[0], "active per token < training: \(counts)")
        #expect(lines.contains { $0.hasPrefix("  encoder.layers.0.moe_layer") || $0.contains("encoder.layers.0") && $0.contains(".moe.load") })
        #expect(lines.contains { $0.contains("decoder.layers.0") && $0.contains(".moe.dropped") })

        let dense = try TestSupport.tessera(["inspect", "--model", try model])
        #expect(dense.status == 0)
        #expect(dense.text.contains("parameters: training "))
        let route = try TestSupport.tessera(["inspect", "--model", try model, "--route", "shared"])
        #expect(route.status == 2, "a dense model has no shared route")
    }

    /// With a buffer of two lines, the first translations arrive while stdin is still open.
    @Test func streamsBeforeEndOfInput() throws {
        let process = Process()
        process.executableURL = TestSupport.tesseraBinary
        process.arguments = ["translate", "--model", try model, "--src", "de", "--tgt", "en", "--beam", "1", "--max-len-b", "3",
                             "--buffer-size", "2"]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        stdin.fileHandleForWriting.write(Data("eins\nzwei\n".utf8))
        // Read on another thread so a broken stream fails the test instead of hanging it.
        let twoLines = DispatchSemaphore(value: 0)
        let reader = stdout.fileHandleForReading
        Thread {
            var newlines = 0
            while newlines < 2 {
                let chunk = reader.availableData
                if chunk.isEmpty { return }
                newlines += chunk.filter { $0 == 0x0A }.count
            }
            twoLines.signal()
        }.start()
        let arrived = twoLines.wait(timeout: .now() + 60) == .success
        #expect(arrived, "two lines of output before EOF")
        if !arrived { process.terminate() }
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
