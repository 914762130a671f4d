import TesseraDecoding
import TesseraModels
import TesseraTensor
import TesseraText

/// What `tessera inspect` reports: parameter counts for training and for
/// inference, and how a model's mixture-of-experts layers route real text.
public enum Inspection {
    public struct ParameterCounts: Sendable {
        /// Everything stored and trained.
        public let training: Int
        /// Used to translate one direction: without other languages' LMS factors
        /// and FFNs; for Fuse Distillation models this is the FD-Share (dense) model.
        public let inference: Int
        /// For mixtures of experts: parameters one token passes through
        /// (one expert per Switch layer; two per SMoE step, counted once).
        public let activePerToken: Int?
    }

    public static func parameterCounts(_ model: Transformer) -> ParameterCounts {
        let all = model.parameters
        let training = all.reduce(0) { $0 + $1.count }
        let languageSpecific = all.filter { $0.name.contains(".lms_") || $0.name.contains(".lang_ffns.") }
        var inference = training - languageSpecific.reduce(0) { $0 + $1.count }
        if model.config.feedForwardKind.fuseDistillation == nil {
            // Plain LMS has no shared route: one direction uses one V and one F per LMS linear.
            let perLinear = Dictionary(grouping: languageSpecific.filter { $0.name.contains(".lms_v.") }) {
                String($0.name[..<$0.name.range(of: ".lms_v.")!.lowerBound])
            }
            for (layer, verticals) in perLinear {
                let flat = languageSpecific.first { $0.name.hasPrefix(layer + ".lms_f.") }
                inference += verticals[0].count + (flat?.count ?? 0)
            }
        }
        var active: Int?
        let layers = model.encoderLayers.map(\.feedForward) + model.decoderLayers.map(\.feedForward)
        for layer in layers {
            let perExpert: Int, experts: Int, used: Int
            if let moe = layer as? SwitchFeedForward {
                (perExpert, experts, used) = (moe.experts[0].parameters.reduce(0) { $0 + $1.count }, moe.experts.count, 1)
            } else if let moe = layer as? StratifiedMoE {
                (perExpert, experts, used) = (moe.experts[0].parameters.reduce(0) { $0 + $1.count }, moe.experts.count, 2)
            } else { continue }
            active = (active ?? training) - perExpert * (experts - used)
        }
        return ParameterCounts(training: training, inference: inference, activePerToken: active)
    }

    /// Routing figures of every MoE layer (expert load, dropped fraction, SMoE
    /// steps per token) over `sentences` of one direction: the sources through
    /// the encoder, and the model's own greedy translations through the decoder.
    public static func routing(translator: Translator, sentences: [String], source: Language, target: Language)
        throws -> [String: [Double]] {
        var search = SearchOptions()
        search.beam = 1
        search.maxLengthA = 1.5
        search.maxLengthB = 10
        let outputs = try translator.translate(sentences, source: source, target: target, options: search)
        let vocabulary = translator.vocabulary, model = translator.model
        let tag = try translator.tag(target), pad = model.config.paddingID
        let pairs = try zip(sentences, outputs).compactMap { input, output -> ([Int32], [Int32])? in
            let ids = try vocabulary.encode(Normalizer.normalize(input))
            return ids.isEmpty ? nil : (translator.sourceTokens(ids, tag: tag), [tag] + (try vocabulary.encode(output)))
        }
        // One sentence per forward pass, so padding rows never count as routed
        // tokens; figures are averaged over sentences weighted by their tokens.
        var sums: [String: [Double]] = [:], weights: [String: Double] = [:]
        for (sourceTokens, decoderInput) in pairs {
            let context = FeedForwardContext(source: translator.languages.firstIndex(of: source)!,
                                             target: translator.languages.firstIndex(of: target)!)
            context.route = translator.route
            let g = Graph()
            g.isTraining = false
            g.withoutGrad {
                let (memory, padding) = model.encode(g, source: TokenBatch([sourceTokens], paddingID: pad), context: context)
                _ = model.decode(g, input: TokenBatch([decoderInput], paddingID: pad), memory: memory, memoryPadding: padding,
                                 context: context)
            }
            for (key, values) in context.statistics {
                let weight = Double(key.hasPrefix("encoder.") ? sourceTokens.count : decoderInput.count)
                let sum = sums[key] ?? [Double](repeating: 0, count: values.count)
                sums[key] = zip(sum, values).map { $0 + weight * $1 }
                weights[key, default: 0] += weight
            }
        }
        return sums.reduce(into: [:]) { means, entry in means[entry.key] = entry.value.map { $0 / weights[entry.key]! } }
    }
}
