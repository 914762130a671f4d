import Foundation
import Testing
import TesseraIO

@Suite struct SafetensorsTests {
    private func temporaryFile(_ name: String = "t.safetensors") throws -> (URL, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (directory, directory.appendingPathComponent(name))
    }

    private func sampleWriter() -> Safetensors.Writer {
        var writer = Safetensors.Writer(metadata: ["config": "{\"layers\": 3}", "quote\"key": "line\nbreak"])
        writer.add("encoder.embed_tokens.weight", shape: [3, 2], floats: [1, -2, 3.5, .pi, -0.0, 1e-30])
        writer.add("scalar", shape: [], floats: [42])
        writer.add("empty", shape: [0, 4], floats: [])
        let ids: [Int64] = [0, 5, Int64.max]
        ids.withUnsafeBufferPointer { writer.add("offsets", dtype: .i64, shape: [3], values: $0) }
        let tokens: [UInt16] = [7, 65535, 1]
        tokens.withUnsafeBufferPointer { writer.add("tokens", dtype: .u16, shape: [3], values: $0) }
        return writer
    }

    @Test func roundTrip() throws {
        let (directory, url) = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        try sampleWriter().write(to: url.path)
        let file = try Safetensors.File(path: url.path)
        #expect(file.metadata == ["config": "{\"layers\": 3}", "quote\"key": "line\nbreak"])
        #expect(file.names == ["encoder.embed_tokens.weight", "scalar", "empty", "offsets", "tokens"])
        let weights = try file.floats("encoder.embed_tokens.weight")
        #expect(weights.map(\.bitPattern) == [1, -2, 3.5, Float.pi, -0.0, 1e-30].map(\.bitPattern))
        #expect(try file.info("encoder.embed_tokens.weight").shape == [3, 2])
        #expect(try file.floats("scalar") == [42])
        #expect(try file.floats("empty").isEmpty)
        #expect(try file.withValues("offsets", as: Int64.self, dtype: .i64) { Array($0) } == [0, 5, Int64.max])
        #expect(try file.withValues("tokens", as: UInt16.self, dtype: .u16) { Array($0) } == [7, 65535, 1])
        // Header length is a multiple of 8 so data stays aligned.
        let bytes = try Data(contentsOf: url)
        #expect(bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } % 8 == 0)
        // The same tensors give the same bytes.
        let (other, url2) = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: other) }
        try sampleWriter().write(to: url2.path)
        #expect(try Data(contentsOf: url2) == bytes)
    }

    @Test func wrongAccessIsAnError() throws {
        let (directory, url) = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        try sampleWriter().write(to: url.path)
        let file = try Safetensors.File(path: url.path)
        #expect(throws: InputError.self) { try file.floats("tokens") }
        #expect(throws: InputError.self) { try file.floats("missing") }
    }

    private func expectOpenError(_ bytes: [UInt8], contains message: String) throws {
        let (directory, url) = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(bytes).write(to: url)
        do {
            _ = try Safetensors.File(path: url.path)
            Issue.record("expected an error containing '\(message)'")
        } catch {
            #expect(error.description.hasPrefix(url.path + ": "))
            #expect(error.description.contains(message), "got: \(error)")
        }
    }

    private func validBytes() throws -> [UInt8] {
        let (directory, url) = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        try sampleWriter().write(to: url.path)
        return Array(try Data(contentsOf: url))
    }

    private func file(header: String, data: Int) -> [UInt8] {
        var length = UInt64(header.utf8.count).littleEndian
        return Array(Data(bytes: &length, count: 8)) + Array(header.utf8) + [UInt8](repeating: 0, count: data)
    }

    @Test func rejectsTruncatedCorruptAndForeignFiles() throws {
        let valid = try validBytes()
        try expectOpenError(Array(valid.dropLast(3)), contains: "truncated")
        try expectOpenError(Array(valid.prefix(20)), contains: "truncated")
        try expectOpenError(Array(valid.prefix(5)), contains: "not a safetensors file")
        try expectOpenError([], contains: "not a safetensors file")
        try expectOpenError(Array("PK\u{3}\u{4} this is a zip, not tensors at all".utf8), contains: "not a safetensors file")
        try expectOpenError(file(header: "[1,2,3]", data: 0), contains: "not a safetensors file (no JSON object after the 8-byte header length)")
        try expectOpenError(file(header: "{not json", data: 0), contains: "not a JSON object")
        try expectOpenError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", data: 4),
                            contains: "does not fill bytes")
        try expectOpenError(file(header: "{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", data: 4),
                            contains: "dtype BF16")
        try expectOpenError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: 4),
                            contains: "overlap")
        try expectOpenError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: 8),
                            contains: "cover 4")
        try expectOpenError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", data: 4),
                            contains: "does not fill")
        try expectOpenError(file(header: "{\"__metadata__\":{\"a\":1}}", data: 0), contains: "__metadata__")
        try expectOpenError(file(header: "{\"a\":{\"shape\":[1]}}", data: 0), contains: "lacks dtype")
        let (directory, _) = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: InputError(file: directory.path, message: "is a directory, not a file")) { try Safetensors.File(path: directory.path) }
        #expect(throws: InputError(file: "/dev/null", message: "not a regular file")) { try Safetensors.File(path: "/dev/null") }
    }

    @Test func failedWriteLeavesOldFileIntact() throws {
        let (directory, url) = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        try sampleWriter().write(to: url.path)
        let before = try Data(contentsOf: url)
        struct Boom: Error {}
        #expect(throws: Boom.self) { try AtomicFile.write(to: url.path) { _ in throw Boom() } }
        #expect(try Data(contentsOf: url) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["t.safetensors"])
    }
}

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(input: String, digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test func incrementalEqualsOneShot() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hasher = SHA256()
        for chunk in stride(from: 0, to: bytes.count, by: 37) { hasher.update(bytes[chunk..<min(chunk + 37, bytes.count)]) }
        #expect(hasher.finalizeHex() == SHA256.hex(bytes))
        #expect(SHA256.hex(Array(repeating: UInt8(ascii: "a"), count: 1_000_000)) ==
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
