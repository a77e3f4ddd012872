"""Convolutions, with PyTorch's default initialization (uniform in ±1/√fan_in)."""
from typing import Tuple, Union

from ... import tensor as _t
from .. import functional as F
from .module import Module, fan_in_bound, uniform_parameter

_size = Union[int, Tuple[int, int]]


def _check_groups(name: str, in_channels: int, out_channels: int, groups: int) -> None:
    if groups < 1 or in_channels % groups or out_channels % groups:
        raise ValueError(f"{name}: in_channels and out_channels must be divisible by groups")


class Conv2d(Module):
    """2-D convolution over [N, C, H, W]; fan_in = in_channels/groups · kernel area."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: _size, stride: _size = 1, padding=0,
                 dilation: _size = 1, groups: int = 1, bias: bool = True):
        super().__init__()
        _check_groups("Conv2d", in_channels, out_channels, groups)
        kh, kw = F._pair(kernel_size)
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        bound = fan_in_bound(in_channels // groups * kh * kw)
        self.weight = uniform_parameter((out_channels, in_channels // groups, kh, kw), bound)
        self.bias = uniform_parameter((out_channels,), bound) if bias else None

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002 - PyTorch's name
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        return f"{self.weight.shape[1] * self.groups}, {self.weight.shape[0]}, kernel_size={tuple(self.weight.shape[2:])}"


class Conv1d(Module):
    """1-D convolution over [N, C, L]; fan_in = in_channels/groups · kernel_size."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding=0,
                 dilation: int = 1, groups: int = 1, bias: bool = True):
        super().__init__()
        _check_groups("Conv1d", in_channels, out_channels, groups)
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        bound = fan_in_bound(in_channels // groups * kernel_size)
        self.weight = uniform_parameter((out_channels, in_channels // groups, kernel_size), bound)
        self.bias = uniform_parameter((out_channels,), bound) if bias else None

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv3d(Module):
    """3-D convolution over [N, C, D, H, W]; each size an int or a triple; fan_in = in_channels/groups · kd·kh·kw."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True):
        super().__init__()
        _check_groups("Conv3d", in_channels, out_channels, groups)
        self.kernel_size = tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else (kernel_size,) * 3
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        kd, kh, kw = self.kernel_size
        bound = fan_in_bound(in_channels // groups * kd * kh * kw)
        self.weight = uniform_parameter((out_channels, in_channels // groups, kd, kh, kw), bound)
        self.bias = uniform_parameter((out_channels,), bound) if bias else None

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.conv3d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose1d(Module):
    """Transposed 1-D convolution over [N, C, L], weight [in, out/groups, k]; fan_in = out_channels/groups ·
    kernel_size."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0,
                 output_padding: int = 0, groups: int = 1, bias: bool = True, dilation: int = 1):
        super().__init__()
        _check_groups("ConvTranspose1d", in_channels, out_channels, groups)
        self.stride, self.padding, self.output_padding, self.groups, self.dilation = stride, padding, output_padding, groups, dilation
        bound = fan_in_bound(out_channels // groups * kernel_size)
        self.weight = uniform_parameter((in_channels, out_channels // groups, kernel_size), bound)
        self.bias = uniform_parameter((out_channels,), bound) if bias else None

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                  self.groups, self.dilation)


class ConvTranspose2d(Module):
    """Transposed 2-D convolution, weight [in, out/groups, kh, kw]; fan_in = out_channels/groups ·
    kernel area."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: _size, stride: _size = 1, padding: _size = 0,
                 output_padding: _size = 0, groups: int = 1, bias: bool = True, dilation: _size = 1):
        super().__init__()
        _check_groups("ConvTranspose2d", in_channels, out_channels, groups)
        kh, kw = F._pair(kernel_size)
        self.stride, self.padding, self.output_padding, self.groups, self.dilation = stride, padding, output_padding, groups, dilation
        bound = fan_in_bound(out_channels // groups * kh * kw)
        self.weight = uniform_parameter((in_channels, out_channels // groups, kh, kw), bound)
        self.bias = uniform_parameter((out_channels,), bound) if bias else None

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                  self.groups, self.dilation)
