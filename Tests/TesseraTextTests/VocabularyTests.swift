import Foundation
import Testing
import TesseraTensor
@testable import TesseraData
@testable import TesseraText

/// Trains a small joint vocabulary on the committed corpus sample and checks
/// the properties every later stage relies on.
@Suite(.serialized) struct VocabularyTests {
    static let sample = TestSupport.repositoryRoot.appendingPathComponent("corpora/sample")

    private func trainSampleVocabulary(into directory: URL, seed: UInt64 = 1) throws -> (ParallelCorpus, SentencePiece) {
        let corpus = try CorpusReader.readMoses(prefix: Self.sample.appendingPathComponent("train").path)
        var options = VocabularyTrainer.Options()
        options.vocabularySize = 1000
        options.sentences = 8000
        options.seed = seed
        let prefix = directory.appendingPathComponent("spm").path
        let report = try VocabularyTrainer.train(corpus: corpus, options: options, outputPrefix: prefix)
        #expect(report.sampled.map(\.drawn).reduce(0, +) == options.sentences)
        return (corpus, try SentencePiece(path: report.modelPath))
    }

    @Test func roundTripsEveryLanguageAndSplit() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (corpus, model) = try trainSampleVocabulary(into: directory)
        #expect(model.vocabularySize == 1000)
        #expect((model.unknownID, model.beginID, model.endID, model.paddingID) == (0, 1, 2, 3))
        for language in corpus.languages {
            let tag = try #require(model.id(of: language.tag), "tag \(language.tag) must be one piece")
            #expect(!model.isByte(tag))
            #expect(try model.encode("\(language.tag) x").contains(tag))
        }
        for split in ["train", "valid", "test"] {
            let splitCorpus = try CorpusReader.readMoses(prefix: Self.sample.appendingPathComponent(split).path)
            for (language, column) in zip(splitCorpus.languages, splitCorpus.columns) {
                var checked = 0
                for line in column {
                    let text = Normalizer.normalize(line)
                    let ids = try model.encode(text)
                    #expect(!ids.contains(model.unknownID), "no ⁇ in \(language) \(split): \(text)")
                    let decoded = try model.decode(ids)
                    if decoded != text {
                        Issue.record("round trip failed in \(language) \(split): \(text) → \(decoded)")
                        break
                    }
                    checked += 1
                }
                #expect(checked == column.count)
            }
        }
        // Characters never seen in training still round-trip through byte fallback.
        let unseen = "𝔘𝔫𝔰𝔢𝔢𝔫 ꙮ 𓀀 \u{10FFFD}"
        #expect(try model.decode(model.encode(Normalizer.normalize(unseen))) == Normalizer.normalize(unseen))

        // Byte pieces that spell a line break, NUL, a tab or U+2028 decode as spaces: one line stays one line.
        let bytes = try ["<0x0A>", "<0x00>", "<0x09>", "<0xE2>", "<0x80>", "<0xA8>"].map { try #require(model.id(of: $0)) }
        let a = try model.encode("a"), b = try model.encode("b")
        #expect(try model.decode(a + bytes + b) == "a" + "    " + " b")
    }

    /// The same seed and data give the same model bytes, whatever the output directory and
    /// whichever scratch directory Foundation would hand out at the time.
    @Test func sameSeedSameModel() throws {
        let first = try TestSupport.temporaryDirectory(), second = try TestSupport.temporaryDirectory()
        defer { [first, second].forEach { try? FileManager.default.removeItem(at: $0) } }
        // Data, not [UInt8], so a failure prints sizes rather than every byte.
        let a = Data(try trainSampleVocabulary(into: first).1.serialized())
        // Hold the scratch directory a concurrent training would hold, so the next one Foundation
        // hands out is named "(… 2)": a model that recorded its temporary paths would now differ.
        let held = try FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                               appropriateFor: second, create: true)
        defer { try? FileManager.default.removeItem(at: held) }
        let b = Data(try trainSampleVocabulary(into: second).1.serialized())
        #expect(a == b)
        for path in [first.path, second.path, held.deletingLastPathComponent().path] {
            #expect(a.range(of: Data(path.utf8)) == nil, "the model records the path \(path)")
        }
        let vocabularies = try [first, second].map { try Data(contentsOf: $0.appendingPathComponent("spm.vocab")) }
        #expect(vocabularies[0] == vocabularies[1])
    }

    /// Path options would be recorded in the model, so training refuses them.
    @Test func trainingRefusesPathOptions() {
        for option in ["input", "model_prefix"] {
            #expect {
                _ = try SentencePiece.train(sentences: ["a b c"], options: [(option, "/tmp/x"), ("vocab_size", "10")])
            } throws: { error in
                "\(error)".contains("\(option) is not allowed")
            }
        }
    }

    @Test func samplingUpsamplesWholePassesThenDrawsWithoutReplacement() {
        var generator = SplitMix64(seed: 7)
        let pool = (0..<100).map(String.init)
        let upsampled = VocabularyTrainer.sample(pool, count: 350, using: &generator)
        let counts = Dictionary(upsampled.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(upsampled.count == 350)
        #expect(counts.count == 100 && counts.values.allSatisfy { $0 == 3 || $0 == 4 })
        let subset = VocabularyTrainer.sample(pool, count: 50, using: &generator)
        #expect(Set(subset).count == 50)
    }

    @Test func vocabCommandErrors() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("a\nb\n".utf8).write(to: directory.appendingPathComponent("t.en"))
        try Data("a\n".utf8).write(to: directory.appendingPathComponent("t.de"))
        let prefix = directory.appendingPathComponent("t").path
        let mismatch = try TestSupport.tessera(["vocab", "--input", prefix, "-o", directory.appendingPathComponent("v").path])
        #expect(mismatch.status == 1)
        #expect(mismatch.stderr == "tessera vocab: \(prefix).en:2: has 2 lines but \(prefix).de has 1; Moses-style files must be line-aligned\n")

        let badLanguage = try TestSupport.tessera(["vocab", "--input", prefix, "--langs", "en,xx", "-o", "v"])
        #expect(badLanguage.status == 1)
        #expect(badLanguage.stderr.contains("--langs: unknown language code 'xx'"))

        let noInput = try TestSupport.tessera(["vocab", "-o", "v"])
        #expect(noInput.status == 2)
    }
}
