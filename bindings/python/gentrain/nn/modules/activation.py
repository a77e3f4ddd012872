"""Activations as modules. `inplace=True` is accepted as in PyTorch; the result is a new tensor
(the engine does not overwrite a tensor autograd may still need)."""
from ... import tensor as _t
from .. import functional as F
from .module import Module


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
