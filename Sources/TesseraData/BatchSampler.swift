import TesseraTensor
import TesseraIO
import TesseraText

/// One training batch: rows of a single direction (LMS needs one direction
/// per batch), of similar length so little is spent on padding.
public struct Batch: Equatable, Sendable {
    public var direction: Direction
    public var rows: [Int]
}

/// Draws batches for multilingual training. Each step picks a direction by
/// temperature sampling over the directions' sizes, then takes that
/// direction's next batch. A direction's epoch is a seeded shuffle of its rows,
/// cut into windows that are sorted by length and split by a padded-token
/// budget (Marian's maxi-batches), so batches are length-bucketed yet varied.
/// The whole position is a small Codable `State`: resuming from it replays
/// exactly the batches an uninterrupted run would have drawn.
public final class BatchSampler {
    public struct Options: Codable, Sendable, Equatable {
        /// Budget of padded tokens per batch: rows × max(source, target length).
        public var maxTokens = 4096
        /// Rows longer than this (in tokens, either side) are skipped.
        public var maxLength = 256
        /// Pair-sampling temperature T: direction weight ∝ (n_d / Σn)^(1/T).
        public var temperature = 1.5
        /// Batches per length-sorted window.
        public var windowBatches = 32
        public var seed: UInt64 = 1

        public init() {}
    }

    public struct State: Codable, Sendable, Equatable {
        public var generator: SplitMix64
        public var epochs: [Int]
        public var positions: [Int]
    }

    public let directions: [Direction]
    public let probabilities: [Double]
    public let options: Options
    public private(set) var state: State
    /// Rows of each direction that fit maxLength, and their lengths.
    private let rows: [[Int]]
    private let sourceLengths: [[Int]], targetLengths: [[Int]]
    private var epochBatches: [[[Int]]]

    /// `sourceExtra`/`targetExtra` count tokens that training adds to every
    /// row (the language tag, end-of-sentence), so the budget is honest.
    public init(corpus: BinarizedCorpus, directions: [Direction], options: Options,
                sourceExtra: Int = 2, targetExtra: Int = 1) throws {
        var lengths: [Language: [Int]] = [:]
        for language in Set(directions.flatMap { [$0.source, $0.target] }) {
            guard corpus.languages.contains(language) else {
                throw InputError(file: corpus.path, message: "has no language '\(language.code)' (it has \(corpus.languages.map(\.code).joined(separator: ", ")))")
            }
            lengths[language] = try corpus.lengths(language)
        }
        var rows: [[Int]] = [], sources: [[Int]] = [], targets: [[Int]] = []
        for direction in directions {
            let s = lengths[direction.source]!, t = lengths[direction.target]!
            let kept = (0..<corpus.rowCount).filter {
                s[$0] > 0 && t[$0] > 0 && s[$0] + sourceExtra <= options.maxLength && t[$0] + targetExtra <= options.maxLength
            }
            guard !kept.isEmpty else {
                throw InputError(file: corpus.path, message: "direction \(direction) has no rows of at most \(options.maxLength) tokens")
            }
            rows.append(kept)
            sources.append(kept.map { s[$0] + sourceExtra })
            targets.append(kept.map { t[$0] + targetExtra })
        }
        guard options.maxTokens >= options.maxLength else {
            throw InputError(file: "recipe", message: "max-tokens (\(options.maxTokens)) must be at least max-length (\(options.maxLength))")
        }
        self.directions = directions
        self.options = options
        self.rows = rows
        self.sourceLengths = sources
        self.targetLengths = targets
        self.probabilities = TemperatureSampling.probabilities(counts: rows.map(\.count), temperature: options.temperature)
        self.state = State(generator: SplitMix64(seed: options.seed), epochs: directions.map { _ in 0 },
                           positions: directions.map { _ in 0 })
        self.epochBatches = []
        self.epochBatches = directions.indices.map { makeEpoch(direction: $0, epoch: 0) }
    }

    /// Row count of each direction (after the length filter).
    public var rowCounts: [Int] { rows.map(\.count) }

    public func next() -> Batch {
        let d = drawDirection()
        if state.positions[d] == epochBatches[d].count {
            state.epochs[d] += 1
            state.positions[d] = 0
            epochBatches[d] = makeEpoch(direction: d, epoch: state.epochs[d])
        }
        let batch = Batch(direction: directions[d], rows: epochBatches[d][state.positions[d]])
        state.positions[d] += 1
        return batch
    }

    /// Continues from a saved state, as if every batch before it had been drawn here.
    public func restore(_ saved: State) {
        precondition(saved.epochs.count == directions.count, "state from a sampler with other directions")
        state = saved
        epochBatches = directions.indices.map { makeEpoch(direction: $0, epoch: saved.epochs[$0]) }
    }

    private func drawDirection() -> Int {
        let u = Double(state.generator.next() >> 11) * 0x1p-53
        var cumulative = 0.0
        for (index, p) in probabilities.enumerated() {
            cumulative += p
            if u < cumulative { return index }
        }
        return probabilities.lastIndex { $0 > 0 } ?? 0
    }

    /// The batches of one epoch of one direction, as row ids. Depends only on
    /// the seed, the direction and the epoch number.
    private func makeEpoch(direction d: Int, epoch: Int) -> [[Int]] {
        var generator = SplitMix64(seed: options.seed ^ (UInt64(d + 1) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(epoch) &* 0xD1B5_4A32_D192_ED03))
        let order = Array(rows[d].indices).shuffled(using: &generator)
        let averageRows = max(1, options.maxTokens / max(1, targetLengths[d].reduce(0, +) / rows[d].count))
        let window = averageRows * options.windowBatches
        var batches: [[Int]] = []
        for start in stride(from: 0, to: order.count, by: window) {
            let sorted = order[start..<min(start + window, order.count)].sorted {
                (targetLengths[d][$0], sourceLengths[d][$0], $0) < (targetLengths[d][$1], sourceLengths[d][$1], $1)
            }
            var current: [Int] = []
            var longest = 0
            for i in sorted {
                let length = max(sourceLengths[d][i], targetLengths[d][i])
                if !current.isEmpty && max(longest, length) * (current.count + 1) > options.maxTokens {
                    batches.append(current.map { rows[d][$0] })
                    current = []
                    longest = 0
                }
                current.append(i)
                longest = max(longest, length)
            }
            if !current.isEmpty { batches.append(current.map { rows[d][$0] }) }
        }
        batches.shuffle(using: &generator)
        return batches
    }
}
