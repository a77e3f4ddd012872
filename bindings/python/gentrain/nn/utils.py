"""gentrain.nn.utils: gradient clipping and parameters as one vector, as torch.nn.utils."""
from ctypes import byref, c_double

from .._lib import check, lib
from ..grad_mode import no_grad
from ..tensor import Tensor, _handles, cat, tensor


def _params(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scales the gradients so their total norm is at most max_norm; returns the total norm
    before clipping (a 0-d tensor)."""
    params = _params(parameters)
    hs, n = _handles(params)
    total = c_double()
    check(lib.gentrain_clip_grad_norm(byref(total), hs, n, float(max_norm), float(norm_type), bool(error_if_nonfinite)))
    # In the gradients' dtype, as PyTorch (float32 when no parameter has a gradient).
    dtype = next((g.dtype for g in (p.grad for p in params) if g is not None), None)
    return tensor(total.value, dtype=dtype)


def clip_grad_value_(parameters, clip_value):
    hs, n = _handles(_params(parameters))
    check(lib.gentrain_clip_grad_value(hs, n, float(clip_value)))


def parameters_to_vector(parameters):
    """The parameters flattened and joined into one 1-D tensor (differentiable)."""
    return cat([p.reshape(-1) for p in _params(parameters)])


def vector_to_parameters(vec, parameters):
    """Copies consecutive pieces of the 1-D `vec` into the parameters, in place."""
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError("expected vec to be a 1-D Tensor")
    at = 0
    with no_grad():
        for p in _params(parameters):
            n = p.numel()
            p.copy_(vec[at:at + n].reshape(*p.shape))
            at += n
