"""gentrain.special: PyTorch's torch.special names for the engine's functions."""
import math

from .tensor import Tensor, where

__all__ = ["expit", "logit", "erf", "erfc", "erfinv", "xlogy", "xlog1py", "entr", "log1p", "expm1", "exp2", "sinc",
           "digamma", "psi", "gammaln", "polygamma", "logsumexp", "softmax", "log_softmax", "ndtr", "round"]


def expit(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's names
    """1 / (1 + exp(-x)), the logistic sigmoid."""
    return input.sigmoid()


def logit(input: Tensor, eps=None) -> Tensor:  # noqa: A002
    return input.logit(eps)


def erf(input: Tensor) -> Tensor:  # noqa: A002
    return input.erf()


def erfc(input: Tensor) -> Tensor:  # noqa: A002
    return input.erfc()


def erfinv(input: Tensor) -> Tensor:  # noqa: A002
    return input.erfinv()


def xlogy(input, other):  # noqa: A002
    """x · log(y), 0 where x is 0."""
    return input.xlogy(other)


def xlog1py(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """x · log1p(y), 0 where x is 0."""
    return where(input == 0, input * 0, input * other.log1p())


def entr(input: Tensor) -> Tensor:  # noqa: A002
    """-x · log(x) elementwise: 0 at 0, -inf below 0."""
    return where(input > 0, -input.xlogy(input), where(input == 0, input * 0, input * 0 - math.inf))


def log1p(input: Tensor) -> Tensor:  # noqa: A002
    return input.log1p()


def expm1(input: Tensor) -> Tensor:  # noqa: A002
    return input.expm1()


def exp2(input: Tensor) -> Tensor:  # noqa: A002
    return input.exp2()


def sinc(input: Tensor) -> Tensor:  # noqa: A002
    return input.sinc()


def digamma(input: Tensor) -> Tensor:  # noqa: A002
    return input.digamma()


psi = digamma


def gammaln(input: Tensor) -> Tensor:  # noqa: A002
    return input.lgamma()


def polygamma(n: int, input: Tensor) -> Tensor:  # noqa: A002
    return input.polygamma(n)


def logsumexp(input: Tensor, dim, keepdim=False) -> Tensor:  # noqa: A002
    return input.logsumexp(dim, keepdim)


def softmax(input: Tensor, dim, dtype=None) -> Tensor:  # noqa: A002
    return input.softmax(dim, dtype=dtype)


def log_softmax(input: Tensor, dim, dtype=None) -> Tensor:  # noqa: A002
    return input.log_softmax(dim, dtype=dtype)


def ndtr(input: Tensor) -> Tensor:  # noqa: A002
    """The standard normal CDF, (1 + erf(x / √2)) / 2."""
    return ((input * (1 / math.sqrt(2))).erf() + 1) * 0.5


def round(input: Tensor, decimals=0) -> Tensor:  # noqa: A001, A002
    """Rounded half to even, to `decimals` places (negative: tens, hundreds, ...)."""
    if not decimals:
        return input.round()
    scale = 10.0 ** decimals
    return (input * scale).round() / scale
