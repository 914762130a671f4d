import Foundation
import TesseraIO
import TesseraNN
import TesseraTensor

/// A model on disk: safetensors with fairseq tensor names, the model config,
/// language list and vocabulary in the header's metadata, and the
/// SentencePiece model itself as a U8 tensor so one file is enough to translate.
public struct ModelFile {
    public static let format = "tessera-model-1"
    /// Tensor holding the serialized SentencePiece model.
    public static let vocabularyTensor = "tessera.sentencepiece_model"

    public var config: TransformerConfig
    public var languages: [String]
    public var vocabulary: [UInt8]
    /// Extra metadata (training state, provenance); string to string as safetensors wants.
    public var metadata: [String: String]

    public init(config: TransformerConfig, languages: [String], vocabulary: [UInt8], metadata: [String: String] = [:]) {
        self.config = config
        self.languages = languages
        self.vocabulary = vocabulary
        self.metadata = metadata
    }

    /// A writer holding the model's parameters and this file's metadata;
    /// callers may add tensors (optimizer state) before writing.
    public func writer(parameters: [Parameter]) throws -> Safetensors.Writer {
        var writer = Safetensors.Writer(metadata: metadata)
        writer.metadata["format"] = Self.format
        writer.metadata["model_config"] = String(decoding: try JSONEncoder.sortedKeys.encode(config), as: UTF8.self)
        writer.metadata["languages"] = languages.joined(separator: ",")
        writer.metadata["vocabulary_sha256"] = SHA256.hex(vocabulary)
        for p in parameters {
            writer.add(p.name, dtype: .f32, shape: p.shape.dims, values: UnsafeBufferPointer(start: p.value, count: p.count))
        }
        vocabulary.withUnsafeBufferPointer { writer.add(Self.vocabularyTensor, dtype: .u8, shape: [$0.count], values: $0) }
        return writer
    }

    /// Reads the header of a model file; `tensors` stays open for loading parameters.
    public static func open(path: String) throws -> (file: ModelFile, tensors: Safetensors.File) {
        let tensors = try Safetensors.File(path: path)
        func fail(_ message: String) -> InputError { InputError(file: path, message: message) }
        guard tensors.metadata["format"] == format, let configJSON = tensors.metadata["model_config"],
              let languages = tensors.metadata["languages"] else {
            throw fail("not a Tessera model (no \(format) metadata)")
        }
        let config: TransformerConfig
        do {
            config = try JSONDecoder().decode(TransformerConfig.self, from: Data(configJSON.utf8))
        } catch {
            throw fail("corrupt model_config metadata: \(error)")
        }
        let vocabulary = try tensors.withValues(vocabularyTensor, as: UInt8.self, dtype: .u8) { Array($0) }
        guard SHA256.hex(vocabulary) == tensors.metadata["vocabulary_sha256"] else {
            throw fail("corrupt: the embedded vocabulary does not match its recorded SHA-256")
        }
        let file = ModelFile(config: config, languages: languages.split(separator: ",").map(String.init),
                             vocabulary: vocabulary, metadata: tensors.metadata)
        return (file, tensors)
    }

    /// Copies every parameter from `tensors` by name, checking shapes and that every value is
    /// finite (one NaN weight would otherwise turn every output into garbage, silently).
    public static func load(_ parameters: [Parameter], from tensors: Safetensors.File) throws {
        for p in parameters {
            let info = try tensors.info(p.name)
            guard info.shape == p.shape.dims else {
                throw InputError(file: tensors.path, message: "tensor '\(p.name)' has shape \(info.shape), the model needs \(p.shape.dims)")
            }
            let bad = try tensors.withValues(p.name, as: Float.self, dtype: .f32) { values in
                p.value.update(from: values.baseAddress!, count: p.count)
                return values.firstIndex { !$0.isFinite }
            }
            if let bad {
                throw InputError(file: tensors.path, message: "tensor '\(p.name)' holds \(p.value[bad]) at index \(bad); the model is unusable")
            }
        }
    }
}
