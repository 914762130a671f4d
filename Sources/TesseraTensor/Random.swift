/// SplitMix64: small, fast, seedable; used for parameter init and to derive per-op dropout seeds.
public struct SplitMix64: RandomNumberGenerator, Sendable, Codable {
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

/// Counter-based random bits: element i of a dropout mask is a pure function of (seed, i), so masks
/// are generated in parallel, identically on every run, and recomputed in backward instead of stored.
enum CounterHash {
    @inline(__always)
    static func mix(_ v: SIMD8<UInt32>) -> SIMD8<UInt32> {
        var x = v
        x ^= x &>> 16
        x &*= 0x7FEB_352D
        x ^= x &>> 15
        x &*= 0x846C_A68B
        x ^= x &>> 16
        return x
    }

    /// Keep mask (1/keepProbability or 0) for elements start..<start+8.
    @inline(__always)
    static func dropoutScale(seed: UInt64, start: Int, threshold: UInt32, scale: Float) -> F8 {
        let lanes = SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7) &+ UInt32(truncatingIfNeeded: start)
        let h = mix(mix(lanes &+ UInt32(truncatingIfNeeded: seed)) ^ UInt32(truncatingIfNeeded: seed >> 32))
        return F8(repeating: 0).replacing(with: scale, where: h .>= threshold)
    }
}

#if canImport(Glibc)
import Glibc
#endif
