import Foundation
import Testing
import TesseraIO

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

    /// A directory with a tiny en-de vocabulary, binarized train/valid splits and `recipe.json`
    /// (a 1-layer model saving into `run`).
    static func trainingDirectory(maxUpdate: Int, saveInterval: Int?, logInterval: Int) throws -> URL {
        let directory = try TestSupport.temporaryDirectory()
        let sample = TestSupport.repositoryRoot.appendingPathComponent("corpora/sample").path
        let vocab = try TestSupport.tessera(["vocab", "--input", sample + "/train", "--langs", "en,de", "-o", directory.path + "/spm",
                                             "--vocab-size", "500", "--sentences", "2000"])
        #expect(vocab.status == 0, "\(vocab.stderr)")
        for split in ["train", "valid"] {
            let binarized = try TestSupport.tessera(["binarize", "--input", "\(sample)/\(split)", "--langs", "en,de", "--vocab",
                                                     directory.path + "/spm.model", "-o", "\(directory.path)/\(split).safetensors"])
            #expect(binarized.status == 0, "\(binarized.stderr)")
        }
        let save = saveInterval.map { #", "save_interval_updates": \#($0)"# } ?? ""
        let recipe = """
            {"data": {"train": "train.safetensors", "valid": "valid.safetensors", "vocab": "spm.model", "langs": ["en", "de"],
                      "max_tokens": 200, "max_length": 60},
             "model": {"embed_dim": 16, "attention_heads": 2, "ffn_embed_dim": 32, "encoder_layers": 1, "decoder_layers": 1,
                       "max_positions": 64},
             "optimization": {"lr": 0.001, "warmup_updates": 10, "max_update": \(maxUpdate)},
             "schedule": {"save_dir": "run", "log_interval": \(logInterval), "validate_interval_updates": 1000000, "valid_sentences": 2\(save)}}
            """
        try recipe.write(to: directory.appendingPathComponent("recipe.json"), atomically: true, encoding: .utf8)
        return directory
    }

    /// A save that cannot be written (here a file-size limit; a full disk fails the same way)
    /// stops training with a one-line error and leaves the previous checkpoint as it was.
    @Test func failedSaveKeepsThePreviousCheckpoint() throws {
        let directory = try Self.trainingDirectory(maxUpdate: 4, saveInterval: nil, logInterval: 1)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try TestSupport.tessera(["train", "--recipe", "recipe.json"], in: directory).status == 0)
        let checkpoint = directory.appendingPathComponent("run/checkpoint_last.safetensors")
        let saved = try Data(contentsOf: checkpoint)
        // Ignoring SIGXFSZ turns writes past `ulimit -f` (512-byte blocks) into EFBIG errors.
        let limited = try TestSupport.run("/bin/bash", ["-c", "trap '' XFSZ; ulimit -f \(saved.count / 1024); exec \"$0\" \"$@\"",
                                                        TestSupport.tesseraBinary.path, "train", "--recipe", "recipe.json",
                                                        "--resume", "--max-update", "8"], in: directory)
        #expect(limited.status == 1)
        #expect(limited.stderr.hasSuffix("\ntessera train: run/checkpoint_last.safetensors: cannot write: File too large; the previous file is unchanged\n"),
                "\(limited.stderr)")
        #expect(try Data(contentsOf: checkpoint) == saved)
        #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoint.deletingLastPathComponent().path).allSatisfy { !$0.contains(".tmp-") })
    }

    /// kill -9 at random moments (saving every update, so some land inside a
    /// checkpoint write), resuming each time: the checkpoint on disk always loads, the final
    /// weights equal an uninterrupted run's bit for bit, and the log reads as one run.
    @Test(.enabled(if: TestSupport.runsSlowTests, "slow: set TESSERA_SLOW_TESTS=1 (CI does)"))
    func killNineAndResumeEqualsAStraightRun() throws {
        let updates = 80
        let directory = try Self.trainingDirectory(maxUpdate: updates, saveInterval: 1, logInterval: 5)
        defer { try? FileManager.default.removeItem(at: directory) }
        let straight = try TestSupport.tessera(["train", "--recipe", "recipe.json", "--save-dir", "straight"], in: directory)
        #expect(straight.status == 0, "\(straight.stderr)")

        let killed = directory.appendingPathComponent("killed")
        let checkpoint = killed.appendingPathComponent("checkpoint_last.safetensors").path
        var generator = SystemRandomNumberGenerator()
        var kills = 0, midWrite = 0
        for _ in 0..<12 {
            let process = Process()
            process.executableURL = TestSupport.tesseraBinary
            process.arguments = ["train", "--recipe", "recipe.json", "--save-dir", "killed", "--resume"]
            process.currentDirectoryURL = directory
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.3...1.5, using: &generator))
            guard process.isRunning else { process.waitUntilExit(); break }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            kills += 1
            let names = (try? FileManager.default.contentsOfDirectory(atPath: killed.path)) ?? []
            if names.contains(where: { $0.contains(".tmp-") }) { midWrite += 1 }
            if FileManager.default.fileExists(atPath: checkpoint) {
                #expect(throws: Never.self, "the checkpoint after kill \(kills) must load") { _ = try Safetensors.File(path: checkpoint) }
            }
        }
        let last = try TestSupport.tessera(["train", "--recipe", "recipe.json", "--save-dir", "killed", "--resume"], in: directory)
        #expect(last.status == 0, "\(last.stderr)")
        print("kill -9 test: \(kills) kills, \(midWrite) during a checkpoint write")
        #expect(kills >= 3, "the run must have been killed several times to test anything")

        let a = try Safetensors.File(path: directory.appendingPathComponent("straight/checkpoint_last.safetensors").path)
        let b = try Safetensors.File(path: checkpoint)
        #expect(a.names == b.names)
        for name in a.names where a.tensors[name]!.dtype == .f32 {
            #expect(try a.floats(name).map(\.bitPattern) == b.floats(name).map(\.bitPattern), "\(name) differs")
        }
        // Every log line is a record, steps in order without repeats (a resumed interval's
        // figures cover only the updates since the resume, so losses may differ).
        func steps(_ run: String) throws -> [Int] {
            try String(contentsOf: directory.appendingPathComponent("\(run)/train.jsonl"), encoding: .utf8)
                .split(separator: "\n").map { line in
                    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
                    return try #require(object["step"] as? Int)
                }
        }
        #expect(try steps("straight") == Array(stride(from: 5, through: updates, by: 5)))
        #expect(try steps("killed") == steps("straight"))
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func stopSignalSavesTheCheckpoint(stopSignal: Int32) throws {
        let directory = try Self.trainingDirectory(maxUpdate: 1_000_000, saveInterval: nil, logInterval: 1)
        defer { try? FileManager.default.removeItem(at: directory) }
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
