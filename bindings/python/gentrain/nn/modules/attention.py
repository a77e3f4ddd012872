"""nn.MultiheadAttention."""
import math

from ... import tensor as _t
from .. import functional as F
from .linear import Linear
from .module import Module, Parameter, uniform_parameter


class MultiheadAttention(Module):
    """PyTorch's nn.MultiheadAttention(embed_dim, num_heads, dropout, bias, batch_first): parameters
    in_proj_weight [3E, E] (xavier uniform), in_proj_bias [3E] (zeros) and out_proj (a Linear
    with zero bias). forward(query, key, value, …) → (output, weights or None)."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 batch_first: bool = False):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError("embed_dim must be divisible by num_heads")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.in_proj_weight = uniform_parameter((3 * embed_dim, embed_dim), math.sqrt(6 / (4 * embed_dim)))
        self.in_proj_bias = Parameter(_t.zeros(3 * embed_dim)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias)
        if bias:
            self.out_proj.bias = Parameter(_t.zeros(embed_dim))

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        return F.multi_head_attention(
            query, key, value, self.num_heads, self.in_proj_weight, self.in_proj_bias, self.out_proj.weight,
            self.out_proj.bias, key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            average_attn_weights=average_attn_weights, is_causal=is_causal, batch_first=self.batch_first,
            dropout_p=self.dropout, training=self.training)
