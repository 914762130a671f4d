import TesseraMetrics

enum BleuCommandLine: Command {
    static let name = "bleu"
    static let summary = "BLEU, chrF and TER with sacreBLEU's numbers, options and output"
    static let usage = "usage: tessera bleu REFERENCE... [-i HYPOTHESES] [options]  (see tessera bleu --help)"
    static let parsesOwnHelp = true

    static func run(_ arguments: [String]) throws -> Int32 {
        BleuCommand.run(arguments: arguments)
    }
}
