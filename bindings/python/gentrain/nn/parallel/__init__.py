"""gentrain.nn.parallel: DistributedDataParallel (ranks of a process group) and DataParallel
(worker threads of this process), as torch.nn.parallel."""
from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
