// The packing GEMM (Sources/CGentrainKernels/gemm.c) next to OpenBLAS's sgemm on one thread: the
// products of W1's step (float32 and bfloat16 operands, row-major and transposed), best of 30,
// in GFLOP/s; each result checked against OpenBLAS's. Not built by CMake (it compiles the
// engine's C kernels directly; needs a CPU with AVX2):
//
//   cc -O2 -I Sources/CGentrainKernels/include -I /usr/include/x86_64-linux-gnu/openblas-pthread
//      bench/c/gemm.c Sources/CGentrainKernels/*.c -lopenblas -lm -o /tmp/bench_gemm && /tmp/bench_gemm
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gentrain_kernels.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Values bfloat16 holds exactly, so both element types compute the same product. */
static void fill(float *x, uint16_t *x16, long n) {
    for (long i = 0; i < n; i++) x[i] = (float)(rand() % 256 - 128) / 128;
    gt_f32_to_bf16(x, x16, (size_t)n, GT_LEVEL_AVX2);
}

int main(void) {
    const long shapes[][3] = {{256, 1024, 784}, {256, 1024, 1024}, {1024, 1024, 256}, {1024, 784, 256}};
    openblas_set_num_threads(1);
    printf("%-18s %9s %9s %9s %9s %9s\n", "m x n x k", "OpenBLAS", "f32", "bf16", "f32 B^T", "bf16 A^T");
    for (int s = 0; s < 4; s++) {
        long m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        float *a = malloc(sizeof(float) * m * k), *at = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n);
        float *bt = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n), *ref = malloc(sizeof(float) * m * n);
        uint16_t *a16 = malloc(2 * m * k), *at16 = malloc(2 * m * k), *b16 = malloc(2 * k * n);
        fill(a, a16, m * k);
        fill(b, b16, k * n);
        for (long i = 0; i < m; i++)
            for (long p = 0; p < k; p++) at[p * m + i] = a[i * k + p];
        for (long p = 0; p < k; p++)
            for (long j = 0; j < n; j++) bt[j * k + p] = b[p * n + j];
        gt_f32_to_bf16(at, at16, (size_t)(m * k), GT_LEVEL_AVX2);
        gt_matrix cases[4][2] = {
            {{a, k, 1, GT_ELEMENT_F32}, {b, n, 1, GT_ELEMENT_F32}},
            {{a16, k, 1, GT_ELEMENT_BF16}, {b16, n, 1, GT_ELEMENT_BF16}},
            {{a, k, 1, GT_ELEMENT_F32}, {bt, 1, k, GT_ELEMENT_F32}},
            {{at16, 1, m, GT_ELEMENT_BF16}, {b16, n, 1, GT_ELEMENT_BF16}},
        };
        double best[5];
        for (int v = 0; v < 5; v++) {
            best[v] = INFINITY;
            for (int r = 0; r < 30; r++) {
                double t = now();
                if (v == 0) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1, a, (int)k, b, (int)n, 0, ref, (int)n);
                else gt_gemm(m, n, k, cases[v - 1][0], NULL, cases[v - 1][1], NULL, 0, c, n, GT_LEVEL_AVX2);
                t = now() - t;
                if (t < best[v]) best[v] = t;
            }
            for (long i = 0; v > 0 && i < m * n; i++) {
                if (fabsf(c[i] - ref[i]) > 1e-4f * (float)k) {
                    printf("case %d differs from OpenBLAS at %ld: %g vs %g\n", v, i, c[i], ref[i]);
                    return 1;
                }
            }
        }
        char name[32];
        snprintf(name, sizeof name, "%ld x %ld x %ld", m, n, k);
        printf("%-18s", name);
        for (int v = 0; v < 5; v++) printf(" %9.1f", 2.0 * m * n * k / best[v] / 1e9);
        printf("\n");
        free(a), free(at), free(b), free(bt), free(c), free(ref), free(a16), free(at16), free(b16);
    }
    return 0;
}
