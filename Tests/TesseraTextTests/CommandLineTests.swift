import Foundation
import Testing
import TesseraTensor

@Suite struct CommandLineTests {
    @Test func unknownCommandAndOptionExitWithUsage() throws {
        let unknown = try TestSupport.tessera(["frobnicate"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown command 'frobnicate'"))
        #expect(unknown.stderr.contains("usage: tessera"))

        let badFlag = try TestSupport.tessera(["normalize", "--bogus"])
        #expect(badFlag.status == 2)
        #expect(badFlag.stderr.contains("unknown option --bogus"))

        let noCommand = try TestSupport.tessera([])
        #expect(noCommand.status == 2)
    }

    @Test(arguments: ["normalize", "vocab", "encode", "decode"])
    func everyCommandHasHelp(command: String) throws {
        let help = try TestSupport.tessera([command, "--help"])
        #expect(help.status == 0)
        #expect(help.text.hasPrefix("usage: tessera \(command)"))
    }

    @Test func normalizeKeepsOneLinePerLine() throws {
        let input = "  Ｈｅｌｌｏ  \r\n\n\u{200B}\nПривет\t мир\n日本語\u{3000}です\nlast line without newline"
        let output = try TestSupport.tessera(["normalize"], input: Data(input.utf8))
        #expect(output.status == 0)
        #expect(output.text == "Hello\n\n\nПривет мир\n日本語 です\nlast line without newline\n")
    }

    @Test func normalizeStreamsManyLinesInOrder() throws {
        let lines = (0..<10_000).map { "line  \($0)\u{00A0}ｘ" }
        let output = try TestSupport.tessera(["normalize"], input: Data(lines.joined(separator: "\n").utf8))
        #expect(output.status == 0)
        let expected = (0..<10_000).map { "line \($0) x" }
        #expect(output.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) == expected)
    }

    @Test func normalizeNamesTheInvalidLine() throws {
        var input = Data("good\nalso good\n".utf8)
        input.append(contentsOf: [0x62, 0x61, 0x64, 0xC3, 0x28, 0x0A])
        input.append(Data("after\n".utf8))
        let output = try TestSupport.tessera(["normalize"], input: input)
        #expect(output.status == 1)
        #expect(output.stderr == "tessera normalize: <stdin>:3: invalid UTF-8\n")
        #expect(output.text == "good\nalso good\n", "lines before the bad one are written")
    }

    @Test func normalizeNamesTheInputFile() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("in.txt")
        try Data([0x6F, 0x6B, 0x0A, 0xFF, 0x0A]).write(to: file)
        let output = try TestSupport.tessera(["normalize", "-i", file.path])
        #expect(output.status == 1)
        #expect(output.stderr == "tessera normalize: \(file.path):2: invalid UTF-8\n")

        let missing = try TestSupport.tessera(["normalize", "-i", directory.appendingPathComponent("nope").path])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("nope: cannot open"))
    }
}

/// The BLAS core the `tessera` binary runs on, as `--version` names it.
@Suite struct BLASCoreCommandTests {
    func core(_ environment: [String: String?]) throws -> String {
        let output = try TestSupport.tessera(["--version"], environment: environment)
        #expect(output.status == 0, "\(output.stderr)")
        let summary = try #require(output.text.split(separator: "BLAS: OpenBLAS ").last)
        return String(summary.split(whereSeparator: { $0 == " " || $0 == "," })[1])
    }

    /// Fails where the binary runs on a core below what this CPU supports (capped at AVX2: above
    /// it OpenBLAS's own pick stands), as Debian's OpenBLAS 0.3.21 did on recent Xeons.
    @Test func productsRunOnTheBestCoreThisCPUSupports() throws {
        let name = try core(["OPENBLAS_CORETYPE": nil, "TESSERA_BLAS_CORE": nil])
        let tier = try #require(BLASCore.tier(ofCore: name), "unknown core \(name)")
        let best = BLASCore.bestCore(cpuFlags: CPUFeatures.flags)?.tier ?? .generic
        #expect(tier >= min(best, .avx2), "\(name) on a CPU that runs \(best) kernels")
    }

    /// TESSERA_BLAS_CORE goes through the same re-execution and check product as a correction.
    @Test(.enabled(if: (BLASCore.bestCore(cpuFlags: CPUFeatures.flags)?.tier ?? .generic) >= .avx))
    func aRequestedCoreIsUsedAndNamed() throws {
        let output = try TestSupport.tessera(["--version"], environment: ["OPENBLAS_CORETYPE": nil, "TESSERA_BLAS_CORE": "Sandybridge"])
        #expect(output.text.contains(" Sandybridge (TESSERA_BLAS_CORE; OpenBLAS picked"), "\(output.text)")
        #expect(!output.text.contains("TESSERA_BLAS_HANDOVER"))
    }
}
