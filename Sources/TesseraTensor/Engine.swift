/// The engine's configuration, as the first line of `train`, `translate` and the benchmarks names
/// it: speed figures mean little without the kernels and the BLAS core that produced them.
public enum Engine {
    public static var summary: String {
        "kernels: \(KernelBuild.active.rawValue), BLAS: \(BLASCore.summary), \(Parallel.threads) threads"
    }
}
