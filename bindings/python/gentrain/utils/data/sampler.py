"""Samplers: the order in which a DataLoader reads a data set (torch.utils.data samplers)."""
from typing import Iterator, List, Optional

from ...tensor import Generator, randint, randperm


class Sampler:
    """Yields indices of a data set; `len` is how many."""

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation each epoch (or `num_samples` draws with replacement), from
    `generator`; without one, each epoch's stream is seeded from the default generator, so
    `gentrain.manual_seed` makes the order repeatable."""

    def __init__(self, data_source, replacement: bool = False, num_samples: Optional[int] = None,
                 generator: Optional[Generator] = None):
        self.data_source, self.replacement, self._num_samples, self.generator = data_source, replacement, num_samples, generator
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        if self.replacement:
            if self.generator is not None:
                raise NotImplementedError("RandomSampler: sampling with replacement from a given generator is not supported yet; "
                                          "without generator= it draws from the default generator")
            yield from randint(0, n, (self.num_samples,)).tolist()
            return
        generator = self.generator
        if generator is None:   # a stream for this epoch, seeded from the default generator
            generator = Generator().manual_seed(int(randint(0, 2 ** 62, ()).item()))
        for _ in range(self.num_samples // n):
            yield from randperm(n, generator=generator).tolist()
        yield from randperm(n, generator=generator).tolist()[:self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of `batch_size` (the last one shorter unless
    `drop_last`)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self) -> Iterator[List[int]]:
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else (n + self.batch_size - 1) // self.batch_size
