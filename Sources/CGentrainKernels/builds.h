// The builds of the C loops: each loop is compiled for the baseline and, on x86-64, with AVX2
// (and, for some, AVX-512 with 512-bit vectors; elsewhere these builds are the baseline one again
// and are never chosen); RUNS_AVX2 / RUNS_AVX512 pick the build for the level the caller passes
// (GT_LEVEL_*).
#ifndef GENTRAIN_KERNELS_BUILDS_H
#define GENTRAIN_KERNELS_BUILDS_H

#include "gentrain_kernels.h"

#if defined(__x86_64__)
#define AVX2_BUILD __attribute__((target("avx2,fma,f16c")))
#define RUNS_AVX2(level) ((level) >= GT_LEVEL_AVX2)
// Skylake-X's AVX-512 subsets, which Intel's and AMD's AVX-512 CPUs share.
#define AVX512_BUILD __attribute__((target("avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,f16c"), min_vector_width(512)))
#define RUNS_AVX512(level) ((level) >= GT_LEVEL_AVX512)
#else
#define AVX2_BUILD
#define RUNS_AVX2(level) ((void)(level), 0)
#define AVX512_BUILD
#define RUNS_AVX512(level) ((void)(level), 0)
#endif

#endif
