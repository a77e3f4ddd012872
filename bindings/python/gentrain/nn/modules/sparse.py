"""Embedding: a lookup table."""
from typing import Optional

from ... import tensor as _t
from .. import functional as F
from .module import Module, Parameter


class Embedding(Module):
    """A lookup table [num_embeddings, embedding_dim], initialized N(0, 1) as PyTorch does; the
    `padding_idx` row (negative counts from the end) starts at zero and gets no gradient."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: Optional[int] = None):
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise IndexError("padding_idx must be within num_embeddings")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        weight = _t.randn(num_embeddings, embedding_dim)
        if padding_idx is not None:
            weight = weight.masked_fill((_t.arange(num_embeddings) == padding_idx).unsqueeze(1), 0.0)
        self.weight = Parameter(weight)

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002 - PyTorch's name
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
