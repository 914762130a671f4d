/// Vectorized approximations used by the kernels instead of libm (whose per-element calls are an
/// order of magnitude slower). Accuracy against libm is checked in FastMathTests, for both builds.
/// Polynomials go through `muladd`, which is a fused multiply-add in the AVX2 build.
public enum FastMath {
    /// exp(x) to about 2 ulp for x in [-87.3, 88]; inputs are clamped to that range, so very
    /// negative inputs give the smallest normal float instead of 0.
    @inlinable @inline(__always)
    public static func exp(_ input: F8) -> F8 {
        var x = input
        x.replace(with: 88.0, where: x .> 88.0)
        x.replace(with: expLowest, where: x .< expLowest)
        return expInRange(x)
    }

    /// The lowest input whose exp is a normal float; `expInRange` needs inputs at or above it.
    @inlinable public static var expLowest: Float { -87.33654 }

    /// exp(x) for x in [expLowest, 88]; lanes outside that range get meaningless values, which
    /// callers clamp beforehand (`exp`) or replace afterwards (`expOrZero`).
    @_transparent
    public static func expInRange(_ x: F8) -> F8 {
        // n = round(x / ln 2) by adding 1.5·2^23 + 127 (no SSE4 rounding needed): the low mantissa
        // bits of the sum then hold n + 127, the biased exponent of 2^n, and a shift by 23 moves them
        // into the exponent field and every other bit of the sum out.
        let magic: Float = 12582912.0 + 127
        let t = muladd(x, F8(repeating: 1.44269504088896341), F8(repeating: magic))
        let n = t - magic
        let r = muladd(n, F8(repeating: 2.12194440e-4), muladd(n, F8(repeating: -0.693359375), x))
        // exp(r) ≈ 1 + r + r²·((c2 + c3·r) + r²·(c4 + c5·r)) by Estrin's scheme (the two pairs are
        // independent, so the chain of dependent operations is shorter than Horner's), with
        // coefficients from recipes/fit-exp.py: worst relative error 2.1e-7 over [-87.3, 88].
        let r2 = r * r
        let p = muladd(r2, muladd(r2, muladd(r, F8(repeating: 8.3124889061e-3), F8(repeating: 4.1890054941e-2)),
                                  muladd(r, F8(repeating: 1.6667114198e-1), F8(repeating: 4.9999231100e-1))), r + 1)
        let bits = unsafeBitCast(t, to: SIMD8<Int32>.self) &<< 23
        return p * unsafeBitCast(bits, to: F8.self)
    }

    /// erf(t) ≈ t·P(t²)/Q(t²) with t clamped to ±4 (beyond it erf rounds to ±1 in float32): one
    /// division and eleven multiply-adds, no exp. Coefficients and their error come from
    /// recipes/fit-erf.py (|error of x·Φ(x)| ≤ 1.2e-6 on [−10, 10]).
    @inlinable @inline(__always)
    public static func erf(_ input: F8) -> F8 {
        var t = input
        t.replace(with: 4, where: t .> 4)
        t.replace(with: -4, where: t .< -4)
        let u = t * t
        var p = F8(repeating: -1.3667002640715964e-08)
        p = muladd(p, u, F8(repeating: 4.780584276886657e-06))
        p = muladd(p, u, F8(repeating: 0.0003826936590485275))
        p = muladd(p, u, F8(repeating: 0.0038395242299884558))
        p = muladd(p, u, F8(repeating: 0.05433260276913643))
        p = muladd(p, u, F8(repeating: 0.18471011519432068))
        p = muladd(p, u, F8(repeating: 1.128379225730896))
        var q = F8(repeating: 6.400969141395763e-05)
        q = muladd(q, u, F8(repeating: 0.001309579936787486))
        q = muladd(q, u, F8(repeating: 0.015453511849045753))
        q = muladd(q, u, F8(repeating: 0.11382624506950378))
        q = muladd(q, u, F8(repeating: 0.4970286190509796))
        q = muladd(q, u, F8(repeating: 1))
        return t * p / q
    }

    /// The standard normal CDF Φ(x) = (1 + erf(x/√2))/2.
    @inlinable @inline(__always)
    public static func normalCDF(_ x: F8) -> F8 { 0.5 * (1 + erf(x * 0.70710678118654752)) }

    /// GELU with the exact (erf) definition: x·Φ(x).
    @inlinable @inline(__always)
    public static func gelu(_ x: F8) -> F8 { x * normalCDF(x) }

    /// GELU′(x) = Φ(x) + x·φ(x).
    /// Transparent, like `expOrZero`: as @inline(__always) functions wrapping the inlined `exp`,
    /// both stayed out-of-line calls inside the kernels' loops.
    @_transparent
    public static func geluDerivative(_ x: F8) -> F8 { normalCDF(x) + x * exp(-0.5 * x * x) * 0.3989422804014327 }

    /// exp(x) for x ≤ 0 (scores minus their maximum, log-probabilities), exactly 0 below
    /// `expLowest` and at −∞ (masked entries); NaN stays NaN. With no input above 0 there is
    /// nothing to clamp, so one compare and one select cover both ends.
    @_transparent
    public static func expOrZero(_ x: F8) -> F8 { expInRange(x).replacing(with: 0, where: x .< expLowest) }

    @inlinable @inline(__always)
    public static func relu(_ x: F8) -> F8 { x.replacing(with: 0, where: x .< 0) }

    /// dy where x > 0, else 0.
    @inlinable @inline(__always)
    public static func reluGradient(_ x: F8, _ dy: F8) -> F8 { dy.replacing(with: 0, where: x .<= 0) }

    /// The sum of v's lanes, in every lane, in a fixed order (deterministic): neighbours swapped and
    /// added, then pairs, then halves. Addition commutes exactly, so every lane gets the same bits.
    @_transparent
    public static func sumAcross(_ v: F8) -> F8 {
        let a = v + F8(v[1], v[0], v[3], v[2], v[5], v[4], v[7], v[6])
        let b = a + F8(a[2], a[3], a[0], a[1], a[6], a[7], a[4], a[5])
        return b + F8(lowHalf: b.highHalf, highHalf: b.lowHalf)
    }

    /// Lane i holds the sum of rows[i]'s lanes, with the bits of `sumAcross(rows[i])`: the same
    /// additions, done for eight vectors at once by a tree of shuffles.
    @_transparent
    public static func rowSums(_ rows: InlineArray<8, F8>) -> F8 {
        // Lanes (0, 1, 4, 5) of the result hold a's neighbour sums, lanes (2, 3, 6, 7) b's.
        @_transparent func neighbourSums(_ a: F8, _ b: F8) -> F8 {
            F8(a[0], a[2], b[0], b[2], a[4], a[6], b[4], b[6]) + F8(a[1], a[3], b[1], b[3], a[5], a[7], b[5], b[7])
        }
        let low = neighbourSums(neighbourSums(rows[0], rows[1]), neighbourSums(rows[2], rows[3]))
        let high = neighbourSums(neighbourSums(rows[4], rows[5]), neighbourSums(rows[6], rows[7]))
        return F8(lowHalf: low.lowHalf, highHalf: high.lowHalf) + F8(lowHalf: low.highHalf, highHalf: high.highHalf)
    }

    /// The maximum of v's lanes, in every lane.
    @_transparent
    public static func maxAcross(_ v: F8) -> F8 {
        let a = larger(v, F8(lowHalf: v.highHalf, highHalf: v.lowHalf))
        let b = larger(a, F8(a[2], a[3], a[0], a[1], a[6], a[7], a[4], a[5]))
        return larger(b, F8(b[1], b[0], b[3], b[2], b[5], b[4], b[7], b[6]))
    }

    @_transparent
    public static func sum(_ v: F8) -> Float { sumAcross(v)[0] }

    @_transparent
    public static func max(_ v: F8) -> Float { maxAcross(v)[0] }
}
