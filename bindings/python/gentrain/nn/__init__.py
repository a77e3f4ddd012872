"""gentrain.nn: modules as in PyTorch. Subclass `Module`, assign parameters and submodules
as attributes in `__init__`, and write `forward`."""
import math
from collections import OrderedDict
from ctypes import byref, c_char_p, c_void_p

from .. import _dtype
from .. import tensor as _t
from .._lib import check, lib
from . import functional, init, utils
from .functional import _h, cross_entropy

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

    def register_buffer(self, name, tensor):
        """State saved in the state dict but not trained (running statistics)."""
        self._buffers[name] = tensor
        object.__setattr__(self, name, tensor)

    def named_buffers(self, prefix=""):
        for name, b in self._buffers.items():
            yield prefix + name, b
        for name, m in self._modules.items():
            yield from m.named_buffers(prefix + name + ".")

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

    def state_dict(self, prefix=""):
        """Parameters and buffers by dotted name ("0.weight", "1.running_mean") in PyTorch's order."""
        out = OrderedDict((prefix + n, p) for n, p in self._parameters.items())
        out.update((prefix + n, b) for n, b in self._buffers.items())
        for name, m in self._modules.items():
            out.update(m.state_dict(prefix + name + "."))
        return out

    def save(self, path):
        """Writes the state dict to a safetensors file, atomically; PyTorch reads it with
        `safetensors.torch.load_file` + `load_state_dict`."""
        names, handles, n = _named_arrays(self.state_dict())
        check(lib.gentrain_save_safetensors(str(path).encode(), names, handles, n))

    def load(self, path, strict=True):
        """`load_state_dict` from a safetensors file, for example one PyTorch wrote with
        `safetensors.torch.save_file(model.state_dict(), path)`: shapes must match, dtypes
        convert; `strict` also rejects missing and unexpected names. On error nothing changes."""
        names, handles, n = _named_arrays(self.state_dict())
        check(lib.gentrain_load_safetensors(str(path).encode(), names, handles, n, strict))
        return self

    def __repr__(self):
        lines = [f"  ({n}): {m!r}".replace("\n", "\n  ") for n, m in self._modules.items()]
        return f"{type(self).__name__}(" + ("\n" + "\n".join(lines) + "\n" if lines else self.extra_repr()) + ")"

    def extra_repr(self):
        return ""


def _named_arrays(named):
    """The C arrays of names and tensor handles of an ordered dict, and their count."""
    handles, n = _t._handles(named.values())
    return (c_char_p * max(n, 1))(*[k.encode() for k in named]), handles, n


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


class Conv2d(Module):
    """2-D convolution over [N, C, H, W] with PyTorch's default initialization (uniform in
    ±1/√fan_in, fan_in = in_channels/groups · kernel area)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True):
        super().__init__()
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError("Conv2d: in_channels and out_channels must be divisible by groups")
        kh, kw = functional._pair(kernel_size)
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        fan_in = in_channels // groups * kh * kw
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        self.weight = Parameter(_uniform((out_channels, in_channels // groups, kh, kw), bound))
        self.bias = Parameter(_uniform((out_channels,), bound)) if bias else None

    def forward(self, x):
        return functional.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        return f"{self.weight.shape[1] * self.groups}, {self.weight.shape[0]}, kernel_size={tuple(self.weight.shape[2:])}"


class Conv1d(Module):
    """1-D convolution over [N, C, L] with PyTorch's default initialization (uniform in
    ±1/√fan_in, fan_in = in_channels/groups · kernel_size)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True):
        super().__init__()
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError("Conv1d: in_channels and out_channels must be divisible by groups")
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        fan_in = in_channels // groups * kernel_size
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        self.weight = Parameter(_uniform((out_channels, in_channels // groups, kernel_size), bound))
        self.bias = Parameter(_uniform((out_channels,), bound)) if bias else None

    def forward(self, x):
        return functional.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(Module):
    """Transposed 2-D convolution (weight [in, out/groups, kh, kw]) with PyTorch's default
    initialization: uniform in ±1/√fan_in, fan_in = out_channels/groups · kernel area."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1):
        super().__init__()
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError("ConvTranspose2d: in_channels and out_channels must be divisible by groups")
        kh, kw = functional._pair(kernel_size)
        self.stride, self.padding, self.output_padding, self.groups, self.dilation = stride, padding, output_padding, groups, dilation
        fan_in = out_channels // groups * kh * kw
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        self.weight = Parameter(_uniform((in_channels, out_channels // groups, kh, kw), bound))
        self.bias = Parameter(_uniform((out_channels,), bound)) if bias else None

    def forward(self, x):
        return functional.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                           self.groups, self.dilation)


class Embedding(Module):
    """A lookup table [num_embeddings, embedding_dim], initialized N(0, 1) as PyTorch does; the
    `padding_idx` row (negative counts from the end) starts at zero and gets no gradient."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None):
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise IndexError("padding_idx must be within num_embeddings")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        weight = _t.randn(num_embeddings, embedding_dim)
        if padding_idx is not None:
            weight = weight.masked_fill((_t.arange(num_embeddings) == padding_idx).unsqueeze(1), 0.0)
        self.weight = Parameter(weight)

    def forward(self, indices):
        return functional.embedding(indices, self.weight, self.padding_idx)


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return functional.leaky_relu(x, self.negative_slope)


class _Function(Module):
    """A parameter-free layer applying `functional.<name>` with fixed keyword options."""

    _fn = None

    def __init__(self, **options):
        super().__init__()
        self.options = options

    def forward(self, x):
        return getattr(functional, self._fn)(x, **self.options)

    def extra_repr(self):
        return ", ".join(f"{k}={v!r}" for k, v in self.options.items())


def _layer(name, fn, signature, doc):
    """A `_Function` subclass whose constructor takes `signature` (names with defaults, in order)."""
    def __init__(self, *args, **kwargs):
        options = dict(signature)
        options.update(zip(signature, args))
        options.update(kwargs)
        _Function.__init__(self, **options)
    return type(name, (_Function,), {"_fn": fn, "__init__": __init__, "__doc__": doc})


GELU = _layer("GELU", "gelu", {"approximate": "none"}, "GELU(approximate='none' or 'tanh').")
SiLU = _layer("SiLU", "silu", {}, "x · sigmoid(x).")
ELU = _layer("ELU", "elu", {"alpha": 1.0}, "x for x > 0, else alpha (exp(x) - 1).")
Softplus = _layer("Softplus", "softplus", {"beta": 1.0, "threshold": 20.0}, "log(1 + exp(beta x)) / beta.")
Softmax = _layer("Softmax", "softmax", {"dim": -1}, "softmax along `dim`.")
LogSoftmax = _layer("LogSoftmax", "log_softmax", {"dim": -1}, "log_softmax along `dim`.")
MaxPool2d = _layer("MaxPool2d", "max_pool2d", {"kernel_size": 2, "stride": None, "padding": 0}, "2-D max pooling.")
AvgPool2d = _layer("AvgPool2d", "avg_pool2d", {"kernel_size": 2, "stride": None, "padding": 0, "count_include_pad": True},
                   "2-D average pooling.")
AdaptiveAvgPool2d = _layer("AdaptiveAvgPool2d", "adaptive_avg_pool2d", {"output_size": 1}, "Average pooling to a size.")
PixelShuffle = _layer("PixelShuffle", "pixel_shuffle", {"upscale_factor": 2}, "[N, C r², H, W] → [N, C, H r, W r].")
Upsample = _layer("Upsample", "interpolate", {"size": None, "scale_factor": None, "mode": "nearest", "align_corners": None,
                                              "recompute_scale_factor": None},
                  "Nearest or bilinear resizing to `size` or by `scale_factor`.")


class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)


class Unflatten(Module):
    """Splits dimension `dim` into `unflattened_size`."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        d = self.dim % x.ndim
        return x.reshape(*x.shape[:d], *self.unflattened_size, *x.shape[d + 1:])


class Dropout(Module):
    """Zeroes elements with probability p and scales the rest by 1/(1-p), in training mode only."""

    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        return functional.dropout(x, self.p, self.training)


class _Norm(Module):
    """Optional affine parameters (weight ones, bias zeros) of `shape`."""

    def __init__(self, shape, affine, eps):
        super().__init__()
        self.eps = eps
        self.weight = Parameter(_t.ones(*shape)) if affine else None
        self.bias = Parameter(_t.zeros(*shape)) if affine else None


class BatchNorm2d(_Norm):
    """Batch normalization over the channels of [N, C, *]: batch statistics in training (updating
    running_mean/var with `momentum` and counting num_batches_tracked), running ones in eval."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True):
        super().__init__((num_features,), affine, eps)
        self.momentum = momentum
        self.register_buffer("running_mean", _t.zeros(num_features))
        self.register_buffer("running_var", _t.ones(num_features))
        self.register_buffer("num_batches_tracked", _t.zeros((), dtype=_dtype.int64))

    def forward(self, x):
        if self.training:
            # In place, so that a checkpoint holding the buffer sees the count.
            self.num_batches_tracked.copy_(self.num_batches_tracked + 1)
        return functional.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, self.training,
                                     self.momentum, self.eps)


BatchNorm1d = type("BatchNorm1d", (BatchNorm2d,), {"__doc__": "Batch normalization over [N, C] or [N, C, L]."})


class LayerNorm(_Norm):
    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True):
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        super().__init__(shape, elementwise_affine, eps)
        self.normalized_shape = shape

    def forward(self, x):
        return functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)


class GroupNorm(_Norm):
    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True):
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError("GroupNorm: num_channels must be divisible by num_groups")
        super().__init__((num_channels,), affine, eps)
        self.num_groups = num_groups

    def forward(self, x):
        return functional.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)


class InstanceNorm2d(_Norm):
    def __init__(self, num_features, eps=1e-5, affine=False):
        super().__init__((num_features,), affine, eps)

    def forward(self, x):
        return functional.instance_norm(x, self.weight, self.bias, self.eps)


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


class ModuleList(Module):
    """Modules in a list, named "0", "1", …; it has no forward of its own."""

    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class ModuleDict(Module):
    """Modules by name in insertion order; it has no forward of its own."""

    def __init__(self, modules=None):
        super().__init__()
        for name, m in (dict(modules or {})).items():
            self[name] = m

    def __setitem__(self, name, module):
        if not isinstance(module, Module) or not name or "." in name:
            raise ValueError(f"ModuleDict entries are modules under names without '.', got {name!r}")
        self.add_module(name, module)

    def __getitem__(self, name):
        return self._modules[name]

    def __contains__(self, name):
        return name in self._modules

    def __len__(self):
        return len(self._modules)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()


class MultiheadAttention(Module):
    """PyTorch's nn.MultiheadAttention(embed_dim, num_heads, dropout, bias, batch_first): parameters
    in_proj_weight [3E, E] (xavier uniform), in_proj_bias [3E] (zeros) and out_proj (a Linear
    with zero bias). forward(query, key, value, …) → (output, weights or None)."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, batch_first=False):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError("embed_dim must be divisible by num_heads")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.in_proj_weight = Parameter(_uniform((3 * embed_dim, embed_dim), math.sqrt(6 / (4 * embed_dim))))
        self.in_proj_bias = Parameter(_t.zeros(3 * embed_dim)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias)
        if bias:
            self.out_proj.bias = Parameter(_t.zeros(embed_dim))

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        return functional.multi_head_attention(
            query, key, value, self.num_heads, self.in_proj_weight, self.in_proj_bias, self.out_proj.weight,
            self.out_proj.bias, key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            average_attn_weights=average_attn_weights, is_causal=is_causal, batch_first=self.batch_first,
            dropout_p=self.dropout, training=self.training)


def _recurrent_parameters(module, suffix, input_size, hidden_size, bias):
    """weight_ih, weight_hh (and bias_ih, bias_hh) + suffix on `module`, uniform in ±1/√hidden_size
    as PyTorch initializes them; `module._gates` rows per hidden unit."""
    bound, rows = 1 / math.sqrt(hidden_size), module._gates * hidden_size
    shapes = [("weight_ih", (rows, input_size)), ("weight_hh", (rows, hidden_size))]
    for name, shape in shapes + ([("bias_ih", (rows,)), ("bias_hh", (rows,))] if bias else []):
        setattr(module, name + suffix, Parameter(_uniform(shape, bound)))


class _Recurrent(Module):
    """The parameters of nn.LSTM / nn.GRU: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k},
    bias_hh_l{k} per layer, uniform in ±1/√hidden_size as PyTorch initializes them."""

    _gates = 0

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0):
        super().__init__()
        if input_size <= 0 or hidden_size <= 0 or num_layers <= 0:
            raise ValueError(f"{type(self).__name__}: input_size, hidden_size and num_layers must be positive")
        if not 0 <= dropout <= 1:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1], got {dropout}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        for k in range(num_layers):
            _recurrent_parameters(self, f"_l{k}", input_size if k == 0 else hidden_size, hidden_size, bias)

    def _weights(self):
        """The C array of four handles per layer (NULL for absent biases)."""
        handles = []
        for k in range(self.num_layers):
            handles += [getattr(self, f"{n}_l{k}", None) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        return (c_void_p * len(handles))(*[_h(t) for t in handles])

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, batch_first={self.batch_first}"


def _outputs(call, count, *args):
    """Calls a C function that writes `count` tensors first, and wraps them."""
    outs = [c_void_p() for _ in range(count)]
    check(call(*[byref(o) for o in outs], *args))
    return [_t.Tensor._wrap(o.value) for o in outs]


class LSTM(_Recurrent):
    """input [T, N, I] ([N, T, I] with batch_first), hx = (h0, c0) [num_layers, N, H] or None →
    (output, (h_n, c_n)), as PyTorch's nn.LSTM (dropout between layers in training mode)."""

    _gates = 4

    def forward(self, input, hx=None):  # noqa: A002
        h0, c0 = hx if hx is not None else (None, None)
        y, h, c = _outputs(lib.gentrain_lstm, 3, input._h, _h(h0), _h(c0), self._weights(), self.num_layers, self.batch_first,
                           self.dropout, self.training)
        return y, (h, c)


class GRU(_Recurrent):
    """input [T, N, I] ([N, T, I] with batch_first), hx = h0 [num_layers, N, H] or None →
    (output, h_n), as PyTorch's nn.GRU."""

    _gates = 3

    def forward(self, input, hx=None):  # noqa: A002
        y, h = _outputs(lib.gentrain_gru, 2, input._h, _h(hx), self._weights(), self.num_layers, self.batch_first,
                        self.dropout, self.training)
        return y, h


class _Cell(Module):
    _gates = 0

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(f"{type(self).__name__}: input_size and hidden_size must be positive")
        self.input_size, self.hidden_size = input_size, hidden_size
        _recurrent_parameters(self, "", input_size, hidden_size, bias)
        if not bias:
            self.bias_ih = self.bias_hh = None

    def _zeros(self, x):
        return _t.zeros(x.shape[0], self.hidden_size, dtype=x.dtype)

    def _weights(self):
        return self.weight_ih._h, self.weight_hh._h, _h(self.bias_ih), _h(self.bias_hh)


class LSTMCell(_Cell):
    """One step: x [N, I], hx = (h, c) [N, H] or None (zeros) → (h', c')."""

    _gates = 4

    def forward(self, input, hx=None):  # noqa: A002
        h, c = hx if hx is not None else (self._zeros(input),) * 2
        return tuple(_outputs(lib.gentrain_lstm_cell, 2, input._h, h._h, c._h, *self._weights()))


class GRUCell(_Cell):
    """One step: x [N, I], hx [N, H] or None (zeros) → h'."""

    _gates = 3

    def forward(self, input, hx=None):  # noqa: A002
        h = hx if hx is not None else self._zeros(input)
        return _outputs(lib.gentrain_gru_cell, 1, input._h, h._h, *self._weights())[0]


class CrossEntropyLoss(Module):
    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__()
        self.weight, self.ignore_index, self.reduction, self.label_smoothing = weight, ignore_index, reduction, label_smoothing

    def forward(self, input, target):  # noqa: A002
        return cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)


__all__ = ["Module", "Parameter", "Linear", "Conv1d", "Conv2d", "ConvTranspose2d", "Embedding", "LeakyReLU", "GELU", "SiLU", "ELU", "Softplus", "Softmax", "LogSoftmax",
           "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "PixelShuffle", "Upsample", "Flatten", "Unflatten", "Dropout", "BatchNorm1d",
           "BatchNorm2d", "LayerNorm", "GroupNorm", "InstanceNorm2d", "ReLU", "Tanh", "Sigmoid", "Sequential", "ModuleList", "ModuleDict", "MultiheadAttention", "LSTM", "GRU", "LSTMCell", "GRUCell", "CrossEntropyLoss", "functional", "F", "init", "utils"]
