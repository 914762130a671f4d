import Foundation
import Testing
import TesseraTensor
import TesseraIO
import TesseraText
@testable import TesseraData

/// A synthetic binarized corpus: random lengths, some rows missing per language.
private func makeCorpus(rows: Int, languages: [String], missing: [String: Double], seed: UInt64) throws -> (URL, BinarizedCorpus) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-data-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    var generator = SplitMix64(seed: seed)
    var writer = Safetensors.Writer(metadata: ["format": BinarizedCorpus.format, "languages": languages.joined(separator: ","),
                                               "vocabulary_sha256": String(repeating: "0", count: 64)])
    for code in languages {
        var offsets: [Int64] = [0], tokens: [UInt16] = []
        for row in 0..<rows {
            let absent = Double(generator.next() % 1000) / 1000 < (missing[code] ?? 0)
            let length = absent ? 0 : 1 + Int(generator.next() % 60)
            tokens += (0..<length).map { UInt16(truncatingIfNeeded: row &* 31 &+ $0) }
            offsets.append(Int64(tokens.count))
        }
        offsets.withUnsafeBufferPointer { writer.add("\(code).offsets", dtype: .i64, shape: [offsets.count], values: $0) }
        tokens.withUnsafeBufferPointer { writer.add("\(code).tokens", dtype: .u16, shape: [tokens.count], values: $0) }
    }
    let path = directory.appendingPathComponent("train.safetensors")
    try writer.write(to: path.path)
    return (directory, try BinarizedCorpus(path: path.path))
}

@Suite struct BatchSamplerTests {
    private func directions(_ list: String) throws -> [Direction] {
        try list.split(separator: " ").map { try Direction(String($0), context: "test") }
    }

    @Test func batchesRespectBudgetAndHoldOneDirection() throws {
        let (directory, corpus) = try makeCorpus(rows: 3000, languages: ["en", "de", "fr"], missing: ["fr": 0.5], seed: 1)
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = BatchSampler.Options()
        options.maxTokens = 512
        options.maxLength = 50
        let sampler = try BatchSampler(corpus: corpus, directions: try directions("en-de de-fr fr-en"), options: options)
        let lengths = try Dictionary(uniqueKeysWithValues: corpus.languages.map { ($0, try corpus.lengths($0)) })
        for _ in 0..<500 {
            let batch = sampler.next()
            let s = batch.rows.map { lengths[batch.direction.source]![$0] + 2 }
            let t = batch.rows.map { lengths[batch.direction.target]![$0] + 1 }
            #expect(s.allSatisfy { $0 > 2 && $0 <= 50 } && t.allSatisfy { $0 > 1 && $0 <= 50 })
            #expect(max(s.max()!, t.max()!) * batch.rows.count <= 512)
        }
        // fr lacks half its rows, so the pairs with fr are smaller.
        #expect(sampler.rowCounts[1] < sampler.rowCounts[0] * 2 / 3)
    }

    @Test func epochCoversEveryRowOnce() throws {
        let (directory, corpus) = try makeCorpus(rows: 2000, languages: ["en", "de"], missing: ["de": 0.2], seed: 2)
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = BatchSampler.Options()
        options.maxLength = 1000
        let sampler = try BatchSampler(corpus: corpus, directions: try directions("en-de"), options: options)
        let de = try corpus.lengths(try Language("de"))
        var seen: [Int] = []
        while sampler.state.epochs[0] == 0 || sampler.state.positions[0] == 0 {
            let batch = sampler.next()
            if sampler.state.epochs[0] == 0 { seen += batch.rows } else { break }
        }
        #expect(seen.sorted() == (0..<2000).filter { de[$0] > 0 })
    }

    @Test func resumeReplaysTheSameBatches() throws {
        let (directory, corpus) = try makeCorpus(rows: 500, languages: ["en", "de", "ja"], missing: [:], seed: 3)
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = BatchSampler.Options()
        options.maxTokens = 300
        options.maxLength = 100
        let list = try directions("en-de de-en en-ja ja-en")
        let uninterrupted = try BatchSampler(corpus: corpus, directions: list, options: options)
        let all = (0..<400).map { _ in uninterrupted.next() }

        let first = try BatchSampler(corpus: corpus, directions: list, options: options)
        _ = (0..<150).map { _ in first.next() }
        let saved = try JSONDecoder().decode(BatchSampler.State.self, from: JSONEncoder().encode(first.state))
        let resumed = try BatchSampler(corpus: corpus, directions: list, options: options)
        resumed.restore(saved)
        #expect((0..<250).map { _ in resumed.next() } == Array(all[150...]))

        options.seed = 2
        let reseeded = try BatchSampler(corpus: corpus, directions: list, options: options)
        #expect((0..<20).map { _ in reseeded.next() } != Array(all[..<20]))
    }

    @Test func temperatureShapesDirectionFrequencies() throws {
        let (directory, corpus) = try makeCorpus(rows: 4000, languages: ["en", "de", "fr"], missing: ["fr": 0.9], seed: 4)
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = BatchSampler.Options()
        options.maxLength = 1000
        options.maxTokens = 1000
        for temperature in [1.0, 5.0] {
            options.temperature = temperature
            let sampler = try BatchSampler(corpus: corpus, directions: try directions("en-de en-fr"), options: options)
            let draws = 20_000
            let toFrench = (0..<draws).filter { _ in sampler.next().direction.target.code == "fr" }.count
            let expected = sampler.probabilities[1]
            #expect(abs(Double(toFrench) / Double(draws) - expected) < 0.015, "T=\(temperature)")
        }
    }

    @Test func directionSelections() throws {
        let languages = try Language.parseList("de,en,fr", context: "test")
        #expect(DirectionSelection.allPairs.directions(languages: languages).count == 6)
        let pivot = try JSONDecoder().decode(DirectionSelection.self, from: Data("\"english-centric\"".utf8))
        #expect(pivot.directions(languages: languages).map(\.description) == ["en-de", "de-en", "en-fr", "fr-en"])
        let list = try JSONDecoder().decode(DirectionSelection.self, from: Data("[\"fr-de\"]".utf8))
        #expect(list.directions(languages: languages).map(\.description) == ["fr-de"])
        #expect(throws: (any Error).self) { try JSONDecoder().decode(DirectionSelection.self, from: Data("[\"fr-xx\"]".utf8)) }
        #expect(throws: (any Error).self) { try JSONDecoder().decode(DirectionSelection.self, from: Data("\"some\"".utf8)) }
        #expect(throws: InputError.self) { try Direction("en-en", context: "test") }
        #expect(throws: InputError.self) { try Direction("ende", context: "test") }
    }
}

@Suite struct BinarizedCorpusTests {
    @Test func readsRowsAndRejectsForeignFiles() throws {
        let (directory, corpus) = try makeCorpus(rows: 10, languages: ["en", "de"], missing: ["de": 0.5], seed: 5)
        defer { try? FileManager.default.removeItem(at: directory) }
        let de = try Language("de")
        let lengths = try corpus.lengths(de)
        for row in 0..<10 {
            let tokens = try corpus.tokens(de, row: row)
            #expect(tokens.count == lengths[row])
            #expect(tokens == (0..<lengths[row]).map { Int32(UInt16(truncatingIfNeeded: row &* 31 &+ $0)) })
        }
        var other = Safetensors.Writer(metadata: ["format": "something-else"])
        other.add("x", shape: [1], floats: [1])
        let foreign = directory.appendingPathComponent("foreign.safetensors").path
        try other.write(to: foreign)
        #expect(throws: InputError(file: foreign, message: "not a binarized Tessera corpus (run `tessera binarize` to make one)")) {
            try BinarizedCorpus(path: foreign)
        }

        var broken = Safetensors.Writer(metadata: ["format": BinarizedCorpus.format, "languages": "en", "vocabulary_sha256": "0"])
        let offsets: [Int64] = [0, 5, 3]
        offsets.withUnsafeBufferPointer { broken.add("en.offsets", dtype: .i64, shape: [3], values: $0) }
        let tokens: [UInt16] = [1, 2, 3]
        tokens.withUnsafeBufferPointer { broken.add("en.tokens", dtype: .u16, shape: [3], values: $0) }
        let brokenPath = directory.appendingPathComponent("broken.safetensors").path
        try broken.write(to: brokenPath)
        #expect(throws: InputError.self) { try BinarizedCorpus(path: brokenPath) }
    }
}
