import TesseraIO

/// Maps every line of a reader through `transform` on all cores and writes the
/// results in input order, one output line per input line. Work goes in
/// batches, so output streams while input is still arriving. If a line fails,
/// every line before it is written first, then the error is thrown.
public enum ParallelLineMap {
    public static func run(reader: LineReader, writer: LineWriter, batchSize: Int = 2048,
                           transform: @escaping @Sendable (UnsafeBufferPointer<UInt8>, Int) throws -> [UInt8]) throws {
        var batch: [[UInt8]] = []
        var firstLine = 1
        batch.reserveCapacity(batchSize)

        func flushBatch() throws {
            let results = mapInOrder(batch, firstLine: firstLine, transform: transform)
            for result in results {
                switch result {
                case .success(let bytes): writer.writeLine(bytes)
                case .failure(let error): writer.flush(); throw error
                }
            }
            firstLine += batch.count
            batch.removeAll(keepingCapacity: true)
        }

        // A pipe feeding lines slowly still sees output for what it sent.
        reader.beforeRead = { writer.flush() }
        try reader.forEachLine { bytes, _ in
            batch.append(Array(bytes))
            if batch.count == batchSize { try flushBatch() }
        }
        try flushBatch()
        writer.flush()
    }

    private static func mapInOrder(_ lines: [[UInt8]], firstLine: Int,
                                   transform: @escaping @Sendable (UnsafeBufferPointer<UInt8>, Int) throws -> [UInt8])
        -> [Result<[UInt8], Error>] {
        OrderedParallel.results(count: lines.count, chunkSize: 64) { index in
            try lines[index].withUnsafeBufferPointer { try transform($0, firstLine + index) }
        }
    }
}
