#if canImport(Glibc)
import Glibc
#endif

/// Temperature-based sampling weights, as in multilingual NMT: a dataset with
/// n_i items gets probability ∝ (n_i / Σn)^(1/T). T = 1 keeps the natural
/// distribution; larger T flattens it so small languages or pairs are seen more.
public enum TemperatureSampling {
    public static func probabilities(counts: [Int], temperature: Double) -> [Double] {
        precondition(temperature > 0, "temperature must be positive")
        let total = Double(counts.reduce(0, +))
        guard total > 0 else { return counts.map { _ in 0 } }
        let weights = counts.map { $0 == 0 ? 0 : pow(Double($0) / total, 1 / temperature) }
        let sum = weights.reduce(0, +)
        return weights.map { $0 / sum }
    }

    /// Splits `total` draws among datasets by these probabilities; the
    /// remainders go to the largest fractional parts so the quotas sum to `total`.
    public static func quotas(counts: [Int], temperature: Double, total: Int) -> [Int] {
        let p = probabilities(counts: counts, temperature: temperature)
        let exact = p.map { $0 * Double(total) }
        var quotas = exact.map { Int($0.rounded(.down)) }
        let fraction = exact.map { $0 - $0.rounded(.down) }
        // Largest fraction first; ties keep dataset order, for determinism.
        let order = exact.indices.sorted { fraction[$0] != fraction[$1] ? fraction[$0] > fraction[$1] : $0 < $1 }
        for i in order.prefix(total - quotas.reduce(0, +)) where counts[i] > 0 { quotas[i] += 1 }
        return quotas
    }
}
