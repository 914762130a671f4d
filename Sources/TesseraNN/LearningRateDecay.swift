import Glibc

/// How the learning rate falls after the linear warmup (fairseq's `--lr-scheduler`).
public enum LearningRateDecay: Codable, Sendable, Equatable {
    /// lr·√(warmup/step): fairseq's `inverse_sqrt`, the papers' schedule for long runs.
    case inverseSquareRoot
    /// (lr − end)·(1 − progress)^power + end, where progress runs from 0 at the end of warmup
    /// to 1 at `totalUpdates`, then stays at `end`: fairseq's `polynomial_decay`. With a fixed
    /// budget it spends the early updates at a high rate and anneals to the end, which an
    /// inverse-sqrt tail never does.
    case polynomial(totalUpdates: Int, endLearningRate: Float, power: Float)

    /// The rate at `step` (1-based) after a warmup of `warmupSteps` that reached `peak`.
    func rate(atStep step: Int, peak: Float, warmupSteps: Int) -> Float {
        switch self {
        case .inverseSquareRoot:
            return peak * (Float(max(warmupSteps, 1)) / Float(step)).squareRoot()
        case let .polynomial(total, end, power):
            let span = Float(max(total - warmupSteps, 1))
            let remaining = max(0, 1 - Float(step - warmupSteps) / span)
            return (peak - end) * pow(remaining, power) + end
        }
    }
}
