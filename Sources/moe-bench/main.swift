// Per-token cost of the feed-forward kinds: forward + backward of one FFN layer on T = 4096 token
// rows at d = 256, ffn = 1024, for dense, Switch (top-1, capacity 1.25) and SMoE (top-2, strata
// 1:3, capacity 2) with 8, 16 and 32 experts. Runs interleave the layers, so each run's ratio to
// dense compares figures taken under the same machine load.
// Usage: swift run -c release moe-bench [runs]   (default and minimum 3)
import Dispatch
import Foundation
import TesseraModels
import TesseraNN
import TesseraTensor

BLASCore.useBestCore()
let runs = max(3, CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 3)
let tokens = 4096
var config = TransformerConfig(vocabularySize: 8000)
config.modelDimension = 256
config.feedForwardDimension = 1024

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

var rng = SplitMix64(seed: 1)
var layers: [(name: String, layer: any FeedForward)] = [("dense", DenseFeedForward(layerName: "dense", config: config, rng: &rng))]
for experts in [8, 16, 32] {
    var options = SwitchOptions()
    options.experts = experts
    layers.append(("switch-\(experts)", SwitchFeedForward(layerName: "switch", config: config, options: options, rng: &rng)))
}
for experts in [8, 16, 32] {
    var options = StratifiedOptions()
    options.strata = [experts / 4, experts - experts / 4]
    layers.append(("smoe-\(options.strata.map(String.init).joined(separator: "-"))",
                   StratifiedMoE(layerName: "smoe", config: config, options: options, rng: &rng)))
}
let input = (0..<tokens * config.modelDimension).map { _ in 2 * rng.nextFloat() - 1 }
let graphs = layers.map { _ in Graph(seed: 7) }

/// Seconds for one forward + backward pass; the graph is reused, so its arena is warm.
func step(_ index: Int) -> (seconds: Double, steps: Double, dropped: Double) {
    let g = graphs[index]
    g.reset()
    let context = FeedForwardContext(source: 0, target: 1)
    let start = now()
    let y = layers[index].layer(g, g.variable(input, Shape(tokens, config.modelDimension)), context: context)
    g.backward(g.sum(y))
    let seconds = now() - start
    layers[index].layer.parameters.forEach { $0.zeroGrad() }
    func statistic(_ suffix: String, _ absent: Double) -> Double { context.statistics.first { $0.key.hasSuffix(suffix) }?.value[0] ?? absent }
    return (seconds, statistic(".moe.steps_per_token", 1), statistic(".moe.dropped", 0))
}

print("# moe-bench: \(runs) runs, T = \(tokens) tokens, d = 256, ffn = 1024; \(Engine.summary)")
print("# shared, noisy machine: compare ratios (same run), not absolute times\n")
for i in layers.indices { _ = step(i) }  // warm-up: arenas grow to their high-water mark
var times = [[Double]](repeating: [], count: layers.count)
var steps = [Double](repeating: 1, count: layers.count), dropped = [Double](repeating: 0, count: layers.count)
for _ in 0..<runs {
    for i in layers.indices {
        let measured = step(i)
        times[i].append(measured.seconds)
        steps[i] = measured.steps
        dropped[i] = measured.dropped
    }
}
func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
print("| layer | params (M) | min ms | median ms | ktokens/s (median) | ratio to dense (median of per-run ratios) | FFN steps/token | dropped choices | arena peak MB |")
print("|---|---|---|---|---|---|---|---|---|")
for i in layers.indices {
    let ratios = zip(times[i], times[0]).map { $0 / $1 }
    let parameters = Double(layers[i].layer.parameters.reduce(0) { $0 + $1.count }) / 1e6
    print(String(format: "| %@ | %.2f | %.0f | %.0f | %.1f | %.2f | %.2f | %.2f | %.0f |", layers[i].name, parameters, times[i].min()! * 1e3,
                 median(times[i]) * 1e3, Double(tokens) / median(times[i]) / 1e3, median(ratios), steps[i], dropped[i],
                 Double(graphs[i].arena.peakBytes) / 1e6))
}
