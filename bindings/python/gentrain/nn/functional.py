"""gentrain.nn.functional: PyTorch's `F` functions over the engine."""
from ctypes import byref, sizeof

from .. import _ffi
from .._lib import lib
from ..tensor import Tensor, _new

_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def linear(input, weight, bias=None):  # noqa: A002 - PyTorch's names
    return _new(lib.gentrain_linear, input._h, weight._h, None if bias is None else bias._h)


def relu(input):  # noqa: A002
    return input.relu()


def leaky_relu(input, negative_slope=0.01):  # noqa: A002
    return _new(lib.gentrain_leaky_relu, input._h, float(negative_slope))


def gelu(input, approximate="none"):  # noqa: A002
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
    return _new(lib.gentrain_gelu, input._h, approximate == "tanh")


def softplus(input, beta=1.0, threshold=20.0):  # noqa: A002
    return _new(lib.gentrain_softplus, input._h, float(beta), float(threshold))


def sigmoid(input):  # noqa: A002
    return input.sigmoid()


def tanh(input):  # noqa: A002
    return input.tanh()


def softmax(input, dim):  # noqa: A002
    return input.softmax(dim)


def log_softmax(input, dim):  # noqa: A002
    return input.log_softmax(dim)


def dropout(input, p=0.5, training=True):  # noqa: A002
    return _new(lib.gentrain_dropout, input._h, float(p), bool(training))


def embedding(input, weight):  # noqa: A002
    return _new(lib.gentrain_embedding, input._h, weight._h)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):  # noqa: A002
    """Cross-entropy of logits `input` ([N, C] or [N, C, d...]) and class indices `target`."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    options = _ffi.CrossEntropyOptions(sizeof(_ffi.CrossEntropyOptions), None if weight is None else weight._h,
                                       ignore_index, _REDUCTIONS[reduction], float(label_smoothing))
    return _new(lib.gentrain_cross_entropy, input._h, target._h, byref(options))


__all__ = ["linear", "relu", "leaky_relu", "gelu", "softplus", "sigmoid", "tanh", "softmax", "log_softmax",
           "dropout", "embedding", "cross_entropy", "Tensor"]


# -- the other losses (see include/gentrain.h for the formulas) ------------------------------

_KL_REDUCTIONS = dict(_REDUCTIONS, batchmean=3)


def _reduction(reduction, table=_REDUCTIONS):
    if reduction not in table:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return table[reduction]


def _h(t):
    return None if t is None else t._h


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):  # noqa: A002
    options = _ffi.CrossEntropyOptions(sizeof(_ffi.CrossEntropyOptions), _h(weight), ignore_index,
                                       _reduction(reduction), 0.0)
    return _new(lib.gentrain_nll_loss, input._h, target._h, byref(options))


def mse_loss(input, target, reduction="mean"):  # noqa: A002
    return _new(lib.gentrain_mse_loss, input._h, target._h, _reduction(reduction))


def l1_loss(input, target, reduction="mean"):  # noqa: A002
    return _new(lib.gentrain_l1_loss, input._h, target._h, _reduction(reduction))


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):  # noqa: A002
    return _new(lib.gentrain_smooth_l1_loss, input._h, target._h, _reduction(reduction), float(beta))


def huber_loss(input, target, reduction="mean", delta=1.0):  # noqa: A002
    return _new(lib.gentrain_huber_loss, input._h, target._h, _reduction(reduction), float(delta))


def binary_cross_entropy(input, target, weight=None, reduction="mean"):  # noqa: A002
    return _new(lib.gentrain_binary_cross_entropy, input._h, target._h, _h(weight), _reduction(reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):  # noqa: A002
    return _new(lib.gentrain_binary_cross_entropy_with_logits, input._h, target._h, _h(weight), _h(pos_weight),
                _reduction(reduction))


def kl_div(input, target, reduction="mean", log_target=False):  # noqa: A002
    return _new(lib.gentrain_kl_div, input._h, target._h, _reduction(reduction, _KL_REDUCTIONS), bool(log_target))


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):  # noqa: A002
    if not isinstance(var, Tensor):
        from ..tensor import full as full_tensor
        var = full_tensor(tuple(input.shape), float(var), dtype=input.dtype)
    return _new(lib.gentrain_gaussian_nll_loss, input._h, target._h, var._h, bool(full), float(eps), _reduction(reduction))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    return _new(lib.gentrain_cosine_similarity, x1._h, x2._h, dim, float(eps))


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction="mean"):
    return _new(lib.gentrain_cosine_embedding_loss, input1._h, input2._h, target._h, float(margin), _reduction(reduction))


__all__ += ["nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
            "binary_cross_entropy_with_logits", "kl_div", "gaussian_nll_loss", "cosine_similarity",
            "cosine_embedding_loss"]
