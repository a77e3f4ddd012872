"""Module and Parameter: registration, named parameters and buffers, train/eval, state dicts."""
import itertools
import math
from collections import OrderedDict, namedtuple
from ctypes import c_char_p
from typing import Callable, Iterator, Mapping, Optional, Tuple

from ... import _dtype
from ... import tensor as _t
from ..._lib import check, lib

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Parameter(_t.Tensor):
    """Marks a tensor as a module parameter (a leaf that requires grad)."""

    __slots__ = ()

    def __new__(cls, data: _t.Tensor, requires_grad: bool = True):
        detached = data.detach()
        p = cls._wrap(detached._h)
        detached._h = None  # the parameter takes the handle over
        p.requires_grad_(requires_grad)
        return p

    def __init__(self, data: _t.Tensor, requires_grad: bool = True):
        pass


def uniform_parameter(shape: Tuple[int, ...], bound: float) -> Parameter:
    """A parameter of `shape` drawn uniformly from [-bound, bound) (PyTorch's default layer init)."""
    return Parameter(_t.rand(*shape) * (2 * bound) - bound)


def fan_in_bound(fan_in: int) -> float:
    """1/√fan_in, PyTorch's bound for default weights and biases (0 for an empty fan)."""
    return 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0


_hook_keys = itertools.count()


class _RemovableHandle:
    """What register_forward_(pre_)hook returns: remove() unregisters the hook."""

    def __init__(self, hooks, key):
        self._hooks, self._key = hooks, key

    def remove(self) -> None:
        self._hooks.pop(self._key, None)


class Module:
    """The base of layers and models: registration, named parameters, train/eval, __call__.

    Subclass it, assign parameters and submodules as attributes in `__init__` (after
    `super().__init__()`), and write `forward`."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if params is None:
            raise AttributeError("call super().__init__() before assigning attributes to a Module")
        if isinstance(value, Parameter):
            params[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        elif name in self._buffers:
            self._buffers[name] = value
        object.__setattr__(self, name, value)

    def register_buffer(self, name: str, tensor: Optional[_t.Tensor]) -> None:
        """State saved in the state dict but not trained (running statistics)."""
        self._buffers[name] = tensor
        object.__setattr__(self, name, tensor)

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[Tuple[str, _t.Tensor]]:
        """Every buffer with its dotted name, each once (a shared one under its first name) unless
        remove_duplicate is False; only this module's own when recurse is False."""
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[_t.Tensor]:
        return (b for _, b in self.named_buffers(recurse=recurse))

    def _named_members(self, members, prefix: str, recurse: bool, remove_duplicate: bool):
        """The tensors `members` gives for each module, with dotted names: PyTorch's order and
        its rule for tensors reached twice (tied weights)."""
        memo = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, v in members(module):
                if v is None or (remove_duplicate and id(v) in memo):
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield module_prefix + ("." if module_prefix else "") + name, v

    def register_parameter(self, name: str, param: Optional[Parameter]) -> None:
        setattr(self, name, param)

    def add_module(self, name: str, module: "Module") -> None:
        setattr(self, name, module)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def __call__(self, *args, **kwargs):
        hooks = self.__dict__.get("_call_hooks")
        if not hooks:
            return self.forward(*args, **kwargs)
        for hook in list(hooks["pre"].values()):
            changed = hook(self, args)
            if changed is not None:
                args = changed if isinstance(changed, tuple) else (changed,)
        out = self.forward(*args, **kwargs)
        for hook in list(hooks["post"].values()):
            changed = hook(self, args, out)
            if changed is not None:
                out = changed
        return out

    def _register_call_hook(self, kind: str, hook) -> "_RemovableHandle":
        if "_call_hooks" not in self.__dict__:
            object.__setattr__(self, "_call_hooks", {"pre": OrderedDict(), "post": OrderedDict()})
        key = next(_hook_keys)
        self._call_hooks[kind][key] = hook
        return _RemovableHandle(self._call_hooks[kind], key)

    def register_forward_pre_hook(self, hook) -> "_RemovableHandle":
        """hook(module, args) runs before each forward; a value it returns replaces the positional
        arguments (a tuple, or one value). Returns a handle whose remove() unregisters it."""
        return self._register_call_hook("pre", hook)

    def register_forward_hook(self, hook) -> "_RemovableHandle":
        """hook(module, args, output) runs after each forward; a value it returns replaces the output."""
        return self._register_call_hook("post", hook)

    def named_children(self) -> Iterator[Tuple[str, "Module"]]:
        """The direct submodules with their names, each once (a module registered twice under its first name)."""
        memo = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in memo:
                memo.add(id(m))
                yield name, m

    def children(self) -> Iterator["Module"]:
        return (m for _, m in self.named_children())

    def named_modules(self, memo: Optional[set] = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[Tuple[str, "Module"]]:
        """This module and every descendant, with dotted names ("" for this one), each module before
        its children; a module reached twice (shared) comes once, under its first name, unless
        remove_duplicate is False. `memo`: the modules already given (ids), as PyTorch's."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self) -> Iterator["Module"]:
        return (m for _, m in self.named_modules())

    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        """Calls `fn` on every descendant, then on this module (as PyTorch's, e.g. for initialization)."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kwargs) -> "Module":
        """`to(dtype)`, `to("cpu")` or `to("cpu", dtype)`: floating-point parameters and buffers
        converted to `dtype` (new tensors: build optimizers after converting, as with PyTorch)."""
        dtype = kwargs.pop("dtype", None)
        for a in args:
            if isinstance(a, _dtype.dtype):
                dtype = a
            elif str(a) != "cpu":
                raise ValueError(f"gentrain runs on the CPU, got {a!r}")
        if kwargs.get("device", "cpu") not in ("cpu", None):
            raise ValueError(f"gentrain runs on the CPU, got device {kwargs['device']!r}")
        if dtype is None:
            return self
        if not dtype.is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, but got desired dtype={dtype}")
        for m in self.modules():
            for name, p in list(m._parameters.items()):
                if p is not None and p.dtype.is_floating_point and p.dtype is not dtype:
                    grad = p.grad
                    converted = Parameter(p.detach().to(dtype), requires_grad=p.requires_grad)
                    if grad is not None:
                        converted.grad = grad.to(dtype)
                    setattr(m, name, converted)
            for name, b in list(m._buffers.items()):
                if b is not None and b.dtype.is_floating_point and b.dtype is not dtype:
                    m.register_buffer(name, b.to(dtype))
        return self

    def float(self) -> "Module":
        return self.to(_dtype.float32)

    def double(self) -> "Module":
        return self.to(_dtype.float64)

    def half(self) -> "Module":
        return self.to(_dtype.float16)

    def bfloat16(self) -> "Module":
        return self.to(_dtype.bfloat16)

    def cpu(self) -> "Module":
        return self

    def load_state_dict(self, state_dict: Mapping[str, _t.Tensor], strict: bool = True):
        """Copies `state_dict`'s tensors into this module's parameters and buffers (shapes must
        match, dtypes convert); returns (missing_keys, unexpected_keys). With `strict`, either is
        an error, and nothing is copied."""
        own = self.state_dict()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = [f'Missing key(s) in state_dict: {", ".join(map(repr, missing))}.'] if strict and missing else []
        if strict and unexpected:
            errors.append(f'Unexpected key(s) in state_dict: {", ".join(map(repr, unexpected))}.')
        for k, v in state_dict.items():
            if k in own and tuple(v.shape) != tuple(own[k].shape):
                errors.append(f"size mismatch for {k}: copying a param with shape {tuple(v.shape)} from checkpoint, "
                              f"the shape in current model is {tuple(own[k].shape)}.")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        from ...grad_mode import no_grad
        with no_grad():
            for k, v in state_dict.items():
                if k in own:
                    own[k].copy_(v)
        return _IncompatibleKeys(missing, unexpected)

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[Tuple[str, Parameter]]:
        """Every parameter with its dotted name, each once (a parameter shared by two modules, as
        tied weights, under its first name) unless remove_duplicate is False; only this module's
        own when recurse is False."""
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        return (p for _, p in self.named_parameters(recurse=recurse))

    def train(self, mode: bool = True) -> "Module":
        object.__setattr__(self, "training", mode)
        for m in self.children():
            m.train(mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad = _t.zeros_like(p.grad)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def state_dict(self, prefix: str = "") -> "OrderedDict[str, _t.Tensor]":
        """Parameters and buffers by dotted name ("0.weight", "1.running_mean") in PyTorch's order."""
        out = OrderedDict((prefix + n, p) for n, p in self._parameters.items())
        out.update((prefix + n, b) for n, b in self._buffers.items())
        for name, m in self._modules.items():
            out.update(m.state_dict(prefix + name + "."))
        return out

    def save(self, path) -> None:
        """Writes the state dict to a safetensors file, atomically; PyTorch reads it with
        `safetensors.torch.load_file` + `load_state_dict`."""
        names, handles, n = _named_arrays(self.state_dict())
        check(lib.gentrain_save_safetensors(str(path).encode(), names, handles, n))

    def load(self, path, strict: bool = True) -> "Module":
        """`load_state_dict` from a safetensors file, for example one PyTorch wrote with
        `safetensors.torch.save_file(model.state_dict(), path)`: shapes must match, dtypes
        convert; `strict` also rejects missing and unexpected names. On error nothing changes."""
        names, handles, n = _named_arrays(self.state_dict())
        check(lib.gentrain_load_safetensors(str(path).encode(), names, handles, n, strict))
        return self

    def __repr__(self):
        lines = [f"  ({n}): {m!r}".replace("\n", "\n  ") for n, m in self._modules.items()]
        return f"{type(self).__name__}(" + ("\n" + "\n".join(lines) + "\n" if lines else self.extra_repr()) + ")"

    def extra_repr(self) -> str:
        return ""


def _named_arrays(named):
    """The C arrays of names and tensor handles of an ordered dict, and their count."""
    handles, n = _t._handles(named.values())
    return (c_char_p * max(n, 1))(*[k.encode() for k in named]), handles, n
