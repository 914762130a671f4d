/// Sequences of token ids padded to one length, row-major [count, length].
public struct TokenBatch: Equatable, Sendable {
    public let ids: [Int32]
    public let count: Int
    public let length: Int
    /// [count, length]: 1 where the position is padding.
    public let padding: [Int32]

    /// Pads `sequences` at the end with `paddingID`.
    public init(_ sequences: [[Int32]], paddingID: Int32) {
        count = sequences.count
        length = sequences.map(\.count).max() ?? 0
        var ids = [Int32](repeating: paddingID, count: count * length)
        var padding = [Int32](repeating: 1, count: count * length)
        for (row, sequence) in sequences.enumerated() {
            for (column, id) in sequence.enumerated() {
                ids[row * length + column] = id
                padding[row * length + column] = 0
            }
        }
        self.ids = ids
        self.padding = padding
    }

    /// Real (non-padding) tokens.
    public var tokenCount: Int { padding.lazy.filter { $0 == 0 }.count }
}
