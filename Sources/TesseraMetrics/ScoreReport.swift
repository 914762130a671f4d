import Foundation
import TesseraIO

/// Tessera's scorer version, written into every signature in place of
/// sacreBLEU's own version so a Tessera score is never mistaken for one
/// computed by sacreBLEU.
public let scorerVersion = "tessera-0.1.0"

/// sacreBLEU's reproducibility signature: "nrefs:1|case:mixed|...|version:...".
public struct Signature: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public var key: String
        public var shortKey: String
        public var value: String
    }

    /// The metric's fields, in sacreBLEU's order; nrefs comes first and version last.
    public var fields: [Field]

    init(referenceCount: Int?, _ metricFields: [(key: String, shortKey: String, value: String)]) {
        fields = [Field(key: "nrefs", shortKey: "#", value: referenceCount.map(String.init) ?? "var")]
        fields += metricFields.map { Field(key: $0.key, shortKey: $0.shortKey, value: $0.value) }
        fields.append(Field(key: "version", shortKey: "v", value: scorerVersion))
    }

    public func format(short: Bool = false) -> String {
        fields.map { "\(short ? $0.shortKey : $0.key):\($0.value)" }.joined(separator: "|")
    }

    static func yesNo(_ flag: Bool) -> String { flag ? "yes" : "no" }
}

/// A metric's result with sacreBLEU's text and JSON renderings.
public struct ScoreReport: Sendable, Equatable {
    /// "BLEU", "chrF2", "chrF2++", "TER".
    public var name: String
    public var score: Double
    /// BLEU's "60.0/40.0/... (BP = ...)" part; empty for other metrics.
    public var verbose: String
    public var signature: Signature

    /// Renders like sacreBLEU's Score.format: the score alone, the text score
    /// line "NAME|signature = score verbose", or the JSON object.
    public func format(width: Int, scoreOnly: Bool = false, json: Bool = false,
                       shortSignature: Bool = false) -> String {
        let sc = PythonFormat.fixed(score, width)
        if scoreOnly { return sc }
        let signatureText = signature.format(short: shortSignature && !json)
        if json {
            var pairs: [(String, String)] = [
                ("name", JSONText.quoted(name)),
                ("score", PythonFormat.repr(Double(sc) ?? score)),
                ("signature", JSONText.quoted(signatureText)),
            ]
            if !verbose.isEmpty { pairs.append(("verbose_score", JSONText.quoted(verbose))) }
            pairs += signature.fields.map { ($0.key, JSONText.quoted($0.value)) }
            return "{\n" + pairs.map { " \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}"
        }
        var line = "\(name)|\(signatureText) = \(sc)"
        if !verbose.isEmpty { line += " \(verbose)" }
        return line
    }
}

/// Python's number formatting, which sacreBLEU's output is made of.
enum PythonFormat {
    /// f"{x:.{width}f}": printf rounds the exact binary value, as Python does.
    static func fixed(_ x: Double, _ width: Int) -> String {
        String(format: "%.*f", max(0, width), x)
    }

    /// repr(float): the shortest round-tripping digits, exponent form below
    /// 1e-4 and from 1e16 on. Swift's description follows the same rules.
    static func repr(_ x: Double) -> String { x.description }
}
