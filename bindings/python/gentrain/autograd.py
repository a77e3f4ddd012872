"""gentrain.autograd: `grad`, `backward`, custom ops (`Function`) and the grad-mode switches."""
from ctypes import c_void_p

from ._lib import check, lib
from .function import Function, FunctionCtx  # noqa: F401 - part of this module's API
from .grad_mode import (detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled,  # noqa: F401
                        no_grad, set_detect_anomaly, set_grad_enabled)
from .tensor import Tensor, _handles


def _as_list(x):
    return [x] if isinstance(x, Tensor) else list(x)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """The gradients of `outputs` with respect to `inputs` (torch.autograd.grad), without
    touching `.grad`. Unused inputs give None when `allow_unused`."""
    outs, ins = _as_list(outputs), _as_list(inputs)
    oh, no = _handles(outs)
    ih, ni = _handles(ins)
    gh = None
    if grad_outputs is not None:
        gs = _as_list(grad_outputs)
        gh = (c_void_p * no)(*[None if g is None else g._h for g in gs])
        gh.tensors = gs   # alive across the call
    results = (c_void_p * ni)()
    retain = create_graph if retain_graph is None else retain_graph
    check(lib.gentrain_autograd_grad(results, oh, no, ih, ni, gh, retain, create_graph, allow_unused))
    return tuple(Tensor._wrap(results[i]) if results[i] else None for i in range(ni))


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulates gradients of `tensors` into the leaves' `.grad`."""
    ts = _as_list(tensors)
    gs = [None] * len(ts) if grad_tensors is None else _as_list(grad_tensors)
    for i, (t, g) in enumerate(zip(ts, gs)):
        retain = True if i < len(ts) - 1 else (create_graph if retain_graph is None else retain_graph)
        t.backward(g, retain_graph=retain, create_graph=create_graph)
