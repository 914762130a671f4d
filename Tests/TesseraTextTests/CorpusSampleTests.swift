import Foundation
import Testing
import TesseraText

/// The corpus is built by Python tooling under corpora/ (see its README).
/// These tests check the committed sample built by it, and run its extractor
/// on hand-made help trees whose rows are known exactly.
@Suite(.timeLimit(.minutes(1))) struct CorpusSampleTests {
    static let repo = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let splits = ["train", "valid", "test"]

    struct Manifest: Decodable {
        struct Split: Decodable {
            let rows: Int
            let segments: [String: Int]
        }
        let languages: [String]
        let rows: Int
        let segments: [String: Int]
        let splits: [String: Split]
        let files: [String: String]
    }

    /// A corpus folder as written by corpora/multiway.py, with the splits its manifest lists.
    struct Corpus {
        let folder: URL
        let manifest: Manifest
        /// Lines of every file, by file name ("train.en").
        let lines: [String: [String]]

        init(_ folder: URL) throws {
            self.folder = folder
            manifest = try JSONDecoder().decode(
                Manifest.self, from: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
            var lines: [String: [String]] = [:]
            for split in CorpusSampleTests.splits where manifest.splits[split] != nil {
                for suffix in ["ids"] + manifest.languages {
                    let name = "\(split).\(suffix)"
                    let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
                    // Split on the byte: every line ends with "\n", so the last piece is empty.
                    lines[name] = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                        .dropLast().map { String(decoding: $0, as: UTF8.self) }
                }
            }
            self.lines = lines
        }

        func column(_ split: String, _ suffix: String) -> [String] { lines["\(split).\(suffix)"]! }
    }

    static let sample = Result { try Corpus(repo.appendingPathComponent("corpora/sample")) }

    /// Runs a command, returning its exit status and standard output and error.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-corpus-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func sampleSplitsAreLineAligned() throws {
        let corpus = try Self.sample.get()
        #expect(corpus.manifest.languages.count >= 3)
        #expect(corpus.manifest.languages.contains("en"))
        for split in Self.splits {
            let rows = corpus.column(split, "ids").count
            #expect(rows > 0)
            for lang in corpus.manifest.languages {
                #expect(corpus.column(split, lang).count == rows, "\(split).\(lang)")
            }
        }
    }

    @Test func sampleMatchesManifestCountsAndHashes() throws {
        let corpus = try Self.sample.get()
        let manifest = corpus.manifest
        #expect(Set(manifest.files.keys) == Set(corpus.lines.keys))
        var totals: [String: Int] = [:]
        for split in Self.splits {
            let counts = try #require(manifest.splits[split])
            #expect(counts.rows == corpus.column(split, "ids").count)
            for lang in manifest.languages {
                let segments = corpus.column(split, lang).filter { !$0.isEmpty }.count
                #expect(counts.segments[lang] == segments, "\(split).\(lang)")
                totals[lang, default: 0] += segments
            }
        }
        #expect(manifest.segments == totals)
        #expect(manifest.rows == Self.splits.map { corpus.column($0, "ids").count }.reduce(0, +))

        let names = manifest.files.keys.sorted()
        let result = try Self.run(["sha256sum"] + names.map { corpus.folder.appendingPathComponent($0).path })
        #expect(result.status == 0)
        let digests = result.output.split(separator: "\n").map { String($0.prefix(64)) }
        #expect(digests == names.map { manifest.files[$0]! })
    }

    @Test func heldOutRowsHaveEveryLanguage() throws {
        let corpus = try Self.sample.get()
        for split in ["valid", "test"] {
            for lang in corpus.manifest.languages {
                #expect(!corpus.column(split, lang).contains(""), "\(split).\(lang) has an empty line")
            }
        }
        // Training rows always have English and at least one translation.
        let train = corpus.manifest.languages.map { corpus.column("train", $0) }
        for row in train[0].indices {
            #expect(train.filter { !$0[row].isEmpty }.count >= 2)
        }
    }

    @Test func noEnglishSegmentInTwoSplitsAndIdsUnique() throws {
        let corpus = try Self.sample.get()
        let english = Self.splits.flatMap { corpus.column($0, "en") }
        #expect(Set(english).count == english.count)
        let ids = Self.splits.flatMap { corpus.column($0, "ids") }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.contains(".html#par_id") || $0.contains(".html#hd_id") })
    }

    /// The corpus is normalized by a Python twin of the ICU normalizer;
    /// ICU must leave every line unchanged.
    @Test func sampleIsAlreadyNormalized() throws {
        let corpus = try Self.sample.get()
        for (name, lines) in corpus.lines where !name.hasSuffix(".ids") {
            for (index, line) in lines.enumerated() where Normalizer.normalize(line) != line {
                Issue.record("\(name):\(index + 1) changes under Normalizer")
            }
        }
    }

    /// The hand-made trees under corpora/testdata/help hold inline markup, an
    /// inline switch, an icon-only paragraph, a repeated id, a segment left in
    /// English, a duplicate English segment, a missing paragraph and a missing
    /// page; every expected row is spelled out here.
    @Test func extractorAlignsHandMadeHelpTrees() throws {
        let out = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let trees = Self.repo.appendingPathComponent("corpora/testdata/help")
        let result = try Self.run([
            "python3", Self.repo.appendingPathComponent("corpora/libreoffice_help.py").path, "build",
            "--lang", "en=" + trees.appendingPathComponent("en-US").path,
            "--lang", "de=" + trees.appendingPathComponent("de").path,
            "--lang", "fr=" + trees.appendingPathComponent("fr").path,
            "--test-rows", "1", "--valid-rows", "1", "--out", out.path,
        ])
        try #require(result.status == 0, "\(result.error)")
        let corpus = try Corpus(out)
        #expect(corpus.manifest.languages == ["en", "de", "fr"])

        func rows(_ split: String) -> [[String]] {
            let columns = ["ids", "en", "de", "fr"].map { corpus.column(split, $0) }
            return columns[0].indices.map { row in columns.map { $0[row] } }
        }
        #expect(rows("train") == [
            ["text/shared/tables.html#hd_id1", "Inserting a Table", "Eine Tabelle einfügen", "Insérer un tableau"],
            ["text/shared/tables.html#par_id2", "Choose Table - Insert Table or press Ctrl+F12.",
             "Wählen Sie Tabelle – Tabelle einfügen oder drücken Sie Strg+F12.",
             "Choisissez Tableau - Insérer un tableau ou appuyez sur Ctrl+F12."],
            ["text/shared/tables.html#par_id5", "See Tables and fields. Nextline",
             "Siehe Tabellen und Felder. NächsteZeile", "Voir Tableaux et champs. Lignesuivante"],
            ["text/shared/tables.html#par_id6", "Opens the dialog.", "Öffnet den Dialog.",
             "Ouvre la boîte de dialogue."],
            ["text/shared/tables.html#par_id7", "Untranslated in French.", "Auf Französisch nicht übersetzt.", ""],
            ["text/swriter/fields.html#par_id3", "The French page lacks this paragraph.",
             "Der französischen Seite fehlt dieser Absatz.", ""],
            ["text/swriter/styles.html#hd_id1", "Styles", "Formatvorlagen", ""],
            ["text/swriter/styles.html#par_id2", "This page exists only in English and German.",
             "Diese Seite gibt es nur auf Englisch und Deutsch.", ""],
        ])
        // Held-out rows: the complete rows with the smallest SHA-256 of the English text.
        #expect(rows("valid") == [["text/swriter/fields.html#hd_id1", "Fields", "Felder", "Champs"]])
        #expect(rows("test") == [
            ["text/swriter/fields.html#par_id4", "Only on Linux.", "Nur unter Linux.", "Seulement sous Linux."],
        ])
    }

    @Test func extractorNamesFileAndLineOfInvalidUTF8() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let page = root.appendingPathComponent("en/text/bad.html")
        try FileManager.default.createDirectory(at: page.deletingLastPathComponent(), withIntermediateDirectories: true)
        // "café" with é in Latin-1: not UTF-8.
        try (Data("<html>\n<p id=\"par_id1\">caf".utf8) + [0xE9, 0x0A]).write(to: page)
        let result = try Self.run([
            "python3", Self.repo.appendingPathComponent("corpora/libreoffice_help.py").path, "build",
            "--lang", "en=" + root.appendingPathComponent("en").path, "--out", root.appendingPathComponent("out").path,
        ])
        #expect(result.status != 0)
        #expect(result.error.contains("bad.html:2: invalid UTF-8"), "\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
    }
}
