"""torch.backends.cpu: the kernels this CPU runs."""
from .._lib import lib


def get_cpu_capability():
    """The widest kernels this CPU runs, after GENTRAIN_KERNELS: "DEFAULT", "AVX2" (float32
    loops and, for bfloat16 products, the packing GEMM) or "AVX512"."""
    return lib.gentrain_cpu_capability().decode()


def get_bf16_kernels():
    """The kernels products of two bfloat16 operands run on, after GENTRAIN_KERNELS:
    "AVX512_BF16" (bfloat16 dot products), "AVX2" (widened to float32 in the packing GEMM) or
    "DEFAULT" (float32 copies on the BLAS)."""
    return lib.gentrain_cpu_bf16_kernels().decode()
