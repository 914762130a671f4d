import Foundation

/// Writes a file so readers see either the old file or the complete new one:
/// the data goes to a temporary file in the same directory, is flushed to
/// disk, then renamed over the destination.
public enum AtomicFile {
    public static func write(to path: String, _ body: (FileHandle) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(temporaryPrefix(of: url) + "\(getpid())")
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
            // A full disk or a file-size limit arrives as a POSIX error wrapped in a Cocoa one: say it plainly.
            let wrapped = error as NSError
            guard !(error is InputError),
                  let posix = [wrapped, wrapped.userInfo[NSUnderlyingErrorKey] as? NSError].compactMap({ $0 })
                      .first(where: { $0.domain == NSPOSIXErrorDomain }) else { throw error }
            throw InputError(file: path, message: "cannot write: \(String(cString: strerror(Int32(posix.code)))); the previous file is unchanged")
        }
    }

    private static func temporaryPrefix(of url: URL) -> String { ".\(url.lastPathComponent).tmp-" }

    /// Removes the temporary files of writes to `path` whose process is gone (killed
    /// mid-write); a live writer's file is left alone.
    public static func removeAbandonedTemporaries(of path: String) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        let prefix = temporaryPrefix(of: url)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }
}
