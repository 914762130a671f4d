import Foundation
import Testing
@testable import TesseraTensor

/// Every build of the vector kernels this CPU can run (portable, and AVX2 + FMA where available)
/// against naive Double references, at sizes off the 8-lane blocks. The builds are called directly,
/// so the process-wide choice is never switched under other tests.
@Suite struct KernelBuildTests {
    /// Largest absolute difference; NaN counts as infinitely wrong (`max` would skip it).
    func worstError(_ a: [Float], _ b: [Double]) -> Double { zip(a, b).map { $0.isNaN ? .infinity : abs(Double($0) - $1) }.max() ?? 0 }

    @Test func bothBuildsAreListedWhereTheCPUHasAVX2() {
        #expect(KernelBuild.available.first == .portable)
        #expect(KernelBuild.available.contains(KernelBuild.active))
    }

    /// Which keys the rows of `maskedSoftmax` hide (rows without padding flags take a separate path).
    enum SoftmaxMask: CaseIterable { case causalAndPadding, causal, padding, none }

    /// Scores for `maskedSoftmax`: random, plus a row of −∞ (row 50), a −∞ score and a score whose
    /// exp relative to its row's maximum is below the normal floats.
    func scores(rows: Int, keys: Int) -> [Float] {
        var x = randomValues(rows * keys, seed: 1, scale: 6)
        for j in 0..<keys { x[50 * keys + j] = -.infinity }
        x[60 * keys] = -.infinity
        x[61 * keys + 1] = -100
        return x
    }

    /// Rows of 5 keys (under one block), 32 (whole blocks) and 37: causal rows whose first queries
    /// see no key, padded keys, each mask alone and neither; x into y and in place.
    @Test(arguments: KernelBuild.available, SoftmaxMask.allCases)
    func maskedSoftmax(build: KernelBuild, mask: SoftmaxMask) {
        for keys in [5, 32, 37] {
            let (queries, rows) = (41, 82)
            let causal = mask == .causal || mask == .causalAndPadding, padded = mask == .padding || mask == .causalAndPadding
            let x = scores(rows: rows, keys: keys)
            let padding: [Int32] = (0..<(2 * keys)).map { padded && $0 % 7 == 3 ? 1 : 0 }
            var reference = [Double](repeating: 0, count: rows * keys)
            for r in 0..<rows {
                let visible = causal ? min(keys, max(0, r % queries + keys - queries + 1)) : keys
                let seen = (0..<keys).filter { $0 < visible && padding[r / queries * keys + $0] == 0 }
                guard let m = seen.map({ Double(x[r * keys + $0]) }).max(), m > -.infinity else { continue }
                let total = seen.reduce(0.0) { $0 + Foundation.exp(Double(x[r * keys + $1]) - m) }
                for j in seen { reference[r * keys + j] = Foundation.exp(Double(x[r * keys + j]) - m) / total }
            }
            if causal { #expect(reference[0..<(2 * keys)].allSatisfy { $0 == 0 }, "the first two rows see no key") }
            var y = [Float](repeating: .nan, count: rows * keys), inPlace = x
            padding.withUnsafeBufferPointer { pad in
                let flags = padded ? pad.baseAddress : nil
                x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
                    // Two ranges, so the second starts mid-block of queries and of padding rows.
                    for range in [0..<30, 30..<rows] {
                        Vector.softmaxRows(xp.baseAddress!, into: yp.baseAddress!, rows: range, keys: keys,
                                           causalQueries: causal ? queries : nil, padding: flags, rowsPerPaddingRow: queries, build: build)
                    }
                } }
                inPlace.withUnsafeMutableBufferPointer { p in
                    Vector.softmaxRows(p.baseAddress!, into: p.baseAddress!, rows: 0..<rows, keys: keys, causalQueries: causal ? queries : nil,
                                       padding: flags, rowsPerPaddingRow: queries, build: build)
                }
            }
            #expect(worstError(y, reference) < 1e-6, "\(build), \(mask), \(keys) keys: x into y")
            #expect(inPlace.map(\.bitPattern) == y.map(\.bitPattern), "\(build), \(mask), \(keys) keys: in one range, in place")
        }
    }

    /// Rows without padding flags go eight at a time where they can; with flags that hide nothing
    /// they go one at a time. Both must give the same bits.
    @Test(arguments: KernelBuild.available, [true, false])
    func shortRowsMatchTheRowPath(build: KernelBuild, causal: Bool) {
        for keys in [16, 32, 37] {
            let (queries, rows) = (41, 82)
            let x = scores(rows: rows, keys: keys), noFlags = [Int32](repeating: 0, count: 2 * keys)
            func softmax(_ padding: UnsafePointer<Int32>?) -> [Float] {
                var y = [Float](repeating: .nan, count: rows * keys)
                Vector.softmaxRows(x, into: &y, rows: 0..<rows, keys: keys, causalQueries: causal ? queries : nil, padding: padding,
                                   rowsPerPaddingRow: queries, build: build)
                return y
            }
            let grouped = softmax(nil), single = noFlags.withUnsafeBufferPointer { softmax($0.baseAddress) }
            #expect(grouped.map(\.bitPattern) == single.map(\.bitPattern), "\(build), causal \(causal), \(keys) keys")
        }
    }

    @Test(arguments: KernelBuild.available) func layerNorm(build: KernelBuild) {
        let (rows, cols) = (5, 37)
        let x = randomValues(rows * cols, seed: 1, scale: 3), gamma = randomValues(cols, seed: 2), beta = randomValues(cols, seed: 3)
        var y = [Float](repeating: 0, count: rows * cols), stats = [Float](repeating: 0, count: 2 * rows)
        Vector.layerNormRows(x, gamma: gamma, beta: beta, into: &y, stats: &stats, rows: 0..<rows, cols: cols, eps: 1e-5, build: build)
        var reference = [Double]()
        for r in 0..<rows {
            let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
            let mean = row.reduce(0, +) / Double(cols)
            let rstd = 1 / (row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(cols) + 1e-5).squareRoot()
            reference += row.enumerated().map { j, v in (v - mean) * rstd * Double(gamma[j]) + Double(beta[j]) }
            #expect(abs(Double(stats[2 * r]) - mean) < 1e-6 && abs(Double(stats[2 * r + 1]) / rstd - 1) < 1e-6, "\(build): stats")
        }
        #expect(worstError(y, reference) < 1e-5, "\(build)")
    }

    /// GELU and its derivative over [−10, 10], against erf and exp from libm.
    @Test(arguments: KernelBuild.available) func gelu(build: KernelBuild) {
        let x = (0..<20_003).map { Float(-10 + 20 * Double($0) / 20_002) }
        let dy = randomValues(x.count, seed: 4)
        var y = [Float](repeating: 0, count: x.count), dx = randomValues(x.count, seed: 5)
        let dxBefore = dx
        Vector.gelu(x, into: &y, range: 0..<x.count, build: build)
        Vector.geluBackward(x, dy, into: &dx, range: 0..<x.count, build: build)
        let cdf = x.map { 0.5 * (1 + Foundation.erf(Double($0) / 2.0.squareRoot())) }
        #expect(worstError(y, x.indices.map { Double(x[$0]) * cdf[$0] }) < 2e-6, "\(build): GELU")
        let derivative = x.indices.map { cdf[$0] + Double(x[$0]) * Foundation.exp(-0.5 * Double(x[$0] * x[$0])) / (2 * Double.pi).squareRoot() }
        #expect(worstError(dx, x.indices.map { Double(dxBefore[$0]) + Double(dy[$0]) * derivative[$0] }) < 4e-6, "\(build): GELU′")
    }

    /// logSumExp and d += g·(exp(x − z) − offset), which carry the exp of cross-entropy.
    @Test(arguments: KernelBuild.available) func expKernels(build: KernelBuild) {
        let x = randomValues(8003, seed: 6, scale: 40)
        let lse = Vector.logSumExp(x, count: x.count, build: build)
        let m = Double(x.max()!)
        let reference = m + Foundation.log(x.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) })
        #expect(abs(Double(lse) - reference) < 1e-5, "\(build): logSumExp \(lse) vs \(reference)")
        var d = randomValues(x.count, seed: 7)
        let before = d
        Vector.addScaledExp(x, minus: 30, times: 0.5, offset: 0.25, into: &d, count: x.count, build: build)
        // Error relative to the terms' magnitude: the sum may cancel to near zero.
        let worst = x.indices.map { i in
            let e = Foundation.exp(Double(x[i]) - 30)
            return abs(Double(d[i]) - (Double(before[i]) + 0.5 * (e - 0.25))) / (abs(Double(before[i])) + 0.5 * e + 0.125)
        }.max()!
        #expect(worst < 2e-6, "\(build): addScaledExp")
    }
}
