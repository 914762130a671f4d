import Foundation
import Testing
import TesseraData
import TesseraIO
import TesseraModels
import TesseraText
@testable import TesseraTraining

/// A tiny vocabulary and binarized sample corpus, built once for the suite.
private let fixture: Result<URL, Error> = Result {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    // A fixed name: each run replaces the previous run's fixture instead of leaving one more behind.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-fixture-train")
    try? FileManager.default.removeItem(at: directory)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let sample = root.appendingPathComponent("corpora/sample")
    let languages = try Language.parseList("en,de,fr", context: "test")
    var options = VocabularyTrainer.Options()
    options.vocabularySize = 600
    options.sentences = 3000
    let train = try CorpusReader.readMoses(prefix: sample.appendingPathComponent("train").path, languages: languages)
    let report = try VocabularyTrainer.train(corpus: train, options: options, outputPrefix: directory.appendingPathComponent("spm").path)
    let vocabulary = try SentencePiece(path: report.modelPath)
    for split in ["train", "valid"] {
        let corpus = try CorpusReader.readMoses(prefix: sample.appendingPathComponent(split).path, languages: languages)
        try BinarizedCorpus.write(corpus: corpus, vocabulary: vocabulary, to: directory.appendingPathComponent("\(split).safetensors").path)
    }
    return directory
}

private func recipe(in directory: URL, saveDirectory: String, maxUpdate: Int, ffnKind: String = #""dense""#) throws -> Recipe {
    let json = """
        {"data": {"train": "\(directory.path)/train.safetensors", "valid": "\(directory.path)/valid.safetensors",
                  "vocab": "\(directory.path)/spm.model", "langs": ["en", "de", "fr"], "directions": "english-centric",
                  "max_tokens": 300, "max_length": 60},
         "model": {"embed_dim": 32, "attention_heads": 4, "ffn_embed_dim": 64, "encoder_layers": 1, "decoder_layers": 1,
                   "max_positions": 64, "dropout": 0.1, "attention_dropout": 0.1, "ffn_kind": \(ffnKind)},
         "optimization": {"lr": 0.002, "warmup_updates": 3, "max_update": \(maxUpdate), "seed": 5, "clip_norm": 1.0},
         "schedule": {"save_dir": "\(saveDirectory)", "log_interval": 2, "validate_interval_updates": 4,
                      "valid_sentences": 3, "bleu_directions": ["en-de"]}}
        """
    return try JSONDecoder().decode(Recipe.self, from: Data(json.utf8))
}

private func quietReporter(_ directory: String) throws -> ProgressReporter {
    try ProgressReporter(output: FileHandle(forWritingAtPath: "/dev/null")!, logPath: directory + "/train.jsonl", interactive: false)
}

@Suite(.serialized) struct TrainerTests {
    /// A run stopped after 5 updates (as Ctrl-C does) and resumed gives the
    /// same weights, optimizer moments and data position, bit for bit, as a
    /// run of 10 updates that was never interrupted.
    @Test func resumeEqualsUninterruptedRun() throws {
        let directory = try fixture.get()
        let straightDirectory = directory.appendingPathComponent("straight").path
        let straight = try Trainer(recipe: recipe(in: directory, saveDirectory: straightDirectory, maxUpdate: 10),
                                   reporter: quietReporter(straightDirectory), resume: false)
        #expect(try straight.run() == .maxUpdate)

        let splitDirectory = directory.appendingPathComponent("split").path
        let first = try Trainer(recipe: recipe(in: directory, saveDirectory: splitDirectory, maxUpdate: 10),
                                reporter: quietReporter(splitDirectory), resume: false)
        first.shouldStop = { first.progress.updates == 5 }
        #expect(try first.run() == .interrupted)
        let second = try Trainer(recipe: recipe(in: directory, saveDirectory: splitDirectory, maxUpdate: 10),
                                 reporter: quietReporter(splitDirectory), resume: true)
        #expect(second.progress.updates == 5)
        #expect(try second.run() == .maxUpdate)

        let a = try Safetensors.File(path: straightDirectory + "/checkpoint_last.safetensors")
        let b = try Safetensors.File(path: splitDirectory + "/checkpoint_last.safetensors")
        #expect(a.names == b.names)
        #expect(a.names.contains("optimizer.exp_avg_sq.decoder.layers.0.fc1.weight"))
        for name in a.names where a.tensors[name]!.dtype == .f32 {
            let (x, y) = (try a.floats(name), try b.floats(name))
            #expect(x.map(\.bitPattern) == y.map(\.bitPattern), "\(name) differs")
        }
        #expect(straight.progress.sampler == second.progress.sampler)
        #expect(straight.progress.dropoutGeneratorState == second.progress.dropoutGeneratorState)
        #expect(straight.progress.targetTokens == second.progress.targetTokens)
        // Both runs logged every second update to JSONL; the resumed one appended.
        let log = try String(contentsOfFile: splitDirectory + "/train.jsonl", encoding: .utf8)
        #expect(log.split(separator: "\n").count == 5)
        #expect(FileManager.default.fileExists(atPath: straightDirectory + "/checkpoint_best.safetensors"))
    }

    /// `save_interval_updates` writes checkpoint_last between validations, so a run killed
    /// without a signal (no save on the way out) loses at most that many updates.
    @Test func savesEverySaveInterval() throws {
        let directory = try fixture.get()
        let save = directory.appendingPathComponent("save-interval-\(UUID().uuidString)").path
        var saving = try recipe(in: directory, saveDirectory: save, maxUpdate: 5)
        saving.schedule.saveInterval = 3
        let trainer = try Trainer(recipe: saving, reporter: quietReporter(save), resume: false)
        var savedAfter: [Int: Bool] = [:]
        trainer.shouldStop = {
            savedAfter[trainer.progress.updates] = FileManager.default.fileExists(atPath: trainer.lastCheckpointPath)
            return false
        }
        #expect(try trainer.run() == .maxUpdate)
        #expect(savedAfter == [0: false, 1: false, 2: false, 3: true, 4: true])
    }

    /// A run that diverges stops with an error naming the update and leaves the last
    /// good checkpoint as it was; nothing non-finite is ever saved.
    @Test func divergingRunStopsAndKeepsTheLastGoodCheckpoint() throws {
        let directory = try fixture.get()
        let save = directory.appendingPathComponent("diverge-\(UUID().uuidString)").path
        let good = try Trainer(recipe: recipe(in: directory, saveDirectory: save, maxUpdate: 4), reporter: quietReporter(save), resume: false)
        #expect(try good.run() == .maxUpdate)
        let saved = try Data(contentsOf: URL(fileURLWithPath: good.lastCheckpointPath))
        for (lr, clip) in [(Float(1e30), Float(0)), (Float.infinity, Float(1))] {
            var diverging = try recipe(in: directory, saveDirectory: save, maxUpdate: 40)
            (diverging.optimization.learningRate, diverging.optimization.clipNorm) = (lr, clip)
            diverging.optimization.maxConsecutiveSkippedUpdates = 3
            let trainer = try Trainer(recipe: diverging, reporter: quietReporter(save), resume: true)
            #expect(throws: TrainingError.self) { try trainer.run() }
            #expect(trainer.progress.updates < 40)
            #expect(try Data(contentsOf: URL(fileURLWithPath: good.lastCheckpointPath)) == saved)
        }
    }

    /// A new run into a save_dir that holds one is refused unless told to overwrite (which
    /// also drops the old best and log); temporary files of killed writers are removed.
    @Test func existingRunIsKeptUnlessOverwritten() throws {
        let directory = try fixture.get()
        let save = directory.appendingPathComponent("existing-\(UUID().uuidString)").path
        let first = try Trainer(recipe: recipe(in: directory, saveDirectory: save, maxUpdate: 4), reporter: quietReporter(save), resume: false)
        #expect(try first.run() == .maxUpdate)
        let kept = try Data(contentsOf: URL(fileURLWithPath: first.lastCheckpointPath))
        #expect(FileManager.default.fileExists(atPath: first.bestCheckpointPath))
        do {
            _ = try Trainer(recipe: recipe(in: directory, saveDirectory: save, maxUpdate: 2), reporter: quietReporter(save), resume: false)
            Issue.record("expected the existing run to be refused")
        } catch {
            #expect("\(error)" == "\(first.lastCheckpointPath): already holds a run; pass --resume to continue it or --overwrite to start over")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: first.lastCheckpointPath)) == kept)

        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let abandoned = save + "/.checkpoint_last.safetensors.tmp-\(gone.processIdentifier)"
        let live = save + "/.checkpoint_last.safetensors.tmp-\(getpid())"
        for path in [abandoned, live] { #expect(FileManager.default.createFile(atPath: path, contents: Data([1]))) }
        let second = try Trainer(recipe: recipe(in: directory, saveDirectory: save, maxUpdate: 2), reporter: quietReporter(save),
                                 resume: false, overwrite: true)
        #expect(!FileManager.default.fileExists(atPath: abandoned) && FileManager.default.fileExists(atPath: live))
        try FileManager.default.removeItem(atPath: live)
        #expect(!FileManager.default.fileExists(atPath: second.bestCheckpointPath))
        #expect(try Data(contentsOf: URL(fileURLWithPath: save + "/train.jsonl")).isEmpty)
        #expect(try second.run() == .maxUpdate)
        #expect(try String(contentsOfFile: save + "/train.jsonl", encoding: .utf8).split(separator: "\n").count == 1)
    }

    /// Validation rows longer than the model's positions (the sample's valid split has lines
    /// of 37 words) are left out as training leaves them out, instead of stopping the run.
    @Test func validationSkipsRowsLongerThanTraining() throws {
        let directory = try fixture.get()
        let save = directory.appendingPathComponent("short-\(UUID().uuidString)").path
        var short = try recipe(in: directory, saveDirectory: save, maxUpdate: 4)
        short.data.maxLength = 24
        short.model["max_positions"] = .number(24)
        let trainer = try Trainer(recipe: short, reporter: quietReporter(save), resume: false)
        #expect(try trainer.run() == .maxUpdate)
        let valid = try BinarizedCorpus(path: directory.appendingPathComponent("valid.safetensors").path)
        #expect(try valid.lengths(try Language("de")).max()! > 24, "the case this test is about")
        #expect(trainer.progress.bestValidLoss?.isFinite == true)
    }

    /// `nextBatch()` + `update(on:)` (the public pair parity-dump records training with) is the
    /// update `run()` makes: same batches, same weights bit for bit, and the batches are
    /// `[tag] x </s>` / `[tag] y` / `y </s>`.
    @Test func publicUpdateStepsEqualRun() throws {
        let directory = try fixture.get()
        let save = directory.appendingPathComponent("steps-\(UUID().uuidString)").path
        let ran = try Trainer(recipe: recipe(in: directory, saveDirectory: save + "/run", maxUpdate: 3),
                              reporter: quietReporter(save + "/run"), resume: false)
        #expect(try ran.run() == .maxUpdate)
        let stepped = try Trainer(recipe: recipe(in: directory, saveDirectory: save + "/steps", maxUpdate: 3),
                                  reporter: quietReporter(save + "/steps"), resume: false)
        let vocabulary = try SentencePiece(path: directory.appendingPathComponent("spm.model").path)
        var tokens = 0
        for _ in 0..<3 {
            let batch = try stepped.nextBatch()
            let tag = try #require(vocabulary.id(of: batch.direction.target.tag))
            let pad = stepped.model.config.paddingID
            for row in 0..<batch.source.count {
                func real(_ b: TokenBatch) -> [Int32] { Array(b.ids[(row * b.length)..<((row + 1) * b.length)].filter { $0 != pad }) }
                let (x, input, target) = (real(batch.source), real(batch.input), real(batch.target))
                #expect(x.first == tag && x.last == vocabulary.endID)
                #expect(input.first == tag && target.last == vocabulary.endID && Array(input.dropFirst()) == Array(target.dropLast()))
            }
            let result = try stepped.update(on: batch)
            #expect(result.tokens == batch.target.tokenCount && result.loss.isFinite && result.step.gradientNorm > 0)
            tokens += result.tokens
        }
        #expect(tokens == ran.progress.targetTokens)
        for (a, b) in zip(ran.model.parameters, stepped.model.parameters) {
            #expect(Array(UnsafeBufferPointer(start: a.value, count: a.count)).map(\.bitPattern)
                    == Array(UnsafeBufferPointer(start: b.value, count: b.count)).map(\.bitPattern), "\(a.name) differs")
        }
    }

    /// Every feed-forward kind trains through the same loop: its auxiliary
    /// losses join the loss, its statistics reach the log, and an LMS+FD run
    /// distills into a dense checkpoint.
    @Test(arguments: [
        (#"{"switch": {"experts": 4, "every": 1}}"#, ".moe.dropped"),
        (#"{"smoe": {"strata": [2, 2], "every": 1}}"#, ".moe.steps_per_token"),
        (#"{"lms": {"rank": 4, "attention": true}}"#, nil),
        (#"{"lms_fd": {"rank": 4}}"#, nil),
    ] as [(String, String?)])
    func everyKindTrains(kind: String, statistic: String?) throws {
        let directory = try fixture.get()
        let save = directory.appendingPathComponent("kind-\(UUID().uuidString)").path
        let trainer = try Trainer(recipe: recipe(in: directory, saveDirectory: save, maxUpdate: 4, ffnKind: kind),
                                  reporter: quietReporter(save), resume: false)
        #expect(try trainer.run() == .maxUpdate)
        let log = try String(contentsOfFile: save + "/train.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(log.count == 2)
        let last = try JSONDecoder().decode(ProgressReporter.Figures.self, from: Data(log[1].utf8))
        #expect(last.loss.isFinite && last.loss > 0)
        if let statistic {
            #expect(last.layers?.keys.contains { $0.hasSuffix(statistic) } == true, "\(last.layers ?? [:])")
        }
        if kind.contains("lms_fd") {
            let dense = save + "/dense.safetensors"
            let report = try Distillation.distill(from: save + "/checkpoint_last.safetensors", to: dense)
            #expect(report.parametersAfter < report.parametersBefore)
            #expect(try ModelFile.open(path: dense).file.config.feedForwardKind == .dense)
        }
    }

    @Test func refusesDataOfAnotherVocabulary() throws {
        let directory = try fixture.get()
        let other = directory.appendingPathComponent("other-vocab")
        var options = VocabularyTrainer.Options()
        options.vocabularySize = 300
        options.sentences = 1000
        let corpus = ParallelCorpus(languages: try Language.parseList("en,de", context: "test"),
                                    columns: [(0..<300).map { "sentence number \($0) in English" }, (0..<300).map { "Satz Nummer \($0) auf Deutsch" }])
        let report = try VocabularyTrainer.train(corpus: corpus, options: options, outputPrefix: other.path)
        var bad = try recipe(in: directory, saveDirectory: directory.appendingPathComponent("bad-vocab").path, maxUpdate: 1)
        bad.data.vocabulary = report.modelPath
        do {
            _ = try Trainer(recipe: bad, reporter: quietReporter(directory.path), resume: false)
            Issue.record("expected a vocabulary mismatch error")
        } catch {
            #expect("\(error)".contains("was binarized with another vocabulary"), "\(error)")
        }
    }

    @Test func polynomialDecayRunsToTotalNumUpdateOrElseMaxUpdate() throws {
        let base = #"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en"]}, "schedule": {"save_dir": "x"}, "optimization": "#
        let byDefault = try JSONDecoder().decode(Recipe.self, from: Data((base + #"{"lr_scheduler": "polynomial_decay", "max_update": 700}}"#).utf8))
        #expect(byDefault.adam.decay == .polynomial(totalUpdates: 700, endLearningRate: 0, power: 1))
        let explicit = try JSONDecoder().decode(Recipe.self, from: Data((base + #"{"lr_scheduler": "polynomial_decay", "warmup_updates": 100, "total_num_update": 900, "end_learning_rate": 1e-5, "power": 2}}"#).utf8))
        #expect(explicit.adam.decay == .polynomial(totalUpdates: 900, endLearningRate: 1e-5, power: 2))
        let inverse = try JSONDecoder().decode(Recipe.self, from: Data((base + "{}}").utf8))
        #expect(inverse.adam.decay == .inverseSquareRoot)
    }

    @Test func recipeErrorsNameTheProblem() throws {
        let directory = try fixture.get()
        let path = directory.appendingPathComponent("bad.json").path
        for (json, message) in [
            (#"{"data": {}, "schedule": {"save_dir": "x"}}"#, "missing key 'data.train'"),
            (#"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en", "qq"]}, "schedule": {"save_dir": "x"}}"#,
             "unknown language code 'qq'"),
            (#"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en"], "max_tokenz": 5}, "schedule": {"save_dir": "x"}}"#,
             "unknown key 'max_tokenz'"),
            ("{not json", "invalid recipe"),
            (#"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en"]}, "optimization": {"lr_scheduler": "cosine"}, "schedule": {"save_dir": "x"}}"#,
             "cosine"),
            (#"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en"]}, "optimization": {"power": 2}, "schedule": {"save_dir": "x"}}"#,
             "optimization.power: only with lr_scheduler \"polynomial_decay\""),
            (#"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en"]}, "optimization": {"lr_scheduler": "polynomial_decay", "warmup_updates": 100, "total_num_update": 100}, "schedule": {"save_dir": "x"}}"#,
             "optimization.total_num_update: must exceed warmup_updates (100)"),
            (#"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en"]}, "optimization": {"lr_scheduler": "polynomial_decay", "power": 0}, "schedule": {"save_dir": "x"}}"#,
             "optimization.power: must be positive"),
            (#"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en"]}, "schedule": {"save_dir": "x", "save_interval_updates": 0}}"#,
             "schedule.save_interval_updates: must be positive"),
            (#"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en"], "max_tokens": 1.5}, "schedule": {"save_dir": "x"}}"#,
             "data.max_tokens: must be a whole number, not 1.5"),
            (#"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en"]}, "model": {"embed_dimm": 8}, "schedule": {"save_dir": "x"}}"#,
             "model: unknown key 'embed_dimm'"),
            (#"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en"]}, "model": {"ffn_kind": {"switch": {"experts": "x"}}}, "schedule": {"save_dir": "x"}}"#,
             "model.ffn_kind.switch.experts: "),
            (#"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en"]}, "optimization": {"lr": -1}, "schedule": {"save_dir": "x"}}"#,
             "optimization.lr: must be positive, not -1.0"),
            (#"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en"]}, "optimization": {"lr": 0}, "schedule": {"save_dir": "x"}}"#,
             "optimization.lr: must be positive, not 0.0"),
            (#"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en"]}, "optimization": {"max_update": -5}, "schedule": {"save_dir": "x"}}"#,
             "optimization.max_update: must be positive, not -5"),
            (#"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en", "de"]}, "schedule": {"save_dir": "x", "bleu_directions": ["en-ru"]}}"#,
             "schedule.bleu_directions: en-ru uses 'ru', which is not in data.langs"),
        ] {
            try Data(json.utf8).write(to: URL(fileURLWithPath: path))
            do {
                _ = try Recipe.load(path: path)
                Issue.record("expected an error for \(json)")
            } catch {
                #expect("\(error)".hasPrefix(path + ": invalid recipe"), "\(error)")
                #expect("\(error)".contains(message), "\(error)")
            }
        }
        // Foundation would keep the second "data" section without a word.
        let twice = #"{"data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["en"]},"# + "\n"
            + #" "schedule": {"save_dir": "x"}, "data": {"train": "a", "valid": "b", "vocab": "c", "langs": ["de"]}}"#
        try Data(twice.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: InputError(file: path, line: 2, message: "invalid recipe: key 'data' appears twice in one object")) {
            try Recipe.load(path: path)
        }
        #expect(throws: InputError(file: directory.path, message: "is a directory, not a file")) { try Recipe.load(path: directory.path) }
    }
}
