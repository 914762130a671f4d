import TesseraKernels

extension Kernels {
    /// dst[indices[i]] += src[i] for rows of `width`, except rows whose index is `skip`. Rows are added
    /// in index order (duplicates are deterministic); threads split the columns, never the rows.
    static func scatterAddRows(_ src: UnsafePointer<Float>, indices: Indices, width: Int, into dst: UnsafeMutablePointer<Float>,
                               skip: Int32 = -1) {
        let (s, d) = (SharedPointer(UnsafeMutablePointer(mutating: src)), SharedPointer(dst))
        Parallel.forRanges((width + 7) / 8, grain: max(1, grain / 8 / max(indices.count, 1))) { range in
            let (lo, hi) = (range.lowerBound * 8, min(width, range.upperBound * 8))
            for i in 0..<indices.count where indices.pointer[i] != skip {
                let (sr, dr) = (s.p + i * width, d.p + indices[i] * width)
                forLanes(hi - lo) { j, l in store8(load8(dr + lo + j, l) + load8(sr + lo + j, l), dr + lo + j, l) }
            }
        }
    }

    /// dst[i] (+)= src[indices[i]] for rows of `width`.
    static func gatherRows(_ src: UnsafePointer<Float>, indices: Indices, width: Int, into dst: UnsafeMutablePointer<Float>,
                           accumulate: Bool) {
        let (s, d) = (SharedPointer(UnsafeMutablePointer(mutating: src)), SharedPointer(dst))
        rows(indices.count, cols: width) { i in
            let (sr, dr) = (s.p + indices[i] * width, d.p + i * width)
            if !accumulate { dr.update(from: sr, count: width); return }
            forLanes(width) { j, l in store8(load8(dr + j, l) + load8(sr + j, l), dr + j, l) }
        }
    }

    /// dst[batch] (+)= transpose(src[batch]) for `batches` matrices of rows × cols.
    static func transpose(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, batches: Int, rows: Int, cols: Int,
                          accumulate: Bool) {
        let (s, d) = (SharedPointer(UnsafeMutablePointer(mutating: src)), SharedPointer(dst))
        let tile = 32
        Kernels.rows(batches * ((rows + tile - 1) / tile), cols: tile * cols) { task in
            let (b, r0) = (task / ((rows + tile - 1) / tile), task % ((rows + tile - 1) / tile) * tile)
            let (sb, db) = (s.p + b * rows * cols, d.p + b * rows * cols)
            for c0 in stride(from: 0, to: cols, by: tile) {
                for r in r0..<min(rows, r0 + tile) {
                    for c in c0..<min(cols, c0 + tile) {
                        db[c * rows + r] = (accumulate ? db[c * rows + r] : 0) + sb[r * cols + c]
                    }
                }
            }
        }
    }
}

extension Graph {
    private func checkIndices(_ indices: Indices, below limit: Int, _ op: String) {
        for i in 0..<indices.count {
            precondition(indices[i] >= 0 && indices[i] < limit, "\(op): index \(indices[i]) outside 0..<\(limit)")
        }
    }

    /// Embedding lookup: rows `ids` of table [V, d] → [ids.count, d]; backward scatter-adds into the
    /// table, except for `paddingIndex`, whose row never receives gradient (fairseq's padding_idx).
    public func embedding(_ table: Var, ids: Indices, paddingIndex: Int32 = -1) -> Var {
        gatherRows(table, indices: ids, skippingGradientOf: paddingIndex)
    }

    /// Index-select along the leading axis (MoE dispatch): out[i] = x[indices[i]].
    public func gatherRows(_ x: Var, indices: Indices) -> Var { gatherRows(x, indices: indices, skippingGradientOf: -1) }

    private func gatherRows(_ x: Var, indices: Indices, skippingGradientOf skip: Int32) -> Var {
        let s = shape(x), width = s.count / max(s[0], 1)
        checkIndices(indices, below: s[0], "gatherRows")
        let out = output(s.replacing(0, with: indices.count), inputs: x)
        Kernels.gatherRows(ptr(x), indices: indices, width: width, into: ptr(out), accumulate: false)
        record(.gatherRows(x: x, indices: indices, skip: skip, out: out))
        return out
    }

    func gatherRowsBackward(_ x: Var, _ indices: Indices, _ skip: Int32, _ out: Var) {
        guard let dx = gradIfNeeded(x) else { return }
        let s = shape(x)
        Kernels.scatterAddRows(gradPointer(out), indices: indices, width: s.count / max(s[0], 1), into: dx, skip: skip)
    }

    /// Index-add along the leading axis (MoE combine): out = base; out[indices[i]] += source[i].
    public func indexAddRows(_ base: Var, source: Var, indices: Indices) -> Var {
        let (sb, ss) = (shape(base), shape(source))
        let width = sb.count / max(sb[0], 1)
        precondition(ss[0] == indices.count && ss.count == indices.count * width, "indexAddRows: source \(ss) for base \(sb)")
        checkIndices(indices, below: sb[0], "indexAddRows")
        let out = output(sb, inputs: base, source)
        Kernels.copy(ptr(base), to: ptr(out), count: sb.count)
        Kernels.scatterAddRows(ptr(source), indices: indices, width: width, into: ptr(out))
        record(.indexAddRows(base: base, source: source, indices: indices, out: out))
        return out
    }

    func indexAddRowsBackward(_ base: Var, _ source: Var, _ indices: Indices, _ out: Var) {
        let dy = gradPointer(out), s = shape(base)
        if let db = gradIfNeeded(base) { Kernels.accumulate(dy, into: db, count: s.count) }
        if let ds = gradIfNeeded(source) {
            Kernels.gatherRows(dy, indices: indices, width: s.count / max(s[0], 1), into: ds, accumulate: true)
        }
    }

    /// The k largest entries of each row of x [.., C] (ties: lower index first), as values [.., k]
    /// (differentiable) and their column indices (row-major, k per row).
    public func topK(_ x: Var, k: Int) -> (values: Var, indices: Indices) {
        let s = shape(x), c = s.last
        precondition(k >= 1 && k <= c, "topK: k = \(k) for rows of \(c)")
        let idx = arena.allocate(indices: s.rows * k)
        let out = output(s.replacing(s.rank - 1, with: k), inputs: x)
        let (xs, os, ids) = (SharedPointer(ptr(x)), SharedPointer(ptr(out)), SharedPointer(idx))
        Kernels.rows(s.rows, cols: c) { r in
            let (row, vals, inds) = (xs.p + r * c, os.p + r * k, ids.p + r * k)
            var filled = 0
            for j in 0..<c {
                let v = row[j]
                if filled == k && !(v > vals[k - 1]) { continue }
                var pos = min(filled, k - 1)
                while pos > 0 && v > vals[pos - 1] { vals[pos] = vals[pos - 1]; inds[pos] = inds[pos - 1]; pos -= 1 }
                vals[pos] = v
                inds[pos] = Int32(j)
                filled = min(filled + 1, k)
            }
        }
        let indices = Indices(pointer: UnsafePointer(idx), count: s.rows * k)
        record(.topK(x: x, indices: indices, out: out))
        return (out, indices)
    }

    func topKBackward(_ x: Var, _ indices: Indices, _ out: Var) {
        guard let dx = gradIfNeeded(x) else { return }
        let (c, k) = (shape(x).last, shape(out).last)
        let dy = gradPointer(out)
        for i in 0..<indices.count { dx[(i / k) * c + indices[i]] += dy[i] }
    }

    /// Concatenation along `axis` (all other axes equal).
    public func concat(_ parts: [Var], axis: Int) -> Var {
        precondition(!parts.isEmpty, "concat of nothing")
        let first = shape(parts[0])
        var total = 0
        for p in parts {
            let s = shape(p)
            precondition(s.rank == first.rank && (0..<s.rank).allSatisfy { $0 == axis || s[$0] == first[$0] },
                         "concat: \(s) vs \(first) along axis \(axis)")
            total += s[axis]
        }
        let outShape = first.replacing(axis, with: total)
        let out = alloc(outShape, requiresGrad: isRecording && parts.contains { node($0).requiresGrad })
        forEachPart(parts, axis: axis, out: out) { part, outRow, partRow, width in
            (self.ptr(out) + outRow).update(from: self.ptr(part) + partRow, count: width)
        }
        let list = storeOperands(parts)
        record(.concat(operands: list.start, count: list.count, axis: axis, out: out))
        return out
    }

    /// Calls body(part, offsetInOut, offsetInPart, width) for every contiguous run of every part.
    private func forEachPart(_ parts: [Var], axis: Int, out: Var, _ body: (Var, Int, Int, Int) -> Void) {
        let so = shape(out), outer = so.outer(axis), outWidth = so.count / max(outer, 1)
        var column = 0
        for part in parts {
            let width = shape(part).count / max(outer, 1)
            for o in 0..<outer { body(part, o * outWidth + column, o * width, width) }
            column += width
        }
    }

    func concatBackward(_ start: Int32, _ count: Int32, _ axis: Int, _ out: Var) {
        let parts = (start..<start + count).map(operand)
        let dy = gradPointer(out)
        forEachPart(parts, axis: axis, out: out) { part, outRow, partRow, width in
            if let dp = self.gradIfNeeded(part) { Kernels.accumulate(dy + outRow, into: dp + partRow, count: width) }
        }
    }

    /// x[..., start..<start+length, ...] along `axis`: a free view for axis 0, a copy otherwise.
    public func slice(_ x: Var, axis: Int, start: Int, length: Int) -> Var {
        let s = shape(x)
        precondition(axis < s.rank && start >= 0 && start + length <= s[axis], "slice \(start)+\(length) of axis \(axis) of \(s)")
        if axis == 0 { return rows(x, start, length) }
        let out = output(s.replacing(axis, with: length), inputs: x)
        sliceRuns(s, axis, start, length) { src, dst, width in (self.ptr(out) + dst).update(from: self.ptr(x) + src, count: width) }
        record(.slice(x: x, axis: axis, start: start, out: out))
        return out
    }

    /// Splits x along `axis` into consecutive parts of the given sizes.
    public func split(_ x: Var, axis: Int, sizes: [Int]) -> [Var] {
        precondition(sizes.reduce(0, +) == shape(x)[axis], "split sizes \(sizes) for axis \(axis) of \(shape(x))")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(x, axis: axis, start: start, length: size)
        }
    }

    private func sliceRuns(_ s: Shape, _ axis: Int, _ start: Int, _ length: Int, _ body: (Int, Int, Int) -> Void) {
        let inner = s.inner(axis), rowWidth = s[axis] * inner, width = length * inner
        for o in 0..<s.outer(axis) { body(o * rowWidth + start * inner, o * width, width) }
    }

    func sliceBackward(_ x: Var, _ axis: Int, _ start: Int, _ out: Var) {
        guard let dx = gradIfNeeded(x) else { return }
        let dy = gradPointer(out)
        sliceRuns(shape(x), axis, start, shape(out)[axis]) { src, dst, width in Kernels.accumulate(dy + dst, into: dx + src, count: width) }
    }

    /// Swaps the last two axes (a copy).
    public func transposeLastTwo(_ x: Var) -> Var {
        let s = shape(x)
        precondition(s.rank >= 2, "transposeLastTwo needs rank >= 2, got \(s)")
        let (r, c) = (s[s.rank - 2], s[s.rank - 1])
        let out = output(s.replacing(s.rank - 2, with: c).replacing(s.rank - 1, with: r), inputs: x)
        Kernels.transpose(ptr(x), into: ptr(out), batches: s.count / max(r * c, 1), rows: r, cols: c, accumulate: false)
        record(.transposeLastTwo(x: x, out: out))
        return out
    }

    func transposeBackward(_ x: Var, _ out: Var) {
        guard let dx = gradIfNeeded(x) else { return }
        let s = shape(out)
        let (r, c) = (s[s.rank - 2], s[s.rank - 1])
        Kernels.transpose(gradPointer(out), into: dx, batches: s.count / max(r * c, 1), rows: r, cols: c, accumulate: true)
    }
}
