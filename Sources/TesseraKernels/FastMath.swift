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
        x.replace(with: -87.33654, where: x .< -87.33654)
        // n = round(x / ln 2) by the 1.5·2^23 trick (no SSE4 rounding needed); its low mantissa
        // bits then hold n itself.
        let magic: Float = 12582912.0
        let t = muladd(x, F8(repeating: 1.44269504088896341), F8(repeating: magic))
        let n = t - magic
        let r = muladd(n, F8(repeating: 2.12194440e-4), muladd(n, F8(repeating: -0.693359375), x))
        var p = F8(repeating: 1.9875691500e-4)
        p = muladd(p, r, F8(repeating: 1.3981999507e-3))
        p = muladd(p, r, F8(repeating: 8.3334519073e-3))
        p = muladd(p, r, F8(repeating: 4.1665795894e-2))
        p = muladd(p, r, F8(repeating: 1.6666665459e-1))
        p = muladd(p, r, F8(repeating: 5.0000001201e-1))
        p = muladd(p, r * r, r + 1)
        let bits = (unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
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

    /// exp(x), and exactly 0 where x is −∞ (masked entries).
    @_transparent
    public static func expOrZero(_ x: F8) -> F8 { exp(x).replacing(with: 0, where: x .== -.infinity) }

    @inlinable @inline(__always)
    public static func relu(_ x: F8) -> F8 { x.replacing(with: 0, where: x .< 0) }

    /// dy where x > 0, else 0.
    @inlinable @inline(__always)
    public static func reluGradient(_ x: F8, _ dy: F8) -> F8 { dy.replacing(with: 0, where: x .<= 0) }

    /// Horizontal sum in a fixed lane order (deterministic).
    @inlinable @inline(__always)
    public static func sum(_ v: F8) -> Float {
        ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]))
    }

    @inlinable @inline(__always)
    public static func max(_ v: F8) -> Float {
        Swift.max(Swift.max(Swift.max(v[0], v[4]), Swift.max(v[1], v[5])), Swift.max(Swift.max(v[2], v[6]), Swift.max(v[3], v[7])))
    }
}
