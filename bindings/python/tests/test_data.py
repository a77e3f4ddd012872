"""gentrain.utils.data and generators: PyTorch's documented behaviour of Dataset, TensorDataset,
samplers, DataLoader and default_collate; Generator and randperm."""
from collections import namedtuple

import numpy as np
import pytest

import gentrain
from gentrain.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, DistributedSampler, RandomSampler,
                                 SequentialSampler, Subset, TensorDataset, default_collate, random_split)


def test_generator_and_randperm():
    g = gentrain.Generator().manual_seed(3)
    assert g.initial_seed() == 3
    first = gentrain.randperm(20, generator=g).tolist()
    assert sorted(first) == list(range(20))
    g.manual_seed(3)
    assert gentrain.randperm(20, generator=g).tolist() == first
    assert gentrain.randperm(20, generator=g).tolist() != first   # the stream goes on
    assert gentrain.randperm(5, dtype=gentrain.float32).dtype == gentrain.float32
    assert gentrain.randperm(0).tolist() == []
    with pytest.raises(gentrain.DTypeError, match="cannot hold"):
        gentrain.randperm(300, dtype=gentrain.bfloat16)
    with pytest.raises(ValueError):
        gentrain.Generator(device="cuda")


def test_every_random_function_takes_a_generator():
    """generator= as PyTorch's: the same seed gives the same draws, whatever the default
    generator does in between; in-place fills of a leaf that requires grad are refused."""
    def draws(seed):
        g = gentrain.Generator().manual_seed(seed)
        out = [gentrain.rand(3, generator=g), gentrain.randn(2, 2, generator=g), gentrain.randint(0, 100, (4,), generator=g),
               gentrain.multinomial(gentrain.tensor([1.0, 2.0, 3.0]), 5, replacement=True, generator=g),
               gentrain.zeros(3).uniform_(-1, 1, generator=g), gentrain.zeros(3).normal_(2, 0.5, generator=g),
               gentrain.nn.init.xavier_uniform_(gentrain.zeros(2, 3), generator=g),
               gentrain.nn.init.kaiming_normal_(gentrain.zeros(2, 3), generator=g)]
        gentrain.rand(10)   # the default generator moves on
        return [t.tolist() for t in out]

    assert draws(5) == draws(5) and draws(5) != draws(6)
    w = gentrain.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place operation"):
        w.normal_()
    with gentrain.no_grad():
        assert w.uniform_(2, 3).min().item() >= 2
    with pytest.raises(TypeError, match="generator"):
        gentrain.randn(2, generator=3)


def test_tensor_dataset_subset_concat_and_random_split():
    x, y = gentrain.arange(10).float().reshape(5, 2), gentrain.arange(5)
    data = TensorDataset(x, y)
    assert len(data) == 5
    xi, yi = data[3]
    assert xi.tolist() == [6.0, 7.0] and yi.item() == 3
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(x, gentrain.arange(4))
    sub = Subset(data, [4, 0])
    assert len(sub) == 2 and sub[0][1].item() == 4
    both = ConcatDataset([data, sub])
    assert len(both) == 7 and both[5][1].item() == 4 and both[-1][1].item() == 0
    parts = random_split(data, [3, 2], generator=gentrain.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [3, 2]
    assert sorted(p[i][1].item() for p in parts for i in range(len(p))) == [0, 1, 2, 3, 4]
    assert [len(p) for p in random_split(range(10), [0.5, 0.3, 0.2])] == [5, 3, 2]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(data, [2, 2])


def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = gentrain.Generator().manual_seed(5)
    order = list(RandomSampler(range(10), generator=g))
    assert sorted(order) == list(range(10))
    assert len(list(RandomSampler(range(4), num_samples=10, generator=g))) == 10
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(drawn) == 50 and set(drawn) <= {0, 1, 2}
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(range(3), num_samples=0)
    assert list(BatchSampler(range(7), 3, drop_last=False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(7), 0, False)


def test_default_collate():
    t = default_collate([gentrain.tensor([1.0, 2.0]), gentrain.tensor([3.0, 4.0])])
    assert t.shape == (2, 2)
    assert default_collate([1, 2, 3]).tolist() == [1, 2, 3]
    assert default_collate([np.zeros(2, np.float32), np.ones(2, np.float32)]).shape == (2, 2)
    d = default_collate([{"x": 1.0, "name": "a"}, {"x": 2.0, "name": "b"}])
    assert d["x"].tolist() == [1.0, 2.0] and d["name"] == ["a", "b"]
    pair = default_collate([(gentrain.tensor([1.0]), 0), (gentrain.tensor([2.0]), 1)])
    assert isinstance(pair, tuple) and pair[0].shape == (2, 1) and pair[1].tolist() == [0, 1]
    Point = namedtuple("Point", "x y")
    p = default_collate([Point(1, 2), Point(3, 4)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3]
    with pytest.raises(TypeError):
        default_collate([object()])


def test_data_loader_batches_shuffle_drop_last_and_workers():
    data = TensorDataset(gentrain.arange(10).float(), gentrain.arange(10))
    batches = list(DataLoader(data, batch_size=4))
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(DataLoader(data, batch_size=4)) == 3 and len(DataLoader(data, batch_size=4, drop_last=True)) == 2
    assert [b[1].tolist() for b in DataLoader(data, batch_size=4, drop_last=True)] == [[0, 1, 2, 3], [4, 5, 6, 7]]

    def shuffled(seed):
        loader = DataLoader(data, batch_size=3, shuffle=True, generator=gentrain.Generator().manual_seed(seed))
        return [i for b in loader for i in b[1].tolist()]

    assert sorted(shuffled(1)) == list(range(10)) and shuffled(1) == shuffled(1) and shuffled(1) != shuffled(2)
    gentrain.manual_seed(0)
    a = [i for b in DataLoader(data, batch_size=5, shuffle=True) for i in b[1].tolist()]
    gentrain.manual_seed(0)
    assert a == [i for b in DataLoader(data, batch_size=5, shuffle=True) for i in b[1].tolist()]

    # Worker threads: the same batches, in order.
    plain = [b[1].tolist() for b in DataLoader(data, batch_size=2)]
    assert [b[1].tolist() for b in DataLoader(data, batch_size=2, num_workers=3)] == plain
    # No batching, a custom collate, a distributed sampler.
    assert [x.item() for x, _ in DataLoader(data, batch_size=None)][:3] == [0.0, 1.0, 2.0]
    assert list(DataLoader(range(5), batch_size=2, collate_fn=lambda b: sum(b))) == [1, 5, 4]
    sampler = DistributedSampler(data, num_replicas=2, rank=1, shuffle=False)
    assert [b[1].tolist() for b in DataLoader(data, batch_size=2, sampler=sampler)] == [[1, 3], [5, 7], [9]]
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(data, sampler=sampler, shuffle=True)


def test_data_loader_worker_errors_are_raised_in_order():
    class Flaky(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            if i == 3:
                raise KeyError("item 3 is missing")
            return gentrain.tensor([float(i)])

    seen = []
    with pytest.raises(KeyError, match="item 3 is missing"):
        for b in DataLoader(Flaky(), batch_size=2, num_workers=2):
            seen.append(b.shape[0])
    assert seen == [2]   # the first batch came out; the second holds item 3
