// Elementwise passes over float32: bfloat16 conversions, unscaling, binary cross-entropy. Plain
// loops the compiler vectorizes for each instruction set (builds.h).
#include "builds.h"

#include <math.h>
#include <string.h>

// Round to nearest, ties to even: add 0x7FFF plus the lowest kept bit, keep the high half.
// NaN becomes the quiet NaN 0x7FC0 (rounding could carry a NaN into infinity).
#define F32_TO_BF16_LOOP                                                    \
    for (size_t i = 0; i < n; i++) {                                        \
        uint32_t bits;                                                      \
        memcpy(&bits, src + i, 4);                                          \
        uint16_t rounded = (uint16_t)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16); \
        dst[i] = (bits & 0x7FFFFFFFu) > 0x7F800000u ? (uint16_t)0x7FC0 : rounded; \
    }

#define BF16_TO_F32_LOOP                                                    \
    for (size_t i = 0; i < n; i++) {                                        \
        uint32_t bits = (uint32_t)src[i] << 16;                             \
        memcpy(dst + i, &bits, 4);                                          \
    }

static void f32_to_bf16_baseline(const float *restrict src, uint16_t *restrict dst, size_t n) { F32_TO_BF16_LOOP }
static void bf16_to_f32_baseline(const uint16_t *restrict src, float *restrict dst, size_t n) { BF16_TO_F32_LOOP }
AVX2_BUILD static void f32_to_bf16_avx2(const float *restrict src, uint16_t *restrict dst, size_t n) { F32_TO_BF16_LOOP }
AVX2_BUILD static void bf16_to_f32_avx2(const uint16_t *restrict src, float *restrict dst, size_t n) { BF16_TO_F32_LOOP }

void gt_f32_to_bf16(const float *src, uint16_t *dst, size_t n, int level) {
    (RUNS_AVX2(level) ? f32_to_bf16_avx2 : f32_to_bf16_baseline)(src, dst, n);
}

void gt_bf16_to_f32(const uint16_t *src, float *dst, size_t n, int level) {
    (RUNS_AVX2(level) ? bf16_to_f32_avx2 : bf16_to_f32_baseline)(src, dst, n);
}

// A non-finite value has every exponent bit set: an integer test, so the flag is an OR that vectorizes.
#define UNSCALE_LOOP                                                        \
    uint32_t found = 0;                                                     \
    for (size_t i = 0; i < n; i++) {                                        \
        uint32_t bits;                                                      \
        memcpy(&bits, p + i, 4);                                            \
        found |= (bits & 0x7F800000u) == 0x7F800000u;                       \
        p[i] *= inv;                                                        \
    }                                                                       \
    return found != 0;

static int unscale_baseline(float *p, size_t n, float inv) { UNSCALE_LOOP }
AVX2_BUILD static int unscale_avx2(float *p, size_t n, float inv) { UNSCALE_LOOP }

int gt_unscale_f32(float *p, size_t n, float inv, int level) {
    return (RUNS_AVX2(level) ? unscale_avx2 : unscale_baseline)(p, n, inv);
}

// log(x) for float32, branch-free so that loops over it vectorize (libm's logf is a scalar call):
// x = 2^e · m with m in [√½, √2), log x = e·ln 2 + log1p(f), f = m − 1, and log1p(f) from
// s = f / (2 + f) as 2s + 2s³/3 + ... (the classic minimax polynomial in s², within an ulp).
// Subnormal x are scaled by 2^23 first; 0 gives −inf, negative x and NaN give NaN, +inf gives +inf.
static inline float vector_log(float x) {
    int tiny = x < 1.17549435e-38f;                       // subnormal (or 0, negative, handled below)
    float xs = tiny ? x * 8388608.0f : x;
    uint32_t bits;
    memcpy(&bits, &xs, 4);
    int32_t shifted = (int32_t)(bits - 0x3F3504F3u);      // exponent relative to m in [√½, √2)
    int32_t e = (shifted >> 23) - (tiny ? 23 : 0);
    uint32_t mbits = ((uint32_t)shifted & 0x007FFFFFu) + 0x3F3504F3u;
    float m;
    memcpy(&m, &mbits, 4);
    float f = m - 1.0f;
    float s = f / (2.0f + f), z = s * s, w = z * z;
    float r = z * (0.66666662693f + w * 0.28498786688f) + w * (0.40000972152f + w * 0.24279078841f);
    float half_f2 = 0.5f * f * f;
    float fe = (float)e;
    float y = fe * 6.9313812256e-01f + (f - half_f2 + (s * (half_f2 + r) + fe * 9.0580006145e-06f));
    // Special values: log 0 = −inf, log of a negative or NaN = NaN, log(+inf) = +inf.
    y = x == 0.0f ? -INFINITY : y;
    y = x < 0.0f || x != x ? NAN : y;
    return x == INFINITY ? INFINITY : y;
}

// log1p(v) = log(u) + (v − (u − 1)) / u with u = 1 + v: the rounding of u corrected to first order.
static inline float vector_log1p(float v) {
    float u = 1.0f + v;
    float corrected = vector_log(u) + (v - (u - 1.0f)) / u;
    corrected = u == 0.0f ? -INFINITY : corrected;
    return u == 1.0f ? v : (u == INFINITY ? u : corrected);
}

// Binary cross-entropy, PyTorch's formula: −(t·max(log x, −100) + (1 − t)·max(log1p(−x), −100)),
// and NaN where x is outside [0, 1] or NaN (the caller reports that as an error).
#define BCE_FORWARD_LOOP                                                    \
    for (size_t i = 0; i < n; i++) {                                        \
        float xi = x[i], ti = t[i];                                         \
        float lx = vector_log(xi), l1 = vector_log1p(-xi);                  \
        lx = lx < -100.0f ? -100.0f : lx;                                   \
        l1 = l1 < -100.0f ? -100.0f : l1;                                   \
        float loss = (ti - 1.0f) * l1 - ti * lx;                            \
        out[i] = xi >= 0.0f && xi <= 1.0f ? loss : NAN;                     \
    }

// Its gradient with respect to x: g·(x − t) / max((1 − x)·x, 1e-12); g is read with stride gs (0:
// one value for every element).
#define BCE_BACKWARD_LOOP                                                   \
    for (size_t i = 0; i < n; i++) {                                        \
        float xi = x[i], d = (1.0f - xi) * xi;                              \
        out[i] = g[i * gs] * (xi - t[i]) / (d > 1e-12f ? d : 1e-12f);       \
    }

static void bce_forward_baseline(const float *restrict x, const float *restrict t, float *restrict out, size_t n) { BCE_FORWARD_LOOP }
AVX2_BUILD static void bce_forward_avx2(const float *restrict x, const float *restrict t, float *restrict out, size_t n) { BCE_FORWARD_LOOP }
static void bce_backward_baseline(const float *restrict g, size_t gs, const float *restrict x, const float *restrict t,
                                  float *restrict out, size_t n) { BCE_BACKWARD_LOOP }
AVX2_BUILD static void bce_backward_avx2(const float *restrict g, size_t gs, const float *restrict x, const float *restrict t,
                                         float *restrict out, size_t n) { BCE_BACKWARD_LOOP }

void gt_bce_forward(const float *x, const float *t, float *out, size_t n, int level) {
    (RUNS_AVX2(level) ? bce_forward_avx2 : bce_forward_baseline)(x, t, out, n);
}

void gt_bce_backward(const float *g, size_t g_stride, const float *x, const float *t, float *out, size_t n, int level) {
    (RUNS_AVX2(level) ? bce_backward_avx2 : bce_backward_baseline)(g, g_stride, x, t, out, n);
}
