import Foundation
import TesseraMetrics

// bleu-bench: times `tessera bleu` against sacreBLEU on the same generated files.
//
//   swift run -c release bleu-bench [--lines N] [--runs R] [--metrics bleu,chrf,ter]
//                                   [--sacrebleu PATH] [--dir DIR] [--sentences DIR]
//   bleu-bench score ARGS...    runs `tessera bleu ARGS...` (the function the CLI calls)
//
// Both scorers run as child processes, alternating, so each timing includes
// start-up and file reading; peak memory is the child's maximum resident set.

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "score" {
    exit(BleuCommand.run(arguments: Array(arguments.dropFirst())))
}

struct Settings {
    var lines = 100_000
    var runs = 3
    var metrics = ["bleu", "chrf", "ter"]
    var sacrebleu = ".venv-sacrebleu/bin/sacrebleu"
    var directory = ".build/bleu-bench"
    var sentences = "Tests/TesseraMetricsTests/Fixtures/inputs"

    init(_ args: [String]) {
        var i = 0
        func next() -> String {
            i += 1
            guard i < args.count else { fail("\(args[i - 1]) needs a value") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--lines": lines = Int(next()) ?? { fail("--lines needs a number") }()
            case "--runs": runs = Int(next()) ?? { fail("--runs needs a number") }()
            case "--metrics": metrics = next().split(separator: ",").map(String.init)
            case "--sacrebleu": sacrebleu = next()
            case "--dir": directory = next()
            case "--sentences": sentences = next()
            default: fail("unknown option \(args[i])")
            }
            i += 1
        }
        guard lines > 0, runs > 0 else { fail("--lines and --runs must be positive") }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bleu-bench: \(message)\n".utf8))
    exit(1)
}

/// SplitMix64: a fixed, seeded generator so the benchmark files never change.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// 100k-line hypothesis and reference files built from the fixture sentences:
/// each reference joins 1-3 sentences of one language; its hypothesis drops,
/// swaps, replaces and moves words of it, as a real system's errors would.
func generate(_ settings: Settings) -> (hyp: String, ref: String) {
    let fm = FileManager.default
    guard let sets = try? fm.contentsOfDirectory(atPath: settings.sentences).sorted() else {
        fail("no fixture sentences in \(settings.sentences) (run from the package root)")
    }
    var languages: [[String]] = []
    for set in sets where set.hasPrefix("real-") || set == "edge" {
        let text = (try? String(contentsOfFile: "\(settings.sentences)/\(set)/ref.txt", encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        if !lines.isEmpty { languages.append(lines) }
    }
    guard !languages.isEmpty else { fail("no fixture sentences in \(settings.sentences)") }
    try? fm.createDirectory(atPath: settings.directory, withIntermediateDirectories: true)
    var rng = SplitMix64(state: 20_261_125)
    var hyp = "", ref = ""
    for _ in 0..<settings.lines {
        let pool = languages[rng.below(languages.count)]
        let sentence = (0...rng.below(3)).map { _ in pool[rng.below(pool.count)] }.joined(separator: " ")
        var words = sentence.split(separator: " ").map(String.init)
        for _ in 0..<rng.below(5) where words.count > 1 {
            let i = rng.below(words.count)
            switch rng.below(4) {
            case 0: words.remove(at: i)
            case 1: words.swapAt(i, (i + 1) % words.count)
            case 2: words[i] = pool[rng.below(pool.count)].split(separator: " ").first.map(String.init) ?? words[i]
            default:
                let size = min(1 + rng.below(3), words.count - i)
                let block = Array(words[i..<i + size])
                words.removeSubrange(i..<i + size)
                words.insert(contentsOf: block, at: rng.below(words.count + 1))
            }
        }
        ref += sentence + "\n"
        hyp += words.joined(separator: " ") + "\n"
    }
    let hypPath = "\(settings.directory)/hyp.txt", refPath = "\(settings.directory)/ref.txt"
    guard fm.createFile(atPath: hypPath, contents: Data(hyp.utf8)),
          fm.createFile(atPath: refPath, contents: Data(ref.utf8)) else { fail("cannot write \(settings.directory)") }
    return (hypPath, refPath)
}

struct Run {
    var seconds: Double
    var peakKiB: Int
    var output: String
}

/// Runs a child process with stdout captured in a file; times it and reads its peak RSS.
func measure(_ command: [String], outputPath: String) -> Run {
    var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    let argv = command.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let start = DispatchTime.now().uptimeNanoseconds
    guard posix_spawnp(&pid, command[0], &actions, nil, argv, environ) == 0 else { fail("cannot run \(command[0])") }
    var status: Int32 = 0
    var usage = rusage()
    wait4(pid, &status, 0, &usage)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    guard status == 0 else { fail("\(command.joined(separator: " ")) exited with status \(status)") }
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    return Run(seconds: seconds, peakKiB: usage.ru_maxrss, output: output)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

setvbuf(stdout, nil, _IOLBF, 0)  // show each result as it comes
let settings = Settings(arguments)
guard FileManager.default.isExecutableFile(atPath: settings.sacrebleu) else {
    fail("\(settings.sacrebleu) not found: run recipes/make-bleu-fixtures.sh once (it creates the venv) or pass --sacrebleu")
}
let files = generate(settings)
let me = CommandLine.arguments[0]
let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
print("bleu-bench: \(settings.lines) lines (\(files.hyp), \(files.ref)), \(settings.runs) runs each, alternating;"
      + " \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(load) at start")
print("metric  scorer      min s   median s   lines/s (median)   peak RSS MiB   speed-up (min, median)")
for metric in settings.metrics {
    var runs: [String: [Run]] = ["tessera": [], "sacrebleu": []]
    let shared = [files.ref, "-i", files.hyp, "-m", metric, "-w", "4", "-f", "text"]
    for _ in 0..<settings.runs {
        runs["tessera"]!.append(measure([me, "score"] + shared, outputPath: "\(settings.directory)/tessera.out"))
        runs["sacrebleu"]!.append(measure([settings.sacrebleu] + shared, outputPath: "\(settings.directory)/sacrebleu.out"))
    }
    let ours = runs["tessera"]!, theirs = runs["sacrebleu"]!
    let same = ours[0].output == theirs[0].output.replacingOccurrences(of: "version:2.6.0", with: "version:\(scorerVersion)")
    let oursTimes = ours.map(\.seconds), theirTimes = theirs.map(\.seconds)
    for (name, rs) in [("tessera", ours), ("sacrebleu", theirs)] {
        let times = rs.map(\.seconds)
        var line = metric.padding(toLength: 8, withPad: " ", startingAt: 0) + name.padding(toLength: 10, withPad: " ", startingAt: 0)
        line += fixed(times.min()!, 3).leftPad(8) + fixed(median(times), 3).leftPad(11)
        line += fixed(Double(settings.lines) / median(times), 0).leftPad(19)
        line += fixed(Double(rs.map(\.peakKiB).max()!) / 1024, 1).leftPad(15)
        if name == "tessera" {
            line += "   \(fixed(theirTimes.min()! / oursTimes.min()!, 1))x, \(fixed(median(theirTimes) / median(oursTimes), 1))x"
        }
        print(line)
    }
    print("        scores identical: \(same ? "yes" : "NO")  \(ours[0].output.trimmingCharacters(in: .newlines))")
    if !same { print("        sacreBLEU: \(theirs[0].output.trimmingCharacters(in: .newlines))") }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
