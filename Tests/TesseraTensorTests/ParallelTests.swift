import Dispatch
import Testing
@testable import TesseraTensor

/// The worker pool behind every parallel kernel, and the products it splits.
@Suite(.serialized) struct ParallelTests {
    /// Runs forRanges over 0..<count and returns how often each index was visited.
    func visits(_ count: Int, grain: Int) -> [Int] {
        var seen = [Int](repeating: 0, count: count)
        seen.withUnsafeMutableBufferPointer { buffer in
            let p = SharedPointer(buffer.baseAddress!)
            Parallel.forRanges(count, grain: grain) { range in for i in range { p.p[i] += 1 } }
        }
        return seen
    }

    @Test func everyIndexRunsExactlyOnce() {
        for count in [0, 1, 2, 3, 17, 1000] {
            for _ in 0..<200 {
                let seen = visits(count, grain: 1)
                #expect(seen.allSatisfy { $0 == 1 }, "count \(count)")
            }
        }
    }

    @Test func nestedRegionsRunOnTheCallingThread() {
        var seen = [Int](repeating: 0, count: 64)
        seen.withUnsafeMutableBufferPointer { buffer in
            let p = SharedPointer(buffer.baseAddress!)
            Parallel.forRanges(8, grain: 1) { outer in
                for o in outer {
                    Parallel.forRanges(8, grain: 1) { inner in for i in inner { p.p[o * 8 + i] += 1 } }
                }
            }
        }
        #expect(seen.allSatisfy { $0 == 1 })
    }

    @Test func concurrentCallersEachGetEveryIndex() {
        let failures = SharedPointer(UnsafeMutablePointer<Int>.allocate(capacity: 4))
        defer { failures.p.deallocate() }
        failures.p.initialize(repeating: 0, count: 4)
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for round in 0..<300 where !visits(97 + round % 5, grain: 1).allSatisfy({ $0 == 1 }) { failures.p[caller] += 1 }
        }
        #expect((0..<4).map { failures.p[$0] } == [0, 0, 0, 0])
    }

    /// Products above `smallGemm` are split by rows or columns of C; every transpose combination,
    /// tall and wide C, sizes off the 16-row blocks, and alpha/beta must match a naive product.
    /// Split products give the same bits with one thread as with two. Before the block count was
    /// fixed, these shapes (K ≥ 256) differed: OpenBLAS rounds a block of rows unlike the whole.
    @Test func splitProductsDoNotDependOnTheThreadCount() {
        for (m, n, k) in [(600, 32, 300), (32, 600, 300)] {
            for (ta, tb) in [(false, false), (false, true), (true, false)] {
                let a = randomValues(m * k, seed: 1), b = randomValues(k * n, seed: 2)
                func product(threads: Int) -> [UInt32] {
                    let saved = Parallel.threads
                    Parallel.threads = threads
                    defer { Parallel.threads = saved }
                    var c = [Float](repeating: 0, count: m * n)
                    a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                        let pa = UnsafeMutablePointer(mutating: ap.baseAddress!), pb = UnsafeMutablePointer(mutating: bp.baseAddress!)
                        Kernels.gemm(ta ? Matrix(pa, k, m) : Matrix(pa, m, k), ta, tb ? Matrix(pb, n, k) : Matrix(pb, k, n), tb,
                                     Matrix(cp.baseAddress!, m, n), beta: 0)
                    } } }
                    return c.map(\.bitPattern)
                }
                #expect(product(threads: 1) == product(threads: 2), "m \(m) n \(n) k \(k) ta \(ta) tb \(tb)")
            }
        }
    }

    @Test func splitProductsMatchReference() {
        for (m, n, k) in [(301, 45, 37), (45, 301, 37)] {
            #expect(m * n * k > Kernels.smallGemm)
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                let a = randomValues(m * k, seed: 1), b = randomValues(k * n, seed: 2)
                var c = randomValues(m * n, seed: 3)
                let before = c
                let (alpha, beta): (Float, Float) = (0.5, 2)
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                    let pa = UnsafeMutablePointer(mutating: ap.baseAddress!), pb = UnsafeMutablePointer(mutating: bp.baseAddress!)
                    Kernels.gemm(ta ? Matrix(pa, k, m) : Matrix(pa, m, k), ta, tb ? Matrix(pb, n, k) : Matrix(pb, k, n), tb,
                                 Matrix(cp.baseAddress!, m, n), alpha: alpha, beta: beta)
                } } }
                var worst = 0.0
                for i in 0..<m { for j in 0..<n {
                    let dot = (0..<k).reduce(0.0) { sum, l in
                        sum + Double(ta ? a[l * m + i] : a[i * k + l]) * Double(tb ? b[j * k + l] : b[l * n + j])
                    }
                    worst = max(worst, abs(Double(c[i * n + j]) - (Double(alpha) * dot + Double(beta) * Double(before[i * n + j]))))
                } }
                #expect(worst < 1e-4, "m \(m) n \(n) ta \(ta) tb \(tb): worst error \(worst)")
            }
        }
    }
}
