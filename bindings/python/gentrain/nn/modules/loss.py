"""Losses as modules (PyTorch's nn.*Loss), each forwarding to its function in nn.functional."""
from typing import Optional

from ... import tensor as _t
from .. import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """Cross-entropy of logits and class indices (or probabilities)."""

    def __init__(self, weight: Optional[_t.Tensor] = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(reduction)
        self.weight, self.ignore_index, self.label_smoothing = weight, ignore_index, label_smoothing

    def forward(self, input: _t.Tensor, target: _t.Tensor) -> _t.Tensor:  # noqa: A002 - PyTorch's name
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)


class NLLLoss(_Loss):
    """The negative log-likelihood of log-probabilities at class indices."""

    def __init__(self, weight: Optional[_t.Tensor] = None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input: _t.Tensor, target: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class MSELoss(_Loss):
    """(input − target)², reduced."""

    def forward(self, input: _t.Tensor, target: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """|input − target|, reduced."""

    def forward(self, input: _t.Tensor, target: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """0.5 d²/beta where |d| < beta, else |d| − 0.5 beta."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: _t.Tensor, target: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    """0.5 d² where |d| < delta, else delta (|d| − 0.5 delta)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: _t.Tensor, target: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.huber_loss(input, target, self.reduction, self.delta)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities."""

    def __init__(self, weight: Optional[_t.Tensor] = None, reduction: str = "mean"):
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: _t.Tensor, target: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits, stable for any |x|."""

    def __init__(self, weight: Optional[_t.Tensor] = None, reduction: str = "mean",
                 pos_weight: Optional[_t.Tensor] = None):
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input: _t.Tensor, target: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)


class KLDivLoss(_Loss):
    """KL divergence with `input` as log-probabilities ("batchmean" is the true mean)."""

    def __init__(self, reduction: str = "mean", log_target: bool = False):
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: _t.Tensor, target: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.kl_div(input, target, self.reduction, self.log_target)


class GaussianNLLLoss(_Loss):
    """The Gaussian negative log-likelihood with predicted variances."""

    def __init__(self, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input: _t.Tensor, target: _t.Tensor, var) -> _t.Tensor:  # noqa: A002
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class CosineEmbeddingLoss(_Loss):
    """1 − cos where y is 1, max(0, cos − margin) where y is −1."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1: _t.Tensor, input2: _t.Tensor, target: _t.Tensor) -> _t.Tensor:
        return F.cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class TripletMarginLoss(_Loss):
    """max(0, margin + d(anchor, positive) − d(anchor, negative)) with pairwise p-distances."""

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False, reduction: str = "mean"):
        super().__init__(reduction)
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: _t.Tensor, positive: _t.Tensor, negative: _t.Tensor) -> _t.Tensor:
        return F.triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps, self.swap, self.reduction)


class MarginRankingLoss(_Loss):
    """max(0, −y · (x1 − x2) + margin)."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1: _t.Tensor, input2: _t.Tensor, target: _t.Tensor) -> _t.Tensor:
        return F.margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class HingeEmbeddingLoss(_Loss):
    """x where y is 1, max(0, margin − x) where y is −1."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input: _t.Tensor, target: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.hinge_embedding_loss(input, target, self.margin, self.reduction)


class SoftMarginLoss(_Loss):
    """log(1 + exp(−y · x))."""

    def forward(self, input: _t.Tensor, target: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.soft_margin_loss(input, target, self.reduction)


class MultiLabelSoftMarginLoss(_Loss):
    """Binary cross-entropy on logits per class, averaged over the classes."""

    def __init__(self, weight: Optional[_t.Tensor] = None, reduction: str = "mean"):
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: _t.Tensor, target: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.multilabel_soft_margin_loss(input, target, self.weight, self.reduction)


class PoissonNLLLoss(_Loss):
    """The Poisson negative log-likelihood of (log-)rates."""

    def __init__(self, log_input: bool = True, full: bool = False, eps: float = 1e-8, reduction: str = "mean"):
        super().__init__(reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: _t.Tensor, target: _t.Tensor) -> _t.Tensor:
        return F.poisson_nll_loss(log_input, target, self.log_input, self.full, self.eps, self.reduction)


class MultiMarginLoss(_Loss):
    """The multi-class hinge loss, p 1 or 2."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Optional[_t.Tensor] = None, reduction: str = "mean"):
        super().__init__(reduction)
        self.p, self.margin, self.weight = p, margin, weight

    def forward(self, input: _t.Tensor, target: _t.Tensor) -> _t.Tensor:  # noqa: A002
        return F.multi_margin_loss(input, target, self.p, self.margin, self.weight, self.reduction)
