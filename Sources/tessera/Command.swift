/// One `tessera` subcommand. The CLI is a thin shell: each command parses its
/// options and calls the libraries.
protocol Command {
    static var name: String { get }
    static var summary: String { get }
    /// Full help text shown by `tessera NAME --help` and on usage errors.
    static var usage: String { get }
    /// Returns the process exit code; throws UsageError (exit 2) or any other
    /// error (exit 1, printed as one line).
    static func run(_ arguments: [String]) throws -> Int32
    /// True for commands that print their own --help.
    static var parsesOwnHelp: Bool { get }
}

extension Command {
    static var parsesOwnHelp: Bool { false }
}
