"""torch.backends.cpu: the kernels this CPU runs."""
from .._lib import lib


def get_cpu_capability():
    """The widest kernels this CPU runs, after GENTRAIN_KERNELS: "DEFAULT", "AVX2" (float32
    loops and, for bfloat16 products, the packing GEMM) or "AVX512"."""
    return lib.gentrain_cpu_capability().decode()
