"""Loads libgentrain through ctypes and turns failed calls into Python exceptions.

The library is looked up, in order: the GENTRAIN_LIBRARY environment variable (a path),
beside this package, then the system's library path (libgentrain.so.0).
"""
import ctypes
import ctypes.util
import importlib.util
import os
import types
import threading
import warnings

from . import _checked, _ffi


class GentrainError(RuntimeError):
    """A failed gentrain call; `status` is the C status code, the message is the library's."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


class InvalidArgumentError(GentrainError, ValueError):
    pass


class InvalidHandleError(GentrainError, ValueError):
    pass


class ShapeError(GentrainError, ValueError):
    pass


class DTypeError(GentrainError, TypeError):
    pass


class IndexError(GentrainError, IndexError):  # noqa: A001 - also catchable as the builtin
    pass


class AutogradError(GentrainError):
    pass


class NonFiniteError(GentrainError, FloatingPointError):
    pass


class CallbackError(GentrainError):
    pass


class MisuseError(GentrainError):
    """One object used by two threads at once."""


class DistributedError(GentrainError):
    """A collective failed: ranks that disagree, a rank that failed, MPI missing."""


_ERRORS = {1: InvalidArgumentError, 2: InvalidHandleError, 3: ShapeError, 4: DTypeError, 5: MemoryError,
           7: NonFiniteError, 9: CallbackError, 11: IndexError, 12: AutogradError, 13: MisuseError,
           14: DistributedError}


def _candidates():
    env = os.environ.get("GENTRAIN_LIBRARY")
    if env:
        yield env
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("libgentrain.so.0", "libgentrain.so"):
        if os.path.exists(os.path.join(here, name)):
            yield os.path.join(here, name)
    yield "libgentrain.so.0"
    found = ctypes.util.find_library("gentrain")
    if found:
        yield found


def _load():
    errors = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
            break
        except OSError as e:
            errors.append(f"{path}: {e}")
    else:
        raise ImportError("gentrain: cannot load libgentrain; set GENTRAIN_LIBRARY to its path (" + "; ".join(errors) + ")")
    # The ABI first: a package newer than its library must say so, not fail on a missing symbol.
    lib.gentrain_abi_version.restype = ctypes.c_uint32
    lib.gentrain_abi_version.argtypes = []
    if lib.gentrain_abi_version() != _ffi.ABI_VERSION:
        raise ImportError(f"gentrain: the library at {path} has ABI {lib.gentrain_abi_version()}, this package needs "
                          f"ABI {_ffi.ABI_VERSION}; install the library of the same gentrain version")
    missing = [name for name in _ffi.FUNCTIONS if not hasattr(lib, name)]
    if missing:
        raise ImportError(f"gentrain: the library at {path} is older than this package: it lacks {', '.join(missing[:5])}"
                          + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
                          + "; install the library of the same gentrain version")
    for name, (restype, argtypes) in _ffi.FUNCTIONS.items():
        f = getattr(lib, name)
        f.restype = restype
        f.argtypes = [_checked.argument_type(t) for t in argtypes]
    return lib, path


def _load_native(library_path):
    """gentrain._native (bindings/python/native/native.c), the per-op path in C: from beside the
    library (a build folder), else beside this package (a wheel); None without it, when it does
    not load here (an interpreter without the stable ABI, such as a free-threaded build), or when
    GENTRAIN_PYTHON_NATIVE=0 — and the package calls the same entry points through ctypes."""
    if os.environ.get("GENTRAIN_PYTHON_NATIVE", "1") == "0":
        return None
    here = os.path.dirname(os.path.abspath(__file__))
    for folder in (os.path.dirname(os.path.abspath(library_path)), here):
        path = os.path.join(folder, "_native.abi3.so")
        if os.path.exists(path):
            try:
                spec = importlib.util.spec_from_file_location(__package__ + "._native", path)
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                return module
            except (ImportError, OSError) as e:
                warnings.warn(f"gentrain: {path} does not load ({e}); ops go through ctypes, more slowly", RuntimeWarning)
    return None


lib, _path = _load()
native = _load_native(_path)
# The entry points as the per-op path takes them: their addresses for gentrain._native, the
# ctypes functions themselves without it.
fn = (types.SimpleNamespace(**{name: ctypes.cast(getattr(lib, name), ctypes.c_void_p).value for name in _ffi.FUNCTIONS})
      if native is not None else lib)


@_ffi.WarningFn
def _warning_handler(message, _user_data):
    """The library's warnings (where PyTorch warns) as Python UserWarnings."""
    warnings.warn(message.decode(errors="replace"), UserWarning, stacklevel=3)


lib.gentrain_set_warning_handler(_warning_handler, None)


# An exception raised in a Python callback (lr_lambda, custom op), raised again by the call
# that failed because of it.
pending_callback_error = threading.local()


def raise_error(status):
    """Raises the exception for a non-zero status, with the thread's last error message; a
    failure caused by a Python callback raises the callback's own exception."""
    message = lib.gentrain_last_error().decode()
    error = getattr(pending_callback_error, "value", None)
    if status == 9 and error is not None:
        pending_callback_error.value = None
        raise error
    if status == 5:
        raise MemoryError(message)
    raise _ERRORS.get(status, GentrainError)(message, status)


def check(status):
    if status:
        raise_error(status)
