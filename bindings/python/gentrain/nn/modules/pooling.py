"""Pooling layers."""
from typing import Optional, Tuple, Union

from ... import tensor as _t
from .. import functional as F
from .module import Module

_size = Union[int, Tuple[int, int]]


class MaxPool2d(Module):
    """The maximum of each window; stride None is the kernel size."""

    def __init__(self, kernel_size: _size, stride: Optional[_size] = None, padding: _size = 0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002 - PyTorch's name
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """The mean of each window; stride None is the kernel size."""

    def __init__(self, kernel_size: _size, stride: Optional[_size] = None, padding: _size = 0,
                 count_include_pad: bool = True):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.count_include_pad = count_include_pad

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to `output_size`."""

    def __init__(self, output_size: _size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
