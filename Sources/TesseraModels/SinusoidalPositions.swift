import Foundation

/// The Transformer's fixed sinusoidal position table [maxPositions, d]:
/// sin on the first half of the dimensions and cos on the second, with
/// frequencies 10000^(−i/(d/2−1)) as in fairseq's SinusoidalPositionalEmbedding.
public struct SinusoidalPositions: Sendable {
    public let dimension: Int
    public let table: [Float]

    public init(count: Int, dimension: Int) {
        self.dimension = dimension
        let half = dimension / 2
        let step = log(10000.0) / Double(max(half - 1, 1))
        var table = [Float](repeating: 0, count: count * dimension)
        for position in 0..<count {
            for i in 0..<half {
                let angle = Double(position) * exp(Double(i) * -step)
                table[position * dimension + i] = Float(sin(angle))
                table[position * dimension + half + i] = Float(cos(angle))
            }
        }
        self.table = table
    }

    /// Rows start..<start+count, flattened.
    public func rows(_ start: Int, _ count: Int) -> ArraySlice<Float> {
        table[(start * dimension)..<((start + count) * dimension)]
    }
}
