"""gentrain.utils, as torch.utils."""
from . import data, dlpack

__all__ = ["data", "dlpack"]
