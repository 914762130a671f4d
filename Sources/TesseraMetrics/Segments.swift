/// A hypothesis stream and its reference streams (one per reference set), as
/// sacreBLEU takes them: references[r][i] is reference r of segment i.
public struct Segments: Sendable {
    public let hypotheses: TextLines
    public let references: [TextLines]

    /// Fails when a reference stream's length differs from the hypotheses'.
    public init(hypotheses: TextLines, references: [TextLines]) throws(MetricsError) {
        guard !references.isEmpty else { throw MetricsError(message: "no reference stream given") }
        for stream in references where stream.count != hypotheses.count {
            throw MetricsError(message: "System and reference streams have different lengths "
                               + "(\(hypotheses.count) hypotheses, \(stream.count) references).")
        }
        self.hypotheses = hypotheses
        self.references = references
    }

    public init(hypotheses: [String], references: [[String]]) throws(MetricsError) {
        try self.init(hypotheses: TextLines(hypotheses), references: references.map { TextLines($0) })
    }

    public var count: Int { hypotheses.count }

    /// Calls `body` with segment i's hypothesis and references.
    @inline(__always)
    func with<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>, [UnsafeBufferPointer<UInt8>]) -> R) -> R {
        // Nested so that every buffer pointer is used only inside its own withLine call.
        var refs: [UnsafeBufferPointer<UInt8>] = []
        refs.reserveCapacity(references.count)
        func nest(_ r: Int) -> R {
            guard r < references.count else { return hypotheses.withLine(i) { body($0, refs) } }
            return references[r].withLine(i) { line in
                refs.append(line)
                return nest(r + 1)
            }
        }
        return nest(0)
    }
}

/// Per-thread state that turns one segment into its metric statistics.
protocol SegmentWorker {
    associatedtype Statistics
    mutating func statistics(hypothesis: UnsafeBufferPointer<UInt8>, references: [UnsafeBufferPointer<UInt8>]) -> Statistics
}

extension SegmentWorker {
    mutating func statistics(_ segments: Segments, _ i: Int) -> Statistics {
        segments.with(i) { hyp, refs in statistics(hypothesis: hyp, references: refs) }
    }
}

/// Lowercasing and right-stripping, with a buffer reused from line to line.
struct Preprocessor {
    var lowercase: Bool
    var rstrip: Bool
    private var lowered: [UInt8] = []

    init(lowercase: Bool, rstrip: Bool) {
        self.lowercase = lowercase
        self.rstrip = rstrip
    }

    /// Python's `sent.lower()` (when enabled) then `.rstrip()` (when enabled).
    mutating func apply<R>(_ line: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        func stripped(_ text: UnsafeBufferPointer<UInt8>) -> R {
            rstrip ? body(UnsafeBufferPointer(rebasing: text[0..<PythonText.rstrippedCount(text)])) : body(text)
        }
        guard lowercase else { return stripped(line) }
        PythonText.lowercase(line, into: &lowered)
        return lowered.withUnsafeBufferPointer(stripped)
    }
}

/// Anything that rewrites a line into whitespace-separated tokens.
protocol LineTokenizer {
    func apply<R>(_ line: UnsafeBufferPointer<UInt8>, scratch: inout TokenizerScratch,
                  _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R
}

extension Tokenizer: LineTokenizer {}

enum TokenIDs {
    /// Preprocesses and tokenizes `line`, then interns its tokens (Python's
    /// `str.split()` of the tokenized text) into `ids`.
    static func collect<T: LineTokenizer>(_ line: UnsafeBufferPointer<UInt8>, preprocessor: inout Preprocessor,
                                          tokenizer: T, scratch: inout TokenizerScratch,
                                          interner: LineInterner, into ids: inout [Int32]) {
        ids.removeAll(keepingCapacity: true)
        preprocessor.apply(line) { text in
            tokenizer.apply(text, scratch: &scratch) { tokenized in
                PythonText.forEachToken(tokenized) { range in
                    ids.append(interner.token(UnsafeBufferPointer(rebasing: tokenized[range])))
                }
            }
        }
    }
}
