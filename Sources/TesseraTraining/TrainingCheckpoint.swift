import Foundation
import TesseraData
import TesseraIO
import TesseraModels
import TesseraNN
import TesseraTensor

/// Everything a run needs to continue exactly where it stopped, beside the
/// weights: optimizer moments (as `optimizer.exp_avg.<name>` and
/// `optimizer.exp_avg_sq.<name>`, PyTorch Adam's names) and this progress
/// record in the header metadata.
public struct TrainingProgress: Codable, Equatable, Sendable {
    public var updates: Int
    public var appliedUpdates: Int
    public var skippedUpdates: Int
    public var elapsedSeconds: Double
    public var targetTokens: Int
    public var bestValidLoss: Double?
    public var sampler: BatchSampler.State
    /// State of the generator that seeds dropout, so masks continue the same sequence.
    public var dropoutGeneratorState: UInt64

    enum CodingKeys: String, CodingKey {
        case updates, appliedUpdates = "applied_updates", skippedUpdates = "skipped_updates", elapsedSeconds = "elapsed_s"
        case targetTokens = "target_tokens", bestValidLoss = "best_valid_loss", sampler, dropoutGeneratorState = "dropout_rng"
    }
}

enum TrainingCheckpoint {
    static let progressKey = "training_progress"
    static let recipeKey = "recipe"

    static func save(to path: String, model: ModelFile, parameters: [Parameter], optimizer: Adam,
                     progress: TrainingProgress, recipe: Recipe) throws {
        var file = model
        file.metadata[progressKey] = String(decoding: try JSONEncoder.sortedKeys.encode(progress), as: UTF8.self)
        file.metadata[recipeKey] = String(decoding: try JSONEncoder.sortedKeys.encode(recipe), as: UTF8.self)
        var writer = try file.writer(parameters: parameters)
        for (index, p) in parameters.enumerated() {
            let (m, v) = optimizer.moments(of: index)
            writer.add("optimizer.exp_avg.\(p.name)", dtype: .f32, shape: p.shape.dims, values: UnsafeBufferPointer(m))
            writer.add("optimizer.exp_avg_sq.\(p.name)", dtype: .f32, shape: p.shape.dims, values: UnsafeBufferPointer(v))
        }
        try writer.write(to: path)
    }

    /// Restores weights, optimizer moments and progress from a checkpoint.
    static func restore(from path: String, parameters: [Parameter], optimizer: Adam) throws -> TrainingProgress {
        let (_, tensors) = try ModelFile.open(path: path)
        guard let json = tensors.metadata[progressKey],
              let progress = try? JSONDecoder().decode(TrainingProgress.self, from: Data(json.utf8)) else {
            throw InputError(file: path, message: "has no training progress to resume from (is it a distilled or exported model?)")
        }
        try ModelFile.load(parameters, from: tensors)
        for (index, p) in parameters.enumerated() {
            let (m, v) = optimizer.moments(of: index)
            for (name, buffer) in [("optimizer.exp_avg.\(p.name)", m), ("optimizer.exp_avg_sq.\(p.name)", v)] {
                guard try tensors.info(name).shape == p.shape.dims else {
                    throw InputError(file: path, message: "tensor '\(name)' does not match the model's shape")
                }
                try tensors.withValues(name, as: Float.self, dtype: .f32) { _ = buffer.update(fromContentsOf: $0) }
            }
        }
        optimizer.appliedSteps = progress.appliedUpdates
        optimizer.skippedSteps = progress.skippedUpdates
        return progress
    }
}
