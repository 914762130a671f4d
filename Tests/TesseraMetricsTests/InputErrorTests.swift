import Foundation
import Testing
import TesseraMetrics

@Suite struct InputErrorTests {
    private func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-bleu-\(UUID().uuidString).txt")
        try Data(bytes).write(to: url)
        return url.path
    }

    private func run(_ arguments: [String]) -> (code: Int32, output: String, errors: String) {
        var output = "", errors = ""
        let code = BleuCommand.run(arguments: arguments, standardInput: FileHandle.nullDevice,
                                   output: { output += $0 }, errors: { errors += $0 })
        return (code, output, errors)
    }

    @Test func invalidUTF8NamesFileAndLine() throws {
        let ref = try temporaryFile(Array("good line\nbad \u{FF} line\n".utf8).map { $0 == 0xC3 ? 0xFF : $0 })
        let hyp = try temporaryFile(Array("a\nb\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: ref); try? FileManager.default.removeItem(atPath: hyp) }
        let result = run([ref, "-i", hyp])
        #expect(result.code == 1)
        #expect(result.errors == "tessera bleu: \(ref):2: invalid UTF-8\n")
        #expect(result.output.isEmpty)
    }

    @Test func surrogatesAndOverlongFormsAreInvalid() throws {
        for bytes: [UInt8] in [[0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            #expect(throws: MetricsError.self) { try TextLines.parse(bytes, name: "x", lineBreaks: .newlineOnly) }
        }
    }

    @Test func missingFileAndLengthMismatch() throws {
        let one = try temporaryFile(Array("a\n".utf8)), two = try temporaryFile(Array("a\nb\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: one); try? FileManager.default.removeItem(atPath: two) }
        let missing = run(["/nonexistent/ref.txt", "-i", one])
        #expect(missing.code == 1 && missing.errors == "tessera bleu: /nonexistent/ref.txt: no such file\n")
        let mismatch = run([one, "-i", two])
        #expect(mismatch.code == 1 && mismatch.errors.contains("System and reference streams have different lengths"))
        let columns = run([two, "-nr", "2", "-i", two])
        #expect(columns.code == 17)
        #expect(columns.errors == "tessera bleu: \(two):1: expected 2 tab-separated references (-nr 2), found 1\n")
    }

    @Test func offlineTokenizersFailClearly() throws {
        let one = try temporaryFile(Array("a\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: one) }
        let result = run([one, "-i", one, "-tok", "ko-mecab"])
        #expect(result.code == 1 && result.errors.contains("not available offline"))
    }

    @Test func libraryAPIForValidation() throws {
        let hyps = ["the cat sat on the mat", "a dog barked"]
        let refs = [["the cat sat on a mat", "the dog barked"]]
        let bleu = try BLEU().corpusScore(hypotheses: hyps, references: refs)
        #expect(bleu.statistics.correct == [7, 4, 2, 1] && bleu.statistics.total == [9, 7, 5, 3])
        #expect(bleu.report.format(width: 2, scoreOnly: true) == "49.34")
        #expect(throws: MetricsError.self) { try BLEU().corpusScore(hypotheses: hyps, references: [["one"]]) }
        let chrf = try CHRF().corpusScore(hypotheses: hyps, references: refs)
        #expect(chrf.score > 0 && chrf.score < 100)
        let ter = try TER().sentenceScore(hypothesis: "b a c", references: ["a b c"])
        #expect(ter.score == 100 * (1.0 / 3))  // sacreBLEU: 33.33333333333333
    }
}
