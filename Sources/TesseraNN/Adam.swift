import TesseraTensor

/// Adam settings; defaults follow the papers' fairseq setup (β = (0.9, 0.98), ε = 1e-6,
/// inverse-sqrt decay after linear warmup).
public struct AdamConfig: Codable, Sendable, Equatable {
    public var learningRate: Float = 5e-4
    public var beta1: Float = 0.9
    public var beta2: Float = 0.98
    public var epsilon: Float = 1e-6
    /// Decoupled (AdamW-style) weight decay: p ← p − lr·wd·p, independent of the gradient moments.
    public var weightDecay: Float = 0
    public var warmupSteps: Int = 4000
    /// Learning rate at step 0 of the warmup (fairseq's --warmup-init-lr).
    public var warmupInitLearningRate: Float = 1e-7
    public var decay: LearningRateDecay = .inverseSquareRoot
    /// Clip the global gradient L2 norm to this value; nil disables clipping.
    public var clipNorm: Float?

    public init() {}
}

/// What one `Adam.step` did.
public struct StepReport: Sendable, Equatable {
    /// Global L2 norm of the (scaled) gradient before clipping; NaN or ∞ when the step was skipped.
    public let gradientNorm: Double
    public let learningRate: Float
    /// False when the gradient contained NaN or ∞: no parameter or moment was changed.
    public let applied: Bool
    /// True when clip_norm scaled this step's gradient down.
    public let clipped: Bool
    /// False when an applied step left a weight at NaN or ∞ (the model is then unusable).
    public var weightsFinite = true
}

/// Adam with decoupled weight decay over a fixed list of parameters.
public final class Adam {
    public let parameters: [Parameter]
    public let config: AdamConfig
    private let moments: [(m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>)]
    /// Updates actually applied (drives bias correction and the schedule).
    public var appliedSteps = 0
    /// Steps skipped because of non-finite gradients.
    public var skippedSteps = 0

    public init(parameters: [Parameter], config: AdamConfig = AdamConfig()) {
        self.parameters = parameters
        self.config = config
        moments = parameters.map { p in
            let m = UnsafeMutablePointer<Float>.allocate(capacity: p.count), v = UnsafeMutablePointer<Float>.allocate(capacity: p.count)
            m.initialize(repeating: 0, count: p.count)
            v.initialize(repeating: 0, count: p.count)
            return (m, v)
        }
    }

    deinit {
        for (m, v) in moments { m.deallocate(); v.deallocate() }
    }

    /// First and second moment buffers of parameter `index`, for saving and restoring checkpoints.
    public func moments(of index: Int) -> (m: UnsafeMutableBufferPointer<Float>, v: UnsafeMutableBufferPointer<Float>) {
        let n = parameters[index].count
        return (UnsafeMutableBufferPointer(start: moments[index].m, count: n), UnsafeMutableBufferPointer(start: moments[index].v, count: n))
    }

    /// Linear warmup from warmupInitLearningRate to learningRate over warmupSteps, then `decay`.
    public func learningRate(atStep step: Int) -> Float {
        let c = config
        if step <= c.warmupSteps {
            return c.warmupInitLearningRate + (c.learningRate - c.warmupInitLearningRate) * Float(step) / Float(max(c.warmupSteps, 1))
        }
        return c.decay.rate(atStep: step, peak: c.learningRate, warmupSteps: c.warmupSteps)
    }

    /// Applies one update from the accumulated gradients times `gradientScale` (e.g. 1/target
    /// tokens), then zeroes the gradients. A non-finite gradient skips the update and is counted.
    @discardableResult
    public func step(gradientScale: Float = 1) -> StepReport {
        let norm = Double(gradientScale) * gradientNorm()
        guard norm.isFinite else {
            skippedSteps += 1
            zeroGradients()
            return StepReport(gradientNorm: norm, learningRate: learningRate(atStep: appliedSteps + 1), applied: false, clipped: false)
        }
        appliedSteps += 1
        let lr = learningRate(atStep: appliedSteps)
        var scale = gradientScale
        let clipped = config.clipNorm.map { norm > Double($0) } ?? false
        if clipped, let clip = config.clipNorm { scale *= Float(Double(clip) / norm) }
        let t = Float(appliedSteps)
        let c = config
        let correction1 = 1 - pow(c.beta1, t), correction2 = 1 - pow(c.beta2, t)
        var weightsFinite = true
        for (i, p) in parameters.enumerated() {
            let finite = AdamKernel.update(p.value, grad: p.grad, m: moments[i].m, v: moments[i].v, count: p.count,
                                           gradientScale: scale, lr: lr, config: c, correction1: correction1, correction2: correction2)
            weightsFinite = weightsFinite && finite
        }
        zeroGradients()
        return StepReport(gradientNorm: norm, learningRate: lr, applied: true, clipped: clipped, weightsFinite: weightsFinite)
    }

    /// The first parameter whose weights or moments hold NaN or ∞ (a weight can stay finite
    /// while g² overflows the second moment), and which of the three; nil when all are finite.
    public func firstNonFiniteState() -> (parameter: String, buffer: String)? {
        for (i, p) in parameters.enumerated() {
            let (m, v) = moments(of: i)
            for (buffer, values) in [("weight", UnsafeMutableBufferPointer(start: p.value, count: p.count)), ("exp_avg", m), ("exp_avg_sq", v)]
            where values.contains(where: { !$0.isFinite }) {
                return (p.name, buffer)
            }
        }
        return nil
    }

    /// L2 norm of the raw accumulated gradients, summed in parameter order (deterministic).
    public func gradientNorm() -> Double {
        var total = 0.0
        for p in parameters { total += AdamKernel.sumOfSquares(p.grad, count: p.count) }
        return total.squareRoot()
    }

    private func zeroGradients() { for p in parameters { p.zeroGrad() } }
}

#if canImport(Glibc)
import Glibc
#endif
