/// The number of edits TER counts between two word sequences, following
/// sacreBLEU's lib_ter.py decision for decision: Tercom's greedy block shifts
/// (at most 10 words, at most 50 positions away, candidates ranked by gain,
/// then length, then earliest source, then earliest target), its limit of
/// 1000 evaluated candidates per segment, and a Levenshtein distance computed
/// only in a beam around the length-scaled diagonal (which can exceed the true
/// distance; sacreBLEU's number is the beam's, so it is this one's too).
///
/// sacreBLEU caches matrix rows by hypothesis prefix. A candidate shift keeps
/// the prefix before min(source, target), so this recomputes only the rows
/// after it from the current hypothesis' matrix: the same rows, hence the same
/// distances.
struct ShiftingEditDistance {
    private static let infinity: Int64 = 10_000_000_000_000_000
    private static let maxShiftSize = 10
    private static let maxShiftDistance = 50
    private static let beamWidth = 25
    private static let maxCandidates = 1000

    private enum Op: UInt8 { case undefined, nop, sub, ins, del }

    private var hyp: [Int32] = []
    private var ref: [Int32] = []
    private var shifted: [Int32] = []
    /// The current hypothesis' matrix, (n + 1) rows of (m + 1).
    private var cost: [Int64] = []
    private var ops: [Op] = []
    /// Two rolling rows for candidates.
    private var candidateCost: [Int64] = []
    private var candidateOps: [Op] = []
    private var align: [Int] = []
    private var hypErrors: [Bool] = []
    private var refErrors: [Bool] = []
    private var trace: [Op] = []
    private var geometry = Beam(ratio: 1, width: 25, lastRow: 0)

    /// The band of columns each row computes: around row i * m / n, `width` each side.
    private struct Beam {
        var ratio: Double
        var width: Int
        var lastRow: Int
    }

    mutating func edits(hypothesis: [Int32], reference: [Int32]) -> Int {
        let n = hypothesis.count, m = reference.count
        if m == 0 { return n }
        hyp = hypothesis
        ref = reference
        let ratio = n > 0 ? Double(m) / Double(n) : 1
        // Very unequal lengths widen the beam so consecutive rows still overlap.
        let width = Double(Self.beamWidth) < ratio / 2 ? Int((ratio / 2 + Double(Self.beamWidth)).rounded(.up))
                                                        : Self.beamWidth
        geometry = Beam(ratio: ratio, width: width, lastRow: n)
        let columns = m + 1
        cost = [Int64](repeating: 0, count: (n + 1) * columns)
        ops = [Op](repeating: .undefined, count: (n + 1) * columns)
        candidateCost = [Int64](repeating: 0, count: 2 * columns)
        candidateOps = [Op](repeating: .undefined, count: 2 * columns)
        for j in 0...m { cost[j] = Int64(j); ops[j] = .ins }

        var shifts = 0, checked = 0
        while true {
            let distance = fullDistance()
            let best = bestShift(distance: distance, checked: &checked)
            guard checked < Self.maxCandidates, let best, best.gain > 0 else { return shifts + Int(distance) }
            perform(start: best.start, length: best.length, target: best.target, into: &shifted)
            swap(&hyp, &shifted)
            shifts += 1
        }
    }

    /// Fills the whole matrix for `hyp` and returns its distance.
    private mutating func fullDistance() -> Int64 {
        let n = hyp.count, width = ref.count + 1, geometry = geometry, hyp = hyp
        ref.withUnsafeBufferPointer { r in
            cost.withUnsafeMutableBufferPointer { c in
                ops.withUnsafeMutableBufferPointer { o in
                    for i in stride(from: 1, through: n, by: 1) {
                        Self.fillRow(i, word: hyp[i - 1], ref: r, geometry, previous: c.baseAddress! + (i - 1) * width,
                                     cost: c.baseAddress! + i * width, ops: o.baseAddress! + i * width)
                    }
                }
            }
        }
        return cost[n * width + ref.count]
    }

    /// One row of sacreBLEU's beam Levenshtein matrix: cells outside the beam
    /// stay "infinite"; ties prefer match/substitution, then deletion, then insertion.
    @inline(__always)
    private static func fillRow(_ i: Int, word: Int32, ref r: UnsafeBufferPointer<Int32>, _ beam: Beam,
                                previous: UnsafePointer<Int64>, cost: UnsafeMutablePointer<Int64>,
                                ops: UnsafeMutablePointer<Op>) {
        let m = r.count
        for j in 0...m { cost[j] = infinity; ops[j] = .undefined }
        let diagonal = Int((Double(i) * beam.ratio).rounded(.down))
        let low = max(0, diagonal - beam.width)
        let high = i == beam.lastRow ? m + 1 : min(m + 1, diagonal + beam.width)
        guard low < high else { return }
        for j in low..<high {
            if j == 0 {
                cost[0] = previous[0] + 1
                ops[0] = .del
                continue
            }
            var best = infinity, op = Op.undefined
            let match = word == r[j - 1]
            let diagonalCost = previous[j - 1] + (match ? 0 : 1)
            if best > diagonalCost { best = diagonalCost; op = match ? .nop : .sub }
            let deletion = previous[j] + 1
            if best > deletion { best = deletion; op = .del }
            let insertion = cost[j - 1] + 1
            if best > insertion { best = insertion; op = .ins }
            cost[j] = best
            ops[j] = op
        }
    }

    /// The distance of `shifted`, whose first `prefix` words equal `hyp`'s.
    private mutating func candidateDistance(prefix: Int) -> Int64 {
        let n = shifted.count, width = ref.count + 1, geometry = geometry, shifted = shifted
        if prefix == n { return cost[n * width + ref.count] }
        var result: Int64 = 0
        ref.withUnsafeBufferPointer { r in
            cost.withUnsafeBufferPointer { c in
                candidateCost.withUnsafeMutableBufferPointer { rows in
                    candidateOps.withUnsafeMutableBufferPointer { o in
                        var previous = UnsafePointer(c.baseAddress! + prefix * width)
                        for i in (prefix + 1)...n {
                            let row = rows.baseAddress! + (i & 1) * width
                            Self.fillRow(i, word: shifted[i - 1], ref: r, geometry, previous: previous, cost: row,
                                         ops: o.baseAddress! + (i & 1) * width)
                            previous = UnsafePointer(row)
                        }
                        result = previous[width - 1]
                    }
                }
            }
        }
        return result
    }

    private struct Candidate {
        var gain: Int64, length: Int, start: Int, target: Int

        /// sacreBLEU's ranking tuple (gain, length, -start, -target), compared lexicographically.
        func beats(_ other: Candidate) -> Bool {
            if gain != other.gain { return gain > other.gain }
            if length != other.length { return length > other.length }
            if start != other.start { return start < other.start }
            return target < other.target
        }
    }

    /// sacreBLEU's _shift: the best shift of `hyp`, counting evaluated candidates in `checked`.
    private mutating func bestShift(distance: Int64, checked: inout Int) -> Candidate? {
        alignment()
        let n = hyp.count, m = ref.count
        // The backtrace always covers both sequences; never index past a partial one.
        guard hypErrors.count == n && refErrors.count == m else { return nil }
        var best: Candidate?
        pairs: for start in 0..<n {
            // Reference starts at most 50 positions away (none when the hypothesis runs far past the reference).
            let low = max(0, start - Self.maxShiftDistance), high = min(m, start + Self.maxShiftDistance + 1)
            for refStart in low..<max(low, high) {
                var length = 0
                while length < Self.maxShiftSize && hyp[start + length] == ref[refStart + length] {
                    length += 1
                    // A candidate needs errors on both sides and a target outside the block.
                    let hypWrong = hypErrors[start..<start + length].contains(true)
                    let refWrong = refErrors[refStart..<refStart + length].contains(true)
                    let aligned = align[refStart]
                    if hypWrong && refWrong && !(start <= aligned && aligned < start + length) {
                        var previousTarget = -1
                        for offset in -1..<length {
                            let target = refStart + offset == -1 ? 0 : align[refStart + offset] + 1
                            if target == previousTarget { continue }
                            previousTarget = target
                            perform(start: start, length: length, target: target, into: &shifted)
                            let gain = distance - candidateDistance(prefix: min(start, target))
                            checked += 1
                            let candidate = Candidate(gain: gain, length: length, start: start, target: target)
                            if best == nil || candidate.beats(best!) { best = candidate }
                        }
                        if checked >= Self.maxCandidates { break pairs }
                    }
                    if start + length == n || refStart + length == m { break }
                }
            }
        }
        return best
    }

    /// Backtracks the matrix and derives sacreBLEU's alignment of reference
    /// positions to hypothesis positions and the error flags of both sides.
    private mutating func alignment() {
        let width = ref.count + 1
        trace.removeAll(keepingCapacity: true)
        var i = hyp.count, j = ref.count
        backtrack: while i > 0 || j > 0 {
            let op = ops[i * width + j]
            trace.append(op)
            switch op {
            case .nop, .sub: i -= 1; j -= 1
            case .ins: j -= 1
            case .del: i -= 1
            case .undefined: break backtrack  // unreachable: the beam always keeps a path
            }
        }
        align = [Int](repeating: -1, count: ref.count)
        hypErrors.removeAll(keepingCapacity: true)
        refErrors.removeAll(keepingCapacity: true)
        var h = -1, r = -1
        for op in trace.reversed() {
            switch op {
            case .nop, .sub:
                h += 1; r += 1
                align[r] = h
                hypErrors.append(op == .sub)
                refErrors.append(op == .sub)
            case .del:  // a hypothesis word with no reference counterpart
                h += 1
                hypErrors.append(true)
            case .ins:  // a reference word with no hypothesis counterpart
                r += 1
                align[r] = h
                refErrors.append(true)
            case .undefined:
                break
            }
        }
    }

    /// sacreBLEU's _perform_shift, including its handling of targets inside the block.
    private func perform(start: Int, length: Int, target: Int, into out: inout [Int32]) {
        out.removeAll(keepingCapacity: true)
        let n = hyp.count, end = start + length
        if target < start {
            out += hyp[0..<target]; out += hyp[start..<end]; out += hyp[target..<start]; out += hyp[end..<n]
        } else if target > end {
            out += hyp[0..<start]; out += hyp[end..<target]; out += hyp[start..<end]; out += hyp[target..<n]
        } else {
            let split = min(length + target, n)
            out += hyp[0..<start]; out += hyp[end..<split]; out += hyp[start..<end]; out += hyp[split..<n]
        }
    }
}
