import Foundation

/// Lines of valid UTF-8 text in one contiguous buffer, so scoring can read any
/// line without per-line allocations and from several threads at once.
public struct TextLines: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Where each line (without its terminator and stripped whitespace) lies in `bytes`.
    public private(set) var spans: [Range<Int>] = []

    public init() {}

    public init<S: Sequence>(_ lines: S) where S.Element: StringProtocol {
        for line in lines { append(line.utf8) }
    }

    public var count: Int { spans.count }

    public mutating func append<C: Collection>(_ utf8: C) where C.Element == UInt8 {
        let start = bytes.count
        bytes.append(contentsOf: utf8)
        spans.append(start..<bytes.count)
    }

    public subscript(i: Int) -> String {
        String(decoding: bytes[spans[i]], as: UTF8.self)
    }

    /// Calls `body` with the bytes of line `i`.
    @inline(__always)
    func withLine<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        bytes.withUnsafeBufferPointer { all in body(UnsafeBufferPointer(rebasing: all[spans[i]])) }
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
        var failure: Int?
        data.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else { return }
            var start = 0
            func emit(_ end: Int) -> Bool {
                let line = UnsafeBufferPointer(rebasing: all[start..<end])
                guard UTF8Validation.isValid(line) else { failure = lines.count + 1; return false }
                lines.spans.append(start..<(start + (rstrip ? PythonText.rstrippedCount(line) : line.count)))
                return true
            }
            while start < all.count {
                // The next "\n" (and, for universal newlines, "\r") ends the line.
                var end = start
                if lineBreaks == .newlineOnly {
                    let hit = memchr(base + start, 0x0A, all.count - start)
                    end = hit.map { UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - base } ?? all.count
                } else {
                    while end < all.count && all[end] != 0x0A && all[end] != 0x0D { end += 1 }
                }
                guard emit(end) else { return }
                start = end + (end < all.count && all[end] == 0x0D && end + 1 < all.count && all[end + 1] == 0x0A ? 2 : 1)
            }
        }
        if let failure { throw MetricsError(file: name, line: failure, message: "invalid UTF-8") }
        lines.bytes = data
        return lines
    }

    /// Reads and parses a file (see `parse`).
    public static func read(file path: String, lineBreaks: LineBreaks = .newlineOnly) throws(MetricsError) -> TextLines {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw MetricsError(file: path, message: errno == ENOENT ? "no such file" : String(cString: strerror(errno)))
        }
        defer { close(fd) }
        // Read straight into the array the lines will live in: no second copy.
        // One spare byte lets the read that finds the end of file need no growth.
        var info = stat()
        let size = fstat(fd, &info) == 0 && info.st_size > 0 ? Int(info.st_size) : 0
        var data = [UInt8](repeating: 0, count: size + 1)
        var filled = 0
        while true {
            if filled == data.count { data.append(contentsOf: repeatElement(0, count: max(data.count, 1 << 16))) }
            let got = data.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            guard got >= 0 else { throw MetricsError(file: path, message: String(cString: strerror(errno))) }
            if got == 0 { break }
            filled += got
        }
        data.removeLast(data.count - filled)
        return try parse(data, name: path, lineBreaks: lineBreaks)
    }
}

/// Strict UTF-8 validation with the rules of Python's decoder: no overlong
/// forms, no surrogates, nothing above U+10FFFF.
enum UTF8Validation {
    static func isValid(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = s.count
        // Eight ASCII bytes at a time first: most text is mostly ASCII.
        if let base = s.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n && raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
        }
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
