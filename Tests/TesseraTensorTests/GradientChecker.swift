import Testing
@testable import TesseraTensor

/// Central finite differences against the tape's gradients. The scalar being differentiated is
/// L = Σ w_i y_i with fixed random weights w, so every output element matters and gradients are not
/// symmetric by accident. L is accumulated in Double on the host for the numeric side.
struct GradientChecker {
    struct Input {
        let shape: Shape
        var values: [Float]
    }

    var step: Float = 1e-2
    var absoluteTolerance: Float = 2e-3
    var relativeTolerance: Float = 2e-2
    var seed: UInt64 = 42

    /// Graph seed shared by every evaluation, so dropout masks are the same in all of them.
    private let graphSeed: UInt64 = 1234

    /// Returns, per input, the analytic gradient and the numeric one.
    func gradients(_ inputs: [Input], _ build: (Graph, [Var]) -> Var) -> [(analytic: [Float], numeric: [Float])] {
        let g = Graph(seed: graphSeed)
        let vars = inputs.map { g.variable($0.values, $0.shape) }
        let y = build(g, vars)
        let weights = randomValues(g.shape(y).count, seed: seed)
        g.backward(g.sum(g.mul(y, g.constant(weights, g.shape(y)))))
        let analytic = vars.map { g.grad($0) ?? [Float](repeating: 0, count: g.shape($0).count) }

        return inputs.indices.map { i in
            var numeric = [Float](repeating: 0, count: inputs[i].values.count)
            for j in numeric.indices {
                var plus = inputs, minus = inputs
                plus[i].values[j] += step
                minus[i].values[j] -= step
                numeric[j] = Float((objective(plus, weights, build) - objective(minus, weights, build)) / Double(2 * step))
            }
            return (analytic[i], numeric)
        }
    }

    private func objective(_ inputs: [Input], _ weights: [Float], _ build: (Graph, [Var]) -> Var) -> Double {
        let g = Graph(seed: graphSeed)
        return g.withoutGrad {
            let y = build(g, inputs.map { g.constant($0.values, $0.shape) })
            return zip(g.value(y), weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
    }

    /// Indices where analytic and numeric disagree beyond tolerance.
    func mismatches(_ analytic: [Float], _ numeric: [Float]) -> [Int] {
        analytic.indices.filter { abs(analytic[$0] - numeric[$0]) > absoluteTolerance + relativeTolerance * abs(numeric[$0]) }
    }

    /// Records a test failure for every input whose gradient is wrong.
    func check(_ inputs: [Input], _ name: String, sourceLocation: SourceLocation = #_sourceLocation,
               _ build: (Graph, [Var]) -> Var) {
        for (i, pair) in gradients(inputs, build).enumerated() {
            let bad = mismatches(pair.analytic, pair.numeric)
            #expect(bad.isEmpty, "\(name): input \(i) differs at \(bad.prefix(5).map { "\($0): \(pair.analytic[$0]) vs \(pair.numeric[$0])" })",
                    sourceLocation: sourceLocation)
            #expect(pair.numeric.contains { abs($0) > 1e-3 } || pair.numeric.isEmpty,
                    "\(name): input \(i) has no gradient signal; the check would be vacuous", sourceLocation: sourceLocation)
        }
    }
}

func randomValues(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in scale * (2 * rng.nextFloat() - 1) }
}

func input(_ shape: Shape, seed: UInt64, scale: Float = 1) -> GradientChecker.Input {
    GradientChecker.Input(shape: shape, values: randomValues(shape.count, seed: seed, scale: scale))
}
