#define _GNU_SOURCE
#include <ctype.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gentrain_cpu.h"

#if defined(__x86_64__)
#include <cpuid.h>

static unsigned long long xcr0(void) {
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

int gt_cpu_features(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
    if (!osxsave || !avx) return 0;
    unsigned long long saved = xcr0();
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int features = 0;
    if ((saved & 0x6) == 0x6 && fma && f16c && ((b >> 5) & 1)) features |= GT_CPU_AVX2_FMA;
    // F (bit 16), DQ (17), CD (28), BW (30), VL (31); opmask and zmm state (XCR0 bits 5-7).
    unsigned int avx512 = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);
    if ((features & GT_CPU_AVX2_FMA) && (b & avx512) == avx512 && (saved & 0xE6) == 0xE6) features |= GT_CPU_AVX512;
    // AVX512_BF16: leaf 7, subleaf 1, EAX bit 5.
    if ((features & GT_CPU_AVX512) && __get_cpuid_count(7, 1, &a, &b, &c, &d) && ((a >> 5) & 1)) features |= GT_CPU_AVX512_BF16;
    return features;
}

void gt_cpu_signature(char *out, int size) {
    unsigned int a, b, c, d;
    char vendor[13] = {0};
    if (size <= 0) return;
    if (!__get_cpuid(0, &a, &b, &c, &d)) {
        snprintf(out, (size_t)size, "x86");
        return;
    }
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    __get_cpuid(1, &a, &b, &c, &d);
    unsigned int family = (a >> 8) & 0xF, model = (a >> 4) & 0xF, stepping = a & 0xF;
    if (family == 0xF) family += (a >> 20) & 0xFF;
    if (family == 0x6 || family >= 0xF) model += ((a >> 16) & 0xF) << 4;
    for (char *p = vendor; *p; p++) if (!isalnum((unsigned char)*p)) *p = '_';
    snprintf(out, (size_t)size, "%s-%u-%u-%u-%d", vendor, family, model, stepping, gt_cpu_features());
}
#else
int gt_cpu_features(void) { return 0; }
void gt_cpu_signature(char *out, int size) {
    if (size > 0) snprintf(out, (size_t)size, "other");
}
#endif

int gt_cpu_usable_count(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}
