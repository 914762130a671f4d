/// Foundation's JSON parsers keep the last of two equal keys in an object without a word,
/// so a recipe with two "data" sections would silently lose one. This finds the first
/// such key in text that already parsed as JSON.
public enum JSONDuplicateKeys {
    /// The first repeated key and the 1-based line it repeats on; nil when there is none.
    public static func first(in bytes: some Collection<UInt8>) -> (key: String, line: Int)? {
        // One frame per open container: the keys of an object so far (nil for an array).
        var frames: [Set<[UInt8]>?] = []
        var line = 1
        var iterator = bytes.makeIterator()
        var expectingKey = false
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "\n"): line += 1
            case UInt8(ascii: "{"): frames.append([]); expectingKey = true
            case UInt8(ascii: "["): frames.append(nil); expectingKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"): frames.removeLast(); expectingKey = false
            case UInt8(ascii: ","): expectingKey = frames.last.map { $0 != nil } ?? false
            case UInt8(ascii: "\""):
                // The raw bytes up to the closing quote; escapes are kept as written, which
                // can only miss a duplicate spelt two ways, never invent one.
                var string: [UInt8] = []
                while let next = iterator.next(), next != UInt8(ascii: "\"") {
                    string.append(next)
                    if next == UInt8(ascii: "\\"), let escaped = iterator.next() { string.append(escaped) }
                }
                guard expectingKey, var keys = frames.last ?? nil else { continue }
                expectingKey = false
                guard keys.insert(string).inserted else { return (String(decoding: string, as: UTF8.self), line) }
                frames[frames.count - 1] = keys
            default: break
            }
        }
        return nil
    }
}
