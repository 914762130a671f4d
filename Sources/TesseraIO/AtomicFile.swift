import Foundation

/// Writes a file so readers see either the old file or the complete new one:
/// the data goes to a temporary file in the same directory, is flushed to
/// disk, then renamed over the destination.
public enum AtomicFile {
    public static func write(to path: String, _ body: (FileHandle) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw InputError(file: path, message: "cannot create \(temporary.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            try body(handle)
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, path) == 0 else {
                throw InputError(file: path, message: "cannot replace: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}
