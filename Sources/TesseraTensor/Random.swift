import TesseraKernels

/// SplitMix64: small, fast, seedable; used for parameter init and to derive per-op dropout seeds.
public struct SplitMix64: RandomNumberGenerator, Sendable, Codable, Equatable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Standard normal (Box–Muller); only for initialization, never in hot loops.
    public mutating func nextGaussian() -> Float {
        let u1 = Double(next() >> 11) * 0x1p-53 + 0x1p-54
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}

/// Counter-based random bits: the dropout mask of an 8-element block is a pure function of (seed,
/// block start), so masks are generated in parallel, identically on every run, and recomputed in
/// backward instead of stored. Two SplitMix64 finalizers give 16 random bits per lane (scalar 64-bit
/// multiplies are far cheaper than 32-bit lane multiplies without SSE4.1), so drop probabilities
/// are quantized to multiples of 1/65536.
enum CounterHash {
    @inline(__always)
    static func mix(_ input: UInt64) -> UInt64 {
        var z = input
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 1/keep (kept) or 0 (dropped) for elements start..<start+8; `threshold` = rate·65536.
    @inline(__always)
    static func dropoutScale(seed: UInt64, start: Int, threshold: Float, scale: Float) -> F8 {
        let base = seed &+ UInt64(truncatingIfNeeded: start) &* 0x9E37_79B9_7F4A_7C15
        let words = unsafeBitCast(SIMD2<UInt64>(mix(base), mix(base ^ 0x5555_5555_5555_5555)), to: SIMD4<UInt32>.self)
        // Eight 16-bit integers, turned into exact floats by the 2^23 mantissa trick (the generic
        // SIMD integer-to-float conversions compile to calls).
        let halves = SIMD8<UInt32>(lowHalf: words & 0xFFFF, highHalf: words &>> 16)
        let uniform = unsafeBitCast(halves | 0x4B00_0000, to: F8.self) - 8_388_608
        return F8(repeating: 0).replacing(with: scale, where: uniform .>= threshold)
    }
}

#if canImport(Glibc)
import Glibc
#endif
