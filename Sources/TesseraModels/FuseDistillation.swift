import TesseraTensor

/// Fuse Distillation's training loss over the two routes' logits of one batch (two forward passes,
/// context.route = .languageSpecific then .shared, and one backward pass through the result).
public enum FuseDistillation {
    public enum Divergence: String, Codable, Sendable {
        /// λ · ½ (KL(p_ls ‖ p_sh) + KL(p_sh ‖ p_ls)), gradients through both sides (LMS+FD; the
        /// paper's text and its reference code agree).
        case symmetric
        /// λ · KL(sg(p_ls) ‖ p_sh): the language-specific side is a fixed teacher (the paper's
        /// FFN-level FD).
        case stopLanguageSpecific = "stop_ls"
    }

    public struct Result {
        /// ½ (CE_ls + CE_sh) + λ · divergence, summed over non-padding target rows.
        public let loss: Var
        public let languageSpecific, shared: CrossEntropyResult
        public let divergence: Var
    }

    /// logits [N, V] of each route; `targets` [N] with `ignoreIndex` on padding rows, which count
    /// in neither the cross-entropies nor the KL.
    public static func loss(_ g: Graph, languageSpecific: Var, shared: Var, targets: Indices, smoothing: Float, ignoreIndex: Int32,
                            lambda: Float = 1, divergence: Divergence = .symmetric) -> Result {
        let ceLS = g.crossEntropy(logits: languageSpecific, targets: targets, smoothing: smoothing, ignoreIndex: ignoreIndex)
        let ceShared = g.crossEntropy(logits: shared, targets: targets, smoothing: smoothing, ignoreIndex: ignoreIndex)
        let mask = RowMask(targets: targets, ignoreIndex: ignoreIndex)
        let logShared = g.logSoftmax(shared)
        let kl: Var
        switch divergence {
        case .symmetric:
            let logLS = g.logSoftmax(languageSpecific)
            kl = g.scale(g.add(g.klDivergence(logP: logLS, logQ: logShared, rowMask: mask),
                               g.klDivergence(logP: logShared, logQ: logLS, rowMask: mask)), 0.5)
        case .stopLanguageSpecific:
            let teacher = g.withoutGrad { g.logSoftmax(languageSpecific) }
            kl = g.klDivergence(logP: teacher, logQ: logShared, rowMask: mask)
        }
        let total = g.add(g.scale(g.add(ceLS.loss, ceShared.loss), 0.5), g.scale(kl, lambda))
        return Result(loss: total, languageSpecific: ceLS, shared: ceShared, divergence: kl)
    }

    /// The Transformer's FD training loss for one batch: both routes' forward passes (encoder
    /// included, since LMS layers sit on both sides), then `loss` above; one backward follows.
    /// The context's route is restored afterwards.
    public static func loss(_ g: Graph, model: Transformer, source: TokenBatch, decoderInput: TokenBatch, targets: TokenBatch,
                            smoothing: Float, context: FeedForwardContext, lambda: Float = 1,
                            divergence: Divergence = .symmetric) -> Result {
        let saved = context.route
        defer { context.route = saved }
        func logits(_ route: LanguageRoute) -> Var {
            context.route = route
            let (memory, padding) = model.encode(g, source: source, context: context)
            return model.decode(g, input: decoderInput, memory: memory, memoryPadding: padding, context: context)
        }
        let languageSpecific = logits(.languageSpecific), shared = logits(.shared)
        return loss(g, languageSpecific: languageSpecific, shared: shared, targets: g.indices(targets.ids), smoothing: smoothing,
                    ignoreIndex: model.config.paddingID, lambda: lambda, divergence: divergence)
    }
}
