"""Datasets: anything with __getitem__ and __len__ (torch.utils.data.Dataset)."""
from typing import Sequence

from ...tensor import Tensor


class Dataset:
    """A map-style data set: `dataset[i]` for i in range(len(dataset)). Subclass it and define
    `__getitem__` and `__len__`."""

    def __getitem__(self, index):
        raise NotImplementedError("subclasses of Dataset define __getitem__")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Rows of tensors of one length: item i is (t[i] for t in tensors)."""

    def __init__(self, *tensors: Tensor):
        if not tensors or any(t.shape[0] != tensors[0].shape[0] for t in tensors):
            raise ValueError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The items of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices: Sequence[int]):
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index):
        if isinstance(index, list):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The items of several data sets, one after another."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        self.cumulative_sizes, total = [], 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        for d, end in zip(self.datasets, self.cumulative_sizes):
            if index < end:
                return d[index - (end - len(d))]
        raise IndexError(f"index {index} is out of range for a dataset of {len(self)} items")


def random_split(dataset, lengths, generator=None):
    """Splits `dataset` into non-overlapping subsets of the given lengths (or fractions summing
    to 1), by a random permutation from `generator` (default: the default generator)."""
    from ...tensor import randperm
    n = len(dataset)
    if all(0 <= x <= 1 for x in lengths) and abs(sum(lengths) - 1) < 1e-9 and sum(lengths) != n:
        counts = [int(n * f) for f in lengths]
        for i in range(n - sum(counts)):   # the remainder, one each, round-robin
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = randperm(n, generator=generator).tolist()
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, order[start:start + length]))
        start += length
    return out
