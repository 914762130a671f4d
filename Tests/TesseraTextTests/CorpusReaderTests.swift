import TesseraIO
import Foundation
import Testing
import TesseraData
@testable import TesseraText

@Suite struct CorpusReaderTests {
    /// Writes `files` (name → bytes) into a fresh directory and runs `body` on it.
    private func withFiles(_ files: [String: [UInt8]], _ body: (URL) throws -> Void) throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, bytes) in files { try Data(bytes).write(to: directory.appendingPathComponent(name)) }
        try body(directory)
    }

    private func expectError(_ expected: String, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected error: \(expected)")
        } catch {
            #expect("\(error)".hasSuffix(expected), "got: \(error)")
        }
    }

    @Test func readsMosesFilesWithMissingCells() throws {
        try withFiles(["train.en": Array("Hello\nWorld\nOnly English\n".utf8),
                       "train.de": Array("Hallo\nWelt\n\n".utf8),
                       "train.ids": Array("a\nb\nc\n".utf8)]) { dir in
            let corpus = try CorpusReader.readMoses(prefix: dir.appendingPathComponent("train").path)
            #expect(corpus.languages.map(\.code) == ["de", "en"])
            #expect(corpus.rowCount == 3)
            #expect(corpus.segmentCounts()[try Language("de")] == 2)
            let pairs = corpus.pairs(source: try Language("en"), target: try Language("de"))
            #expect(pairs.map(\.source) == ["Hello", "World"])
        }
    }

    /// A two-letter suffix that is no known language is an error, not a file left out.
    @Test func mosesUnknownLanguageSuffix() throws {
        try withFiles(["t.en": Array("a\n".utf8), "t.qq": Array("b\n".utf8)]) { dir in
            expectError("t.qq: 'qq' is not a language code Tessera knows; rename the file or choose languages with --langs") {
                _ = try CorpusReader.readMoses(prefix: dir.appendingPathComponent("t").path)
            }
            let chosen = try CorpusReader.readMoses(prefix: dir.appendingPathComponent("t").path, languages: [try Language("en")])
            #expect(chosen.languages.map(\.code) == ["en"])
        }
    }

    @Test func mosesLineCountMismatch() throws {
        try withFiles(["t.en": Array("a\nb\nc\n".utf8), "t.de": Array("a\nb\n".utf8)]) { dir in
            let prefix = dir.appendingPathComponent("t").path
            expectError("t.en:3: has 3 lines but \(prefix).de has 2; Moses-style files must be line-aligned") {
                _ = try CorpusReader.readMoses(prefix: prefix)
            }
        }
    }

    @Test func mosesEmptyFile() throws {
        try withFiles(["t.en": Array("a\n".utf8), "t.fr": []]) { dir in
            expectError("t.fr: file is empty") {
                _ = try CorpusReader.readMoses(prefix: dir.appendingPathComponent("t").path)
            }
        }
    }

    @Test func mosesInvalidUTF8() throws {
        try withFiles(["t.en": Array("a\nb\n".utf8), "t.de": [0x61, 0x0A, 0x62, 0xE2, 0x28, 0xA1, 0x0A]]) { dir in
            expectError("t.de:2: invalid UTF-8") {
                _ = try CorpusReader.readMoses(prefix: dir.appendingPathComponent("t").path)
            }
        }
    }

    @Test func mosesMissingLanguageFile() throws {
        try withFiles(["t.en": Array("a\n".utf8)]) { dir in
            expectError("t.de: missing file for language 'de'") {
                _ = try CorpusReader.readMoses(prefix: dir.appendingPathComponent("t").path,
                                               languages: [try Language("en"), try Language("de")])
            }
        }
    }

    @Test func unknownLanguageCodes() throws {
        #expect(throws: InputError.self) { try Language("xx") }
        #expect(throws: InputError.self) { try Language("EN") }
        #expect(throws: InputError.self) { try Language("english") }
        #expect(throws: InputError.self) { try Language.parseList("en,de,en", context: "--langs") }
        #expect(try Language.parseList("en,de,ja,zh,pt,tr", context: "--langs").count == 6)
        try withFiles(["c.tsv": Array("en\tqq\nx\ty\n".utf8)]) { dir in
            expectError("c.tsv:1: unknown language code 'qq' (expected an ISO 639 code such as en, de, ja)") {
                _ = try CorpusReader.readTSV(path: dir.appendingPathComponent("c.tsv").path)
            }
        }
    }

    @Test func readsTSV() throws {
        try withFiles(["c.tsv": Array("en\tde\tfr\nHello\tHallo\tBonjour\nYes\t\tOui\r\n".utf8)]) { dir in
            let corpus = try CorpusReader.readTSV(path: dir.appendingPathComponent("c.tsv").path)
            #expect(corpus.languages.map(\.code) == ["en", "de", "fr"])
            #expect(corpus.columns[1] == ["Hallo", ""])
            #expect(corpus.columns[2] == ["Bonjour", "Oui"])
        }
    }

    @Test func tsvErrors() throws {
        try withFiles(["bad.tsv": Array("en\tde\na\tb\nonly one\n".utf8),
                       "empty.tsv": [],
                       "header.tsv": Array("en\tde\n".utf8),
                       "utf8.tsv": [0x65, 0x6E, 0x09, 0x64, 0x65, 0x0A, 0x61, 0x09, 0xC0, 0x0A]]) { dir in
            expectError("bad.tsv:3: expected 2 tab-separated fields (en, de), found 1") {
                _ = try CorpusReader.readTSV(path: dir.appendingPathComponent("bad.tsv").path)
            }
            expectError("empty.tsv: file is empty; expected a header row of language codes such as en<TAB>de") {
                _ = try CorpusReader.readTSV(path: dir.appendingPathComponent("empty.tsv").path)
            }
            expectError("header.tsv: no rows after the header") {
                _ = try CorpusReader.readTSV(path: dir.appendingPathComponent("header.tsv").path)
            }
            expectError("utf8.tsv:2: invalid UTF-8") {
                _ = try CorpusReader.readTSV(path: dir.appendingPathComponent("utf8.tsv").path)
            }
        }
    }

    @Test func temperatureSampling() {
        let flat = TemperatureSampling.probabilities(counts: [900, 100], temperature: 1)
        #expect(abs(flat[0] - 0.9) < 1e-12)
        let warm = TemperatureSampling.probabilities(counts: [900, 100], temperature: 5)
        let expectedSmall = pow(0.1, 0.2) / (pow(0.9, 0.2) + pow(0.1, 0.2))
        #expect(abs(warm[1] - expectedSmall) < 1e-12)
        let quotas = TemperatureSampling.quotas(counts: [900, 100, 0], temperature: 5, total: 1001)
        #expect(quotas.reduce(0, +) == 1001)
        #expect(quotas[2] == 0)
    }
}
