"""Custom losses from the host, as the founding article writes them: a loss *module* composed of
gentrain ops (focal loss, whose gradient autograd derives), and a loss *function with its own
backward* (`gentrain.autograd.Function`: a Charbonnier penalty whose gradient Python computes),
training one digit classifier together. Both gradients are checked against central differences
before training. Writes custom_loss.png: the two losses over training.

    python3 examples/python/custom_loss.py [--steps 600] [--amp] [--workers N] [--out DIR] [path/to/digits.csv]
    (needs matplotlib and tqdm)

The classifier under mixed precision (`--amp`: its forward autocast to bfloat16, the custom losses
on its float32 logits, a GradScaler) and data parallel (`--workers N`: nn.DataParallel).
"""
import argparse
import os

import matplotlib
import numpy as np
from tqdm import tqdm

import gentrain
import gentrain.nn as nn
import gentrain.nn.functional as F

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the file backend

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=600)
parser.add_argument("--amp", action="store_true", help="autocast the classifier to bfloat16 with a GradScaler")
parser.add_argument("--workers", type=int, default=0, help="nn.DataParallel over this many worker threads")
parser.add_argument("--out", default=".", help="folder for custom_loss.png")
parser.add_argument("data", nargs="?", default=os.path.join(here, "..", "..", "data", "digits.csv"))
args = parser.parse_args()


class FocalLoss(nn.Module):
    """−(1 − p_t)^γ · log p_t, averaged: a module of ops, so autograd derives its gradient."""

    def __init__(self, gamma=2.0):
        super().__init__()
        self.gamma = gamma

    def forward(self, logits, target):
        log_p = F.log_softmax(logits, dim=1).gather(1, target.reshape(-1, 1))
        return (-((1 - log_p.exp()) ** self.gamma) * log_p).mean()


class Charbonnier(gentrain.autograd.Function):
    """mean(√(d² + ε²) − ε) of d = input − target, with its gradient written by hand:
    d / √(d² + ε²) / n (and its negative for the target)."""

    @staticmethod
    def forward(ctx, input, target, eps=1e-3):  # noqa: A002 - PyTorch's name
        d = input - target
        root = (d * d + eps * eps).sqrt()
        ctx.save_for_backward(d, root)
        return (root - eps).mean()

    @staticmethod
    def backward(ctx, grad):
        d, root = ctx.saved_tensors
        g = grad * d / root / d.numel()
        return g, -g


def central_difference_check(loss_of, x, atol=1e-4):
    """The analytic gradient of loss_of at x (float64) against central differences."""
    x = x.detach().requires_grad_(True)
    loss_of(x).backward()
    flat, numeric, h = x.detach().numpy().reshape(-1), [], 1e-6
    for i in range(flat.size):
        step = np.zeros_like(flat)
        step[i] = h
        up = loss_of(gentrain.tensor((flat + step).reshape(x.shape))).item()
        down = loss_of(gentrain.tensor((flat - step).reshape(x.shape))).item()
        numeric.append((up - down) / (2 * h))
    worst = np.abs(x.grad.numpy().reshape(-1) - np.array(numeric)).max()
    assert worst < atol, f"gradient differs from central differences by {worst}"
    return worst


gentrain.manual_seed(0)
probe = gentrain.randn(4, 10, dtype=gentrain.float64)
labels4 = gentrain.tensor([1, 0, 3, 9])
target4 = gentrain.randn(4, 10, dtype=gentrain.float64)
print(f"gradient check: focal {central_difference_check(lambda x: FocalLoss()(x, labels4), probe):.1e}, "
      f"Charbonnier {central_difference_check(lambda x: Charbonnier.apply(x, target4), probe):.1e}")

rows = np.loadtxt(args.data, delimiter=",", dtype=np.float32)
held_out = np.arange(len(rows)) % 6 == 5
x_train, y_train = rows[~held_out, :64] / 16, rows[~held_out, 64].astype(np.int64)
x_test, y_test = rows[held_out, :64] / 16, rows[held_out, 64].astype(np.int64)
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
optimizer = gentrain.optim.Adam(model.parameters(), lr=3e-3)
if args.workers:   # each batch split over worker threads, gradients reduced into the model's own
    model = nn.DataParallel(model, workers=args.workers)
scaler = gentrain.amp.GradScaler("cpu", enabled=args.amp)
focal, history = FocalLoss(), []
rng = np.random.default_rng(0)
for step in tqdm(range(args.steps), desc="custom losses"):
    pick = rng.integers(0, len(x_train), 64)
    with gentrain.autocast("cpu", dtype=gentrain.bfloat16, enabled=args.amp):
        logits = model(gentrain.tensor(x_train[pick])).float()   # the losses in float32
    y = gentrain.tensor(y_train[pick])
    # The focal loss for the classes, and the Charbonnier penalty pulling probabilities to one-hot.
    f, c = focal(logits, y), Charbonnier.apply(F.softmax(logits, dim=1), F.one_hot(y, 10).float())
    optimizer.zero_grad()
    scaler.scale(f + c).backward()
    scaler.step(optimizer)
    scaler.update()
    history.append((f.item(), c.item()))
with gentrain.no_grad():
    accuracy = (model(gentrain.tensor(x_test)).float().argmax(dim=1).numpy() == y_test).mean()
print(f"after {args.steps} steps: held-out accuracy {accuracy:.1%}")

figure, axis = plt.subplots(figsize=(6, 3.5))
axis.plot([h[0] for h in history], lw=0.8, label="focal loss (module of ops)")
axis.plot([h[1] for h in history], lw=0.8, label="Charbonnier (autograd.Function)")
axis.set_xlabel("step")
axis.legend()
figure.tight_layout()
path = os.path.join(args.out, "custom_loss.png")
figure.savefig(path, dpi=100)
print("wrote", path)
