// Optimizer updates over float32 and float64 parameters: one loop per element type and option
// combination, built for the baseline and for AVX2 (builds.h). Contraction into FMA is
// off, so every CPU computes the same bits.
#include "builds.h"

#include <math.h>

#pragma STDC FP_CONTRACT OFF

// A square root that is an instruction: libm's sqrt may set errno, which keeps loops calling it
// from vectorizing unless the whole target is built with -fno-math-errno.
#if defined(__has_builtin)
#if __has_builtin(__builtin_elementwise_sqrt)
#define SQRT(x) __builtin_elementwise_sqrt(x)
#endif
#endif
#ifndef SQRT
#define SQRT(x) sqrt(x)
#endif

// Adam for one element type T, with coupled weight decay or not (COUPLED) and
// amsgrad's running maximum or not (AMSGRAD): constants in each expansion, so the loop has no
// branch and vectorizes. Decoupled decay is the factor `decay` (exactly 1 without it).
#define ADAM_LOOP(T, COUPLED, AMSGRAD)                                          \
    for (size_t i = 0; i < n; i++) {                                                  \
        T pi = p[i] * decay;                                                          \
        T d = sign * g[i];                                                            \
        if (COUPLED) d += wd * pi;                                                    \
        T mi = lerp_low ? m[i] + w * (d - m[i]) : d - (d - m[i]) * keep;              \
        m[i] = mi;                                                                    \
        T vi = v[i] * b2 + c2 * d * d;                                                \
        v[i] = vi;                                                                    \
        T vhat = vi;                                                                  \
        if (AMSGRAD) {                                                                \
            vhat = vmax[i] < vi ? vi : vmax[i];                                       \
            vmax[i] = vhat;                                                           \
        }                                                                             \
        p[i] = pi - step * mi / (SQRT(vhat) / bc2 + eps);                             \
    }

#define ADAM_FUNCTION(NAME, T)                                                  \
    static void NAME(T *restrict p, const T *restrict g, T *restrict m, T *restrict v, \
                     T *restrict vmax, size_t n, const gt_adam_hyper *h) {            \
        const T step = (T)h->step_size, bc2 = (T)h->bc2_sqrt, eps = (T)h->eps;        \
        const T w = (T)h->weight, keep = 1 - w, b2 = (T)h->beta2, c2 = (T)h->one_minus_beta2; \
        const T wd = (T)h->weight_decay, decay = (T)h->decay, sign = (T)h->sign;      \
        const int lerp_low = h->lerp_low;                                             \
        if (h->coupled) {                                                             \
            if (vmax) { ADAM_LOOP(T, 1, 1) } else { ADAM_LOOP(T, 1, 0) }  \
        } else {                                                                      \
            if (vmax) { ADAM_LOOP(T, 0, 1) } else { ADAM_LOOP(T, 0, 0) }  \
        }                                                                             \
    }

ADAM_FUNCTION(adam_f32_baseline, float)
ADAM_FUNCTION(adam_f64_baseline, double)
AVX2_BUILD ADAM_FUNCTION(adam_f32_avx2, float)
AVX2_BUILD ADAM_FUNCTION(adam_f64_avx2, double)

void gt_adam_f32(float *p, const float *g, float *m, float *v, float *vmax, size_t n, const gt_adam_hyper *h, int level) {
    (RUNS_AVX2(level) ? adam_f32_avx2 : adam_f32_baseline)(p, g, m, v, vmax, n, h);
}

void gt_adam_f64(double *p, const double *g, double *m, double *v, double *vmax, size_t n, const gt_adam_hyper *h, int level) {
    (RUNS_AVX2(level) ? adam_f64_avx2 : adam_f64_baseline)(p, g, m, v, vmax, n, h);
}
