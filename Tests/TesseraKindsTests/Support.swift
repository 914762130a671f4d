import TesseraModels
import TesseraNN
@testable import TesseraTensor

/// A Transformer config only as large as the FFN tests need.
func smallConfig(dimension: Int = 4, feedForward: Int = 5) -> TransformerConfig {
    var config = TransformerConfig(vocabularySize: 16)
    config.modelDimension = dimension
    config.feedForwardDimension = feedForward
    config.activation = .gelu
    return config
}

/// A two-layer expert on Vars: W2 · gelu(W1 · rows), so gradient checks reach expert weights.
func expert(_ g: Graph, _ rows: Var, _ w1: Var, _ w2: Var) -> Var {
    g.linear(g.gelu(g.linear(rows, weight: w1, bias: nil)), weight: w2, bias: nil)
}

/// Flattens y and appends the context's auxiliary losses, so one check covers both.
func withAuxiliary(_ g: Graph, _ y: Var, _ context: FeedForwardContext) -> Var {
    g.concat([g.reshape(y, Shape(g.shape(y).count))] + context.auxiliaryLosses, axis: 0)
}

/// Row r of a [rows, cols] buffer.
func row(_ values: [Float], _ r: Int, cols: Int) -> [Float] { Array(values[r * cols..<(r + 1) * cols]) }

func maxDifference(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }
