import Foundation
import Testing
@testable import TesseraNN
@testable import TesseraTensor

@Suite struct OptimizerTests {
    func config(clip: Float? = nil, decay: Float = 0) -> AdamConfig {
        var c = AdamConfig()
        c.learningRate = 1e-2
        c.warmupSteps = 4
        c.warmupInitLearningRate = 0
        c.weightDecay = decay
        c.clipNorm = clip
        return c
    }

    /// Hand-computed Adam steps in Double for p = [0.5, −1, 2] with gradients g.
    func reference(p: [Double], grads: [[Double]], c: AdamConfig, scale: [Double]) -> [Double] {
        var (p, m, v) = (p, [0.0, 0, 0], [0.0, 0, 0])
        for (t, g0) in grads.enumerated() {
            let step = Double(t + 1)
            let lr = Double(c.learningRate) * min(step / Double(c.warmupSteps), (Double(c.warmupSteps) / step).squareRoot())
            let g = g0.map { $0 * scale[t] }
            for i in 0..<3 {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.98 * v[i] + 0.02 * g[i] * g[i]
                let mh = m[i] / (1 - pow(0.9, step)), vh = v[i] / (1 - pow(0.98, step))
                p[i] = p[i] - lr * Double(c.weightDecay) * p[i] - lr * mh / (vh.squareRoot() + 1e-6)
            }
        }
        return p
    }

    @Test func stepsMatchHandComputation() {
        let c = config(decay: 0.1)
        let p = Parameter(name: "w", shape: Shape(3), values: [0.5, -1, 2])
        let adam = Adam(parameters: [p], config: c)
        let grads: [[Float]] = [[0.3, -0.2, 1.5], [0.1, 0.4, -2], [-0.5, 0, 0.25], [1, 1, 1], [0.2, -0.3, 0.4]]
        for g in grads {
            p.grad.update(from: g, count: 3)
            #expect(adam.step(gradientScale: 0.5).applied)
            #expect(p.gradients == [0, 0, 0])
        }
        let ref = reference(p: [0.5, -1, 2], grads: grads.map { $0.map(Double.init) }, c: c, scale: Array(repeating: 0.5, count: 5))
        for i in 0..<3 { #expect(abs(Double(p.values[i]) - ref[i]) < 1e-6, "p[\(i)] \(p.values[i]) vs \(ref[i])") }
        #expect(adam.appliedSteps == 5)
    }

    /// A finite gradient can still overflow a weight near Float's limit: the step reports it,
    /// and so does the state check a checkpoint runs before saving (which also reads the moments).
    @Test func reportsStatesThatOverflow() {
        var c = config()
        c.learningRate = 1e38
        let p = Parameter(name: "w", shape: Shape(2), values: [3.3e38, 1])
        let adam = Adam(parameters: [p], config: c)
        p.grad.update(from: [-1, 0], count: 2)
        #expect(adam.firstNonFiniteState() == nil)
        let report = adam.step()
        #expect(report.applied && !report.weightsFinite)
        #expect(adam.firstNonFiniteState()! == ("w", "weight"))

        let q = Parameter(name: "q", shape: Shape(9), values: Array(repeating: 0, count: 9))
        let second = Adam(parameters: [q], config: config())
        #expect(second.firstNonFiniteState() == nil)
        second.moments(of: 0).v[8] = .nan
        #expect(second.firstNonFiniteState()! == ("q", "exp_avg_sq"))
    }

    @Test func scheduleWarmsUpThenDecaysAsInverseSqrt() {
        var c = AdamConfig()
        c.learningRate = 1e-3
        c.warmupSteps = 100
        c.warmupInitLearningRate = 0
        let adam = Adam(parameters: [], config: c)
        #expect(abs(adam.learningRate(atStep: 50) - 5e-4) < 1e-9)
        #expect(abs(adam.learningRate(atStep: 100) - 1e-3) < 1e-9)
        #expect(abs(adam.learningRate(atStep: 400) - 5e-4) < 1e-9)
    }

    @Test func polynomialDecayFallsLinearlyToTheEndRateAndStaysThere() {
        var c = AdamConfig()
        c.learningRate = 1e-3
        c.warmupSteps = 100
        c.warmupInitLearningRate = 0
        c.decay = .polynomial(totalUpdates: 500, endLearningRate: 1e-4, power: 1)
        let adam = Adam(parameters: [], config: c)
        #expect(abs(adam.learningRate(atStep: 50) - 5e-4) < 1e-9)
        #expect(abs(adam.learningRate(atStep: 100) - 1e-3) < 1e-9)
        #expect(abs(adam.learningRate(atStep: 300) - 5.5e-4) < 1e-9)
        #expect(abs(adam.learningRate(atStep: 500) - 1e-4) < 1e-9)
        #expect(abs(adam.learningRate(atStep: 900) - 1e-4) < 1e-9)
        c.decay = .polynomial(totalUpdates: 500, endLearningRate: 0, power: 2)
        #expect(abs(Adam(parameters: [], config: c).learningRate(atStep: 300) - 2.5e-4) < 1e-9)
    }

    @Test func clippingScalesTheGradientToTheMaxNorm() {
        let p = Parameter(name: "w", shape: Shape(3), values: [0.5, -1, 2])
        let adam = Adam(parameters: [p], config: config(clip: 1))
        p.grad.update(from: [3, 0, 4], count: 3)
        let report = adam.step()
        #expect(abs(report.gradientNorm - 5) < 1e-6)
        let ref = reference(p: [0.5, -1, 2], grads: [[0.6, 0, 0.8]], c: config(), scale: [1])
        for i in 0..<3 { #expect(abs(Double(p.values[i]) - ref[i]) < 1e-6) }
    }

    @Test(arguments: [Float.nan, Float.infinity])
    func nonFiniteGradientSkipsTheStep(bad: Float) {
        let p = Parameter(name: "w", shape: Shape(3), values: [0.5, -1, 2])
        let adam = Adam(parameters: [p], config: config())
        p.grad.update(from: [1, bad, 1], count: 3)
        let report = adam.step()
        #expect(!report.applied)
        #expect(p.values == [0.5, -1, 2])
        #expect(adam.moments(of: 0).m.allSatisfy { $0 == 0 } && adam.moments(of: 0).v.allSatisfy { $0 == 0 })
        #expect(adam.skippedSteps == 1 && adam.appliedSteps == 0)
        p.grad.update(from: [1, 1, 1], count: 3)
        #expect(adam.step().applied && adam.appliedSteps == 1)
    }

    @Test func parameterSetLoadsByNameAndRejectsMismatches() throws {
        var rng = SplitMix64(seed: 1)
        let linear = Linear(name: "fc1", config: LinearConfig(inputs: 3, outputs: 2), rng: &rng)
        let set = try ParameterSet(linear.parameters)
        try set.load(["fc1.weight": ([2, 3], [1, 2, 3, 4, 5, 6]), "fc1.bias": ([2], [7, 8])])
        #expect(linear.weight.values == [1, 2, 3, 4, 5, 6] && linear.bias?.values == [7, 8])
        #expect(set.scalarCount == 8 && set["fc1.bias"] === linear.bias)
        #expect(throws: ParameterError.shapeMismatch(name: "fc1.bias", expected: [2], found: [3])) {
            try set.load(["fc1.weight": ([2, 3], [1, 2, 3, 4, 5, 6]), "fc1.bias": ([3], [7, 8, 9])])
        }
        #expect(throws: ParameterError.missing(["fc1.bias"])) { try set.load(["fc1.weight": ([2, 3], [1, 2, 3, 4, 5, 6])]) }
        #expect(throws: ParameterError.duplicateName("fc1.weight")) { try ParameterSet(linear.parameters + [linear.weight]) }
    }
}
