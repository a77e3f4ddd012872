"""Dropout."""
from ... import tensor as _t
from .. import functional as F
from .module import Module


class Dropout(Module):
    """Zeroes elements with probability p and scales the rest by 1/(1−p), in training mode only."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002 - PyTorch's name
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Dropout1d(Dropout):
    """Zeroes whole channels of [N, C, L] with probability p, in training mode only."""

    _function = "dropout1d"

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return getattr(F, self._function)(input, self.p, self.training)


class Dropout2d(Dropout1d):
    """Zeroes whole channels of [N, C, H, W] with probability p, in training mode only."""

    _function = "dropout2d"


class Dropout3d(Dropout1d):
    """Zeroes whole channels of [N, C, D, H, W] with probability p, in training mode only."""

    _function = "dropout3d"
