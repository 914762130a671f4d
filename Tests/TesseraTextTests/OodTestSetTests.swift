import Foundation
import Testing
import TesseraText

/// The out-of-domain test set is built by corpora/ood_messages.py from gettext
/// catalogs (see corpora/README.md). These tests run it on the hand-made
/// catalogs under corpora/testdata/ood, whose kept rows are known exactly.
@Suite(.timeLimit(.minutes(1))) struct OodTestSetTests {
    static let tool = CorpusSampleTests.repo.appendingPathComponent("corpora/ood_messages.py").path
    static let catalogs = CorpusSampleTests.repo.appendingPathComponent("corpora/testdata/ood").path

    static func build(_ out: URL, rows: Int, langs: String = "en,de,fr,ja") throws
        -> (status: Int32, output: String, error: String) {
        try CorpusSampleTests.run([
            "python3", tool, "build", "--locale-root", catalogs, "--langs", langs,
            "--rows", String(rows), "--out", out.path,
        ])
    }

    static func rows(_ corpus: CorpusSampleTests.Corpus) -> [[String]] {
        let columns = ["ids", "en", "de", "fr", "ja"].map { corpus.column("test", $0) }
        return columns[0].indices.map { row in columns.map { $0[row] } }
    }

    /// The catalogs hold one message for each rule: a 1-word label, a message
    /// with three placeholders, one fuzzy in French, one empty in Japanese,
    /// one left in English in German, one missing in Japanese, a mid-word
    /// accelerator, a column layout, a console help line, a plural entry and
    /// the same msgid under two contexts. Six rows survive, cleaned.
    @Test func keepsSentenceLikeMessagesTranslatedEverywhere() throws {
        let out = try CorpusSampleTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try Self.build(out, rows: 6)
        try #require(result.status == 0, "\(result.error)")
        let corpus = try CorpusSampleTests.Corpus(out)
        #expect(corpus.manifest.languages == ["en", "de", "fr", "ja"])
        #expect(corpus.manifest.rows == 6)
        #expect(Set(corpus.lines.keys) == Set(["ids", "en", "de", "fr", "ja"].map { "test.\($0)" }))
        #expect(Self.rows(corpus) == [
            ["demo#&Quit the player and save the settings", "Quit the player and save the settings",
             "Player beenden und Einstellungen speichern", "Quitter le lecteur et enregistrer les paramètres",
             "プレーヤーを終了して設定を保存"],
            ["demo#Could not open the file %s for reading.", "Could not open the file %s for reading.",
             "Die Datei %s konnte nicht zum Lesen geöffnet werden.", "Impossible d’ouvrir le fichier %s en lecture.",
             "ファイル %s を読み込み用に開けませんでした。"],
            ["demo#Drag &amp; drop <i>files</i> onto the window to play them.",
             "Drag & drop files onto the window to play them.",
             "Ziehen Sie Dateien auf das Fenster, um sie abzuspielen & zu hören.",
             "Glissez-déposez des fichiers sur la fenêtre pour les lire.",
             "ファイルをウィンドウにドラッグ&ドロップすると再生します。"],
            ["demo#Enable the equalizer.\\nIt applies to every track.",
             "Enable the equalizer. It applies to every track.",
             "Den Equalizer aktivieren. Er gilt für jeden Titel.",
             "Activer l’égaliseur. Il s’applique à chaque piste.",
             "イコライザーを有効にします。 すべてのトラックに適用されます。"],
            ["demo#_Open the file in a new window.", "Open the file in a new window.",
             "Die Datei in einem neuen Fenster öffnen.", "Ouvrir le fichier dans une nouvelle fenêtre.",
             "新しいウィンドウでファイルを開きます。"],
            ["demo#menu|Play the next item in the playlist.", "Play the next item in the playlist.",
             "Das nächste Element der Wiedergabeliste abspielen.", "Lire l’élément suivant de la liste de lecture.",
             "プレイリストの次の項目を再生します。"],
        ])
        for (name, lines) in corpus.lines where name != "test.ids" {
            for (index, line) in lines.enumerated() where Normalizer.normalize(line) != line {
                Issue.record("\(name):\(index + 1) changes under Normalizer")
            }
        }
    }

    /// A capped set keeps the rows with the smallest SHA-256 of their English
    /// text, written in id order.
    @Test func capKeepsSmallestHashes() throws {
        let out = try CorpusSampleTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try Self.build(out, rows: 2)
        try #require(result.status == 0, "\(result.error)")
        #expect(try CorpusSampleTests.Corpus(out).column("test", "ids") == [
            "demo#&Quit the player and save the settings", "demo#Could not open the file %s for reading.",
        ])
    }

    @Test func badInputEndsWithOneLine() throws {
        let out = try CorpusSampleTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let script = CorpusSampleTests.repo.appendingPathComponent("corpora/build-ood.sh").path
        // The language is checked before anything is downloaded.
        let cases: [([String], String)] = [
            ([script, "--langs", "en,de,fr,ja,xx", "--out", out.path], "unknown language 'xx'"),
            ([script, "--langs", "en,de,fr", "--out", out.path], "ja is missing"),
            (["python3", Self.tool, "build", "--locale-root", Self.catalogs, "--domain", "nosuch",
              "--langs", "en,de,fr,ja", "--out", out.path], "no nosuch.mo for locale de"),
            (["python3", Self.tool, "build", "--locale-root", Self.catalogs, "--langs", "en,de,fr,ja",
              "--rows", "7", "--out", out.path], "only 6 sentence-like messages"),
        ]
        for (arguments, message) in cases {
            let result = try CorpusSampleTests.run(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.error.contains(message), "\(result.error)")
            #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
        }
    }

    /// However it is called, the build never replaces a training corpus.
    @Test func refusesToReplaceATrainingCorpus() throws {
        let out = try CorpusSampleTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        for name in ["manifest.json", "train.en"] {
            try Data("{}\n".utf8).write(to: out.appendingPathComponent(name))
        }
        let result = try Self.build(out, rows: 2)
        #expect(result.status != 0)
        #expect(result.error.contains("holds training files"), "\(result.error)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("train.en").path))
    }
}
