/// Helpers for JSON configuration sections where every key has a default:
/// a recipe names only what it changes, and a misspelt key is an error
/// instead of a silently ignored setting.
extension KeyedDecodingContainer {
    /// Replaces `value` with the key's value when the key is present.
    public func update<T: Decodable>(_ value: inout T, _ key: Key) throws {
        do {
            if let decoded = try decodeIfPresent(T.self, forKey: key) { value = decoded }
        } catch {
            // Foundation's parser throws a private error for a number that is not a whole one
            // (1.5 for an Int), which ends up as "not valid JSON" with no key: name both instead.
            guard T.self is any BinaryInteger.Type, !(error is DecodingError), let number = try? decode(Double.self, forKey: key) else {
                throw error
            }
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "must be a whole number, not \(number)")
        }
    }
}

extension Decoder {
    /// Throws when the JSON object has keys that `Keys` does not list.
    public func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_: Keys.Type) throws {
        let present = try container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        let known = Set(Keys.allCases.map(\.stringValue))
        if let unknown = present.sorted().first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath,
                debugDescription: "unknown key '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))"))
        }
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
