import Foundation
import TesseraData
import TesseraIO
import TesseraTensor
import TesseraTraining

/// The signal (SIGINT from Ctrl-C, SIGTERM from `kill` or a job scheduler) that asked
/// training to stop; the trainer polls it between updates and saves before exiting.
nonisolated(unsafe) private var interruptRequested: sig_atomic_t = 0

enum TrainCommand: Command {
    static let name = "train"
    static let summary = "train a many-to-many Transformer from a JSON recipe"
    static let usage = """
        usage: tessera train --recipe FILE [--resume] [overrides]

        Trains on the recipe's binarized data, showing step, loss, perplexity,
        learning rate, target tokens/s, elapsed time and ETA (a live line on a
        terminal, periodic lines otherwise), and appending the same figures to
        SAVE_DIR/train.jsonl. Validates (loss, greedy BLEU) and saves
        SAVE_DIR/checkpoint_last.safetensors and checkpoint_best.safetensors every
        --validate-interval-updates updates, and checkpoint_last alone every
        --save-interval-updates updates. Ctrl-C saves, then exits.

        options:
          --recipe FILE                  the JSON recipe (see recipes/)
          --resume                       continue from SAVE_DIR/checkpoint_last.safetensors;
                                         the result equals an uninterrupted run
          --overwrite                    start over in a SAVE_DIR that holds a run
                                         (refused without it)
          --max-update N, --max-steps N  stop after N updates
          --max-time SECONDS             stop after this much training time
          --save-dir DIR                 where checkpoints and the log go
          --lr X, --warmup-updates N, --max-tokens N, --seed N,
          --log-interval N, --validate-interval-updates N, --save-interval-updates N
                                         override the recipe's value
        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try Arguments(arguments, options: [
            "--recipe": .value, "--resume": .flag, "--overwrite": .flag, "--max-update": .value, "--max-time": .value, "--save-dir": .value,
            "--lr": .value, "--warmup-updates": .value, "--max-tokens": .value, "--seed": .value, "--log-interval": .value,
            "--validate-interval-updates": .value, "--save-interval-updates": .value,
        ], aliases: ["--max-steps": "--max-update"])
        guard options.positional.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positional[0])'") }
        var recipe = try Recipe.load(path: options.required("--recipe"))
        recipe.optimization.maxUpdate = try options.number("--max-update", default: recipe.optimization.maxUpdate)
        recipe.optimization.maxTime = try options.number("--max-time", default: recipe.optimization.maxTime)
        recipe.optimization.learningRate = try options.number("--lr", default: recipe.optimization.learningRate)
        recipe.optimization.warmupUpdates = try options.number("--warmup-updates", default: recipe.optimization.warmupUpdates)
        recipe.optimization.seed = try options.number("--seed", default: recipe.optimization.seed)
        recipe.data.maxTokens = try options.number("--max-tokens", default: recipe.data.maxTokens)
        recipe.schedule.saveDirectory = options.string("--save-dir") ?? recipe.schedule.saveDirectory
        recipe.schedule.logInterval = try options.number("--log-interval", default: recipe.schedule.logInterval)
        recipe.schedule.validateInterval = try options.number("--validate-interval-updates", default: recipe.schedule.validateInterval)
        if options.string("--save-interval-updates") != nil {
            recipe.schedule.saveInterval = try options.number("--save-interval-updates", default: 0)
        }
        // The overrides are held to the recipe's own rules.
        try recipe.validate()

        guard !(options.has("--resume") && options.has("--overwrite")) else {
            throw UsageError(message: "--resume and --overwrite exclude each other")
        }
        let reporter = try ProgressReporter(logPath: recipe.schedule.saveDirectory + "/train.jsonl")
        let trainer = try Trainer(recipe: recipe, reporter: reporter, resume: options.has("--resume"), overwrite: options.has("--overwrite"))
        reporter.line("model: \(trainer.model.parameterCount) parameters; \(recipe.data.languages.count) languages; "
                      + Engine.summary)
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for stopSignal in [SIGINT, SIGTERM] {
            sigaddset(&stopSignals, stopSignal)
            signal(stopSignal) { received in
                // A second signal leaves at once, without saving.
                if interruptRequested != 0 { _exit(128 + received) }
                interruptRequested = received
            }
        }
        // A parent may have started us with these signals blocked (Foundation's Process
        // passes its mask on); unblocked here, they reach this thread and its handler.
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        trainer.shouldStop = { interruptRequested != 0 }
        let reason = try trainer.run()
        return reason == .interrupted ? 128 + interruptRequested : 0
    }
}
