// Kernel benchmark for the tensor engine at the Transformer's real shapes (d=256, 4 heads,
// ffn 1024, vocab 8000, 4096-token batches). Every figure is a ratio to a baseline measured in the
// same run: GEMM against raw cblas_sgemm at 512³/1024³, memory-bound kernels against memcpy.
// Usage: swift run -c release kernel-bench [runs]   (default 5 runs per figure; min and median)
import CAllocCounter
import CBLAS
import Dispatch
import Foundation
import TesseraNN
import TesseraTensor

let runs = max(3, CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 5)
let tokens = 4096, dModel = 256, heads = 4, ffn = 1024, vocab = 8000, sentenceLength = 32

/// Seconds per call: min and median over `runs` timed calls after one warm-up call.
func measure(_ body: () -> Void) -> (min: Double, median: Double) {
    body()
    let times = (0..<runs).map { _ -> Double in
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }.sorted()
    return (times[0], times[times.count / 2])
}

func buffer(_ count: Int, seed: UInt64 = 1) -> UnsafeMutablePointer<Float> {
    var rng = SplitMix64(seed: seed)
    let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
    for i in 0..<count { p[i] = 2 * rng.nextFloat() - 1 }
    return p
}

func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

BLAS.setThreads(Parallel.threads)
print("# kernel-bench: \(runs) runs per figure, \(Parallel.threads) threads (ours and OpenBLAS), shared noisy machine\n")

// MARK: GEMM

func rawSgemmGflops(_ n: Int) -> (min: Double, median: Double) {
    let (a, b, c) = (buffer(n * n), buffer(n * n, seed: 2), buffer(n * n, seed: 3))
    defer { a.deallocate(); b.deallocate(); c.deallocate() }
    let t = measure {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, c, Int32(n))
    }
    let flops = 2 * Double(n * n * n)
    return (flops / t.median * 1e-9, flops / t.min * 1e-9)
}

print("## GEMM (GFLOP/s: median / best)\n")
print("| case | median | best | % of ceiling (median/median) |")
print("|---|---|---|---|")
let ceiling512 = rawSgemmGflops(512), ceiling1024 = rawSgemmGflops(1024)
let ceiling = max(ceiling512.min, ceiling1024.min)  // .min holds the median GFLOP/s here
print("| raw cblas_sgemm 512³ (ceiling) | \(fmt(ceiling512.min)) | \(fmt(ceiling512.median)) | \(fmt(100 * ceiling512.min / ceiling))% |")
print("| raw cblas_sgemm 1024³ (ceiling) | \(fmt(ceiling1024.min)) | \(fmt(ceiling1024.median)) | \(fmt(100 * ceiling1024.min / ceiling))% |")

/// A model GEMM through the engine: out = op(a)·op(b) (+ bias for linear layers).
func engineGemm(_ name: String, _ sa: Shape, _ sb: Shape, transposeA: Bool = false, transposeB: Bool = false, bias: Bool = false) {
    let g = Graph()
    let (a, b) = (g.constant(Array(UnsafeBufferPointer(start: buffer(sa.count), count: sa.count)), sa),
                  g.constant(Array(UnsafeBufferPointer(start: buffer(sb.count, seed: 2), count: sb.count)), sb))
    let m = transposeA ? sa[1] : sa[0], k = transposeA ? sa[0] : sa[1], n = transposeB ? sb[0] : sb[1]
    let biasVar = bias ? g.zeros(Shape(n)) : nil
    let t = measure {
        g.withoutGrad {
            if let biasVar { _ = g.linear(a, weight: b, bias: biasVar) } else {
                _ = g.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
            }
        }
    }
    let flops = 2 * Double(m * n * k)
    let (median, best) = (flops / t.median * 1e-9, flops / t.min * 1e-9)
    print("| \(name) [\(m)×\(k)]·[\(k)×\(n)] | \(fmt(median)) | \(fmt(best)) | \(fmt(100 * median / ceiling))% |")
}

engineGemm("attn proj fwd (linear+bias)", Shape(tokens, dModel), Shape(dModel, dModel), transposeB: true, bias: true)
engineGemm("fused QKV fwd (linear+bias)", Shape(tokens, dModel), Shape(3 * dModel, dModel), transposeB: true, bias: true)
engineGemm("fc1 fwd (linear+bias)", Shape(tokens, dModel), Shape(ffn, dModel), transposeB: true, bias: true)
engineGemm("fc2 fwd (linear+bias)", Shape(tokens, ffn), Shape(dModel, ffn), transposeB: true, bias: true)
engineGemm("output proj fwd", Shape(tokens, dModel), Shape(vocab, dModel), transposeB: true)
engineGemm("fc1 bwd dX = dY·W", Shape(tokens, ffn), Shape(ffn, dModel))
engineGemm("fc1 bwd dW = dYᵀ·X", Shape(tokens, ffn), Shape(tokens, dModel), transposeA: true)
engineGemm("output proj bwd dX = dY·E", Shape(tokens, vocab), Shape(vocab, dModel))
engineGemm("output proj bwd dE = dYᵀ·X", Shape(tokens, vocab), Shape(tokens, dModel), transposeA: true)

// MARK: Memory-bound kernels

print("\n## Memory-bound kernels (GB/s of bytes read + written: median / best)\n")
print("| kernel | shape | median | best | memcpy median | ratio to memcpy | our copy median |")
print("|---|---|---|---|---|---|---|")

func bandwidth(_ name: String, _ rows: Int, _ cols: Int, _ kernel: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
    let n = rows * cols
    let (x, y) = (buffer(n), buffer(n, seed: 2))
    defer { x.deallocate(); y.deallocate() }
    let bytes = Double(8 * n)
    let t = measure { kernel(x, y) }
    let copy = measure { memcpy(y, x, 4 * n) }
    let ours = measure { Kernels.copy(x, to: y, count: n) }
    let gbs = bytes / t.median * 1e-9
    print("| \(name) | [\(rows), \(cols)] | \(fmt(gbs)) | \(fmt(bytes / t.min * 1e-9)) | \(fmt(bytes / copy.median * 1e-9)) | "
          + "\(fmt(gbs / (bytes / copy.median * 1e-9), 2)) | \(fmt(bytes / ours.median * 1e-9)) |")
}

let gamma = buffer(dModel), beta = buffer(dModel, seed: 3), stats = buffer(2 * tokens)
bandwidth("LayerNorm", tokens, dModel) { x, y in
    Kernels.layerNorm(x, gamma: gamma, beta: beta, into: y, stats: stats, rows: tokens, cols: dModel, eps: 1e-5)
}
let scoreRows = tokens / sentenceLength * heads * sentenceLength
bandwidth("softmax (attention, causal)", scoreRows, sentenceLength) { x, y in
    Kernels.softmax(x, into: y, rows: scoreRows, keys: sentenceLength, queries: sentenceLength, rowsPerBatch: heads * sentenceLength,
                    mask: AttentionMask(causal: true))
}
bandwidth("softmax (vocabulary)", tokens, vocab) { x, y in
    Kernels.softmax(x, into: y, rows: tokens, keys: vocab, queries: tokens, rowsPerBatch: tokens, mask: .none)
}
bandwidth("GELU", tokens, ffn) { x, y in Kernels.activation(.gelu, x, into: y, count: tokens * ffn) }
bandwidth("ReLU", tokens, ffn) { x, y in Kernels.activation(.relu, x, into: y, count: tokens * ffn) }
bandwidth("dropout 0.1", tokens, ffn) { x, y in Kernels.dropout(x, into: y, count: tokens * ffn, rate: 0.1, seed: 7) }

// MARK: Training step: allocations and time

/// One pre-norm encoder layer, tied output projection and label-smoothed CE, then Adam.
final class MiniModel {
    let norm1: LayerNorm, qkv: Linear, proj: Linear, norm2: LayerNorm, fc1: Linear, fc2: Linear, embed: Embedding
    let parameters: [Parameter]
    init() {
        var rng = SplitMix64(seed: 1)
        embed = Embedding(name: "embed", config: EmbeddingConfig(vocabulary: vocab, dimension: dModel, paddingIndex: 1), rng: &rng)
        norm1 = LayerNorm(name: "ln1", config: LayerNormConfig(size: dModel))
        qkv = Linear(name: "qkv", config: LinearConfig(inputs: dModel, outputs: 3 * dModel), rng: &rng)
        proj = Linear(name: "proj", config: LinearConfig(inputs: dModel, outputs: dModel), rng: &rng)
        norm2 = LayerNorm(name: "ln2", config: LayerNormConfig(size: dModel))
        fc1 = Linear(name: "fc1", config: LinearConfig(inputs: dModel, outputs: ffn), rng: &rng)
        fc2 = Linear(name: "fc2", config: LinearConfig(inputs: ffn, outputs: dModel), rng: &rng)
        parameters = ([embed, norm1, qkv, proj, norm2, fc1, fc2] as [any Module]).flatMap(\.parameters)
    }

    func step(_ g: Graph, _ adam: Adam, ids: [Int32], targets: [Int32]) {
        g.reset()
        let batch = tokens / sentenceLength
        let x = g.reshape(g.dropout(g.scale(embed(g, g.indices(ids)), Float(dModel).squareRoot()), rate: 0.1),
                          Shape(batch, sentenceLength, dModel))
        let qkvOut = qkv(g, norm1(g, x))
        let q = g.slice(qkvOut, axis: 2, start: 0, length: dModel)
        let k = g.slice(qkvOut, axis: 2, start: dModel, length: dModel)
        let v = g.slice(qkvOut, axis: 2, start: 2 * dModel, length: dModel)
        let a = g.add(x, g.dropout(proj(g, g.attention(query: q, key: k, value: v, heads: heads, mask: AttentionMask(causal: true),
                                                       dropout: 0.1)), rate: 0.1))
        let h = g.add(a, g.dropout(fc2(g, g.dropout(g.relu(fc1(g, norm2(g, a))), rate: 0.1)), rate: 0.1))
        let logits = g.linear(h, weight: g.param(embed.weight), bias: nil)
        let ce = g.crossEntropy(logits: logits, targets: g.indices(targets), smoothing: 0.1, ignoreIndex: 1)
        g.backward(ce.loss)
        adam.step(gradientScale: 1 / Float(ce.tokens))
    }
}

let model = MiniModel()
let adam = Adam(parameters: model.parameters)
let graph = Graph(seed: 3)
var rng = SplitMix64(seed: 9)
let ids = (0..<tokens).map { _ in Int32(2 + rng.next() % UInt64(vocab - 2)) }
let targets = (0..<tokens).map { _ in Int32(2 + rng.next() % UInt64(vocab - 2)) }
for _ in 0..<3 { model.step(graph, adam, ids: ids, targets: targets) }
let steadySteps = 5
let (heapBefore, arenaBefore) = (tsr_alloc_count(), graph.arena.systemAllocations)
for _ in 0..<steadySteps { model.step(graph, adam, ids: ids, targets: targets) }
let heapPerStep = Double(tsr_alloc_count() - heapBefore) / Double(steadySteps)
let arenaPerStep = Double(graph.arena.systemAllocations - arenaBefore) / Double(steadySteps)
let stepTime = measure { model.step(graph, adam, ids: ids, targets: targets) }

print("\n## Training step (1 pre-norm encoder layer + tied vocab projection + label-smoothed CE + Adam, \(tokens) tokens)\n")
print("| figure | value |")
print("|---|---|")
print("| heap allocations per steady-state step (all malloc/calloc/realloc/memalign calls in the process) | \(fmt(heapPerStep)) |")
print("| arena growths per steady-state step (tensor memory from the system) | \(fmt(arenaPerStep)) |")
print("| arena reserved | \(graph.arena.reservedBytes >> 20) MiB |")
print("| step time median / best | \(fmt(stepTime.median * 1e3)) ms / \(fmt(stepTime.min * 1e3)) ms |")
print("| tokens/s (median) | \(fmt(Double(tokens) / stepTime.median, 0)) |")
