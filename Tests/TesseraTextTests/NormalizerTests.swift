import Testing
@testable import TesseraText

@Suite struct NormalizerTests {
    @Test func nfkcAndCleanup() {
        #expect(Normalizer.normalize("  Ｈｅｌｌｏ\u{200B}   wörld\t! ") == "Hello wörld !")
    }
}
