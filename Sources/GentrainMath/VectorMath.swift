/// float32 `exp`, `tanh`, `sigmoid`, `erf` and the normal CDF written branch-free, so that loops over buffers that
/// call them vectorize (libm's are scalar calls, and were a fifth of a recurrent training step).
/// Errors stay within a few ulp of the correctly rounded result; special values (±inf, nan,
/// overflow to inf, underflow through the subnormals to 0) follow IEEE.
///
/// Inlinable on purpose: each module that loops over them compiles them for its own target
/// CPU (the engine for the baseline, GentrainKernelsAVX2 for AVX2 + FMA), and `M` says how their
/// polynomial steps multiply and add: `Fused` in the wide kernels (one FMA instruction, half the
/// operations of a step and a shorter dependency chain), `Separate` in baseline code, where a fused
/// multiply-add without the instruction would be a slow library call. `VectorMath` is the latter.
public enum VectorMathOf<M: MultiplyAdd> {
    /// eˣ: x = n·ln 2 + r with |r| ≤ ln 2 / 2, a degree-6 polynomial for eʳ, and 2ⁿ built in
    /// the exponent bits (in two factors, so subnormal results and overflow come out right).
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let xc = x < -104 ? -104 : (x > 89 ? 89 : x)   // nan passes through
        // Round x·log2(e) to an integer with the 1.5·2²³ trick: no conversion that could trap.
        let shifter: Float = 12582912
        let t = xc * 1.44269504088896341 + shifter
        let n = t - shifter
        let r = (xc - n * 0.693359375) - n * -2.12194440e-4   // ln 2 in two parts
        var p: Float = 1.9875691500e-4
        p = M.mulAdd(p, r, 1.3981999507e-3)
        p = M.mulAdd(p, r, 8.3334519073e-3)
        p = M.mulAdd(p, r, 4.1665795894e-2)
        p = M.mulAdd(p, r, 1.6666665459e-1)
        p = M.mulAdd(p, r, 5.0000001201e-1)
        let er = M.mulAdd(p * r, r, r) + 1
        let k = Int32(bitPattern: t.bitPattern &- shifter.bitPattern)   // the integer n
        let k1 = k >> 1, k2 = k &- k1
        let s1 = Float(bitPattern: UInt32(bitPattern: (k1 &+ 127) << 23))
        let s2 = Float(bitPattern: UInt32(bitPattern: (k2 &+ 127) << 23))
        return er * s1 * s2
    }

    /// tanh x: an odd polynomial below |x| = 0.625, 1 − 2/(e²ˣ + 1) above (with x's sign).
    @inlinable @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        let a = Swift.abs(x)
        let z = x * x
        var p: Float = -5.70498872745e-3
        p = M.mulAdd(p, z, 2.06390887954e-2)
        p = M.mulAdd(p, z, -5.37397155531e-2)
        p = M.mulAdd(p, z, 1.33314422036e-1)
        p = M.mulAdd(p, z, -3.33332819422e-1)
        let small = x * (1 + p * z)   // keeps the sign of -0
        let large = 1 - 2 / (exp(2 * a) + 1)
        return a < 0.625 ? small : (x < 0 ? -large : large)
    }

    /// 1 / (1 + e⁻ˣ), as e / (1 + e) with e = eˣ for negative x: exact in both tails.
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Float) -> Float {
        let e = exp(-Swift.abs(x))
        let s = 1 / (1 + e)
        return x < 0 ? e * s : s
    }

    /// erf x: its odd series below |x| = 0.5, 1 − erfc|x| above (with x's sign).
    @inlinable @inline(__always)
    public static func erf(_ x: Float) -> Float {
        let large = 1 - erfcOfMagnitude(x)
        return Swift.abs(x) < 0.5 ? erfSeries(x) : (x < 0 ? -large : large)
    }

    /// Φ(x) = ½ erfc(−x/√2), the standard normal CDF (GELU's factor): from erfc on both sides, so
    /// that Φ of a large negative x keeps its precision (½ (1 + erf) would cancel to nothing).
    /// Near 0, where Φ ≈ ½, erfc's relative error is already within an ulp of Φ: no series needed.
    @inlinable @inline(__always)
    public static func normalCDF(_ x: Float) -> Float {
        let z = x * 0.70710678118654752440
        let c = 0.5 * erfcOfMagnitude(z)
        return z < 0 ? c : 1 - c
    }

    /// SiLU, x·σ(x).
    @inlinable @inline(__always)
    public static func silu(_ x: Float) -> Float { x * sigmoid(x) }

    /// SiLU's derivative, σ(x)·(1 + x·(1 − σ(x))).
    @inlinable @inline(__always)
    public static func siluSlope(_ x: Float) -> Float {
        let s = sigmoid(x)
        return s * (1 + x * (1 - s))
    }

    /// GELU, x·Φ(x).
    @inlinable @inline(__always)
    public static func gelu(_ x: Float) -> Float { x * normalCDF(x) }

    /// GELU's derivative, Φ(x) + x·φ(x).
    @inlinable @inline(__always)
    public static func geluSlope(_ x: Float) -> Float { normalCDF(x) + x * 0.39894228040143267794 * exp(-0.5 * x * x) }

    /// erf's Taylor series to x¹³ (below |x| = 0.5 the next term is under 1e-9 relative).
    @inlinable @inline(__always)
    static func erfSeries(_ x: Float) -> Float {
        let z = x * x
        var p: Float = 1.06837606837606838e-4     // 1/9360
        p = M.mulAdd(p, z, -7.57575757575757576e-4)        // 1/1320
        p = M.mulAdd(p, z, 4.62962962962962963e-3)        // 1/216
        p = M.mulAdd(p, z, -2.38095238095238095e-2)        // 1/42
        p = M.mulAdd(p, z, 0.1)
        p = M.mulAdd(p, z, -0.333333333333333333)
        p = M.mulAdd(p, z, 1)
        return 1.12837916709551257390 * x * p     // 2/√π
    }

    /// erfc|x| by the Chebyshev-fitted form t·exp(−x² + P(t)), t = 1/(1 + |x|/2) (relative
    /// error below 1.2e-7 for every x; Numerical Recipes' erfcc).
    @inlinable @inline(__always)
    static func erfcOfMagnitude(_ x: Float) -> Float {
        let a = Swift.abs(x)
        let t = 1 / (1 + 0.5 * a)
        var p: Float = 0.17087277
        p = M.mulAdd(p, t, -0.82215223)
        p = M.mulAdd(p, t, 1.48851587)
        p = M.mulAdd(p, t, -1.13520398)
        p = M.mulAdd(p, t, 0.27886807)
        p = M.mulAdd(p, t, -0.18628806)
        p = M.mulAdd(p, t, 0.09678418)
        p = M.mulAdd(p, t, 0.37409196)
        p = M.mulAdd(p, t, 1.00002368)
        p = M.mulAdd(p, t, -1.26551223)
        return t * exp(p - a * a)
    }
}

/// a·b + c, computed as a polynomial step of `VectorMathOf` wants it.
public protocol MultiplyAdd {
    static func mulAdd(_ a: Float, _ b: Float, _ c: Float) -> Float
}

/// One rounding, one instruction on CPUs with FMA (the wide kernels' builds).
public enum Fused: MultiplyAdd {
    @inlinable @inline(__always)
    public static func mulAdd(_ a: Float, _ b: Float, _ c: Float) -> Float { c.addingProduct(a, b) }
}

/// A multiplication, then an addition (baseline x86-64 has no FMA instruction).
public enum Separate: MultiplyAdd {
    @inlinable @inline(__always)
    public static func mulAdd(_ a: Float, _ b: Float, _ c: Float) -> Float { a * b + c }
}

/// The functions for baseline code.
public typealias VectorMath = VectorMathOf<Separate>
