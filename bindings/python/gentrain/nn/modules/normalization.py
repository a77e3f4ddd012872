"""Normalization layers: batch, layer, group, instance, RMS and local response norm."""
from typing import Optional, Sequence, Tuple, Union

from ... import _dtype
from ... import tensor as _t
from ..._lib import lib
from .. import functional as F
from .module import Module, Parameter


class _Norm(Module):
    """Optional affine parameters (weight ones, bias zeros) of `shape`."""

    def __init__(self, shape: Tuple[int, ...], affine: bool, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = Parameter(_t.ones(*shape)) if affine else None
        self.bias = Parameter(_t.zeros(*shape)) if affine else None


class BatchNorm2d(_Norm):
    """Batch normalization over the channels of [N, C, *]: batch statistics in training (updating
    running_mean/var with `momentum` — or their cumulative average when momentum is None — and
    counting num_batches_tracked), running ones in eval. With track_running_stats=False there are
    no running statistics (the buffers are None) and the batch's are used in eval too."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Optional[float] = 0.1, affine: bool = True,
                 track_running_stats: bool = True):
        super().__init__((num_features,), affine, eps)
        self.num_features, self.momentum, self.track_running_stats = num_features, momentum, track_running_stats
        if track_running_stats:
            self.register_buffer("running_mean", _t.zeros(num_features))
            self.register_buffer("running_var", _t.ones(num_features))
            self.register_buffer("num_batches_tracked", _t.zeros((), dtype=_dtype.int64))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002 - PyTorch's name
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and lib.gentrain_buffer_updates_enabled():
            # In place, so that a checkpoint holding the buffer sees the count (not on
            # DataParallel's shards other than the first, whose buffer updates are dropped).
            self.num_batches_tracked.copy_(self.num_batches_tracked + 1)
            if self.momentum is None:   # a cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked.item())
        training = self.training or self.running_mean is None
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias, training,
                            momentum, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.weight is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(BatchNorm2d):
    """Batch normalization over [N, C] or [N, C, L]."""


class LayerNorm(_Norm):
    """Normalizes over the last dims given by `normalized_shape`, then an elementwise affine map."""

    def __init__(self, normalized_shape: Union[int, Sequence[int]], eps: float = 1e-5, elementwise_affine: bool = True):
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        super().__init__(shape, elementwise_affine, eps)
        self.normalized_shape = shape

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


class RMSNorm(Module):
    """x · rsqrt(mean(x²) + eps) over the last dims given by `normalized_shape`, times a weight of ones
    (eps None: the dtype's machine epsilon)."""

    def __init__(self, normalized_shape: Union[int, Sequence[int]], eps: Optional[float] = None,
                 elementwise_affine: bool = True):
        super().__init__()
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps = eps
        self.weight = Parameter(_t.ones(*self.normalized_shape)) if elementwise_affine else None

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


class LocalResponseNorm(Module):
    """x / (k + alpha · mean of x² over `size` neighbouring channels)^beta (F.local_response_norm)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class GroupNorm(_Norm):
    """Normalizes each of `num_groups` channel groups, then per-channel weight and bias."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True):
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError("GroupNorm: num_channels must be divisible by num_groups")
        super().__init__((num_channels,), affine, eps)
        self.num_groups, self.num_channels = num_groups, num_channels

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}"


class InstanceNorm2d(_Norm):
    """Normalizes each channel of each sample over its own elements (no running statistics)."""

    def __init__(self, num_features: int, eps: float = 1e-5, affine: bool = False):
        super().__init__((num_features,), affine, eps)
        self.num_features = num_features

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.instance_norm(input, self.weight, self.bias, self.eps)
