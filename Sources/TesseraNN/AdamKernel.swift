import TesseraKernels
import TesseraTensor

/// The per-element Adam update, vectorized (sqrt is an instruction, not a libm call).
enum AdamKernel {
    /// Returns whether every updated weight is finite (a finite gradient can still push a
    /// weight past Float's range at a huge learning rate).
    static func update(_ p: UnsafeMutablePointer<Float>, grad: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>,
                       v: UnsafeMutablePointer<Float>, count n: Int, gradientScale: Float, lr: Float, config c: AdamConfig,
                       correction1: Float, correction2: Float) -> Bool {
        let stepSize = lr / correction1, decay = lr * c.weightDecay
        let invSqrtCorrection2 = 1 / correction2.squareRoot()
        // x − x is 0 for a finite x and NaN for ±∞ or NaN, so this stays 0 only if all are finite.
        var nonFinite = SIMD8<Float>()
        var i = 0
        while i < n {
            let l = min(8, n - i)
            let g = load8(grad + i, l) * gradientScale
            let mi = c.beta1 * load8(m + i, l) + (1 - c.beta1) * g
            let vi = c.beta2 * load8(v + i, l) + (1 - c.beta2) * g * g
            let old = load8(p + i, l)
            let update = stepSize * mi / (vi.squareRoot() * invSqrtCorrection2 + c.epsilon)
            store8(mi, m + i, l)
            store8(vi, v + i, l)
            let new = old - decay * old - update
            nonFinite += new - new
            store8(new, p + i, l)
            i += 8
        }
        return nonFinite.sum() == 0
    }

    static func sumOfSquares(_ x: UnsafePointer<Float>, count n: Int) -> Double {
        var total = 0.0
        var i = 0
        while i < n {
            var acc = SIMD8<Float>()
            let end = min(n, i + 4096)
            while i < end {
                let v = load8(x + i, min(8, end - i))
                acc += v * v
                i += 8
            }
            total += Double(acc.sum())
        }
        return total
    }
}
