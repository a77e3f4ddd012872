"""Trains a 64-128-10 MLP on the handwritten digits with gentrain's Python bindings and
reports the accuracy on a fixed held-out split: every sixth digit (rows 5, 11, 17, ...).

    python3 examples/python/digits.py [path/to/digits.csv]
"""
import os
import sys

import numpy as np

import gentrain
import gentrain.nn as nn
import gentrain.nn.functional as F

here = os.path.dirname(os.path.abspath(__file__))
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "data", "digits.csv")
rows = np.loadtxt(path, delimiter=",", dtype=np.float32)
held_out = np.arange(len(rows)) % 6 == 5
x_train, y_train = rows[~held_out, :64] / 16, rows[~held_out, 64].astype(np.int64)
x_test, y_test = rows[held_out, :64] / 16, rows[held_out, 64].astype(np.int64)

gentrain.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
optimizer = gentrain.optim.Adam(model.parameters(), lr=1e-2)
rng = np.random.default_rng(0)


def accuracy():
    with gentrain.no_grad():
        predicted = model(gentrain.tensor(x_test)).argmax(dim=1).numpy()
    return (predicted == y_test).mean()


batch = 64
for epoch in range(1, 21):
    order = rng.permutation(len(x_train))
    total, batches = 0.0, 0
    for start in range(0, len(order) - batch + 1, batch):
        idx = order[start:start + batch]
        optimizer.zero_grad()
        loss = F.cross_entropy(model(gentrain.tensor(x_train[idx])), gentrain.tensor(y_train[idx]))
        loss.backward()
        optimizer.step()
        total += loss.item()
        batches += 1
    if epoch == 1 or epoch % 5 == 0:
        print(f"epoch {epoch:2d}  loss {total / batches:.4f}  held-out accuracy {100 * accuracy():.2f}%")

final = accuracy()
print(f"final held-out accuracy: {100 * final:.2f}% on {len(y_test)} digits")
sys.exit(0 if final >= 0.95 else 2)
