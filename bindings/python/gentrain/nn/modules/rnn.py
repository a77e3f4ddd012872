"""Recurrent layers: LSTM, GRU and their one-step cells, with PyTorch's parameter names, gate
order and initialization (uniform in ±1/√hidden_size)."""
from ctypes import byref, c_void_p

from ... import tensor as _t
from ..._convert import handle as _h
from ..._lib import check, lib
from .module import Module, uniform_parameter


def _recurrent_parameters(module, suffix, input_size, hidden_size, bias):
    """weight_ih, weight_hh (and bias_ih, bias_hh) + suffix on `module`; `module._gates` rows per
    hidden unit."""
    bound, rows = 1 / hidden_size ** 0.5, module._gates * hidden_size
    shapes = [("weight_ih", (rows, input_size)), ("weight_hh", (rows, hidden_size))]
    for name, shape in shapes + ([("bias_ih", (rows,)), ("bias_hh", (rows,))] if bias else []):
        setattr(module, name + suffix, uniform_parameter(shape, bound))


def _outputs(call, count, *args):
    """Calls a C function that writes `count` tensors first, and wraps them."""
    outs = [c_void_p() for _ in range(count)]
    check(call(*[byref(o) for o in outs], *args))
    return [_t.Tensor._wrap(o.value) for o in outs]


class _Recurrent(Module):
    """The parameters of nn.LSTM / nn.GRU: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k},
    bias_hh_l{k} per layer, then (bidirectional) the same with the suffix _reverse."""

    _gates = 0

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False):
        super().__init__()
        if input_size <= 0 or hidden_size <= 0 or num_layers <= 0:
            raise ValueError(f"{type(self).__name__}: input_size, hidden_size and num_layers must be positive")
        if not 0 <= dropout <= 1:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1], got {dropout}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bool(bidirectional)
        directions = 2 if self.bidirectional else 1
        for k in range(num_layers):
            for suffix in self._suffixes(k):
                _recurrent_parameters(self, suffix, input_size if k == 0 else directions * hidden_size, hidden_size, bias)

    def _suffixes(self, k):
        return [f"_l{k}", f"_l{k}_reverse"] if self.bidirectional else [f"_l{k}"]

    def _weights(self):
        """The C array of four handles per weight set (NULL for absent biases)."""
        handles = []
        for k in range(self.num_layers):
            for suffix in self._suffixes(k):
                handles += [getattr(self, n + suffix, None) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        return (c_void_p * len(handles))(*[_h(t) for t in handles])

    def extra_repr(self) -> str:
        return (f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, batch_first={self.batch_first}"
                + (", bidirectional=True" if self.bidirectional else ""))


class LSTM(_Recurrent):
    """input [T, N, I] ([N, T, I] with batch_first), hx = (h0, c0) [num_layers * D, N, H] or None →
    (output [T, N, D * H], (h_n, c_n)), D = 2 when bidirectional, as PyTorch's nn.LSTM (dropout
    between layers in training mode)."""

    _gates = 4

    def forward(self, input, hx=None):  # noqa: A002 - PyTorch's name
        h0, c0 = hx if hx is not None else (None, None)
        y, h, c = _outputs(lib.gentrain_lstm, 3, input._h, _h(h0), _h(c0), self._weights(), self.num_layers, self.batch_first,
                           self.dropout, self.training, self.bidirectional)
        return y, (h, c)


class GRU(_Recurrent):
    """input [T, N, I] ([N, T, I] with batch_first), hx = h0 [num_layers * D, N, H] or None →
    (output, h_n), as PyTorch's nn.GRU."""

    _gates = 3

    def forward(self, input, hx=None):  # noqa: A002
        y, h = _outputs(lib.gentrain_gru, 2, input._h, _h(hx), self._weights(), self.num_layers, self.batch_first,
                        self.dropout, self.training, self.bidirectional)
        return y, h


class _Cell(Module):
    _gates = 0

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
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
