import Foundation

/// The CPU's instruction-set extensions as Linux names them in /proc/cpuinfo's `flags` line, which
/// lists AVX and AVX-512 only when the kernel saves their registers, so a listed flag is usable.
public enum CPUFeatures {
    public static let flags: Set<Substring> = {
        #if arch(x86_64) && os(Linux)
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: " "))
        #else
        return []
        #endif
    }()
}
