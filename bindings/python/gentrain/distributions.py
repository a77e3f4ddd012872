"""gentrain.distributions: the distributions generative training reaches for first, as
torch.distributions — Categorical (REINFORCE: sample, log_prob, entropy), Bernoulli (binary
actions and masks), Normal (the VAE: rsample, log_prob, entropy), Uniform — and kl_divergence
between Normals. Built on the engine's differentiable ops; samples come from the default
generator (gentrain.manual_seed)."""
import math
from typing import Sequence

from . import generative
from .grad_mode import no_grad
from .nn import functional as F
from .tensor import Tensor, rand, randn, stack, tensor

__all__ = ["Bernoulli", "Categorical", "Distribution", "Independent", "MultivariateNormal", "Normal", "Uniform",
           "kl_divergence"]


def _size(sample_shape) -> tuple:
    return tuple(int(n) for n in sample_shape)


def _as_tensor(value) -> Tensor:
    """A number as a 0-d tensor; a tensor as it is."""
    return value if isinstance(value, Tensor) else tensor(float(value))


def _broadcast_all(a, b):
    """Both parameters as tensors of their broadcast shape, and that shape (PyTorch's broadcast_all)."""
    a, b = _as_tensor(a), _as_tensor(b)
    shape = tuple((a + b).shape)
    return a.expand(*shape), b.expand(*shape), shape


class Distribution:
    """The interface: batch_shape, sample, log_prob, entropy."""

    has_rsample = False

    def sample(self, sample_shape: Sequence[int] = ()):
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape: Sequence[int] = ()):
        raise NotImplementedError(f"{type(self).__name__} has no reparameterized sample")


class Categorical(Distribution):
    """A distribution over the last dimension's K classes, from `probs` (non-negative, normalized
    here) or `logits` (unnormalized log-probabilities)."""

    def __init__(self, probs: Tensor = None, logits: Tensor = None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.probs = probs / probs.sum(-1, keepdim=True)
            self.logits = self.probs.clamp(min=_tiny(probs.dtype)).log()
        else:
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
            self.probs = self.logits.softmax(-1)
        self.batch_shape = tuple(self.logits.shape[:-1])
        self.num_events = self.logits.shape[-1]

    def sample(self, sample_shape: Sequence[int] = ()):
        """int64 class indices of shape sample_shape + batch_shape."""
        shape = _size(sample_shape)
        flat = self.logits.detach().reshape(-1, self.num_events)
        count = math.prod(shape)
        draws = [generative.sample(flat) for _ in range(count)] if count else []
        out = stack(draws) if draws else tensor([]).long()
        return out.reshape(*shape, *self.batch_shape)

    def log_prob(self, value: Tensor) -> Tensor:
        """log p(value), differentiable in the logits; value holds class indices."""
        value = value.long()
        logits = self.logits.expand(*value.shape, self.num_events) if value.ndim > len(self.batch_shape) else self.logits
        return logits.gather(-1, value.unsqueeze(-1)).squeeze(-1)

    def entropy(self) -> Tensor:
        # As PyTorch: log-probabilities clamped to the dtype's smallest value, so p = 0 adds 0.
        return -(self.logits.clamp(min=_lowest(self.logits.dtype)) * self.probs).sum(-1)

    @property
    def mean(self):
        raise NotImplementedError("Categorical has no mean")

    def __repr__(self):
        return f"Categorical(logits: {list(self.logits.shape)})"


class Bernoulli(Distribution):
    """1 with probability `probs` (or sigmoid(`logits`)), else 0, elementwise; samples are floats,
    as PyTorch's."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.probs = _as_tensor(probs)
            eps = _epsilon(self.probs.dtype)   # PyTorch's probs_to_logits: clamped, then log p - log(1 - p)
            p = self.probs.clamp(min=eps, max=1 - eps)
            self.logits = p.log() - (-p).log1p()
        else:
            self.logits = _as_tensor(logits)
            self.probs = self.logits.sigmoid()
        self.batch_shape = tuple(self.logits.shape)

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Sequence[int] = ()):
        with no_grad():
            shape = (*_size(sample_shape), *self.batch_shape)
            u = rand(*shape, dtype=self.probs.dtype)
            return (u < self.probs.expand(*shape)).to(self.probs.dtype)

    def log_prob(self, value) -> Tensor:
        """value log p + (1 - value) log(1 - p), from the logits (no log of 0)."""
        value = _as_tensor(value)
        logits = self.logits.expand(*(value + self.logits).shape)
        return -F.binary_cross_entropy_with_logits(logits, value.to(logits.dtype).expand(*logits.shape), reduction="none")

    def entropy(self) -> Tensor:
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def __repr__(self):
        return f"Bernoulli(probs: {list(self.probs.shape)})"


class Uniform(Distribution):
    """Uniform on [low, high), elementwise; `low` and `high` broadcast (numbers or tensors)."""

    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low, self.high, self.batch_shape = _broadcast_all(low, high)

    @property
    def mean(self):
        return (self.low + self.high) / 2

    @property
    def variance(self):
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape: Sequence[int] = ()):
        """low + (high - low) · u with u ~ U[0, 1): differentiable in low and high."""
        u = rand(*_size(sample_shape), *self.batch_shape, dtype=self.low.dtype)
        return self.low + (self.high - self.low) * u

    def log_prob(self, value) -> Tensor:
        """-log(high - low) inside [low, high), -inf outside."""
        value = _as_tensor(value)
        inside = (self.low <= value).to(self.low.dtype) * (value < self.high).to(self.low.dtype)
        return inside.log() - (self.high - self.low).log()

    def entropy(self) -> Tensor:
        return (self.high - self.low).log()

    def __repr__(self):
        return f"Uniform(low: {list(self.low.shape)}, high: {list(self.high.shape)})"


class Normal(Distribution):
    """N(loc, scale²), elementwise; `loc` and `scale` broadcast (numbers or tensors)."""

    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale, self.batch_shape = _broadcast_all(loc, scale)

    @property
    def mean(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale * self.scale

    def rsample(self, sample_shape: Sequence[int] = ()):
        """loc + scale · ε with ε ~ N(0, 1): differentiable in loc and scale (the
        reparameterization trick)."""
        eps = randn(*_size(sample_shape), *self.batch_shape, dtype=self.loc.dtype)
        return self.loc + self.scale * eps

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value)
        return -((value - self.loc) ** 2) / (2 * self.variance) - self.scale.log() - 0.5 * math.log(2 * math.pi)

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()

    def __repr__(self):
        return f"Normal(loc: {list(self.loc.shape)}, scale: {list(self.scale.shape)})"


class MultivariateNormal(Distribution):
    """N(loc, Σ) over the last dim, Σ given as `covariance_matrix` (factored by Cholesky) or as its lower
    Cholesky factor `scale_tril`; batch dims of both broadcast."""

    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        if (covariance_matrix is None) + (precision_matrix is None) + (scale_tril is None) != 2:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        if precision_matrix is not None:
            covariance_matrix = precision_matrix.inverse()
        from . import linalg
        self.scale_tril = scale_tril if scale_tril is not None else linalg.cholesky(covariance_matrix)
        self.loc = _as_tensor(loc)
        k = self.loc.shape[-1]
        batch = tuple((self.loc.unsqueeze(-1) + self.scale_tril[..., :1]).shape[:-2])
        self.batch_shape, self.event_shape = batch, (k,)

    @property
    def mean(self):
        return self.loc.expand(*self.batch_shape, *self.event_shape)

    @property
    def covariance_matrix(self):
        return self.scale_tril @ self.scale_tril.mT

    @property
    def variance(self):
        return (self.scale_tril ** 2).sum(-1).expand(*self.batch_shape, *self.event_shape)

    def rsample(self, sample_shape: Sequence[int] = ()):
        """loc + L ε with ε ~ N(0, I): differentiable in loc and the scale."""
        eps = randn(*_size(sample_shape), *self.batch_shape, *self.event_shape, dtype=self.loc.dtype)
        return self.loc + (self.scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self):
        return self.scale_tril.diagonal(0, -2, -1).log().sum(-1)

    def log_prob(self, value) -> Tensor:
        from . import linalg
        diff = _as_tensor(value) - self.loc
        shape = tuple((diff.unsqueeze(-1) + self.scale_tril[..., :1]).shape[:-1])
        m = linalg.solve(self.scale_tril.expand(*shape[:-1], *self.scale_tril.shape[-2:]), diff.expand(*shape))
        k = self.event_shape[0]
        return -0.5 * (k * math.log(2 * math.pi) + (m * m).sum(-1)) - self._half_log_det()

    def entropy(self) -> Tensor:
        k = self.event_shape[0]
        return (0.5 * k * (1.0 + math.log(2 * math.pi)) + self._half_log_det()).expand(*self.batch_shape)

    def __repr__(self):
        return f"MultivariateNormal(loc: {list(self.loc.shape)}, scale_tril: {list(self.scale_tril.shape)})"


class Independent(Distribution):
    """`base` with its last `reinterpreted_batch_ndims` batch dims read as one event: log_prob and
    entropy summed over them (a diagonal Gaussian over a vector: Independent(Normal(mu, sigma), 1))."""

    def __init__(self, base_distribution: Distribution, reinterpreted_batch_ndims: int, validate_args=None):
        self.base_dist, self.reinterpreted_batch_ndims = base_distribution, int(reinterpreted_batch_ndims)

    def _sum(self, t: Tensor) -> Tensor:
        k = self.reinterpreted_batch_ndims
        return t.sum(list(range(t.ndim - k, t.ndim))) if k else t

    @property
    def mean(self):
        return self.base_dist.mean

    @property
    def variance(self):
        return self.base_dist.variance

    def sample(self, sample_shape: Sequence[int] = ()):
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: Sequence[int] = ()):
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value) -> Tensor:
        return self._sum(self.base_dist.log_prob(value))

    def entropy(self) -> Tensor:
        return self._sum(self.base_dist.entropy())

    def __repr__(self):
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q) for two Normals (elementwise), two Categoricals (over the classes), or two Independents of those."""
    if isinstance(p, Normal) and isinstance(q, Normal):
        ratio = p.scale / q.scale
        return 0.5 * (ratio * ratio + ((p.loc - q.loc) / q.scale) ** 2 - 1) - ratio.log()
    if isinstance(p, Categorical) and isinstance(q, Categorical):
        return (p.probs * (p.logits - q.logits)).sum(-1)
    if isinstance(p, Independent) and isinstance(q, Independent) and p.reinterpreted_batch_ndims == q.reinterpreted_batch_ndims:
        return p._sum(kl_divergence(p.base_dist, q.base_dist))
    raise NotImplementedError(f"kl_divergence is not implemented for {type(p).__name__} and {type(q).__name__}")


def _tiny(dtype):
    return {"float64": 2.2250738585072014e-308, "float16": 6.103515625e-05}.get(dtype.name, 1.1754943508222875e-38)


def _lowest(dtype):
    return {"float64": -1.7976931348623157e308, "float16": -65504.0}.get(dtype.name, -3.4028234663852886e38)


def _epsilon(dtype):
    """The dtype's machine epsilon (torch.finfo(dtype).eps)."""
    return {"float64": 2.220446049250313e-16, "float16": 0.0009765625, "bfloat16": 0.0078125}.get(dtype.name, 1.1920928955078125e-07)
