// A matrix product in the layout of the BLIS papers (Van Zee & van de Geijn): C is computed in
// MR x NR tiles by a micro-kernel that keeps the tile in registers; the operands are packed
// first, A in slivers of MR rows and B in slivers of NR columns, each KC long, so the kernel
// reads both contiguously (B's sliver from L1, A's block from L2, B's block from L3). Packing is
// where the operands' element types and strides are handled: bfloat16 is widened to float32 there,
// so a bfloat16 product runs at float32 speed on half the memory traffic — or, on CPUs with
// AVX-512 BF16 and two bfloat16 operands, packed as pairs of neighbours along the depth (one
// 32-bit lane each) for VDPBF16PS, which multiplies two such pairs and adds both products to a
// float32 accumulator: twice the multiply-adds of an FMA per instruction.
#include "gentrain_kernels.h"
#include "transpose8.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
// The functions that run only at GT_LEVEL_AVX512_BF16 (products of bfloat16 pairs).
#define BF16_BUILD __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,avx2,fma"), min_vector_width(512)))
#endif

enum {
    MR = 6,      // rows of a C tile
    NR = 16,     // columns of a C tile (two 8-float vectors)
    KC = 256,    // depth of a packed block: an A sliver is 6 KB, a B sliver 16 KB
    MC = 144,    // rows of A packed together (144 KB)
    NC = 3072,   // columns of B packed together (3 MB)
};

/// Element `index` of `data` as float32: bfloat16 when `bf16` (a constant where this is inlined).
static inline __attribute__((always_inline)) float widen(const void *data, ptrdiff_t index, int bf16) {
    if (!bf16) return ((const float *)data)[index];
    uint32_t bits = (uint32_t)((const uint16_t *)data)[index] << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/// Pairs from `pp0` on of a bfloat16 sliver `kc` deep, packed for the dot-product kernel: lane j
/// of pair pp holds neighbour j's depths 2·pp (low half) and 2·pp + 1 (high half), zero past depth
/// kc and past neighbour `n`; `width` lanes per pair.
static void pack_pairs(const gt_matrix *x, ptrdiff_t base, ptrdiff_t across, ptrdiff_t along, long width, long n,
                       long kc, long pp0, uint32_t *out) {
    const uint16_t *v = x->data;
    for (long pp = pp0; 2 * pp < kc; pp++)
        for (long j = 0; j < width; j++) {
            uint32_t lo = 0, hi = 0;
            if (j < n) {
                lo = v[base + j * across + 2 * pp * along];
                if (2 * pp + 1 < kc) hi = v[base + j * across + (2 * pp + 1) * along];
            }
            out[pp * width + j] = lo | hi << 16;
        }
}

#if defined(__x86_64__)
/// Eight consecutive elements of an operand from `index` on, as float32.
__attribute__((target("avx2,fma")))
static inline __m256 load8(const gt_matrix *x, ptrdiff_t index) {
    if (x->element != GT_ELEMENT_BF16) return _mm256_loadu_ps((const float *)x->data + index);
    __m128i h = _mm_loadu_si128((const __m128i *)((const uint16_t *)x->data + index));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

/// One step of p of a sliver: the first `width` (6 or 8) lanes of `r` (a masked store is
/// microcoded on AMD's Zen cores, so six values go as four and two).
__attribute__((target("avx2,fma")))
static inline void store_step(float *out, __m256 r, long width) {
    if (width == 8) {
        _mm256_storeu_ps(out, r);
        return;
    }
    _mm_storeu_ps(out, _mm256_castps256_ps128(r));
    _mm_storel_pi((__m64 *)(out + 4), _mm256_extractf128_ps(r, 1));
}

/// A full sliver whose elements are contiguous along p (the transposed case: a column-major A or
/// a row-major B's transpose): blocks of up to 8 neighbours by 8 steps of p, read as vectors
/// along p and transposed in registers. With `pairs` (a constant where this is inlined) a step is
/// a 32-bit pair of bfloat16 at neighbouring depths (`pack_pairs`' layout), moved as it is.
/// Returns the steps packed (whole blocks of 8; the caller packs the rest).
__attribute__((target("avx2,fma"), always_inline))
static inline long pack_along_depth_as(const gt_matrix *x, ptrdiff_t base, ptrdiff_t across, long width, long steps,
                                       float *out, int pairs) {
    long p = 0;
    for (; p + 8 <= steps; p += 8) {
        for (long j0 = 0; j0 < width; j0 += 8) {
            long count = width - j0 < 8 ? width - j0 : 8;
            __m256 r[8];
            for (long j = 0; j < 8; j++) {
                ptrdiff_t at = base + (j0 + j) * across + (pairs ? 2 * p : p);
                r[j] = j >= count ? _mm256_setzero_ps()
                     : pairs ? _mm256_loadu_ps((const float *)((const uint16_t *)x->data + at)) : load8(x, at);
            }
            transpose8(r);
            for (long q = 0; q < 8; q++) store_step(out + (p + q) * width + j0, r[q], count);
        }
    }
    return p;
}

__attribute__((target("avx2,fma")))
static void pack_along_depth_avx2(const gt_matrix *x, ptrdiff_t base, ptrdiff_t across, long width, long kc, float *out) {
    for (long p = pack_along_depth_as(x, base, across, width, kc, out, 0); p < kc; p++)
        for (long j = 0; j < width; j++) out[p * width + j] = widen(x->data, base + j * across + p, x->element == GT_ELEMENT_BF16);
}

/// Lane j of a pair of rows of `width` (at most 16) bfloat16: lo[j] | hi[j] << 16.
BF16_BUILD
static void interleave_rows(const uint16_t *lo, const uint16_t *hi, long width, uint32_t *out) {
    const __mmask16 lanes = (__mmask16)((1u << width) - 1);
    const __m512i a = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(lanes, lo));
    const __m512i b = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(lanes, hi));
    _mm512_mask_storeu_epi32(out, lanes, _mm512_or_si512(a, _mm512_slli_epi32(b, 16)));
}

/// The same in bfloat16 pairs, `kc` deep.
__attribute__((target("avx2,fma")))
static void pack_pairs_along_depth_avx2(const gt_matrix *x, ptrdiff_t base, ptrdiff_t across, long width, long kc,
                                        uint32_t *out) {
    long done = pack_along_depth_as(x, base, across, width, kc / 2, (float *)out, 1);
    pack_pairs(x, base, across, 1, width, width, kc, done, out);
}
#endif

/// Packs `count` neighbours (rows of A or columns of B) from `first` on, depth p0..<p0+kc, into
/// slivers of `width` (MR or NR): sliver s holds, for each p, the `width` values of neighbours
/// first + s·width ..., zero past the last one. `across` is the stride between neighbours,
/// `along` the stride along p (A: its row and column strides; B: its column and row strides).
static inline __attribute__((always_inline)) void pack_as(const gt_matrix *x, ptrdiff_t across, ptrdiff_t along, long width,
                                                          long first, long count, long p0, long kc, float *out, int bf16,
                                                          int level) {
    for (long s = 0; s < count; s += width) {
        long n = count - s < width ? count - s : width;
        ptrdiff_t base = (first + s) * across + p0 * along;
        if (across == 1 && n == width) {
            // Neighbours contiguous: `width` consecutive values per step of p (a loop that vectorizes).
            for (long p = 0; p < kc; p++)
                for (long j = 0; j < width; j++) out[p * width + j] = widen(x->data, base + p * along + j, bf16);
#if defined(__x86_64__)
        } else if (along == 1 && n == width && level >= GT_LEVEL_AVX2) {
            pack_along_depth_avx2(x, base, across, width, kc, out);
#endif
        } else {
            for (long j = 0; j < width; j++)
                for (long p = 0; p < kc; p++) out[p * width + j] = j < n ? widen(x->data, base + j * across + p * along, bf16) : 0;
        }
        out += width * kc;
    }
}

/// `pack_as` for the dot-product kernel (`pack_pairs`' layout; bfloat16 operands at
/// GT_LEVEL_AVX512_BF16). A sliver takes `width` · ⌈kc/2⌉ of the `width` · kc floats `pack_as`
/// gives it, at the same place.
static void pack_pairs_as(const gt_matrix *x, ptrdiff_t across, ptrdiff_t along, long width, long first, long count,
                          long p0, long kc, float *out) {
    for (long s = 0; s < count; s += width) {
        long n = count - s < width ? count - s : width;
        ptrdiff_t base = (first + s) * across + p0 * along;
        uint32_t *pairs = (uint32_t *)out;
        out += width * kc;
#if defined(__x86_64__)
        if (across == 1 && n == width) {
            // Neighbours contiguous: two rows of `width` values interleaved per pair.
            for (long pp = 0; 2 * pp + 1 < kc; pp++) {
                const uint16_t *lo = (const uint16_t *)x->data + base + 2 * pp * along;
                interleave_rows(lo, lo + along, width, pairs + pp * width);
            }
            if (kc % 2) pack_pairs(x, base, across, along, width, n, kc, kc / 2, pairs);
            continue;
        }
        if (along == 1 && n == width) {
            pack_pairs_along_depth_avx2(x, base, across, width, kc, pairs);
            continue;
        }
#endif
        pack_pairs(x, base, across, along, width, n, kc, 0, pairs);
    }
}

/// Whether an operand packs as bfloat16 pairs: bfloat16 at GT_LEVEL_AVX512_BF16 (a product's level,
/// `gt_gemm_level`, which has both operands bfloat16 there).
static int packs_pairs(const gt_matrix *x, int level) { return level >= GT_LEVEL_AVX512_BF16 && x->element == GT_ELEMENT_BF16; }

/// Rows i0..<i0+mc of A (depth p0..<p0+kc) into slivers of MR rows.
static void pack_a(const gt_matrix *a, long i0, long mc, long p0, long kc, float *out, int level) {
    if (packs_pairs(a, level)) pack_pairs_as(a, a->row_stride, a->col_stride, MR, i0, mc, p0, kc, out);
    else if (a->element == GT_ELEMENT_BF16) pack_as(a, a->row_stride, a->col_stride, MR, i0, mc, p0, kc, out, 1, level);
    else pack_as(a, a->row_stride, a->col_stride, MR, i0, mc, p0, kc, out, 0, level);
}

/// Columns j0..<j0+nc of B (depth p0..<p0+kc) into slivers of NR columns.
static void pack_b(const gt_matrix *b, long p0, long kc, long j0, long nc, float *out, int level) {
    if (packs_pairs(b, level)) pack_pairs_as(b, b->col_stride, b->row_stride, NR, j0, nc, p0, kc, out);
    else if (b->element == GT_ELEMENT_BF16) pack_as(b, b->col_stride, b->row_stride, NR, j0, nc, p0, kc, out, 1, level);
    else pack_as(b, b->col_stride, b->row_stride, NR, j0, nc, p0, kc, out, 0, level);
}

/// A tile `C[mr, nr] = A·B + beta·C` from an A sliver and a B sliver of depth kc.
typedef void (*micro_kernel)(long kc, const float *a, const float *b, float *c, long ldc, float beta, long mr, long nr);

/// Adds a full MR x NR tile computed in `tile` into C (only mr x nr of it).
static void store_tile(const float *tile, float *c, long ldc, float beta, long mr, long nr) {
    for (long i = 0; i < mr; i++)
        for (long j = 0; j < nr; j++) c[i * ldc + j] = tile[i * NR + j] + (beta == 0 ? 0 : beta * c[i * ldc + j]);
}

static void kernel_baseline(long kc, const float *a, const float *b, float *c, long ldc, float beta, long mr, long nr) {
    float tile[MR * NR] = {0};
    for (long p = 0; p < kc; p++)
        for (long i = 0; i < MR; i++)
            for (long j = 0; j < NR; j++) tile[i * NR + j] += a[p * MR + i] * b[p * NR + j];
    store_tile(tile, c, ldc, beta, mr, nr);
}

#if defined(__x86_64__)
/// The tile's first `rows` rows (1...MR; a constant where it is inlined): per step of p, two loads of
/// B, `rows` broadcasts of A and 2·rows FMAs, in 2·rows accumulators of 8 floats (12 for a whole
/// tile). An edge tile of fewer rows computes only those: a batch of 32 rows is five whole tiles
/// and one of 2 rows, not six whole ones.
__attribute__((target("avx2,fma"), always_inline))
static inline void tile_avx2(long rows, long kc, const float *a, const float *b, float *c, long ldc, float beta, long nr) {
    __m256 acc[MR][2];
    for (long i = 0; i < rows; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    for (long p = 0; p < kc; p++) {
        const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        for (long i = 0; i < rows; i++) {
            const __m256 x = _mm256_broadcast_ss(a + i);
            acc[i][0] = _mm256_fmadd_ps(x, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(x, b1, acc[i][1]);
        }
        a += MR;
        b += NR;
    }
    if (nr == NR) {
        const __m256 vb = _mm256_set1_ps(beta);
        for (long i = 0; i < rows; i++) {
            float *row = c + i * ldc;
            __m256 r0 = acc[i][0], r1 = acc[i][1];
            if (beta != 0) {
                r0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row), r0);
                r1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row + 8), r1);
            }
            _mm256_storeu_ps(row, r0);
            _mm256_storeu_ps(row + 8, r1);
        }
        return;
    }
    float tile[MR * NR];
    for (long i = 0; i < rows; i++) {
        _mm256_storeu_ps(tile + i * NR, acc[i][0]);
        _mm256_storeu_ps(tile + i * NR + 8, acc[i][1]);
    }
    store_tile(tile, c, ldc, beta, rows, nr);
}

__attribute__((target("avx2,fma")))
static void kernel_avx2(long kc, const float *a, const float *b, float *c, long ldc, float beta, long mr, long nr) {
    switch (mr) {
    case 6: tile_avx2(6, kc, a, b, c, ldc, beta, nr); break;
    case 5: tile_avx2(5, kc, a, b, c, ldc, beta, nr); break;
    case 4: tile_avx2(4, kc, a, b, c, ldc, beta, nr); break;
    case 3: tile_avx2(3, kc, a, b, c, ldc, beta, nr); break;
    case 2: tile_avx2(2, kc, a, b, c, ldc, beta, nr); break;
    default: tile_avx2(1, kc, a, b, c, ldc, beta, nr); break;
    }
}
#endif

#if defined(__x86_64__)
/// A tile of the first `rows` rows (1...MR) and `halves` · NR columns (one B sliver, or two side by
/// side: `b0`, `b1`) from pairs (`pack_pairs`' layout), `kp` pairs deep: per pair, `halves` loads
/// of B (16 pairs each), `rows` broadcasts of A's pairs and rows · halves VDPBF16PS into as many
/// accumulators of 16 floats. `rows` and `halves` are constants where this is inlined. On AMD Zen 4
/// a 6 × 32 tile ran 2.0× the float32 AVX2 kernel's multiply-adds per second, a 6 × 16 one 1.4×.
BF16_BUILD __attribute__((always_inline))
static inline void tile_bf16(long rows, long halves, long kp, const uint32_t *a, const uint32_t *b0, const uint32_t *b1,
                             float *c, long ldc, float beta, long nr) {
    __m512 acc[MR][2];
    for (long i = 0; i < rows; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (long p = 0; p < kp; p++) {
        const __m512bh v0 = (__m512bh)_mm512_loadu_si512(b0 + p * NR);
        const __m512bh v1 = halves == 2 ? (__m512bh)_mm512_loadu_si512(b1 + p * NR) : v0;
        for (long i = 0; i < rows; i++) {
            const __m512bh x = (__m512bh)_mm512_set1_epi32((int)a[p * MR + i]);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], x, v0);
            if (halves == 2) acc[i][1] = _mm512_dpbf16_ps(acc[i][1], x, v1);
        }
    }
    const __m512 vb = _mm512_set1_ps(beta);
    for (long i = 0; i < rows; i++) {
        float *row = c + i * ldc;
        for (long h = 0; h < halves; h++) {
            long left = nr - h * NR;
            if (left <= 0) break;
            __mmask16 mask = left >= NR ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            __m512 r = acc[i][h];
            if (beta != 0) r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, row + h * NR), r);
            _mm512_mask_storeu_ps(row + h * NR, mask, r);
        }
    }
}

/// The bfloat16 pairs' kernel for a tile of `mr` rows and `nr` columns (at most 2 · NR: then B's
/// sliver at `b` and the next one, `next` floats on).
BF16_BUILD
static void kernel_bf16(long kc, const float *a, const float *b, long next, float *c, long ldc, float beta, long mr, long nr) {
    const uint32_t *pa = (const uint32_t *)a, *b0 = (const uint32_t *)b, *b1 = (const uint32_t *)(b + next);
    long kp = (kc + 1) / 2;
#define GT_BF16_ROWS(halves)                                                              \
    switch (mr) {                                                                         \
    case 6: tile_bf16(6, halves, kp, pa, b0, b1, c, ldc, beta, nr); break;                \
    case 5: tile_bf16(5, halves, kp, pa, b0, b1, c, ldc, beta, nr); break;                \
    case 4: tile_bf16(4, halves, kp, pa, b0, b1, c, ldc, beta, nr); break;                \
    case 3: tile_bf16(3, halves, kp, pa, b0, b1, c, ldc, beta, nr); break;                \
    case 2: tile_bf16(2, halves, kp, pa, b0, b1, c, ldc, beta, nr); break;                \
    default: tile_bf16(1, halves, kp, pa, b0, b1, c, ldc, beta, nr); break;               \
    }
    if (nr > NR) GT_BF16_ROWS(2) else GT_BF16_ROWS(1)
#undef GT_BF16_ROWS
}
#endif

int gt_gemm_level(gt_matrix a, gt_matrix b, int level) {
    if (level < GT_LEVEL_AVX512_BF16 || (a.element == GT_ELEMENT_BF16 && b.element == GT_ELEMENT_BF16)) return level;
    return GT_LEVEL_AVX512;
}

/// `count` floats aligned for vector loads (aligned_alloc wants a multiple of the alignment).
static float *packing_buffer(long count) {
    return aligned_alloc(64, ((size_t)count * sizeof(float) + 63) / 64 * 64);
}

/// Depth blocks of equal size, at most KC (784 = 4 x 196, not 3 x 256 + 16: a thin last block
/// costs a pass over C).
static long depth_block(long k) {
    long blocks = (k + KC - 1) / KC;
    return (k + blocks - 1) / blocks;
}

/// `count` rounded up to whole slivers of `operand`.
static long rounded_to_slivers(int operand, long count) {
    long width = operand == GT_OPERAND_A ? MR : NR;
    return (count + width - 1) / width * width;
}

long gt_gemm_packed_floats(int operand, long count, long k) {
    return count > 0 && k > 0 ? rounded_to_slivers(operand, count) * k : 0;
}

long gt_gemm_sliver(int operand) { return operand == GT_OPERAND_A ? MR : NR; }

// A whole operand packed is its depth blocks one after another, each all of its slivers: the block
// of rows (columns) from i0 at depth p0 starts at p0 · rounded + i0 · kc, where gt_gemm would pack it.
void gt_gemm_pack(int operand, long count, long k, gt_matrix x, float *out, long first, long end, int level) {
    long kcMax = depth_block(k), rounded = rounded_to_slivers(operand, count);
    if (end > count) end = count;
    if (first < 0 || first >= end || first % gt_gemm_sliver(operand) != 0) return;
    for (long p0 = 0; p0 < k; p0 += kcMax) {
        long kc = k - p0 < kcMax ? k - p0 : kcMax;
        float *block = out + p0 * rounded + first * kc;
        if (operand == GT_OPERAND_A) pack_a(&x, first, end - first, p0, kc, block, level);
        else pack_b(&x, p0, kc, first, end - first, block, level);
    }
}

int gt_gemm(long m, long n, long k, gt_matrix a, const float *packed_a, gt_matrix b, const float *packed_b, float beta,
            float *c, long ldc, int level) {
    if (m <= 0 || n <= 0) return 0;
    if (k <= 0) {
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
        return 0;
    }
    micro_kernel kernel = kernel_baseline;
#if defined(__x86_64__)
    if (level >= GT_LEVEL_AVX2) kernel = kernel_avx2;
    level = gt_gemm_level(a, b, level);
    int pairs = level >= GT_LEVEL_AVX512_BF16;
#else
    int pairs = 0;
#endif
    long kcMax = depth_block(k);
    long mcMax = m < MC ? rounded_to_slivers(GT_OPERAND_A, m) : MC;
    long ncMax = n < NC ? rounded_to_slivers(GT_OPERAND_B, n) : NC;
    float *ownA = packed_a ? NULL : packing_buffer(mcMax * kcMax), *ownB = packed_b ? NULL : packing_buffer(ncMax * kcMax);
    if ((!packed_a && !ownA) || (!packed_b && !ownB)) {
        free(ownA);
        free(ownB);
        return -1;
    }
    long mRounded = rounded_to_slivers(GT_OPERAND_A, m), nRounded = rounded_to_slivers(GT_OPERAND_B, n);
    for (long j0 = 0; j0 < n; j0 += NC) {
        long nc = n - j0 < NC ? n - j0 : NC;
        for (long p0 = 0; p0 < k; p0 += kcMax) {
            long kc = k - p0 < kcMax ? k - p0 : kcMax;
            float blockBeta = p0 == 0 ? beta : 1;
            const float *blockB = packed_b ? packed_b + p0 * nRounded + j0 * kc : ownB;
            if (!packed_b) pack_b(&b, p0, kc, j0, nc, ownB, level);
            for (long i0 = 0; i0 < m; i0 += MC) {
                long mc = m - i0 < MC ? m - i0 : MC;
                const float *blockA = packed_a ? packed_a + p0 * mRounded + i0 * kc : ownA;
                if (!packed_a) pack_a(&a, i0, mc, p0, kc, ownA, level);
                // Two B slivers side by side per tile for the pairs' kernel, one for the others.
                long columns = pairs ? 2 * NR : NR;
                for (long js = 0; js < nc; js += columns) {
                    for (long is = 0; is < mc; is += MR) {
                        long mr = mc - is < MR ? mc - is : MR, nr = nc - js < columns ? nc - js : columns;
                        float *tile = c + (i0 + is) * ldc + j0 + js;
#if defined(__x86_64__)
                        if (pairs) {
                            kernel_bf16(kc, blockA + is * kc, blockB + js * kc, NR * kc, tile, ldc, blockBeta, mr, nr);
                            continue;
                        }
#endif
                        kernel(kc, blockA + is * kc, blockB + js * kc, tile, ldc, blockBeta, mr, nr);
                    }
                }
            }
        }
    }
    free(ownA);
    free(ownB);
    return 0;
}
