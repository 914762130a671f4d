/// Counts n-gram matches between a hypothesis and references whose items have
/// been interned to ids (see `LineInterner`). Count arrays are indexed by id
/// and returned to zero after every call, so no per-line clearing is needed.
struct NGramCounter {
    var interner = LineInterner()
    private var hypCount: [Int32] = []
    private var refCount: [Int32] = []
    private var refMax: [Int32] = []

    /// Turns the ids of order n-1 n-grams into ids of order n (= `order`):
    /// grams[i] becomes the id of (grams[i], items[i + order - 1]).
    mutating func extend(_ grams: inout [Int32], items: [Int32], order: Int) {
        let n = max(0, items.count - order + 1)
        for i in 0..<n { grams[i] = interner.pair(grams[i], items[i + order - 1]) }
        grams.removeLast(grams.count - n)
    }

    /// BLEU's clipped matches: each hypothesis n-gram counts at most as often
    /// as it occurs in the reference that has it most. Returns (matched, total).
    mutating func clippedMatches(_ hyp: [Int32], _ refs: ArraySlice<[Int32]>) -> (Int, Int) {
        reserve()
        for ref in refs {
            for id in ref { refCount[Int(id)] += 1 }
            for id in ref {
                let k = Int(id)
                if refCount[k] > refMax[k] { refMax[k] = refCount[k] }
            }
            for id in ref { refCount[Int(id)] = 0 }
        }
        let matched = Self.countMatches(hyp, &hypCount, refMax)
        for ref in refs { for id in ref { refMax[Int(id)] = 0 } }
        return (matched, hyp.count)
    }

    /// Σ over distinct hypothesis n-grams of min(hypothesis count, reference count).
    mutating func matches(_ hyp: [Int32], _ ref: [Int32]) -> Int {
        reserve()
        for id in ref { refCount[Int(id)] += 1 }
        let matched = Self.countMatches(hyp, &hypCount, refCount)
        for id in ref { refCount[Int(id)] = 0 }
        return matched
    }

    private static func countMatches(_ hyp: [Int32], _ hypCount: inout [Int32], _ reference: [Int32]) -> Int {
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

    private mutating func reserve() {
        let needed = Int(interner.count)
        guard hypCount.count < needed else { return }
        let size = max(needed, hypCount.count * 2, 256)
        hypCount += [Int32](repeating: 0, count: size - hypCount.count)
        refCount += [Int32](repeating: 0, count: size - refCount.count)
        refMax += [Int32](repeating: 0, count: size - refMax.count)
    }
}
