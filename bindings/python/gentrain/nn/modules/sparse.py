"""Embedding: a lookup table; EmbeddingBag: a lookup table whose rows are reduced per bag."""
from typing import Optional

from ... import tensor as _t
from .. import functional as F
from .module import Module, Parameter


def _table(num_embeddings, embedding_dim, padding_idx):
    """An embedding's padding index (made non-negative) and its weight: N(0, 1), the padding row zero."""
    if padding_idx is not None:
        if not -num_embeddings <= padding_idx < num_embeddings:
            raise IndexError("padding_idx must be within num_embeddings")
        padding_idx %= num_embeddings
    weight = _t.randn(num_embeddings, embedding_dim)
    if padding_idx is not None:
        weight = weight.masked_fill((_t.arange(num_embeddings) == padding_idx).unsqueeze(1), 0.0)
    return padding_idx, Parameter(weight)


class Embedding(Module):
    """A lookup table [num_embeddings, embedding_dim], initialized N(0, 1) as PyTorch does; the
    `padding_idx` row (negative counts from the end) starts at zero and gets no gradient."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: Optional[int] = None):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx, self.weight = _table(num_embeddings, embedding_dim, padding_idx)

    def forward(self, input: _t.Tensor) -> _t.Tensor:  # noqa: A002 - PyTorch's name
        return F.embedding(input, self.weight, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings: _t.Tensor, freeze: bool = True, padding_idx: Optional[int] = None) -> "Embedding":
        """An Embedding whose weight is a copy of the 2-D `embeddings`, trained unless `freeze`."""
        if embeddings.ndim != 2:
            raise ValueError("Embeddings parameter is expected to be 2-dimensional")
        e = cls(embeddings.shape[0], embeddings.shape[1], padding_idx)
        e.weight = Parameter(embeddings.clone(), requires_grad=not freeze)
        return e

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


class EmbeddingBag(Module):
    """An embedding whose rows are summed, averaged or maxed per bag (nn.EmbeddingBag): forward(input,
    offsets=None, per_sample_weights=None) as F.embedding_bag. Initialized as Embedding."""

    def __init__(self, num_embeddings: int, embedding_dim: int, mode: str = "mean", include_last_offset: bool = False,
                 padding_idx: Optional[int] = None):
        super().__init__()
        self.num_embeddings, self.embedding_dim, self.mode = num_embeddings, embedding_dim, mode
        self.include_last_offset = include_last_offset
        self.padding_idx, self.weight = _table(num_embeddings, embedding_dim, padding_idx)

    def forward(self, input: _t.Tensor, offsets: Optional[_t.Tensor] = None,  # noqa: A002 - PyTorch's name
                per_sample_weights: Optional[_t.Tensor] = None) -> _t.Tensor:
        return F.embedding_bag(input, self.weight, offsets, self.mode, per_sample_weights, self.include_last_offset,
                               self.padding_idx)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}, mode='{self.mode}'"
