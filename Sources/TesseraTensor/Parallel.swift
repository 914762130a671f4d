import CBLAS
import Foundation
import Synchronization

/// Raw pointer that may cross into parallel closures; callers guarantee disjoint writes.
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
    /// `grain` items. The work is cut into up to `partsPerThread` parts per thread, claimed by
    /// whichever thread is free, so a worker that wakes late leaves its share to the others. A call
    /// made while the workers are busy (from inside a region, or from a second caller thread) runs
    /// its parts in order on the calling thread.
    @inline(__always)
    static func forRanges(_ count: Int, grain: Int, partsPerThread: Int = 4, _ body: (Range<Int>) -> Void) {
        forParts(count, parts: Swift.min(threads * partsPerThread, count / Swift.max(grain, 1)), body)
    }

    /// Calls `body` on `parts` (at most `WorkerPool.maxParts`) contiguous sub-ranges of 0..<count,
    /// claimed by whichever thread is free. The cut depends only on `count` and `parts`, so a
    /// caller whose results depend on the cut gets the same one with any thread count.
    @inline(__always)
    static func forParts(_ count: Int, parts requested: Int, _ body: (Range<Int>) -> Void) {
        let parts = Swift.min(requested, count, WorkerPool.maxParts)
        if parts <= 1 { if count > 0 { body(0..<count) }; return }
        withoutActuallyEscaping(body) { body in
            WorkerPool.shared.run(RangeJob(count: count, parts: parts, body: body), threads: Swift.min(threads, parts))
        }
    }
}

/// One parallel region: 0..<count split into `parts` contiguous ranges.
struct RangeJob {
    let count: Int
    let parts: Int
    let body: (Range<Int>) -> Void

    /// Not inlined, so every reference the call takes is released before the part is marked done.
    @inline(never)
    func run(part: Int) { body((count * part / parts)..<(count * (part + 1) / parts)) }
}

/// Persistent worker threads for `Parallel.forRanges`. libdispatch's apply often left the second
/// part to the calling thread on kernels of 0.1–1 ms (its worker woke too late to take it), so
/// those kernels ran on one core. Here workers spin briefly between regions before sleeping, and
/// the caller takes any part no worker has claimed yet, so a late worker costs at most its delay.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    private init() { BLAS.singleThreaded }

    /// The current region's job, on the caller's stack; read only by a thread holding a valid claim.
    private var job: UnsafePointer<RangeJob>?
    /// Bumped once per region; idle workers wait for it to change.
    private let generation = Atomic<Int>(0)
    /// Claims on the current region: region number << 16 | part count << 8 | next unclaimed part.
    /// A claim reads the part count from the same word it increments, never from a job that may
    /// belong to an earlier region.
    private let claims = Atomic<Int>(0)
    private let finishedParts = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    /// Held by the one caller whose region the workers serve.
    private let busy = Atomic<Bool>(false)
    private let wakeup = NSCondition()
    private var workers = 0
    /// How long an idle worker spins before it sleeps. Waking a sleeping worker takes tens of µs
    /// here, as long as a small kernel; within a training or decoding step consecutive regions are
    /// closer than this, and between steps the core is otherwise idle.
    private static let spinNanoseconds: UInt64 = 1_000_000

    /// Part numbers take 8 bits of `claims`, with room for every thread's one failed claim.
    static let maxParts = 128

    /// Runs every part of `job` on the caller and threads − 1 workers; returns when all are done.
    /// With one thread, or while the pool is busy, the caller runs the parts in order, without
    /// waking workers started earlier.
    func run(_ job: RangeJob, threads: Int) {
        guard threads > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for part in 0..<job.parts { job.run(part: part) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        while workers < threads - 1 { startWorker() }
        withUnsafePointer(to: job) { pointer in
            self.job = pointer
            finishedParts.store(0, ordering: .relaxed)
            let region = generation.add(1, ordering: .sequentiallyConsistent).newValue
            claims.store(region << 16 | job.parts << 8, ordering: .releasing)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 { wakeup.lock(); wakeup.broadcast(); wakeup.unlock() }
            claimParts()
            while finishedParts.load(ordering: .acquiring) < job.parts {}
        }
    }

    /// Claims and runs parts of the current job until none is left. The job is read only after a
    /// valid claim, which keeps its region open, so it is never a job being replaced.
    private func claimParts() {
        while true {
            let claim = claims.add(1, ordering: .acquiringAndReleasing).oldValue
            let part = claim & 0xFF, parts = (claim >> 8) & 0xFF
            guard part < parts, let job else { return }
            job.pointee.run(part: part)
            finishedParts.add(1, ordering: .releasing)
        }
    }

    private func startWorker() {
        workers += 1
        Thread { [self] in
            // From region 0, not the current one: a worker started for a region then joins it.
            var seen = 0
            while true {
                seen = waitForRegion(after: seen)
                claimParts()
            }
        }.start()
    }

    private func waitForRegion(after seen: Int) -> Int {
        let start = DispatchTime.now().uptimeNanoseconds
        while DispatchTime.now().uptimeNanoseconds - start < Self.spinNanoseconds {
            let current = generation.load(ordering: .acquiring)
            if current != seen { return current }
        }
        wakeup.lock()
        defer { wakeup.unlock() }
        sleepers.add(1, ordering: .sequentiallyConsistent)
        defer { sleepers.subtract(1, ordering: .sequentiallyConsistent) }
        while generation.load(ordering: .sequentiallyConsistent) == seen { wakeup.wait() }
        return generation.load(ordering: .acquiring)
    }
}

/// OpenBLAS threading. The engine runs OpenBLAS on one thread and splits large products across its
/// own workers (`Kernels.gemm`). OpenBLAS's idle threads spin, yielding, for about 2^28 cycles after
/// each multi-threaded call (and, measured here, from start-up until the thread count is set), so
/// with BLAS threads of its own they took the second core from our kernels' worker.
public enum BLAS {
    /// Called before the engine's first product; benchmarks may raise it to time OpenBLAS's own threading.
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
    public static var threads: Int { Int(openblas_get_num_threads()) }
    static let singleThreaded: Void = setThreads(1)
}
