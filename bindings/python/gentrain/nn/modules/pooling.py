"""Pooling layers."""
from typing import Optional, Tuple, Union

from ... import tensor as _t
from .. import functional as F
from .module import Module

_size = Union[int, Tuple[int, int]]


class MaxPool2d(Module):
    """The maximum of each window; stride None is the kernel size."""

    def __init__(self, kernel_size: _size, stride: Optional[_size] = None, padding: _size = 0, dilation: _size = 1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: _t.Tensor):  # noqa: A002 - PyTorch's name
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, dilation={self.dilation}, "
                f"ceil_mode={self.ceil_mode}")


class MaxUnpool2d(Module):
    """The inverse of MaxPool2d(return_indices=True): forward(input, indices, output_size=None)."""

    def __init__(self, kernel_size: _size, stride: Optional[_size] = None, padding: _size = 0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, input: _t.Tensor, indices: _t.Tensor, output_size=None) -> _t.Tensor:  # noqa: A002
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """The mean of each window; stride None is the kernel size."""

    def __init__(self, kernel_size: _size, stride: Optional[_size] = None, padding: _size = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: Optional[int] = None):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                            self.divisor_override)

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


class AdaptiveMaxPool2d(AdaptiveAvgPool2d):
    """Max pooling to `output_size`."""

    def __init__(self, output_size: _size, return_indices: bool = False):
        super().__init__(output_size)
        if return_indices:
            raise NotImplementedError("AdaptiveMaxPool2d: gentrain has return_indices for MaxPool2d only")

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.adaptive_max_pool2d(input, self.output_size)


class MaxPool1d(Module):
    """The maximum of each window along the last dim of [N, C, L]; stride None is the kernel size."""

    def __init__(self, kernel_size: int, stride: Optional[int] = None, padding: int = 0, dilation: int = 1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        if return_indices:
            raise NotImplementedError("MaxPool1d: gentrain has return_indices for MaxPool2d only")
        self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode = kernel_size, stride, padding, dilation, ceil_mode

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, dilation={self.dilation}"


class AvgPool1d(Module):
    """The mean of each window along the last dim of [N, C, L]; stride None is the kernel size."""

    def __init__(self, kernel_size: int, stride: Optional[int] = None, padding: int = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
