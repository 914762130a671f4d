import Foundation
import Testing
@testable import TesseraDecoding

/// A toy model whose next-token distribution is a fixed pseudo-random
/// function of the sentence and the prefix, tracked through `parents`
/// exactly as a real model's cache must be.
private final class ToyDecoder: StepDecoder {
    let vocabularySize: Int
    private let seed: UInt64
    private var prefixes: [[Int32]] = []
    private var sentences: [Int] = []
    private(set) var steps = 0

    init(vocabularySize: Int, seed: UInt64) {
        self.vocabularySize = vocabularySize
        self.seed = seed
    }

    static func logProbabilities(sentence: Int, prefix: [Int32], vocabularySize: Int, seed: UInt64) -> [Float] {
        var hash = seed ^ UInt64(sentence) &* 0x9E37_79B9_7F4A_7C15
        for token in prefix { hash = (hash ^ UInt64(bitPattern: Int64(token))) &* 0x100_0000_01B3 }
        let logits = (0..<vocabularySize).map { v -> Float in
            var z = hash &+ UInt64(v) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 31)) &* 0x94D0_49BB_1331_11EB
            return Float(z >> 40) / Float(1 << 24) * 4
        }
        let logSum = log(logits.map { exp($0) }.reduce(0, +))
        return logits.map { $0 - logSum }
    }

    func step(tokens: [Int32], parents: [Int]) throws -> [Float] {
        if steps == 0 {
            sentences = parents
            prefixes = tokens.map { [$0] }
        } else {
            sentences = parents.map { sentences[$0] }
            prefixes = zip(parents, tokens).map { prefixes[$0] + [$1] }
        }
        steps += 1
        return zip(sentences, prefixes).flatMap {
            Self.logProbabilities(sentence: $0, prefix: $1, vocabularySize: vocabularySize, seed: seed)
        }
    }
}

@Suite struct SearchTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func beamOfOneIsGreedy(seed: UInt64) throws {
        let starts: [Int32] = [7, 7, 8, 9, 7]
        let caps = [10, 3, 12, 1, 20]
        let greedy = try Search.greedy(decoder: ToyDecoder(vocabularySize: 12, seed: seed), starts: starts, end: 2, maxLengths: caps)
        let beam = try Search.beam(decoder: ToyDecoder(vocabularySize: 12, seed: seed), starts: starts, end: 2, maxLengths: caps,
                                   beam: 1, lengthPenalty: 1)
        #expect(beam == greedy)
        for (hypothesis, cap) in zip(greedy, caps) {
            #expect(hypothesis.tokens.count >= 2 && hypothesis.tokens.count <= cap + 1)
            #expect(hypothesis.tokens.last == 2)
            #expect(!hypothesis.tokens.dropLast().contains(2))
        }
    }

    /// With a beam wider than the whole search space, beam search must find the
    /// best sequence that brute-force enumeration finds under fairseq's rules:
    /// no end token first, the end token forced after `cap` tokens.
    @Test(arguments: [0, 1] as [Float])
    func wideBeamIsExhaustive(lengthPenalty: Float) throws {
        let vocabulary = 4, end: Int32 = 3, cap = 4
        for sentence in 0..<3 {
            var best: (score: Float, tokens: [Int32])?
            func explore(_ prefix: [Int32], _ logProbability: Float) {
                let p = ToyDecoder.logProbabilities(sentence: sentence, prefix: [5] + prefix, vocabularySize: vocabulary, seed: 9)
                let allowed = prefix.count == cap ? [end] : (0..<Int32(vocabulary)).filter { $0 != end || !prefix.isEmpty }
                for token in allowed {
                    let sequence = prefix + [token], total = logProbability + p[Int(token)]
                    if token == end {
                        let score = Search.normalized(total, length: sequence.count, penalty: lengthPenalty)
                        if best == nil || score > best!.score { best = (score, sequence) }
                    } else {
                        explore(sequence, total)
                    }
                }
            }
            explore([], 0)
            let found = try Search.beam(decoder: ToyDecoder(vocabularySize: vocabulary, seed: 9), starts: [5, 5, 5],
                                        end: end, maxLengths: [cap, cap, cap], beam: 256, lengthPenalty: lengthPenalty)
            #expect(found[sentence].tokens == best!.tokens)
            #expect(abs(found[sentence].score - best!.score) < 1e-5)
        }
    }

    @Test func beamSearchIsDeterministicAndKeepsSentencesApart() throws {
        let run = { try Search.beam(decoder: ToyDecoder(vocabularySize: 50, seed: 4), starts: [1, 1, 1, 1], end: 2,
                                    maxLengths: [30, 30, 5, 30], beam: 5, lengthPenalty: 1) }
        let first = try run()
        #expect(try run() == first)
        // A sentence decoded in a batch gets what it gets alone (the toy model
        // keys on the sentence index, so sentence 0 is the one to compare).
        let alone = try Search.beam(decoder: ToyDecoder(vocabularySize: 50, seed: 4), starts: [1], end: 2,
                                    maxLengths: [30], beam: 5, lengthPenalty: 1)
        #expect(alone[0] == first[0])
        #expect(first[2].tokens.count <= 5 + 1 && first[2].tokens.last == 2)
    }

    /// Banned tokens never appear, even where they are the model's favourite,
    /// and no hypothesis is empty.
    @Test(arguments: [1, 4]) func bannedTokensAndEmptyOutputAreExcluded(beam: Int) throws {
        let starts: [Int32] = [1, 1, 1, 1, 1, 1]
        let caps = [8, 8, 8, 8, 3, 1]
        let free = try Search.beam(decoder: ToyDecoder(vocabularySize: 10, seed: 5), starts: starts, end: 2, maxLengths: caps,
                                   beam: beam, lengthPenalty: 1)
        let favourites = Set(free.flatMap { $0.tokens.dropLast() })
        let banned = Array(favourites.prefix(2))
        let search = { (decoder: ToyDecoder) in
            beam == 1 ? try Search.greedy(decoder: decoder, starts: starts, end: 2, banned: banned, maxLengths: caps)
                : try Search.beam(decoder: decoder, starts: starts, end: 2, banned: banned, maxLengths: caps, beam: beam, lengthPenalty: 1)
        }
        for (hypothesis, cap) in zip(try search(ToyDecoder(vocabularySize: 10, seed: 5)), caps) {
            #expect(hypothesis.tokens.allSatisfy { !banned.contains($0) })
            #expect(hypothesis.tokens.count >= 2 && hypothesis.tokens.count <= cap + 1 && hypothesis.tokens.last == 2)
        }
    }

    /// fairseq's --no-repeat-ngram-size: each earlier occurrence of the last n−1 tokens
    /// bans the token that followed it, and nothing else.
    @Test func noRepeatNgramBansExactlyTheTokensThatWouldRepeat() {
        func banned(after tokens: [Int32], n: Int) -> [Int] {
            var scores = [Float](repeating: 0, count: 10)
            scores.withUnsafeMutableBufferPointer {
                Search.constrain($0, after: tokens, cap: 50, end: 2, banned: [], noRepeatNgramSize: n)
            }
            return scores.indices.filter { scores[$0] == -.infinity }
        }
        #expect(banned(after: [5, 6, 7, 5, 6], n: 3) == [7])
        #expect(banned(after: [5, 6, 7, 5, 6], n: 2) == [7])
        #expect(banned(after: [5, 6, 5, 7, 5], n: 2) == [6, 7])
        #expect(banned(after: [5, 6, 7, 5, 6], n: 4) == [])
        #expect(banned(after: [5, 6, 7], n: 1) == [5, 6, 7])
        #expect(banned(after: [5, 6, 7, 5, 6], n: 0) == [])
    }

    @Test(arguments: [1, 4]) func noOutputRepeatsAnNgram(beam: Int) throws {
        let starts: [Int32] = [1, 1, 1, 1]
        let caps = [30, 30, 30, 30]
        func search(_ n: Int) throws -> [Hypothesis] {
            let decoder = ToyDecoder(vocabularySize: 5, seed: 11)
            return beam == 1
                ? try Search.greedy(decoder: decoder, starts: starts, end: 2, maxLengths: caps, noRepeatNgramSize: n)
                : try Search.beam(decoder: decoder, starts: starts, end: 2, maxLengths: caps, beam: beam, lengthPenalty: 1,
                                  noRepeatNgramSize: n)
        }
        func repeatsAn(_ n: Int, _ tokens: [Int32]) -> Bool {
            let grams = tokens.count < n ? [] : (0...(tokens.count - n)).map { Array(tokens[$0..<$0 + n]) }
            return Set(grams).count < grams.count
        }
        #expect(try search(0).contains { repeatsAn(2, Array($0.tokens.dropLast())) })
        for n in [2, 3] {
            for hypothesis in try search(n) {
                #expect(!repeatsAn(n, Array(hypothesis.tokens.dropLast())), "\(hypothesis.tokens)")
                #expect(hypothesis.tokens.last == 2)
            }
        }
    }

    @Test func topKKeepsBestWithStableTies() {
        var top = TopK(capacity: 3)
        for (i, score) in [1, 5, 3, 5, 2, 5].enumerated() { top.offer(score: Float(score), row: 0, token: i) }
        #expect(top.sorted().map(\.token) == [1, 3, 5])
    }
}
