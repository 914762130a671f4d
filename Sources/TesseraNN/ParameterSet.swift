import TesseraTensor

public enum ParameterError: Error, Equatable, CustomStringConvertible {
    case duplicateName(String)
    case unknownName(String)
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    case missing([String])

    public var description: String {
        switch self {
        case let .duplicateName(n): return "parameter name \(n) is used twice"
        case let .unknownName(n): return "no parameter named \(n)"
        case let .shapeMismatch(n, e, f): return "parameter \(n): expected shape \(e), found \(f)"
        case let .missing(names): return "missing parameters: \(names.prefix(5).joined(separator: ", "))\(names.count > 5 ? ", …" : "")"
        }
    }
}

/// A model's parameters by name, for saving and loading checkpoints.
public struct ParameterSet {
    public let ordered: [Parameter]
    private let byName: [String: Parameter]

    public init(_ parameters: [Parameter]) throws {
        var byName = [String: Parameter]()
        for p in parameters {
            guard byName[p.name] == nil else { throw ParameterError.duplicateName(p.name) }
            byName[p.name] = p
        }
        ordered = parameters
        self.byName = byName
    }

    public subscript(name: String) -> Parameter? { byName[name] }

    /// Total number of scalars.
    public var scalarCount: Int { ordered.reduce(0) { $0 + $1.count } }

    /// Copies every named tensor into the matching parameter; every parameter must be present.
    public func load(_ tensors: [String: (shape: [Int], values: [Float])]) throws {
        for (name, t) in tensors {
            guard let p = byName[name] else { throw ParameterError.unknownName(name) }
            guard p.shape.dims == t.shape, t.values.count == p.count else {
                throw ParameterError.shapeMismatch(name: name, expected: p.shape.dims, found: t.shape)
            }
            p.values = t.values
        }
        let missing = ordered.map(\.name).filter { tensors[$0] == nil }
        guard missing.isEmpty else { throw ParameterError.missing(missing) }
    }
}
