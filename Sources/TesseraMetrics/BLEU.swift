import Foundation

/// BLEU exactly as sacreBLEU 2.6.0 computes it (metrics/bleu.py).
public struct BLEU: Sendable {
    public enum Smoothing: String, Sendable, CaseIterable {
        case exp, floor, addK = "add-k", none

        /// sacreBLEU's default smoothing value, when the method takes one.
        public var defaultValue: Double? {
            switch self {
            case .floor: return 0.1
            case .addK: return 1
            case .exp, .none: return nil
            }
        }
    }

    public var tokenizer: Tokenizer
    public var lowercase: Bool
    public var smoothing: Smoothing
    /// nil: the method's default.
    public var smoothValue: Double?
    public var maxOrder: Int
    /// Average only over the n-gram orders the hypothesis has (sentence-level BLEU).
    public var effectiveOrder: Bool

    public init(tokenizer: Tokenizer = .thirteenA, lowercase: Bool = false, smoothing: Smoothing = .exp,
                smoothValue: Double? = nil, maxOrder: Int = 4, effectiveOrder: Bool = false) {
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.smoothing = smoothing
        self.smoothValue = smoothValue
        self.maxOrder = max(1, maxOrder)
        self.effectiveOrder = effectiveOrder
    }

    /// Sufficient statistics of one segment or a whole corpus (they add up).
    public struct Statistics: Sendable, Equatable {
        public var hypLength = 0
        public var refLength = 0
        public var correct: [Int]
        public var total: [Int]

        public init(order: Int) {
            correct = [Int](repeating: 0, count: order)
            total = correct
        }

        public static func += (a: inout Statistics, b: Statistics) {
            a.hypLength += b.hypLength
            a.refLength += b.refLength
            for n in a.correct.indices {
                a.correct[n] += b.correct[n]
                a.total[n] += b.total[n]
            }
        }
    }

    public func signature(referenceCount: Int?) -> Signature {
        var smooth = smoothing.rawValue
        // Only methods that take a value show it, as "[0.10]".
        if let defaultValue = smoothing.defaultValue {
            let value = smoothValue ?? defaultValue
            smooth += "[\(PythonFormat.fixed(value, 2))]"
        }
        return Signature(referenceCount: referenceCount, [
            ("case", "c", lowercase ? "lc" : "mixed"),
            ("eff", "e", Signature.yesNo(effectiveOrder)),
            ("tok", "tok", tokenizer.rawValue),
            ("smooth", "s", smooth),
        ])
    }

    // MARK: scoring

    public func corpusScore(hypotheses: [String], references: [[String]]) throws(MetricsError) -> Result {
        try corpusScore(Segments(hypotheses: hypotheses, references: references))
    }

    public func corpusScore(_ segments: Segments) -> Result {
        score(corpusStatistics(segments), referenceCount: segments.references.count)
    }

    /// The summed statistics of some segments. Statistics add up, so a caller can
    /// stream a corpus batch by batch and score the running sum with `score`.
    public func corpusStatistics(_ segments: Segments) -> Statistics {
        Parallel.sum(count: segments.count, worker: { Worker(self) }, zero: Statistics(order: maxOrder),
                     { $0.statistics(segments, $1) }, add: +=)
    }

    public func sentenceScore(hypothesis: String, references: [String]) throws(MetricsError) -> Result {
        try corpusScore(hypotheses: [hypothesis], references: references.map { [$0] })
    }

    /// One score per segment, as `--sentence-level` prints them.
    public func sentenceScores(_ segments: Segments) -> [Result] {
        Parallel.map(count: segments.count, worker: { Worker(self) }) {
            score($0.statistics(segments, $1), referenceCount: segments.references.count)
        }
    }

    /// A BLEU result with sacreBLEU's fields.
    public struct Result: Sendable {
        public var score: Double
        public var statistics: Statistics
        public var precisions: [Double]
        public var brevityPenalty: Double
        public var report: ScoreReport

        public var ratio: Double {
            statistics.refLength > 0 ? Double(statistics.hypLength) / Double(statistics.refLength) : 0
        }
    }

    /// sacreBLEU's compute_bleu, operation for operation so every rounding agrees.
    public func score(_ stats: Statistics, referenceCount: Int?) -> Result {
        let sysLen = stats.hypLength, refLen = stats.refLength
        var bp = 1.0
        if sysLen < refLen { bp = sysLen > 0 ? Foundation.exp(1 - Double(refLen) / Double(sysLen)) : 0 }
        var precisions = [Double](repeating: 0, count: maxOrder)
        var score = 0.0
        if stats.correct.contains(where: { $0 != 0 }) {
            let k = smoothValue ?? smoothing.defaultValue ?? 0
            var correct = stats.correct.map(Double.init), total = stats.total.map(Double.init)
            var smoothMteval = 1.0
            var order = maxOrder
            for n in 0..<maxOrder {
                if smoothing == .addK && n > 0 { correct[n] += k; total[n] += k }
                if total[n] == 0 { break }
                if effectiveOrder { order = n + 1 }
                if correct[n] == 0 {
                    if smoothing == .exp {
                        smoothMteval *= 2
                        precisions[n] = 100 / (smoothMteval * total[n])
                    } else if smoothing == .floor {
                        precisions[n] = 100 * k / total[n]
                    }
                } else {
                    precisions[n] = 100 * correct[n] / total[n]
                }
            }
            // my_log floors log(0) to -9999999999; the sum runs left to right from 0.
            var logSum = 0.0
            for p in precisions[0..<order] { logSum += p == 0 ? -9_999_999_999 : Foundation.log(p) }
            score = bp * Foundation.exp(logSum / Double(order))
        }
        let ratio = refLen > 0 ? Double(sysLen) / Double(refLen) : 0
        let verbose = precisions.map { PythonFormat.fixed($0, 1) }.joined(separator: "/")
            + " (BP = \(PythonFormat.fixed(bp, 3)) ratio = \(PythonFormat.fixed(ratio, 3))"
            + " hyp_len = \(sysLen) ref_len = \(refLen))"
        let report = ScoreReport(name: "BLEU", score: score, verbose: verbose,
                                 signature: signature(referenceCount: referenceCount))
        return Result(score: score, statistics: stats, precisions: precisions, brevityPenalty: bp, report: report)
    }

    /// Per-thread state: the tokenizer's and n-gram counter's buffers.
    struct Worker: SegmentWorker {
        let bleu: BLEU
        var preprocessor: Preprocessor
        var tokenizerScratch = TokenizerScratch()
        let counter = NGramCounter()
        var hypTokens: [Int32] = [], hypGrams: [Int32] = []
        var refTokens: [[Int32]] = [], refGrams: [[Int32]] = []

        init(_ bleu: BLEU) {
            self.bleu = bleu
            preprocessor = Preprocessor(lowercase: bleu.lowercase, rstrip: true)
        }

        mutating func statistics(hypothesis: UnsafeBufferPointer<UInt8>,
                                 references: [UnsafeBufferPointer<UInt8>]) -> Statistics {
            counter.interner.reset()
            TokenIDs.collect(hypothesis, preprocessor: &preprocessor, tokenizer: bleu.tokenizer,
                             scratch: &tokenizerScratch, interner: counter.interner, into: &hypTokens)
            while refTokens.count < references.count { refTokens.append([]); refGrams.append([]) }
            for (r, ref) in references.enumerated() {
                TokenIDs.collect(ref, preprocessor: &preprocessor, tokenizer: bleu.tokenizer,
                                 scratch: &tokenizerScratch, interner: counter.interner, into: &refTokens[r])
            }

            var stats = Statistics(order: bleu.maxOrder)
            stats.hypLength = hypTokens.count
            // The closest reference length, the shorter one on ties.
            var closest = -1, closestDiff = -1
            for r in references.indices {
                let length = refTokens[r].count
                let diff = abs(stats.hypLength - length)
                if closestDiff == -1 || diff < closestDiff || (diff == closestDiff && length < closest) {
                    closestDiff = diff
                    closest = length
                }
            }
            stats.refLength = closest

            let refCount = references.count
            hypGrams = hypTokens
            for r in 0..<refCount { refGrams[r] = refTokens[r] }
            for n in 0..<bleu.maxOrder {
                if n > 0 {
                    counter.extend(&hypGrams, items: hypTokens, order: n + 1)
                    for r in 0..<refCount { counter.extend(&refGrams[r], items: refTokens[r], order: n + 1) }
                }
                (stats.correct[n], stats.total[n]) = counter.clippedMatches(hypGrams, refGrams[0..<refCount])
            }
            return stats
        }
    }
}
