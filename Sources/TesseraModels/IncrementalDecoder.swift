import TesseraDecoding
import TesseraNN
import TesseraTensor

/// Decodes one token per step with cached keys and values, for search.
/// Each decoder layer keeps its self-attention keys/values of every live
/// hypothesis, [hypotheses, steps, d], re-gathered by `parents` as search
/// prunes and reorders; encoder-attention keys/values are projected once per
/// source and attended in place, one run of hypotheses per source.
public final class IncrementalDecoder: StepDecoder {
    public let model: Transformer
    public var vocabularySize: Int { model.config.vocabularySize }
    private let graph: Graph
    /// [layer][source]: projected encoder keys and values, real length only.
    private var crossKeys: [[OwnedFloats]] = [], crossValues: [[OwnedFloats]] = []
    private var sourceLengths: [Int] = []
    /// [layer]: [hypotheses, steps, d].
    private var selfKeys: [OwnedFloats], selfValues: [OwnedFloats]
    private var hypothesisSource: [Int] = []
    private var steps = 0

    private let context: FeedForwardContext

    /// Encodes `sources` (each already holding its language tag and end token),
    /// all of one direction given by `context`.
    public init(model: Transformer, sources: [[Int32]], context: FeedForwardContext) {
        self.model = model
        self.context = context
        graph = Graph()
        graph.isTraining = false
        let layers = model.decoderLayers.count
        selfKeys = (0..<layers).map { _ in OwnedFloats(count: 0) }
        selfValues = (0..<layers).map { _ in OwnedFloats(count: 0) }
        graph.withoutGrad { encode(sources) }
    }

    private func encode(_ sources: [[Int32]]) {
        let batch = TokenBatch(sources, paddingID: model.config.paddingID)
        let d = model.config.modelDimension
        let (memory, _) = model.encode(graph, source: batch, context: context)
        sourceLengths = sources.map(\.count)
        for layer in model.decoderLayers {
            let keys = graph.value(layer.encoderAttention.keyProjection(graph, memory, context: context))
            let values = graph.value(layer.encoderAttention.valueProjection(graph, memory, context: context))
            crossKeys.append(sources.indices.map { OwnedFloats(copying: keys, start: $0 * batch.length * d, count: sourceLengths[$0] * d) })
            crossValues.append(sources.indices.map { OwnedFloats(copying: values, start: $0 * batch.length * d, count: sourceLengths[$0] * d) })
        }
        graph.reset()
    }

    public func step(tokens: [Int32], parents: [Int]) throws -> [Float] {
        precondition(tokens.count == parents.count, "one parent per token")
        hypothesisSource = steps == 0 ? parents : parents.map { hypothesisSource[$0] }
        let result = graph.withoutGrad { graph.array(graph.logSoftmax(forward(tokens: tokens, parents: parents))) }
        graph.reset()
        steps += 1
        return result
    }

    private func forward(tokens: [Int32], parents: [Int]) -> Var {
        let g = graph, d = model.config.modelDimension, h = tokens.count
        var x = model.embed(g, TokenBatch(tokens.map { [$0] }, paddingID: model.config.paddingID), firstPosition: steps)
        for (l, layer) in model.decoderLayers.enumerated() {
            let normed = layer.selfAttentionNorm(g, x)
            let attention = layer.selfAttention
            let query = attention.queryProjection(g, normed, context: context)
            selfKeys[l] = extend(selfKeys[l], parents: parents, with: g.value(attention.keyProjection(g, normed, context: context)))
            selfValues[l] = extend(selfValues[l], parents: parents, with: g.value(attention.valueProjection(g, normed, context: context)))
            let shape = Shape(h, steps + 1, d)
            x = g.add(x, attention.attend(g, query: query, keys: g.external(selfKeys[l].pointer, shape),
                                          values: g.external(selfValues[l].pointer, shape), context: context))
            x = g.add(x, g.reshape(encoderAttention(g, layer: l, query: layer.encoderAttentionNorm(g, x)), Shape(h, 1, d)))
            x = residualFeedForward(g, x, norm: layer.finalNorm, feedForward: layer.feedForward, dropout: 0, padding: nil,
                                    context: context)
        }
        return model.outputLogits(g, model.decoderNorm(g, x))
    }

    /// Each run of hypotheses of one source attends to that source's keys, in place.
    private func encoderAttention(_ g: Graph, layer l: Int, query normed: Var) -> Var {
        let attention = model.decoderLayers[l].encoderAttention
        let d = model.config.modelDimension, h = hypothesisSource.count
        let queries = g.reshape(attention.queryProjection(g, normed, context: context), Shape(h, d))
        var parts: [Var] = []
        var start = 0
        while start < h {
            let source = hypothesisSource[start]
            var end = start + 1
            while end < h && hypothesisSource[end] == source { end += 1 }
            let length = sourceLengths[source]
            let run = g.reshape(g.rows(queries, start, end - start), Shape(1, end - start, d))
            let keys = g.external(crossKeys[l][source].pointer, Shape(1, length, d))
            let values = g.external(crossValues[l][source].pointer, Shape(1, length, d))
            parts.append(g.reshape(g.attention(query: run, key: keys, value: values, heads: attention.heads), Shape(end - start, d)))
            start = end
        }
        return attention.outputProjection(g, parts.count == 1 ? parts[0] : g.concat(parts, axis: 0), context: context)
    }

    /// [old hypotheses, steps, d] gathered by `parents`, plus one new row per hypothesis.
    private func extend(_ cache: OwnedFloats, parents: [Int], with newRows: UnsafeMutableBufferPointer<Float>) -> OwnedFloats {
        let d = model.config.modelDimension, width = steps * d
        let result = OwnedFloats(count: parents.count * (width + d))
        for (i, parent) in parents.enumerated() {
            let destination = result.pointer + i * (width + d)
            if width > 0 { destination.update(from: cache.pointer + parent * width, count: width) }
            (destination + width).update(from: newRows.baseAddress! + i * d, count: d)
        }
        return result
    }
}

/// A heap buffer of floats that outlives graph steps (caches handed to `Graph.external`).
final class OwnedFloats {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
    }

    convenience init(copying source: UnsafeMutableBufferPointer<Float>, start: Int, count: Int) {
        self.init(count: count)
        pointer.update(from: source.baseAddress! + start, count: count)
    }

    deinit { pointer.deallocate() }
}
