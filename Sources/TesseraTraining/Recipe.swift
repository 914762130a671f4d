import Foundation
import TesseraData
import TesseraIO
import TesseraModels
import TesseraNN
import TesseraText

/// A training recipe: data, model, optimizer and schedule in one JSON file.
/// Keys follow fairseq's option names where one exists (`max_tokens`, `lr`,
/// `warmup_updates`, `max_update`, …); `tessera train` flags override them.
public struct Recipe: Codable, Sendable, Equatable {
    public struct Data: Codable, Sendable, Equatable {
        /// Binarized splits (`tessera binarize`) and the vocabulary they use.
        public var train: String
        public var valid: String
        public var vocabulary: String
        public var languages: [Language]
        public var directions: DirectionSelection = .allPairs
        public var maxTokens = 4096
        public var maxLength = 128
        public var temperature = 1.5

        enum CodingKeys: String, CodingKey, CaseIterable {
            case train, valid, vocabulary = "vocab", languages = "langs", directions
            case maxTokens = "max_tokens", maxLength = "max_length", temperature = "sampling_temperature"
        }

        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            train = try c.decode(String.self, forKey: .train)
            valid = try c.decode(String.self, forKey: .valid)
            vocabulary = try c.decode(String.self, forKey: .vocabulary)
            languages = try c.decode([Language].self, forKey: .languages)
            try c.update(&directions, .directions)
            try c.update(&maxTokens, .maxTokens)
            try c.update(&maxLength, .maxLength)
            try c.update(&temperature, .temperature)
        }
    }

    public struct Optimization: Codable, Sendable, Equatable {
        public var learningRate: Float = 5e-4
        public var warmupUpdates = 4000
        public var clipNorm: Float = 0
        public var weightDecay: Float = 0
        public var labelSmoothing: Float = 0.1
        public var maxUpdate = 10_000
        /// Wall-clock budget in seconds (0: none).
        public var maxTime: Double = 0
        public var seed: UInt64 = 1
        /// fairseq's names: "inverse_sqrt", or "polynomial_decay" to `end_learning_rate` at
        /// `total_num_update` (default `max_update`) with exponent `power`.
        public var learningRateScheduler = Scheduler.inverseSquareRoot
        public var totalUpdates: Int?
        public var endLearningRate: Float = 0
        public var power: Float = 1
        /// Training stops with an error after this many updates in a row are skipped for a
        /// non-finite loss or gradient (the run has diverged; its last checkpoint stays good).
        public var maxConsecutiveSkippedUpdates = 20

        public enum Scheduler: String, Codable, Sendable, Equatable {
            case inverseSquareRoot = "inverse_sqrt", polynomialDecay = "polynomial_decay"
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case learningRate = "lr", warmupUpdates = "warmup_updates", clipNorm = "clip_norm", weightDecay = "weight_decay"
            case labelSmoothing = "label_smoothing", maxUpdate = "max_update", maxTime = "max_time", seed
            case learningRateScheduler = "lr_scheduler", totalUpdates = "total_num_update"
            case endLearningRate = "end_learning_rate", power
            case maxConsecutiveSkippedUpdates = "max_consecutive_skipped_updates"
        }

        public init() {}

        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            try c.update(&learningRate, .learningRate)
            try c.update(&warmupUpdates, .warmupUpdates)
            try c.update(&clipNorm, .clipNorm)
            try c.update(&weightDecay, .weightDecay)
            try c.update(&labelSmoothing, .labelSmoothing)
            try c.update(&maxUpdate, .maxUpdate)
            try c.update(&maxTime, .maxTime)
            try c.update(&seed, .seed)
            try c.update(&learningRateScheduler, .learningRateScheduler)
            totalUpdates = try c.decodeIfPresent(Int.self, forKey: .totalUpdates)
            try c.update(&endLearningRate, .endLearningRate)
            try c.update(&power, .power)
            try c.update(&maxConsecutiveSkippedUpdates, .maxConsecutiveSkippedUpdates)
            // Settings of a schedule that is not in use would be silently ignored.
            for key in [CodingKeys.totalUpdates, .endLearningRate, .power] where learningRateScheduler != .polynomialDecay && c.contains(key) {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "only with lr_scheduler \"polynomial_decay\"")
            }
            if let total = totalUpdates, total <= warmupUpdates {
                throw DecodingError.dataCorruptedError(forKey: .totalUpdates, in: c, debugDescription: "must exceed warmup_updates (\(warmupUpdates))")
            }
        }

        var decay: LearningRateDecay {
            switch learningRateScheduler {
            case .inverseSquareRoot: .inverseSquareRoot
            case .polynomialDecay: .polynomial(totalUpdates: totalUpdates ?? maxUpdate, endLearningRate: endLearningRate, power: power)
            }
        }
    }

    public struct Schedule: Codable, Sendable, Equatable {
        public var saveDirectory: String
        public var logInterval = 50
        public var validateInterval = 1000
        /// Updates between checkpoints that are not also validations (a run killed
        /// without a signal loses at most this many); nil saves only at validation.
        public var saveInterval: Int?
        /// Validation sentences per direction, for loss and greedy BLEU.
        public var validSentences = 100
        /// Directions scored with BLEU at validation (default: every trained direction, up to 6).
        public var bleuDirections: [Direction]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case saveDirectory = "save_dir", logInterval = "log_interval", validateInterval = "validate_interval_updates"
            case saveInterval = "save_interval_updates"
            case validSentences = "valid_sentences", bleuDirections = "bleu_directions"
        }

        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            saveDirectory = try c.decode(String.self, forKey: .saveDirectory)
            try c.update(&logInterval, .logInterval)
            try c.update(&validateInterval, .validateInterval)
            saveInterval = try c.decodeIfPresent(Int.self, forKey: .saveInterval)
            try c.update(&validSentences, .validSentences)
            bleuDirections = try c.decodeIfPresent([Direction].self, forKey: .bleuDirections)
        }
    }

    public var data: Data
    /// The model's settings (TransformerConfig's keys); `vocab_size` comes from
    /// the vocabulary when omitted.
    public var model: [String: JSONValue]
    public var optimization: Optimization
    public var schedule: Schedule
    /// The file it was loaded from, for errors about its values (not part of the recipe).
    public var path = "recipe"

    enum CodingKeys: String, CodingKey, CaseIterable { case data, model, optimization, schedule }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        data = try c.decode(Data.self, forKey: .data)
        model = try c.decodeIfPresent([String: JSONValue].self, forKey: .model) ?? [:]
        optimization = try c.decodeIfPresent(Optimization.self, forKey: .optimization) ?? Optimization()
        schedule = try c.decode(Schedule.self, forKey: .schedule)
    }

    public static func load(path: String) throws -> Recipe {
        let bytes = try InputFile.read(path)
        var recipe: Recipe
        do {
            recipe = try JSONDecoder().decode(Recipe.self, from: bytes)
        } catch let error as DecodingError {
            throw InputError(file: path, message: "invalid recipe: \(describe(error))")
        } catch let error as InputError {
            throw InputError(file: path, message: "invalid recipe: \(error.file): \(error.message)")
        }
        if let (key, line) = JSONDuplicateKeys.first(in: bytes) {
            throw InputError(file: path, line: line, message: "invalid recipe: key '\(key)' appears twice in one object")
        }
        recipe.path = path
        try recipe.validate()
        // Any size the model accepts: the vocabulary's is known only when training starts.
        _ = try recipe.transformerConfig(vocabularySize: 1 << 16)
        return recipe
    }

    /// Refuses values no run can use (also after command-line overrides): the error
    /// names the file and the key.
    public func validate() throws {
        let o = optimization, d = data, s = schedule
        let checks: [(Bool, String, String)] = [
            (o.learningRate > 0 && o.learningRate.isFinite, "optimization.lr", "must be positive, not \(o.learningRate)"),
            (o.warmupUpdates >= 0, "optimization.warmup_updates", "must not be negative"),
            (o.clipNorm >= 0 && o.clipNorm.isFinite, "optimization.clip_norm", "must be 0 (off) or positive, not \(o.clipNorm)"),
            (o.weightDecay >= 0 && o.weightDecay.isFinite, "optimization.weight_decay", "must not be negative, not \(o.weightDecay)"),
            ((0..<1).contains(o.labelSmoothing), "optimization.label_smoothing", "must be in [0, 1), not \(o.labelSmoothing)"),
            (o.maxUpdate > 0, "optimization.max_update", "must be positive, not \(o.maxUpdate)"),
            (o.power > 0 && o.power.isFinite, "optimization.power", "must be positive, not \(o.power)"),
            (o.endLearningRate >= 0 && o.endLearningRate.isFinite, "optimization.end_learning_rate", "must not be negative, not \(o.endLearningRate)"),
            (o.maxConsecutiveSkippedUpdates > 0, "optimization.max_consecutive_skipped_updates",
             "must be positive, not \(o.maxConsecutiveSkippedUpdates)"),
            (o.maxTime >= 0 && o.maxTime.isFinite, "optimization.max_time", "must be 0 (none) or positive, not \(o.maxTime)"),
            (d.maxTokens > 0, "data.max_tokens", "must be positive, not \(d.maxTokens)"),
            (d.maxLength > 0, "data.max_length", "must be positive, not \(d.maxLength)"),
            (d.temperature > 0 && d.temperature.isFinite, "data.sampling_temperature", "must be positive, not \(d.temperature)"),
            (s.logInterval > 0, "schedule.log_interval", "must be positive, not \(s.logInterval)"),
            (s.validateInterval > 0, "schedule.validate_interval_updates", "must be positive, not \(s.validateInterval)"),
            (s.saveInterval ?? 1 > 0, "schedule.save_interval_updates", "must be positive, not \(s.saveInterval ?? 0)"),
            (s.validSentences > 0, "schedule.valid_sentences", "must be positive, not \(s.validSentences)"),
        ]
        if let (_, key, message) = checks.first(where: { !$0.0 }) {
            throw InputError(file: path, message: "invalid recipe: \(key): \(message)")
        }
        for direction in schedule.bleuDirections ?? [] {
            for language in [direction.source, direction.target] where !data.languages.contains(language) {
                throw InputError(file: path, message: "invalid recipe: schedule.bleu_directions: \(direction) uses '\(language.code)', which is not in data.langs")
            }
        }
    }

    /// The Transformer config, with the vocabulary size filled in.
    public func transformerConfig(vocabularySize: Int) throws -> TransformerConfig {
        var object = model
        object["vocab_size"] = object["vocab_size"] ?? .number(Double(vocabularySize))
        do {
            return try JSONDecoder().decode(TransformerConfig.self, from: try JSONEncoder().encode(object))
        } catch let error as DecodingError {
            throw InputError(file: path, message: "invalid recipe: \(describe(error, section: "model"))")
        } catch {
            throw InputError(file: path, message: "invalid recipe: model: \(error)")
        }
    }

    public var adam: AdamConfig {
        var config = AdamConfig()
        config.learningRate = optimization.learningRate
        config.warmupSteps = optimization.warmupUpdates
        config.clipNorm = optimization.clipNorm > 0 ? optimization.clipNorm : nil
        config.weightDecay = optimization.weightDecay
        config.decay = optimization.decay
        return config
    }
}

/// Fields decoded for model settings, kept as JSON so the model's own
/// Codable config validates them and supplies defaults.
public enum JSONValue: Codable, Sendable, Equatable {
    case number(Double), string(String), bool(Bool), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let value = try? c.decode(Bool.self) { self = .bool(value) }
        else if let value = try? c.decode(Double.self) { self = .number(value) }
        else if let value = try? c.decode(String.self) { self = .string(value) }
        else if let value = try? c.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { try c.encode(Int64(value)) } else { try c.encode(value) }
        case .string(let value): try c.encode(value)
        case .bool(let value): try c.encode(value)
        case .array(let value): try c.encode(value)
        case .object(let value): try c.encode(value)
        }
    }
}

/// "data.langs[2]: unknown language code 'xx'" rather than Foundation's dump.
func describe(_ error: DecodingError, section: String? = nil) -> String {
    func path(_ keys: [CodingKey]) -> String {
        let names = (section.map { [$0] } ?? []) + keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return names.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }
    switch error {
    case .keyNotFound(let key, let context): return "missing key '\(path(context.codingPath + [key]))'"
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
        return "\(path(context.codingPath)): \(context.debugDescription)"
    case .dataCorrupted(let context):
        let underlying = (context.underlyingError as? InputError)?.message ?? context.debugDescription
        let location = path(context.codingPath)
        return location.isEmpty ? underlying : "\(location): \(underlying)"
    @unknown default: return "\(error)"
    }
}
