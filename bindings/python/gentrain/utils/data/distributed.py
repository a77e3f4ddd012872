"""DistributedSampler: the part of a data set each rank reads."""
from ctypes import byref, c_size_t
from typing import Iterator, Optional

import numpy as np

from ... import _ffi
from ..._lib import check, lib


class DistributedSampler:
    """torch.utils.data.DistributedSampler: each of ``num_replicas`` ranks reads ``len(self)``
    indices per epoch; together they cover the data set once (padded with its first indices so
    that every rank gets as many, or cut with ``drop_last``). With ``shuffle``, the order is a
    permutation seeded by ``seed + epoch``, the same on every rank: call ``set_epoch`` before each
    epoch. ``num_replicas`` and ``rank`` default to the default process group's. The permutation
    comes from gentrain's generator, so it differs from PyTorch's for the same seed."""

    def __init__(self, dataset, num_replicas: Optional[int] = None, rank: Optional[int] = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False):
        if num_replicas is None or rank is None:
            from ... import distributed as dist
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, seed, drop_last, 0
        self.num_samples = self._count()
        self.total_size = self.num_samples * self.num_replicas

    def _options(self):
        o = _ffi.DistributedSamplerOptions()
        lib.gentrain_distributed_sampler_options_default(byref(o))
        o.dataset_size, o.num_replicas, o.rank = len(self.dataset), self.num_replicas, self.rank
        o.shuffle, o.seed, o.epoch, o.drop_last = self.shuffle, self.seed, self.epoch, self.drop_last
        return o

    def _count(self) -> int:
        n = c_size_t()
        check(lib.gentrain_distributed_sampler_indices(None, 0, byref(n), byref(self._options())))
        return n.value

    def __iter__(self) -> Iterator[int]:
        out = np.empty(self.num_samples, dtype=np.int64)
        n = c_size_t()
        check(lib.gentrain_distributed_sampler_indices(out.ctypes.data, out.size, byref(n), byref(self._options())))
        return iter(out[:n.value].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
