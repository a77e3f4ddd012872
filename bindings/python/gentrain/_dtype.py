"""Element types, named as PyTorch's (`gentrain.float32` is `torch.float32`)."""
import numpy as np

from . import _ffi


class dtype:
    __slots__ = ("name", "code", "numpy", "is_floating_point", "itemsize")

    def __init__(self, name, code, numpy, is_floating_point, itemsize):
        self.name, self.code, self.numpy = name, code, numpy
        self.is_floating_point, self.itemsize = is_floating_point, itemsize

    def __repr__(self):
        return f"gentrain.{self.name}"


float32 = dtype("float32", _ffi.FLOAT32, np.float32, True, 4)
float64 = dtype("float64", _ffi.FLOAT64, np.float64, True, 8)
bfloat16 = dtype("bfloat16", _ffi.BFLOAT16, None, True, 2)  # numpy has no bfloat16: copies out as float32
float16 = dtype("float16", _ffi.FLOAT16, np.float16, True, 2)
int32 = dtype("int32", _ffi.INT32, np.int32, False, 4)
int64 = dtype("int64", _ffi.INT64, np.int64, False, 8)
bool_ = dtype("bool", _ffi.BOOL, np.bool_, False, 1)
float, double, half, long, int = float32, float64, float16, int64, int32  # noqa: A001 - PyTorch's aliases

BY_CODE = {d.code: d for d in (float32, float64, bfloat16, float16, int32, int64, bool_)}
BY_NUMPY = {np.dtype(d.numpy): d for d in BY_CODE.values() if d.numpy is not None}


def from_numpy_dtype(np_dtype):
    try:
        return BY_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(f"gentrain: numpy dtype {np_dtype} is not supported") from None
