"""Activations as modules. `inplace=True` is accepted as in PyTorch; the result is a new tensor
(the engine does not overwrite a tensor autograd may still need)."""
from ... import tensor as _t
from .. import functional as F
from .module import Module, Parameter


class ReLU(Module):
    """max(x, 0)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002 - PyTorch's name
        return F.relu(input)


class LeakyReLU(Module):
    """x where x >= 0, else negative_slope · x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class GELU(Module):
    """x Φ(x), or its tanh approximation with approximate="tanh"."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x · sigmoid(x)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.silu(input)


class ELU(Module):
    """x where x > 0, else alpha · (exp(x) − 1)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Module):
    """log(1 + exp(beta · x)) / beta, and x itself where beta · x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.softsign(input)


class Tanh(Module):
    """The hyperbolic tangent."""

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return input.tanh()


class Sigmoid(Module):
    """1 / (1 + exp(−x))."""

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return input.sigmoid()


class Softmax(Module):
    """softmax along `dim`."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log_softmax along `dim`."""

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.log_softmax(input, self.dim)


class _Elementwise(Module):
    """A parameter-free activation: `forward` applies F.<_function> with the module's arguments."""

    _function = ""
    _arguments: tuple = ()

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return getattr(F, self._function)(input, *(getattr(self, name) for name in self._arguments))

    def extra_repr(self) -> str:
        return ", ".join(f"{name}={getattr(self, name)}" for name in self._arguments)


class Hardtanh(_Elementwise):
    """x limited to [min_val, max_val]."""

    _function, _arguments = "hardtanh", ("min_val", "max_val")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__()
        if not min_val < max_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace


class ReLU6(_Elementwise):
    """min(max(x, 0), 6)."""

    _function = "relu6"

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace


class Hardsigmoid(ReLU6):
    """relu6(x + 3) / 6."""

    _function = "hardsigmoid"


class Hardswish(ReLU6):
    """x · relu6(x + 3) / 6."""

    _function = "hardswish"


class Mish(ReLU6):
    """x · tanh(softplus(x))."""

    _function = "mish"


class SELU(ReLU6):
    """scale · elu(x, alpha) with the self-normalizing constants."""

    _function = "selu"


class CELU(_Elementwise):
    """x where x > 0, else alpha · (exp(x / alpha) − 1)."""

    _function, _arguments = "celu", ("alpha",)

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace


class GLU(_Elementwise):
    """a · sigmoid(b) for the halves a, b of the input along `dim`."""

    _function, _arguments = "glu", ("dim",)

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim


class LogSigmoid(_Elementwise):
    """log(sigmoid(x)), computed stably."""

    _function = "logsigmoid"


class Tanhshrink(_Elementwise):
    """x − tanh(x)."""

    _function = "tanhshrink"


class Softmin(_Elementwise):
    """softmax(−x) along `dim`."""

    _function, _arguments = "softmin", ("dim",)

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim


class Threshold(_Elementwise):
    """x where x > threshold, else value."""

    _function, _arguments = "threshold", ("threshold", "value")

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace


class Softshrink(_Elementwise):
    """x − lambd above lambd, x + lambd below −lambd, else 0."""

    _function, _arguments = "softshrink", ("lambd",)

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd


class Hardshrink(Softshrink):
    """x where |x| > lambd, else 0."""

    _function = "hardshrink"


class PReLU(Module):
    """x where x >= 0, else weight · x, with a learned `weight` of num_parameters slopes (one, or one
    per channel), each starting at `init`."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25):
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(_t.full((num_parameters,), float(init)))

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
