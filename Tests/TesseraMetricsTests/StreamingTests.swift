import Testing
import TesseraMetrics

@Suite struct StreamingTests {
    /// Statistics of batches add up to the statistics of the whole corpus.
    @Test func batchStatisticsAddUp() throws {
        let lines = Fixtures.lines("inputs/real-de/ref.txt").map(String.init)
        let hyps = Fixtures.lines("inputs/real-de/hyp.txt").map(String.init)
        let bleu = BLEU()
        var running = BLEU.Statistics(order: 4)
        for start in stride(from: 0, to: lines.count, by: 7) {
            let end = min(start + 7, lines.count)
            running += bleu.corpusStatistics(try Segments(hypotheses: Array(hyps[start..<end]),
                                                          references: [Array(lines[start..<end])]))
        }
        let whole = try bleu.corpusScore(hypotheses: hyps, references: [lines])
        #expect(running == whole.statistics)
        #expect(bleu.score(running, referenceCount: 1).report == whole.report)
    }
}
