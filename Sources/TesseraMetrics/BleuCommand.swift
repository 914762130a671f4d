import Foundation

/// `tessera bleu`: sacreBLEU's command line for scoring a hypothesis file
/// against reference files. The CLI calls `run` and exits with its result.
public enum BleuCommand {
    /// Runs the command; returns the process exit code (0 ok, 1 bad input,
    /// 2 bad command line, 17 sacreBLEU's code for malformed tab-separated input).
    public static func run(arguments: [String], standardInput: FileHandle = .standardInput,
                           output: (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) },
                           errors: (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) -> Int32 {
        let options: BleuOptions
        do {
            options = try BleuOptions.parse(arguments)
        } catch {
            errors("\(BleuOptions.usage)\ntessera bleu: error: \(error.message)\n")
            return 2
        }
        if options.help { output(BleuOptions.helpText + "\n"); return 0 }
        if options.version { output("tessera bleu \(scorerVersion)\n"); return 0 }
        do {
            output(try score(options, standardInput: standardInput))
            return 0
        } catch let failure as Failure {
            errors("tessera bleu: \(failure.message)\n")
            return failure.code
        } catch {
            errors("tessera bleu: \(error)\n")
            return 1
        }
    }

    struct Failure: Error {
        var message: String
        var code: Int32 = 1
    }

    private static func score(_ options: BleuOptions, standardInput: FileHandle) throws -> String {
        if options.sentenceLevel && Set(options.metrics).count > 1 {
            throw Failure(message: "Only one metric can be used in sentence-level mode.")
        }
        guard ["utf-8", "utf8"].contains(options.encoding.lowercased()) else {
            throw Failure(message: "encoding '\(options.encoding)' is not supported (only utf-8)")
        }
        guard !options.references.isEmpty else {
            throw Failure(message: "no reference files given: pass them as positional arguments, "
                          + "before -i/--input (test sets (-t) need downloads and are not supported).")
        }
        guard options.numRefs >= 1 else { throw Failure(message: "--num-refs must be at least 1") }
        if options.numRefs != 1 && options.references.count > 1 {
            throw Failure(message: "The --num-refs argument allows you to provide any number of tab-delimited "
                          + "references in a single file; you cannot then provide multiple reference files.")
        }
        let references = try readReferences(options)
        let hypotheses = try readHypotheses(options, standardInput: standardInput)
        guard hypotheses.count > 0 else { throw Failure(message: "the hypotheses contain no sentence.") }
        let segments: Segments
        do {
            segments = try Segments(hypotheses: hypotheses, references: references)
        } catch {
            throw Failure(message: error.message)
        }

        let scorers = try makeScorers(options)
        if options.sentenceLevel, let scorer = scorers.first {
            return scorer.sentenceScores(segments).map {
                $0.format(width: options.width, scoreOnly: options.scoreOnly, shortSignature: options.short) + "\n"
            }.joined()
        }
        let json = options.format == "json"
        let lines = scorers.map {
            $0.corpusScore(segments).format(width: options.width, scoreOnly: options.scoreOnly, json: json,
                                            shortSignature: options.short)
        }
        return render(lines, json: json) + "\n"
    }

    /// sacreBLEU's print_single_results: a JSON list for several metrics, or
    /// text lines right-aligned on their " = ".
    private static func render(_ lines: [String], json: Bool) -> String {
        guard lines.count > 1 else { return lines.first ?? "" }
        if json { return "[\n" + lines.joined(separator: ",\n") + "\n]" }
        let splits = lines.map { line -> Int? in line.firstIndex(of: "=").map { line.distance(from: line.startIndex, to: $0) - 1 } }
        let width = splits.compactMap { $0 }.max() ?? 0
        // Lines without "=" (score-only) print as they are, before the aligned ones.
        var out = lines.indices.filter { splits[$0] == nil }.map { lines[$0] }
        for (line, split) in zip(lines, splits) {
            guard let split else { continue }
            let left = String(line.prefix(split))
            out.append(String(repeating: " ", count: max(0, width - left.count)) + left + line.dropFirst(split))
        }
        return out.joined(separator: "\n")
    }

    /// One scorer per requested metric, in sacreBLEU's order (sorted by name).
    private static func makeScorers(_ options: BleuOptions) throws -> [AnyScorer] {
        var scorers: [AnyScorer] = []
        for name in Set(options.metrics).sorted() {
            switch name {
            case "bleu":
                var tokenizerName = options.tokenize ?? "13a"
                if options.tokenize == nil, let target = options.languagePair?.split(separator: "-").last {
                    tokenizerName = ["zh": "zh", "ja": "ja-mecab", "ko": "ko-mecab"][String(target)] ?? "13a"
                }
                let tokenizer: Tokenizer
                do { tokenizer = try Tokenizer.named(tokenizerName) } catch { throw Failure(message: error.message) }
                let bleu = BLEU(tokenizer: tokenizer, lowercase: options.lowercase, smoothing: options.smoothMethod,
                                smoothValue: options.smoothValue, effectiveOrder: options.sentenceLevel)
                scorers.append(AnyScorer(corpus: { bleu.corpusScore($0).report },
                                         sentences: { bleu.sentenceScores($0).map(\.report) }))
            case "chrf":
                guard options.chrfCharOrder >= 0, options.chrfWordOrder >= 0,
                      options.chrfCharOrder + options.chrfWordOrder > 0 else {
                    throw Failure(message: "chrF needs non-negative n-gram orders, at least one of them positive")
                }
                let chrf = CHRF(charOrder: options.chrfCharOrder, wordOrder: options.chrfWordOrder,
                                beta: options.chrfBeta, lowercase: options.chrfLowercase,
                                whitespace: options.chrfWhitespace, epsSmoothing: options.chrfEpsSmoothing)
                scorers.append(AnyScorer(corpus: chrf.corpusScore, sentences: chrf.sentenceScores))
            default:
                let ter = TER(normalized: options.terNormalized, noPunct: options.terNoPunct,
                              asianSupport: options.terAsianSupport, caseSensitive: options.terCaseSensitive)
                scorers.append(AnyScorer(corpus: ter.corpusScore, sentences: ter.sentenceScores))
            }
        }
        return scorers
    }

    private struct AnyScorer {
        var corpus: (Segments) -> ScoreReport
        var sentences: (Segments) -> [ScoreReport]
        func corpusScore(_ s: Segments) -> ScoreReport { corpus(s) }
        func sentenceScores(_ s: Segments) -> [ScoreReport] { sentences(s) }
    }

    private static func readReferences(_ options: BleuOptions) throws -> [TextLines] {
        var streams: [TextLines] = []
        for path in options.references {
            let lines = try readFile(path)
            guard options.numRefs > 1 else { streams.append(lines); continue }
            streams = [TextLines](repeating: TextLines(), count: options.numRefs)
            for i in 0..<lines.count {
                let fields = lines[i].split(separator: "\t", maxSplits: options.numRefs - 1, omittingEmptySubsequences: false)
                guard fields.count == options.numRefs else {
                    // sacreBLEU's exit status, with the file named.
                    throw Failure(message: "\(path):\(i + 1): expected \(options.numRefs) tab-separated references (-nr \(options.numRefs)), found \(fields.count)",
                                  code: 17)
                }
                for (r, field) in fields.enumerated() { streams[r].append(field.utf8) }
            }
        }
        return streams
    }

    private static func readHypotheses(_ options: BleuOptions, standardInput: FileHandle) throws -> TextLines {
        if let inputs = options.inputs {
            guard inputs.count == 1 else {
                throw Failure(message: inputs.isEmpty ? "-i/--input needs a file name"
                              : "several systems (-i with \(inputs.count) files) are not supported; score one at a time")
            }
            return try readFile(inputs[0])
        }
        let data = [UInt8](standardInput.readDataToEndOfFile())
        var lines: TextLines
        do { lines = try TextLines.parse(data, name: "<stdin>", lineBreaks: .universal) } catch { throw Failure(message: error.description) }
        // sacreBLEU reads one (empty) hypothesis from empty input.
        if lines.count == 0 { lines.append([UInt8]()) }
        // Tabs separate several systems on standard input.
        if let tabbed = (0..<lines.count).first(where: { lines.withLine($0) { $0.contains(0x09) } }) {
            if tabbed == 0 {
                throw Failure(message: "several tab-separated systems on standard input are not supported; score one at a time")
            }
            throw Failure(message: "FATAL: the number of tab-delimited fields in the input stream differ across lines.", code: 17)
        }
        return lines
    }

    private static func readFile(_ path: String) throws -> TextLines {
        do { return try TextLines.read(file: path) } catch { throw Failure(message: error.description) }
    }
}
