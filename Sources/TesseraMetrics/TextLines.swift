import Foundation

/// Lines of valid UTF-8 text in one contiguous buffer, so scoring can read any
/// line without per-line allocations and from several threads at once.
public struct TextLines: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// offsets[i]..<offsets[i + 1] is line i (without its terminator).
    public private(set) var offsets: [Int] = [0]

    public init() {}

    public init<S: Sequence>(_ lines: S) where S.Element: StringProtocol {
        for line in lines { append(line.utf8) }
    }

    public var count: Int { offsets.count - 1 }

    public mutating func append<C: Collection>(_ utf8: C) where C.Element == UInt8 {
        bytes.append(contentsOf: utf8)
        offsets.append(bytes.count)
    }

    public subscript(i: Int) -> String {
        String(decoding: bytes[offsets[i]..<offsets[i + 1]], as: UTF8.self)
    }

    /// Calls `body` with the bytes of line `i`.
    @inline(__always)
    func withLine<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        bytes.withUnsafeBufferPointer { all in
            body(UnsafeBufferPointer(rebasing: all[offsets[i]..<offsets[i + 1]]))
        }
    }
}

/// Line splitting as Python's text reading does it.
public enum LineBreaks: Sendable {
    /// Only "\n" ends a line (sacreBLEU opens files with newline="\n").
    case newlineOnly
    /// "\n", "\r\n" and "\r" all end a line (Python's universal newlines, which
    /// sacreBLEU's standard input reader uses).
    case universal
}

extension TextLines {
    /// Splits raw file contents into lines, validating UTF-8 and stripping trailing
    /// whitespace from each line as sacreBLEU does (`line.rstrip()`).
    /// Throws a `MetricsError` naming `name` and the 1-based line of the first problem.
    public static func parse(_ data: [UInt8], name: String, lineBreaks: LineBreaks,
                             rstrip: Bool = true) throws(MetricsError) -> TextLines {
        var lines = TextLines()
        lines.bytes.reserveCapacity(data.count)
        var failure: Int?
        data.withUnsafeBufferPointer { all in
            var start = 0, i = 0
            func emit(_ end: Int) -> Bool {
                let line = UnsafeBufferPointer(rebasing: all[start..<end])
                guard UTF8Validation.isValid(line) else { failure = lines.count + 1; return false }
                lines.append(UnsafeBufferPointer(rebasing: line[0..<(rstrip ? PythonText.rstrippedCount(line) : line.count)]))
                return true
            }
            while i < all.count {
                let b = all[i]
                if b == 0x0A || (b == 0x0D && lineBreaks == .universal) {
                    guard emit(i) else { return }
                    i += (b == 0x0D && i + 1 < all.count && all[i + 1] == 0x0A) ? 2 : 1
                    start = i
                } else {
                    i += 1
                }
            }
            if start < all.count { _ = emit(all.count) }
        }
        if let failure { throw MetricsError(file: name, line: failure, message: "invalid UTF-8") }
        return lines
    }

    /// Reads and parses a file (see `parse`).
    public static func read(file path: String, lineBreaks: LineBreaks = .newlineOnly) throws(MetricsError) -> TextLines {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw MetricsError(file: path, message: isDirectory.boolValue ? "is a directory"
                               : exists ? "cannot be read" : "no such file")
        }
        return try parse([UInt8](data), name: path, lineBreaks: lineBreaks)
    }
}

/// Strict UTF-8 validation with the rules of Python's decoder: no overlong
/// forms, no surrogates, nothing above U+10FFFF.
enum UTF8Validation {
    static func isValid(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = s.count
        while i < n {
            let b0 = s[i]
            if b0 < 0x80 { i += 1; continue }
            func cont(_ k: Int) -> Bool { i + k < n && s[i + k] & 0xC0 == 0x80 }
            switch b0 {
            case 0xC2...0xDF:
                guard cont(1) else { return false }
                i += 2
            case 0xE0...0xEF:
                guard cont(1), cont(2) else { return false }
                let b1 = s[i + 1]
                if b0 == 0xE0 && b1 < 0xA0 { return false }  // overlong
                if b0 == 0xED && b1 >= 0xA0 { return false }  // surrogate
                i += 3
            case 0xF0...0xF4:
                guard cont(1), cont(2), cont(3) else { return false }
                let b1 = s[i + 1]
                if b0 == 0xF0 && b1 < 0x90 { return false }  // overlong
                if b0 == 0xF4 && b1 >= 0x90 { return false }  // above U+10FFFF
                i += 4
            default:
                return false
            }
        }
        return true
    }
}
