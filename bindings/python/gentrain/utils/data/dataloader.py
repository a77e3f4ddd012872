"""DataLoader: batches of a data set as gentrain tensors (torch.utils.data.DataLoader)."""
import collections.abc
import queue
import threading
from typing import Any, Callable, Iterator, List, Optional

import numpy as np

from ...tensor import Tensor, stack, tensor
from .sampler import BatchSampler, RandomSampler, SequentialSampler


def default_collate(batch: List[Any]):
    """Stacks a list of items into a batch, as PyTorch's: tensors are stacked along a new first
    dimension, numbers and numpy arrays become tensors, tuples, lists and dicts are collated
    field by field, strings are kept as lists."""
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(batch, 0)
    if isinstance(first, np.ndarray):
        return tensor(np.stack(batch))
    if isinstance(first, (bool, int, float, np.number)):
        return tensor(np.array(batch))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, collections.abc.Mapping):
        return {key: default_collate([item[key] for item in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):   # a namedtuple
        return type(first)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        if any(len(item) != len(first) for item in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        collated = [default_collate(list(field)) for field in zip(*batch)]
        return tuple(collated) if isinstance(first, tuple) else collated
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {type(first)}")


class DataLoader:
    """Iterates over `dataset` in batches: `batch_size` items (None: one item at a time, not
    collated), in order or shuffled (`shuffle`, from `generator`), the last short batch dropped
    with `drop_last`, or in the order a `sampler` / `batch_sampler` gives (a DistributedSampler
    for DDP); each batch made by `collate_fn` (default: `default_collate`, giving gentrain
    tensors). `num_workers > 0` reads and collates batches ahead on that many threads (in
    order); the data set must then allow reading from several threads."""

    def __init__(self, dataset, batch_size: Optional[int] = 1, shuffle: Optional[bool] = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn: Optional[Callable] = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 generator=None, prefetch_factor: Optional[int] = None, persistent_workers: bool = False):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
            raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler, self.num_workers = sampler, batch_sampler, num_workers
        self.generator, self.worker_init_fn = generator, worker_init_fn
        self.prefetch_factor = prefetch_factor if prefetch_factor is not None else 2
        self.collate_fn = collate_fn if collate_fn is not None else (default_collate if batch_sampler is not None else (lambda x: x))

    def _fetch(self, indices):
        if self.batch_sampler is None:
            return self.collate_fn(self.dataset[indices])
        return self.collate_fn([self.dataset[i] for i in indices])

    def _index_stream(self):
        return iter(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self) -> Iterator[Any]:
        if self.num_workers == 0:
            for indices in self._index_stream():
                yield self._fetch(indices)
            return
        yield from self._threaded()

    def _threaded(self):
        """Batches read by `num_workers` threads, at most num_workers * prefetch_factor ahead, in
        the sampler's order; a worker's exception is raised where its batch is due."""
        pending: "queue.Queue" = queue.Queue()
        slots = threading.Semaphore(self.num_workers * self.prefetch_factor)
        results, lock, stop = {}, threading.Condition(), threading.Event()
        for k, indices in enumerate(self._index_stream()):
            pending.put((k, indices))
        total = pending.qsize()

        def work(worker_id):
            if self.worker_init_fn is not None:
                self.worker_init_fn(worker_id)
            while True:
                slots.acquire()   # before taking a batch: the batches in hand are always the next ones due
                if stop.is_set():
                    return
                try:
                    k, indices = pending.get_nowait()
                except queue.Empty:
                    return
                try:
                    value = (True, self._fetch(indices))
                except BaseException as e:  # noqa: BLE001 - raised in the consumer
                    value = (False, e)
                with lock:
                    results[k] = value
                    lock.notify_all()

        threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(self.num_workers)]
        for t in threads:
            t.start()
        try:
            for k in range(total):
                with lock:
                    while k not in results:
                        lock.wait()
                    ok, value = results.pop(k)
                slots.release()
                if not ok:
                    raise value
                yield value
        finally:
            stop.set()
            for _ in threads:
                slots.release()

    def __len__(self) -> int:
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)
