"""PyTorch's torch.backends: what the engine runs on."""
from . import cpu

__all__ = ["cpu"]
