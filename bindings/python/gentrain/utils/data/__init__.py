"""gentrain.utils.data, as torch.utils.data."""
from .distributed import DistributedSampler

__all__ = ["DistributedSampler"]
