import Foundation

/// The fixtures written by recipes/make-bleu-fixtures.sh from sacreBLEU 2.6.0.
enum Fixtures {
    static let directory: URL = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    /// Parses one JSON object per line.
    static func jsonLines(_ name: String) -> [[String: Any]] {
        let text = try! String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        return text.split(separator: "\n").map {
            try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    static func lines(_ name: String) -> [Substring] {
        let text = try! String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        return text.split(separator: "\n")
    }

    /// sacreBLEU writes its own version into signatures; Tessera writes its scorer's.
    static func withTesseraVersion(_ sacrebleuOutput: String) -> String {
        sacrebleuOutput
            .replacingOccurrences(of: "version:2.6.0", with: "version:tessera-0.1.0")
            .replacingOccurrences(of: "v:2.6.0", with: "v:tessera-0.1.0")
            .replacingOccurrences(of: "\"version\": \"2.6.0\"", with: "\"version\": \"tessera-0.1.0\"")
    }
}
