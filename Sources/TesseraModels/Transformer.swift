import TesseraNN
import TesseraTensor

/// The encoder-decoder Transformer (pre-norm, sinusoidal positions, one
/// embedding shared by encoder input, decoder input and output projection).
/// Parameter names follow fairseq's, e.g. `encoder.layers.0.self_attn.q_proj.weight`.
public final class Transformer: Module {
    public let config: TransformerConfig
    /// `encoder.embed_tokens.weight`; fairseq's decoder.embed_tokens and
    /// output_projection are the same tensor, so it is stored once.
    public let embedding: Embedding
    public let encoderLayers: [EncoderLayer]
    public let decoderLayers: [DecoderLayer]
    public let encoderNorm, decoderNorm: LayerNorm
    let positions: SinusoidalPositions
    let embeddingScale: Float

    /// The model's languages, in the order feed-forward contexts index them.
    public let languages: [String]

    public init(config: TransformerConfig, languages: [String], seed: UInt64) {
        self.config = config
        self.languages = languages
        var rng = SplitMix64(seed: seed)
        embedding = Embedding(name: "encoder.embed_tokens",
                              config: EmbeddingConfig(vocabulary: config.vocabularySize, dimension: config.modelDimension,
                                                      paddingIndex: Int(config.paddingID)), rng: &rng)
        encoderLayers = (0..<config.encoderLayers).map {
            EncoderLayer(name: "encoder.layers.\($0)", index: $0, config: config, languages: languages, rng: &rng)
        }
        decoderLayers = (0..<config.decoderLayers).map {
            DecoderLayer(name: "decoder.layers.\($0)", index: $0, config: config, languages: languages, rng: &rng)
        }
        encoderNorm = LayerNorm(name: "encoder.layer_norm", config: LayerNormConfig(size: config.modelDimension))
        decoderNorm = LayerNorm(name: "decoder.layer_norm", config: LayerNormConfig(size: config.modelDimension))
        positions = SinusoidalPositions(count: config.maxPositions, dimension: config.modelDimension)
        embeddingScale = Float(config.modelDimension).squareRoot()
    }

    public var parameters: [Parameter] {
        embedding.parameters + encoderLayers.flatMap(\.parameters) + encoderNorm.parameters
            + decoderLayers.flatMap(\.parameters) + decoderNorm.parameters
    }

    /// √d · E[token] + position, then dropout: [count, length, d].
    func embed(_ g: Graph, _ tokens: TokenBatch, firstPosition: Int = 0) -> Var {
        precondition(firstPosition + tokens.length <= config.maxPositions,
                     "sequence of \(firstPosition + tokens.length) tokens exceeds max_positions \(config.maxPositions)")
        let d = config.modelDimension
        let rows = g.scale(embedding(g, g.indices(tokens.ids)), embeddingScale)
        let table = g.constant(Array(positions.rows(firstPosition, tokens.length)), Shape(tokens.length, d))
        return g.dropout(g.add(g.reshape(rows, Shape(tokens.count, tokens.length, d)), table), rate: config.dropout)
    }

    /// Encoder output [B, S, d] and the source padding mask.
    public func encode(_ g: Graph, source: TokenBatch, context: FeedForwardContext) -> (memory: Var, padding: AttentionMask) {
        let padding = AttentionMask(keyPadding: g.indices(source.padding))
        var x = embed(g, source)
        for layer in encoderLayers { x = layer(g, x, padding: padding, context: context) }
        return (encoderNorm(g, x), padding)
    }

    /// Logits [B·T, vocabulary] for every position of the decoder input.
    public func decode(_ g: Graph, input: TokenBatch, memory: Var, memoryPadding: AttentionMask, context: FeedForwardContext) -> Var {
        var x = embed(g, input)
        for layer in decoderLayers { x = layer(g, x, padding: input.padding, memory: memory, memoryPadding: memoryPadding, context: context) }
        return outputLogits(g, decoderNorm(g, x))
    }

    /// h [.., d] · Eᵀ with the shared embedding, as rows [N, vocabulary].
    func outputLogits(_ g: Graph, _ h: Var) -> Var {
        let s = g.shape(h)
        return g.linear(g.reshape(h, Shape(s.rows, s.last)), weight: g.param(embedding.weight), bias: nil)
    }

    /// Label-smoothed cross-entropy summed over the real target tokens.
    public func loss(_ g: Graph, source: TokenBatch, decoderInput: TokenBatch, targets: TokenBatch,
                     labelSmoothing: Float, context: FeedForwardContext) -> CrossEntropyResult {
        precondition(decoderInput.count == targets.count && decoderInput.length == targets.length, "decoder input and targets differ in shape")
        let (memory, padding) = encode(g, source: source, context: context)
        let logits = decode(g, input: decoderInput, memory: memory, memoryPadding: padding, context: context)
        return g.crossEntropy(logits: logits, targets: g.indices(targets.ids), smoothing: labelSmoothing, ignoreIndex: config.paddingID)
    }

    /// Parameters counted once (the shared embedding included once).
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}
