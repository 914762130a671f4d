import Foundation
import Testing
@testable import TesseraKernels
@testable import TesseraTensor

@Suite struct FastMathTests {
    /// Maximum error over a dense sweep of [lo, hi]: relative for exp, absolute otherwise.
    func worstError(_ lo: Float, _ hi: Float, relative: Bool, _ fast: (F8) -> F8, _ exact: (Double) -> Double) -> Double {
        var worst = 0.0
        for i in stride(from: 0, to: 100_000, by: 8) {
            let x = F8((0..<8).map { lo + (hi - lo) * Float(i + $0) / 100_000 })
            let y = fast(x)
            for l in 0..<8 {
                let e = exact(Double(x[l]))
                worst = max(worst, abs(Double(y[l]) - e) / (relative ? abs(e) : 1))
            }
        }
        return worst
    }

    @Test func expIsWithinAFewUlp() {
        #expect(worstError(-87, 88, relative: true, FastMath.exp, Foundation.exp) < 4e-7)
    }

    /// Softmax's exp: accurate on the scores it sees, exactly 0 below the normal range and at −∞,
    /// and NaN where the score is NaN, so a broken row shows.
    @Test func expOrZero() {
        #expect(worstError(-87, 0, relative: true, FastMath.expOrZero, Foundation.exp) < 4e-7)
        let edges = FastMath.expOrZero(F8(-87.4, -100, -1e30, -.infinity, .nan, 0, -87.3, -1))
        #expect((0..<4).allSatisfy { edges[$0] == 0 } && edges[4].isNaN && edges[5] == 1 && edges[6] > 0)
    }

    /// The eight-row sum tree adds in `sumAcross`'s order, so both give the same bits.
    @Test func rowSumsAddLikeSumAcross() {
        var rng = SplitMix64(seed: 3)
        var rows = InlineArray<8, F8>(repeating: F8())
        for i in 0..<8 { rows[i] = F8((0..<8).map { _ in rng.nextFloat() * 200 - 100 }) }
        let sums = FastMath.rowSums(rows)
        #expect((0..<8).allSatisfy { sums[$0].bitPattern == FastMath.sumAcross(rows[$0])[$0].bitPattern })
        #expect((0..<8).allSatisfy { FastMath.sumAcross(rows[$0]) == F8(repeating: FastMath.sum(rows[$0])) })
    }

    @Test func erfIsWithinHalfAMillionth() {
        #expect(worstError(-8, 8, relative: false, FastMath.erf, Foundation.erf) < 5e-7)
    }

    @Test func gelu() {
        #expect(worstError(-10, 10, relative: false, { FastMath.gelu($0) }, { $0 * 0.5 * (1 + erf($0 / 2.0.squareRoot())) }) < 2e-6)
        let derivative: (Double) -> Double = { x in 0.5 * (1 + erf(x / 2.0.squareRoot())) + x * Foundation.exp(-x * x / 2) / (2 * Double.pi).squareRoot() }
        #expect(worstError(-10, 10, relative: false, { FastMath.geluDerivative($0) }, derivative) < 2e-6)
    }
}
