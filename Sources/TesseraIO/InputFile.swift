import Foundation

/// Opening a file a user named, with errors that say what is wrong with it: Foundation
/// reports a directory as "NSCocoaErrorDomain error 256", mmap as "No such device".
public enum InputFile {
    /// A read-only descriptor of `path`, which must not be a directory (pipes and
    /// devices are fine for streaming readers).
    public static func open(_ path: String) throws(InputError) -> Int32 {
        let fd = Glibc.open(path, O_RDONLY)
        guard fd >= 0 else { throw InputError(file: path, message: "cannot open: \(String(cString: strerror(errno)))") }
        var status = stat()
        if fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            close(fd)
            throw InputError(file: path, message: "is a directory, not a file")
        }
        return fd
    }

    /// The whole of `path`.
    public static func read(_ path: String) throws(InputError) -> Data {
        let fd = try open(path)
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw InputError(file: path, message: "cannot read: \(error.localizedDescription)")
        }
    }
}
