"""A training run used by test_checkpoint.py in separate processes:

    resume_run.py STEPS OUT.npy [--save CKPT] [--load CKPT] [--save-every CKPT]

Trains a small MLP with dropout (so the random stream matters), Adam and a warm-restarts
scheduler, for STEPS steps (after loading, if asked), then writes the parameters to OUT.npy.
--save-every saves the checkpoint after every step (for the kill-during-save test)."""
import sys

import numpy as np

import gentrain
import gentrain.nn as nn
import gentrain.nn.functional as F

steps, out = int(sys.argv[1]), sys.argv[2]
args = dict(zip(sys.argv[3::2], sys.argv[4::2]))
gentrain.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 64), nn.ReLU(), nn.Linear(64, 4))
opt = gentrain.optim.Adam(model.parameters(), lr=0.01)
sched = gentrain.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
x, y = gentrain.randn(32, 6), gentrain.randint(0, 4, (32,))
ckpt = gentrain.Checkpoint(model, optimizers=[opt], schedulers=[sched])
if "--load" in args:
    ckpt.load(args["--load"], keys=["note"])
    assert ckpt.metadata == {"note": "resumable"}, ckpt.metadata
for _ in range(steps):
    opt.zero_grad()
    F.cross_entropy(model(F.dropout(x, 0.3)), y).backward()
    opt.step()
    sched.step()
    ckpt.step += 1
    if "--save-every" in args:
        ckpt.metadata["note"] = "resumable"
        ckpt.save(args["--save-every"])
if "--save" in args:
    ckpt.metadata["note"] = "resumable"
    ckpt.save(args["--save"])
np.save(out, np.concatenate([p.numpy().ravel() for p in model.parameters()]))
print(ckpt.step)
