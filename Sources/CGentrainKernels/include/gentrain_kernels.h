// Loops written in C for the instruction sets the running CPU has: each wide function carries its
// own `target` attribute, so no build flag is needed and the engine calls a wide one only after
// CPUID said the CPU runs it (`level`: one of the GT_LEVEL_* values, at most what the CPU has).
#ifndef GENTRAIN_KERNELS_H
#define GENTRAIN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

enum {
    GT_LEVEL_BASELINE = 0,  // x86-64's SSE2 or another architecture
    GT_LEVEL_AVX2 = 1,      // AVX2, FMA and F16C
    GT_LEVEL_AVX512 = 2,    // AVX-512 F/CD/BW/DQ/VL too (the loops without an AVX-512 build run their AVX2 one)
    GT_LEVEL_AVX512_BF16 = 3,  // AVX-512 BF16 too: products of two bfloat16 operands on VDPBF16PS
};

/// y[i] = f(x[i]) for n float32 values (y may be x), f one of vector_math.h's functions.
void gt_exp_f32(const float *x, float *y, size_t n, int level);
void gt_tanh_f32(const float *x, float *y, size_t n, int level);
void gt_sigmoid_f32(const float *x, float *y, size_t n, int level);
void gt_erf_f32(const float *x, float *y, size_t n, int level);
void gt_gelu_f32(const float *x, float *y, size_t n, int level);
void gt_gelu_tanh_f32(const float *x, float *y, size_t n, int level);
void gt_silu_f32(const float *x, float *y, size_t n, int level);

/// out[i] = g[i]·f'(x[i]) for GELU (exact and tanh-approximated) and SiLU (out a third buffer).
void gt_gelu_backward_f32(const float *g, const float *x, float *out, size_t n, int level);
void gt_gelu_tanh_backward_f32(const float *g, const float *x, float *out, size_t n, int level);
void gt_silu_backward_f32(const float *g, const float *x, float *out, size_t n, int level);

/// The sums of a normalization's statistics and gradients over n float32 values, in double
/// precision (normalization.c): Σ x, Σ (x − m)², and Σ a·b or, with c not NULL, Σ a·b·c.
double gt_sum_f32(const float *x, size_t n, int level);
double gt_squared_deviations_f32(const float *x, size_t n, double m, int level);
double gt_dot_f32(const float *a, const float *b, const float *c, size_t n, int level);

/// y = (x·scale + shift)·w + b over n values, w and b optional (NULL: 1 and 0): a normalization's
/// output.
void gt_scale_shift_f32(const float *x, float *y, size_t n, float scale, float shift, const float *w, const float *b,
                        int level);

/// dx = a·g·w + b·(x − m) + c over n values, w optional (NULL: 1): a normalization's input gradient.
void gt_norm_input_grad_f32(const float *g, const float *w, const float *x, float *dx, size_t n, float a, float b,
                            float m, float c, int level);

/// dw += g·(x − m)·inv and db += g over n values (double sums): a per-position weight's and
/// bias's gradients, one group at a time.
void gt_affine_grad_accumulate_f32(const float *g, const float *x, size_t n, double m, double inv, double *dw,
                                   double *db, int level);

/// acc[i] += Σ over r < rows of x[r·ld + i], for i < n, rows in order, in double precision: the
/// column sums of a bias's gradient.
void gt_add_rows_f32(const float *x, size_t rows, size_t n, size_t ld, double *acc, int level);

/// dst[i·ldd + j] = src[j·lds + i] for i < rows, j < cols (dst `[rows, cols]`, src `[cols, rows]`,
/// row-major with leading dimensions `ldd` and `lds`; the two must not overlap), plus beta·dst
/// when beta is not 0 (then the elements are float32; with beta 0 any 4-byte elements, copied as
/// they are, and dst is never read).
void gt_transpose_f32(long rows, long cols, const float *src, long lds, float *dst, long ldd, float beta, int level);

/// Element types of a matrix operand.
enum {
    GT_ELEMENT_F32 = 0,
    GT_ELEMENT_BF16 = 1,
};

/// `n` float32 values rounded to bfloat16 (to nearest, ties to even; NaN stays a quiet NaN).
void gt_f32_to_bf16(const float *src, uint16_t *dst, size_t n, int level);

/// `n` bfloat16 values widened to float32 (exact).
void gt_bf16_to_f32(const uint16_t *src, float *dst, size_t n, int level);

/// `p[i] *= inv` for `n` float32 values; returns 1 when any value was infinite or NaN before
/// (one pass: GradScaler's unscale and its check).
int gt_unscale_f32(float *p, size_t n, float inv, int level);

/// Adam's hyperparameters for one step (PyTorch's `optim.Adam`/`AdamW`), as `gt_adam_*` use them:
/// d = sign·g (+ weight_decay·θ when coupled), m ← lerp(m, d, weight) (in the form PyTorch picks
/// by lerp_low), v ← beta2·v + one_minus_beta2·d², θ ← θ·decay − step_size·m / (√v̂ / bc2_sqrt + eps).
typedef struct {
    double step_size, bc2_sqrt, eps, weight, beta2, one_minus_beta2, weight_decay, decay, sign;
    int coupled, lerp_low;
} gt_adam_hyper;

/// One Adam step over n elements (vmax: amsgrad's running maximum of v, or NULL).
void gt_adam_f32(float *p, const float *g, float *m, float *v, float *vmax, size_t n, const gt_adam_hyper *h, int level);
void gt_adam_f64(double *p, const double *g, double *m, double *v, double *vmax, size_t n, const gt_adam_hyper *h, int level);

/// Binary cross-entropy of probabilities `x` against targets `t` (n contiguous float32 each), PyTorch's
/// formula: out[i] = −(t·max(log x, −100) + (1 − t)·max(log1p(−x), −100)), NaN where x[i] is not in [0, 1].
void gt_bce_forward(const float *x, const float *t, float *out, size_t n, int level);

/// Its gradient with respect to x: out[i] = g[i·g_stride]·(x − t) / max((1 − x)·x, 1e-12).
void gt_bce_backward(const float *g, size_t g_stride, const float *x, const float *t, float *out, size_t n, int level);

/// A matrix operand: element (i, j) is at `data` + (i · row_stride + j · col_stride) elements
/// of type `element` (GT_ELEMENT_*). Strides may be any value, including 0 and negative ones.
typedef struct {
    const void *data;
    ptrdiff_t row_stride;
    ptrdiff_t col_stride;
    int element;
} gt_matrix;

/// The operands of a product.
enum {
    GT_OPERAND_A = 0,
    GT_OPERAND_B = 1,
};

/// The level a product of `a` and `b` runs at on a CPU of `level`: GT_LEVEL_AVX512_BF16 only when
/// both operands are bfloat16 (a product with a float32 operand widens the other one). `gt_gemm`
/// and `gt_gemm_pack` take this level for the product's operands (the packed layouts differ).
int gt_gemm_level(gt_matrix a, gt_matrix b, int level);

/// `C = A·B + beta·C` with A `[m, k]` and B `[k, n]` in float32 or bfloat16 and C `[m, n]` float32
/// (row-major, leading dimension `ldc`), accumulated in float32, on the caller's thread: at
/// GT_LEVEL_AVX512_BF16 (two bfloat16 operands) with bfloat16 dot products on pairs of depth,
/// below it with fused multiply-adds on operands widened to float32 while they are packed.
/// `beta` 0 never reads C. `level`: `gt_gemm_level` of the operands.
/// `packed_a` / `packed_b`: the whole operand already packed by `gt_gemm_pack` (shared by the
/// blocks of one product that threads compute), or NULL to pack it here.
/// Returns 0, or -1 when the packing buffers cannot be allocated (C unchanged).
int gt_gemm(long m, long n, long k, gt_matrix a, const float *packed_a, gt_matrix b, const float *packed_b, float beta,
            float *c, long ldc, int level);

/// `C = A·B + beta·C` in float32 with A `[m, k]` and B `[k, n]` read in place through their strides
/// (element (i, j) of A at a + i·a_row_stride + j·a_col_stride) and C `[m, n]` row-major (leading
/// dimension `ldc`), on the caller's thread, without packing: for products too small to pay for it.
/// `beta` 0 never reads C.
void gt_gemm_small(long m, long n, long k, const float *a, ptrdiff_t a_row_stride, ptrdiff_t a_col_stride,
                   const float *b, ptrdiff_t b_row_stride, ptrdiff_t b_col_stride, float beta, float *c, long ldc,
                   int level);

/// The floats `gt_gemm_pack` writes for a whole operand (`count` rows of A or columns of B, depth k).
long gt_gemm_packed_floats(int operand, long count, long k);

/// The rows of A (GT_OPERAND_A) or columns of B (GT_OPERAND_B) in one packed sliver.
long gt_gemm_sliver(int operand);

/// Packs rows (GT_OPERAND_A) or columns (GT_OPERAND_B) `first..<end` of a whole operand of `count`
/// rows or columns and depth k, as `gt_gemm` would, into their place in `out` (the whole operand's
/// `gt_gemm_packed_floats` floats): threads can pack disjoint parts of one operand at once.
/// `first` is a multiple of `gt_gemm_sliver(operand)`; `end` is clamped to `count`; an empty or
/// misaligned range packs nothing.
void gt_gemm_pack(int operand, long count, long k, gt_matrix x, float *out, long first, long end, int level);

#endif
