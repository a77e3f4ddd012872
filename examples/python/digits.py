"""Trains a 64-128-10 MLP on the handwritten digits with gentrain's Python bindings and
reports the accuracy on a fixed held-out split: every sixth digit (rows 5, 11, 17, ...).
With --mpi, every rank of an MPI job trains on its share of each batch (DistributedSampler) and
DistributedDataParallel averages the gradients.

    python3 examples/python/digits.py [path/to/digits.csv]
    mpirun -np 2 python3 examples/python/digits.py --mpi [path/to/digits.csv]
"""
import os
import sys

import numpy as np

import gentrain
import gentrain.distributed as dist
import gentrain.nn as nn
import gentrain.nn.functional as F
from gentrain.nn.parallel import DistributedDataParallel
from gentrain.utils.data import DistributedSampler

here = os.path.dirname(os.path.abspath(__file__))
args = sys.argv[1:]
mpi = bool(args) and args[0] == "--mpi"
args = args[1:] if mpi else args
path = args[0] if args else os.path.join(here, "..", "..", "data", "digits.csv")
rows = np.loadtxt(path, delimiter=",", dtype=np.float32)
held_out = np.arange(len(rows)) % 6 == 5
x_train, y_train = rows[~held_out, :64] / 16, rows[~held_out, 64].astype(np.int64)
x_test, y_test = rows[held_out, :64] / 16, rows[held_out, 64].astype(np.int64)

gentrain.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
optimizer = gentrain.optim.Adam(model.parameters(), lr=1e-2)
rng = np.random.default_rng(0)
rank, world, trained = 0, 1, model
if mpi:
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    trained = DistributedDataParallel(model)
    sampler = DistributedSampler(range(len(x_train)), num_replicas=world, rank=rank)


def accuracy():
    with gentrain.no_grad():
        predicted = model(gentrain.tensor(x_test)).argmax(dim=1).numpy()
    return (predicted == y_test).mean()


batch = 64 // world   # each rank's share of the global batch of 64
for epoch in range(1, 21):
    if mpi:
        sampler.set_epoch(epoch)
        order = np.array(list(sampler))
    else:
        order = rng.permutation(len(x_train))
    total, batches = 0.0, 0
    for start in range(0, len(order) - batch + 1, batch):
        idx = order[start:start + batch]
        optimizer.zero_grad()
        loss = F.cross_entropy(trained(gentrain.tensor(x_train[idx])), gentrain.tensor(y_train[idx]))
        loss.backward()
        optimizer.step()
        total += loss.item()
        batches += 1
    if (epoch == 1 or epoch % 5 == 0) and rank == 0:
        print(f"epoch {epoch:2d}  loss {total / batches:.4f}  held-out accuracy {100 * accuracy():.2f}%")

final = accuracy()
print(f"rank {rank} of {world}: final held-out accuracy: {100 * final:.2f}% on {len(y_test)} digits", flush=True)
sys.exit(0 if final >= 0.95 else 2)
