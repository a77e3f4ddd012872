// The two builds of the C loops: each loop is compiled for the baseline and, on x86-64, with
// AVX2 (elsewhere the "AVX2" build is the baseline one again and is never chosen); RUNS_AVX2
// picks the build for the level the caller passes (GT_LEVEL_*).
#ifndef GENTRAIN_KERNELS_BUILDS_H
#define GENTRAIN_KERNELS_BUILDS_H

#include "gentrain_kernels.h"

#if defined(__x86_64__)
#define AVX2_BUILD __attribute__((target("avx2,fma,f16c")))
#define RUNS_AVX2(level) ((level) >= GT_LEVEL_AVX2)
#else
#define AVX2_BUILD
#define RUNS_AVX2(level) ((void)(level), 0)
#endif

#endif
