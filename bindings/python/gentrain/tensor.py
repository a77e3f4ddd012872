"""gentrain.Tensor: a handle to an engine tensor, with PyTorch's operators and methods."""
import builtins
import collections
import math
import ctypes
import itertools
import weakref
from ctypes import byref, c_bool, c_double, c_int, c_int64, c_size_t, c_void_p

import numpy as np

from . import _dtype, _ffi
from ._convert import dims as _dims, index as _convert_index, int64s as _int64s, optional_int64 as _optional_int64
from ._lib import check, fn, lib, native, pending_callback_error, raise_error
from ._ops import TensorOps

_Int64Array = ctypes.c_int64 * _ffi.MAX_DIMS


def _new(f, *args):
    """Calls a C function whose first parameter is `gentrain_tensor **out`; wraps the result
    (as `Tensor._wrap` does, written out: every op comes through here)."""
    out = c_void_p()
    st = f(byref(out), *args)
    if st:
        check(st)
    t = _object_new(Tensor)
    t._h = out.value
    return t


_object_new = object.__new__


def _retain(handle):
    """A Python tensor for a handle the engine lends to a callback (a new reference of its own)."""
    out = c_void_p()
    check(lib.gentrain_tensor_retain(byref(out), handle))
    return Tensor._wrap(out.value)


def _handover(t):
    """A new handle to `t` for the engine to take over (a callback's output)."""
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a gentrain.Tensor, got {type(t).__name__}")
    out = c_void_p()
    check(lib.gentrain_tensor_retain(byref(out), t._h))
    return out.value


_hooks = {}   # key -> the Python hook, while the engine holds it
_hook_keys = itertools.count(1)


@_ffi.GradHookFn
def _run_hook(out, grad, key):
    try:
        result = _hooks[key](_retain(grad))
        out[0] = None if result is None else _handover(result)
        return 0
    except BaseException as e:  # noqa: BLE001 - raised again by the pass that called it
        pending_callback_error.value = e
        return 9   # GENTRAIN_ERR_CALLBACK_FAILED


@_ffi.Destructor
def _drop_hook(key):
    if _hooks is not None:   # None while the interpreter shuts down
        _hooks.pop(key, None)


class _HookHandle:
    """A registered gradient hook (torch.utils.hooks.RemovableHandle): remove() unregisters it."""

    def __init__(self, t, hook):
        key = next(_hook_keys)
        _hooks[key] = hook
        out = c_void_p()
        check(lib.gentrain_tensor_register_hook(byref(out), t._h, ctypes.cast(_run_hook, c_void_p), c_void_p(key),
                                                ctypes.cast(_drop_hook, c_void_p)))
        self._h = out.value

    def remove(self):
        if self._h:
            check(lib.gentrain_hook_remove(self._h))

    def __del__(self):
        if getattr(self, "_h", None):
            lib.gentrain_hook_free(self._h)
            self._h = None


def _shape_args(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return _int64s(size)


if native is not None:
    # The per-op path in C (bindings/python/native/native.c): the handle lives in a C field and is
    # freed by the type's deallocator; ops whose arguments are tensors, or a tensor and a number or
    # integers, are called without ctypes.
    _TensorBase = native.TensorBase
    _tensor_op = native.tensor_op
    _tensor_scalar_op = native.tensor_scalar_op
    _tensor_int_op = native.tensor_int_op
else:
    class _TensorBase:
        """The handle of a Tensor, freed with it (what gentrain._native's TensorBase does in C)."""

        __slots__ = ("_h",)

        def __del__(self, _free=lib.gentrain_tensor_free):
            if getattr(self, "_h", None):
                _free(self._h)
                self._h = None

    def _handle_of(t):
        """A tensor argument's handle; None is NULL (which the library refuses where it needs one)."""
        if t is None:
            return None
        if isinstance(t, Tensor):
            return t._h
        raise TypeError(f"expected a gentrain.Tensor, got {type(t).__name__}")

    def _tensor_op(f, *tensors):
        """The new tensor of f(&out, *tensors)."""
        return _new(f, *map(_handle_of, tensors))

    def _tensor_scalar_op(f, t, x):
        """The new tensor of f(&out, t, x) for a number x (not a string: float() would parse it)."""
        if isinstance(x, (str, bytes)):
            raise TypeError(f"must be real number, not {type(x).__name__}")
        return _new(f, _handle_of(t), builtins.float(x))

    def _tensor_int_op(f, t, *ints):
        """The new tensor of f(&out, t, *ints) for integers (dimensions, indices)."""
        return _new(f, _handle_of(t), *map(_convert_index, ints))


class Tensor(_TensorBase, TensorOps):
    """A tensor of the engine. Create one with `gentrain.tensor`, `from_numpy`, `zeros`, …

    The methods that forward to one C function come from `TensorOps` (generated from
    api/ops.py); the ones here do more (operators with scalars, indexing, conversions)."""

    __slots__ = ("__weakref__",)
    __hash__ = object.__hash__
    _op = staticmethod(_new)
    _tensor_op = staticmethod(_tensor_op)
    _tensor_scalar_op = staticmethod(_tensor_scalar_op)
    _tensor_int_op = staticmethod(_tensor_int_op)

    @classmethod
    def _wrap(cls, handle):
        t = object.__new__(cls)
        t._h = handle
        return t

    # -- properties ------------------------------------------------------------------

    @property
    def shape(self):
        n = c_size_t()
        check(lib.gentrain_tensor_ndim(byref(n), self._h))
        dims = _Int64Array()
        check(lib.gentrain_tensor_shape(dims, _ffi.MAX_DIMS, self._h))
        return tuple(dims[: n.value])

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def stride(self):
        dims = _Int64Array()
        check(lib.gentrain_tensor_strides(dims, _ffi.MAX_DIMS, self._h))
        return tuple(dims[: self.ndim])

    @property
    def ndim(self):
        n = c_size_t()
        check(lib.gentrain_tensor_ndim(byref(n), self._h))
        return n.value

    def dim(self):
        return self.ndim

    def numel(self):
        n = c_int64()
        check(lib.gentrain_tensor_numel(byref(n), self._h))
        return n.value

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    @property
    def dtype(self):
        d = c_int()
        check(lib.gentrain_tensor_dtype(byref(d), self._h))
        return _dtype.BY_CODE[d.value]

    def is_contiguous(self):
        b = c_bool()
        check(lib.gentrain_tensor_is_contiguous(byref(b), self._h))
        return b.value

    def is_floating_point(self):
        return self.dtype.is_floating_point

    # -- data out ----------------------------------------------------------------------

    def numpy(self):
        """The elements as a numpy array that shares the tensor's memory (zero copy, as PyTorch's
        Tensor.numpy): writes on either side are seen by the other.

        Differs from PyTorch, which refuses these: a tensor that requires grad, and a bfloat16
        tensor (numpy has no bfloat16), come out as copies — float32 for bfloat16.
        """
        view = self._numpy_view()
        return view if view is not None else self._numpy_copy()

    def _numpy_view(self):
        """A numpy array over the tensor's memory (through DLPack), or None where numpy cannot
        represent the dtype or the tensor requires grad."""
        if self.dtype.numpy is None or self.requires_grad:
            return None
        return np.from_dlpack(self)

    def _numpy_copy(self):
        dt = self.dtype
        target = dt if dt.numpy is not None else _dtype.float32
        out = np.empty(self.shape, dtype=target.numpy)
        check(lib.gentrain_tensor_copy_to(out.ctypes.data_as(c_void_p), out.nbytes, target.code, self._h))
        return out

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """A DLPack capsule over the tensor's memory (the array API's protocol; numpy.from_dlpack
        and torch.from_dlpack call it). `copy=True` exports a copy; a tensor that requires grad
        is refused, as PyTorch does: export `t.detach()`."""
        from .utils.dlpack import to_dlpack
        if stream is not None:
            raise BufferError("stream must be None for CPU tensors")
        if dl_device is not None and tuple(dl_device) != self.__dlpack_device__():
            raise BufferError(f"gentrain tensors live on the CPU (DLPack device (1, 0)), not {tuple(dl_device)}")
        return to_dlpack(self.clone() if copy else self, versioned=max_version is not None and max_version[0] >= 1)

    def __dlpack_device__(self):
        """(1, 0): DLPack's CPU device."""
        return (1, 0)

    def tolist(self):
        return self.numpy().tolist()

    def item(self):
        v = c_double()
        check(lib.gentrain_tensor_item(byref(v), self._h))
        return v.value if self.dtype.is_floating_point else (bool(v.value) if self.dtype is _dtype.bool_ else builtins.int(v.value))

    def __float__(self):
        return builtins.float(self.item())

    def __int__(self):
        return builtins.int(self.item())

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(self.item())

    def __array__(self, dtype=None, copy=None):
        """numpy.asarray(t) is a view of the tensor's memory where numpy can represent it (see
        `numpy`); `copy=True` copies, `copy=False` refuses where a view is impossible."""
        a = None if copy else self._numpy_view()
        if a is None:
            if copy is False:
                raise ValueError(f"a {self.dtype} tensor{' that requires grad' if self.requires_grad else ''} cannot be "
                                 "viewed by numpy without a copy")
            a = self._numpy_copy()
        return a if dtype is None else a.astype(dtype, copy=False)

    def __repr__(self):
        """As PyTorch prints a tensor (one formatter for the three doors: gentrain_tensor_to_string)."""
        length = ctypes.c_size_t()
        check(lib.gentrain_tensor_to_string(None, 0, byref(length), self._h))
        buffer = ctypes.create_string_buffer(length.value + 1)
        check(lib.gentrain_tensor_to_string(buffer, len(buffer), None, self._h))
        return buffer.value.decode()

    # -- autograd ----------------------------------------------------------------------

    @property
    def requires_grad(self):
        b = c_bool()
        check(lib.gentrain_tensor_requires_grad(byref(b), self._h))
        return b.value

    @requires_grad.setter
    def requires_grad(self, flag):
        check(lib.gentrain_tensor_set_requires_grad(self._h, builtins.bool(flag)))

    def requires_grad_(self, flag=True):
        self.requires_grad = flag
        return self

    def copy_(self, src):
        """Copies `src` (broadcast, converted to this dtype) into this tensor in place."""
        src = src if isinstance(src, Tensor) else tensor(src, dtype=self.dtype)
        check(lib.gentrain_tensor_copy_(self._h, src._h))
        return self

    # -- in place (PyTorch's add_, ..., x += y, x[i] = v) -------------------------------

    def _operand(self, value):
        """A tensor operand of an in-place op: tensors as they are, numbers as 0-d tensors."""
        return value if isinstance(value, Tensor) else self._scalar(value)

    def add_(self, other, alpha=1):
        """self += alpha * other, in place (recorded for autograd as PyTorch records it)."""
        o = self._operand(other)   # held until the call returns
        check(lib.gentrain_add_(self._h, o._h, float(alpha)))
        return self

    def sub_(self, other, alpha=1):
        o = self._operand(other)   # held until the call returns
        check(lib.gentrain_sub_(self._h, o._h, float(alpha)))
        return self

    def mul_(self, other):
        o = self._operand(other)   # held until the call returns
        check(lib.gentrain_mul_(self._h, o._h))
        return self

    def div_(self, other):
        o = self._operand(other)   # held until the call returns
        check(lib.gentrain_div_(self._h, o._h))
        return self

    def clamp_(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        lo = -math.inf if min is None else float(min)
        hi = math.inf if max is None else float(max)
        check(lib.gentrain_clamp_(self._h, lo, hi))
        return self

    def _in_place(self, f):
        """Calls the in-place C function f on this tensor (the generated exp_, sigmoid_, ...)."""
        check(f(self._h))
        return self

    def fill_(self, value):
        check(lib.gentrain_fill_(self._h, float(value)))
        return self

    def zero_(self):
        check(lib.gentrain_zero_(self._h))
        return self

    def masked_fill_(self, mask, value):
        if isinstance(value, Tensor):
            value = value.item()
        check(lib.gentrain_masked_fill_(self._h, mask._h, float(value)))
        return self

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    @property
    def _version(self):
        """How many in-place writes the elements have seen (shared with views)."""
        out = ctypes.c_int64()
        check(lib.gentrain_tensor_version(byref(out), self._h))
        return out.value

    def __setitem__(self, key, value):
        """Index assignment: basic indexing (ints, slices, None, Ellipsis) writes through a view,
        recorded on this tensor for autograd; a boolean mask takes a number, a tensor that
        broadcasts to this shape, or one value per selected element."""
        mask = _bool_mask(key)
        if mask is not None:
            if not isinstance(value, Tensor) or value.ndim == 0:
                return self.masked_fill_(_full_mask(mask, self.shape), value.item() if isinstance(value, Tensor) else value)
            full_mask = _full_mask(mask, self.shape)
            if value.shape != self.shape and value.numel() == full_mask.sum().item() and value.ndim <= 1 + self.ndim - mask.ndim:
                # One value (row) per selected element (row): scattered to their places first.
                rest = self.shape[mask.ndim:]
                rows = tensor(np.flatnonzero(mask.numpy()).astype(np.int64))
                values = value.reshape(-1, *rest)
                spread = zeros(int(np.prod(mask.shape, dtype=np.int64)), *rest, dtype=values.dtype)
                value = spread.index_add(0, rows, values).reshape(*self.shape)
            source = self._operand(value)
            check(lib.gentrain_masked_assign_(self._h, full_mask._h, source._h))
            return
        if isinstance(key, (Tensor, list, np.ndarray)) or (
                isinstance(key, tuple) and builtins.any(isinstance(k, (Tensor, list, np.ndarray)) for k in key)):
            return self._assign_index(key, value)
        view, source = self[key], self._operand(value)
        check(lib.gentrain_tensor_assign_(self._h, view._h, source._h))

    def _assign_index(self, key, value):
        """x[key] = v where the key holds integer (or boolean) index tensors or lists, alone or in a
        tuple with ints, slices, None and Ellipsis (PyTorch's index_put_): advanced indexing picks
        the elements (numpy's rules, which are PyTorch's), v broadcasts to their shape, and an
        element picked twice takes its last value, as PyTorch's CPU loop leaves it. Recorded for
        autograd as a masked assignment: gradients reach the old tensor and v."""
        def as_numpy(k):
            if isinstance(k, (Tensor, list, np.ndarray)):
                a = k.numpy() if isinstance(k, Tensor) else np.asarray(k)
                if a.dtype.kind not in "iub":
                    raise IndexError("tensors used as indices must be long, int or bool tensors")
                return a
            return k
        np_key = tuple(as_numpy(k) for k in key) if isinstance(key, tuple) else as_numpy(key)
        n = self.numel()
        picked_at = np.arange(n, dtype=np.int64).reshape(self.shape)[np_key]   # IndexError when out of bounds
        shape = np.shape(picked_at)
        positions = np.asarray(picked_at).reshape(-1)
        values = (value if isinstance(value, Tensor) else tensor(value, dtype=self.dtype)).to(self.dtype)
        values = values.expand(*shape).reshape(-1)
        last = len(positions) - 1 - np.unique(positions[::-1], return_index=True)[1]   # each element's last value
        picked, where = values.index_select(0, tensor(last.astype(np.int64))), tensor(positions[last])
        spread = zeros(n, dtype=self.dtype).index_add(0, where, picked).reshape(*self.shape)
        picked_mask = np.zeros(n, dtype=np.bool_)
        picked_mask[positions] = True
        mask, source = tensor(picked_mask.reshape(self.shape)), self._operand(spread)   # alive through the call
        check(lib.gentrain_masked_assign_(self._h, mask._h, source._h))

    def index_put_(self, indices, values, accumulate=False):
        """x[indices] = values in place (a tuple of index tensors, PyTorch's index_put_); with
        `accumulate`, values are added, repeated indices adding up."""
        if not accumulate:
            self._assign_index(tuple(indices), values)
            return self
        positions = np.arange(self.numel(), dtype=np.int64).reshape(self.shape)[tuple(i.numpy() for i in indices)]
        values = (values if isinstance(values, Tensor) else tensor(values, dtype=self.dtype)).to(self.dtype)
        added = zeros(self.numel(), dtype=self.dtype).index_add(0, tensor(np.asarray(positions).reshape(-1)),
                                                               values.expand(*np.shape(positions)).reshape(-1))
        return self.add_(added.reshape(*self.shape))

    def put_(self, index, source, accumulate=False):
        """source's elements written (with `accumulate`, added) in place at `index` into the flattened
        tensor, negative indices counting from the end (PyTorch's put_)."""
        positions = np.asarray(index.numpy(), dtype=np.int64).reshape(-1)
        n = self.numel()
        if positions.size and (positions.min() < -n or positions.max() >= n):
            bad = positions[(positions < -n) | (positions >= n)][0]
            raise IndexError(f"put_: index {bad} is out of range for a tensor of {n} elements")
        source = source if isinstance(source, Tensor) else tensor(source, dtype=self.dtype)
        if source.numel() != positions.size:
            raise ValueError(f"put_: expected source to have {positions.size} elements, got {source.numel()}")
        if self.ndim == 0:
            flat = self.reshape(1).put(index, source, accumulate)
            return self.copy_(flat.reshape(()))
        places = tuple(tensor(c) for c in np.unravel_index(positions % builtins.max(n, 1), self.shape))
        return self.index_put_(places, source.reshape(-1), accumulate)

    def put(self, index, source, accumulate=False):
        """A copy of this tensor with put_ applied (torch.put)."""
        return self.clone().put_(index, source, accumulate)

    def index_put(self, indices, values, accumulate=False):
        return self.clone().index_put_(indices, values, accumulate)

    def register_hook(self, hook):
        """Calls hook(grad) once a backward pass has computed this tensor's whole gradient, before it
        flows on; a tensor it returns replaces the gradient (torch.Tensor.register_hook). Returns a
        handle whose remove() unregisters it."""
        return _HookHandle(self, hook)

    def retain_grad(self):
        """Keeps this non-leaf tensor's gradient in .grad in later backward passes."""
        check(lib.gentrain_tensor_retain_grad(self._h))

    @property
    def retains_grad(self):
        b = c_bool()
        check(lib.gentrain_tensor_retains_grad(byref(b), self._h))
        return b.value

    @property
    def is_leaf(self):
        b = c_bool()
        check(lib.gentrain_tensor_is_leaf(byref(b), self._h))
        return b.value

    @property
    def grad(self):
        """The accumulated gradient; the same Python object while the engine holds the same
        gradient tensor (`p.grad is p.grad`, as PyTorch)."""
        out = c_void_p()
        check(lib.gentrain_tensor_grad(byref(out), self._h))
        if not out.value:
            _grads.pop(id(self), None)
            return None
        fresh = Tensor._wrap(out.value)
        key = _identity(fresh)
        cached = _grads.get(id(self))
        if cached is not None and cached[0]() is self and key is not None and cached[2] == key:
            return cached[1]   # `fresh` is freed with its wrapper
        _grads[id(self)] = (weakref.ref(self, lambda _, k=id(self): _grads.pop(k, None)), fresh, key)
        return fresh

    @grad.setter
    def grad(self, value):
        check(lib.gentrain_tensor_set_grad(self._h, None if value is None else value._h))

    def detach(self):
        return _tensor_op(fn.gentrain_tensor_detach, self)

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        retain = create_graph if retain_graph is None else retain_graph
        check(lib.gentrain_backward(self._h, None if gradient is None else gradient._h, retain, create_graph))

    # -- arithmetic ----------------------------------------------------------------------

    def _scalar(self, value):
        dt = self.dtype if self.dtype.is_floating_point or isinstance(value, builtins.int) else _dtype.float32
        return full((), value, dtype=dt)

    def _binary(self, other, f, scalar_f=None):
        """self (op) other for the entry points f (two tensors) and scalar_f (a tensor and a number)."""
        if isinstance(other, Tensor):
            return _tensor_op(f, self, other)
        if scalar_f is not None and self.dtype.is_floating_point:
            return _tensor_scalar_op(scalar_f, self, other)
        return _tensor_op(f, self, self._scalar(other))

    def __add__(self, o):
        return self._binary(o, fn.gentrain_add, fn.gentrain_add_scalar)

    __radd__ = __add__

    def __sub__(self, o):
        if isinstance(o, Tensor):
            return _tensor_op(fn.gentrain_sub, self, o)
        return self._binary(-o, fn.gentrain_add, fn.gentrain_add_scalar)

    def __rsub__(self, o):
        if self.dtype.is_floating_point:
            return _tensor_scalar_op(fn.gentrain_rsub_scalar, self, o)
        return self._scalar(o) - self

    def __mul__(self, o):
        return self._binary(o, fn.gentrain_mul, fn.gentrain_mul_scalar)

    __rmul__ = __mul__

    def __truediv__(self, o):
        return self._binary(o, fn.gentrain_div)

    def __rtruediv__(self, o):
        return self._scalar(o) / self

    def __floordiv__(self, o):
        return self._binary(o, fn.gentrain_floor_divide)

    def __rfloordiv__(self, o):
        return self._scalar(o) // self

    def __mod__(self, o):
        return self._binary(o, fn.gentrain_remainder)

    def __rmod__(self, o):
        return self._scalar(o) % self

    def __pow__(self, o):
        return self._binary(o, fn.gentrain_pow, fn.gentrain_pow_scalar)

    def __rpow__(self, o):
        return self._scalar(o) ** self

    def __neg__(self):
        return self.neg()

    def __matmul__(self, o):
        return _tensor_op(fn.gentrain_matmul, self, o)

    def __eq__(self, o):
        return self._binary(o, fn.gentrain_eq)

    def __ne__(self, o):
        return self._binary(o, fn.gentrain_ne)

    def __lt__(self, o):
        return self._binary(o, fn.gentrain_lt)

    def __le__(self, o):
        return self._binary(o, fn.gentrain_le)

    def __gt__(self, o):
        return self._binary(o, fn.gentrain_gt)

    def __ge__(self, o):
        return self._binary(o, fn.gentrain_ge)

    def _bitwise(self, o, f, reflected=False):
        """self (op) o, or o (op) self when reflected, for PyTorch's `&`, `|`, `^`, `<<`, `>>` on integer
        and bool tensors and Python ints and bools (an int counts as a wrapped int64 scalar)."""
        if isinstance(o, Tensor):
            other = o
        elif isinstance(o, builtins.bool):
            other = full((), o, dtype=_dtype.bool_)
        elif isinstance(o, builtins.int):
            other = full((), o, dtype=_dtype.int64)
        else:
            return NotImplemented
        return _tensor_op(f, other, self) if reflected else _tensor_op(f, self, other)

    def __and__(self, o):
        return self._bitwise(o, fn.gentrain_bitwise_and)

    def __or__(self, o):
        return self._bitwise(o, fn.gentrain_bitwise_or)

    def __xor__(self, o):
        return self._bitwise(o, fn.gentrain_bitwise_xor)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __lshift__(self, o):
        return self._bitwise(o, fn.gentrain_bitwise_left_shift)

    def __rshift__(self, o):
        return self._bitwise(o, fn.gentrain_bitwise_right_shift)

    def __rlshift__(self, o):
        return self._bitwise(o, fn.gentrain_bitwise_left_shift, reflected=True)

    def __rrshift__(self, o):
        return self._bitwise(o, fn.gentrain_bitwise_right_shift, reflected=True)

    def __invert__(self):
        return self.bitwise_not()

    add, sub, mul, pow, matmul = __add__, __sub__, __mul__, __pow__, __matmul__
    true_divide = __truediv__

    def div(self, other, *, rounding_mode=None):
        """self / other; rounding_mode "trunc" rounds the quotient toward zero, "floor" down (torch.div):
        integers stay integers then."""
        if rounding_mode is None:
            return self / other
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
        integral = not self.dtype.is_floating_point and (not other.dtype.is_floating_point if isinstance(other, Tensor)
                                                          else isinstance(other, int))
        if not integral:
            q = self / other
            return q.trunc() if rounding_mode == "trunc" else q.floor()
        if rounding_mode == "floor":
            return self // other
        return builtins.abs(self) // builtins.abs(other) * (self * other).sign()

    def addcmul(self, tensor1, tensor2, *, value=1):
        """self + value · tensor1 · tensor2, broadcasting (torch.addcmul)."""
        return self + tensor1 * tensor2 * value

    def addcdiv(self, tensor1, tensor2, *, value=1):
        """self + value · tensor1 / tensor2, broadcasting (torch.addcdiv)."""
        return self + tensor1 / tensor2 * value

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return self.copy_(self.addcmul(tensor1, tensor2, value=value))

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return self.copy_(self.addcdiv(tensor1, tensor2, value=value))

    def signbit(self):
        """True where the sign bit is set: negative numbers, -0.0 and NaNs with the bit (torch.signbit)."""
        if not self.dtype.is_floating_point:
            return self < 0
        return tensor(np.signbit(self.detach().numpy()))

    def copysign(self, other):
        """|self| with the sign of `other` (a tensor or a number; -0.0 counts as negative) (torch.copysign)."""
        other = other if isinstance(other, Tensor) else self._scalar(other)
        return where(other.signbit(), -self.abs(), self.abs())

    def logit(self, eps=None):
        """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given (torch.logit)."""
        p = self if eps is None else self.clamp(eps, 1 - eps)
        return (p / (1 - p)).log()

    def dist(self, other, p=2):
        """The p-norm of self - other (torch.dist)."""
        return (self - other).norm(p)

    def renorm(self, p, dim, maxnorm):
        """Each slice along `dim` whose p-norm exceeds maxnorm scaled down to it (torch.renorm)."""
        others = [d for d in range(self.ndim) if d != dim % self.ndim]
        norms = self.norm(p, others, keepdim=True)
        return self * where(norms > maxnorm, maxnorm / (norms + 1e-7), full((), 1.0, dtype=self.dtype))

    def kthvalue(self, k, dim=-1, keepdim=False):
        """The k-th smallest value along `dim` (1-based) and its index (torch.kthvalue)."""
        values, indices = self.sort(dim)
        picked = SortResult(values.narrow(dim, k - 1, 1), indices.narrow(dim, k - 1, 1))
        return picked if keepdim else SortResult(picked.values.squeeze(dim), picked.indices.squeeze(dim))

    def mode(self, dim=-1, keepdim=False):
        """The most frequent value along `dim` (the smallest of equally frequent ones) and the index of its
        last occurrence (torch.mode)."""
        moved = self.detach().movedim(dim, -1) if self.ndim else self.detach().reshape(1)
        rows = moved.numpy().reshape(-1, moved.shape[-1]) if moved.numel() else np.zeros((0, 1))
        values, where_ = [], []
        for row in rows:
            uniq, counts = np.unique(row, return_counts=True)
            v = uniq[np.argmax(counts)]
            values.append(v)
            where_.append(np.nonzero(row == v)[0][-1])
        shape = tuple(moved.shape[:-1])
        out = SortResult(tensor(np.asarray(values).reshape(shape), dtype=self.dtype),
                         tensor(np.asarray(where_, dtype=np.int64).reshape(shape)))
        return SortResult(out.values.unsqueeze(dim), out.indices.unsqueeze(dim)) if keepdim and self.ndim else out

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        """Each run of equal consecutive elements (of the flattened tensor) as one value (torch.unique_consecutive)."""
        if dim is not None:
            raise NotImplementedError("unique_consecutive: gentrain supports dim=None (the flattened tensor) only")
        flat = self.reshape(-1)
        if flat.numel() == 0:
            picked = (flat,) + ((flat.long(),) if return_inverse else ()) + ((flat.long(),) if return_counts else ())
            return picked[0] if len(picked) == 1 else picked
        starts = cat([full((1,), True, dtype=_dtype.bool_), flat[1:] != flat[:-1]])
        values = flat.masked_select(starts)
        out = (values,)
        if return_inverse:
            out += ((starts.long().cumsum(0) - 1).reshape(*self.shape),)
        if return_counts:
            at = cat([starts.nonzero().reshape(-1), full((1,), flat.numel(), dtype=_dtype.int64)])
            out += (at[1:] - at[:-1],)
        return out[0] if len(out) == 1 else out

    def detach_(self):
        """Detaches this tensor from its graph in place: it becomes a leaf without requires_grad."""
        out = self.detach()
        self._h, out._h = out._h, self._h
        return self

    def softmax(self, dim, dtype=None):
        return TensorOps.softmax(self if dtype is None else self.to(dtype), dim)

    def log_softmax(self, dim, dtype=None):
        return TensorOps.log_softmax(self if dtype is None else self.to(dtype), dim)

    def cumsum(self, dim, dtype=None):
        return TensorOps.cumsum(self if dtype is None else self.to(dtype), dim)

    def lerp(self, end, weight):
        """self + weight · (end - self): a number weight on the fused kernel, a tensor weight broadcast."""
        return self + weight * (end - self) if isinstance(weight, Tensor) else TensorOps.lerp(self, end, weight)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        """The p-norm over `dim` (None: every dim); "fro" is the 2-norm, "nuc" is not computed."""
        x = self if dtype is None else self.to(dtype)
        if p == "fro" or p is None:
            p = 2
        if isinstance(p, str):
            raise NotImplementedError(f"norm: p={p!r} needs singular values, which gentrain does not compute")
        return TensorOps.norm(x, p, dim, keepdim)
    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    # -- unary math ----------------------------------------------------------------------

    def __abs__(self):
        return self.abs()

    def square(self):
        return self ** 2

    def square_(self):
        return self.mul_(self)

    def clamp(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        if isinstance(min, Tensor) or isinstance(max, Tensor):   # elementwise bounds, broadcast
            out = self if min is None else self.maximum(min)
            return out if max is None else out.minimum(max)
        lo = -builtins.float("inf") if min is None else min
        hi = builtins.float("inf") if max is None else max
        return _new(lib.gentrain_clamp, self._h, builtins.float(lo), builtins.float(hi))

    clip = clamp

    def clamp_min(self, min):  # noqa: A002 - PyTorch's names
        return self.clamp(min=min)

    def clamp_max(self, max):  # noqa: A002 - PyTorch's names
        return self.clamp(max=max)

    def lerp_(self, end, weight):
        """self = self.lerp(end, weight), in place: an exponential moving average of weights is
        `ema_p.lerp_(p, 1 - decay)` under no_grad."""
        return self.copy_(self.lerp(end, weight))

    # -- PyTorch's helpers that take their shape or dtype from another tensor ----------------

    def new_full(self, size, fill_value, dtype=None, requires_grad=False):
        """A tensor of `size` filled with fill_value, in this tensor's dtype unless given."""
        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, requires_grad=False):
        return self.new_zeros(*size, dtype=dtype, requires_grad=requires_grad)

    def new_tensor(self, data, dtype=None, requires_grad=False):
        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def view_as(self, other):
        return self.view(*other.shape)

    def reshape_as(self, other):
        return self.reshape(*other.shape)

    def type_as(self, other):
        return self.to(other.dtype)

    def true_divide(self, other):
        return self / other

    def positive(self):
        return self

    # -- reductions ----------------------------------------------------------------------

    def var(self, dim=None, correction=1, keepdim=False, unbiased=None):
        if unbiased is not None:
            correction = 1 if unbiased else 0
        dims, n = _dims(dim)
        return _new(lib.gentrain_var, self._h, dims, n, correction, keepdim)

    def std(self, dim=None, correction=1, keepdim=False, unbiased=None):
        return self.var(dim, correction, keepdim, unbiased).sqrt()

    def sum(self, dim=None, keepdim=False, *, dtype=None):
        """The sum over `dim` (None: every dim), computed in `dtype` when given (torch.sum)."""
        return TensorOps.sum(self if dtype is None else self.to(dtype), dim, keepdim)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        return TensorOps.mean(self if dtype is None else self.to(dtype), dim, keepdim)

    def nansum(self, dim=None, keepdim=False):
        """The sum with NaNs counted as zero."""
        return where(self.isnan(), zeros((), dtype=self.dtype), self).sum(dim, keepdim)

    def nanmean(self, dim=None, keepdim=False):
        """The mean of the elements that are not NaN."""
        return self.nansum(dim, keepdim) / self.isnan().logical_not().sum(dim, keepdim)

    def aminmax(self, *, dim=None, keepdim=False):
        return MinMaxResult(self.amin(dim, keepdim), self.amax(dim, keepdim))

    def argmin(self, dim=None, keepdim=False):
        if dim is None:
            flat = self.reshape(-1)
            return _new(lib.gentrain_argmin, flat._h, 0, False)
        return _new(lib.gentrain_argmin, self._h, dim, keepdim)

    def nonzero(self, *, as_tuple=False):
        """The int64 indices [n, ndim] of the nonzero elements, or one index tensor per dim."""
        indices = _new(lib.gentrain_nonzero, self._h)
        if not as_tuple:
            return indices
        return tuple(indices.select(1, d) for d in range(self.ndim)) if self.ndim else (indices.reshape(-1),)

    argwhere = nonzero

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
        """The distinct values in ascending order (over the flattened tensor), with the inverse indices
        and the counts when asked for."""
        if dim is not None:   # whole slices along dim, compared as rows, in lexicographic order (no gradient)
            d = dim % builtins.max(self.ndim, 1)
            v, inv, cnt = np.unique(self.detach().numpy(), axis=d, return_inverse=True, return_counts=True)
            out = (tensor(v, dtype=self.dtype), tensor(np.asarray(inv, dtype=np.int64).reshape(-1)),
                   tensor(np.asarray(cnt, dtype=np.int64)))
        else:
            values, inverse, counts = c_void_p(), c_void_p(), c_void_p()
            check(lib.gentrain_unique(byref(values), byref(inverse), byref(counts), self._h))
            out = (Tensor._wrap(values.value), Tensor._wrap(inverse.value), Tensor._wrap(counts.value))
        picked = (out[0],) + ((out[1],) if return_inverse else ()) + ((out[2],) if return_counts else ())
        return picked[0] if len(picked) == 1 else picked

    def slogdet(self):
        """The sign and the log of the absolute value of each square matrix's determinant
        (torch.linalg.slogdet), as a (sign, logabsdet) named tuple."""
        sign, logabsdet = c_void_p(), c_void_p()
        check(lib.gentrain_slogdet(byref(sign), byref(logabsdet), self._h))
        return SlogdetResult(Tensor._wrap(sign.value), Tensor._wrap(logabsdet.value))

    def scatter(self, dim, index, src=None, value=None):
        """This tensor with `src` (a tensor, or a number: every place the same) written at `index`
        along `dim` (torch.scatter)."""
        src = value if src is None else src
        if not isinstance(src, Tensor):
            src = full(index.shape, src, dtype=self.dtype)
        return _new(lib.gentrain_scatter, self._h, dim, index._h, src._h)

    def scatter_(self, dim, index, src=None, value=None):
        """scatter in place (one-hot codes: `codes.scatter_(1, indices, 1)`)."""
        return self.copy_(self.scatter(dim, index, src, value))

    def median(self, dim=None, keepdim=False):
        """The lower of the two middle values (NaN if any element is NaN), over every element, or
        `(values, indices)` along `dim` (torch.median); gradients flow to the chosen elements."""
        if dim is None:
            return self.reshape(-1).median(0).values
        values, indices = _sorted(self, dim, False)   # NaNs sort last
        d = dim % builtins.max(self.ndim, 1)
        n = self.shape[d] if self.ndim else 1
        nan = self.isnan().any(d, keepdim=True) if self.ndim else self.isnan()
        if not self.ndim:
            return MaxResult(self, zeros((), dtype=_dtype.int64))
        k = where(nan, full(nan.shape, n - 1, dtype=_dtype.int64), full(nan.shape, (n - 1) // 2, dtype=_dtype.int64))
        picked_values, picked = values.gather(d, k), indices.gather(d, k)
        if not keepdim:
            picked_values, picked = picked_values.squeeze(d), picked.squeeze(d)
        return MaxResult(picked_values, picked)

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        """The q-th quantiles (q a number or a 1-D tensor in [0, 1]) over every element or along `dim`,
        between the sorted values as `interpolation` says (torch.quantile); NaN where an element is NaN."""
        if interpolation not in ("linear", "lower", "higher", "nearest", "midpoint"):
            raise ValueError(f"quantile: interpolation must be one of linear, lower, higher, midpoint, nearest; got {interpolation!r}")
        x = self.reshape(-1) if dim is None else self
        d = 0 if dim is None else dim % x.ndim
        qs = q.tolist() if isinstance(q, Tensor) else q
        many = isinstance(qs, list)
        if any(not 0 <= v <= 1 for v in (qs if many else [qs])):
            raise ValueError("quantile() q values must be in the range [0, 1]")
        values = _sorted(x, d, False).values
        n, nan = x.shape[d], x.isnan().any(d, keepdim=True)
        out = []
        for v in (qs if many else [qs]):
            rank = v * (n - 1)
            lo, hi = math.floor(rank), math.ceil(rank)
            if interpolation == "nearest":   # ties to even, as PyTorch's round
                lo = hi = builtins.round(rank)
            elif interpolation == "lower":
                hi = lo
            elif interpolation == "higher":
                lo = hi
            a, b = values.narrow(d, lo, 1), values.narrow(d, hi, 1)
            weight = 0.5 if interpolation == "midpoint" else rank - lo if interpolation == "linear" else 0.0
            result = a if lo == hi else a.lerp(b, weight)
            result = where(nan, full((), math.nan, dtype=result.dtype), result)
            out.append(result if keepdim and dim is not None else result.squeeze(d) if dim is not None else result.reshape(()))
        return stack(out) if many else out[0]

    def index_fill(self, dim, index, value):
        """`value` at `index` along `dim`, this tensor elsewhere (torch.index_fill)."""
        d = dim % builtins.max(self.ndim, 1)
        size = self.shape[d] if self.ndim else 1
        picked = zeros(size, dtype=_dtype.bool_).scatter(0, index.reshape(-1), True)
        mask = picked.reshape(*[size if i == d else 1 for i in range(self.ndim)])
        return where(mask, full((), value, dtype=self.dtype), self)

    def masked_scatter(self, mask, source):
        """This tensor with the elements where `mask` (broadcast) is true taken, in order, from `source`."""
        mask = mask.expand(*self.shape)
        places = mask.reshape(-1).nonzero().reshape(-1)
        return self.reshape(-1).scatter(0, places, source.reshape(-1).narrow(0, 0, places.shape[0])).reshape(*self.shape)

    def logcumsumexp(self, dim):
        """log(cumsum(exp(x))) along `dim`, shifted by the maximum for stability."""
        m = self.detach().amax(dim, keepdim=True)
        m = where(m.isinf(), zeros((), dtype=m.dtype), m)
        return (self - m).exp().cumsum(dim).log() + m

    def cummax(self, dim):
        """The running maximum along `dim` and the index where it was reached (torch.cummax)."""
        return self._running(dim, np.maximum, np.greater_equal)

    def cummin(self, dim):
        return self._running(dim, np.minimum, np.less_equal)

    def _running(self, dim, combine, replaces):
        keys = self.detach().numpy()
        d = dim % builtins.max(self.ndim, 1)
        moved = np.moveaxis(keys.reshape(keys.shape or (1,)), d, 0)
        best, index = moved.copy(), np.zeros(moved.shape, dtype=np.int64)
        for i in range(1, moved.shape[0]):
            take = replaces(moved[i], best[i - 1]) | np.isnan(moved[i])
            take &= ~np.isnan(best[i - 1])
            best[i] = np.where(take, moved[i], best[i - 1])
            index[i] = np.where(take, i, index[i - 1])
        indices = tensor(np.ascontiguousarray(np.moveaxis(index, 0, d)).reshape(keys.shape))
        return MaxResult(self.gather(d, indices) if self.ndim else self, indices)

    def channel_shuffle(self, groups):
        n, c = self.shape[0], self.shape[1]
        return self.reshape(n, groups, c // groups, *self.shape[2:]).transpose(1, 2).reshape(*self.shape)

    def unflatten(self, dim, sizes):
        """Dim `dim` as the dims `sizes` (one may be -1)."""
        d = dim % self.ndim
        return self.reshape(*self.shape[:d], *sizes, *self.shape[d + 1:])

    def narrow_copy(self, dim, start, length):
        return self.narrow(dim, start, length).clone()

    def rot90(self, k=1, dims=(0, 1)):
        """Rotated by 90 degrees k times from the first of `dims` toward the second (torch.rot90)."""
        a, b = dims
        k %= 4
        if k == 1:
            return self.flip(b).transpose(a, b)
        if k == 2:
            return self.flip((a, b))
        return self.transpose(a, b).flip(b) if k == 3 else self.clone()

    def diag_embed(self):
        """The last dim as the diagonal of square matrices (torch.diag_embed with offset 0)."""
        n = self.shape[-1]
        return self.unsqueeze(-1) * eye(n, dtype=self.dtype)

    def unbind(self, dim=0):
        """The slices along `dim` as a tuple of views."""
        return tuple(self.select(dim, i) for i in range(self.shape[dim]))

    def diff(self, n=1, dim=-1):
        """Differences of neighbours along `dim`, n times (torch.diff)."""
        out = self
        for _ in range(n):
            size = out.shape[dim]
            out = out.narrow(dim, 1, size - 1) - out.narrow(dim, 0, size - 1)
        return out

    def movedim(self, source, destination):
        """The dims at `source` moved to `destination` (ints or sequences), the others in order."""
        src = [source] if isinstance(source, builtins.int) else list(source)
        dst = [destination] if isinstance(destination, builtins.int) else list(destination)
        src, dst = [d % self.ndim for d in src], [d % self.ndim for d in dst]
        rest = iter(d for d in range(self.ndim) if d not in src)
        order = [src[dst.index(i)] if i in dst else next(rest) for i in range(self.ndim)]
        return self.permute(*order)

    moveaxis = movedim

    def swapaxes(self, axis0, axis1):
        return self.transpose(axis0, axis1)

    swapdims = swapaxes

    @property
    def mT(self):  # noqa: N802 - PyTorch's name
        return self.transpose(-2, -1)

    def ravel(self):
        return self.reshape(-1)

    def tile(self, dims):
        """repeat with `dims` padded by leading ones to the tensor's rank (torch.tile)."""
        dims = tuple(dims) if isinstance(dims, (list, tuple)) else (dims,)
        return self.repeat(*((1,) * (self.ndim - len(dims)) + dims))

    def fliplr(self):
        return self.flip(1)

    def flipud(self):
        return self.flip(0)

    def take(self, index):
        """The elements of the flattened tensor at `index`, in its shape (torch.take)."""
        return self.reshape(-1).index_select(0, index.reshape(-1)).reshape(*index.shape)

    def element_size(self):
        return self.dtype.itemsize

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """|self - other| <= atol + rtol |other| elementwise, infinities equal to themselves."""
        other = other if isinstance(other, Tensor) else self._scalar(other)
        close = ((self - other).abs() <= atol + rtol * other.abs()) | (self == other)
        return close | (self.isnan() & other.isnan()) if equal_nan else close

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return builtins.bool(self.isclose(other, rtol, atol, equal_nan).all())

    def equal(self, other):
        """Whether both have the same shape and elements."""
        return self.shape == other.shape and builtins.bool((self == other).all())

    def _extremum(self, fn, reduce_all, dim, keepdim):
        if dim is None:
            return reduce_all(None, False)
        values, indices = c_void_p(), c_void_p()
        check(fn(byref(values), byref(indices), self._h, dim, keepdim))
        return MaxResult(Tensor._wrap(values.value), Tensor._wrap(indices.value))

    def max(self, dim=None, keepdim=False):
        """The maximum, `(values, indices)` along `dim`, or the elementwise maximum with another tensor."""
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        return self._extremum(lib.gentrain_max_dim, self.amax, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        return self._extremum(lib.gentrain_min_dim, self.amin, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        if dim is None:
            flat = self.reshape(-1)
            return _new(lib.gentrain_argmax, flat._h, 0, False)
        return _new(lib.gentrain_argmax, self._h, dim, keepdim)

    # -- shape ----------------------------------------------------------------------------

    def reshape(self, *shape):
        dims, n = _shape_args(shape)
        return _new(lib.gentrain_reshape, self._h, dims, n)

    view = reshape

    def permute(self, *dims):
        d, n = _shape_args(dims)
        return _new(lib.gentrain_permute, self._h, d, n)

    def t(self):
        return self if self.ndim < 2 else self.transpose(0, 1)

    @property
    def T(self):  # noqa: N802 - PyTorch's name
        return self.permute(*reversed(range(self.ndim)))

    def expand(self, *sizes):
        d, n = _shape_args(sizes)
        return _new(lib.gentrain_expand, self._h, d, n)

    def expand_as(self, other):
        return self.expand(other.shape)

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False):
        """`to(dtype)`, `to("cpu")`, `to(device, dtype)`, `to(other)`: gentrain's tensors live on
        the CPU, so a device is checked and kept; a dtype converts."""
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, _dtype.dtype):
                dtype = a
            else:
                _check_device(a)
        _check_device(device)
        if dtype is None or dtype is self.dtype:
            return self.clone() if copy else self
        return _new(lib.gentrain_to_dtype, self._h, dtype.code)

    def cpu(self):
        return self

    @property
    def data(self):
        """The tensor without its autograd history, sharing its elements (PyTorch's `.data`);
        assigning copies new values in, without recording (the shape must match)."""
        return self.detach()

    @data.setter
    def data(self, value):
        from .grad_mode import no_grad
        if tuple(value.shape) != tuple(self.shape):
            raise RuntimeError(f"gentrain: .data can only be assigned a tensor of the same shape ({tuple(self.shape)}), "
                               f"got {tuple(value.shape)}")
        with no_grad():
            check(lib.gentrain_tensor_copy_(self._h, value._h))

    def uniform_(self, a=0.0, b=1.0, generator=None):
        """Fills self in place with samples of U(a, b), from `generator` (Tensor.uniform_)."""
        from .nn import init
        return init.uniform_(self._writable_leaf("uniform_"), a, b, generator)

    def normal_(self, mean=0.0, std=1.0, generator=None):
        """Fills self in place with samples of N(mean, std^2), from `generator` (Tensor.normal_)."""
        from .nn import init
        return init.normal_(self._writable_leaf("normal_"), mean, std, generator)

    def bernoulli_(self, p=0.5, generator=None):
        """Fills self in place with 1 with probability p (a number or a tensor), else 0."""
        draws = rand(*self.shape, generator=generator) < p
        from .grad_mode import no_grad
        with no_grad():
            return self._writable_leaf("bernoulli_").copy_(draws)

    def bernoulli(self, generator=None):
        """1 with probability self (each element in [0, 1]), else 0, in self's dtype (torch.bernoulli)."""
        return (rand(*self.shape, generator=generator) < self.detach()).to(self.dtype)

    def exponential_(self, lambd=1.0, generator=None):
        """Fills self in place with samples of the exponential distribution of rate lambd."""
        u = rand(*self.shape, generator=generator, dtype=_dtype.float64)
        from .grad_mode import no_grad
        with no_grad():
            return self._writable_leaf("exponential_").copy_(-(1 - u).log() / lambd)

    def random_(self, from_=0, to=None, generator=None):
        """Fills self in place with integers uniform in [from_, to) (one bound: [0, from_))."""
        low, high = (0, from_) if to is None else (from_, to)
        from .grad_mode import no_grad
        with no_grad():
            return self._writable_leaf("random_").copy_(randint(low, high, tuple(self.shape), generator=generator))

    def __deepcopy__(self, memo):
        """A copy with its own storage, as PyTorch's: a leaf keeps requires_grad (and a copy of .grad)."""
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment.")
        copied = self.detach().clone()
        if type(self) is not Tensor:   # Parameter
            copied = type(self)(copied, self.requires_grad)
        elif self.requires_grad:
            copied.requires_grad_(True)
        if self.grad is not None:
            copied.grad = self.grad.detach().clone()
        memo[id(self)] = copied
        return copied

    def _writable_leaf(self, op):
        """Self, unless it is a leaf that requires grad while grad mode is on (PyTorch refuses
        in-place random fills of those outside no_grad, as every in-place op)."""
        from .grad_mode import is_grad_enabled
        if self.requires_grad and self.is_leaf and is_grad_enabled():
            raise RuntimeError(f"a leaf Variable that requires grad is being used in an in-place operation ({op}).")
        return self

    def multinomial(self, num_samples, replacement=False, generator=None):
        return multinomial(self, num_samples, replacement, generator=generator)

    @property
    def device(self):
        return device("cpu")

    def sort(self, dim=-1, descending=False, stable=False):
        """(values, indices) along `dim`, ascending unless `descending`; ties keep their order.
        The values are differentiable (gathered by the indices)."""
        return _sorted(self, dim, descending)

    def argsort(self, dim=-1, descending=False, stable=False):
        return _sorted(self, dim, descending).indices

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's name
        """The k largest (or smallest) values along `dim` and their indices, sorted."""
        values, indices = _sorted(self, dim, largest)
        dim = dim % builtins.max(self.ndim, 1)
        if not 0 <= k <= self.shape[dim]:
            raise RuntimeError(f"selected index k out of range: k={k} for a dimension of size {self.shape[dim]}")
        return SortResult(values.narrow(dim, 0, k), indices.narrow(dim, 0, k))

    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        """Each slice along `dim` repeated in place, `repeats` times (an int, or a tensor of one count
        per slice); the flattened tensor when dim is None."""
        if not isinstance(repeats, Tensor):
            repeats = full((), repeats, dtype=_dtype.int64)
        out = _new(lib.gentrain_repeat_interleave, self._h, repeats._h, _optional_int64(dim))
        if output_size is not None and (out.shape[dim] if dim is not None else out.numel()) != output_size:
            raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match the repeats")
        return out

    def repeat(self, *sizes):
        """Tiles the tensor `sizes[i]` times along each dimension (torch.Tensor.repeat)."""
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        if len(sizes) < self.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
        shape = (1,) * (len(sizes) - self.ndim) + tuple(self.shape)
        spread = [d for s in shape for d in (1, s)]
        tiled = [d for r, s in zip(sizes, shape) for d in (r, s)]
        return self.reshape(*spread).expand(*tiled).reshape(*[r * s for r, s in zip(sizes, shape)])

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def long(self):
        return self.to(_dtype.int64)

    def int(self):
        return self.to(_dtype.int32)

    def bool(self):
        return self.to(_dtype.bool_)

    def half(self):
        return self.to(_dtype.float16)

    def bfloat16(self):
        return self.to(_dtype.bfloat16)

    def split(self, split_size, dim=0):
        """Pieces of `split_size` along `dim` (the last one shorter), or of the sizes in a list,
        which must add up to the dimension (torch.split); views, differentiable."""
        if isinstance(split_size, (list, tuple)):
            size = self.shape[dim]
            if sum(split_size) != size or any(n < 0 for n in split_size):
                raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at "
                                   f"dimension {dim}), but got split_sizes={list(split_size)}")
            starts = np.cumsum([0] + list(split_size[:-1]))
            return tuple(self.narrow(dim, builtins.int(s), builtins.int(n)) for s, n in zip(starts, split_size))
        return _pieces(lib.gentrain_split, self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return _pieces(lib.gentrain_chunk, self, chunks, dim)

    # -- indexing ---------------------------------------------------------------------------

    def __getitem__(self, key):
        """Basic indexing: ints, slices (positive steps; bounds may be 0-d tensors), None,
        Ellipsis, one 1-D integer tensor or list (index_select along its dimension), and a
        boolean mask over the leading dimensions (the selected elements, or rows, in order)."""
        mask = _bool_mask(key)
        if mask is not None:
            if tuple(mask.shape) != tuple(self.shape[:mask.ndim]):
                raise IndexError(f"The shape of the mask {tuple(mask.shape)} does not match the shape of the "
                                 f"indexed tensor {tuple(self.shape)}")
            rows = tensor(np.flatnonzero(mask.numpy()).astype(np.int64))
            return self.reshape(-1, *self.shape[mask.ndim:]).index_select(0, rows)
        if not isinstance(key, tuple):
            key = (key,)
        consumed = builtins.sum(1 for k in key if k is not None and k is not Ellipsis)
        if builtins.sum(1 for k in key if k is Ellipsis) > 1:
            raise IndexError("an index can only have a single ellipsis ('...')")
        out, dim = self, 0
        for k in key:
            if k is Ellipsis:
                dim += self.ndim - consumed
            elif k is None:
                out = out.unsqueeze(dim)
                dim += 1
            elif isinstance(k, builtins.int):
                out = out.select(dim, k)
            elif isinstance(k, slice):
                start = 0 if k.start is None else _index(k.start)
                stop = 2**62 if k.stop is None else _index(k.stop)
                step = 1 if k.step is None else _index(k.step)
                out = _tensor_int_op(fn.gentrain_slice, out, dim, start, stop, step)
                dim += 1
            elif isinstance(k, (Tensor, list, np.ndarray)):
                index = k if isinstance(k, Tensor) else tensor(np.asarray(k, dtype=np.int64))
                out = out.index_select(dim, index.reshape(-1))
                dim += 1
            else:
                raise TypeError(f"gentrain: unsupported index {k!r}")
        return out


if native is not None:
    native.bind(Tensor, fn.gentrain_tensor_free, raise_error)


def _index(bound):
    """A slice bound: an int, or a one-element integer tensor (x[:n] with n a 0-d tensor)."""
    if isinstance(bound, Tensor):
        if bound.numel() != 1 or bound.dtype.is_floating_point:
            raise TypeError("slice indices must be integers or one-element integer tensors")
        return builtins.int(bound.item())
    return bound


def _bool_mask(key):
    """The key as a bool tensor when it is a boolean mask (tensor or numpy array), else None."""
    if isinstance(key, Tensor) and key.dtype == _dtype.bool_:
        return key
    if isinstance(key, np.ndarray) and key.dtype == np.bool_:
        return tensor(key)
    return None


def _full_mask(mask, shape):
    """A mask over leading dimensions, broadcast to `shape` (as x[mask] selects whole rows)."""
    if tuple(mask.shape) != tuple(shape[:mask.ndim]):
        raise IndexError(f"The shape of the mask {tuple(mask.shape)} does not match the shape of the indexed tensor {tuple(shape)}")
    return mask.reshape(*mask.shape, *([1] * (len(shape) - mask.ndim))).expand(*shape)


class MaxResult(tuple):
    """`(values, indices)` of max/min along a dimension."""

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]


def _pieces(fn, x, arg, dim):
    count = c_size_t()
    st = fn(None, 0, byref(count), x._h, arg, dim)
    if st and count.value == 0:
        check(st)
    outs = (c_void_p * builtins.max(count.value, 1))()
    check(fn(outs, count.value, byref(count), x._h, arg, dim))
    return tuple(Tensor._wrap(outs[i]) for i in range(count.value))


# -- creation ------------------------------------------------------------------------------------


_default_dtype = [_dtype.float32]


def set_default_dtype(d) -> None:
    """The floating dtype creation functions give when none is given (torch.set_default_dtype):
    float32 or float64."""
    if d not in (_dtype.float32, _dtype.float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_dtype[0] = d


def get_default_dtype():
    return _default_dtype[0]


# The Python object last handed out as each tensor's .grad, with what identifies the engine's
# tensor behind it (its data address, shape, strides, dtype).
_grads = {}   # id(tensor) -> (weak reference to it, its .grad object, identity); tensors compare by value


def _identity(t):
    if not t.is_contiguous():
        return None
    data = c_void_p()
    check(lib.gentrain_tensor_data(byref(data), t._h))
    return (data.value, tuple(t.shape), t.dtype.code)


class device:  # noqa: N801 - PyTorch's name
    """torch.device: gentrain computes on the CPU, so "cpu" (or "cpu:0") is the one device."""

    def __init__(self, spec="cpu", index=None):
        spec = spec.type if isinstance(spec, device) else str(spec)
        if spec.split(":")[0] != "cpu":
            raise RuntimeError(f"gentrain trains on the CPU; device {spec!r} is not available")
        self.type, self.index = "cpu", index

    def __eq__(self, other):
        return isinstance(other, (device, str)) and device(other).type == self.type

    def __hash__(self):
        return hash(self.type)

    def __repr__(self):
        return "device(type='cpu')"

    def __str__(self):
        return "cpu"


def _check_device(d):
    if d is not None:
        device(d)


SortResult = collections.namedtuple("SortResult", ["values", "indices"])
MinMaxResult = collections.namedtuple("MinMaxResult", ["min", "max"])
SlogdetResult = collections.namedtuple("SlogdetResult", ["sign", "logabsdet"])


def _sorted(x, dim, descending):
    """Sort along `dim`: indices from a stable host-side sort of the values, values gathered by
    them (so gradients flow back to the sorted positions)."""
    if x.ndim == 0:
        return SortResult(x, zeros((), dtype=_dtype.int64))
    keys = x.detach().numpy()   # bfloat16 comes out as float32
    if descending:   # stable: ties keep their order, NaN first (largest), as PyTorch
        flipped = np.flip(np.argsort(np.flip(keys, axis=dim), axis=dim, kind="stable"), axis=dim)
        order = keys.shape[dim] - 1 - flipped
    else:
        order = np.argsort(keys, axis=dim, kind="stable")
    indices = tensor(np.ascontiguousarray(order).astype(np.int64))
    return SortResult(x.gather(dim, indices), indices)


def multinomial(input, num_samples, replacement=False, generator=None):  # noqa: A002 - PyTorch's names
    """Class indices drawn with the (unnormalized, non-negative) weights of the last dimension of
    `input` [C] or [N, C]: int64 [num_samples] or [N, num_samples], from `generator` (default: the
    default generator).
    By the Gumbel-max trick: with replacement, each draw is argmax(log w + Gumbel noise); without,
    the num_samples largest of one such draw."""
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    w = input.detach().double()
    values = w.numpy()
    if (values < 0).any() or not np.isfinite(values).all() or (values.sum(-1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0, or negative or non-finite values)")
    classes = input.shape[-1]
    if not replacement and num_samples > classes:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not replacement and ((values > 0).sum(-1) < num_samples).any():
        raise RuntimeError("invalid multinomial distribution (with replacement=False, not enough non-negative category to sample)")
    log_w = w.clamp(min=0).log()
    def gumbel(*shape):
        u = rand(*shape, dtype=_dtype.float64, generator=generator).clamp(min=1e-300, max=1 - 1e-16)
        return -(-u.log()).log()
    if replacement:
        keys = log_w.unsqueeze(-2) + gumbel(*input.shape[:-1], num_samples, classes)
        return keys.argmax(-1)
    return (log_w + gumbel(*input.shape)).topk(num_samples, dim=-1).indices


def sort(input, dim=-1, descending=False, stable=False):  # noqa: A002 - PyTorch's names
    return _sorted(input, dim, descending)


def argsort(input, dim=-1, descending=False, stable=False):  # noqa: A002
    return _sorted(input, dim, descending).indices


def einsum(equation, *operands):
    """Einstein summation as PyTorch's torch.einsum("ij,jk->ik", a, b) (operands also as one list)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    hs, n = _handles(operands)
    return _new(lib.gentrain_einsum, equation.encode(), hs, n)


def polygamma(n, input):  # noqa: A002 - PyTorch's names
    """The n-th derivative of digamma (torch.polygamma: n first)."""
    return input.polygamma(n)


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None):
    """Where each value would go in the sorted last dim of `sorted_sequence` (torch.searchsorted)."""
    right = right or side == "right"
    seq, vals = sorted_sequence.detach().numpy(), (values if isinstance(values, Tensor) else tensor(values)).detach().numpy()
    if seq.ndim == 1:
        found = np.searchsorted(seq, vals, side="right" if right else "left")
    else:
        found = np.stack([np.searchsorted(s, v, side="right" if right else "left")
                          for s, v in zip(seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1]))]).reshape(vals.shape)
    return tensor(np.asarray(found, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):  # noqa: A002 - PyTorch's names
    """The bucket of each element among the sorted 1-D `boundaries` (torch.bucketize)."""
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def histc(input, bins=100, min=0, max=0):  # noqa: A002 - PyTorch's names
    """Counts in `bins` equal bins over [min, max] (the data's range when both are 0), in the input's dtype."""
    data = input.detach().numpy().reshape(-1).astype(np.float64)
    lo, hi = (float(data.min()), float(data.max())) if min == max and data.size else (float(min), float(max))
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    counts, _ = np.histogram(data[(data >= lo) & (data <= hi)], bins=bins, range=(lo, hi))
    return tensor(counts.astype(np.float64)).to(input.dtype)


def block_diag(*tensors):
    """The matrices on the diagonal of one matrix, zeros elsewhere (torch.block_diag)."""
    mats = [t.reshape(1, -1) if t.ndim < 2 else t for t in tensors]
    width = builtins.sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        pad = [zeros(m.shape[0], left, dtype=m.dtype), m, zeros(m.shape[0], width - left - m.shape[1], dtype=m.dtype)]
        rows.append(cat(pad, 1))
        left += m.shape[1]
    return cat(rows, 0)


def cartesian_prod(*tensors):
    """Every combination of the 1-D tensors' elements, one per row (torch.cartesian_prod)."""
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.reshape(-1) for g in meshgrid(*tensors, indexing="ij")], 1)


def combinations(input, r=2, with_replacement=False):  # noqa: A002 - PyTorch's names
    """The r-element combinations of a 1-D tensor's elements, one per row (torch.combinations)."""
    import itertools
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    if not rows:
        return zeros(0, r, dtype=input.dtype)
    return input.index_select(0, tensor(np.array(rows, dtype=np.int64).reshape(-1))).reshape(len(rows), r)


def tensordot(a, b, dims=2):
    """Sums over the last `dims` dims of a and the first of b, or over the dims listed in a pair of
    sequences (torch.tensordot), as one matrix product."""
    if isinstance(dims, builtins.int):
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = [d % a.ndim for d in dims[0]], [d % b.ndim for d in dims[1]]
    keep_a, keep_b = [d for d in range(a.ndim) if d not in da], [d for d in range(b.ndim) if d not in db]
    left = a.permute(*keep_a, *da).reshape(math.prod(a.shape[d] for d in keep_a), math.prod(a.shape[d] for d in da))
    right = b.permute(*db, *keep_b).reshape(math.prod(b.shape[d] for d in db), math.prod(b.shape[d] for d in keep_b))
    return (left @ right).reshape(*[a.shape[d] for d in keep_a], *[b.shape[d] for d in keep_b])


def kron(a, b):
    """The Kronecker product of two tensors of one rank (torch.kron)."""
    n = a.ndim
    out = a.reshape(*[s for d in a.shape for s in (d, 1)]) * b.reshape(*[s for d in b.shape for s in (1, d)])
    return out.reshape(*[a.shape[i] * b.shape[i] for i in range(n)])


def cross(a, b, dim=-1):
    """The cross product of 3-vectors along `dim` (torch.linalg.cross; torch.cross with a dim)."""
    def part(t, i):
        return t.narrow(dim, i, 1)
    return cat([part(a, 1) * part(b, 2) - part(a, 2) * part(b, 1), part(a, 2) * part(b, 0) - part(a, 0) * part(b, 2),
                part(a, 0) * part(b, 1) - part(a, 1) * part(b, 0)], dim % a.ndim)


def triu_indices(row, col, offset=0):
    """The [2, n] int64 indices of the upper triangle of a row x col matrix (torch.triu_indices)."""
    return ones(row, col, dtype=_dtype.bool_).triu(offset).nonzero().t().contiguous()


def tril_indices(row, col, offset=0):
    return ones(row, col, dtype=_dtype.bool_).tril(offset).nonzero().t().contiguous()


def hstack(tensors):
    """Joined along dim 1, or dim 0 for 1-D tensors (torch.hstack)."""
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """Joined along dim 0, 1-D tensors as rows (torch.vstack)."""
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in tensors], 0)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids of 1-D tensors (torch.meshgrid; indexing "ij" or "xy")."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    swap = indexing == "xy" and len(tensors) >= 2
    ordered = (tensors[1], tensors[0], *tensors[2:]) if swap else tensors
    shape = [t.numel() for t in ordered]
    grids = [t.reshape(*[-1 if i == k else 1 for i in range(len(ordered))]).expand(*shape) for k, t in enumerate(ordered)]
    return tuple((grids[1], grids[0], *grids[2:]) if swap else grids)


def logspace(start, end, steps, base=10.0, dtype=None):
    """base ** linspace(start, end, steps) (torch.logspace)."""
    return (builtins.float(base) ** linspace(start, end, steps, dtype=_dtype.float64)).to(_resolve_dtype(dtype))


def std_mean(input, dim=None, correction=1, keepdim=False, unbiased=None):  # noqa: A002 - PyTorch's names
    return input.std(dim, correction, keepdim, unbiased), input.mean(dim, keepdim)


def var_mean(input, dim=None, correction=1, keepdim=False, unbiased=None):  # noqa: A002 - PyTorch's names
    return input.var(dim, correction, keepdim, unbiased), input.mean(dim, keepdim)


def repeat_interleave(input, repeats, dim=None, *, output_size=None):  # noqa: A002 - PyTorch's names
    return input.repeat_interleave(repeats, dim, output_size=output_size)


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    return input.topk(k, dim, largest, sorted)


def _resolve_dtype(dtype, default=None):
    return (default or _default_dtype[0]) if dtype is None else dtype


def tensor(data, dtype=None, requires_grad=False):
    """A tensor with a copy of `data` (nested lists, numbers, numpy arrays, tensors).

    Python floats give float32 (PyTorch's default dtype); numpy arrays keep their dtype.
    """
    if isinstance(data, Tensor):
        t = data.detach().clone()
    else:
        arr = np.asarray(data)
        if not isinstance(data, np.ndarray) and arr.dtype == np.float64 and dtype is None:
            # Python floats: the default dtype; with a dtype, converted once, from float64.
            arr = arr.astype(np.float32 if _default_dtype[0] is _dtype.float32 else np.float64)
        if arr.dtype.kind in "iu" and arr.dtype != np.int32:
            arr = arr.astype(np.int64)
        if not arr.flags.c_contiguous:
            arr = arr.copy(order="C")
        dt = _dtype.from_numpy_dtype(arr.dtype)
        shape, n = _int64s(arr.shape)
        t = _new(lib.gentrain_tensor_from_data, arr.ctypes.data_as(c_void_p), arr.nbytes, dt.code, shape, n)
    if dtype is not None and t.dtype is not dtype:
        t = t.to(dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


_borrowed = {}


@_ffi.Deleter
def _release_borrowed(data, key):
    _borrowed.pop(key, None)


def from_numpy(array):
    """A tensor over the numpy array's memory (zero copy): writes on either side are seen by
    the other. The array must be C-contiguous; it is kept alive while the tensor is."""
    if not isinstance(array, np.ndarray):
        raise TypeError("from_numpy expects a numpy.ndarray")
    if not array.flags.c_contiguous:
        raise ValueError("from_numpy needs a C-contiguous array; use numpy.ascontiguousarray")
    dt = _dtype.from_numpy_dtype(array.dtype)
    key = id(array)
    while key in _borrowed:
        key += 1
    _borrowed[key] = array
    shape, n = _int64s(array.shape)
    out = c_void_p()
    st = lib.gentrain_tensor_from_blob(byref(out), array.ctypes.data_as(c_void_p), array.nbytes, dt.code, shape, n,
                                       ctypes.cast(_release_borrowed, c_void_p), c_void_p(key))
    if st:
        _borrowed.pop(key, None)
        check(st)
    return Tensor._wrap(out.value)


def _creator(fn, random=False):
    """torch.zeros-like creation from `fn`; a random one also takes `generator=`."""
    def create(*size, dtype=None, requires_grad=False, generator=None):
        shape, n = _shape_args(size)
        if generator is not None and not random:
            raise TypeError("generator= is for random functions")
        t = _new(fn, shape, n, _resolve_dtype(dtype).code, *([_generator(generator)] if random else []))
        return t.requires_grad_(True) if requires_grad else t

    return create


def _generator(generator):
    """A Generator's handle, or None for the default generator."""
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"generator must be a gentrain.Generator, got {type(generator).__name__}")
    return generator._h if generator is not None else None


zeros = _creator(lib.gentrain_tensor_zeros)
ones = _creator(lib.gentrain_tensor_ones)
rand = _creator(lib.gentrain_tensor_rand, random=True)
randn = _creator(lib.gentrain_tensor_randn, random=True)
zeros.__doc__, ones.__doc__ = "Zeros of the given shape.", "Ones of the given shape."
rand.__doc__ = "Uniform samples in [0, 1), from `generator` (default: the default generator)."
randn.__doc__ = "Standard normal samples, from `generator` (default: the default generator)."


def full(size, fill_value, dtype=None, requires_grad=False):
    if isinstance(size, builtins.int):
        size = (size,)
    if dtype is None:
        dtype = (_dtype.bool_ if isinstance(fill_value, builtins.bool) else
                 _dtype.int64 if isinstance(fill_value, builtins.int) else _default_dtype[0])
    shape, n = _int64s(size)
    t = _new(lib.gentrain_tensor_full, shape, n, dtype.code, builtins.float(fill_value))
    return t.requires_grad_(True) if requires_grad else t


def full_like(t, fill_value, dtype=None, requires_grad=False):
    return full(t.shape, fill_value, dtype=dtype or t.dtype, requires_grad=requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return zeros(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return ones(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    """torch.empty: a tensor of the given shape (gentrain fills it with zeros)."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def empty_like(t, dtype=None, requires_grad=False):
    return zeros_like(t, dtype=dtype, requires_grad=requires_grad)


def rand_like(t, dtype=None, requires_grad=False):
    return rand(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn_like(t, dtype=None, requires_grad=False):
    return randn(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randint_like(t, low=0, high=None, dtype=None):
    """Uniform integers in [low, high) of `t`'s shape (one bound: [0, low))."""
    if high is None:
        low, high = 0, low
    return randint(low, high, t.shape, dtype=dtype or t.dtype)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    """`steps` values from `start` to `end` inclusive, evenly spaced (torch.linspace)."""
    steps = builtins.int(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    values = np.linspace(builtins.float(start), builtins.float(end), steps)
    return tensor(values, dtype=_resolve_dtype(dtype), requires_grad=requires_grad)

def arange(start, end=None, step=1, dtype=None):
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, builtins.int) for v in (start, end, step))
        dtype = _dtype.int64 if ints else _dtype.float32
    return _new(lib.gentrain_tensor_arange, builtins.float(start), builtins.float(end), builtins.float(step), dtype.code)


def eye(n, m=None, dtype=None):
    return _new(lib.gentrain_tensor_eye, n, n if m is None else m, _resolve_dtype(dtype).code)


class Generator:
    """torch.Generator: a random stream of one's own, for functions that take `generator=`
    (randperm, the data samplers). Seeded with `manual_seed` (default seed 67280421310721, as the
    default generator's)."""

    def __init__(self, device="cpu"):
        if str(device) != "cpu":
            raise ValueError(f"gentrain's generators are CPU generators, got device {device!r}")
        out = c_void_p()
        check(lib.gentrain_generator_new(byref(out), 67280421310721))
        self._h = out.value

    def __del__(self):
        if getattr(self, "_h", None):
            lib.gentrain_generator_free(self._h)
            self._h = None

    def manual_seed(self, seed: int) -> "Generator":
        check(lib.gentrain_generator_manual_seed(self._h, int(seed) & 0xFFFFFFFFFFFFFFFF))
        return self

    def initial_seed(self) -> int:
        out = ctypes.c_uint64()
        check(lib.gentrain_generator_initial_seed(byref(out), self._h))
        return out.value


def randperm(n, generator=None, dtype=None):
    """A random permutation of 0 ... n-1 (torch.randperm), int64 by default."""
    return _new(lib.gentrain_randperm, int(n), _resolve_dtype(dtype, _dtype.int64).code, _generator(generator))


def bernoulli(input, generator=None):  # noqa: A002 - PyTorch's names
    return input.bernoulli(generator)


def normal(mean, std=1.0, size=None, generator=None):
    """Samples of N(mean, std²): tensor means and standard deviations broadcast (torch.normal), or numbers
    with a `size`."""
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        return randn(*size, generator=generator) * std + mean
    shape = np.broadcast_shapes(*[tuple(t.shape) for t in (mean, std) if isinstance(t, Tensor)])
    like = mean if isinstance(mean, Tensor) else std
    return randn(*shape, generator=generator, dtype=like.dtype) * std + mean


def randint(low, high=None, size=(), generator=None, dtype=None):
    """Uniform integers in [low, high) (one bound: [0, low)), from `generator` (torch.randint)."""
    if high is None:
        low, high = 0, low
    shape, n = _int64s(size)
    return _new(lib.gentrain_tensor_randint, low, high, shape, n, _resolve_dtype(dtype, _dtype.int64).code,
                _generator(generator))


def _handles(tensors):
    """A C array of the tensors' handles and its length. The array keeps the tensors alive, so
    temporaries (a generator's, `parameters()`) outlive the C call that reads their handles."""
    tensors = list(tensors)
    array = (c_void_p * builtins.max(len(tensors), 1))(*[t._h for t in tensors])
    array.tensors = tensors
    return array, len(tensors)


def cat(tensors, dim=0):
    hs, n = _handles(tensors)
    return _new(lib.gentrain_cat, hs, n, dim)


def stack(tensors, dim=0):
    hs, n = _handles(tensors)
    return _new(lib.gentrain_stack, hs, n, dim)


def where(condition, input, other):  # noqa: A002 - PyTorch's names
    if not isinstance(input, Tensor):
        input = full((), input, dtype=other.dtype)
    if not isinstance(other, Tensor):
        other = full((), other, dtype=input.dtype)
    return _tensor_op(fn.gentrain_where, condition, input, other)

