import Testing
@testable import TesseraMetrics

@Suite struct UnicodeTableTests {
    /// ICU's P/S/N categories and Tessera's str.isspace agree with Python's regex
    /// module and str.isspace on every code point Python's Unicode database assigns.
    @Test func icuCategoriesMatchPythonRegex() {
        var mismatches: [String] = []
        for row in Fixtures.lines("unicode.txt") where !row.hasPrefix("#") {
            let fields = row.split(separator: " ")
            let first = UInt32(fields[0], radix: 16)!, last = UInt32(fields[1], radix: 16)!, expected = UInt8(fields[2])!
            for c in first...last {
                let actual = UnicodeClasses.flags(c) | (PythonText.isSpace(c) ? 8 : 0)
                if actual != expected { mismatches.append(String(c, radix: 16)) }
            }
        }
        #expect(mismatches.isEmpty, "code points: \(mismatches.prefix(20))")
    }

    @Test func zhRangesMatchSacreBLEU() {
        var chinese = Set<UInt32>()
        for row in Fixtures.lines("zh-ranges.txt") {
            let fields = row.split(separator: " ")
            for c in UInt32(fields[0], radix: 16)!...UInt32(fields[1], radix: 16)! { chinese.insert(c) }
        }
        for c in UInt32(0)..<0x110000 where Tokenizer.isChinese(c) != chinese.contains(c) {
            Issue.record("U+\(String(c, radix: 16)) differs")
        }
    }
}
