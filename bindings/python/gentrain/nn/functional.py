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
