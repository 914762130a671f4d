/// Translation edit rate exactly as sacreBLEU 2.6.0 computes it (metrics/ter.py).
public struct TER: Sendable {
    public var normalized: Bool
    public var noPunct: Bool
    public var asianSupport: Bool
    public var caseSensitive: Bool

    public init(normalized: Bool = false, noPunct: Bool = false, asianSupport: Bool = false,
                caseSensitive: Bool = false) {
        self.normalized = normalized
        self.noPunct = noPunct
        self.asianSupport = asianSupport
        self.caseSensitive = caseSensitive
    }

    public func signature(referenceCount: Int?) -> Signature {
        Signature(referenceCount: referenceCount, [
            ("case", "c", caseSensitive ? "mixed" : "lc"),
            ("tok", "t", "tercom"),
            ("norm", "nr", Signature.yesNo(normalized)),
            ("punct", "pn", Signature.yesNo(!noPunct)),
            ("asian", "as", Signature.yesNo(asianSupport)),
        ])
    }

    /// One segment's fewest edits over its references and their average length.
    public struct Statistics: Sendable, Equatable {
        public var edits: Int
        public var averageRefLength: Double
    }

    public func corpusScore(hypotheses: [String], references: [[String]]) throws(MetricsError) -> ScoreReport {
        try corpusScore(Segments(hypotheses: hypotheses, references: references))
    }

    public func corpusScore(_ segments: Segments) -> ScoreReport {
        let stats = segmentStatistics(segments)
        // sacreBLEU sums the float lengths line by line; keep that order.
        var edits = 0, refLength = 0.0
        for s in stats { edits += s.edits; refLength += s.averageRefLength }
        return report(edits: edits, refLength: refLength, referenceCount: segments.references.count)
    }

    public func sentenceScore(hypothesis: String, references: [String]) throws(MetricsError) -> ScoreReport {
        try corpusScore(hypotheses: [hypothesis], references: references.map { [$0] })
    }

    public func sentenceScores(_ segments: Segments) -> [ScoreReport] {
        segmentStatistics(segments).map {
            report(edits: $0.edits, refLength: $0.averageRefLength, referenceCount: segments.references.count)
        }
    }

    public func segmentStatistics(_ segments: Segments) -> [Statistics] {
        Parallel.map(count: segments.count, worker: { Worker(self) }) { $0.statistics(segments, $1) }
    }

    func report(edits: Int, refLength: Double, referenceCount: Int?) -> ScoreReport {
        let rate: Double
        if refLength > 0 { rate = Double(edits) / refLength }
        else if edits > 0 { rate = 1 }  // empty reference(s), non-empty hypothesis
        else { rate = 0 }
        return ScoreReport(name: "TER", score: 100 * rate, verbose: "",
                           signature: signature(referenceCount: referenceCount))
    }

    struct Worker: SegmentWorker {
        let tokenizer: TercomTokenizer
        let referenceTokenizer: TercomTokenizer
        var preprocessor: Preprocessor
        var scratch = TokenizerScratch()
        let interner = LineInterner()
        var hypWords: [Int32] = []
        var refWords: [Int32] = []
        var aligner = ShiftingEditDistance()

        init(_ ter: TER) {
            tokenizer = TercomTokenizer(normalized: ter.normalized, noPunct: ter.noPunct,
                                        asianSupport: ter.asianSupport)
            referenceTokenizer = TercomTokenizer(normalized: ter.normalized, noPunct: ter.noPunct,
                                                 asianSupport: ter.asianSupport, twice: true)
            preprocessor = Preprocessor(lowercase: !ter.caseSensitive, rstrip: true)
        }

        mutating func statistics(hypothesis hyp: UnsafeBufferPointer<UInt8>,
                                 references refs: [UnsafeBufferPointer<UInt8>]) -> Statistics {
            interner.reset()
            TokenIDs.collect(hyp, preprocessor: &preprocessor, tokenizer: tokenizer, scratch: &scratch,
                             interner: interner, into: &hypWords)
            var best = Int(1e16), lengths = 0
            for ref in refs {
                TokenIDs.collect(ref, preprocessor: &preprocessor, tokenizer: referenceTokenizer, scratch: &scratch,
                                 interner: interner, into: &refWords)
                let edits = aligner.edits(hypothesis: hypWords, reference: refWords)
                lengths += refWords.count
                if edits < best { best = edits }
            }
            return Statistics(edits: best, averageRefLength: Double(lengths) / Double(refs.count))
        }
    }
}
