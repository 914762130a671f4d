/// A misuse of the command line: reported with the command's usage, exit code 2.
struct UsageError: Error {
    var message: String
}

/// Options of one subcommand, parsed strictly: an option the command does not
/// declare is an error, not silently ignored.
struct Arguments {
    enum Kind { case value, flag }

    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    private(set) var positional: [String] = []

    /// `options` maps each accepted spelling (e.g. "-o", "--output") to its kind;
    /// `aliases` maps short spellings to the canonical long one.
    init(_ arguments: [String], options: [String: Kind], aliases: [String: String] = [:]) throws(UsageError) {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            guard argument.hasPrefix("-"), argument != "-" else {
                positional.append(argument)
                continue
            }
            if argument == "--" {
                positional.append(contentsOf: rest)
                break
            }
            var name = argument
            var inline: String?
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                name = String(argument[..<equals])
                inline = String(argument[argument.index(after: equals)...])
            }
            name = aliases[name] ?? name
            switch options[name] {
            case .flag?:
                guard inline == nil else { throw UsageError(message: "option \(name) takes no value") }
                flags.insert(name)
            case .value?:
                guard let value = inline ?? rest.popFirst() else { throw UsageError(message: "option \(name) needs a value") }
                values[name] = value
            case nil:
                throw UsageError(message: "unknown option \(argument)")
            }
        }
    }

    func has(_ flag: String) -> Bool { flags.contains(flag) }

    func string(_ name: String) -> String? { values[name] }

    func required(_ name: String) throws(UsageError) -> String {
        guard let value = values[name] else { throw UsageError(message: "missing required option \(name)") }
        return value
    }

    /// The option's value, or `fallback` when absent; "nan" and "inf" are refused for
    /// floating-point options (no setting means anything with them).
    func number<T: LosslessStringConvertible>(_ name: String, default fallback: T) throws(UsageError) -> T {
        guard let text = values[name] else { return fallback }
        guard let value = T(text) else { throw UsageError(message: "option \(name): '\(text)' is not a valid number") }
        if let float = value as? any BinaryFloatingPoint, !float.isFinite {
            throw UsageError(message: "option \(name): '\(text)' is not a finite number")
        }
        return value
    }

    /// `number`, refused below `minimum` with a message naming the option.
    func number<T: LosslessStringConvertible & Comparable>(_ name: String, default fallback: T, atLeast minimum: T) throws(UsageError) -> T {
        let value = try number(name, default: fallback)
        guard value >= minimum else { throw UsageError(message: "option \(name): must be at least \(minimum), not \(value)") }
        return value
    }
}
