"""Python values as the C functions take them: the conversions the generated doors use."""
import ctypes
from ctypes import byref, c_double, c_int64

from . import _checked, _ffi

_REDUCTIONS = {"none": _ffi.REDUCTION_NONE, "mean": _ffi.REDUCTION_MEAN, "sum": _ffi.REDUCTION_SUM}


def int64s(values):
    """A C int64 array of `values` and its length."""
    values = tuple(index(v) for v in values)
    return (ctypes.c_int64 * max(len(values), 1))(*values), len(values)


def dims(dim):
    """A dim argument (None, int, or sequence) as a C array and count; None is every dim."""
    if dim is None:
        return None, 0
    if isinstance(dim, int):
        dim = (dim,)
    return int64s(dim)


def index(value):
    """An integer argument as C's int64; floats are refused as PyTorch refuses them, and a value out
    of int64's range is an OverflowError (ctypes would silently keep its low 64 bits)."""
    return _checked.integer(value)


def operand(x, value):
    """A binary op's second operand: a tensor as it is, a Python number as x's 0-d scalar."""
    return value if hasattr(value, "_h") else x._scalar(value)


def handle(tensor):
    """An optional tensor's handle (None is NULL)."""
    return None if tensor is None else tensor._h


def reduction(name, batchmean=False):
    """A loss's reduction by PyTorch's name."""
    if batchmean and name == "batchmean":
        return _ffi.REDUCTION_BATCHMEAN
    if name not in _REDUCTIONS:
        raise ValueError(f"{name} is not a valid value for reduction")
    return _REDUCTIONS[name]


def choice(enum, value):
    """A mode by its name ("tanh") as the C enum's value (GENTRAIN_GELU_APPROXIMATE_TANH)."""
    code = getattr(_ffi, f"{enum}_{value}".upper(), None) if isinstance(value, str) else None
    if code is None:
        names = sorted(k[len(enum) + 1:].lower() for k in vars(_ffi) if k.startswith(enum.upper() + "_"))
        raise ValueError(f"{enum.split('_')[-1]} must be one of {', '.join(map(repr, names))}, got {value!r}")
    return code


def optional_double(value):
    """A `const double *` argument: NULL for None."""
    return None if value is None else byref(c_double(value))


def optional_int64(value):
    """A `const int64_t *` argument: NULL for None."""
    return None if value is None else byref(c_int64(index(value)))
