"""Gradient accumulation: train with an effective batch of 256 from micro-batches of 64.

Gradients add up in `.grad` across backward() calls until zero_grad(), so four backward
passes over micro-batches, each loss divided by 4, give the gradient of the mean loss over
the whole batch. Clip and step once per effective batch. A warm-up-then-cosine schedule and
a checkpoint complete the usual training loop.

    python3 examples/python/grad_accumulation.py
"""
import os
import sys

import numpy as np

import gentrain
import gentrain.nn as nn
import gentrain.nn.functional as F
from gentrain.optim import lr_scheduler

here = os.path.dirname(os.path.abspath(__file__))
rows = np.loadtxt(os.path.join(here, "..", "..", "data", "digits.csv"), delimiter=",", dtype=np.float32)
held_out = np.arange(len(rows)) % 6 == 5
x_train, y_train = rows[~held_out, :64] / 16, rows[~held_out, 64].astype(np.int64)
x_test, y_test = rows[held_out, :64] / 16, rows[held_out, 64].astype(np.int64)

gentrain.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
optimizer = gentrain.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-2)
micro, accumulate, epochs = 64, 4, 40
steps_per_epoch = len(x_train) // (micro * accumulate)
scheduler = lr_scheduler.SequentialLR(optimizer, [
    lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=steps_per_epoch),
    lr_scheduler.CosineAnnealingLR(optimizer, T_max=(epochs - 1) * steps_per_epoch),
], milestones=[steps_per_epoch])
checkpoint = gentrain.Checkpoint(model, optimizers=[optimizer], schedulers=[scheduler])
rng = np.random.default_rng(0)

for epoch in range(1, epochs + 1):
    order = rng.permutation(len(x_train))
    for step in range(steps_per_epoch):
        optimizer.zero_grad()
        for k in range(accumulate):   # gradients accumulate in .grad until zero_grad()
            idx = order[(step * accumulate + k) * micro:(step * accumulate + k + 1) * micro]
            loss = F.cross_entropy(model(gentrain.tensor(x_train[idx])), gentrain.tensor(y_train[idx]))
            (loss / accumulate).backward()
        gentrain.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        scheduler.step()
    if epoch % 10 == 0:
        with gentrain.no_grad():
            accuracy = (model(gentrain.tensor(x_test)).argmax(dim=1).numpy() == y_test).mean()
        print(f"epoch {epoch:2d}  lr {scheduler.get_last_lr()[0]:.2e}  held-out accuracy {100 * accuracy:.2f}%")
        checkpoint.step, checkpoint.epoch = epoch * steps_per_epoch, epoch
        checkpoint.save(os.path.join(os.environ.get("TMPDIR", "/tmp"), "grad_accumulation.ckpt"))
sys.exit(0 if accuracy >= 0.95 else 2)
