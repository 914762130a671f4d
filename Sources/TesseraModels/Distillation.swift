import TesseraIO
import TesseraNN
import TesseraTensor

/// FD-Share: folds a model trained with Fuse Distillation (LMS+FD or FFN-level
/// FD) into the plain dense model its shared route computes, W ← W + V_sh·F_sh,
/// dropping every language-specific factor and FFN. The result is an ordinary
/// dense checkpoint: inference needs no extra parameters and no special code.
public enum Distillation {
    public struct Report: Sendable {
        public let parametersBefore: Int
        public let parametersAfter: Int
    }

    public static func distill(from path: String, to output: String) throws -> Report {
        let (file, tensors) = try ModelFile.open(path: path)
        guard file.config.feedForwardKind.fuseDistillation != nil else {
            throw InputError(file: path, message: "is not a Fuse Distillation model (ffn_kind lms_fd or ffn_fd); nothing to fold")
        }
        var named: [String: (shape: [Int], values: [Float])] = [:]
        var before = 0
        for name in tensors.names where !name.hasPrefix("optimizer.") && !name.hasPrefix("tessera.") {
            let values = try tensors.floats(name)
            named[name] = (try tensors.info(name).shape, values)
            before += values.count
        }
        let folded: [String: (shape: [Int], values: [Float])]
        do { folded = try LMSFold.fold(named) } catch {
            throw InputError(file: path, message: "cannot fold: \(error)")
        }
        var config = file.config
        config.feedForwardKind = .dense
        let dense = Transformer(config: config, languages: file.languages, seed: 0)
        do { try ParameterSet(dense.parameters).load(folded) } catch {
            throw InputError(file: path, message: "folded tensors do not form a dense model: \(error)")
        }
        let result = ModelFile(config: config, languages: file.languages, vocabulary: file.vocabulary,
                               metadata: ["distilled_from": path])
        try result.writer(parameters: dense.parameters).write(to: output)
        return Report(parametersBefore: before, parametersAfter: dense.parameterCount)
    }
}
