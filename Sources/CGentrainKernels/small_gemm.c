// Products too small to pay for packing (a small MLP's layers: [8, 64] · [64, 64]): C = A·B + beta·C
// with the operands read in place, in float32, on the caller's thread. A BLAS or the packing GEMM
// spends more on its set-up (packing buffers, dispatch) than on such a product's arithmetic.
#include "builds.h"

// Accumulators of one row of C: how many columns stay in registers at once.
#define ROW_BLOCK 32
// Columns of C that share one pass over A's row, and each dot product's partial sums.
#define DOT_COLUMNS 8
#define DOT_LANES 8

// C's row i from column j0, `width` columns: beta·C + sum over p of A(i, p) · B's row p (B's rows
// contiguous). The width is a constant in the unrolled call, so the accumulators stay in registers.
#define ROW_PRODUCT(width)                                                                                   \
    do {                                                                                                     \
        float acc[width];                                                                                    \
        for (long q = 0; q < (width); q++) acc[q] = beta == 0 ? 0 : beta * ci[j0 + q];                     \
        for (long p = 0; p < k; p++) {                                                                       \
            const float x = ai[p * acs], *bp = b + p * brs + j0;                                              \
            for (long q = 0; q < (width); q++) acc[q] += x * bp[q];                                          \
        }                                                                                                    \
        for (long q = 0; q < (width); q++) ci[j0 + q] = acc[q];                                              \
    } while (0)

// C(i, j) from the partial sum `s` of a dot product over depths [0, p): the depths left, then beta·C.
static inline float finish_dot(float s, const float *ai, const float *bj, long p, long k, float beta, const float *cij) {
    for (long r = p; r < k; r++) s += ai[r] * bj[r];
    return beta == 0 ? s : s + beta * *cij;
}

// A dot product of A's row i and B's column j, both contiguous along the depth, in DOT_LANES partial
// sums added in a fixed tree, for DOT_COLUMNS (or `columns`) columns at once.
#define DOT_PRODUCTS(columns)                                                                                \
    do {                                                                                                     \
        float acc[columns][DOT_LANES] = {{0}};                                                               \
        long p = 0;                                                                                          \
        for (; p + DOT_LANES <= k; p += DOT_LANES)                                                           \
            for (long c2 = 0; c2 < (columns); c2++)                                                          \
                for (long q = 0; q < DOT_LANES; q++) acc[c2][q] += ai[p + q] * b[(j0 + c2) * bcs + p + q];   \
        for (long c2 = 0; c2 < (columns); c2++) {                                                            \
            const float *v = acc[c2];                                                                        \
            float s = ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));                     \
            ci[j0 + c2] = finish_dot(s, ai, b + (j0 + c2) * bcs, p, k, beta, ci + j0 + c2);                  \
        }                                                                                                    \
    } while (0)

#if defined(__x86_64__)
#include <immintrin.h>

// The lane sums of eight vectors as one vector (lane c: the sum of v[c]'s lanes), in a fixed tree.
AVX2_BUILD static inline __m256 lane_sums(const __m256 v[8]) {
    __m256 s0123 = _mm256_hadd_ps(_mm256_hadd_ps(v[0], v[1]), _mm256_hadd_ps(v[2], v[3]));
    __m256 s4567 = _mm256_hadd_ps(_mm256_hadd_ps(v[4], v[5]), _mm256_hadd_ps(v[6], v[7]));
    return _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20), _mm256_permute2f128_ps(s0123, s4567, 0x31));
}

// DOT_PRODUCTS(8) with the eight partial-sum vectors reduced together (`columns` is always 8).
#define DOT_PRODUCTS_AVX2(columns)                                                                           \
    do {                                                                                                     \
        __m256 acc[8];                                                                                       \
        for (int c2 = 0; c2 < 8; c2++) acc[c2] = _mm256_setzero_ps();                                        \
        long p = 0;                                                                                          \
        for (; p + 8 <= k; p += 8) {                                                                         \
            const __m256 x = _mm256_loadu_ps(ai + p);                                                        \
            for (int c2 = 0; c2 < 8; c2++)                                                                   \
                acc[c2] = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + (j0 + c2) * bcs + p), acc[c2]);             \
        }                                                                                                    \
        float sums[8];                                                                                       \
        _mm256_storeu_ps(sums, lane_sums(acc));                                                              \
        for (int c2 = 0; c2 < 8; c2++)                                                                       \
            ci[j0 + c2] = finish_dot(sums[c2], ai, b + (j0 + c2) * bcs, p, k, beta, ci + j0 + c2);           \
    } while (0)
#else
#define DOT_PRODUCTS_AVX2 DOT_PRODUCTS
#endif

#define SMALL_GEMM(name, build, DOT8)                                                                        \
    build static void name(long m, long n, long k, const float *a, ptrdiff_t ars, ptrdiff_t acs, const float *b, \
                           ptrdiff_t brs, ptrdiff_t bcs, float beta, float *c, long ldc) {                   \
        for (long i = 0; i < m; i++) {                                                                       \
            float *ci = c + i * ldc;                                                                         \
            const float *ai = a + i * ars;                                                                   \
            long j0 = 0;                                                                                     \
            if (bcs == 1) {                                                                                  \
                for (; j0 + ROW_BLOCK <= n; j0 += ROW_BLOCK) ROW_PRODUCT(ROW_BLOCK);                         \
                for (; j0 + 8 <= n; j0 += 8) ROW_PRODUCT(8);                                                 \
                for (; j0 < n; j0++) ROW_PRODUCT(1);                                                         \
            } else if (brs == 1 && acs == 1) {                                                               \
                for (; j0 + DOT_COLUMNS <= n; j0 += DOT_COLUMNS) DOT8(DOT_COLUMNS);                          \
                for (; j0 < n; j0++) DOT_PRODUCTS(1);                                                        \
            } else {                                                                                         \
                for (; j0 < n; j0++) {                                                                       \
                    float s = 0;                                                                             \
                    for (long p = 0; p < k; p++) s += ai[p * acs] * b[p * brs + j0 * bcs];                   \
                    ci[j0] = beta == 0 ? s : s + beta * ci[j0];                                              \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
    }

SMALL_GEMM(small_gemm_baseline, , DOT_PRODUCTS)
SMALL_GEMM(small_gemm_avx2, AVX2_BUILD, DOT_PRODUCTS_AVX2)

void gt_gemm_small(long m, long n, long k, const float *a, ptrdiff_t a_row_stride, ptrdiff_t a_col_stride,
                   const float *b, ptrdiff_t b_row_stride, ptrdiff_t b_col_stride, float beta, float *c, long ldc,
                   int level) {
    if (RUNS_AVX2(level)) small_gemm_avx2(m, n, k, a, a_row_stride, a_col_stride, b, b_row_stride, b_col_stride, beta, c, ldc);
    else small_gemm_baseline(m, n, k, a, a_row_stride, a_col_stride, b, b_row_stride, b_col_stride, beta, c, ldc);
}
