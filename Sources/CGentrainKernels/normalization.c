// The float32 loops of batch, layer, group and instance norm (FusedNormalization.swift) and of a
// bias's gradient (columnSums): the statistics and gradient sums in double precision, the
// elementwise passes in float, each in the three builds of builds.h. The sums run in eight lanes
// added in a fixed order, so every build gives the same bits (no contraction into FMA either).
#include "builds.h"

#pragma STDC FP_CONTRACT OFF

// Eight lanes as one vector (two registers with AVX2, one with AVX-512, four with SSE2); float8
// is read at any float's alignment.
typedef float float8 __attribute__((vector_size(32), aligned(4), may_alias));
typedef double double8 __attribute__((vector_size(64)));

// Σ term(i) for i < n in double: eight lane sums, then the lanes pairwise. `term` is written once
// for vectors of eight (X(p) loads eight values from p + i as doubles) and once for a scalar tail.
#define LANE_SUM(vector_term, scalar_term)                                           \
    double8 lane = {0};                                                              \
    size_t i = 0;                                                                    \
    for (; i + 8 <= n; i += 8) lane += (vector_term);                                \
    for (; i < n; i++) lane[0] += (scalar_term);                                     \
    return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));

#define X(p) __builtin_convertvector(*(const float8 *)((p) + i), double8)

// The three builds of a function and its dispatcher gt_<name>(..., level).
#define BUILDS(ret, name, params, body)                                                                  \
    static ret name##_baseline params { body }                                                           \
    AVX2_BUILD static ret name##_avx2 params { body }                                                    \
    AVX512_BUILD static ret name##_avx512 params { body }

#define DISPATCH(name, level, args) \
    (RUNS_AVX512(level) ? name##_avx512 args : RUNS_AVX2(level) ? name##_avx2 args : name##_baseline args)

BUILDS(double, sum, (const float *restrict x, size_t n), LANE_SUM(X(x), (double)x[i]))
BUILDS(double, deviations, (const float *restrict x, size_t n, double m),
       LANE_SUM((X(x) - m) * (X(x) - m), ((double)x[i] - m) * ((double)x[i] - m)))
BUILDS(double, dot, (const float *restrict a, const float *restrict b, size_t n),
       LANE_SUM(X(a) * X(b), (double)a[i] * (double)b[i]))
BUILDS(double, dot3, (const float *restrict a, const float *restrict b, const float *restrict c, size_t n),
       LANE_SUM(X(a) * X(b) * X(c), (double)a[i] * (double)b[i] * (double)c[i]))

double gt_sum_f32(const float *x, size_t n, int level) { return DISPATCH(sum, level, (x, n)); }

double gt_squared_deviations_f32(const float *x, size_t n, double m, int level) {
    return DISPATCH(deviations, level, (x, n, m));
}

double gt_dot_f32(const float *a, const float *b, const float *c, size_t n, int level) {
    return c ? DISPATCH(dot3, level, (a, b, c, n)) : DISPATCH(dot, level, (a, b, n));
}

// y = x·scale + shift, then times w and plus b where given: one loop per combination (no branch
// in the loop, so each vectorizes).
BUILDS(void, scale_shift, (const float *restrict x, float *restrict y, size_t n, float scale, float shift,
                           const float *restrict w, const float *restrict b), 
       if (w && b) for (size_t i = 0; i < n; i++) y[i] = (x[i] * scale + shift) * w[i] + b[i];
       else if (w) for (size_t i = 0; i < n; i++) y[i] = (x[i] * scale + shift) * w[i];
       else if (b) for (size_t i = 0; i < n; i++) y[i] = x[i] * scale + shift + b[i];
       else for (size_t i = 0; i < n; i++) y[i] = x[i] * scale + shift;)

void gt_scale_shift_f32(const float *x, float *y, size_t n, float scale, float shift, const float *w, const float *b,
                        int level) {
    DISPATCH(scale_shift, level, (x, y, n, scale, shift, w, b));
}

BUILDS(void, input_grad, (const float *restrict g, const float *restrict w, const float *restrict x, float *restrict dx,
                          size_t n, float a, float b, float m, float c), 
       if (w) for (size_t i = 0; i < n; i++) dx[i] = a * g[i] * w[i] + b * (x[i] - m) + c;
       else for (size_t i = 0; i < n; i++) dx[i] = a * g[i] + b * (x[i] - m) + c;)

void gt_norm_input_grad_f32(const float *g, const float *w, const float *x, float *dx, size_t n, float a, float b,
                            float m, float c, int level) {
    DISPATCH(input_grad, level, (g, w, x, dx, n, a, b, m, c));
}

BUILDS(void, affine_grad, (const float *restrict g, const float *restrict x, size_t n, double m, double inv,
                           double *restrict dw, double *restrict db), 
       for (size_t i = 0; i < n; i++) {
           dw[i] += (double)g[i] * (((double)x[i] - m) * inv);
           db[i] += (double)g[i];
       })

BUILDS(void, add_rows, (const float *restrict x, size_t rows, size_t n, size_t ld, double *restrict acc),
       for (size_t r = 0; r < rows; r++)
           for (size_t i = 0; i < n; i++) acc[i] += (double)x[r * ld + i];)

void gt_add_rows_f32(const float *x, size_t rows, size_t n, size_t ld, double *acc, int level) {
    DISPATCH(add_rows, level, (x, rows, n, ld, acc));
}

void gt_affine_grad_accumulate_f32(const float *g, const float *x, size_t n, double m, double inv, double *dw,
                                   double *db, int level) {
    DISPATCH(affine_grad, level, (g, x, n, m, inv, dw, db));
}
