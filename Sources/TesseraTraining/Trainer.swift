import Foundation
import TesseraData
import TesseraDecoding
import TesseraIO
import TesseraModels
import TesseraNN
import TesseraTensor
import TesseraText
import TesseraTranslation

/// Trains one many-to-many model from a recipe: temperature-sampled
/// one-direction batches, Adam with warmup and inverse-sqrt decay, periodic
/// validation (loss and greedy BLEU), and atomic checkpoints
/// (`checkpoint_last`, `checkpoint_best`) that resume bit for bit.
public final class Trainer {
    public enum StopReason: String, Sendable { case maxUpdate = "max_update", maxTime = "max_time", interrupted }

    public let recipe: Recipe
    public let model: Transformer
    let vocabulary: SentencePiece
    let vocabularyBytes: [UInt8]
    let train: BinarizedCorpus
    let valid: BinarizedCorpus
    let sampler: BatchSampler
    let optimizer: Adam
    let graph: Graph
    let tags: [Language: Int32]
    let reporter: ProgressReporter
    let validation: Validation
    public private(set) var progress: TrainingProgress

    /// Polled between updates; set by a signal handler to stop cleanly.
    public var shouldStop: () -> Bool = { false }

    /// `resume` continues SAVE_DIR's run (or starts one when it has none); otherwise a
    /// SAVE_DIR that already holds a run is refused unless `overwrite` is set.
    public init(recipe: Recipe, reporter: ProgressReporter, resume: Bool, overwrite: Bool = false) throws {
        self.recipe = recipe
        self.reporter = reporter
        vocabulary = try SentencePiece(path: recipe.data.vocabulary)
        vocabularyBytes = try vocabulary.serialized()
        let hash = SHA256.hex(vocabularyBytes)
        train = try BinarizedCorpus(path: recipe.data.train)
        valid = try BinarizedCorpus(path: recipe.data.valid)
        for corpus in [train, valid] {
            guard corpus.vocabularyHash == hash else {
                throw InputError(file: corpus.path, message: "was binarized with another vocabulary than \(recipe.data.vocabulary); run `tessera binarize` again")
            }
            let largest = try corpus.maximumTokenID()
            guard largest < vocabulary.vocabularySize else {
                throw InputError(file: corpus.path, message: "holds token id \(largest), outside the vocabulary of \(vocabulary.vocabularySize)")
            }
        }
        var tags: [Language: Int32] = [:]
        for language in recipe.data.languages {
            guard let id = vocabulary.id(of: language.tag) else {
                throw InputError(file: recipe.data.vocabulary, message: "has no tag \(language.tag); train the vocabulary with '\(language.code)' in the corpus")
            }
            tags[language] = id
        }
        self.tags = tags
        let directions = recipe.data.directions.directions(languages: recipe.data.languages)
        guard !directions.isEmpty else { throw InputError(file: recipe.path, message: "no training directions") }
        var samplerOptions = BatchSampler.Options()
        samplerOptions.maxTokens = recipe.data.maxTokens
        samplerOptions.maxLength = recipe.data.maxLength
        samplerOptions.temperature = recipe.data.temperature
        samplerOptions.seed = recipe.optimization.seed
        sampler = try BatchSampler(corpus: train, directions: directions, options: samplerOptions)

        let config = try recipe.transformerConfig(vocabularySize: vocabulary.vocabularySize)
        guard config.vocabularySize == vocabulary.vocabularySize, config.maxPositions >= recipe.data.maxLength else {
            throw InputError(file: recipe.path, message: "model vocab_size must equal the vocabulary's (\(vocabulary.vocabularySize)) and max_positions must be at least max_length")
        }
        model = Transformer(config: config, languages: recipe.data.languages.map(\.code), seed: recipe.optimization.seed)
        optimizer = Adam(parameters: model.parameters, config: recipe.adam)
        graph = Graph(seed: recipe.optimization.seed &+ 0x5EED)
        validation = try Validation(corpus: valid, directions: recipe.schedule.bleuDirections ?? Self.defaultValidationDirections(directions),
                                    languages: recipe.data.languages, sentences: recipe.schedule.validSentences,
                                    maxLength: recipe.data.maxLength,
                                    vocabulary: vocabulary, tags: tags)
        progress = TrainingProgress(updates: 0, appliedUpdates: 0, skippedUpdates: 0, elapsedSeconds: 0, targetTokens: 0,
                                    bestValidLoss: nil, sampler: sampler.state, dropoutGeneratorState: graph.rng.state)
        // Temporary files of writes that kill -9 interrupted.
        for path in [lastCheckpointPath, bestCheckpointPath] { AtomicFile.removeAbandonedTemporaries(of: path) }
        let hasRun = FileManager.default.fileExists(atPath: lastCheckpointPath)
        if resume, hasRun {
            progress = try TrainingCheckpoint.restore(from: lastCheckpointPath, parameters: model.parameters, optimizer: optimizer)
            sampler.restore(progress.sampler)
            graph.rng.state = progress.dropoutGeneratorState
            reporter.line("resumed from \(lastCheckpointPath) at update \(progress.updates)")
        } else if resume {
            reporter.line("no \(lastCheckpointPath) to resume from; starting a new run")
        } else if hasRun {
            guard overwrite else {
                throw InputError(file: lastCheckpointPath, message: "already holds a run; pass --resume to continue it or --overwrite to start over")
            }
            // The old run's best would otherwise pass for this run's.
            try? FileManager.default.removeItem(atPath: bestCheckpointPath)
        }
        try reporter.keepLog(through: progress.updates)
    }

    /// Up to six directions spread over the list, so validation stays cheap.
    static func defaultValidationDirections(_ directions: [Direction]) -> [Direction] {
        let stride = max(1, directions.count / 6)
        return Array(Swift.stride(from: 0, to: directions.count, by: stride).map { directions[$0] }.prefix(6))
    }

    var lastCheckpointPath: String { recipe.schedule.saveDirectory + "/checkpoint_last.safetensors" }
    var bestCheckpointPath: String { recipe.schedule.saveDirectory + "/checkpoint_best.safetensors" }

    /// Trains until max_update, max_time or `shouldStop`; saves before returning.
    @discardableResult
    public func run() throws -> StopReason {
        let options = recipe.optimization
        let started = Date()
        let elapsedBefore = progress.elapsedSeconds
        var windowLoss = 0.0, windowNLL = 0.0, windowTokens = 0
        var windowNorms = 0.0, windowSteps = 0, windowClipped = 0
        var windowStart = Date()
        func elapsed() -> Double { elapsedBefore + Date().timeIntervalSince(started) }

        while true {
            if progress.updates >= options.maxUpdate { return try finish(.maxUpdate, elapsed: elapsed()) }
            if options.maxTime > 0 && elapsed() >= options.maxTime { return try finish(.maxTime, elapsed: elapsed()) }
            if shouldStop() { return try finish(.interrupted, elapsed: elapsed()) }

            let result = try update()
            windowLoss += result.loss
            windowNLL += result.nll
            windowTokens += result.tokens
            if result.step.applied { (windowNorms, windowSteps) = (windowNorms + result.step.gradientNorm, windowSteps + 1) }
            if result.step.clipped { windowClipped += 1 }
            let figures = ProgressReporter.Figures(
                step: progress.updates, loss: windowLoss / Double(max(windowTokens, 1)),
                perplexity: exp(windowNLL / Double(max(windowTokens, 1))), learningRate: Double(result.step.learningRate),
                targetTokensPerSecond: Double(windowTokens) / max(Date().timeIntervalSince(windowStart), 1e-9),
                elapsedSeconds: elapsed(), etaSeconds: eta(elapsed: elapsed()))
            reporter.live(figures)
            if progress.updates % recipe.schedule.logInterval == 0 {
                var figures = figures
                figures.layers = statistics.takeMeans()
                figures.gradientNorm = windowSteps > 0 ? windowNorms / Double(windowSteps) : nil
                figures.clippedFraction = options.clipNorm > 0 ? Double(windowClipped) / Double(max(windowSteps, 1)) : nil
                try reporter.report(figures)
                (windowLoss, windowNLL, windowTokens, windowStart) = (0, 0, 0, Date())
                (windowNorms, windowSteps, windowClipped) = (0, 0, 0)
            }
            if progress.updates % recipe.schedule.validateInterval == 0 {
                try validateAndSave(elapsed: elapsed())
            } else if let interval = recipe.schedule.saveInterval, progress.updates % interval == 0 {
                try save(elapsed: elapsed())
            }
        }
    }

    private func eta(elapsed: Double) -> Double? {
        let done = Double(progress.updates)
        guard done > 0 else { return nil }
        let perUpdate = elapsed / done
        var remaining = perUpdate * Double(recipe.optimization.maxUpdate - progress.updates)
        if recipe.optimization.maxTime > 0 { remaining = min(remaining, recipe.optimization.maxTime - elapsed) }
        return max(0, remaining)
    }

    /// What one update did: the batch's summed label-smoothed loss and NLL, its target tokens,
    /// and the optimizer's report (learning rate, gradient norm before clipping, clipped or not).
    public struct UpdateResult: Sendable {
        public var loss: Double
        public var nll: Double
        public var tokens: Int
        public var step: StepReport
    }

    /// One training batch as the model sees it: its direction, and source `[tag] x </s>`, decoder
    /// input `[tag] y`, target `y </s>`.
    public struct TrainingBatch: Sendable {
        public let direction: Direction
        public let source, input, target: TokenBatch
    }

    /// Feed-forward statistics (MoE load, dropped tokens, …) averaged over a log interval.
    var statistics = StatisticsWindow()
    /// Updates skipped in a row for a non-finite loss or gradient.
    private var consecutiveSkips = 0

    /// One optimizer update on the next batch.
    func update() throws -> UpdateResult { try update(on: nextBatch()) }

    /// Draws the next batch from the sampler, as `run()` would. Public, with `update(on:)`, so a
    /// tool can record exactly what training sees (recipes/parity.sh replays it in PyTorch).
    public func nextBatch() throws -> TrainingBatch { try makeBatch(sampler.next()) }

    /// The feed-forward context of a batch: its direction as indices into the recipe's languages.
    public func context(for batch: TrainingBatch) -> FeedForwardContext {
        let languages = recipe.data.languages
        return FeedForwardContext(source: languages.firstIndex(of: batch.direction.source)!,
                                  target: languages.firstIndex(of: batch.direction.target)!)
    }

    /// One optimizer update on `batch` (from `nextBatch()`); `run()` is a loop of these plus logging,
    /// validation and checkpoints.
    public func update(on batch: TrainingBatch) throws -> UpdateResult {
        graph.reset()
        graph.isTraining = true
        let context = self.context(for: batch)
        let smoothing = recipe.optimization.labelSmoothing
        var total: Var
        let result: CrossEntropyResult
        if let fd = model.config.feedForwardKind.fuseDistillation {
            // Both routes forward, one backward: ½(CE_ls + CE_sh) + λ·KL.
            let distilled = FuseDistillation.loss(graph, model: model, source: batch.source, decoderInput: batch.input,
                                                  targets: batch.target, smoothing: smoothing, context: context,
                                                  lambda: fd.lambda, divergence: fd.divergence)
            (total, result) = (distilled.loss, distilled.languageSpecific)
        } else {
            result = model.loss(graph, source: batch.source, decoderInput: batch.input, targets: batch.target,
                                labelSmoothing: smoothing, context: context)
            total = result.loss
        }
        let loss = Double(graph.scalar(total))
        // The auxiliary loss is a per-batch mean; scaling by the token count makes
        // the 1/tokens gradient seed below leave it at its own weight.
        if let auxiliary = context.meanAuxiliaryLoss(graph) { total = graph.add(total, graph.scale(auxiliary, Float(max(result.tokens, 1)))) }
        graph.backward(total, seed: 1 / Float(max(result.tokens, 1)))
        statistics.add(context.statistics)
        let step = optimizer.step()
        progress.updates += 1
        progress.appliedUpdates = optimizer.appliedSteps
        progress.skippedUpdates = optimizer.skippedSteps
        progress.targetTokens += result.tokens
        try check(step, loss: loss)
        return UpdateResult(loss: loss, nll: result.nllSum, tokens: result.tokens, step: step)
    }

    /// A diverged run stops before anything non-finite can reach a checkpoint; the last
    /// checkpoint on disk is left as it was.
    private func check(_ step: StepReport, loss: Double) throws {
        let last = "\(lastCheckpointPath) is the last good checkpoint; lower lr or set clip_norm"
        guard step.weightsFinite else {
            throw TrainingError(message: "update \(progress.updates) made the weights non-finite (lr \(step.learningRate)); stopped without saving; \(last)")
        }
        guard !step.applied else { consecutiveSkips = 0; return }
        consecutiveSkips += 1
        let what = loss.isFinite ? "gradient" : "loss"
        reporter.line("update \(progress.updates): non-finite \(what), step skipped (\(optimizer.skippedSteps) so far)")
        let limit = recipe.optimization.maxConsecutiveSkippedUpdates
        guard consecutiveSkips < limit else {
            throw TrainingError(message: "\(limit) updates in a row had a non-finite loss or gradient (max_consecutive_skipped_updates); stopped without saving; \(last)")
        }
    }

    func makeBatch(_ batch: Batch) throws -> TrainingBatch {
        let tag = tags[batch.direction.target]!, end = vocabulary.endID, pad = model.config.paddingID
        var sources: [[Int32]] = [], inputs: [[Int32]] = [], targets: [[Int32]] = []
        for row in batch.rows {
            let x = try train.tokens(batch.direction.source, row: row), y = try train.tokens(batch.direction.target, row: row)
            sources.append([tag] + x + [end])
            inputs.append([tag] + y)
            targets.append(y + [end])
        }
        return TrainingBatch(direction: batch.direction, source: TokenBatch(sources, paddingID: pad),
                             input: TokenBatch(inputs, paddingID: pad), target: TokenBatch(targets, paddingID: pad))
    }

    private func validateAndSave(elapsed: Double) throws {
        let started = Date()
        let report = try validation.run(model: model)
        // A NaN loss compares false either way, so it is tested first: it is never the best.
        let isBest = report.loss.isFinite && (progress.bestValidLoss.map { report.loss < $0 } ?? true)
        if isBest { progress.bestValidLoss = report.loss }
        reporter.line(String(format: "valid at update %d: loss %.3f | ppl %.2f | BLEU %@ (%.1f s)%@", progress.updates, report.loss,
                             exp(report.loss), report.bleuSummary, Date().timeIntervalSince(started), isBest ? " | best" : ""))
        try save(elapsed: elapsed)
        if isBest { try FileManager.default.copyItemReplacing(at: lastCheckpointPath, to: bestCheckpointPath) }
    }

    private func finish(_ reason: StopReason, elapsed: Double) throws -> StopReason {
        if progress.updates % recipe.schedule.validateInterval != 0 || progress.updates == 0 { try save(elapsed: elapsed) }
        reporter.line("stopped (\(reason.rawValue)) at update \(progress.updates); saved \(lastCheckpointPath)")
        return reason
    }

    func save(elapsed: Double) throws {
        if let (parameter, buffer) = optimizer.firstNonFiniteState() {
            throw TrainingError(message: "\(parameter) (\(buffer)) holds NaN or ∞ at update \(progress.updates); not saved; \(lastCheckpointPath) is the last good checkpoint")
        }
        progress.elapsedSeconds = elapsed
        progress.sampler = sampler.state
        progress.dropoutGeneratorState = graph.rng.state
        let file = ModelFile(config: model.config, languages: recipe.data.languages.map(\.code), vocabulary: vocabularyBytes)
        try TrainingCheckpoint.save(to: lastCheckpointPath, model: file, parameters: model.parameters, optimizer: optimizer,
                                    progress: progress, recipe: recipe)
    }
}

extension FileManager {
    /// Copies through a temporary file and a rename, so the destination is never half-written.
    func copyItemReplacing(at source: String, to destination: String) throws {
        try AtomicFile.write(to: destination) { handle in
            try handle.write(contentsOf: try Data(contentsOf: URL(fileURLWithPath: source)))
        }
    }
}
