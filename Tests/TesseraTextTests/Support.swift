import Foundation

/// Paths and a process runner shared by the tests.
enum TestSupport {
    /// End-to-end tests that take a minute or more run when TESSERA_SLOW_TESTS=1 or under CI.
    static let runsSlowTests = ProcessInfo.processInfo.environment["TESSERA_SLOW_TESTS"] == "1"
        || ProcessInfo.processInfo.environment["CI"] != nil
    /// The package root, found from this file's location.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `tessera` binary built alongside the test bundle (`swift test` builds every product).
    static var tesseraBinary: URL {
        let bundleDirectory = Bundle.main.bundleURL.deletingLastPathComponent()
        for directory in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("tessera")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return repositoryRoot.appendingPathComponent(".build/debug/tessera")
    }

    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `tessera` with `arguments`, feeding `input` on stdin; `environment` changes the
    /// test's own environment (a nil value removes the variable).
    static func tessera(_ arguments: [String], input: Data = Data(), in directory: URL? = nil,
                        environment: [String: String?] = [:]) throws -> Output {
        try run(tesseraBinary.path, arguments, input: input, in: directory, environment: environment)
    }

    /// Runs any program as `tessera(…)` runs tessera.
    static func run(_ executable: String, _ arguments: [String], input: Data = Data(), in directory: URL? = nil,
                    environment: [String: String?] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            var merged = ProcessInfo.processInfo.environment
            for (key, value) in environment { merged[key] = value }
            process.environment = merged
        }
        if let directory { process.currentDirectoryURL = directory }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Write and read concurrently so large inputs cannot deadlock on full pipes.
        let writer = Thread {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let errorData = ErrorCollector(stderr.fileHandleForReading)
        let outData = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: outData, stderr: errorData.wait())
    }

    /// A fresh temporary directory, removed by the caller when done.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// An empty directory for a fixture shared by a whole suite. Its fixed name means each run
    /// replaces the previous run's copy instead of leaving one more behind.
    static func fixtureDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-fixture-\(name)")
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Reads a pipe to its end on a background thread.
final class ErrorCollector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }.start()
    }

    func wait() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}
