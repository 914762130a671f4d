import Testing
@testable import TesseraTensor

/// OpenBLAS core choice: which picks are corrected, and the check product a corrected core must pass.
@Suite struct BLASCoreTests {
    /// /proc/cpuinfo flags, abridged: the Xeon of the issue, where Debian's OpenBLAS 0.3.21 picked
    /// Prescott; an AVX2 CPU without AVX-512; an SSE4 one.
    static let xeon: Set<Substring> = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl",
                                       "avx512ifma", "avx512vbmi"]
    static let avx2Only: Set<Substring> = ["sse4_2", "avx", "avx2", "fma"]
    static let sse4: Set<Substring> = ["sse3", "ssse3", "sse4_1", "sse4_2"]

    @Test func genericPicksAreCorrectedToTheBestCoreTheCPURuns() {
        #expect(BLASCore.correction(detected: "Prescott", cpuFlags: Self.xeon) == "SkylakeX")
        #expect(BLASCore.correction(detected: "Nehalem", cpuFlags: Self.avx2Only) == "Haswell")
        #expect(BLASCore.correction(detected: "Sandybridge", cpuFlags: Self.avx2Only) == "Haswell")
    }

    @Test func goodOrUnknownPicksAndWeakCPUsAreLeftAlone() {
        #expect(BLASCore.correction(detected: "Cooperlake", cpuFlags: Self.xeon) == nil)
        #expect(BLASCore.correction(detected: "Zen", cpuFlags: Self.xeon) == nil, "AVX2 and AVX-512 cores trained alike here")
        #expect(BLASCore.correction(detected: "Haswell", cpuFlags: Self.avx2Only) == nil)
        #expect(BLASCore.correction(detected: "Prescott", cpuFlags: Self.sse4) == nil)
        #expect(BLASCore.correction(detected: "Zen5", cpuFlags: Self.xeon) == nil, "a newer OpenBLAS's name")
    }

    @Test func namesAreMatchedWhateverTheirCase() {
        #expect(BLASCore.tier(ofCore: "SKYLAKEX") == .avx512)
        #expect(BLASCore.tier(ofCore: "prescott") == .generic)
    }

    /// The check passes OpenBLAS's product and fails one wrong entry, a NaN, or a product that
    /// ignores a transpose.
    @Test func checkProductTellsRightFromWrong() {
        #expect(BLASCore.productsAreCorrect(sgemm: BLASCore.cblasProduct))
        func corrupted(_ change: @escaping (inout [Float]) -> Void) -> BLASCore.Product {
            { ta, tb, m, n, k, a, b in
                var c = BLASCore.cblasProduct(ta, tb, m, n, k, a, b)
                change(&c)
                return c
            }
        }
        #expect(!BLASCore.productsAreCorrect(sgemm: corrupted { $0[1234] += 0.01 }))
        #expect(!BLASCore.productsAreCorrect(sgemm: corrupted { $0[0] = .nan }))
        #expect(!BLASCore.productsAreCorrect(sgemm: { _, _, m, n, k, a, b in BLASCore.cblasProduct(false, false, m, n, k, a, b) }))
    }
}
