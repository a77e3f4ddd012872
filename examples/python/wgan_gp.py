"""WGAN-GP: a critic trained five times per generator step with the gradient penalty (a double
backward through the critic), Adam with the paper's betas — on the 8-Gaussians toy or on the
handwritten digits (8 × 8 pixels). Writes wgan_gp.png (or wgan_gp_digits.png): real and generated
points side by side, or a grid of generated digits, with the critic's Wasserstein estimate over
training.

    python3 examples/python/wgan_gp.py [--data gaussians|digits] [--steps N] [--amp] [--workers N] [--out DIR]
    (needs matplotlib and tqdm)

The same recipe under mixed precision (`--amp`: autocast to bfloat16 with a GradScaler; the
penalty's gradient is taken of the scaled critic output and unscaled, PyTorch's recipe for
gradient penalties) and data parallel (`--workers N`: both networks in nn.DataParallel over N
worker threads).
"""
import argparse
import math
import os

import matplotlib
import numpy as np
from tqdm import tqdm

import gentrain
import gentrain.nn as nn

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the file backend

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", choices=["gaussians", "digits"], default="gaussians")
parser.add_argument("--steps", type=int, default=None, help="generator steps (3000 on gaussians, 4000 on digits)")
parser.add_argument("--amp", action="store_true", help="autocast to bfloat16 with a GradScaler")
parser.add_argument("--workers", type=int, default=0, help="nn.DataParallel over this many worker threads")
parser.add_argument("--out", default=".", help="folder for the picture")
parser.add_argument("--digits", default=os.path.join(here, "..", "..", "data", "digits.csv"), help="digits.csv")
args = parser.parse_args()
steps = args.steps if args.steps is not None else 3000 if args.data == "gaussians" else 4000

rng = np.random.default_rng(0)
if args.data == "gaussians":
    CENTERS = 2 * np.array([(math.cos(a), math.sin(a)) for a in np.arange(8) * math.pi / 4], dtype=np.float32)
    DIM, NOISE, WIDTH, BATCH = 2, 2, 128, 256

    def real_batch(n=BATCH):
        """Points around eight centers on a circle of radius 2."""
        return gentrain.tensor(CENTERS[rng.integers(0, 8, n)] + rng.normal(0, 0.05, (n, 2)).astype(np.float32))

    generator_output = []
else:
    DIGITS = np.loadtxt(args.digits, delimiter=",", dtype=np.float32)[:, :64] / 16
    DIM, NOISE, WIDTH, BATCH = 64, 16, 256, 64

    def real_batch(n=BATCH):
        """Digits drawn at random, pixels in [0, 1]."""
        return gentrain.tensor(DIGITS[rng.integers(0, len(DIGITS), n)])

    generator_output = [nn.Sigmoid()]


def mlp(inputs, outputs, *last):
    return nn.Sequential(nn.Linear(inputs, WIDTH), nn.ReLU(), nn.Linear(WIDTH, WIDTH), nn.ReLU(),
                         nn.Linear(WIDTH, outputs), *last)


gentrain.manual_seed(0)
generator, critic = mlp(NOISE, DIM, *generator_output), mlp(DIM, 1)
opt_g = gentrain.optim.Adam(generator.parameters(), lr=1e-4, betas=(0.5, 0.9))
opt_c = gentrain.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.5, 0.9))
if args.workers:   # each batch split over worker threads, gradients reduced into the modules' own
    generator = nn.DataParallel(generator, workers=args.workers)
    critic = nn.DataParallel(critic, workers=args.workers)
scaler = gentrain.amp.GradScaler("cpu", enabled=args.amp)


def autocast():
    return gentrain.autocast("cpu", dtype=gentrain.bfloat16, enabled=args.amp)


def gradient_penalty(real, fake):
    """E[(‖∇x̂ critic(x̂)‖ − 1)²] at random points between real and generated samples."""
    eps = gentrain.rand(len(real), 1)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    with autocast():
        out = critic(x_hat).float().sum()
    (grad,) = gentrain.autograd.grad(scaler.scale(out), x_hat, create_graph=True)
    grad = grad / scaler.get_scale()   # the gradient of the scaled output, unscaled
    return ((grad.norm(2, dim=1) - 1) ** 2).mean()


distances = []
for step in tqdm(range(steps), desc=f"WGAN-GP ({args.data})"):
    for _ in range(5):
        real = real_batch()
        with gentrain.no_grad(), autocast():
            fake = generator(gentrain.randn(BATCH, NOISE)).float()
        penalty = gradient_penalty(real, fake)
        with autocast():
            distance = critic(real).float().mean() - critic(fake).float().mean()
        opt_c.zero_grad()
        scaler.scale(-distance + 10 * penalty).backward()
        scaler.step(opt_c)
        scaler.update()
    distances.append(distance.item())
    opt_g.zero_grad()
    with autocast():
        loss_g = -critic(generator(gentrain.randn(BATCH, NOISE))).float().mean()
    scaler.scale(loss_g).backward()
    scaler.step(opt_g)
    scaler.update()

with gentrain.no_grad():
    samples = generator(gentrain.randn(2000, NOISE)).numpy()
figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5))
if args.data == "gaussians":
    nearest = np.linalg.norm(samples[:, None, :] - CENTERS[None], axis=2)
    modes = len(set(nearest.argmin(axis=1)[nearest.min(axis=1) < 0.5]))
    print(f"after {steps} steps: {modes} of 8 modes covered, "
          f"{(nearest.min(axis=1) < 0.5).mean():.0%} of samples within 0.5 of a center")
    left.scatter(*real_batch(2000).numpy().T, s=2, c="0.6", label="real")
    left.scatter(*samples.T, s=2, c="tab:red", label="generated")
    left.set_aspect("equal")
    left.legend(loc="upper right")
    left.set_title(f"8 Gaussians after {steps} generator steps")
else:
    # How digit-like the samples are: the distance from each to its nearest real digit, against the
    # same for real digits held apart from the ones searched.
    def nearest_distance(x, pool):
        return np.sqrt(((x[:, None, :] - pool[None]) ** 2).sum(axis=2)).min(axis=1).mean()
    print(f"after {steps} steps: mean distance to the nearest real digit {nearest_distance(samples[:300], DIGITS[300:]):.2f} "
          f"(real digits: {nearest_distance(DIGITS[:300], DIGITS[300:]):.2f}, uniform noise: "
          f"{nearest_distance(rng.random((300, 64), dtype=np.float32), DIGITS[300:]):.2f})")
    cells = np.pad(samples[:64].reshape(8, 8, 8, 8), ((0, 0), (0, 0), (1, 1), (1, 1)))   # 8 × 8 digits, a blank border each
    grid = cells.transpose(0, 2, 1, 3).reshape(80, 80)
    left.imshow(grid, cmap="gray_r", vmin=0, vmax=1)
    left.axis("off")
    left.set_title(f"generated digits after {steps} generator steps")
right.plot(distances)
right.set_xlabel("generator step")
right.set_title("critic's Wasserstein estimate")
figure.tight_layout()
path = os.path.join(args.out, "wgan_gp.png" if args.data == "gaussians" else "wgan_gp_digits.png")
figure.savefig(path, dpi=100)
print("wrote", path)
