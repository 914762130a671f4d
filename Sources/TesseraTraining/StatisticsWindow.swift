/// Sums per-layer figure vectors over the updates of one log interval.
struct StatisticsWindow {
    private var sums: [String: [Double]] = [:]
    private var counts: [String: Int] = [:]

    mutating func add(_ figures: [String: [Double]]) {
        for (key, values) in figures {
            let sum = sums[key] ?? [Double](repeating: 0, count: values.count)
            guard sum.count == values.count else { continue }
            sums[key] = zip(sum, values).map(+)
            counts[key, default: 0] += 1
        }
    }

    /// Element-wise means since the last call (nil when nothing was recorded), then resets.
    mutating func takeMeans() -> [String: [Double]]? {
        defer { (sums, counts) = ([:], [:]) }
        guard !sums.isEmpty else { return nil }
        var means: [String: [Double]] = [:]
        for (key, sum) in sums {
            let count = Double(counts[key]!)
            means[key] = sum.map { $0 / count }
        }
        return means
    }
}
