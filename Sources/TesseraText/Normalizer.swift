import TesseraIO
import CICU

/// Tessera's line normalization: ICU NFKC, control and zero-width (format)
/// characters removed, whitespace collapsed to single spaces and trimmed, and
/// U+2581 (SentencePiece's space marker) written as "_" so that encoding
/// then decoding any normalized line gives it back exactly.
/// Corpus preparation, vocabulary training and translation all call this one
/// function so that training and inference text agree byte for byte.
public enum Normalizer {
    public enum Failure: Error, Equatable {
        case invalidUTF8
        case icu(code: Int64)
    }

    /// Normalizes one line given as UTF-8 bytes (without its newline).
    public static func normalize(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> [UInt8] {
        // NFKC can expand text (e.g. "㍿" becomes four characters); start with
        // room for modest growth and retry once with the exact size if needed.
        var output = [UInt8](repeating: 0, count: bytes.count * 3 + 16)
        for _ in 0..<2 {
            var needed = 0
            let written = bytes.withMemoryRebound(to: CChar.self) { input in
                output.withUnsafeMutableBufferPointer { out in
                    out.withMemoryRebound(to: CChar.self) { out in
                        tsr_normalize_line(input.baseAddress, input.count, out.baseAddress, out.count, &needed)
                    }
                }
            }
            switch written {
            case 0...:
                output.removeSubrange(Int(written)...)
                return output
            case Int64(TSR_ERR_INVALID_UTF8):
                throw .invalidUTF8
            case Int64(TSR_ERR_BUFFER_TOO_SMALL):
                output = [UInt8](repeating: 0, count: needed + 1)
            default:
                throw .icu(code: written)
            }
        }
        throw .icu(code: Int64(TSR_ERR_BUFFER_TOO_SMALL))
    }

    /// Normalizes one line of an input, reporting a problem by file and line.
    public static func normalize(utf8 bytes: UnsafeBufferPointer<UInt8>, file: String, line: Int) throws(InputError) -> [UInt8] {
        do {
            return try normalize(utf8: bytes)
        } catch .invalidUTF8 {
            throw InputError(file: file, line: line, message: "invalid UTF-8")
        } catch {
            throw InputError(file: file, line: line, message: "ICU normalization failed (\(error))")
        }
    }

    /// Normalizes a Swift string (always valid UTF-8).
    public static func normalize(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            // A Swift String is valid UTF-8, so only an ICU failure can throw here,
            // and ICU fails only on allocation failure.
            guard let out = try? normalize(utf8: bytes) else {
                fatalError("ICU normalization failed on valid UTF-8")
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
