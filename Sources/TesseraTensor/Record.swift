/// One recorded op: its inputs, output and whatever its backward needs. Plain values only, so the
/// tape's storage is reused across steps without allocating.
enum Record {
    case matmul(a: Var, b: Var, bias: Var?, out: Var, transposeA: Bool, transposeB: Bool)
    case batchedMatmul(a: Var, b: Var, out: Var, transposeA: Bool, transposeB: Bool)
    case add(a: Var, b: Var, out: Var)
    case mul(a: Var, b: Var, out: Var)
    case scale(x: Var, out: Var, factor: Float)
    case scaleRows(x: Var, s: Var, out: Var)
    case activation(x: Var, out: Var, kind: Activation)
    case dropout(x: Var, out: Var, rate: Float, seed: UInt64)
    case layerNorm(x: Var, gamma: Var, beta: Var, out: Var, stats: UnsafeMutablePointer<Float>)
    case softmax(x: Var, out: Var)
    case logSoftmax(x: Var, out: Var)
    case logSumExp(x: Var, out: Var)
    case attention(AttentionRecord)
    case crossEntropy(logits: Var, targets: Indices, logSumExp: UnsafeMutablePointer<Float>, smoothing: Float,
                      ignoreIndex: Int32, out: Var)
    case klDivergence(logP: Var, logQ: Var, rowMask: RowMask?, out: Var)
    case concat(operands: Int32, count: Int32, axis: Int, out: Var)
    case slice(x: Var, axis: Int, start: Int, out: Var)
    case transposeLastTwo(x: Var, out: Var)
    case gatherRows(x: Var, indices: Indices, skip: Int32, out: Var)
    case indexAddRows(base: Var, source: Var, indices: Indices, out: Var)
    case topK(x: Var, indices: Indices, out: Var)
    case sum(x: Var, out: Var, factor: Float)
    case sumRows(x: Var, out: Var)

    var output: Var {
        switch self {
        case let .matmul(_, _, _, out, _, _), let .batchedMatmul(_, _, out, _, _), let .add(_, _, out),
             let .mul(_, _, out), let .scale(_, out, _), let .scaleRows(_, _, out), let .activation(_, out, _), let .dropout(_, out, _, _), let .layerNorm(_, _, _, out, _),
             let .softmax(_, out), let .logSoftmax(_, out), let .logSumExp(_, out),
             let .crossEntropy(_, _, _, _, _, out), let .klDivergence(_, _, _, out), let .concat(_, _, _, out),
             let .slice(_, _, _, out), let .transposeLastTwo(_, out), let .gatherRows(_, _, _, out),
             let .indexAddRows(_, _, _, out), let .topK(_, _, out), let .sum(_, out, _), let .sumRows(_, out):
            return out
        case let .attention(r):
            return r.out
        }
    }
}

extension Graph {
    func runBackward(_ record: Record) {
        switch record {
        case let .matmul(a, b, bias, out, ta, tb): matmulBackward(a, b, bias, out, ta, tb)
        case let .batchedMatmul(a, b, out, ta, tb): batchedMatmulBackward(a, b, out, ta, tb)
        case let .add(a, b, out): addBackward(a, b, out)
        case let .mul(a, b, out): mulBackward(a, b, out)
        case let .scale(x, out, factor): scaleBackward(x, out, factor)
        case let .scaleRows(x, s, out): scaleRowsBackward(x, s, out)
        case let .activation(x, out, kind): activationBackward(x, out, kind)
        case let .dropout(x, out, rate, seed): dropoutBackward(x, out, rate, seed)
        case let .layerNorm(x, gamma, beta, out, stats): layerNormBackward(x, gamma, beta, out, stats)
        case let .softmax(x, out): softmaxBackward(x, out)
        case let .logSoftmax(x, out): logSoftmaxBackward(x, out)
        case let .logSumExp(x, out): logSumExpBackward(x, out)
        case let .attention(r): attentionBackward(r)
        case let .crossEntropy(logits, targets, lse, smoothing, ignore, out):
            crossEntropyBackward(logits, targets, lse, smoothing, ignore, out)
        case let .klDivergence(p, q, mask, out): klDivergenceBackward(p, q, mask, out)
        case let .concat(start, count, axis, out): concatBackward(start, count, axis, out)
        case let .slice(x, axis, start, out): sliceBackward(x, axis, start, out)
        case let .transposeLastTwo(x, out): transposeBackward(x, out)
        case let .gatherRows(x, indices, skip, out): gatherRowsBackward(x, indices, skip, out)
        case let .indexAddRows(base, source, indices, out): indexAddRowsBackward(base, source, indices, out)
        case let .topK(x, indices, out): topKBackward(x, indices, out)
        case let .sum(x, out, factor): sumBackward(x, out, factor)
        case let .sumRows(x, out): sumRowsBackward(x, out)
        }
    }
}
