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
            try reporter.report(figures)
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

    /// A resumed run's log keeps the records up to its checkpoint's update and loses a line torn
    /// by kill -9; a new run's log starts empty; a non-finite figure is written as null.
    @Test func logIsCutBackToTheCheckpointAndNonFiniteFiguresAreNull() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-progress-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let logPath = directory.appendingPathComponent("train.jsonl").path
        let earlier = #"{"step":5,"loss":1}"# + "\n" + #"{"step":10,"loss":2}"# + "\n"
        try Data((earlier + #"{"step":15,"loss":3}"# + "\n" + #"{"step":20,"lo"#).utf8).write(to: URL(fileURLWithPath: logPath))
        let null = FileHandle(forWritingAtPath: "/dev/null")!
        let reporter = try ProgressReporter(output: null, logPath: logPath, interactive: false)
        try reporter.keepLog(through: 12)
        var figures = ProgressReporter.Figures(step: 15, loss: .nan, perplexity: .infinity, learningRate: 1e-3,
                                               targetTokensPerSecond: 10, elapsedSeconds: 1, etaSeconds: nil)
        figures.layers = ["encoder.layers.0.moe.dropped": [.nan, 0.5]]
        try reporter.report(figures)
        let text = try String(contentsOfFile: logPath, encoding: .utf8)
        #expect(text == earlier + #"{"elapsed_s":1,"layers":{"encoder.layers.0.moe.dropped":[null,0.5]},"loss":null,"lr":0.001,"ppl":null,"step":15,"tgt_tokens_per_s":10}"# + "\n")

        try ProgressReporter(output: null, logPath: logPath, interactive: false).keepLog(through: 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: logPath)).isEmpty)
    }
}
