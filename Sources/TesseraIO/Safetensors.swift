import Foundation

/// The safetensors format: an 8-byte little-endian header length, a JSON
/// header mapping each tensor name to its dtype, shape and byte range, then
/// the raw little-endian tensor data. PyTorch, NumPy and other tools read it
/// with the `safetensors` package, so Tessera checkpoints and binarized corpora
/// are portable.
public enum Safetensors {
    public enum DType: String, Sendable, CaseIterable {
        case f32 = "F32", i64 = "I64", i32 = "I32", u16 = "U16", u8 = "U8"

        public var size: Int {
            switch self {
            case .f32, .i32: 4
            case .i64: 8
            case .u16: 2
            case .u8: 1
            }
        }
    }

    public struct TensorInfo: Sendable, Equatable {
        public var dtype: DType
        public var shape: [Int]
        /// Byte range within the data section.
        public var range: Range<Int>

        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// Accumulates tensors, then writes them in one atomic file.
    public struct Writer {
        public var metadata: [String: String] = [:]
        private var entries: [(name: String, dtype: DType, shape: [Int], bytes: [UInt8])] = []

        public init(metadata: [String: String] = [:]) { self.metadata = metadata }

        public mutating func add<T: BitwiseCopyable>(_ name: String, dtype: DType, shape: [Int], values: UnsafeBufferPointer<T>) {
            precondition(MemoryLayout<T>.size == dtype.size, "element type does not match \(dtype)")
            precondition(shape.reduce(1, *) == values.count, "\(name): shape \(shape) does not match \(values.count) values")
            precondition(!entries.contains { $0.name == name } && name != "__metadata__", "duplicate tensor name \(name)")
            entries.append((name, dtype, shape, Array(UnsafeRawBufferPointer(values))))
        }

        public mutating func add(_ name: String, shape: [Int], floats: [Float]) {
            floats.withUnsafeBufferPointer { add(name, dtype: .f32, shape: shape, values: $0) }
        }

        /// The header JSON, tensors in insertion order, padded with spaces to a
        /// multiple of 8 bytes so the data section stays aligned.
        func header() -> [UInt8] {
            var offset = 0
            var fields: [String] = []
            if !metadata.isEmpty {
                let pairs = metadata.sorted { $0.key < $1.key }.map { "\(JSONText.quoted($0.key)):\(JSONText.quoted($0.value))" }
                fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
            }
            for entry in entries {
                let end = offset + entry.bytes.count
                fields.append("\(JSONText.quoted(entry.name)):{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(entry.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}")
                offset = end
            }
            var json = Array("{\(fields.joined(separator: ","))}".utf8)
            json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
            return json
        }

        public func write(to path: String) throws {
            let header = header()
            try AtomicFile.write(to: path) { handle in
                var length = UInt64(header.count).littleEndian
                try handle.write(contentsOf: Data(bytes: &length, count: 8))
                try handle.write(contentsOf: Data(header))
                for entry in entries { try handle.write(contentsOf: Data(entry.bytes)) }
            }
        }
    }

    /// A memory-mapped safetensors file, validated on open: a truncated,
    /// corrupt or foreign file is an InputError naming the file, never a crash.
    public final class File: @unchecked Sendable {
        public let path: String
        public let metadata: [String: String]
        public let tensors: [String: TensorInfo]
        private let base: UnsafeRawPointer
        private let mappedLength: Int
        private let dataStart: Int

        public init(path: String) throws(InputError) {
            func fail(_ message: String) -> InputError { InputError(file: path, message: message) }
            let fd = try InputFile.open(path)
            defer { close(fd) }
            var status = stat()
            guard fstat(fd, &status) == 0 else { throw fail("cannot stat: \(String(cString: strerror(errno)))") }
            // mmap needs a file of known size; a pipe or device would fail with "No such device".
            guard status.st_mode & S_IFMT == S_IFREG else { throw fail("not a regular file") }
            let size = Int(status.st_size)
            guard size >= 8 else { throw fail("not a safetensors file (only \(size) bytes)") }
            guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
                throw fail("cannot map: \(String(cString: strerror(errno)))")
            }
            let base = UnsafeRawPointer(mapped)
            do throws(InputError) {
                let headerLength = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
                // A real header is a JSON object of sane size; anything else is not our format.
                guard size == 8 || base.load(fromByteOffset: 8, as: UInt8.self) == UInt8(ascii: "{") else {
                    throw fail("not a safetensors file (no JSON object after the 8-byte header length)")
                }
                guard headerLength > 1, headerLength <= 100_000_000 else {
                    throw fail("not a safetensors file (header length \(headerLength))")
                }
                guard Int(headerLength) <= size - 8 else {
                    throw fail("truncated: header needs \(headerLength) bytes but the file has \(size - 8) after the length")
                }
                let headerBytes = UnsafeRawBufferPointer(start: base + 8, count: Int(headerLength))
                let parsed = try Self.parseHeader(Data(headerBytes), dataLength: size - 8 - Int(headerLength), fail: fail)
                self.path = path
                self.base = base
                self.mappedLength = size
                self.dataStart = 8 + Int(headerLength)
                self.metadata = parsed.metadata
                self.tensors = parsed.tensors
            } catch {
                munmap(mapped, size)
                throw error
            }
        }

        deinit { munmap(UnsafeMutableRawPointer(mutating: base), mappedLength) }

        /// Tensor names in file order.
        public var names: [String] { tensors.sorted { Self.fileOrder($0.value, $1.value) }.map(\.key) }

        /// Empty tensors share their offset with the next one, so order by both ends.
        private static func fileOrder(_ a: TensorInfo, _ b: TensorInfo) -> Bool {
            (a.range.lowerBound, a.range.upperBound) < (b.range.lowerBound, b.range.upperBound)
        }

        public func info(_ name: String) throws(InputError) -> TensorInfo {
            guard let info = tensors[name] else { throw InputError(file: path, message: "has no tensor '\(name)'") }
            return info
        }

        /// Calls `body` with the tensor's elements, read in place from the mapping.
        public func withValues<T: BitwiseCopyable, R>(_ name: String, as type: T.Type, dtype: DType,
                                                      _ body: (UnsafeBufferPointer<T>) throws -> R) throws -> R {
            let info = try info(name)
            guard info.dtype == dtype, MemoryLayout<T>.size == dtype.size else {
                throw InputError(file: path, message: "tensor '\(name)' has dtype \(info.dtype.rawValue), expected \(dtype.rawValue)")
            }
            let start = base + dataStart + info.range.lowerBound
            if Int(bitPattern: start) % MemoryLayout<T>.alignment == 0 {
                return try body(UnsafeBufferPointer(start: start.assumingMemoryBound(to: T.self), count: info.elementCount))
            }
            // Files written by other tools may not align every tensor.
            let copy = [T](unsafeUninitializedCapacity: info.elementCount) { buffer, count in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(start: start, count: info.range.count))
                count = info.elementCount
            }
            return try copy.withUnsafeBufferPointer(body)
        }

        public func floats(_ name: String) throws -> [Float] {
            try withValues(name, as: Float.self, dtype: .f32) { Array($0) }
        }

        private static func parseHeader(_ data: Data, dataLength: Int, fail: (String) -> InputError) throws(InputError)
            -> (metadata: [String: String], tensors: [String: TensorInfo]) {
            guard let object = try? JSONSerialization.jsonObject(with: data), let header = object as? [String: Any] else {
                throw fail("not a safetensors file (header is not a JSON object)")
            }
            var metadata: [String: String] = [:]
            var tensors: [String: TensorInfo] = [:]
            for (name, value) in header {
                if name == "__metadata__" {
                    guard let pairs = value as? [String: Any], let strings = pairs as? [String: String] else {
                        throw fail("corrupt header: __metadata__ must map strings to strings")
                    }
                    metadata = strings
                    continue
                }
                guard let fields = value as? [String: Any],
                      let dtypeName = fields["dtype"] as? String,
                      let shape = (fields["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                      let offsets = (fields["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                      offsets.count == 2, shape.count == (fields["shape"] as? [Any])?.count else {
                    throw fail("corrupt header: tensor '\(name)' lacks dtype, shape or data_offsets")
                }
                guard let dtype = DType(rawValue: dtypeName) else {
                    throw fail("tensor '\(name)' has dtype \(dtypeName), which Tessera does not read")
                }
                guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1] else {
                    throw fail("corrupt header: tensor '\(name)' has a negative size or offset")
                }
                let (count, overflow) = shape.reduce((1, false)) { acc, d in
                    let product = acc.0.multipliedReportingOverflow(by: d)
                    return (product.partialValue, acc.1 || product.overflow)
                }
                let bytes = count.multipliedReportingOverflow(by: dtype.size)
                guard !overflow, !bytes.overflow, offsets[1] - offsets[0] == bytes.partialValue else {
                    throw fail("corrupt header: tensor '\(name)' with shape \(shape) does not fill bytes \(offsets[0])..<\(offsets[1])")
                }
                guard offsets[1] <= dataLength else {
                    throw fail("truncated: tensor '\(name)' ends at byte \(offsets[1]) of a \(dataLength)-byte data section")
                }
                tensors[name] = TensorInfo(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
            }
            // The data section must be covered exactly, without overlaps or holes.
            var end = 0
            for info in tensors.values.sorted(by: fileOrder) {
                guard info.range.lowerBound == end else { throw fail("corrupt header: tensor byte ranges overlap or leave holes") }
                end = info.range.upperBound
            }
            guard end == dataLength else {
                throw fail("data section has \(dataLength) bytes but the tensors cover \(end)")
            }
            return (metadata, tensors)
        }
    }
}
