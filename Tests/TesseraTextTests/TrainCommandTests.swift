import Foundation
import Testing

/// `tessera train` as a job scheduler sees it: SIGTERM (or Ctrl-C's SIGINT) stops
/// training between updates with a saved checkpoint that `--resume` continues.
@Suite(.serialized) struct TrainCommandTests {
    /// A vocabulary size the corpus cannot give and a language the vocabulary has no tag for
    /// are refused in Tessera's terms (SentencePiece's message names its own flags).
    @Test func corpusCommandsRefuseWhatTrainingCouldNotUse() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sample = TestSupport.repositoryRoot.appendingPathComponent("corpora/sample").path
        let vocab = ["vocab", "--input", sample + "/train", "--langs", "en,de", "-o", directory.path + "/spm", "--sentences", "2000"]
        let large = try TestSupport.tessera(vocab + ["--vocab-size", "100000"])
        #expect(large.status == 1 && large.stderr.contains("--vocab-size: 100000 is too large: this corpus gives at most"), "\(large.stderr)")
        let small = try TestSupport.tessera(vocab + ["--vocab-size", "50"])
        #expect(small.status == 1 && small.stderr.contains("--vocab-size: 50 is too small: "), "\(small.stderr)")
        #expect(try TestSupport.tessera(vocab + ["--vocab-size", "500"]).status == 0)
        let untagged = try TestSupport.tessera(["binarize", "--input", "\(sample)/valid", "--langs", "en,fr", "--vocab",
                                                directory.path + "/spm.model", "-o", "\(directory.path)/valid.safetensors"])
        #expect(untagged.status == 1)
        #expect(untagged.stderr == "tessera binarize: \(directory.path)/spm.model: has no tag __fr__; train the vocabulary with 'fr' in the corpus\n")
        #expect(!FileManager.default.fileExists(atPath: "\(directory.path)/valid.safetensors"))
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func stopSignalSavesTheCheckpoint(stopSignal: Int32) throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sample = TestSupport.repositoryRoot.appendingPathComponent("corpora/sample").path
        let vocab = try TestSupport.tessera(["vocab", "--input", sample + "/train", "--langs", "en,de", "-o", directory.path + "/spm",
                                             "--vocab-size", "500", "--sentences", "2000"])
        #expect(vocab.status == 0, "\(vocab.stderr)")
        for split in ["train", "valid"] {
            let binarized = try TestSupport.tessera(["binarize", "--input", "\(sample)/\(split)", "--langs", "en,de", "--vocab",
                                                     directory.path + "/spm.model", "-o", "\(directory.path)/\(split).safetensors"])
            #expect(binarized.status == 0, "\(binarized.stderr)")
        }
        let recipe = """
            {"data": {"train": "train.safetensors", "valid": "valid.safetensors", "vocab": "spm.model", "langs": ["en", "de"],
                      "max_tokens": 200, "max_length": 60},
             "model": {"embed_dim": 16, "attention_heads": 2, "ffn_embed_dim": 32, "encoder_layers": 1, "decoder_layers": 1,
                       "max_positions": 64},
             "optimization": {"lr": 0.001, "warmup_updates": 10, "max_update": 1000000},
             "schedule": {"save_dir": "run", "log_interval": 1, "validate_interval_updates": 1000000, "valid_sentences": 2}}
            """
        try recipe.write(to: directory.appendingPathComponent("recipe.json"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = TestSupport.tesseraBinary
        process.arguments = ["train", "--recipe", "recipe.json"]
        process.currentDirectoryURL = directory
        let stderr = Pipe()
        process.standardError = stderr
        try process.run()
        let messages = ErrorCollector(stderr.fileHandleForReading)
        let log = directory.appendingPathComponent("run/train.jsonl").path
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline && ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").isEmpty {
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, stopSignal)
        let stopDeadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < stopDeadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!process.isRunning, "still training 60 s after the signal")
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let message = messages.wait()
        #expect(process.terminationStatus == 128 + stopSignal, "\(message)")
        #expect(message.contains("stopped (interrupted) at update"), "\(message)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("run/checkpoint_last.safetensors").path))
    }
}
