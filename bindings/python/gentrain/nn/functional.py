"""gentrain.nn.functional: PyTorch's `F` functions over the engine.

The functions that forward to one C function come from `_functional_ops` (generated from
api/ops.py); the ones here do more (option structs, PyTorch's overloads)."""
import ctypes
import functools
import math
from ctypes import byref, sizeof

import numpy as np

from .. import _convert, _ffi
from .._convert import handle as _h, reduction as _reduction
from .._lib import check, lib
from ..tensor import Tensor, _new, tensor
from . import _functional_ops
from ._functional_ops import *  # noqa: F401,F403 - the generated functions are part of this module


# -- losses (see include/gentrain.h for the formulas) -----------------------------------------

def _cross_entropy_options(weight, ignore_index, reduction, label_smoothing):
    if weight is None and type(ignore_index) is int and type(reduction) is str and type(label_smoothing) in (int, float):
        return _unweighted_options(ignore_index, reduction, label_smoothing)
    return _options_struct(weight, ignore_index, reduction, label_smoothing)


def _options_struct(weight, ignore_index, reduction, label_smoothing):
    return _ffi.CrossEntropyOptions(sizeof(_ffi.CrossEntropyOptions), _h(weight), ignore_index, _reduction(reduction),
                                    float(label_smoothing))


@functools.lru_cache(maxsize=64)
def _unweighted_options(ignore_index, reduction, label_smoothing):
    """The options without a weight, built (and their integers checked) once per value: the library only reads them."""
    return _options_struct(None, ignore_index, reduction, label_smoothing)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):  # noqa: A002
    """Cross-entropy of logits `input` ([N, C] or [N, C, d...]) and class indices `target`."""
    options = _cross_entropy_options(weight, ignore_index, reduction, label_smoothing)
    return _new(lib.gentrain_cross_entropy, input._h, target._h, byref(options))


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):  # noqa: A002
    """The negative log-likelihood of log-probabilities `input` at class indices `target`."""
    options = _cross_entropy_options(weight, ignore_index, reduction, 0.0)
    return _new(lib.gentrain_nll_loss, input._h, target._h, byref(options))


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):  # noqa: A002
    """The Gaussian negative log-likelihood; `var` is a tensor or one number for every element."""
    if not isinstance(var, Tensor):
        from ..tensor import full as full_tensor
        var = full_tensor(tuple(input.shape), float(var), dtype=input.dtype)
    return _new(lib.gentrain_gaussian_nll_loss, input._h, target._h, var._h, bool(full), float(eps), _reduction(reduction))


# softmax and log_softmax with PyTorch's `dtype` (the input converted first).
softmax, log_softmax = Tensor.softmax, Tensor.log_softmax

__all__ = _functional_ops.__all__ + ["cross_entropy", "nll_loss", "gaussian_nll_loss", "Tensor"]


# -- layers as functions ---------------------------------------------------------------------


def _pair(v):
    return (v, v) if isinstance(v, (int, float)) else tuple(v)


def _conv_options(stride=1, padding=0, dilation=1, groups=1, output_padding=0, one_d=False):
    o = _ffi.ConvOptions()
    lib.gentrain_conv_options_default(byref(o))
    pick = (lambda v: (1, v) if isinstance(v, int) else (1, v[0])) if one_d else _pair
    pad0 = 0 if one_d else None
    o.stride[:] = pick(stride)
    if padding == "same":
        o.padding_same = True
    elif padding != "valid":
        o.padding[:] = (pad0, padding if isinstance(padding, int) else padding[0]) if one_d else _pair(padding)
    o.dilation[:] = pick(dilation)
    o.groups = groups
    o.output_padding[:] = _pair(output_padding)
    return o


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    return _new(lib.gentrain_conv2d, input._h, weight._h, _h(bias), byref(_conv_options(stride, padding, dilation, groups)))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    o = _conv_options(stride, padding, dilation, groups, one_d=True)
    return _new(lib.gentrain_conv1d, input._h, weight._h, _h(bias), byref(o))


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):  # noqa: A002
    o = _conv_options(stride, padding, dilation, groups, output_padding)
    return _new(lib.gentrain_conv_transpose2d, input._h, weight._h, _h(bias), byref(o))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    kh, kw = _pair(kernel_size)
    return _new(lib.gentrain_unfold, input._h, kh, kw, byref(_conv_options(stride, padding, dilation)))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    (h, w), (kh, kw) = _pair(output_size), _pair(kernel_size)
    return _new(lib.gentrain_fold, input._h, h, w, kh, kw, byref(_conv_options(stride, padding, dilation)))


def _pool_options(stride, padding, dilation=1, ceil_mode=False, count_include_pad=True, divisor_override=None):
    return _ffi.Pool2dOptions(sizeof(_ffi.Pool2dOptions), _pair(stride or 0), _pair(padding), bool(count_include_pad),
                              _pair(dilation), bool(ceil_mode), int(divisor_override or 0))


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):  # noqa: A002
    """The maximum of each window; stride None is the kernel size. With `return_indices`, also
    where each maximum is in its input plane (for `max_unpool2d`)."""
    kh, kw = _pair(kernel_size)
    options = _pool_options(stride, padding, dilation, ceil_mode)
    if not return_indices:
        return _new(lib.gentrain_max_pool2d, input._h, kh, kw, byref(options))
    out, indices = ctypes.c_void_p(), ctypes.c_void_p()
    check(lib.gentrain_max_pool2d_with_indices(byref(out), byref(indices), input._h, kh, kw, byref(options)))
    return Tensor._wrap(out.value), Tensor._wrap(indices.value)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    """Zeros with each value of `input` at its index from `max_pool2d(..., return_indices=True)`;
    `output_size` (its last two entries) defaults to the size the pooling came from."""
    kh, kw = _pair(kernel_size)
    size = None if output_size is None else (ctypes.c_int64 * 2)(*[int(v) for v in tuple(output_size)[-2:]])
    return _new(lib.gentrain_max_unpool2d, input._h, indices._h, kh, kw, byref(_pool_options(stride, padding)), size)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,  # noqa: A002
               divisor_override=None):
    """The mean of each window; stride None is the kernel size."""
    kh, kw = _pair(kernel_size)
    options = _pool_options(stride, padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                            divisor_override=divisor_override)
    return _new(lib.gentrain_avg_pool2d, input._h, kh, kw, byref(options))


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    h, w = _pair(output_size)
    return _new(lib.gentrain_adaptive_avg_pool2d, input._h, h, w)


def _adaptive_size(input, output_size):
    """An adaptive pooling's (h, w): None entries keep the input's size."""
    h, w = _pair(output_size)
    return (input.shape[-2] if h is None else h), (input.shape[-1] if w is None else w)


def adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    """The maximum of each of h x w windows that tile the input; with `return_indices`, also where each
    maximum is in its input plane (the first of equal ones)."""
    h, w = _adaptive_size(input, output_size)
    out = _new(lib.gentrain_adaptive_max_pool2d, input._h, h, w)
    if not return_indices:
        return out
    x = input.detach().numpy()
    rows, cols = x.shape[-2:]
    indices = np.empty(x.shape[:-2] + (h, w), dtype=np.int64)
    for i in range(h):
        r0, r1 = i * rows // h, ((i + 1) * rows + h - 1) // h
        for j in range(w):
            c0, c1 = j * cols // w, ((j + 1) * cols + w - 1) // w
            at = x[..., r0:r1, c0:c1].reshape(x.shape[:-2] + (-1,)).argmax(-1)
            indices[..., i, j] = (r0 + at // (c1 - c0)) * cols + c0 + at % (c1 - c0)
    return out, tensor(indices)


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    """The mean of each of `output_size` windows that tile the last dim of [N, C, L] or [C, L]."""
    x = input.unsqueeze(-2) if input.ndim == 3 else input.unsqueeze(0).unsqueeze(-2)
    out = adaptive_avg_pool2d(x, (1, int(output_size))).squeeze(-2)
    return out if input.ndim == 3 else out.squeeze(0)


def adaptive_max_pool1d(input, output_size, return_indices=False):  # noqa: A002
    """The maximum of each of `output_size` windows that tile the last dim of [N, C, L] or [C, L]."""
    x = input.unsqueeze(-2) if input.ndim == 3 else input.unsqueeze(0).unsqueeze(-2)
    out = adaptive_max_pool2d(x, (1, int(output_size)), return_indices)
    out = out if return_indices else (out,)
    out = tuple(t.squeeze(-2) if input.ndim == 3 else t.squeeze(-2).squeeze(0) for t in out)
    return out if return_indices else out[0]


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):  # noqa: A002
    """The maximum of each window along the last dim of [N, C, L] or [C, L]; stride None is the kernel size.
    With `return_indices`, also where each maximum is along that dim."""
    if not return_indices:
        return _functional_ops.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)
    out, indices = max_pool2d(input.unsqueeze(-2), (1, kernel_size), (1, kernel_size if stride is None else stride),
                              (0, padding), (1, dilation), ceil_mode, return_indices=True)
    return out.squeeze(-2), indices.squeeze(-2)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):  # noqa: A002
    if input.ndim == 3:   # [N, C, L]: one row of an image ("linear" is bilinear there)
        if mode not in ("nearest", "linear"):
            raise NotImplementedError("gentrain's interpolate of [N, C, L] supports mode 'nearest' and 'linear'")
        one = lambda v: None if v is None else (1, v[0] if isinstance(v, (tuple, list)) else v)
        return interpolate(input.unsqueeze(-2), one(size), None if scale_factor is None else
                           (1.0, (scale_factor[0] if isinstance(scale_factor, (tuple, list)) else scale_factor)),
                           "bilinear" if mode == "linear" else mode, align_corners, recompute_scale_factor).squeeze(-2)
    if mode not in ("nearest", "bilinear"):
        raise NotImplementedError("gentrain's interpolate supports mode 'nearest' and 'bilinear'")
    if align_corners is not None and mode == "nearest":
        raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear")
    if (size is None) == (scale_factor is None):
        raise ValueError("either size or scale_factor should be defined")
    options = _ffi.InterpolateOptions(sizeof(_ffi.InterpolateOptions), (0, 0), (0.0, 0.0), _convert.choice("interpolate", mode),
                                      bool(align_corners))
    if scale_factor is not None and not recompute_scale_factor:
        options.scale_factor[:] = [float(f) for f in _pair(scale_factor)]
    else:
        if size is None:   # recompute_scale_factor: the size from the factors, then sampled by size
            sh, sw = _pair(scale_factor)
            size = (math.floor(input.shape[2] * sh), math.floor(input.shape[3] * sw))
        options.size[:] = _pair(size)
    return _new(lib.gentrain_interpolate, input._h, byref(options))


def pad(input, pad, mode="constant", value=None):  # noqa: A002
    """Pads by (before, after) amounts from the last dimension backwards; `mode` is "constant"
    (`value`, default 0), "reflect", "replicate" or "circular" (F.pad)."""
    if mode != "constant" and value not in (None, 0):
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument')
    pads = (ctypes.c_int64 * max(len(pad), 1))(*pad)
    return _new(lib.gentrain_pad_mode, input._h, pads, len(pad), _convert.choice("padding_mode", mode),
                float(value or 0.0))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):  # noqa: A002
    return _new(lib.gentrain_batch_norm, input._h, _h(running_mean), _h(running_var), _h(weight), _h(bias), bool(training),
                float(momentum), float(eps))


__all__ += ["conv2d", "conv1d", "conv_transpose2d", "unfold", "fold", "max_pool2d", "max_unpool2d", "avg_pool2d", "adaptive_avg_pool2d",
            "adaptive_max_pool2d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "max_pool1d",
            "interpolate", "pad", "batch_norm"]


# -- attention ---------------------------------------------------------------------------------

def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """softmax(q kᵀ · scale + mask) v; a bool `attn_mask` is true where a position takes part."""
    s = None if scale is None else byref(ctypes.c_double(scale))
    return _new(lib.gentrain_scaled_dot_product_attention, query._h, key._h, value._h, _h(attn_mask), float(dropout_p),
                bool(is_causal), s)


def _attention_options(key_padding_mask, need_weights, attn_mask, average_attn_weights, is_causal, batch_first=False,
                       dropout=0.0, training=False):
    return _ffi.AttentionOptions(sizeof(_ffi.AttentionOptions), _h(key_padding_mask), _h(attn_mask), bool(need_weights),
                                 bool(average_attn_weights), bool(is_causal), bool(batch_first), float(dropout),
                                 bool(training))


def _attention(call, need_weights, options, *args):
    out, weights = ctypes.c_void_p(), ctypes.c_void_p()
    check(call(byref(out), byref(weights), *args, byref(options)))
    return Tensor._wrap(out.value), (Tensor._wrap(weights.value) if need_weights else None)


def multi_head_attention(query, key, value, num_heads, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                         key_padding_mask=None, need_weights=True, attn_mask=None, average_attn_weights=True,
                         is_causal=False, batch_first=False, dropout_p=0.0, training=False):
    """nn.MultiheadAttention's computation with the given projections → (output, weights or None)."""
    options = _attention_options(key_padding_mask, need_weights, attn_mask, average_attn_weights, is_causal, batch_first,
                                 dropout_p, training)
    return _attention(lib.gentrain_multi_head_attention, need_weights, options, query._h, key._h, value._h, int(num_heads),
                      in_proj_weight._h, _h(in_proj_bias), out_proj_weight._h, _h(out_proj_bias))


__all__ += ["scaled_dot_product_attention", "multi_head_attention"]


def one_hot(tensor, num_classes=-1):
    """int64 [*, num_classes] with a 1 at each index of `tensor` (num_classes -1: max + 1)."""
    from ..tensor import arange
    if tensor.dtype.is_floating_point:
        raise RuntimeError("one_hot is only applicable to index tensor.")
    if num_classes == -1:
        num_classes = int(tensor.max().item()) + 1 if tensor.numel() else 0
    if tensor.numel() and (int(tensor.min().item()) < 0 or int(tensor.max().item()) >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes." if int(tensor.min().item()) >= 0
                           else "Class values must be non-negative.")
    return (tensor.unsqueeze(-1) == arange(num_classes)).long()


def channel_shuffle(input, groups):  # noqa: A002 - PyTorch's name
    """The channels of [N, C, *] regrouped: C = groups x (C / groups), transposed (F.channel_shuffle)."""
    return input.channel_shuffle(groups)
