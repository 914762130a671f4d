import Foundation
import TesseraMetrics

// `bleu-bench score ARGS...` runs `tessera bleu ARGS...` (the lead wires the same call into the CLI).
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "score" {
    exit(BleuCommand.run(arguments: Array(arguments.dropFirst())))
}
