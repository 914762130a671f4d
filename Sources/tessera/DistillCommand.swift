import TesseraModels

enum DistillCommand: Command {
    static let name = "distill"
    static let summary = "fold an LMS+FD model's shared route into one dense model (FD-Share)"
    static let usage = """
        usage: tessera distill --model CKPT -o DENSE.safetensors

        Folds W + V_sh·F_sh into W in every LMS layer of a model trained with
        Fuse Distillation (ffn_kind lms_fd; for ffn_fd the shared FFN is kept)
        and drops every language-specific factor. The output is a plain dense
        checkpoint that `tessera translate` runs with no special code path; its
        translations equal the source model's with --route shared.

        options:
          --model CKPT        a checkpoint trained with ffn_kind lms_fd or ffn_fd
          -o, --output FILE   the dense checkpoint to write
        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try Arguments(arguments, options: ["--model": .value, "--output": .value], aliases: ["-o": "--output"])
        guard options.positional.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positional[0])'") }
        let output = try options.required("--output")
        let report = try Distillation.distill(from: options.required("--model"), to: output)
        printError("distill: wrote \(output): \(report.parametersAfter) parameters (from \(report.parametersBefore))")
        return 0
    }
}
