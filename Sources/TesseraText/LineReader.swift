#if canImport(Glibc)
import TesseraIO
import Glibc
#endif

/// Streams a file or standard input line by line as raw bytes, so commands can
/// start writing output before EOF and never hold a whole corpus in memory.
/// A trailing "\r" (CRLF files) is not part of the line; a last line without
/// a newline still counts.
public final class LineReader {
    public let name: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8]
    /// Called before each blocking read, so writers can flush what is pending
    /// and a pipeline keeps moving line by line.
    public var beforeRead: (() -> Void)?

    /// Opens `path`; the error names the file.
    public init(path: String) throws(InputError) {
        let fd = try InputFile.open(path)
        self.name = path
        self.fd = fd
        self.ownsDescriptor = true
        self.buffer = []
    }

    /// Reads standard input; `name` is what errors call it.
    public init(standardInputNamed name: String = "<stdin>") {
        self.name = name
        self.fd = STDIN_FILENO
        self.ownsDescriptor = false
        self.buffer = []
    }

    deinit { if ownsDescriptor { close(fd) } }

    /// Calls `body` with each line and its 1-based number.
    public func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws {
        let chunk = 1 << 16
        var lineNumber = 0
        buffer.removeAll(keepingCapacity: true)
        var start = 0  // first byte of the unfinished line in `buffer`
        while true {
            beforeRead?()
            let previous = buffer.count
            buffer.reserveCapacity(previous + chunk)
            buffer.append(contentsOf: repeatElement(0, count: chunk))
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + previous, chunk) }
            if got < 0 {
                if errno == EINTR { buffer.removeSubrange(previous...); continue }
                throw InputError(file: name, message: "read failed: \(String(cString: strerror(errno)))")
            }
            buffer.removeSubrange((previous + got)...)
            if got == 0 { break }
            try buffer.withUnsafeBufferPointer { all in
                var i = previous
                while let newline = all[i...].firstIndex(of: UInt8(ascii: "\n")) {
                    lineNumber += 1
                    try body(Self.trimCR(UnsafeBufferPointer(rebasing: all[start..<newline])), lineNumber)
                    start = newline + 1
                    i = start
                }
            }
            buffer.removeSubrange(..<start)
            start = 0
        }
        if !buffer.isEmpty {
            lineNumber += 1
            try buffer.withUnsafeBufferPointer { try body(Self.trimCR($0), lineNumber) }
        }
    }

    private static func trimCR(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let last = line.last, last == UInt8(ascii: "\r") else { return line }
        return UnsafeBufferPointer(rebasing: line.dropLast())
    }

    /// Reads every line of `path` as a validated String.
    /// Invalid UTF-8 is an error naming the file and line.
    public static func readLines(path: String) throws -> [String] {
        let reader = try LineReader(path: path)
        var lines: [String] = []
        try reader.forEachLine { bytes, number in
            guard let line = String(validating: bytes, as: UTF8.self) else {
                throw InputError(file: path, line: number, message: "invalid UTF-8")
            }
            lines.append(line)
        }
        return lines
    }
}

/// Buffered writer to a file descriptor (standard output by default).
public final class LineWriter {
    private let fd: Int32
    private var buffer: [UInt8] = []

    public init(fileDescriptor: Int32 = STDOUT_FILENO) {
        self.fd = fileDescriptor
        buffer.reserveCapacity(1 << 16)
    }

    deinit { flush() }

    public func write(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    public func writeLine(_ bytes: some Collection<UInt8>) {
        write(bytes)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { flush() }
    }

    public func writeLine(_ text: String) { writeLine(text.utf8) }

    public func flush() {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            // A closed pipe (e.g. `| head`) ends output quietly; nothing else to do.
            if n <= 0 { break }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
