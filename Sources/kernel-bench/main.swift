// Kernel benchmark for the tensor engine at the Transformer's real shapes (d=256, 4 heads,
// ffn 1024, vocab 8000, 4096-token batches). Every figure is a ratio to a baseline measured in the
// same run: GEMM against raw cblas_sgemm at 512³/1024³, memory-bound kernels against memcpy.
// Usage: swift run -c release kernel-bench [runs] [gemm] [memory] [step]   (default: 5 runs, every section;
//        KERNEL_BENCH_THREADS=N sets the thread count of our kernels and of OpenBLAS, default min(2, cores);
//        min and median of the runs are reported)
import CAllocCounter
import CBLAS
import Dispatch
import Foundation
import TesseraNN
import TesseraTensor

BLASCore.useBestCore()
let runs = max(3, CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 5)
let requested = Set(CommandLine.arguments.dropFirst(2))
func wants(_ section: String) -> Bool { requested.isEmpty || requested.contains(section) }
let tokens = 4096, dModel = 256, heads = 4, ffn = 1024, vocab = 8000, sentenceLength = 32

/// Seconds per call of each body: min and median over `runs` timed calls after one warm-up call.
/// The bodies are timed alternately, so a ratio between them sees the same machine load.
func measure(_ bodies: [() -> Void]) -> [(min: Double, median: Double)] {
    for body in bodies { body() }
    var times = [[Double]](repeating: [], count: bodies.count)
    for _ in 0..<runs {
        for (i, body) in bodies.enumerated() { times[i].append(measureOnce(body)) }
    }
    return times.map(minAndMedian)
}

func measureOnce(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
}

func minAndMedian(_ times: [Double]) -> (min: Double, median: Double) {
    let sorted = times.sorted()
    return (sorted[0], sorted[sorted.count / 2])
}

func measure(_ body: () -> Void) -> (min: Double, median: Double) {
    withoutActuallyEscaping(body) { measure([$0])[0] }
}

func buffer(_ count: Int, seed: UInt64 = 1) -> UnsafeMutablePointer<Float> {
    var rng = SplitMix64(seed: seed)
    let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
    for i in 0..<count { p[i] = 2 * rng.nextFloat() - 1 }
    return p
}

func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

if let t = ProcessInfo.processInfo.environment["KERNEL_BENCH_THREADS"].flatMap(Int.init) { Parallel.threads = t }
// Before any figure: OpenBLAS's server threads spin for about 0.1 s after start-up, and a new
// worker thread of ours is not always on the free core at once. 0.3 s of parallel copies starts
// the workers (and sets OpenBLAS to one thread) and lets the scheduler settle both.
do {
    let (x, y) = (buffer(1 << 20), buffer(1 << 20))
    let start = DispatchTime.now().uptimeNanoseconds
    while DispatchTime.now().uptimeNanoseconds - start < 300_000_000 { Kernels.copy(x, to: y, count: 1 << 20) }
    x.deallocate(); y.deallocate()
}
print("# kernel-bench: \(runs) runs per figure, \(Parallel.threads) threads (the engine's; raw OpenBLAS baselines get as many), "
      + "shared noisy machine; \(Engine.summary)\n")

// MARK: GEMM

/// A raw cblas_sgemm call C[m×n] = op(A)·op(B).
func rawSgemm(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>,
              _ c: UnsafeMutablePointer<Float>, transposeA: Bool = false, transposeB: Bool = false) -> () -> Void {
    {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n), 0, c, Int32(n))
    }
}

func gflops(_ m: Int, _ n: Int, _ k: Int, _ seconds: Double) -> Double { 2 * Double(m * n * k) / seconds * 1e-9 }

/// Times the engine (single-threaded OpenBLAS inside our workers) and raw sgemm calls using OpenBLAS's
/// own threads in alternating phases, one of each per run. OpenBLAS's idle threads spin for about
/// 0.1 s after a threaded call and would take a core from our workers, so each engine phase first
/// waits that out. Each phase times `callsPerPhase` consecutive calls of every body and keeps the
/// fastest, so a figure is the best of runs × callsPerPhase calls.
func measurePhased(engine: () -> Void, raw: [() -> Void]) -> (engine: (min: Double, median: Double), raw: [(min: Double, median: Double)]) {
    var engineTimes: [Double] = []
    var rawRuns = [[Double]](repeating: [], count: raw.count)
    for run in 0...runs {
        BLAS.setThreads(Parallel.threads)
        for (i, body) in raw.enumerated() {
            let t = bestOfPhase(body)
            if run > 0 { rawRuns[i].append(t) }
        }
        BLAS.setThreads(1)
        usleep(250_000)
        let t = bestOfPhase(engine)
        if run > 0 { engineTimes.append(t) }
    }
    return (minAndMedian(engineTimes), rawRuns.map(minAndMedian))
}

let callsPerPhase = 3
func bestOfPhase(_ body: () -> Void) -> Double { (0..<callsPerPhase).map { _ in measureOnce(body) }.min()! }

/// Square matrices for the ceiling runs, which are interleaved with every engine measurement.
let (ceilingA, ceilingB, ceilingC) = (buffer(1024 * 1024), buffer(1024 * 1024, seed: 2), buffer(1024 * 1024, seed: 3))

/// A model GEMM through the engine (Graph.linear with bias, or Graph.matmul), against raw sgemm at the same shape.
func engineGemm(_ name: String, _ sa: Shape, _ sb: Shape, transposeA: Bool = false, transposeB: Bool = false, bias: Bool = false) {
    let g = Graph()
    let m = transposeA ? sa[1] : sa[0], k = transposeA ? sa[0] : sa[1], n = transposeB ? sb[0] : sb[1]
    let (a, b, biasValues, rawOut) = (buffer(sa.count), buffer(sb.count, seed: 2), buffer(n), buffer(m * n))
    defer { for p in [a, b, biasValues, rawOut] { p.deallocate() } }
    // Reset per call, as a training step does, so the output reuses the same arena memory.
    let engine = {
        g.reset()
        g.withoutGrad {
            let (va, vb) = (g.external(a, sa), g.external(b, sb))
            if bias { _ = g.linear(va, weight: vb, bias: g.external(biasValues, Shape(n))) } else {
                _ = g.matmul(va, vb, transposeA: transposeA, transposeB: transposeB)
            }
        }
    }
    let t = measurePhased(engine: engine, raw: [rawSgemm(m, n, k, a, b, rawOut, transposeA: transposeA, transposeB: transposeB),
                                                rawSgemm(512, 512, 512, ceilingA, ceilingB, ceilingC),
                                                rawSgemm(1024, 1024, 1024, ceilingA, ceilingB, ceilingC)])
    let (best, raw) = (gflops(m, n, k, t.engine.min), gflops(m, n, k, t.raw[0].min))
    let ceiling = max(gflops(512, 512, 512, t.raw[1].min), gflops(1024, 1024, 1024, t.raw[2].min))
    print("| \(name) [\(m)×\(k)]·[\(k)×\(n)] | \(fmt(gflops(m, n, k, t.engine.median))) | \(fmt(best)) | \(fmt(ceiling)) | \(fmt(100 * best / ceiling))% | "
          + "\(fmt(raw)) | \(fmt(100 * best / raw))% |")
}

if wants("gemm") {
    print("## GEMM (GFLOP/s, median and best of \(runs))\n")
    print("Ceiling = best raw cblas_sgemm GFLOP/s at 512³ or 1024³ with OpenBLAS's own threads, timed in turn with each row's "
          + "engine and raw calls, so every ratio compares figures taken under similar load. Ratios use best times (least disturbed).\n")
    print("| case | engine median | engine best | ceiling | engine / ceiling | raw sgemm same shape, best | engine / raw same shape |")
    print("|---|---|---|---|---|---|---|")

    engineGemm("attn proj fwd (linear+bias)", Shape(tokens, dModel), Shape(dModel, dModel), transposeB: true, bias: true)
    engineGemm("fused QKV fwd (linear+bias)", Shape(tokens, dModel), Shape(3 * dModel, dModel), transposeB: true, bias: true)
    engineGemm("fc1 fwd (linear+bias)", Shape(tokens, dModel), Shape(ffn, dModel), transposeB: true, bias: true)
    engineGemm("fc2 fwd (linear+bias)", Shape(tokens, ffn), Shape(dModel, ffn), transposeB: true, bias: true)
    engineGemm("output proj fwd", Shape(tokens, dModel), Shape(vocab, dModel), transposeB: true)
    engineGemm("fc1 bwd dX = dY·W", Shape(tokens, ffn), Shape(ffn, dModel))
    engineGemm("fc1 bwd dW = dYᵀ·X", Shape(tokens, ffn), Shape(tokens, dModel), transposeA: true)
    engineGemm("output proj bwd dX = dY·E", Shape(tokens, vocab), Shape(vocab, dModel))
    engineGemm("output proj bwd dE = dYᵀ·X", Shape(tokens, vocab), Shape(tokens, dModel), transposeA: true)
}

// MARK: Memory-bound kernels


func bandwidth(_ name: String, _ rows: Int, _ cols: Int, _ kernel: @escaping (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
    let n = rows * cols
    let (x, y) = (buffer(n), buffer(n, seed: 2))
    defer { x.deallocate(); y.deallocate() }
    let bytes = Double(8 * n)
    let t = measure([{ kernel(x, y) }, { _ = memcpy(y, x, 4 * n) }, { Kernels.copy(x, to: y, count: n) }])
    let gbs = t.map { (median: bytes / $0.median * 1e-9, best: bytes / $0.min * 1e-9) }
    print("| \(name) | [\(rows), \(cols)] | \(fmt(gbs[0].median)) | \(fmt(gbs[0].best)) | \(fmt(gbs[1].best)) | "
          + "\(fmt(gbs[0].best / gbs[1].best, 2)) | \(fmt(gbs[2].best)) |")
}

if wants("memory") {
    print("\n## Memory-bound kernels (GB/s of bytes read + written: median / best)\n")
    print("| kernel | shape | median | best | memcpy best | best / memcpy best | our 2-thread copy best |")
    print("|---|---|---|---|---|---|---|")
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
}

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

if wants("step") {
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
}

