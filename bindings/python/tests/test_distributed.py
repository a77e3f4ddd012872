"""gentrain.distributed, DistributedDataParallel, DataParallel and DistributedSampler: against one
process training on the whole batch, with the threads backend, a host's own collectives, and
(under mpirun) MPI."""
import os
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest

import gentrain
import gentrain.distributed as dist
from gentrain import nn
from gentrain.nn.parallel import DistributedDataParallel
from gentrain.utils.data import DistributedSampler

HERE = os.path.dirname(os.path.abspath(__file__))


def make_model(seed, batch_norm=False):
    gentrain.manual_seed(seed)
    layers = [nn.Linear(6, 8)] + ([nn.BatchNorm1d(8)] if batch_norm else []) + [nn.Tanh(), nn.Linear(8, 3)]
    return nn.Sequential(*layers)


def batch(step):
    rows = np.arange(16 * 6, dtype=np.float32).reshape(16, 6)
    x = np.sin(0.37 * rows + step).astype(np.float32)
    y = np.cos(0.53 * np.arange(16 * 3, dtype=np.float32).reshape(16, 3) - step).astype(np.float32)
    return gentrain.tensor(x), gentrain.tensor(y)


def train(model, steps, rows=slice(0, 16), opt=None, first=0):
    opt = opt or gentrain.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for s in range(first, first + steps):
        x, y = batch(s)
        opt.zero_grad()
        nn.functional.mse_loss(model(x[rows]), y[rows]).backward()
        opt.step()
    return [p.detach().numpy().copy() for p in model.parameters()]


def test_collectives_on_threads():
    def rank_fn(rank):
        assert dist.get_rank() == rank and dist.get_world_size() == 3 and dist.get_backend() == "threads"
        for dtype in (gentrain.float32, gentrain.float64, gentrain.bfloat16):
            t = gentrain.tensor([rank, 10.0 * rank + 1, -rank]).to(dtype)
            dist.all_reduce(t)
            assert t.float().tolist() == [3, 33, -3]
            a = gentrain.tensor([rank, 2.0 * rank]).to(dtype)
            dist.all_reduce(a, op=dist.ReduceOp.AVG)
            assert a.float().tolist() == [1, 2]
            m = gentrain.tensor([rank, -rank]).to(dtype)
            dist.all_reduce(m, op=dist.ReduceOp.MAX)
            assert m.float().tolist() == [2, 0]
        b = gentrain.tensor([rank + 5.0])
        dist.broadcast(b, src=2)
        assert b.tolist() == [7]
        parts = [gentrain.zeros(2) for _ in range(3)]
        dist.all_gather(parts, gentrain.tensor([rank, rank * rank]).float())
        assert [p.tolist() for p in parts] == [[0, 0], [1, 1], [2, 4]]
        out = gentrain.zeros(6)
        dist.all_gather_into_tensor(out, gentrain.tensor([rank, rank * rank]).float())
        assert out.tolist() == [0, 0, 1, 1, 2, 4]
        dist.barrier()

    dist.spawn(rank_fn, 3)
    assert not dist.is_initialized()


def test_checkpoint_saved_by_rank_0_and_loaded_by_every_rank(tmp_path):
    expected = train(make_model(7), 5)
    path = str(tmp_path / "run.ckpt")
    first = [make_model(7 + r) for r in range(2)]
    fresh = [make_model(30 + r) for r in range(2)]   # other weights: the checkpoint replaces them
    results = {}

    def rank_fn(rank):
        rows = slice(8 * rank, 8 * rank + 8)
        ddp = DistributedDataParallel(first[rank])
        opt = gentrain.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
        train(ddp, 3, rows, opt)
        if rank == 0:
            gentrain.Checkpoint(first[0], optimizers=[opt]).save(path)
        dist.barrier()
        model = fresh[rank]
        opt = gentrain.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        gentrain.Checkpoint(model, optimizers=[opt]).load(path)
        ddp = DistributedDataParallel(model)
        results[rank] = train(ddp, 2, rows, opt, first=3)   # the loaded optimizer: its momentum goes on

    dist.spawn(rank_fn, 2)
    for rank in (0, 1):
        for got, want in zip(results[rank], expected):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_separate_random_streams():
    gentrain.manual_seed(5)
    plain = gentrain.rand(4).tolist()

    def draws():
        out = {}

        def rank_fn(rank):
            gentrain.manual_seed(5)   # the rank thread's own default generator
            dist.separate_random_streams()
            out[rank] = gentrain.rand(4).tolist()

        dist.spawn(rank_fn, 3)
        return out

    first, second = draws(), draws()
    assert first == second and first[0] == plain
    assert first[1] != first[0] and first[2] != first[1]


def test_mismatched_shapes_fail_on_every_rank_and_a_failing_rank_ends_the_others_wait():
    messages = {}

    def mismatched(rank):
        try:
            dist.all_reduce(gentrain.zeros(4 + rank))
        except dist.DistributedError as e:
            messages[rank] = str(e)
            raise

    with pytest.raises(dist.DistributedError):
        dist.spawn(mismatched, 2)
    assert len(messages) == 2 and all("disagree on the element count" in m for m in messages.values())

    waited = {}

    def failing(rank):
        if rank == 1:
            raise KeyError("rank one has no data")
        try:
            dist.barrier()
        except dist.DistributedError as e:
            waited[rank] = str(e)

    with pytest.raises(KeyError, match="rank one has no data"):
        dist.spawn(failing, 2)
    assert "rank one has no data" in waited[0]


def test_ddp_on_two_ranks_equals_one_process_on_the_whole_batch():
    expected = train(make_model(7), 5)
    results, passes = {}, []
    models = [make_model(7 + r) for r in range(2)]   # made here: seeding is process-wide

    def rank_fn(rank):
        ddp = DistributedDataParallel(models[rank], bucket_cap_mb=1e-4)   # rank 1: other weights
        results[rank] = train(ddp, 5, slice(8 * rank, 8 * rank + 8))
        passes.append(ddp.last_pass())

    dist.spawn(rank_fn, 2)
    for rank in (0, 1):
        for got, want in zip(results[rank], expected):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert all(during >= 2 for during, _ in passes)   # buckets averaged while backward still ran
    assert list(DistributedDataParallel.__mro__).count(nn.Module) == 1


def check_buffers_and_no_sync(ddp, rank):
    """On 2 ranks with the BatchNorm model: rank 0's running statistics reach every rank before
    a forward, and a backward under no_sync stays local while the next one averages the sum.
    Returns this rank's half of batch 0."""
    bn = ddp.module[1]
    ddp.eval()
    with gentrain.no_grad():
        bn.running_mean.copy_(gentrain.full((8,), rank + 1.0))
    x, y = batch(0)
    ddp(x)
    assert bn.running_mean.tolist() == [1.0] * 8   # rank 0's, broadcast before the forward
    ddp.train()
    mine, target = x[8 * rank:8 * rank + 8], y[8 * rank:8 * rank + 8]
    with ddp.no_sync():
        nn.functional.mse_loss(ddp(mine), target).backward()
    local = ddp.module[0].weight.grad.numpy().copy()
    nn.functional.mse_loss(ddp(mine), target).backward()
    both = [gentrain.zeros(*local.shape) for _ in range(2)]
    dist.all_gather(both, gentrain.tensor(local))
    np.testing.assert_allclose(ddp.module[0].weight.grad.numpy(), both[0].numpy() + both[1].numpy(), rtol=1e-5, atol=1e-6)
    return mine


def test_ddp_buffers_no_sync_and_unused_parameters():
    models = [[make_model(3, batch_norm=True), make_model(3), make_model(3)] for _ in range(2)]

    def rank_fn(rank):
        ddp = DistributedDataParallel(models[rank][0])
        assert [k for k in ddp.state_dict()][:2] == ["module.0.weight", "module.0.bias"]
        mine = check_buffers_and_no_sync(ddp, rank)

        unused = DistributedDataParallel(models[rank][1])
        with pytest.raises(dist.DistributedError, match="'2.weight'"):
            unused.module[0](mine).sum().backward()
        tolerant = DistributedDataParallel(models[rank][2], find_unused_parameters=True)
        tolerant.module[0](mine).sum().backward()
        assert tolerant.module[2].weight.grad.tolist() == np.zeros((3, 8)).tolist()

    dist.spawn(rank_fn, 2)


def test_deterministic_ddp_gives_the_same_bits_on_one_two_and_four_ranks():
    results = []
    for world in (1, 2, 4):
        models, got = [make_model(21) for _ in range(world)], {}

        def rank_fn(rank):
            shards = nn.DataParallel(models[rank], workers=1, deterministic_shards=4 // world)
            ddp = DistributedDataParallel(shards, deterministic=True, bucket_cap_mb=1e-4)
            opt = gentrain.optim.Adam(ddp.parameters(), lr=0.01)
            rows = 16 // world
            for s in range(20):
                x, y = batch(s)
                opt.zero_grad()
                nn.functional.mse_loss(ddp(x[rows * rank:rows * (rank + 1)]), y[rows * rank:rows * (rank + 1)]).backward()
                opt.step()
            got[rank] = [p.detach().numpy().copy() for p in models[rank].parameters()]

        dist.spawn(rank_fn, world)
        results.append(got[world - 1])
    for other in results[1:]:
        for a, b in zip(results[0], other):
            assert np.array_equal(a, b)


class ThreadCollectives:
    """A host's own collectives: two Python threads meeting at a barrier over numpy arrays."""
    slots = [None, None]
    meet = threading.Barrier(2)

    def __init__(self, rank):
        self.rank, self.world_size = rank, 2

    def all_reduce(self, array, op):
        self.slots[self.rank] = array
        self.meet.wait()
        if self.rank == 0:
            combined = np.maximum(*self.slots) if op == "max" else self.slots[0] + self.slots[1]
            self.slots[0][:] = combined
            self.slots[1][:] = combined
        self.meet.wait()

    def broadcast(self, array, root):
        self.slots[self.rank] = array
        self.meet.wait()
        if self.rank != root:
            array[:] = self.slots[root]
        self.meet.wait()

    def all_gather(self, input, output):  # noqa: A002 - the protocol's name
        self.slots[self.rank] = input
        self.meet.wait()
        output[:] = np.concatenate(self.slots)
        self.meet.wait()

    def barrier(self):
        self.meet.wait()


def test_host_collectives_backend():
    seen = {}
    models = [make_model(5 + r) for r in range(2)]

    def rank_fn(rank):
        group = dist._host_group(ThreadCollectives(rank))
        t = gentrain.tensor([rank + 1.0, 2.0])
        dist.all_reduce(t, op=dist.ReduceOp.AVG, group=group)
        ddp = DistributedDataParallel(models[rank], process_group=group)
        seen[rank] = (t.tolist(), train(ddp, 2, slice(8 * rank, 8 * rank + 8)))

    threads = [threading.Thread(target=rank_fn, args=(r,)) for r in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen[0][0] == seen[1][0] == [1.5, 2.0]
    expected = train(make_model(5), 2)
    for got, want in zip(seen[1][1], expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_data_parallel_equals_the_module_and_deterministic_mode_is_bit_identical():
    expected = train(make_model(11), 8)   # 6 steps time both ways of running, then the faster way
    got = train(nn.DataParallel(make_model(11), workers=2), 8)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    runs = [train(nn.DataParallel(make_model(11), workers=w, deterministic_shards=4), 20) for w in (1, 2, 4)]
    for other in runs[1:]:
        for a, b in zip(runs[0], other):
            assert np.array_equal(a, b)

    # Running statistics come from shard 0 only.
    x, _ = batch(0)
    alone, split = make_model(11, batch_norm=True), make_model(11, batch_norm=True)
    alone(x[0:8])
    nn.DataParallel(split, workers=2)(x)
    assert split[1].running_mean.tolist() == alone[1].running_mean.tolist()
    assert split[1].num_batches_tracked.item() == 1

    # Whichever way a call runs (the first calls alternate between the workers and the caller's
    # thread, timed), each shard's forward sees only its rows: the outputs never change with it.
    reference, parallel = make_model(11, batch_norm=True), nn.DataParallel(make_model(11, batch_norm=True), workers=2)
    for step in range(8):
        x, _ = batch(step)
        expected = gentrain.cat([reference(x[0:8]), reference(x[8:16])]).detach().numpy()
        np.testing.assert_allclose(parallel(x).detach().numpy(), expected, rtol=1e-5, atol=1e-6)

    class Failing(nn.Module):
        def forward(self, x):
            raise ArithmeticError("the shard's forward failed")

    with pytest.raises(ArithmeticError, match="the shard's forward failed"):
        nn.DataParallel(Failing(), workers=2)(x)


def test_distributed_sampler():
    data = list(range(10))
    assert [list(DistributedSampler(data, 3, r, shuffle=False)) for r in range(3)] == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
    assert [list(DistributedSampler(data, 3, r, shuffle=False, drop_last=True)) for r in range(3)] == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    a, b = DistributedSampler(range(100), 2, 0, seed=4), DistributedSampler(range(100), 2, 1, seed=4)
    first = list(a)
    assert sorted(first + list(b)) == list(range(100)) and len(a) == 50
    a.set_epoch(1)
    assert list(a) != first
    with pytest.raises(ValueError, match="Invalid rank 2"):
        DistributedSampler(data, 2, 2)


def mpirun(*args):
    return subprocess.run([shutil.which("mpirun"), "--allow-run-as-root", "--oversubscribe", "-np", "2",
                           sys.executable, os.path.join(HERE, "mpi_ranks.py"), *args],
                          capture_output=True, text=True, timeout=180, env=dict(os.environ, PYTHONPATH=os.path.dirname(HERE)))


@pytest.mark.skipif(shutil.which("mpirun") is None or not dist.is_mpi_available(), reason="Open MPI is not installed")
def test_mpi_ddp_and_a_failing_rank():
    done = mpirun("train")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("rank ok") == 2, done.stdout
    failed = mpirun("fail")
    assert failed.returncode != 0
    assert "rank 1 could not read its shard" in failed.stderr, failed.stderr
