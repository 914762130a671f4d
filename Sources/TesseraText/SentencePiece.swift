import CSentencePiece
#if canImport(Glibc)
import Glibc
#endif

/// A loaded SentencePiece model. Encoding is thread-safe: the processor is
/// immutable once loaded, so one instance can serve concurrentPerform loops.
public final class SentencePiece: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let handle: OpaquePointer

    public init(path: String) throws(Failure) {
        var handle: OpaquePointer?
        var error: UnsafeMutablePointer<CChar>?
        guard tsr_spm_load(path, &handle, &error) == 0, let handle else {
            throw Failure(description: "\(path): cannot load SentencePiece model: \(Self.take(error))")
        }
        self.handle = handle
    }

    public init(serialized bytes: [UInt8]) throws(Failure) {
        var handle: OpaquePointer?
        var error: UnsafeMutablePointer<CChar>?
        let rc = bytes.withUnsafeBytes { raw in
            tsr_spm_load_bytes(raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count, &handle, &error)
        }
        guard rc == 0, let handle else {
            throw Failure(description: "cannot load SentencePiece model: \(Self.take(error))")
        }
        self.handle = handle
    }

    deinit { tsr_spm_close(handle) }

    /// Trains a model on `sentences` in memory and returns its serialized bytes, the
    /// contents of a .model file. No file is involved, so the model records no path and
    /// the same sentences and options give the same bytes wherever the caller runs.
    /// A sentence containing a newline counts as several, as in an input file.
    /// `options` are SentencePiece trainer flags without their dashes, e.g.
    /// [("vocab_size", "8000")]; "input" and "model_prefix" are refused.
    public static func train(sentences: [String], options: [(name: String, value: String)]) throws(Failure) -> [UInt8] {
        var error: UnsafeMutablePointer<CChar>?
        var model: UnsafeMutablePointer<CChar>?
        var bytes = 0
        let names = options.map { strdup($0.name) }
        let values = options.map { strdup($0.value) }
        defer { (names + values).forEach { free($0) } }
        let text = Array(sentences.joined(separator: "\n").utf8)
        let rc = names.map { UnsafePointer($0) }.withUnsafeBufferPointer { n in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { v in
                text.withUnsafeBytes { t in
                    tsr_spm_train(n.baseAddress, v.baseAddress, options.count,
                                  t.baseAddress?.assumingMemoryBound(to: CChar.self), t.count, &model, &bytes, &error)
                }
            }
        }
        guard rc == 0, let model else { throw Failure(description: "SentencePiece training failed: \(take(error))") }
        defer { tsr_spm_free(model) }
        return Array(UnsafeRawBufferPointer(start: model, count: bytes))
    }

    public var vocabularySize: Int { Int(tsr_spm_vocab_size(handle)) }
    public var unknownID: Int32 { tsr_spm_unk_id(handle) }
    public var beginID: Int32 { tsr_spm_bos_id(handle) }
    public var endID: Int32 { tsr_spm_eos_id(handle) }
    public var paddingID: Int32 { tsr_spm_pad_id(handle) }

    /// The id of `piece`, or nil when it is not in the vocabulary.
    public func id(of piece: String) -> Int32? {
        let id = tsr_spm_piece_to_id(handle, piece)
        return id == unknownID && piece != self.piece(of: unknownID) ? nil : id
    }

    public func piece(of id: Int32) -> String? {
        guard let p = tsr_spm_id_to_piece(handle, id) else { return nil }
        defer { tsr_spm_free(p) }
        return String(cString: p)
    }

    public func isByte(_ id: Int32) -> Bool { tsr_spm_is_byte(handle, id) != 0 }

    public func encode(_ text: String) throws(Failure) -> [Int32] {
        var text = text
        var ids = [Int32](repeating: 0, count: text.utf8.count + 8)
        var count = 0
        var error: UnsafeMutablePointer<CChar>?
        // Byte fallback can yield one id per UTF-8 byte plus a word-boundary
        // piece per word, so bytes + 8 is not a hard bound: retry on overflow.
        for _ in 0..<2 {
            let capacity = ids.count
            let rc = text.withUTF8 { utf8 in
                ids.withUnsafeMutableBufferPointer { out in
                    utf8.withMemoryRebound(to: CChar.self) { input in
                        tsr_spm_encode_ids(handle, input.baseAddress, input.count, out.baseAddress, capacity, &count, &error)
                    }
                }
            }
            guard rc == 0 else { throw Failure(description: "encode failed: \(Self.take(error))") }
            if count <= capacity {
                ids.removeSubrange(count...)
                return ids
            }
            ids = [Int32](repeating: 0, count: count)
        }
        throw Failure(description: "encode failed: output size changed between attempts")
    }

    public func encodePieces(_ text: String) throws(Failure) -> [String] {
        var text = text
        var buffer: UnsafeMutablePointer<CChar>?
        var bytes = 0, count = 0
        var error: UnsafeMutablePointer<CChar>?
        let rc = text.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { input in
                tsr_spm_encode_pieces(handle, input.baseAddress, input.count, &buffer, &bytes, &count, &error)
            }
        }
        guard rc == 0, let buffer else { throw Failure(description: "encode failed: \(Self.take(error))") }
        defer { tsr_spm_free(buffer) }
        let all = UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: bytes)
        return all.split(separator: 0, omittingEmptySubsequences: false).prefix(count).map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    /// The text of `ids` as one line: byte pieces such as `<0x0A>` can spell a line break, a
    /// tab or NUL, which would break the one-line-out-per-line-in contract, so control
    /// characters and line or paragraph separators become spaces.
    public func decode(_ ids: [Int32]) throws(Failure) -> String {
        var text: UnsafeMutablePointer<CChar>?
        var bytes = 0
        var error: UnsafeMutablePointer<CChar>?
        let rc = ids.withUnsafeBufferPointer { tsr_spm_decode_ids(handle, $0.baseAddress, $0.count, &text, &bytes, &error) }
        guard rc == 0, let text else { throw Failure(description: "decode failed: \(Self.take(error))") }
        defer { tsr_spm_free(text) }
        let decoded = String(decoding: UnsafeRawBufferPointer(start: text, count: bytes), as: UTF8.self)
        func breaksTheLine(_ scalar: Unicode.Scalar) -> Bool {
            [.control, .lineSeparator, .paragraphSeparator].contains(scalar.properties.generalCategory)
        }
        guard decoded.unicodeScalars.contains(where: breaksTheLine) else { return decoded }
        return String(String.UnicodeScalarView(decoded.unicodeScalars.map { breaksTheLine($0) ? " " : $0 }))
    }

    /// The model file's bytes, for hashing and for embedding in checkpoints.
    public func serialized() throws(Failure) -> [UInt8] { try copyOut(tsr_spm_serialized) }

    /// The vocabulary in the .vocab format SentencePiece's trainer writes: one
    /// "piece<TAB>score" line per id, in id order.
    public func vocabularyListing() throws(Failure) -> [UInt8] { try copyOut(tsr_spm_vocab_listing) }

    /// Copies out the malloc'd buffer that a shim function of this shape hands back.
    private func copyOut(_ function: (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, UnsafeMutablePointer<Int>?,
                                      UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32) throws(Failure) -> [UInt8] {
        var data: UnsafeMutablePointer<CChar>?
        var bytes = 0
        var error: UnsafeMutablePointer<CChar>?
        guard function(handle, &data, &bytes, &error) == 0, let data else {
            throw Failure(description: Self.take(error))
        }
        defer { tsr_spm_free(data) }
        return Array(UnsafeRawBufferPointer(start: data, count: bytes))
    }

    private static func take(_ error: UnsafeMutablePointer<CChar>?) -> String {
        guard let error else { return "unknown error" }
        defer { tsr_spm_free(error) }
        return String(cString: error)
    }
}
