import TesseraIO

/// Sizes and regularization of the encoder-decoder Transformer. JSON keys
/// follow fairseq's argument names where one exists.
public struct TransformerConfig: Codable, Sendable, Equatable {
    public var vocabularySize: Int
    public var modelDimension = 256
    public var heads = 4
    public var feedForwardDimension = 1024
    public var encoderLayers = 3
    public var decoderLayers = 3
    public var maxPositions = 512
    public var dropout: Float = 0.1
    public var attentionDropout: Float = 0
    public var activationDropout: Float = 0
    public var activation: Activation = .relu
    /// Id of the padding token (never attended to, never a target).
    public var paddingID: Int32 = 3
    /// The feed-forward kind of the layers it applies to (the others stay dense).
    public var feedForwardKind: FeedForwardKind = .dense

    public enum Activation: String, Codable, Sendable { case relu, gelu }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case vocabularySize = "vocab_size"
        case modelDimension = "embed_dim"
        case heads = "attention_heads"
        case feedForwardDimension = "ffn_embed_dim"
        case encoderLayers = "encoder_layers"
        case decoderLayers = "decoder_layers"
        case maxPositions = "max_positions"
        case dropout
        case attentionDropout = "attention_dropout"
        case activationDropout = "activation_dropout"
        case activation = "activation_fn"
        case paddingID = "pad_id"
        case feedForwardKind = "ffn_kind"
    }

    public init(vocabularySize: Int) { self.vocabularySize = vocabularySize }

    /// Missing keys keep their defaults, so recipes name only what they change.
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(vocabularySize: try c.decode(Int.self, forKey: .vocabularySize))
        try c.update(&modelDimension, .modelDimension)
        try c.update(&heads, .heads)
        try c.update(&feedForwardDimension, .feedForwardDimension)
        try c.update(&encoderLayers, .encoderLayers)
        try c.update(&decoderLayers, .decoderLayers)
        try c.update(&maxPositions, .maxPositions)
        try c.update(&dropout, .dropout)
        try c.update(&attentionDropout, .attentionDropout)
        try c.update(&activationDropout, .activationDropout)
        try c.update(&activation, .activation)
        try c.update(&paddingID, .paddingID)
        try c.update(&feedForwardKind, .feedForwardKind)
        try validate()
    }

    public func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            guard condition else { throw ConfigError(message: message) }
        }
        try check(vocabularySize > 4, "vocab_size must be larger than 4")
        try check(modelDimension > 0 && heads > 0 && modelDimension % heads == 0, "embed_dim must be a positive multiple of attention_heads")
        try check(feedForwardDimension > 0 && encoderLayers > 0 && decoderLayers > 0 && maxPositions > 1, "sizes must be positive")
        try check([dropout, attentionDropout, activationDropout].allSatisfy { $0 >= 0 && $0 < 1 }, "dropout rates must be in [0, 1)")
        try check(paddingID >= 0 && Int(paddingID) < vocabularySize, "pad_id must be inside the vocabulary")
    }
}

public struct ConfigError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
