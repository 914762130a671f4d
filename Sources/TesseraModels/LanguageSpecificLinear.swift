import TesseraNN
import TesseraTensor

/// Which weights LMS layers use for a batch (Fuse Distillation trains both; decoding picks one).
public enum LanguageRoute: String, Codable, Sendable {
    /// V_source F_target (pair-wise) or the side's language (language-wise): FD-LS.
    case languageSpecific = "ls"
    /// The shared slot V_sh F_sh: FD-Share, and what `fold` bakes into W.
    case shared
}

/// How LMS picks the factors V_a, F_b for a direction (source, target).
public enum LMSPairing: String, Codable, Sendable {
    /// a = source language, b = target language (the paper's default for many-to-many).
    case pairwise
    /// a = b = the source language in the encoder, the target language in the decoder (the paper's
    /// wording).
    case languagewise
    /// a = b = the source language in the encoder and in the decoder (the reference code's
    /// language-wise `lms_type`).
    case languagewiseSource = "languagewise_source"
}

/// The half of the model a layer sits in (language-wise LMS picks its language by it).
public enum ModelSide: Sendable { case encoder, decoder }

/// LMS linear: y = W x + V_a (F_b x) + bias (Xu et al., EMNLP 2023). W and bias are a plain
/// `Linear` named `<name>.weight|bias`, so a folded model is a dense checkpoint; the factors are
/// `<name>.lms_v.<language>` [out, rank] and `<name>.lms_f.<language>` [rank, in], plus the slot
/// `shared` when Fuse Distillation is on. Every batch holds one direction, so the low-rank term is
/// two thin GEMMs, (x F_bᵀ) V_aᵀ, and V_a F_b is never formed.
public final class LanguageSpecificLinear: Module {
    public let base: Linear
    /// V and F per slot: the languages in order, then the shared slot if any.
    public let vertical, flat: [Parameter]
    public let pairing: LMSPairing
    public let side: ModelSide
    public let hasSharedSlot: Bool

    /// V ~ N(0, 0.01²) and F = 0 (LoRA-style), so training starts from the shared model.
    public init(name: String, config: LinearConfig, rank: Int, languages: [String], pairing: LMSPairing, side: ModelSide,
                sharedSlot: Bool, rng: inout SplitMix64) {
        base = Linear(name: name, config: config, rng: &rng)
        let slots = languages + (sharedSlot ? ["shared"] : [])
        vertical = slots.map { Parameter(name: name + ".lms_v." + $0, shape: Shape(config.outputs, rank), normalStd: 0.01, rng: &rng) }
        flat = slots.map { Parameter(name: name + ".lms_f." + $0, shape: Shape(rank, config.inputs)) }
        self.pairing = pairing
        self.side = side
        hasSharedSlot = sharedSlot
    }

    public var parameters: [Parameter] { base.parameters + vertical + flat }

    /// Slots (a, b) of V and F for the context's direction and route.
    public func slots(_ context: FeedForwardContext) -> (vertical: Int, flat: Int) {
        if context.route == .shared {
            precondition(hasSharedSlot, "\(base.weight.name): the shared route needs an LMS layer built with a shared slot")
            return (vertical.count - 1, vertical.count - 1)
        }
        switch pairing {
        case .pairwise: return (context.source, context.target)
        case .languagewise:
            let language = side == .encoder ? context.source : context.target
            return (language, language)
        case .languagewiseSource: return (context.source, context.source)
        }
    }

    public func callAsFunction(_ g: Graph, _ x: Var, context: FeedForwardContext) -> Var {
        let (a, b) = slots(context)
        return Self.apply(g, x, weight: g.param(base.weight), bias: base.bias.map(g.param),
                          vertical: g.param(vertical[a]), flat: g.param(flat[b]))
    }

    /// W x + bias + (x Fᵀ) Vᵀ on rows x [.., in].
    public static func apply(_ g: Graph, _ x: Var, weight: Var, bias: Var?, vertical: Var, flat: Var) -> Var {
        g.add(g.linear(x, weight: weight, bias: bias), g.linear(g.linear(x, weight: flat, bias: nil), weight: vertical, bias: nil))
    }

    /// W + V_sh F_sh: the dense weight of the shared route.
    public func foldedWeight() -> [Float] {
        precondition(hasSharedSlot, "\(base.weight.name): folding needs the shared slot")
        return LMSFold.fold(weight: base.weight.values, vertical: vertical.last!.values, flat: flat.last!.values,
                            outputs: base.config.outputs, inputs: base.config.inputs)
    }
}

/// Folding LMS+FD checkpoints into dense ones (`tessera distill`, FD-Share).
public enum LMSFold {
    /// W + V F for W [outputs, inputs], V [outputs, rank], F [rank, inputs].
    public static func fold(weight: [Float], vertical: [Float], flat: [Float], outputs: Int, inputs: Int) -> [Float] {
        let rank = vertical.count / outputs
        let g = Graph()
        return g.withoutGrad {
            let product = g.matmul(g.constant(vertical, Shape(outputs, rank)), g.constant(flat, Shape(rank, inputs)))
            return g.array(g.add(g.constant(weight, Shape(outputs, inputs)), product))
        }
    }

    public struct FoldError: Error, CustomStringConvertible {
        public let layer: String
        public let problem: String
        public var description: String { "\(layer): \(problem)" }
    }

    /// Named tensors of an LMS+FD (or FFN-level FD) model → those of the dense model: every
    /// `<p>.weight` with a shared slot becomes W + V_sh F_sh, and every `lms_v.*`/`lms_f.*` and
    /// `lang_ffns.*` tensor is dropped.
    public static func fold(_ tensors: [String: (shape: [Int], values: [Float])]) throws -> [String: (shape: [Int], values: [Float])] {
        var dense = tensors.filter { entry in ![".lms_v.", ".lms_f.", ".lang_ffns."].contains { entry.key.contains($0) } }
        let layers = Set(tensors.keys.compactMap { name in name.range(of: ".lms_v.").map { String(name[..<$0.lowerBound]) } })
        for layer in layers.sorted() {
            guard let v = tensors[layer + ".lms_v.shared"], let f = tensors[layer + ".lms_f.shared"] else {
                throw FoldError(layer: layer, problem: "language-specific LMS factors but no shared slot (lms_v.shared, lms_f.shared): not an LMS+FD model")
            }
            guard let w = tensors[layer + ".weight"], w.shape.count == 2, v.shape.count == 2, f.shape.count == 2,
                  v.shape[0] == w.shape[0], f.shape[1] == w.shape[1], v.shape[1] == f.shape[0],
                  [w, v, f].allSatisfy({ tensor in tensor.values.count == tensor.shape.reduce(1, *) }) else {
                throw FoldError(layer: layer, problem: "weight \(tensors[layer + ".weight"]?.shape ?? []), lms_v.shared \(v.shape) and lms_f.shared \(f.shape) do not fit W + V·F")
            }
            dense[layer + ".weight"] = (w.shape, fold(weight: w.values, vertical: v.values, flat: f.values, outputs: w.shape[0], inputs: w.shape[1]))
        }
        return dense
    }
}
