// Products too small to pay for packing (a small MLP's layers: [8, 64] · [64, 64]): C = A·B + beta·C
// with the operands read in place, in float32, on the caller's thread. A BLAS or the packing GEMM
// spends more on its set-up (packing buffers, dispatch) than on such a product's arithmetic.
//
// Two layouts run in register blocks:
// - B's rows contiguous: a block of `rows` rows of C by `width` columns stays in registers while
//   the depth runs; each step loads B's row segment once for all the block's rows and broadcasts
//   one element of A per row (independent multiply-add chains enough to keep both FMA units busy);
// - B's columns and A's rows contiguous (x·Wᵀ): dot products along the depth, a block of 2 rows by
//   4 columns at a time (8 partial-sum vectors, summed across lanes together at the end).
// Anything else reads element by element.
#include "builds.h"

// C's rows i..i+rows-1, columns j0..j0+width-1: beta·C + sum over p of A(i+r, p) · B's row p (B's
// rows contiguous). Both sizes are constants in each use, so the accumulators stay in registers.
#define ROW_BLOCK(rows, width)                                                                               \
    do {                                                                                                     \
        float acc[rows][width];                                                                              \
        for (long r = 0; r < (rows); r++)                                                                    \
            for (long q = 0; q < (width); q++) acc[r][q] = beta == 0 ? 0 : beta * c[(i + r) * ldc + j0 + q]; \
        for (long p = 0; p < k; p++) {                                                                       \
            const float *bp = b + p * brs + j0;                                                              \
            for (long r = 0; r < (rows); r++) {                                                              \
                const float x = a[(i + r) * ars + p * acs];                                                  \
                for (long q = 0; q < (width); q++) acc[r][q] += x * bp[q];                                   \
            }                                                                                                \
        }                                                                                                    \
        for (long r = 0; r < (rows); r++)                                                                    \
            for (long q = 0; q < (width); q++) c[(i + r) * ldc + j0 + q] = acc[r][q];                       \
    } while (0)

// The columns of `rows` rows of C from i, B's rows contiguous: blocks of WIDE columns (wide: 8 per
// vector), then of 8, then one at a time.
#define ROW_BLOCKS(rows, WIDE)                                                                               \
    do {                                                                                                     \
        long j0 = 0;                                                                                         \
        for (; j0 + (WIDE) <= n; j0 += (WIDE)) ROW_BLOCK(rows, WIDE);                                        \
        for (; j0 + 8 <= n; j0 += 8) ROW_BLOCK(rows, 8);                                                     \
        for (; j0 < n; j0++) ROW_BLOCK(rows, 1);                                                             \
    } while (0)

// C(i, j) from the partial sum `s` of a dot product over depths [0, p): the depths left, then beta·C.
static inline float finish_dot(float s, const float *ai, const float *bj, long p, long k, float beta, const float *cij) {
    for (long r = p; r < k; r++) s += ai[r] * bj[r];
    return beta == 0 ? s : s + beta * *cij;
}

// Dot products of A's row `row` and B's columns j0..j0+columns-1, both contiguous along the depth,
// each in DOT_LANES partial sums added in a fixed tree.
#define DOT_LANES 8
#define DOT_PRODUCTS(row, columns)                                                                           \
    do {                                                                                                     \
        const long i = (row);                                                                                \
        const float *ai = a + i * ars;                                                                       \
        float acc[columns][DOT_LANES] = {{0}};                                                               \
        long p = 0;                                                                                          \
        for (; p + DOT_LANES <= k; p += DOT_LANES)                                                           \
            for (long c2 = 0; c2 < (columns); c2++)                                                          \
                for (long q = 0; q < DOT_LANES; q++) acc[c2][q] += ai[p + q] * b[(j0 + c2) * bcs + p + q];   \
        for (long c2 = 0; c2 < (columns); c2++) {                                                            \
            const float *v = acc[c2];                                                                        \
            float s = ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));                     \
            c[i * ldc + j0 + c2] = finish_dot(s, ai, b + (j0 + c2) * bcs, p, k, beta, c + i * ldc + j0 + c2); \
        }                                                                                                    \
    } while (0)

// The baseline build: rows of C in pairs (16 vector registers of 4 lanes); dot products row by row,
// 8 columns at a time, then one at a time.
#define BASELINE_ROWS()                                                                                      \
    do {                                                                                                     \
        long i = 0;                                                                                          \
        for (; i + 2 <= m; i += 2) ROW_BLOCKS(2, 16);                                                        \
        for (; i < m; i++) ROW_BLOCKS(1, 16);                                                                \
    } while (0)

#define BASELINE_DOTS()                                                                                      \
    for (long row = 0; row < m; row++) {                                                                     \
        long j0 = 0;                                                                                         \
        for (; j0 + 8 <= n; j0 += 8) DOT_PRODUCTS(row, 8);                                                   \
        for (; j0 < n; j0++) DOT_PRODUCTS(row, 1);                                                           \
    }

#if defined(__x86_64__)
#include <immintrin.h>

// Lanes below `count` (0...8) set.
AVX2_BUILD static inline __m256i first_lanes(long count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// ROW_BLOCK for `rows` (1...4) rows by `vectors` (1 or 2) vectors of 8 columns, the last vector's
// lanes under `mask` when `masked`. Inlined with constant sizes, so the accumulators stay in registers.
AVX2_BUILD static inline __attribute__((always_inline)) void
row_block_avx2(long rows, long vectors, int masked, __m256i mask, long k, const float *a, ptrdiff_t ars, ptrdiff_t acs,
               const float *b, ptrdiff_t brs, float beta, float *c, long ldc) {
    __m256 acc[4][2];
    for (long r = 0; r < rows; r++)
        for (long v = 0; v < vectors; v++) {
            float *cv = c + r * ldc + 8 * v;
            const int partial = masked && v == vectors - 1;
            acc[r][v] = beta == 0 ? _mm256_setzero_ps()
                                  : _mm256_mul_ps(_mm256_set1_ps(beta), partial ? _mm256_maskload_ps(cv, mask) : _mm256_loadu_ps(cv));
        }
    for (long p = 0; p < k; p++) {
        const float *bp = b + p * brs;
        __m256 w[2];
        for (long v = 0; v < vectors; v++)
            w[v] = masked && v == vectors - 1 ? _mm256_maskload_ps(bp + 8 * v, mask) : _mm256_loadu_ps(bp + 8 * v);
        for (long r = 0; r < rows; r++) {
            const __m256 x = _mm256_broadcast_ss(a + r * ars + p * acs);
            for (long v = 0; v < vectors; v++) acc[r][v] = _mm256_fmadd_ps(x, w[v], acc[r][v]);
        }
    }
    for (long r = 0; r < rows; r++)
        for (long v = 0; v < vectors; v++) {
            float *cv = c + r * ldc + 8 * v;
            if (masked && v == vectors - 1) _mm256_maskstore_ps(cv, mask, acc[r][v]);
            else _mm256_storeu_ps(cv, acc[r][v]);
        }
}

// `rows` rows of C from i, B's rows contiguous: blocks of 16 columns, then one of 8, then the last
// columns under a mask.
AVX2_BUILD static inline __attribute__((always_inline)) void
row_blocks_avx2(long rows, long n, long k, const float *a, ptrdiff_t ars, ptrdiff_t acs, const float *b, ptrdiff_t brs,
                float beta, float *c, long ldc) {
    const __m256i all = _mm256_set1_epi32(-1);
    long j0 = 0;
    for (; j0 + 16 <= n; j0 += 16) row_block_avx2(rows, 2, 0, all, k, a, ars, acs, b + j0, brs, beta, c + j0, ldc);
    if (j0 + 8 <= n) {
        row_block_avx2(rows, 1, 0, all, k, a, ars, acs, b + j0, brs, beta, c + j0, ldc);
        j0 += 8;
    }
    if (j0 < n) row_block_avx2(rows, 1, 1, first_lanes(n - j0), k, a, ars, acs, b + j0, brs, beta, c + j0, ldc);
}

// Rows of C in blocks of 4 (by 16 columns: 8 accumulator vectors, as many as two FMA units with a
// latency of 4 keep busy, and few enough that none spills), then the rows left.
#define AVX2_ROWS()                                                                                          \
    do {                                                                                                     \
        long i = 0;                                                                                          \
        for (; i + 4 <= m; i += 4) row_blocks_avx2(4, n, k, a + i * ars, ars, acs, b, brs, beta, c + i * ldc, ldc); \
        switch (m - i) {                                                                                     \
        case 3: row_blocks_avx2(3, n, k, a + i * ars, ars, acs, b, brs, beta, c + i * ldc, ldc); break;      \
        case 2: row_blocks_avx2(2, n, k, a + i * ars, ars, acs, b, brs, beta, c + i * ldc, ldc); break;      \
        case 1: row_blocks_avx2(1, n, k, a + i * ars, ars, acs, b, brs, beta, c + i * ldc, ldc); break;      \
        }                                                                                                    \
    } while (0)

// The lane sums of eight vectors as one vector (lane c: the sum of v[c]'s lanes), in a fixed tree.
AVX2_BUILD static inline __m256 lane_sums(const __m256 v[8]) {
    __m256 s0123 = _mm256_hadd_ps(_mm256_hadd_ps(v[0], v[1]), _mm256_hadd_ps(v[2], v[3]));
    __m256 s4567 = _mm256_hadd_ps(_mm256_hadd_ps(v[4], v[5]), _mm256_hadd_ps(v[6], v[7]));
    return _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20), _mm256_permute2f128_ps(s0123, s4567, 0x31));
}

// One step of 8 depths from p of dot_block_avx2, its lanes under `mask` when `masked`.
AVX2_BUILD static inline __attribute__((always_inline)) void
dot_step_avx2(__m256 acc[8], long rows, long p, int masked, __m256i mask, const float *a, ptrdiff_t ars, const float *b,
              ptrdiff_t bcs) {
    const long columns = 8 / rows;
    __m256 x[2], w[8];
    for (long r = 0; r < rows; r++) x[r] = masked ? _mm256_maskload_ps(a + r * ars + p, mask) : _mm256_loadu_ps(a + r * ars + p);
    for (long q = 0; q < columns; q++) w[q] = masked ? _mm256_maskload_ps(b + q * bcs + p, mask) : _mm256_loadu_ps(b + q * bcs + p);
    for (long r = 0; r < rows; r++)
        for (long q = 0; q < columns; q++) acc[r * columns + q] = _mm256_fmadd_ps(x[r], w[q], acc[r * columns + q]);
}

// C's `rows` (1 or 2) rows from c by 8 / rows columns as dot products of A's rows (from a) and B's
// columns (from b) along the depth, 8 partial-sum vectors in all; the depths past the last multiple
// of 8 are read under a mask (the lanes past k read as 0). The 8 sums come out as one vector: each
// row's columns in order, row 0's first.
AVX2_BUILD static inline __attribute__((always_inline)) void
dot_block_avx2(long rows, long k, const float *a, ptrdiff_t ars, const float *b, ptrdiff_t bcs, float beta, float *c, long ldc) {
    __m256 acc[8];
    for (int v = 0; v < 8; v++) acc[v] = _mm256_setzero_ps();
    long p = 0;
    for (; p + 8 <= k; p += 8) dot_step_avx2(acc, rows, p, 0, _mm256_setzero_si256(), a, ars, b, bcs);
    if (p < k) dot_step_avx2(acc, rows, p, 1, first_lanes(k - p), a, ars, b, bcs);
    const __m256 s = lane_sums(acc);
    if (rows == 1) {
        _mm256_storeu_ps(c, beta == 0 ? s : _mm256_fmadd_ps(_mm256_set1_ps(beta), _mm256_loadu_ps(c), s));
        return;
    }
    for (long r = 0; r < 2; r++) {
        const __m128 half = r == 0 ? _mm256_castps256_ps128(s) : _mm256_extractf128_ps(s, 1);
        float *cr = c + r * ldc;
        _mm_storeu_ps(cr, beta == 0 ? half : _mm_fmadd_ps(_mm_set1_ps(beta), _mm_loadu_ps(cr), half));
    }
}

// Rows of C in pairs by blocks of 4 columns, then the last row by blocks of 8; the columns left one
// at a time.
#define AVX2_DOTS()                                                                                          \
    do {                                                                                                     \
        long row = 0, j0;                                                                                    \
        for (; row + 2 <= m; row += 2) {                                                                     \
            for (j0 = 0; j0 + 4 <= n; j0 += 4) dot_block_avx2(2, k, a + row * ars, ars, b + j0 * bcs, bcs, beta, c + row * ldc + j0, ldc); \
            for (; j0 < n; j0++) {                                                                           \
                DOT_PRODUCTS(row, 1);                                                                        \
                DOT_PRODUCTS(row + 1, 1);                                                                    \
            }                                                                                                \
        }                                                                                                    \
        if (row < m) {                                                                                       \
            for (j0 = 0; j0 + 8 <= n; j0 += 8) dot_block_avx2(1, k, a + row * ars, ars, b + j0 * bcs, bcs, beta, c + row * ldc + j0, ldc); \
            for (; j0 < n; j0++) DOT_PRODUCTS(row, 1);                                                       \
        }                                                                                                    \
    } while (0)
#else
#define AVX2_ROWS BASELINE_ROWS
#define AVX2_DOTS BASELINE_DOTS
#endif

#define SMALL_GEMM(name, build, ROWS, DOTS)                                                                  \
    build static void name(long m, long n, long k, const float *a, ptrdiff_t ars, ptrdiff_t acs, const float *b, \
                           ptrdiff_t brs, ptrdiff_t bcs, float beta, float *c, long ldc) {                   \
        if (bcs == 1) {                                                                                      \
            ROWS();                                                                                          \
        } else if (brs == 1 && acs == 1) {                                                                   \
            DOTS();                                                                                          \
        } else {                                                                                             \
            for (long i = 0; i < m; i++)                                                                     \
                for (long j = 0; j < n; j++) {                                                               \
                    float s = 0;                                                                             \
                    for (long p = 0; p < k; p++) s += a[i * ars + p * acs] * b[p * brs + j * bcs];           \
                    c[i * ldc + j] = beta == 0 ? s : s + beta * c[i * ldc + j];                              \
                }                                                                                            \
        }                                                                                                    \
    }

SMALL_GEMM(small_gemm_baseline, , BASELINE_ROWS, BASELINE_DOTS)
SMALL_GEMM(small_gemm_avx2, AVX2_BUILD, AVX2_ROWS, AVX2_DOTS)

void gt_gemm_small(long m, long n, long k, const float *a, ptrdiff_t a_row_stride, ptrdiff_t a_col_stride,
                   const float *b, ptrdiff_t b_row_stride, ptrdiff_t b_col_stride, float beta, float *c, long ldc,
                   int level) {
    if (RUNS_AVX2(level)) small_gemm_avx2(m, n, k, a, a_row_stride, a_col_stride, b, b_row_stride, b_col_stride, beta, c, ldc);
    else small_gemm_baseline(m, n, k, a, a_row_stride, a_col_stride, b, b_row_stride, b_col_stride, beta, c, ldc);
}
