"""One rank of the MPI tests, run by test_distributed.py as `mpirun -np 2 python mpi_ranks.py MODE`:
`train` checks collectives, DDP against one process on the whole batch (and bit for bit in
deterministic mode), buffers broadcast and no_sync; `fail` raises on rank 1, which must end the
job with an error instead of leaving rank 0 waiting."""
import sys

import numpy as np

import gentrain
import gentrain.distributed as dist
from gentrain.nn.parallel import DistributedDataParallel
from test_distributed import check_buffers_and_no_sync, make_model, train

gentrain.set_num_threads(1)
dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
assert world == 2
if sys.argv[1] == "fail":
    if rank == 1:
        raise RuntimeError("rank 1 could not read its shard")
    dist.barrier()   # rank 0 waits here until the job is ended
    sys.exit(0)

t = gentrain.tensor([float(rank), 1.0])
dist.all_reduce(t)
assert t.tolist() == [1.0, 2.0]
try:
    dist.all_reduce(gentrain.zeros(3 + rank))
    raise AssertionError("mismatched shapes must fail")
except dist.DistributedError as e:
    assert "disagree" in str(e)
expected = train(make_model(7), 5)
ddp = DistributedDataParallel(make_model(7 + rank))
got = train(ddp, 5, slice(8 * rank, 8 * rank + 8))
for g, e in zip(got, expected):
    np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)

# Deterministic mode: 4 fixed shards of every batch, 2 per rank, summed in a fixed order: the same
# bits as one process running the 4 shards.
alone = train(gentrain.nn.DataParallel(make_model(9), workers=1, deterministic_shards=4), 5)
shards = gentrain.nn.DataParallel(make_model(9 + rank), workers=1, deterministic_shards=2)
exact = train(DistributedDataParallel(shards, deterministic=True), 5, slice(8 * rank, 8 * rank + 8))
assert all(np.array_equal(a, b) for a, b in zip(alone, exact))

# Buffers broadcast before each forward, and no_sync, over MPI.
check_buffers_and_no_sync(DistributedDataParallel(make_model(3, batch_norm=True)), rank)
print("rank ok", flush=True)
