"""gentrain.nn.init: PyTorch's in-place initializations (no gradient is recorded)."""
from ctypes import byref, c_double

from .._lib import check, lib
from ..grad_mode import no_grad
from ..tensor import _generator, eye

_MODES = ("fan_in", "fan_out")


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    check(lib.gentrain_init_uniform(tensor._h, float(a), float(b), _generator(generator)))
    return tensor


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    check(lib.gentrain_init_normal(tensor._h, float(mean), float(std), _generator(generator)))
    return tensor


def constant_(tensor, val):
    check(lib.gentrain_init_constant(tensor._h, float(val)))
    return tensor


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    check(lib.gentrain_init_xavier_uniform(tensor._h, float(gain), _generator(generator)))
    return tensor


def xavier_normal_(tensor, gain=1.0, generator=None):
    check(lib.gentrain_init_xavier_normal(tensor._h, float(gain), _generator(generator)))
    return tensor


def _kaiming(fn, tensor, a, mode, nonlinearity, generator):
    if mode not in _MODES:
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    check(fn(tensor._h, float(a), mode.encode(), nonlinearity.encode(), _generator(generator)))
    return tensor


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    return _kaiming(lib.gentrain_init_kaiming_uniform, tensor, a, mode, nonlinearity, generator)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    return _kaiming(lib.gentrain_init_kaiming_normal, tensor, a, mode, nonlinearity, generator)


def calculate_gain(nonlinearity, param=None):
    out = c_double()
    check(lib.gentrain_init_calculate_gain(byref(out), nonlinearity.encode(), None if param is None else byref(c_double(param))))
    return out.value


def eye_(tensor):
    """The 2-D tensor set to the identity (ones on the main diagonal), in place."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with no_grad():
        return tensor.copy_(eye(*tensor.shape, dtype=tensor.dtype))


__all__ = ["uniform_", "normal_", "constant_", "zeros_", "ones_", "eye_", "xavier_uniform_", "xavier_normal_",
           "kaiming_uniform_", "kaiming_normal_", "calculate_gain"]
