import CBLAS
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS's kernel set ("core"). A DYNAMIC_ARCH OpenBLAS picks one when it loads, from the CPU
/// model; Debian's 0.3.21 does not know recent CPUs and falls back to `Prescott` (SSE3), which ran
/// training 3.7× slower than `SkylakeX` on an AVX-512 Xeon. OpenBLAS reads `OPENBLAS_CORETYPE` only
/// while it loads, so `useBestCore()` corrects such a pick by setting it and re-executing once.
public enum BLASCore {
    /// What a core's kernels need of the CPU, lowest first.
    public enum Tier: Int, Comparable, Sendable {
        case generic, avx, avx2, avx512
        public static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }
    }

    /// The x86-64 cores of a DYNAMIC_ARCH OpenBLAS, as `openblas_get_corename` spells them, beyond
    /// the SSE-only ones. Excavator's kernels are the FMA3 ones of the Bulldozer family.
    private static let tiers: [String: Tier] = [
        "sandybridge": .avx, "bulldozer": .avx, "piledriver": .avx, "steamroller": .avx, "excavator": .avx,
        "haswell": .avx2, "zen": .avx2,
        "skylakex": .avx512, "cooperlake": .avx512, "sapphirerapids": .avx512,
    ]
    private static let genericCores: Set<String> = [
        "prescott", "katmai", "coppermine", "northwood", "banias", "atom", "core2", "penryn", "dunnington", "nehalem",
        "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "bobcat",
    ]

    /// The tier of a core name, or nil for a name this table does not know (a newer OpenBLAS's).
    public static func tier(ofCore name: String) -> Tier? {
        let key = name.lowercased()
        return tiers[key] ?? (genericCores.contains(key) ? .generic : nil)
    }

    /// The best core the CPU can run, with its tier.
    public static func bestCore(cpuFlags flags: Set<Substring>) -> (name: String, tier: Tier)? {
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(flags.contains) { return ("SkylakeX", .avx512) }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return ("Haswell", .avx2) }
        if flags.contains("avx") { return ("Sandybridge", .avx) }
        return nil
    }

    /// The core to use instead of OpenBLAS's pick, or nil to keep it. Only picks below AVX2 that the
    /// CPU can beat are corrected: between an AVX2 and an AVX-512 core OpenBLAS's choice stands
    /// (on an AMD EPYC with AVX-512 both trained at the same speed here, docs/tensor-engine.md).
    public static func correction(detected: String, cpuFlags: Set<Substring>) -> String? {
        guard let current = tier(ofCore: detected), current < .avx2,
              let best = bestCore(cpuFlags: cpuFlags), best.tier > current else { return nil }
        return best.name
    }

    /// The core OpenBLAS runs now.
    public static var current: String { String(cString: openblas_get_corename()) }

    /// Set by `useBestCore` for the re-executed process: "<OpenBLAS's own pick>:<why>".
    private static let handoverKey = "TESSERA_BLAS_HANDOVER"
    /// Why the core differs from OpenBLAS's own pick, for `summary`.
    nonisolated(unsafe) private static var note = ""

    /// Makes this process run on the best core for its CPU, or on `TESSERA_BLAS_CORE` if set, by
    /// re-executing it once with `OPENBLAS_CORETYPE`; a core so chosen must first compute a check
    /// product right, or the process re-executes on OpenBLAS's own pick. An `OPENBLAS_CORETYPE`
    /// the user set is left alone. Call first thing in `main`, before any thread starts.
    public static func useBestCore() {
        let environment = ProcessInfo.processInfo.environment
        if let handover = environment[handoverKey] {
            unsetenv(handoverKey)
            let parts = handover.split(separator: ":", maxSplits: 1).map(String.init)
            let (detected, reason) = (parts[0], parts.count > 1 ? parts[1] : "")
            if reason == "fallback" {
                note = " (the corrected core failed the check product; OpenBLAS's own pick)"
            } else if productsAreCorrect(sgemm: cblasProduct) {
                note = reason == "TESSERA_BLAS_CORE" ? " (TESSERA_BLAS_CORE; OpenBLAS picked \(detected))"
                                                      : " (OpenBLAS picked \(detected), which this CPU outruns)"
            } else {
                FileHandle.standardError.write(Data("warning: OpenBLAS core \(current) failed the check product; using \(detected)\n".utf8))
                reexecute(core: detected, handover: "\(detected):fallback")
                // Going on would compute every product on a core just seen to be wrong.
                FileHandle.standardError.write(Data("error: cannot leave OpenBLAS core \(current), whose products are wrong\n".utf8))
                exit(1)
            }
            return
        }
        if environment["OPENBLAS_CORETYPE"] != nil { note = " (OPENBLAS_CORETYPE)"; return }
        let detected = current
        let requested = environment["TESSERA_BLAS_CORE"].flatMap(runnableCore)
        guard let target = requested ?? correction(detected: detected, cpuFlags: CPUFeatures.flags),
              target.lowercased() != detected.lowercased() else { return }
        reexecute(core: target, handover: "\(detected):\(requested == nil ? "auto" : "TESSERA_BLAS_CORE")")
    }

    /// A requested core name if this CPU can run it; otherwise a warning on stderr and nil.
    private static func runnableCore(_ name: String) -> String? {
        guard let needed = tier(ofCore: name) else {
            FileHandle.standardError.write(Data("warning: TESSERA_BLAS_CORE=\(name) is not an OpenBLAS x86-64 core; ignored\n".utf8))
            return nil
        }
        guard needed <= (bestCore(cpuFlags: CPUFeatures.flags)?.tier ?? .generic) else {
            FileHandle.standardError.write(Data("warning: TESSERA_BLAS_CORE=\(name) needs CPU features this machine lacks; ignored\n".utf8))
            return nil
        }
        return name
    }

    /// Replaces this process by itself with `OPENBLAS_CORETYPE=core`; returns only if exec fails.
    private static func reexecute(core: String, handover: String) {
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(handoverKey, handover, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(handoverKey)
        FileHandle.standardError.write(Data("warning: could not re-execute to use OpenBLAS core \(core): \(String(cString: strerror(errno)))\n".utf8))
    }

    /// "OpenBLAS 0.3.21 Haswell (…)": the library, its core and why that core, for first lines.
    public static var summary: String {
        let version = String(cString: openblas_get_config()).split(separator: " ").prefix(2).joined(separator: " ")
        return "\(version) \(current)\(note)"
    }

    /// C[m×n] = op(A)·op(B) on row-major operands, as `cblas_sgemm` computes it.
    public typealias Product = (_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                _ a: [Float], _ b: [Float]) -> [Float]

    static let cblasProduct: Product = { transposeA, transposeB, m, n, k, a, b in
        var c = [Float](repeating: 0, count: m * n)
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n), 0, &c, Int32(n))
        return c
    }

    /// Whether `sgemm` matches a Double reference, entry by entry within 1e-4·Σ|a·b| (float32
    /// accumulation over k = 300 stays near 2e-5), on the three transpose cases the engine uses,
    /// at sizes off every micro-kernel's block and above its k-unrolling.
    public static func productsAreCorrect(sgemm: Product) -> Bool {
        let (m, n, k) = (131, 67, 300)
        var rng = SplitMix64(seed: 7)
        let a = (0..<(m * k)).map { _ in 2 * rng.nextFloat() - 1 }, b = (0..<(k * n)).map { _ in 2 * rng.nextFloat() - 1 }
        for (transposeA, transposeB) in [(false, false), (false, true), (true, false)] {
            let c = sgemm(transposeA, transposeB, m, n, k, a, b)
            guard c.count == m * n else { return false }
            for i in 0..<m {
                for j in 0..<n {
                    var exact = 0.0, magnitude = 0.0
                    for p in 0..<k {
                        let x = Double(transposeA ? a[p * m + i] : a[i * k + p]), y = Double(transposeB ? b[j * k + p] : b[p * n + j])
                        exact += x * y
                        magnitude += abs(x * y)
                    }
                    // Written so that NaN fails too.
                    guard abs(Double(c[i * n + j]) - exact) <= 1e-4 * magnitude else { return false }
                }
            }
        }
        return true
    }
}
