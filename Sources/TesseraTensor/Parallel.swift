import CBLAS
import Dispatch
import Foundation

/// Raw pointer that may cross into `concurrentPerform` closures; callers guarantee disjoint writes.
@usableFromInline struct SharedPointer<T>: @unchecked Sendable {
    @usableFromInline let p: UnsafeMutablePointer<T>
    @usableFromInline init(_ p: UnsafeMutablePointer<T>) { self.p = p }
}

/// Work splitting for the kernels. Results never depend on how work is split: every parallel
/// kernel writes disjoint outputs, and reductions combine fixed-size partials in a fixed order.
public enum Parallel {
    /// Worker count for our own kernels (the machine has 2 cores; more only adds contention).
    nonisolated(unsafe) public static var threads = Swift.min(2, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body` on contiguous sub-ranges of 0..<count, in parallel when each part gets at least
    /// `grain` items. Never called from inside another parallel region or a multi-threaded BLAS call.
    @inline(__always)
    static func forRanges(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let parts = Swift.min(threads, count / Swift.max(grain, 1))
        if parts <= 1 { if count > 0 { body(0..<count) }; return }
        withoutActuallyEscaping(body) { body in
            var job = Job(body: body, count: count, parts: parts)
            withUnsafeMutablePointer(to: &job) { dispatchApply(parts, nil, $0) { context, part in
                let job = context!.assumingMemoryBound(to: Job.self).pointee
                job.body((job.count * part / job.parts)..<(job.count * (part + 1) / job.parts))
            } }
        }
    }

    private struct Job {
        let body: (Range<Int>) -> Void
        let count: Int
        let parts: Int
    }
}

/// libdispatch's function-pointer apply. DispatchQueue.concurrentPerform additionally wraps its
/// closure in a heap block on every call; here a parallel region costs two small heap allocations
/// (the closure-escape check of withoutActuallyEscaping and libdispatch's own bookkeeping), measured
/// by kernel-bench. A nil queue is DISPATCH_APPLY_AUTO.
@_silgen_name("dispatch_apply_f")
private func dispatchApply(_ iterations: Int, _ queue: OpaquePointer?, _ context: UnsafeMutableRawPointer?,
                           _ work: @convention(c) (UnsafeMutableRawPointer?, Int) -> Void)

/// OpenBLAS threading. BLAS is called with all cores from the main flow only. Inside our parallel
/// regions we call sgemm solely on matrices with m·n·k ≤ `Kernels.smallGemm` = 65536·4, the bound
/// under which OpenBLAS (GEMM_MULTITHREAD_THRESHOLD = 4) computes on the calling thread, so BLAS
/// threads and ours never oversubscribe the cores, and no global thread setting is toggled.
public enum BLAS {
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
    public static var threads: Int { Int(openblas_get_num_threads()) }
}
