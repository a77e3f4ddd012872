// Elementwise passes over float32: bfloat16 conversions, unscaling. Plain loops the compiler
// vectorizes for each instruction set.
#include "gentrain_kernels.h"

#include <string.h>

// Each loop is built twice: for the baseline and, on x86-64, with AVX2 (elsewhere the "AVX2" build
// is the baseline one again and is never chosen).
#if defined(__x86_64__)
#define AVX2_BUILD __attribute__((target("avx2,fma,f16c")))
#define RUNS_AVX2(level) ((level) >= GT_LEVEL_AVX2)
#else
#define AVX2_BUILD
#define RUNS_AVX2(level) ((void)(level), 0)
#endif

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
