import Foundation

/// `tessera bleu`'s command line: sacreBLEU 2.6.0's options for scoring files
/// (test-set download, significance tests and confidence intervals excluded).
struct BleuOptions {
    var references: [String] = []
    /// nil: read hypotheses from standard input.
    var inputs: [String]?
    var numRefs = 1
    var encoding = "utf-8"
    var metrics = ["bleu"]
    var sentenceLevel = false
    var languagePair: String?
    var smoothMethod = BLEU.Smoothing.exp
    var smoothValue: Double?
    var tokenize: String?
    var lowercase = false
    var chrfCharOrder = 6
    var chrfWordOrder = 0
    var chrfBeta = 2
    var chrfWhitespace = false
    var chrfLowercase = false
    var chrfEpsSmoothing = false
    var terCaseSensitive = false
    var terAsianSupport = false
    var terNoPunct = false
    var terNormalized = false
    var short = false
    var scoreOnly = false
    var width = 1
    var format = "json"
    var help = false
    var version = false

    /// A command-line mistake: reported with the usage line and exit code 2, like argparse.
    struct UsageError: Error { var message: String }

    private enum Kind {
        case flag((inout BleuOptions) -> Void)
        case value((inout BleuOptions, String) throws(UsageError) -> Void)
        /// One or more values (`min` 1) or any number (`min` 0), up to the next option.
        case values(min: Int, (inout BleuOptions, [String]) throws(UsageError) -> Void)
        /// Accepted by sacreBLEU but needing test sets, resampling or multiple systems.
        case unsupported(takesValue: Bool, why: String)
    }

    private struct Spec {
        var names: [String]
        var kind: Kind
        var help: String
        var display: String { names.joined(separator: "/") }
    }

    private static let specs: [Spec] = [
        Spec(names: ["--input", "-i"], kind: .values(min: 0) { o, v in o.inputs = v },
             help: "Read hypotheses from this file instead of standard input."),
        Spec(names: ["--num-refs", "-nr"], kind: .value { o, v throws(UsageError) in o.numRefs = try int(v, "--num-refs/-nr") },
             help: "Split each reference line on tabs into this many references (default: 1)."),
        Spec(names: ["--encoding", "-e"], kind: .value { o, v in o.encoding = v },
             help: "Text encoding of the files; only utf-8 is supported (default: utf-8)."),
        Spec(names: ["--metrics", "-m"], kind: .values(min: 1) { o, v throws(UsageError) in
            for m in v where !["bleu", "chrf", "ter"].contains(m) {
                throw UsageError(message: "argument --metrics/-m: invalid choice: '\(m)' (choose from 'bleu', 'chrf', 'ter')")
            }
            o.metrics = v
        }, help: "Space-separated metrics: bleu chrf ter (default: bleu)."),
        Spec(names: ["--sentence-level", "-sl"], kind: .flag { $0.sentenceLevel = true },
             help: "Print a score for each sentence (one metric only)."),
        Spec(names: ["--language-pair", "-l"], kind: .value { o, v in o.languagePair = v },
             help: "Source-target language pair; a zh/ja/ko target picks the BLEU tokenizer."),
        Spec(names: ["--smooth-method", "-s"], kind: .value { o, v throws(UsageError) in
            guard let m = BLEU.Smoothing(rawValue: v) else {
                throw UsageError(message: "argument --smooth-method/-s: invalid choice: '\(v)' (choose from 'none', 'floor', 'add-k', 'exp')")
            }
            o.smoothMethod = m
        }, help: "BLEU smoothing: exp, floor, add-k or none (default: exp)."),
        Spec(names: ["--smooth-value", "-sv"], kind: .value { o, v throws(UsageError) in
            guard let x = Double(v.trimmingCharacters(in: .whitespaces)), x.isFinite else {
                throw UsageError(message: "argument --smooth-value/-sv: invalid float value: '\(v)'")
            }
            o.smoothValue = x
        }, help: "Smoothing value for floor (default 0.1) and add-k (default 1)."),
        Spec(names: ["--tokenize", "-tok"], kind: .value { o, v throws(UsageError) in
            guard Tokenizer.sacrebleuNames.contains(v) else {
                let choices = Tokenizer.sacrebleuNames.map { "'\($0)'" }.joined(separator: ", ")
                throw UsageError(message: "argument --tokenize/-tok: invalid choice: '\(v)' (choose from \(choices))")
            }
            o.tokenize = v
        }, help: "BLEU tokenizer: 13a (default), intl, zh, char or none."),
        Spec(names: ["--lowercase", "-lc"], kind: .flag { $0.lowercase = true }, help: "Case-insensitive BLEU."),
        Spec(names: ["--force"], kind: .flag { _ in }, help: "Accepted for compatibility; Tessera does not warn."),
        Spec(names: ["--chrf-char-order", "-cc"], kind: .value { o, v throws(UsageError) in o.chrfCharOrder = try int(v, "--chrf-char-order/-cc") },
             help: "chrF character n-gram order (default: 6)."),
        Spec(names: ["--chrf-word-order", "-cw"], kind: .value { o, v throws(UsageError) in o.chrfWordOrder = try int(v, "--chrf-word-order/-cw") },
             help: "chrF word n-gram order; 2 gives chrF++ (default: 0)."),
        Spec(names: ["--chrf-beta"], kind: .value { o, v throws(UsageError) in o.chrfBeta = try int(v, "--chrf-beta") },
             help: "Weight of recall relative to precision (default: 2)."),
        Spec(names: ["--chrf-whitespace"], kind: .flag { $0.chrfWhitespace = true },
             help: "Keep whitespace in character n-grams."),
        Spec(names: ["--chrf-lowercase"], kind: .flag { $0.chrfLowercase = true }, help: "Case-insensitive chrF."),
        Spec(names: ["--chrf-eps-smoothing"], kind: .flag { $0.chrfEpsSmoothing = true },
             help: "Epsilon smoothing (chrF++.py, NLTK, Moses) instead of effective order."),
        Spec(names: ["--ter-case-sensitive"], kind: .flag { $0.terCaseSensitive = true }, help: "Case-sensitive TER."),
        Spec(names: ["--ter-asian-support"], kind: .flag { $0.terAsianSupport = true },
             help: "Split CJK characters (with --ter-normalized) and drop CJK punctuation (with --ter-no-punct)."),
        Spec(names: ["--ter-no-punct"], kind: .flag { $0.terNoPunct = true }, help: "Remove punctuation for TER."),
        Spec(names: ["--ter-normalized"], kind: .flag { $0.terNormalized = true },
             help: "Tercom's normalization and tokenization for TER."),
        Spec(names: ["--quiet", "-q"], kind: .flag { _ in }, help: "Accepted for compatibility."),
        Spec(names: ["--short", "-sh"], kind: .flag { $0.short = true }, help: "Short signature."),
        Spec(names: ["--score-only", "-b"], kind: .flag { $0.scoreOnly = true }, help: "Print only the score."),
        Spec(names: ["--width", "-w"], kind: .value { o, v throws(UsageError) in
            o.width = try int(v, "--width/-w")
            guard o.width >= 0 else { throw UsageError(message: "argument --width/-w: must not be negative: '\(v)'") }
        }, help: "Decimal places of the score (default: 1)."),
        Spec(names: ["--no-color", "-nc"], kind: .flag { _ in }, help: "Accepted for compatibility (no colors are used)."),
        Spec(names: ["--format", "-f"], kind: .value { o, v throws(UsageError) in
            guard ["json", "text", "latex"].contains(v) else {
                throw UsageError(message: "argument --format/-f: invalid choice: '\(v)' (choose from 'json', 'text', 'latex')")
            }
            o.format = v
        }, help: "json (default) or text; latex prints text for a single system."),
        Spec(names: ["--version", "-V"], kind: .flag { $0.version = true }, help: "Print the scorer version."),
        Spec(names: ["--help", "-h"], kind: .flag { $0.help = true }, help: "Print this help."),
        Spec(names: ["--test-set", "-t"], kind: .unsupported(takesValue: true, why: "test sets need downloads"), help: ""),
        Spec(names: ["--origlang", "-ol"], kind: .unsupported(takesValue: true, why: "it needs a test set"), help: ""),
        Spec(names: ["--subset"], kind: .unsupported(takesValue: true, why: "it needs a test set"), help: ""),
        Spec(names: ["--download"], kind: .unsupported(takesValue: true, why: "test sets need downloads"), help: ""),
        Spec(names: ["--echo"], kind: .unsupported(takesValue: true, why: "it needs a test set"), help: ""),
        Spec(names: ["--citation", "--cite"], kind: .unsupported(takesValue: false, why: "it needs a test set"), help: ""),
        Spec(names: ["--list"], kind: .unsupported(takesValue: false, why: "test sets need downloads"), help: ""),
        Spec(names: ["--detail", "-d"], kind: .unsupported(takesValue: false, why: "it needs a test set"), help: ""),
        Spec(names: ["--confidence", "-ci"], kind: .unsupported(takesValue: false, why: "bootstrap resampling is not implemented"), help: ""),
        Spec(names: ["--confidence-n", "-cin"], kind: .unsupported(takesValue: true, why: "bootstrap resampling is not implemented"), help: ""),
        Spec(names: ["--paired-ar", "-par"], kind: .unsupported(takesValue: false, why: "paired tests are not implemented"), help: ""),
        Spec(names: ["--paired-bs", "-pbs"], kind: .unsupported(takesValue: false, why: "paired tests are not implemented"), help: ""),
        Spec(names: ["--paired-ar-n", "-parn"], kind: .unsupported(takesValue: true, why: "paired tests are not implemented"), help: ""),
        Spec(names: ["--paired-bs-n", "-pbsn"], kind: .unsupported(takesValue: true, why: "paired tests are not implemented"), help: ""),
        Spec(names: ["--paired-jobs", "-j"], kind: .unsupported(takesValue: true, why: "paired tests are not implemented"), help: ""),
    ]

    static let usage = "usage: tessera bleu [options] REFERENCE [REFERENCE ...] [-i HYPOTHESES]"

    static var helpText: String {
        var lines = [usage, "",
                     "Scores hypotheses against references with BLEU, chrF and TER, giving sacreBLEU 2.6.0's",
                     "numbers and output formats; signatures carry version:\(scorerVersion).",
                     "Hypotheses come from standard input unless -i is given.", "", "options:"]
        for spec in specs where !spec.help.isEmpty {
            let names = spec.names.joined(separator: ", ")
            lines.append("  " + names.padding(toLength: max(names.count, 24), withPad: " ", startingAt: 0) + "  " + spec.help)
        }
        return lines.joined(separator: "\n")
    }

    private static func int(_ v: String, _ name: String) throws(UsageError) -> Int {
        guard let x = Int(v.trimmingCharacters(in: .whitespaces)) else {
            throw UsageError(message: "argument \(name): invalid int value: '\(v)'")
        }
        return x
    }

    /// Whether argparse would treat `arg` as an option rather than a value.
    private static func looksLikeOption(_ arg: String) -> Bool {
        arg.count > 1 && arg.hasPrefix("-") && Double(arg) == nil
    }

    /// The spec for an option as typed: exact names, or a unique prefix of a long one.
    private static func spec(for name: String) throws(UsageError) -> Spec? {
        if let exact = specs.first(where: { $0.names.contains(name) }) { return exact }
        guard name.hasPrefix("--") else { return nil }
        let matches = specs.filter { $0.names.contains { $0.hasPrefix("--") && $0.hasPrefix(name) } }
        if matches.count > 1 {
            let names = matches.compactMap { $0.names.first { $0.hasPrefix(name) } }.joined(separator: ", ")
            throw UsageError(message: "ambiguous option: \(name) could match \(names)")
        }
        return matches.first
    }

    static func parse(_ arguments: [String]) throws(UsageError) -> BleuOptions {
        var options = BleuOptions()
        var i = 0
        var positionalOnly = false
        var unrecognized: [String] = []
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            if positionalOnly || !looksLikeOption(arg) { options.references.append(arg); continue }
            if arg == "--" { positionalOnly = true; continue }
            var name = arg
            var attached: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                attached = String(arg[arg.index(after: eq)...])
            }
            guard let spec = try spec(for: name) else { unrecognized.append(arg); continue }
            func takeValue() throws(UsageError) -> String {
                if let attached { return attached }
                guard i < arguments.count, !looksLikeOption(arguments[i]) else {
                    throw UsageError(message: "argument \(spec.display): expected one argument")
                }
                i += 1
                return arguments[i - 1]
            }
            switch spec.kind {
            case .flag(let set):
                guard attached == nil else {
                    throw UsageError(message: "argument \(spec.display): ignored explicit argument '\(attached!)'")
                }
                set(&options)
            case .value(let set):
                try set(&options, try takeValue())
            case .values(let minimum, let set):
                var values = attached.map { [$0] } ?? []
                while attached == nil && i < arguments.count && !looksLikeOption(arguments[i]) {
                    values.append(arguments[i])
                    i += 1
                }
                if values.count < minimum {
                    throw UsageError(message: "argument \(spec.display): expected at least one argument")
                }
                try set(&options, values)
            case .unsupported(let takesValue, let why):
                if takesValue { _ = try takeValue() }
                throw UsageError(message: "argument \(spec.display): not supported by tessera bleu (\(why))")
            }
        }
        if !unrecognized.isEmpty {
            throw UsageError(message: "unrecognized arguments: \(unrecognized.joined(separator: " "))")
        }
        return options
    }
}
