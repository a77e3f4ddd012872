"""gentrain: an embeddable training runtime, driven from Python through its C ABI.

Reads like PyTorch: `gentrain.tensor`, `Tensor` operators and methods, `autograd.grad`,
`no_grad()`, `nn.Linear`, `nn.Sequential`, `nn.functional.cross_entropy`, `optim.Adam`.
"""
from . import amp, autograd, backends, distributed, distributions, generative, linalg, nn, optim, special, utils
from ._dtype import bfloat16, bool_, double, dtype, float, float16, float32, float64, half, int32, int64, long
from ._lib import (AutogradError, CallbackError, DTypeError, GentrainError, IndexError, InvalidArgumentError,
                   InvalidHandleError, MisuseError, NonFiniteError, ShapeError, DistributedError, lib as _lib)
from .checkpoint import Checkpoint
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .serialization import load, save
from .utils.dlpack import from_dlpack
from ._ops import *  # noqa: F401,F403 - the generated gentrain.<op> functions
from .tensor import (Generator, Tensor, arange, argsort, bernoulli, cat, device, einsum, empty, empty_like, eye, from_numpy, full,
                     full_like, get_default_dtype, hstack, linspace, logspace, meshgrid, multinomial, normal, ones, ones_like, rand,
                     rand_like, randint, randint_like, randn, randn_like, randperm, repeat_interleave, set_default_dtype, sort,
                     stack, std_mean, tensor, tensordot, kron, cross, topk, tril_indices, triu_indices, var_mean, vstack,
                     where, zeros, zeros_like, searchsorted, bucketize, histc, block_diag, cartesian_prod, combinations,
                     polygamma)

bool = bool_  # noqa: A001 - PyTorch's name for the dtype

__version__ = _lib.gentrain_version().decode()


autocast = amp.autocast


def is_autocast_enabled(device_type="cpu"):
    """Whether ops on this thread autocast now (torch.is_autocast_enabled)."""
    return device_type == "cpu" and _lib.gentrain_autocast_is_enabled()


def get_autocast_dtype(device_type="cpu"):
    """The dtype ops autocast to (torch.get_autocast_dtype)."""
    from ._dtype import BY_CODE
    return BY_CODE[_lib.gentrain_autocast_get_dtype()]


def manual_seed(seed):
    """Seeds the default random generator."""
    _lib.gentrain_manual_seed(seed & 0xFFFFFFFFFFFFFFFF)


def set_num_threads(n):
    from ._lib import check
    check(_lib.gentrain_set_num_threads(n))


def get_num_threads():
    return _lib.gentrain_get_num_threads()


def matmul(a, b):
    return a @ b


# The hand-written Tensor methods that PyTorch also has as torch.<name>.
for _name in ("clamp", "clip", "var", "std", "max", "min", "argmax", "argmin", "reshape", "permute", "split", "chunk", "eq",
              "ne", "lt", "le", "gt", "ge", "add", "sub", "mul", "div", "pow", "square", "nonzero", "argwhere", "unique",
              "unbind", "diff", "movedim", "moveaxis", "swapaxes", "swapdims", "ravel", "tile", "fliplr", "flipud", "take",
              "isclose", "allclose", "equal", "nansum", "nanmean", "aminmax", "scatter", "rot90", "diag_embed",
              "narrow_copy", "median", "quantile", "index_fill", "masked_scatter", "logcumsumexp", "cummax", "cummin",
              "channel_shuffle", "slogdet", "put", "true_divide", "addcmul", "addcdiv", "copysign", "logit", "dist",
              "renorm", "kthvalue", "mode", "unique_consecutive", "softmax", "log_softmax", "cumsum", "lerp", "norm"):
    globals()[_name] = getattr(Tensor, _name)
del _name
