// Model benchmark on the issue's reference architecture (d=256, 4 heads, ffn 1024, 3+3 layers,
// vocab 8000): training throughput on 4096-token batches of 20–30-token sentences (dropout 0.1,
// label smoothing 0.1, Adam), and translation throughput on 1000 sentences in batches of 32 with
// output capped at 30 tokens, greedy and beam 4. Weights are random and token ids synthetic:
// speed does not depend on them, and the bench needs no corpus.
// Usage: swift run -c release model-bench [train|translate|all] [runs]   (default: all 3)
import CAllocCounter
import Dispatch
import Foundation
import TesseraDecoding
import TesseraModels
import TesseraNN
import TesseraTensor

BLASCore.useBestCore()
let arguments = Array(CommandLine.arguments.dropFirst())
let mode = arguments.first ?? "all"
let runs = max(3, arguments.dropFirst().first.flatMap { Int($0) } ?? 3)
guard ["train", "translate", "all"].contains(mode) else {
    FileHandle.standardError.write(Data("usage: model-bench [train|translate|all] [runs]\n".utf8))
    exit(2)
}

var config = TransformerConfig(vocabularySize: 8000)
config.dropout = 0.1
let pad: Int32 = 3, eos: Int32 = 2, tag: Int32 = 4

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
func summary(_ values: [Double]) -> (min: Double, median: Double) {
    let sorted = values.sorted()
    return (sorted[0], sorted[sorted.count / 2])
}
func fmt(_ x: Double) -> String { String(format: "%.0f", x) }

/// Random sentences of 20–30 tokens (ids above the specials and tags).
func sentence(_ rng: inout SplitMix64) -> [Int32] {
    (0..<(20 + Int(rng.next() % 11))).map { _ in Int32(10 + rng.next() % 7990) }
}

print("# model-bench: \(runs) runs; shared machine, figures are noisy; \(Engine.summary)\n")

if mode != "translate" {
    // Fill a batch fairseq-style: sentences while rows × longest side ≤ 4096 tokens.
    var rng = SplitMix64(seed: 1)
    var pairs: [(source: [Int32], target: [Int32])] = []
    var longest = 0
    while true {
        let pair = (source: sentence(&rng), target: sentence(&rng))
        let length = max(pair.source.count + 2, pair.target.count + 1, longest)
        if length * (pairs.count + 1) > 4096 { break }
        pairs.append(pair)
        longest = length
    }
    let source = TokenBatch(pairs.map { [tag] + $0.source + [eos] }, paddingID: pad)
    let input = TokenBatch(pairs.map { [tag] + $0.target }, paddingID: pad)
    let target = TokenBatch(pairs.map { $0.target + [eos] }, paddingID: pad)
    let model = Transformer(config: config, languages: ["de", "en"], seed: 1)
    var adam = AdamConfig()
    adam.warmupSteps = 100
    let optimizer = Adam(parameters: model.parameters, config: adam)
    let graph = Graph(seed: 2)
    func step() {
        graph.reset()
        let result = model.loss(graph, source: source, decoderInput: input, targets: target, labelSmoothing: 0.1,
                                context: FeedForwardContext(source: 0, target: 1))
        graph.backward(result.loss, seed: 1 / Float(result.tokens))
        optimizer.step()
    }
    for _ in 0..<2 { step() }  // warm-up: arena growth, first-touch pages
    let steps = 5
    var targetRates: [Double] = [], totalRates: [Double] = []
    var allocations: [Double] = []
    for _ in 0..<runs {
        let allocationsBefore = tsr_alloc_count()
        let start = now()
        for _ in 0..<steps { step() }
        let seconds = now() - start
        allocations.append(Double(tsr_alloc_count() - allocationsBefore) / Double(steps))
        targetRates.append(Double(target.tokenCount * steps) / seconds)
        totalRates.append(Double((target.tokenCount + source.tokenCount) * steps) / seconds)
    }
    let (t, s) = (summary(targetRates), summary(totalRates))
    print("## Training: \(pairs.count) sentences/batch, \(target.tokenCount) target + \(source.tokenCount) source tokens, \(model.parameterCount) parameters\n")
    print("| figure | min | median |")
    print("|---|---|---|")
    print("| target tokens/s | \(fmt(t.min)) | \(fmt(t.median)) |")
    print("| source+target tokens/s | \(fmt(s.min)) | \(fmt(s.median)) |")
    print("| heap allocations per step | \(fmt(summary(allocations).min)) | \(fmt(summary(allocations).median)) |")
    print("\npeak RSS so far: \(fmt(peakRSSMegabytes())) MB\n")
}

if mode != "train" {
    config.dropout = 0
    let model = Transformer(config: config, languages: ["de", "en"], seed: 1)
    var rng = SplitMix64(seed: 3)
    let sentences = (0..<1000).map { _ in [tag] + sentence(&rng) + [eos] }
    let order = sentences.indices.sorted { sentences[$0].count < sentences[$1].count }
    print("## Translation: 1000 sentences of 20–30 tokens, batches of 32, at most 30 output tokens\n")
    print("| search | sentences/s min | median | tokens/s min | median |")
    print("|---|---|---|---|---|")
    for beam in [1, 4] {
        var sentenceRates: [Double] = [], tokenRates: [Double] = []
        for _ in 0..<runs {
            var generated = 0
            let start = now()
            for first in stride(from: 0, to: order.count, by: 32) {
                let batch = order[first..<min(first + 32, order.count)].map { sentences[$0] }
                let decoder = IncrementalDecoder(model: model, sources: batch, context: FeedForwardContext(source: 0, target: 1))
                let starts = batch.map { _ in tag }, caps = batch.map { _ in 30 }
                let results = beam == 1
                    ? try Search.greedy(decoder: decoder, starts: starts, end: eos, maxLengths: caps)
                    : try Search.beam(decoder: decoder, starts: starts, end: eos, maxLengths: caps, beam: beam, lengthPenalty: 1)
                generated += results.reduce(0) { $0 + $1.tokens.count }
            }
            let seconds = now() - start
            sentenceRates.append(1000 / seconds)
            tokenRates.append(Double(generated) / seconds)
        }
        let (s, t) = (summary(sentenceRates), summary(tokenRates))
        print("| \(beam == 1 ? "greedy" : "beam \(beam)") | \(fmt(s.min)) | \(fmt(s.median)) | \(fmt(t.min)) | \(fmt(t.median)) |")
    }
    print("\npeak RSS: \(fmt(peakRSSMegabytes())) MB")
}
