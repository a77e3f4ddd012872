"""gentrain.linalg: PyTorch's torch.linalg norms, on the engine's norm and matmul."""
import builtins
import math

from .tensor import Tensor

__all__ = ["vector_norm", "matrix_norm", "norm"]


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
