// The activations' float32 loops (vector_math.h), each in three builds — baseline, AVX2 + FMA and
// AVX-512 (builds.h) — that the engine picks by the `level` CPUID allows.
#include "builds.h"
#include "vector_math.h"

// Each function's evaluation is a long chain of dependent operations (a division, two polynomials,
// the exponent's bits): four vectors in flight at once, interleaved in the loop body, keep the
// CPU's pipelines busy where one chain at a time leaves them waiting. GELU's loop ran 1.5-1.8x
// faster so, erf's 1.3-1.6x, exp's 1.2-1.5x (AVX2 build, 16K floats in cache; AMD EPYC family 25
// model 1).
#if defined(__clang__)
#define INTERLEAVED _Pragma("clang loop interleave_count(4)")
#else
#define INTERLEAVED
#endif

// y[i] = f(x[i]); in place (y == x) as its own loop, which vectorizes (the general loop's
// overlap check would send every element down the scalar path).
#define MAP_LOOP(f)                                                                  \
    if (x == y) {                                                                    \
        INTERLEAVED for (size_t i = 0; i < n; i++) y[i] = f(y[i]);                   \
    } else {                                                                         \
        const float *restrict xr = x;                                                \
        float *restrict yr = y;                                                      \
        INTERLEAVED for (size_t i = 0; i < n; i++) yr[i] = f(xr[i]);                 \
    }

// out[i] = g[i] · slope(x[i]), out a buffer of its own.
#define SLOPE_LOOP(slope)                                                            \
    INTERLEAVED for (size_t i = 0; i < n; i++) out[i] = g[i] * slope(x[i]);

// The three builds of a map and its dispatcher gt_<name>_f32(x, y, n, level).
#define MAP_BUILDS(name, f)                                                                                  \
    static void name##_baseline(const float *x, float *y, size_t n) { MAP_LOOP(f) }                         \
    AVX2_BUILD static void name##_avx2(const float *x, float *y, size_t n) { MAP_LOOP(f) }                  \
    AVX512_BUILD static void name##_avx512(const float *x, float *y, size_t n) { MAP_LOOP(f) }              \
    void gt_##name##_f32(const float *x, float *y, size_t n, int level) {                                   \
        (RUNS_AVX512(level) ? name##_avx512 : RUNS_AVX2(level) ? name##_avx2 : name##_baseline)(x, y, n);   \
    }

#define SLOPE_BUILDS(name, slope)                                                                            \
    static void name##_baseline(const float *restrict g, const float *restrict x, float *restrict out,       \
                                size_t n) { SLOPE_LOOP(slope) }                                              \
    AVX2_BUILD static void name##_avx2(const float *restrict g, const float *restrict x, float *restrict out, \
                                       size_t n) { SLOPE_LOOP(slope) }                                       \
    AVX512_BUILD static void name##_avx512(const float *restrict g, const float *restrict x,                \
                                           float *restrict out, size_t n) { SLOPE_LOOP(slope) }              \
    void gt_##name##_f32(const float *g, const float *x, float *out, size_t n, int level) {                  \
        (RUNS_AVX512(level) ? name##_avx512 : RUNS_AVX2(level) ? name##_avx2 : name##_baseline)(g, x, out, n); \
    }

MAP_BUILDS(exp, gt_expf)
MAP_BUILDS(tanh, gt_tanhf)
MAP_BUILDS(sigmoid, gt_sigmoidf)
MAP_BUILDS(erf, gt_erff)
MAP_BUILDS(gelu, gt_geluf)
MAP_BUILDS(gelu_tanh, gt_gelu_tanhf)
MAP_BUILDS(silu, gt_siluf)
SLOPE_BUILDS(gelu_backward, gt_gelu_slopef)
SLOPE_BUILDS(gelu_tanh_backward, gt_gelu_tanh_slopef)
SLOPE_BUILDS(silu_backward, gt_silu_slopef)
