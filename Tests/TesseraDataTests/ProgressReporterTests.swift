import Foundation
import Testing
@testable import TesseraTraining

@Suite struct ProgressReporterTests {
    @Test func plainLinesAndJSONL() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-progress-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pipe = Pipe()
        let logPath = directory.appendingPathComponent("train.jsonl").path
        let figures = ProgressReporter.Figures(step: 120, loss: 5.1234, perplexity: 35.7, learningRate: 2.4e-4,
                                               targetTokensPerSecond: 3120.4, elapsedSeconds: 83, etaSeconds: 3723)
        do {
            let reporter = try ProgressReporter(output: pipe.fileHandleForWriting, logPath: logPath, interactive: false)
            reporter.live(figures)  // not a terminal: no live line
            reporter.report(figures)
        }
        // Appending: a second reporter (a resumed run) keeps the first record.
        try ProgressReporter(output: pipe.fileHandleForWriting, logPath: logPath, interactive: false).report(figures)
        try pipe.fileHandleForWriting.close()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let line = "step 120 | loss 5.123 | ppl 35.70 | lr 2.40e-04 | 3120 tgt tok/s | elapsed 0:01:23 | ETA 1:02:03\n"
        #expect(text == line + line)
        let records = try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n")
        #expect(records.count == 2)
        let decoded = try JSONDecoder().decode(ProgressReporter.Figures.self, from: Data(records[0].utf8))
        #expect(decoded == figures)
        #expect(records[0].contains("\"ppl\":35.7"))
    }

    @Test func gradientNormAndClippingAreShownWhenKnown() {
        var figures = ProgressReporter.Figures(step: 5, loss: 2, perplexity: 7, learningRate: 1e-3, targetTokensPerSecond: 10,
                                               elapsedSeconds: 1, etaSeconds: nil)
        figures.gradientNorm = 0.8125
        #expect(ProgressReporter.format(figures).hasSuffix("elapsed 0:00:01 | gnorm 0.812"))
        figures.clippedFraction = 0.25
        #expect(ProgressReporter.format(figures).hasSuffix("gnorm 0.812 | clipped 25%"))
    }
}
