import Testing
@testable import TesseraMetrics

/// Tokenizes with Tessera and joins tokens with single spaces, as sacreBLEU's tokenizers return them.
func tokenized(_ text: String, with tokenizer: some LineTokenizer) -> String {
    var scratch = TokenizerScratch()
    var tokens: [String] = []
    Array(text.utf8).withUnsafeBufferPointer { line in
        tokenizer.apply(line, scratch: &scratch) { out in
            PythonText.forEachToken(out) { tokens.append(String(decoding: out[$0], as: UTF8.self)) }
        }
    }
    return tokens.joined(separator: " ")
}

func lowercased(_ text: String) -> String {
    var out: [UInt8] = []
    Array(text.utf8).withUnsafeBufferPointer { PythonText.lowercase($0, into: &out) }
    return String(decoding: out, as: UTF8.self)
}

struct TokenizerCase: CustomTestStringConvertible, Sendable {
    var tokenizer: String
    var input: String
    var output: String
    var testDescription: String { "\(tokenizer): \(input.debugDescription)" }

    static let all: [TokenizerCase] = Fixtures.jsonLines("tokenizers.jsonl").map {
        TokenizerCase(tokenizer: $0["tokenizer"] as! String, input: $0["input"] as! String, output: $0["output"] as! String)
    }
}

@Suite struct TokenizerTests {
    /// Every tokenizer (and str.lower) on the fixture lines, against sacreBLEU's own output.
    @Test func matchesSacreBLEUTokenizers() throws {
        for fixture in TokenizerCase.all {
            let actual: String
            if fixture.tokenizer == "lower" {
                actual = lowercased(fixture.input)
            } else if fixture.tokenizer.hasPrefix("tercom") {
                let ter = TercomTokenizer(normalized: fixture.tokenizer.contains("-norm"),
                                          noPunct: fixture.tokenizer.contains("-nopunct"),
                                          asianSupport: fixture.tokenizer.contains("-asian"))
                actual = tokenized(fixture.input, with: ter)
            } else {
                actual = tokenized(fixture.input, with: try Tokenizer.named(fixture.tokenizer))
            }
            // BLEU and TER split the tokenizer's output on whitespace ("none" and
            // "char" return unnormalized spacing), so compare the split tokens.
            let expected = fixture.tokenizer == "lower" ? fixture.output
                : fixture.output.unicodeScalars.split(whereSeparator: { PythonText.isSpace($0.value) })
                    .map { String(String.UnicodeScalarView($0)) }.joined(separator: " ")
            #expect(actual == expected, "\(fixture.testDescription)")
        }
    }

    @Test func thirteenAEdgeCases() {
        let t = Tokenizer.thirteenA
        #expect(tokenized("Hello, world.", with: t) == "Hello , world .")
        #expect(tokenized("It costs 1,000.50 in 2019.", with: t) == "It costs 1,000.50 in 2019 .")
        #expect(tokenized("pages 3-4 and a-b", with: t) == "pages 3 - 4 and a-b")
        #expect(tokenized("&quot;x&quot; &amp;lt;", with: t) == "\" x \" <")  // entities decode in turn: &amp;lt; → &lt; → <
        #expect(tokenized("a<skipped>b", with: t) == "ab")
        #expect(tokenized("", with: t) == "")
    }

    @Test func intlUsesUnicodeCategories() {
        let t = Tokenizer.intl
        // Punctuation between digits stays (decimal separators); symbols always split.
        #expect(tokenized("1,5 €, 3.14 and «quotes»!", with: t) == "1,5 € , 3.14 and « quotes » !")
        #expect(tokenized("नमस्ते। 你好。", with: t) == "नमस्ते । 你好 。")
        #expect(tokenized("2+2=4", with: t) == "2 + 2 = 4")
        // A number followed by a final period keeps it (mteval-v14's documented quirk).
        #expect(tokenized("in 2019.", with: t) == "in 2019.")
    }

    @Test func zhSplitsItsCharacterRangesIncludingSacreBLEUsQuirk() {
        let t = Tokenizer.zh
        #expect(tokenized("我们今天去公园。", with: t) == "我 们 今 天 去 公 园 。")
        #expect(tokenized("a’b", with: t) == "a ’ b")  // U+2019 is inside sacreBLEU's effective U+2001...U+2A6D
        #expect(tokenized("𠀀x", with: t) == "𠀀x")  // Extension B is not, despite its comment
    }

    @Test func charAndNone() {
        #expect(tokenized("ab c", with: Tokenizer.char) == "a b c")
        #expect(tokenized("e\u{301}", with: Tokenizer.char) == "e \u{301}")
        #expect(tokenized("  a\u{3000}b ", with: Tokenizer.none) == "a b")
    }

    @Test func lowercaseFollowsPython() {
        #expect(lowercased("ΟΔΟΣ ΣΟΦΟΣ.") == "οδος σοφος.")
        #expect(lowercased("İ") == "i\u{307}")
        #expect(lowercased("ABC ß") == "abc ß")
    }

    @Test func unavailableTokenizersSayWhy() {
        #expect(throws: MetricsError.self) { try Tokenizer.named("ja-mecab") }
        do {
            _ = try Tokenizer.named("flores200")
        } catch {
            #expect(error.message.contains("not available offline"))
        }
    }
}
