/// What search needs from a model: the next-token log-probabilities of each
/// live hypothesis. The model keeps its own incremental state (cached keys and
/// values); search tells it which hypotheses survive through `parents`.
public protocol StepDecoder: AnyObject {
    var vocabularySize: Int { get }

    /// Extends hypotheses by one token each. Hypothesis i of this step continues
    /// hypothesis `parents[i]` of the previous step (at the first step, source
    /// sentence `parents[i]`) with token `tokens[i]`. Returns log-probabilities
    /// of the next token, row-major [hypothesis × vocabulary].
    func step(tokens: [Int32], parents: [Int]) throws -> [Float]
}

/// Decoding settings, named after fairseq's generate options.
public struct SearchOptions: Codable, Sendable, Equatable {
    public var beam = 5
    /// Final scores are sum(log p) / length^lengthPenalty (fairseq's --lenpen).
    public var lengthPenalty: Float = 1.0
    /// Output is capped at maxLengthA × source length + maxLengthB tokens before
    /// the end token, which is forced there (fairseq's max_len_a/b, with the source
    /// length counting its language tag and end token as fairseq's src_lengths do).
    public var maxLengthA: Float = 0
    public var maxLengthB = 200
    /// No n-gram of output tokens occurs twice (fairseq's --no-repeat-ngram-size; 0: off).
    public var noRepeatNgramSize = 0

    public init() {}

    public func maxLength(sourceLength: Int) -> Int {
        max(1, Int(maxLengthA * Float(sourceLength)) + maxLengthB)
    }
}

/// One finished translation, without the start token, ending with the end token.
public struct Hypothesis: Equatable, Sendable {
    public var tokens: [Int32]
    /// Sum of the tokens' log-probabilities.
    public var logProbability: Float
    /// The score search ranked by (length-normalized).
    public var score: Float
}
