import CICU

/// Unicode general categories the `intl` tokenizer needs, taken from ICU.
/// The Basic Multilingual Plane is looked up once into a table (every real
/// text character but emoji and rare scripts lives there); other planes ask
/// ICU each time.
enum UnicodeClasses {
    static let punctuation: UInt8 = 1
    static let symbol: UInt8 = 2
    static let number: UInt8 = 4

    // ICU's UCharCategory values for Nd, Nl and No.
    private static let numberCategories: ClosedRange<Int32> = 9...11

    private static let bmp: [UInt8] = (0..<0x10000).map { fromICU(UInt32($0)) }

    private static func fromICU(_ c: UInt32) -> UInt8 {
        (tsr_is_punctuation(c) != 0 ? punctuation : 0)
            | (tsr_is_symbol(c) != 0 ? symbol : 0)
            | (numberCategories.contains(tsr_char_category(c)) ? number : 0)
    }

    @inline(__always)
    static func flags(_ c: UInt32) -> UInt8 {
        c < 0x10000 ? bmp.withUnsafeBufferPointer { $0[Int(c)] } : fromICU(c)
    }
}
