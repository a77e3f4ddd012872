"""gentrain.linalg: PyTorch's torch.linalg norms (on the engine's norm and matmul), and the
determinants, inverses and solves of square matrices (on LAPACK's LU factorization)."""
import builtins
import math

from ._lib import fn, lib
from .tensor import Tensor

__all__ = ["vector_norm", "matrix_norm", "norm", "det", "slogdet", "inv", "solve", "cholesky"]


def det(A: Tensor) -> Tensor:  # noqa: N803 - PyTorch's names
    """The determinant of each square matrix in the last two dims (torch.linalg.det)."""
    return A.det()


def slogdet(A: Tensor):  # noqa: N803
    """(sign, logabsdet) of each square matrix's determinant (torch.linalg.slogdet)."""
    return A.slogdet()


def inv(A: Tensor) -> Tensor:  # noqa: N803
    """The inverse of each square matrix in the last two dims (torch.linalg.inv); singular: an error."""
    return A.inverse()


def solve(A: Tensor, B: Tensor, *, left=True) -> Tensor:  # noqa: N803
    """X with A X = B (left=True), or X A = B (left=False), for square matrices A; batch dims broadcast
    (torch.linalg.solve)."""
    if not left:   # X A = B  <=>  Aᵀ Xᵀ = Bᵀ (a vector x: Aᵀ x = b)
        vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
        return solve(A.mT, B) if vector else solve(A.mT, B.mT).mT
    return Tensor._tensor_op(fn.gentrain_linalg_solve, A, B)


def vector_norm(x: Tensor, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002 - PyTorch's names
    """The ord-norm of x over `dim` (None: every element) as a vector: ord 2, 1, inf, -inf, 0 or any p > 0."""
    x = x if dtype is None else x.to(dtype)
    if ord == -math.inf:
        return x.abs().amin(dim, keepdim)
    if ord == 0:
        return (x != 0).to(x.dtype).sum(dim, keepdim)
    return x.norm(builtins.float(ord), dim, keepdim)


def matrix_norm(x: Tensor, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """The Frobenius norm of the matrices in `dim` (ord "fro"); other orders need singular values."""
    if ord != "fro":
        raise NotImplementedError(f"matrix_norm: gentrain computes the Frobenius norm only, got ord={ord!r}")
    return vector_norm(x, 2, dim, keepdim, dtype=dtype)


def norm(x: Tensor, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """torch.linalg.norm: the vector 2-norm of every element for ord None, else vector_norm over an int dim or
    matrix_norm over two dims."""
    if ord is None:
        return vector_norm(x, 2, dim, keepdim, dtype=dtype)
    if isinstance(dim, (tuple, list)) and len(dim) == 2 or dim is None and x.ndim == 2:
        return matrix_norm(x, ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    return vector_norm(x, ord, dim, keepdim, dtype=dtype)


def cholesky(A: Tensor, *, upper=False) -> Tensor:  # noqa: N803
    """L with A = L Lᵀ for symmetric positive-definite matrices (torch.linalg.cholesky); Lᵀ with `upper`."""
    return A._op(lib.gentrain_linalg_cholesky, A._h, bool(upper))
