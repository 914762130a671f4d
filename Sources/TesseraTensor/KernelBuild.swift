import Foundation
import TesseraKernels
import TesseraKernelsAVX2

/// Which build of the vector kernels runs. The same sources (Sources/TesseraKernels) are compiled
/// for any x86-64 and, as TesseraKernelsAVX2, for Haswell-level CPUs (AVX2, FMA, BMI, F16C, MOVBE);
/// the binary stays portable because the AVX2 build is called only when the CPU reports those
/// features. `TESSERA_KERNELS=portable` forces the portable build.
public enum KernelBuild: String, Sendable, CaseIterable {
    case portable, avx2

    /// The builds this CPU can run.
    public static let available: [KernelBuild] = cpuRunsHaswellCode ? [.portable, .avx2] : [.portable]

    /// The build in use: the fastest available unless TESSERA_KERNELS names another. A value that
    /// is not a build, or a build this CPU cannot run, is reported on stderr and ignored.
    nonisolated(unsafe) public static var active: KernelBuild = {
        let fastest = available.last!
        guard let requested = ProcessInfo.processInfo.environment["TESSERA_KERNELS"] else { return fastest }
        guard let build = KernelBuild(rawValue: requested), available.contains(build) else {
            let reason = KernelBuild(rawValue: requested) == nil ? "is not one of \(allCases.map(\.rawValue).joined(separator: ", "))"
                                                                  : "needs CPU features this machine lacks"
            FileHandle.standardError.write(Data("warning: TESSERA_KERNELS=\(requested) \(reason); using \(fastest.rawValue)\n".utf8))
            return fastest
        }
        return build
    }()

    /// The instruction-set extensions `-target-cpu haswell` lets the compiler use.
    private static let haswellFeatures: Set<Substring> = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "abm", "popcnt", "sse4_2"]

    private static var cpuRunsHaswellCode: Bool { haswellFeatures.isSubset(of: CPUFeatures.flags) }
}

/// Calls into a build of `VectorKernels`, the active one unless tests name another; each entry
/// point covers a whole range of rows or elements.
enum Vector {
    static func softmaxRows(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Range<Int>, keys: Int,
                            causalQueries: Int?, padding: UnsafePointer<Int32>?, rowsPerPaddingRow: Int, build: KernelBuild = .active) {
        switch build {
        case .avx2: TesseraKernelsAVX2.VectorKernels.softmaxRows(x, into: y, rows: rows, keys: keys, causalQueries: causalQueries,
                                                                padding: padding, rowsPerPaddingRow: rowsPerPaddingRow)
        case .portable: TesseraKernels.VectorKernels.softmaxRows(x, into: y, rows: rows, keys: keys, causalQueries: causalQueries,
                                                                padding: padding, rowsPerPaddingRow: rowsPerPaddingRow)
        }
    }

    static func layerNormRows(_ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                              into y: UnsafeMutablePointer<Float>, stats: UnsafeMutablePointer<Float>, rows: Range<Int>, cols: Int,
                              eps: Float, build: KernelBuild = .active) {
        switch build {
        case .avx2: TesseraKernelsAVX2.VectorKernels.layerNormRows(x, gamma: gamma, beta: beta, into: y, stats: stats, rows: rows,
                                                                  cols: cols, eps: eps)
        case .portable: TesseraKernels.VectorKernels.layerNormRows(x, gamma: gamma, beta: beta, into: y, stats: stats, rows: rows,
                                                                  cols: cols, eps: eps)
        }
    }

    static func gelu(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, range: Range<Int>, build: KernelBuild = .active) {
        switch build {
        case .avx2: TesseraKernelsAVX2.VectorKernels.gelu(x, into: y, range: range)
        case .portable: TesseraKernels.VectorKernels.gelu(x, into: y, range: range)
        }
    }

    static func geluBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, range: Range<Int>,
                             build: KernelBuild = .active) {
        switch build {
        case .avx2: TesseraKernelsAVX2.VectorKernels.geluBackward(x, dy, into: dx, range: range)
        case .portable: TesseraKernels.VectorKernels.geluBackward(x, dy, into: dx, range: range)
        }
    }

    static func logSumExp(_ row: UnsafePointer<Float>, count: Int, build: KernelBuild = .active) -> Float {
        switch build {
        case .avx2: TesseraKernelsAVX2.VectorKernels.logSumExp(row, count: count)
        case .portable: TesseraKernels.VectorKernels.logSumExp(row, count: count)
        }
    }

    static func addScaledExp(_ x: UnsafePointer<Float>, minus z: Float, times g: Float, offset: Float,
                             into d: UnsafeMutablePointer<Float>, count: Int, build: KernelBuild = .active) {
        switch build {
        case .avx2: TesseraKernelsAVX2.VectorKernels.addScaledExp(x, minus: z, times: g, offset: offset, into: d, count: count)
        case .portable: TesseraKernels.VectorKernels.addScaledExp(x, minus: z, times: g, offset: offset, into: d, count: count)
        }
    }
}
