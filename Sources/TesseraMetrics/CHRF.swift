/// chrF and chrF++ exactly as sacreBLEU 2.6.0 computes them (metrics/chrf.py).
public struct CHRF: Sendable {
    public var charOrder: Int
    /// 0 for chrF, 2 for chrF++.
    public var wordOrder: Int
    public var beta: Int
    public var lowercase: Bool
    /// Keep whitespace inside character n-grams.
    public var whitespace: Bool
    /// chrF++.py/NLTK/Moses epsilon smoothing instead of effective-order averaging.
    public var epsSmoothing: Bool

    public init(charOrder: Int = 6, wordOrder: Int = 0, beta: Int = 2, lowercase: Bool = false,
                whitespace: Bool = false, epsSmoothing: Bool = false) {
        self.charOrder = charOrder
        self.wordOrder = wordOrder
        self.beta = beta
        self.lowercase = lowercase
        self.whitespace = whitespace
        self.epsSmoothing = epsSmoothing
    }

    var order: Int { charOrder + wordOrder }

    public var name: String { "chrF\(beta)" + String(repeating: "+", count: max(0, wordOrder)) }

    public func signature(referenceCount: Int?) -> Signature {
        Signature(referenceCount: referenceCount, [
            ("case", "c", lowercase ? "lc" : "mixed"),
            ("eff", "e", Signature.yesNo(!epsSmoothing)),
            ("nc", "nc", String(charOrder)),
            ("nw", "nw", String(wordOrder)),
            ("space", "s", Signature.yesNo(whitespace)),
        ])
    }

    /// [hypothesis n-grams, reference n-grams, matches] for each order, character
    /// orders first; segment statistics add up to corpus statistics.
    public typealias Statistics = [Int]

    public func corpusScore(hypotheses: [String], references: [[String]]) throws(MetricsError) -> ScoreReport {
        try corpusScore(Segments(hypotheses: hypotheses, references: references))
    }

    public func corpusScore(_ segments: Segments) -> ScoreReport {
        let total = Parallel.sum(count: segments.count, worker: { Worker(self) },
                                 zero: Statistics(repeating: 0, count: 3 * order), { $0.statistics(segments, $1) },
                                 add: { sum, stats in for k in sum.indices { sum[k] += stats[k] } })
        return report(total, referenceCount: segments.references.count)
    }

    public func sentenceScore(hypothesis: String, references: [String]) throws(MetricsError) -> ScoreReport {
        try corpusScore(hypotheses: [hypothesis], references: references.map { [$0] })
    }

    public func sentenceScores(_ segments: Segments) -> [ScoreReport] {
        Parallel.map(count: segments.count, worker: { Worker(self) }) {
            report($0.statistics(segments, $1), referenceCount: segments.references.count)
        }
    }

    func report(_ stats: Statistics, referenceCount: Int?) -> ScoreReport {
        ScoreReport(name: name, score: fScore(stats), verbose: "", signature: signature(referenceCount: referenceCount))
    }

    /// sacreBLEU's _compute_f_score, operation for operation.
    func fScore(_ stats: Statistics) -> Double {
        let eps = 1e-16
        let factor = Double(beta * beta)
        var score = 0.0, avgPrecision = 0.0, avgRecall = 0.0
        var effectiveOrder = 0
        for i in 0..<order {
            let nHyp = stats[3 * i], nRef = stats[3 * i + 1], nMatch = stats[3 * i + 2]
            let precision = nHyp > 0 ? Double(nMatch) / Double(nHyp) : eps
            let recall = nRef > 0 ? Double(nMatch) / Double(nRef) : eps
            let denominator = factor * precision + recall
            score += denominator > 0 ? (1 + factor) * precision * recall / denominator : eps
            if nHyp > 0 && nRef > 0 {
                avgPrecision += precision
                avgRecall += recall
                effectiveOrder += 1
            }
        }
        if epsSmoothing { return 100 * score / Double(order) }
        if effectiveOrder == 0 {
            avgPrecision = 0
            avgRecall = 0
        } else {
            avgPrecision /= Double(effectiveOrder)
            avgRecall /= Double(effectiveOrder)
        }
        guard avgPrecision + avgRecall != 0 else { return 0 }
        score = (1 + factor) * avgPrecision * avgRecall
        score /= factor * avgPrecision + avgRecall
        return 100 * score
    }

    /// Per-thread buffers for extracting and matching n-grams.
    struct Worker: SegmentWorker {
        let chrf: CHRF
        var preprocessor: Preprocessor
        let counter = NGramCounter()
        var scalars: [UInt32] = []
        var hypChars: [Int32] = [], hypWords: [Int32] = [], hypGrams: [Int32] = []
        var refChars: [[Int32]] = [], refWords: [[Int32]] = [], refGrams: [[Int32]] = []
        var perReference: [Int] = []

        init(_ chrf: CHRF) {
            self.chrf = chrf
            preprocessor = Preprocessor(lowercase: chrf.lowercase, rstrip: false)
        }

        /// The statistics against the reference with the best F-score (the first on ties).
        mutating func statistics(hypothesis: UnsafeBufferPointer<UInt8>,
                                 references: [UnsafeBufferPointer<UInt8>]) -> Statistics {
            counter.interner.reset()
            let refCount = references.count
            while refChars.count < refCount { refChars.append([]); refWords.append([]); refGrams.append([]) }
            Self.extract(hypothesis, chrf, &preprocessor, counter.interner, &scalars, &hypChars, &hypWords)
            for r in 0..<refCount {
                Self.extract(references[r], chrf, &preprocessor, counter.interner, &scalars, &refChars[r], &refWords[r])
            }
            let width = 3 * chrf.order
            perReference.removeAll(keepingCapacity: true)
            perReference.append(contentsOf: repeatElement(0, count: width * refCount))
            var slot = 0
            for (count, words) in [(chrf.charOrder, false), (chrf.wordOrder, true)] {
                guard count > 0 else { continue }
                hypGrams = words ? hypWords : hypChars
                for r in 0..<refCount { refGrams[r] = words ? refWords[r] : refChars[r] }
                for n in 1...count {
                    if n > 1 {
                        counter.extend(&hypGrams, items: words ? hypWords : hypChars, order: n)
                        for r in 0..<refCount {
                            counter.extend(&refGrams[r], items: words ? refWords[r] : refChars[r], order: n)
                        }
                    }
                    for r in 0..<refCount {
                        let base = r * width + 3 * slot
                        // No credit for hypothesis n-grams when the reference has none of this order.
                        perReference[base] = refGrams[r].isEmpty ? 0 : hypGrams.count
                        perReference[base + 1] = refGrams[r].count
                        perReference[base + 2] = counter.matches(hypGrams, refGrams[r])
                    }
                    slot += 1
                }
            }
            var best: Statistics = []
            var bestScore = -1.0
            for r in 0..<refCount {
                let stats = Array(perReference[r * width..<(r + 1) * width])
                let f = chrf.fScore(stats)
                if f > bestScore { bestScore = f; best = stats }
            }
            return best
        }

        /// Character ids (whitespace dropped unless kept) and chrF++ word ids of a line.
        private static func extract(_ line: UnsafeBufferPointer<UInt8>, _ chrf: CHRF, _ preprocessor: inout Preprocessor,
                                    _ interner: LineInterner, _ scalars: inout [UInt32],
                                    _ chars: inout [Int32], _ words: inout [Int32]) {
            chars.removeAll(keepingCapacity: true)
            words.removeAll(keepingCapacity: true)
            preprocessor.apply(line) { text in
                PythonText.scalars(of: text, into: &scalars)
                for c in scalars where chrf.whitespace || !PythonText.isSpace(c) { chars.append(interner.scalar(c)) }
                guard chrf.wordOrder > 0 else { return }
                PythonText.forEachToken(text) { range in
                    for piece in punctuationSplit(text, range) {
                        words.append(interner.token(UnsafeBufferPointer(rebasing: text[piece])))
                    }
                }
            }
        }

        /// sacreBLEU's _remove_punctuation for one word: a trailing ASCII
        /// punctuation character is split off, else a leading one.
        private static func punctuationSplit(_ text: UnsafeBufferPointer<UInt8>, _ word: Range<Int>) -> [Range<Int>] {
            func isPunct(_ b: UInt8) -> Bool { TextPasses.isASCIIPunctuation(b) }
            let first = word.lowerBound, last = word.upperBound - 1
            // Single-character words stay whole; ASCII punctuation is one byte.
            var firstLength = 1
            while first + firstLength < word.upperBound && text[first + firstLength] & 0xC0 == 0x80 { firstLength += 1 }
            if firstLength == word.count { return [word] }
            if isPunct(text[last]) { return [first..<last, last..<word.upperBound] }
            if isPunct(text[first]) { return [first..<first + 1, first + 1..<word.upperBound] }
            return [word]
        }
    }
}
