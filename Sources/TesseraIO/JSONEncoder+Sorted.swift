import Foundation

extension JSONEncoder {
    /// Sorted keys, so logs and metadata are byte-stable across runs.
    public static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
