import Foundation
import TesseraIO

/// Training progress for people and for tools: a live status line on a
/// terminal (plain periodic lines otherwise), and the same figures appended
/// to a JSONL log, one object per report.
public final class ProgressReporter {
    public struct Figures: Codable, Equatable, Sendable {
        public var step: Int
        public var loss: Double
        public var perplexity: Double
        public var learningRate: Double
        public var targetTokensPerSecond: Double
        public var elapsedSeconds: Double
        public var etaSeconds: Double?
        /// Per-layer feed-forward figures, e.g. "encoder.layers.1.moe.dropped": [0.02].
        public var layers: [String: [Double]]?
        /// Mean global gradient L2 norm before clipping, per target token, over the interval.
        public var gradientNorm: Double?
        /// Fraction of the interval's updates that clip_norm scaled down; nil without clipping.
        public var clippedFraction: Double?

        enum CodingKeys: String, CodingKey {
            case step, loss, perplexity = "ppl", learningRate = "lr", targetTokensPerSecond = "tgt_tokens_per_s"
            case elapsedSeconds = "elapsed_s", etaSeconds = "eta_s", layers, gradientNorm = "gnorm", clippedFraction = "clipped"
        }

        /// JSON has no NaN or ∞: a figure that is not finite (a diverging run's loss) is written
        /// as null, so the record is kept rather than dropped.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            func finite(_ value: Double?) -> Double? { value.flatMap { $0.isFinite ? $0 : nil } }
            try c.encode(step, forKey: .step)
            for (value, key) in [(loss, CodingKeys.loss), (perplexity, .perplexity), (learningRate, .learningRate),
                                 (targetTokensPerSecond, .targetTokensPerSecond), (elapsedSeconds, .elapsedSeconds)] {
                try c.encode(finite(value), forKey: key)
            }
            for (value, key) in [(etaSeconds, CodingKeys.etaSeconds), (gradientNorm, .gradientNorm), (clippedFraction, .clippedFraction)] {
                try c.encodeIfPresent(finite(value), forKey: key)
            }
            try c.encodeIfPresent(layers?.mapValues { $0.map { $0.isFinite ? $0 : nil } }, forKey: .layers)
        }
    }

    private let output: FileHandle
    private let interactive: Bool
    private let log: FileHandle?
    private let logPath: String?
    private var lastLiveUpdate = Date.distantPast
    private var liveLineShown = false

    /// `logPath` is appended to (created when missing), so a resumed run keeps one log.
    public init(output: FileHandle = .standardError, logPath: String?, interactive: Bool? = nil) throws {
        self.output = output
        self.interactive = interactive ?? (isatty(output.fileDescriptor) == 1)
        self.logPath = logPath
        if let logPath {
            let url = URL(fileURLWithPath: logPath)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: logPath) {
                guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
                    throw InputError(file: logPath, message: "cannot create log file")
                }
            }
            let handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            log = handle
        } else {
            log = nil
        }
    }

    /// Every step: refreshes the live line at most twice a second on a terminal.
    public func live(_ figures: Figures) {
        guard interactive, Date().timeIntervalSince(lastLiveUpdate) >= 0.5 else { return }
        lastLiveUpdate = Date()
        output.write(Data(("\r\u{1B}[K" + Self.format(figures)).utf8))
        liveLineShown = true
    }

    /// Every log interval: a permanent line (on a terminal too) and a JSONL record.
    public func report(_ figures: Figures) throws {
        line(Self.format(figures))
        if let log {
            var json = try JSONEncoder.sortedKeys.encode(figures)
            json.append(0x0A)
            try log.write(contentsOf: json)
        }
    }

    /// Cuts the log back to the records of updates up to `step`, so that it reads as one
    /// uninterrupted run: a resumed run drops what came after its checkpoint (and would
    /// otherwise log those updates twice), a new run (`step` 0) starts an empty log, and a
    /// last line torn by kill -9 goes instead of being glued to the next record.
    public func keepLog(through step: Int) throws {
        guard let log, let path = logPath else { return }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        var kept = 0
        while let newline = bytes[kept...].firstIndex(of: 0x0A),
              let record = try? JSONSerialization.jsonObject(with: bytes[kept..<newline]) as? [String: Any],
              let recordStep = record["step"] as? Int, recordStep <= step {
            kept = newline + 1
        }
        try log.truncate(atOffset: UInt64(kept))
        try log.seekToEnd()
    }

    /// A message on its own line, clearing the live line first.
    public func line(_ text: String) {
        let prefix = interactive && liveLineShown ? "\r\u{1B}[K" : ""
        liveLineShown = false
        output.write(Data((prefix + text + "\n").utf8))
    }

    public static func format(_ f: Figures) -> String {
        var parts = [
            "step \(f.step)",
            String(format: "loss %.3f", f.loss),
            String(format: "ppl %.2f", f.perplexity),
            String(format: "lr %.2e", f.learningRate),
            String(format: "%.0f tgt tok/s", f.targetTokensPerSecond),
            "elapsed \(duration(f.elapsedSeconds))",
        ]
        if let eta = f.etaSeconds { parts.append("ETA \(duration(eta))") }
        if let norm = f.gradientNorm { parts.append(String(format: "gnorm %.3f", norm)) }
        if let clipped = f.clippedFraction { parts.append(String(format: "clipped %.0f%%", 100 * clipped)) }
        // Mixture-of-experts layers: dropped-token fraction and balancing loss averaged over
        // layers, and SMoE's mean FFN steps per token; per-layer figures go to the JSONL log.
        for (suffix, label) in [(".moe.dropped", "dropped %.3f"), (".moe.balance_loss", "balance %.4f"),
                                (".moe.steps_per_token", "ffn steps/token %.2f")] {
            let values = (f.layers ?? [:]).filter { $0.key.hasSuffix(suffix) }.compactMap(\.value.first)
            if !values.isEmpty { parts.append(String(format: label, values.reduce(0, +) / Double(values.count))) }
        }
        return parts.joined(separator: " | ")
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
    }
}
