// float32 exp, tanh, sigmoid, erf and the normal CDF written branch-free, so that loops calling
// them vectorize (libm's are scalar calls, and were a fifth of a recurrent training step). Errors
// stay within a few ulp of the correctly rounded result; special values (±inf, NaN, overflow to
// inf, underflow through the subnormals to 0) follow IEEE.
//
// Static inline on purpose: each caller compiles them for its own instruction set — the loops of
// activations.c for the baseline, AVX2 and AVX-512, the engine's Swift code (which imports this
// header) for the baseline. Every polynomial step is written `p * t + c` in one expression, so it
// becomes one fused multiply-add where the instruction set has FMA and a multiplication and an
// addition elsewhere (C's default FP contraction).
#ifndef GENTRAIN_VECTOR_MATH_H
#define GENTRAIN_VECTOR_MATH_H

#include <stdint.h>
#include <string.h>

static inline uint32_t gt_bits(float x) {
    uint32_t b;
    memcpy(&b, &x, 4);
    return b;
}

static inline float gt_float(uint32_t b) {
    float x;
    memcpy(&x, &b, 4);
    return x;
}

/// eˣ: x = n·ln 2 + r with |r| ≤ ln 2 / 2, a degree-6 polynomial for eʳ, and 2ⁿ built in the
/// exponent bits (in two factors, so subnormal results and overflow come out right).
static inline float gt_expf(float x) {
    float xc = x < -104.0f ? -104.0f : (x > 89.0f ? 89.0f : x);   // NaN passes through
    // Round x·log2(e) to an integer with the 1.5·2²³ trick: no conversion that could trap.
    const float shifter = 12582912.0f;
    float t = xc * 1.44269504088896341f + shifter;
    float n = t - shifter;
    float r = (xc - n * 0.693359375f) - n * -2.12194440e-4f;   // ln 2 in two parts
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float er = (p * r * r + r) + 1.0f;
    int32_t k = (int32_t)(gt_bits(t) - gt_bits(shifter));   // the integer n
    int32_t k1 = k >> 1, k2 = k - k1;
    float s1 = gt_float((uint32_t)(k1 + 127) << 23), s2 = gt_float((uint32_t)(k2 + 127) << 23);
    return er * s1 * s2;
}

/// tanh x: an odd polynomial below |x| = 0.625, 1 − 2/(e²ˣ + 1) above (with x's sign).
static inline float gt_tanhf(float x) {
    float a = x < 0 ? -x : x, z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float small = x * (1.0f + p * z);   // keeps the sign of -0
    float large = 1.0f - 2.0f / (gt_expf(2.0f * a) + 1.0f);
    return a < 0.625f ? small : (x < 0 ? -large : large);
}

/// 1 / (1 + e⁻ˣ), as e / (1 + e) with e = eˣ for negative x: exact in both tails.
static inline float gt_sigmoidf(float x) {
    float e = gt_expf(x < 0 ? x : -x);
    float s = 1.0f / (1.0f + e);
    return x < 0 ? e * s : s;
}

/// erf's Taylor series to x¹³ (below |x| = 0.5 the next term is under 1e-9 relative).
static inline float gt_erf_series(float x) {
    float z = x * x;
    float p = 1.06837606837606838e-4f;   // 1/9360
    p = p * z - 7.57575757575757576e-4f;  // 1/1320
    p = p * z + 4.62962962962962963e-3f;  // 1/216
    p = p * z - 2.38095238095238095e-2f;  // 1/42
    p = p * z + 0.1f;
    p = p * z - 0.333333333333333333f;
    p = p * z + 1.0f;
    return 1.12837916709551257390f * x * p;   // 2/√π
}

/// erfcx a = e^(a²)·erfc a for a ≥ 0, as t·Q(t) with t = 1/(1 + a/2) (given): Q a degree-10
/// polynomial fitted to erfcx(a)/t over t in [0, 1] for relative error (below 2e-8; 1.5e-7
/// evaluated in float32). Scaled so, erfc and Φ need one exponential, e^(−a²), which GELU's
/// slope shares with φ.
static inline float gt_erfcx_t(float t) {
    float p = 4.319543391e-02f;
    p = p * t - 2.347335964e-01f;
    p = p * t + 4.936949313e-01f;
    p = p * t - 4.549739957e-01f;
    p = p * t + 1.321770400e-01f;
    p = p * t - 5.921135843e-02f;
    p = p * t + 9.346243739e-02f;
    p = p * t + 1.753159761e-01f;
    p = p * t + 2.468845695e-01f;
    p = p * t + 2.820937634e-01f;
    p = p * t + 2.820948064e-01f;   // 1/(2√π), erfcx's a·√π → 1 at t → 0
    return t * p;
}

/// erfc|x| = erfcx|x|·e^(−x²).
static inline float gt_erfc_magnitude(float x) {
    float a = x < 0 ? -x : x;
    return gt_erfcx_t(1.0f / (1.0f + 0.5f * a)) * gt_expf(-a * a);
}

/// erf x: its odd series below |x| = 0.5, 1 − erfc|x| above (with x's sign).
static inline float gt_erff(float x) {
    float large = 1.0f - gt_erfc_magnitude(x);
    float a = x < 0 ? -x : x;
    return a < 0.5f ? gt_erf_series(x) : (x < 0 ? -large : large);
}

/// Φ(x) = ½ erfc(−x/√2), the standard normal CDF, given e = e^(−x²/2): from erfc on both sides,
/// so that Φ of a large negative x keeps its precision (½ (1 + erf) would cancel to nothing). Near
/// 0, where Φ ≈ ½, erfc's relative error is already within an ulp of Φ: no series needed.
static inline float gt_normal_cdf_given(float x, float e) {
    float a = x < 0 ? -x : x;   // erfc's argument is |x|/√2, and t = 1/(1 + |x|/(2√2))
    float c = 0.5f * gt_erfcx_t(1.0f / (1.0f + 0.35355339059327376f * a)) * e;
    return x < 0 ? c : 1.0f - c;
}

static inline float gt_normal_cdff(float x) { return gt_normal_cdf_given(x, gt_expf(-0.5f * x * x)); }

/// GELU, x·Φ(x), and its derivative Φ(x) + x·φ(x), one exponential for both terms.
static inline float gt_geluf(float x) { return x * gt_normal_cdff(x); }
static inline float gt_gelu_slopef(float x) {
    float e = gt_expf(-0.5f * x * x);
    return gt_normal_cdf_given(x, e) + x * 0.39894228040143267794f * e;
}

/// GELU's tanh approximation, ½x·(1 + tanh u) with u = √(2/π)·(x + 0.044715·x³), written as
/// x·σ(2u) (the same function: 1 + tanh u = 2σ(2u)), which keeps its precision where tanh u → −1;
/// and its derivative σ(2u) + x·σ(2u)·(1 − σ(2u))·2u'.
static inline float gt_gelu_tanhf(float x) {
    float u2 = 1.5957691216057308f * (x + 0.044715f * x * x * x);   // 2u
    return x * gt_sigmoidf(u2);
}
static inline float gt_gelu_tanh_slopef(float x) {
    float x2 = x * x;
    float s = gt_sigmoidf(1.5957691216057308f * (x + 0.044715f * x2 * x));
    return s + x * s * (1.0f - s) * (1.5957691216057308f * (1.0f + 0.134145f * x2));
}

/// SiLU, x·σ(x), and its derivative σ(x)·(1 + x·(1 − σ(x))).
static inline float gt_siluf(float x) { return x * gt_sigmoidf(x); }
static inline float gt_silu_slopef(float x) {
    float s = gt_sigmoidf(x);
    return s * (1.0f + x * (1.0f - s));
}

#endif
