"""gentrain.autograd.grad_mode: the per-thread switches of graph recording and anomaly detection
(torch.autograd.grad_mode), as calls, context managers and decorators."""
import functools
from ctypes import byref, c_bool

from ._lib import lib


def is_grad_enabled() -> bool:
    """Whether this thread records ops for autograd."""
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
    """`with gentrain.enable_grad():` — ops record a graph again inside a no_grad block."""

    mode = True


class inference_mode(_GradMode):
    """`with gentrain.inference_mode():` — PyTorch's faster no_grad for inference; gentrain's
    no_grad is already that (ops record nothing), so the two are the same. `mode=False` records."""

    def __init__(self, mode: bool = True):
        self.mode = not mode

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with inference_mode(not mode):
                return fn(*args, **kwargs)

        return wrapped


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on for this thread."""
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
