// What the running CPU executes, asked of the CPU itself (CPUID) and of the OS (XGETBV: which
// vector registers it saves), so that emulators and VMs that hide an extension are believed.
#ifndef GENTRAIN_CPU_H
#define GENTRAIN_CPU_H

#include <stddef.h>

enum {
    GT_CPU_AVX2_FMA = 1,  // AVX2, FMA and F16C, with the OS saving ymm registers
    GT_CPU_AVX512 = 2,    // AVX-512 F, CD, BW, DQ and VL, with the OS saving zmm registers
    GT_CPU_AVX512_BF16 = 4,  // AVX-512 BF16 too (VDPBF16PS: bfloat16 dot products into float32)
};

/// The GT_CPU_* flags of this CPU (0 on other architectures).
int gt_cpu_features(void);

/// Writes "<vendor>-<family>-<model>-<stepping>-<GT_CPU_* flags>" (x86) or "other" into `out`
/// (`size` bytes, always terminated): a name for what was measured on this CPU.
void gt_cpu_signature(char *out, int size);

/// The CPUs this process may run on (its affinity mask), at least 1.
int gt_cpu_usable_count(void);

#endif
