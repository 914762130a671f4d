/// Counts n-gram matches between a hypothesis and references whose items have
/// been interned to ids (see `LineInterner`). Count buffers are indexed by id
/// and returned to zero after every call, so no per-line clearing is needed.
/// A class over raw buffers for the same reason as `LineInterner`; one per worker.
final class NGramCounter {
    let interner = LineInterner()
    private var capacity = 0
    private var hypCount = UnsafeMutablePointer<Int32>.allocate(capacity: 0)
    private var refCount = UnsafeMutablePointer<Int32>.allocate(capacity: 0)
    private var refMax = UnsafeMutablePointer<Int32>.allocate(capacity: 0)

    deinit { hypCount.deallocate(); refCount.deallocate(); refMax.deallocate() }

    /// Turns the ids of order n-1 n-grams into ids of order n (= `order`):
    /// grams[i] becomes the id of (grams[i], items[i + order - 1]).
    func extend(_ grams: inout [Int32], items: [Int32], order: Int) {
        let n = max(0, items.count - order + 1)
        grams.withUnsafeMutableBufferPointer { g in
            items.withUnsafeBufferPointer { it in
                for i in 0..<n { g[i] = interner.pair(g[i], it[i + order - 1]) }
            }
        }
        grams.removeLast(grams.count - n)
    }

    /// BLEU's clipped matches: each hypothesis n-gram counts at most as often
    /// as it occurs in the reference that has it most. Returns (matched, total).
    func clippedMatches(_ hyp: [Int32], _ refs: ArraySlice<[Int32]>) -> (Int, Int) {
        reserve()
        for ref in refs {
            for id in ref { refCount[Int(id)] += 1 }
            for id in ref {
                let k = Int(id)
                if refCount[k] > refMax[k] { refMax[k] = refCount[k] }
            }
            for id in ref { refCount[Int(id)] = 0 }
        }
        let matched = countMatches(hyp, refMax)
        for ref in refs { for id in ref { refMax[Int(id)] = 0 } }
        return (matched, hyp.count)
    }

    /// Σ over distinct hypothesis n-grams of min(hypothesis count, reference count).
    func matches(_ hyp: [Int32], _ ref: [Int32]) -> Int {
        reserve()
        for id in ref { refCount[Int(id)] += 1 }
        let matched = countMatches(hyp, refCount)
        for id in ref { refCount[Int(id)] = 0 }
        return matched
    }

    private func countMatches(_ hyp: [Int32], _ reference: UnsafeMutablePointer<Int32>) -> Int {
        for id in hyp { hypCount[Int(id)] += 1 }
        var matched = 0
        for id in hyp {
            let k = Int(id)
            let h = hypCount[k]
            if h > 0 {
                matched += Int(min(h, reference[k]))
                hypCount[k] = 0
            }
        }
        return matched
    }

    private func reserve() {
        let needed = Int(interner.count)
        guard capacity < needed else { return }
        let size = max(needed, capacity * 2, 1024)
        for buffer in [hypCount, refCount, refMax] { buffer.deallocate() }
        (hypCount, refCount, refMax) = (.allocate(capacity: size), .allocate(capacity: size), .allocate(capacity: size))
        for buffer in [hypCount, refCount, refMax] { buffer.initialize(repeating: 0, count: size) }
        capacity = size
    }
}
