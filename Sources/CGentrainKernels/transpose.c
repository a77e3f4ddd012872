// Matrix transposes of 4-byte elements: on AVX2 in 8 x 8 blocks transposed in registers (eight
// rows of the source read as vectors, eight rows of the destination written as vectors), else in
// 32 x 32 tiles whose strided reads stay in cache.
#include "builds.h"
#include "transpose8.h"

#include <string.h>

/// One element: dst = src, or src + beta·dst (a product then multiply and add, as the vector
/// loop computes it).
static inline void transpose_one(const float *src, float *dst, float beta) {
    if (beta == 0) {
        memcpy(dst, src, 4);   // bits as they are: the elements need not be float32
    } else {
        *dst = *src + beta * *dst;
    }
}

static void transpose_baseline(long rows, long cols, const float *src, long lds, float *dst, long ldd, float beta) {
    for (long i0 = 0; i0 < rows; i0 += 32)
        for (long j0 = 0; j0 < cols; j0 += 32)
            for (long i = i0; i < i0 + 32 && i < rows; i++)
                for (long j = j0; j < j0 + 32 && j < cols; j++) transpose_one(src + j * lds + i, dst + i * ldd + j, beta);
}

#if defined(__x86_64__)
AVX2_BUILD static void transpose_avx2(long rows, long cols, const float *src, long lds, float *dst, long ldd, float beta) {
    const __m256 vb = _mm256_set1_ps(beta);
    long i = 0;
    for (; i + 8 <= rows; i += 8) {
        long j = 0;
        for (; j + 8 <= cols; j += 8) {
            __m256 r[8];
            for (int q = 0; q < 8; q++) r[q] = _mm256_loadu_ps(src + (j + q) * lds + i);   // r[q][l] = src[j + q][i + l]
            transpose8(r);                                                               // r[l][q] = dst[i + l][j + q]
            for (int l = 0; l < 8; l++) {
                float *out = dst + (i + l) * ldd + j;
                _mm256_storeu_ps(out, beta == 0 ? r[l] : _mm256_add_ps(r[l], _mm256_mul_ps(vb, _mm256_loadu_ps(out))));
            }
        }
        for (long l = i; l < i + 8; l++)
            for (long jj = j; jj < cols; jj++) transpose_one(src + jj * lds + l, dst + l * ldd + jj, beta);
    }
    transpose_baseline(rows - i, cols, src + i, lds, dst + i * ldd, ldd, beta);
}
#endif

void gt_transpose_f32(long rows, long cols, const float *src, long lds, float *dst, long ldd, float beta, int level) {
#if defined(__x86_64__)
    if (RUNS_AVX2(level)) {
        transpose_avx2(rows, cols, src, lds, dst, ldd, beta);
        return;
    }
#endif
    transpose_baseline(rows, cols, src, lds, dst, ldd, beta);
}
