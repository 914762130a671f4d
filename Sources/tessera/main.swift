import Foundation
import TesseraMetrics
import TesseraTensor

#if canImport(Glibc)
import Glibc
#endif

let commands: [any Command.Type] = [
    NormalizeCommand.self, VocabCommand.self, EncodeCommand.self, DecodeCommand.self, BinarizeCommand.self,
    TrainCommand.self, TranslateCommand.self, DistillCommand.self, InspectCommand.self, BleuCommandLine.self,
]

/// Messages can quote user input: a NUL would end the text early and other control
/// characters garble a terminal, so they are written as `\u{…}` escapes.
func printError(_ text: String) {
    var visible = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        if scalar != "\n" && scalar.properties.generalCategory == .control {
            visible.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
        } else {
            visible.append(scalar)
        }
    }
    FileHandle.standardError.write(Data((String(visible) + "\n").utf8))
}

let topUsage = """
    usage: tessera <command> [options]

    Multilingual neural machine translation.

    commands:
    \(commands.map { "  \($0.name.padding(toLength: 11, withPad: " ", startingAt: 0))\($0.summary)" }.joined(separator: "\n"))

    Run `tessera <command> --help` for a command's options; `tessera --version`
    names the version, the vector kernels and the BLAS core in use.
    """

func main() -> Int32 {
    let arguments = Array(CommandLine.arguments.dropFirst())
    guard let name = arguments.first else {
        printError(topUsage)
        return 2
    }
    if name == "--help" || name == "-h" || name == "help" {
        print(topUsage)
        return 0
    }
    if name == "--version" {
        print("\(scorerVersion); \(Engine.summary)")
        return 0
    }
    guard let command = commands.first(where: { $0.name == name }) else {
        printError("tessera: unknown command '\(name)'\n\n\(topUsage)")
        return 2
    }
    let rest = Array(arguments.dropFirst())
    if !command.parsesOwnHelp && (rest.contains("--help") || rest.contains("-h")) {
        print(command.usage)
        return 0
    }
    do {
        return try command.run(rest)
    } catch let error as UsageError {
        printError("tessera \(name): \(error.message)\n\n\(command.usage)")
        return 2
    } catch {
        printError("tessera \(name): \(error)")
        return 1
    }
}

BLASCore.useBestCore()
exit(main())
