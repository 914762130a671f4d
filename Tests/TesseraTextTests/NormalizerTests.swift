import Foundation
import Testing
@testable import TesseraText

@Suite struct NormalizerTests {
    @Test(arguments: [
        ("  Ｈｅｌｌｏ\u{200B}   wörld\t! ", "Hello wörld !"),
        ("ﬁne ①", "fine 1"),
        ("㍿", "株式会社"),
        ("a\u{00A0}b\u{3000}c\u{2003}d", "a b c d"),
        ("soft\u{00AD}hyphen zero\u{200D}joiner bom\u{FEFF}", "softhyphen zerojoiner bom"),
        ("bell\u{0007} and\u{0000}nul", "bell andnul"),
        ("e\u{0301}", "é"),
        ("\t\t", ""),
        ("", ""),
        ("Привет,  мир", "Привет, мир"),
        ("ｶﾀｶﾅ", "カタカナ"),
        ("a\u{2581}b", "a_b"),
    ])
    func normalizes(input: String, expected: String) {
        #expect(Normalizer.normalize(input) == expected)
    }

    @Test func expandsBeyondInitialBuffer() {
        // U+FDFA expands to 18 characters (33 bytes) under NFKC.
        let out = Normalizer.normalize("\u{FDFA}")
        #expect(out == "صلى الله عليه وسلم")
    }

    @Test func longLine() {
        let line = String(repeating: "abc  def ", count: 100_000)
        let out = Normalizer.normalize(line)
        #expect(out.utf8.count == 8 * 100_000 - 1)
    }

    @Test func isIdempotent() {
        let samples = ["Ｔｅｓｔ  ﬁ ㍿", "Ελληνικά  κείμενα", "日本語　テキスト", "हिन्दी पाठ", "النص العربي", "😀 👍🏽 e\u{301}"]
        for sample in samples {
            let once = Normalizer.normalize(sample)
            #expect(Normalizer.normalize(once) == once)
        }
    }

    @Test(arguments: [[0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0x61, 0xE2, 0x82], [0xFF], [0xF4, 0x90, 0x80, 0x80]] as [[UInt8]])
    func rejectsInvalidUTF8(bytes: [UInt8]) {
        #expect(throws: Normalizer.Failure.invalidUTF8) {
            try bytes.withUnsafeBufferPointer { try Normalizer.normalize(utf8: $0) }
        }
    }
}
