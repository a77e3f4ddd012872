"""gentrain.autograd: `grad`, `backward`, and the grad-mode switches."""
import functools
from ctypes import byref, c_bool, c_void_p

from ._lib import check, lib
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


def is_grad_enabled():
    return lib.gentrain_is_grad_enabled()


class set_grad_enabled:
    """Switches graph recording on this thread, as a call, a context manager or a decorator."""

    def __init__(self, mode):
        self.previous = c_bool()
        lib.gentrain_set_grad_enabled(bool(mode), byref(self.previous))
        self.mode = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        lib.gentrain_set_grad_enabled(self.previous.value, None)

    def __call__(self, fn):
        mode = self.mode
        self.__exit__()

        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapped


class _Switch:
    """A per-thread switch of the library as a context manager and a decorator: sets `mode`
    through `_set` on entry and restores the previous value on exit."""

    mode = True

    @staticmethod
    def _set(mode, previous):
        raise NotImplementedError

    def __enter__(self):
        self.previous = c_bool()
        type(self)._set(self.mode, byref(self.previous))
        return self

    def __exit__(self, *exc):
        type(self)._set(self.previous.value, None)

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        return wrapped


class _GradMode(_Switch):
    _set = staticmethod(lambda mode, previous: lib.gentrain_set_grad_enabled(mode, previous))


class no_grad(_GradMode):
    """`with gentrain.no_grad():` — ops record no graph (also a decorator)."""

    mode = False


class enable_grad(_GradMode):
    mode = True


def is_anomaly_enabled():
    return lib.gentrain_is_anomaly_enabled()


class set_detect_anomaly:
    """Anomaly detection on this thread (torch.autograd.set_detect_anomaly), as a call or a
    context manager: the first op whose output or gradient holds NaN or infinity raises
    `gentrain.NonFiniteError` naming the op. Slow: for debugging."""

    def __init__(self, mode):
        self.previous = c_bool()
        lib.gentrain_set_detect_anomaly(bool(mode), byref(self.previous))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        lib.gentrain_set_detect_anomaly(self.previous.value, None)


class detect_anomaly(_Switch):
    """`with gentrain.autograd.detect_anomaly():` — anomaly detection inside the block (also a decorator)."""

    _set = staticmethod(lambda mode, previous: lib.gentrain_set_detect_anomaly(mode, previous))


from .function import Function, FunctionCtx  # noqa: E402 - the module builds on the ones above
