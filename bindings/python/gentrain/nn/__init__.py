"""gentrain.nn: modules as in PyTorch. Subclass `Module`, assign parameters and submodules
as attributes in `__init__`, and write `forward`."""
import math
from collections import OrderedDict

from .. import tensor as _t
from . import functional, utils
from .functional import cross_entropy

F = functional


class Parameter(_t.Tensor):
    """Marks a tensor as a module parameter (a leaf that requires grad)."""

    __slots__ = ()

    def __new__(cls, data, requires_grad=True):
        detached = data.detach()
        p = cls._wrap(detached._h)
        detached._h = None  # the parameter takes the handle over
        p.requires_grad_(requires_grad)
        return p

    def __init__(self, data, requires_grad=True):
        pass


class Module:
    """The base of layers and models: registration, named parameters, train/eval, __call__."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if params is None:
            raise AttributeError("call super().__init__() before assigning attributes to a Module")
        if isinstance(value, Parameter):
            params[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def register_parameter(self, name, param):
        setattr(self, name, param)

    def add_module(self, name, module):
        setattr(self, name, module)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def named_children(self):
        return iter(self._modules.items())

    def children(self):
        return iter(self._modules.values())

    def named_parameters(self, prefix=""):
        for name, p in self._parameters.items():
            yield prefix + name, p
        for name, m in self._modules.items():
            yield from m.named_parameters(prefix + name + ".")

    def parameters(self):
        return (p for _, p in self.named_parameters())

    def train(self, mode=True):
        object.__setattr__(self, "training", mode)
        for m in self._modules.values():
            m.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad = _t.zeros_like(p.grad)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def __repr__(self):
        lines = [f"  ({n}): {m!r}".replace("\n", "\n  ") for n, m in self._modules.items()]
        return f"{type(self).__name__}(" + ("\n" + "\n".join(lines) + "\n" if lines else self.extra_repr()) + ")"

    def extra_repr(self):
        return ""


def _uniform(shape, bound):
    return _t.rand(*shape) * (2 * bound) - bound


class Linear(Module):
    """`y = x Wᵀ + b` with PyTorch's default initialization (uniform in ±1/√in_features)."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1 / math.sqrt(in_features) if in_features > 0 else 0
        self.weight = Parameter(_uniform((out_features, in_features), bound))
        self.bias = Parameter(_uniform((out_features,), bound)) if bias else None

    def forward(self, x):
        return functional.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class ReLU(Module):
    def forward(self, x):
        return x.relu()


class Tanh(Module):
    def forward(self, x):
        return x.tanh()


class Sigmoid(Module):
    def forward(self, x):
        return x.sigmoid()


class Sequential(Module):
    """Runs its modules in order; they are named "0", "1", …"""

    def __init__(self, *modules):
        super().__init__()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)


class CrossEntropyLoss(Module):
    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__()
        self.weight, self.ignore_index, self.reduction, self.label_smoothing = weight, ignore_index, reduction, label_smoothing

    def forward(self, input, target):  # noqa: A002
        return cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)


__all__ = ["Module", "Parameter", "Linear", "ReLU", "Tanh", "Sigmoid", "Sequential", "CrossEntropyLoss", "functional", "F", "utils"]
