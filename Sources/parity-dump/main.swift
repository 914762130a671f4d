// Dumps what Tessera computes, for recipes/parity-torch.py to compare with a PyTorch reference
// (wrapped by recipes/parity.sh). Dropout is always off (dropout, attention_dropout and
// activation_dropout forced to 0), so both sides compute the same deterministic function.
//
//   parity-dump batch RECIPE OUTDIR [--batch K] [--init WEIGHTS] [options]
//       OUTDIR/init.safetensors   the model's weights (a Tessera model file): its initialization,
//                                 or a copy of WEIGHTS
//       OUTDIR/batch.safetensors  the sampler's K-th batch (default the first; batches do not depend
//                                 on the weights, so it is update K's batch): source/input/target
//                                 ids, logits, summed label-smoothed loss, and every parameter's
//                                 gradient of loss/target-tokens ("grad.<fairseq name>")
//   parity-dump train RECIPE UPDATES OUT [--init WEIGHTS] [--final FILE] [options]
//       OUT  every update's batch ("update.K.{source,input,target}", K from 1) and, in the metadata,
//            JSON arrays of its direction, loss, nll, target tokens, learning rate, gradient norm
//            and seconds, plus the Adam settings. Trains with Trainer.nextBatch/update(on:), the
//            updates `tessera train` makes.
//       --init WEIGHTS  start from these weights (safetensors with fairseq names) instead of
//                       Tessera's own initialization
//       --final FILE    also write the weights after the last update (a Tessera model file)
//   options: --model KEY=VALUE (repeatable) overrides a numeric model setting of the recipe,
//            e.g. --model embed_dim=128; --max-tokens N overrides data.max_tokens.
import Foundation
import TesseraData
import TesseraIO
import TesseraModels
import TesseraTensor
import TesseraText
import TesseraTraining

BLASCore.useBestCore()

struct Failure: Error, CustomStringConvertible { let description: String }

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("parity-dump: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var modelOverrides: [(String, Double)] = []
var initPath: String?, finalPath: String?, maxTokens: Int?, batchNumber = 1
var positional: [String] = []
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    func value() -> String {
        guard !arguments.isEmpty else { fail("\(argument) needs a value") }
        return arguments.removeFirst()
    }
    switch argument {
    case "--model":
        let pair = value().split(separator: "=", maxSplits: 1).map(String.init)
        guard pair.count == 2, let number = Double(pair[1]) else { fail("--model wants KEY=NUMBER") }
        modelOverrides.append((pair[0], number))
    case "--init": initPath = value()
    case "--final": finalPath = value()
    case "--batch":
        guard let n = Int(value()), n > 0 else { fail("--batch wants a positive integer") }
        batchNumber = n
    case "--max-tokens":
        guard let n = Int(value()), n > 0 else { fail("--max-tokens wants a positive integer") }
        maxTokens = n
    default:
        if argument.hasPrefix("--") { fail("unknown option \(argument)") }
        positional.append(argument)
    }
}
let usage = "usage: parity-dump batch RECIPE OUTDIR [--batch K] [--init W] | parity-dump train RECIPE UPDATES OUT [--init W] [--final F]"
guard let mode = positional.first, (mode == "batch" && positional.count == 3) || (mode == "train" && positional.count == 4) else {
    fail(usage)
}

/// The recipe with dropout off and the overrides applied; nothing is ever saved to its save_dir.
func loadRecipe(_ path: String) throws -> Recipe {
    var recipe = try Recipe.load(path: path)
    for key in ["dropout", "attention_dropout", "activation_dropout"] { recipe.model[key] = .number(0) }
    for (key, value) in modelOverrides { recipe.model[key] = .number(value) }
    if let maxTokens { recipe.data.maxTokens = maxTokens }
    return recipe
}

func makeTrainer(_ recipe: Recipe) throws -> Trainer {
    let reporter = try ProgressReporter(output: FileHandle.standardError, logPath: nil, interactive: false)
    return try Trainer(recipe: recipe, reporter: reporter, resume: false)
}

func modelFile(_ trainer: Trainer, _ recipe: Recipe) throws -> ModelFile {
    ModelFile(config: trainer.model.config, languages: recipe.data.languages.map(\.code),
              vocabulary: try SentencePiece(path: recipe.data.vocabulary).serialized())
}

func add(_ writer: inout Safetensors.Writer, _ name: String, _ batch: TokenBatch) {
    batch.ids.withUnsafeBufferPointer { writer.add(name, dtype: .i32, shape: [batch.count, batch.length], values: $0) }
}

func json(_ value: some Encodable) throws -> String { String(decoding: try JSONEncoder().encode(value), as: UTF8.self) }

do {
    let recipe = try loadRecipe(positional[1])
    let trainer = try makeTrainer(recipe)
    let model = trainer.model
    // The PyTorch side implements the dense Transformer only.
    guard model.config.feedForwardKind == .dense else { throw Failure(description: "the parity check is for dense models") }
    if mode == "batch" {
        let directory = positional[2]
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let initPath { try ModelFile.load(model.parameters, from: Safetensors.File(path: initPath)) }
        try modelFile(trainer, recipe).writer(parameters: model.parameters).write(to: directory + "/init.safetensors")

        for _ in 1..<batchNumber { _ = try trainer.nextBatch() }
        let batch = try trainer.nextBatch()
        // Loss and gradients exactly as Trainer.update computes them (model.loss, seed 1/tokens),
        // without the optimizer step.
        let graph = Graph(seed: 1)
        let result = model.loss(graph, source: batch.source, decoderInput: batch.input, targets: batch.target,
                                labelSmoothing: recipe.optimization.labelSmoothing, context: trainer.context(for: batch))
        let loss = graph.scalar(result.loss)
        graph.backward(result.loss, seed: 1 / Float(max(result.tokens, 1)))
        // The logits, from a second forward pass (model.loss keeps them inside).
        let forward = Graph(seed: 1)
        forward.isTraining = false
        let logits: [Float] = forward.withoutGrad {
            let context = trainer.context(for: batch)
            let (memory, padding) = model.encode(forward, source: batch.source, context: context)
            return forward.array(model.decode(forward, input: batch.input, memory: memory, memoryPadding: padding, context: context))
        }

        var writer = Safetensors.Writer(metadata: [
            "direction": batch.direction.description, "loss": String(loss), "nll": String(result.nllSum),
            "tokens": String(result.tokens), "label_smoothing": String(recipe.optimization.labelSmoothing),
            "model_config": try json(model.config),
        ])
        add(&writer, "source", batch.source)
        add(&writer, "input", batch.input)
        add(&writer, "target", batch.target)
        writer.add("logits", shape: [batch.input.count * batch.input.length, model.config.vocabularySize], floats: logits)
        for p in model.parameters {
            writer.add("grad." + p.name, dtype: .f32, shape: p.shape.dims, values: UnsafeBufferPointer(start: p.grad, count: p.count))
        }
        try writer.write(to: directory + "/batch.safetensors")
        print("parity-dump: \(batch.direction) batch of \(batch.source.count) rows, \(result.tokens) target tokens, "
              + "loss/token \(Double(loss) / Double(result.tokens)); wrote \(directory)/init.safetensors and batch.safetensors")
    } else {
        guard let updates = Int(positional[2]), updates > 0 else { fail("UPDATES must be a positive integer") }
        if let initPath { try ModelFile.load(model.parameters, from: Safetensors.File(path: initPath)) }
        var writer = Safetensors.Writer()
        var directions: [String] = [], losses: [Double] = [], nlls: [Double] = [], tokens: [Int] = []
        var rates: [Float] = [], norms: [Double] = [], seconds: [Double] = []
        for k in 1...updates {
            let batch = try trainer.nextBatch()
            let started = Date()
            let result = try trainer.update(on: batch)
            seconds.append(Date().timeIntervalSince(started))
            add(&writer, "update.\(k).source", batch.source)
            add(&writer, "update.\(k).input", batch.input)
            add(&writer, "update.\(k).target", batch.target)
            directions.append(batch.direction.description)
            losses.append(result.loss)
            nlls.append(result.nll)
            tokens.append(result.tokens)
            rates.append(result.step.learningRate)
            norms.append(result.step.gradientNorm)
            if k % 25 == 0 || k == updates {
                let window = max(0, losses.count - 25)
                let mean = losses[window...].reduce(0, +) / Double(tokens[window...].reduce(0, +))
                FileHandle.standardError.write(Data(String(format: "parity-dump: update %d, loss/token %.4f (last 25), %.2f s/update\n",
                                                           k, mean, seconds[window...].reduce(0, +) / Double(seconds.count - window)).utf8))
            }
        }
        writer.metadata = [
            "updates": String(updates), "directions": try json(directions), "loss": try json(losses), "nll": try json(nlls),
            "tokens": try json(tokens), "learning_rate": try json(rates), "gradient_norm": try json(norms),
            "seconds": try json(seconds), "init": initPath ?? "tessera", "model_config": try json(model.config),
            "optimization": try json(recipe.optimization), "adam": try json(recipe.adam),
        ]
        try writer.write(to: positional[3])
        if let finalPath { try modelFile(trainer, recipe).writer(parameters: model.parameters).write(to: finalPath) }
        print("parity-dump: \(updates) updates; wrote \(positional[3])" + (finalPath.map { " and \($0)" } ?? ""))
    }
} catch {
    fail("\(error)")
}
