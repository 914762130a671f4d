#if canImport(Glibc)
import Glibc
#endif

/// Greedy and beam search over a StepDecoder, for a batch of sources at once.
public enum Search {
    /// Argmax decoding: each sentence extends its single hypothesis until it
    /// emits `end`; at its length cap it emits `end`.
    public static func greedy(decoder: StepDecoder, starts: [Int32], end: Int32, banned: [Int32] = [], maxLengths: [Int],
                              lengthPenalty: Float = 1, noRepeatNgramSize: Int = 0) throws -> [Hypothesis] {
        var results = starts.map { _ in Hypothesis(tokens: [], logProbability: 0, score: 0) }
        var live = Array(starts.indices)  // sentence of each live hypothesis
        var tokens = starts
        var parents = Array(starts.indices)
        let vocabulary = decoder.vocabularySize
        while !live.isEmpty {
            var logits = try decoder.step(tokens: tokens, parents: parents)
            var nextLive: [Int] = [], nextTokens: [Int32] = [], nextParents: [Int] = []
            for (row, sentence) in live.enumerated() {
                let best = logits.withUnsafeMutableBufferPointer { all in
                    let row = UnsafeMutableBufferPointer(rebasing: all[row * vocabulary ..< (row + 1) * vocabulary])
                    constrain(row, after: results[sentence].tokens, cap: maxLengths[sentence], end: end, banned: banned,
                              noRepeatNgramSize: noRepeatNgramSize)
                    return argmax(row)
                }
                results[sentence].tokens.append(Int32(best.index))
                results[sentence].logProbability += best.value
                if Int32(best.index) != end {
                    nextLive.append(sentence)
                    nextTokens.append(Int32(best.index))
                    nextParents.append(row)
                }
            }
            (live, tokens, parents) = (nextLive, nextTokens, nextParents)
        }
        return results.map {
            Hypothesis(tokens: $0.tokens, logProbability: $0.logProbability,
                       score: normalized($0.logProbability, length: $0.tokens.count, penalty: lengthPenalty))
        }
    }

    /// Beam search in fairseq's manner: each step ranks the 2·beam best
    /// extensions of a sentence's beam; those ending in `end` within the first
    /// `beam` ranks finish, the best `beam` others stay live. A sentence is done
    /// when it has `beam` finished hypotheses; at its length cap every live
    /// hypothesis finishes with `end`, scored by its probability. Returns the
    /// best finished hypothesis per sentence.
    public static func beam(decoder: StepDecoder, starts: [Int32], end: Int32, banned: [Int32] = [], maxLengths: [Int],
                            beam: Int, lengthPenalty: Float, noRepeatNgramSize: Int = 0) throws -> [Hypothesis] {
        precondition(beam >= 1, "beam must be at least 1")
        struct Live { var sentence: Int; var tokens: [Int32]; var logProbability: Float }
        var finished = starts.map { _ in [Hypothesis]() }
        var live = starts.indices.map { Live(sentence: $0, tokens: [], logProbability: 0) }
        var stepTokens = starts
        var parents = Array(starts.indices)
        let vocabulary = decoder.vocabularySize

        while !live.isEmpty {
            var logits = try decoder.step(tokens: stepTokens, parents: parents)
            var nextLive: [Live] = [], nextTokens: [Int32] = [], nextParents: [Int] = []
            var row = 0
            while row < live.count {
                let sentence = live[row].sentence
                var rows = row
                while rows < live.count && live[rows].sentence == sentence { rows += 1 }
                // Candidates over this sentence's beam, best first; ties go to the
                // lower (hypothesis, token) so results never depend on timing.
                var candidates = TopK(capacity: 2 * beam)
                let length = live[row].tokens.count
                for r in row..<rows {
                    let base = live[r].logProbability
                    logits.withUnsafeMutableBufferPointer { all in
                        let scores = UnsafeMutableBufferPointer(rebasing: all[r * vocabulary ..< (r + 1) * vocabulary])
                        constrain(scores, after: live[r].tokens, cap: maxLengths[sentence], end: end, banned: banned,
                                  noRepeatNgramSize: noRepeatNgramSize)
                        for token in 0..<vocabulary where scores[token] > -.infinity {
                            candidates.offer(score: base + scores[token], row: r, token: token)
                        }
                    }
                }
                var kept = 0
                for (rank, candidate) in candidates.sorted().enumerated() {
                    let parent = live[candidate.row]
                    let token = Int32(candidate.token)
                    if token == end {
                        // At the cap `end` is the only candidate, so every live hypothesis finishes.
                        if rank < beam || length >= maxLengths[sentence] {
                            if finished[sentence].count < beam {
                                finished[sentence].append(Hypothesis(
                                    tokens: parent.tokens + [token], logProbability: candidate.score,
                                    score: normalized(candidate.score, length: length + 1, penalty: lengthPenalty)))
                            }
                        }
                        continue
                    }
                    if kept < beam && finished[sentence].count < beam {
                        nextLive.append(Live(sentence: sentence, tokens: parent.tokens + [token], logProbability: candidate.score))
                        nextTokens.append(token)
                        nextParents.append(candidate.row)
                        kept += 1
                    }
                }
                row = rows
            }
            // A sentence with `beam` finished hypotheses stops, whatever is still live.
            var filtered: [Live] = [], filteredTokens: [Int32] = [], filteredParents: [Int] = []
            for (i, hypothesis) in nextLive.enumerated() where finished[hypothesis.sentence].count < beam {
                filtered.append(hypothesis)
                filteredTokens.append(nextTokens[i])
                filteredParents.append(nextParents[i])
            }
            (live, stepTokens, parents) = (filtered, filteredTokens, filteredParents)
        }
        return finished.map { hypotheses in
            hypotheses.enumerated().max { a, b in
                a.element.score != b.element.score ? a.element.score < b.element.score : a.offset > b.offset
            }!.element
        }
    }

    /// fairseq's output constraints on the next-token scores of a hypothesis that has
    /// produced `tokens`: `banned` tokens (padding, unknown, start, language tags) never;
    /// `end` not as the first token (min_len 1); only `end` once the tokens reach the
    /// cap; with `noRepeatNgramSize` n > 0, no token that would repeat an n-gram of
    /// `tokens` (fairseq's --no-repeat-ngram-size).
    static func constrain(_ scores: UnsafeMutableBufferPointer<Float>, after tokens: [Int32], cap: Int, end: Int32,
                          banned: [Int32], noRepeatNgramSize n: Int = 0) {
        let length = tokens.count
        if length >= cap {
            let kept = scores[Int(end)]
            for i in scores.indices { scores[i] = -.infinity }
            scores[Int(end)] = kept
            return
        }
        for token in banned { scores[Int(token)] = -.infinity }
        if length == 0 { scores[Int(end)] = -.infinity }
        if n > 0 && length >= n {
            // Every earlier occurrence of the last n−1 tokens bans the token that followed it.
            let suffix = length - (n - 1)
            for start in 0..<suffix where tokens[start..<start + n - 1].elementsEqual(tokens[suffix...]) {
                scores[Int(tokens[start + n - 1])] = -.infinity
            }
        }
    }

    static func normalized(_ logProbability: Float, length: Int, penalty: Float) -> Float {
        logProbability / powf(Float(max(length, 1)), penalty)
    }

    private static func argmax(_ values: UnsafeMutableBufferPointer<Float>) -> (index: Int, value: Float) {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return (best, values[best])
    }
}

/// The k best (score, row, token) candidates seen, kept in a small sorted array.
struct TopK {
    struct Candidate: Comparable {
        var score: Float
        var row: Int
        var token: Int

        /// Better first: higher score, then lower row, then lower token.
        static func < (a: Candidate, b: Candidate) -> Bool {
            if a.score != b.score { return a.score > b.score }
            return (a.row, a.token) < (b.row, b.token)
        }
    }

    let capacity: Int
    private var items: [Candidate] = []

    init(capacity: Int) {
        self.capacity = capacity
        items.reserveCapacity(capacity + 1)
    }

    mutating func offer(score: Float, row: Int, token: Int) {
        if items.count == capacity, let worst = items.last, !(score > worst.score) { return }
        let candidate = Candidate(score: score, row: row, token: token)
        var i = items.count
        while i > 0 && candidate < items[i - 1] { i -= 1 }
        items.insert(candidate, at: i)
        if items.count > capacity { items.removeLast() }
    }

    func sorted() -> [Candidate] { items }
}
