"""gentrain.autograd.Function: ops with a user-written backward, as torch.autograd.Function.

    class Cube(gentrain.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * grad

    y = Cube.apply(x)

`forward` runs without recording a graph; `backward` returns one gradient per tensor input
(None where not needed). Written with gentrain ops, backward is differentiable in turn. An
exception in either is raised again from the call that ran it.
"""
import ctypes
import threading
from ctypes import byref, c_void_p

from . import _ffi, _lib
from ._lib import check, lib
from .grad_mode import no_grad
from .tensor import Tensor, _handles, _handover, _retain

_live = {}   # key -> (Function subclass, ctx, tensor inputs), while the engine holds the op
_next_key = [1]
_key_lock = threading.Lock()


def _failed(error):
    _lib.pending_callback_error.value = error
    return 9   # GENTRAIN_ERR_CALLBACK_FAILED


@_ffi.CustomForward
def _forward(output, inputs, n, key):
    try:
        cls, ctx, args = _live[key]
        # The caller's own tensors, as in PyTorch: saved for backward, they keep their history
        # (for double backward); no graph is recorded while forward runs.
        with no_grad():
            result = cls.forward(ctx, *args)
        output[0] = _handover(result)
        return 0
    except BaseException as e:  # noqa: BLE001 - handed back to the caller
        return _failed(e)


@_ffi.CustomBackward
def _backward(grad_inputs, grad_output, inputs, n, output, key):
    try:
        cls, ctx, args = _live[key]
        grads = cls.backward(ctx, _retain(grad_output))
        if not isinstance(grads, tuple):
            grads = (grads,)
        tensor_args = [a for a in args if isinstance(a, Tensor)]
        if len(grads) < len(tensor_args):
            raise RuntimeError(f"{cls.__name__}.backward returned {len(grads)} gradients for {len(tensor_args)} tensor inputs")
        tensor_grads = [g for a, g in zip(args, grads) if isinstance(a, Tensor)] if len(grads) == len(args) else list(grads)
        for i, g in enumerate(tensor_grads[:n]):
            grad_inputs[i] = None if g is None else _handover(g)
        return 0
    except BaseException as e:  # noqa: BLE001
        return _failed(e)


@_ffi.Destructor
def _destroy(key):
    _live.pop(key, None)


class FunctionCtx:
    """What forward hands to backward: `save_for_backward(*tensors)` and any attributes."""

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors


class Function:
    """Subclass with static `forward(ctx, *args)` and `backward(ctx, grad_output)`; call `apply`."""

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args):
        tensors = [a for a in args if isinstance(a, Tensor)]
        with _key_lock:
            key = _next_key[0]
            _next_key[0] += 1
        _live[key] = (cls, FunctionCtx(), args)
        hs, n = _handles(tensors)
        out = c_void_p()
        st = lib.gentrain_custom_op(byref(out), cls.__name__.encode(), hs, n, ctypes.cast(_forward, c_void_p),
                                    ctypes.cast(_backward, c_void_p), c_void_p(key), ctypes.cast(_destroy, c_void_p))
        check(st)
        return Tensor._wrap(out.value)
