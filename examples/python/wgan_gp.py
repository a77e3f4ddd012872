"""WGAN-GP on the 8-Gaussians toy: a critic trained five times per generator step with the
gradient penalty (a double backward through the critic), Adam with the paper's betas. Writes
wgan_gp.png: real and generated points side by side with the critic's Wasserstein estimate over
training.

    python3 examples/python/wgan_gp.py [--steps 3000] [--out DIR]    (needs matplotlib and tqdm)
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

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=3000, help="generator steps")
parser.add_argument("--out", default=".", help="folder for wgan_gp.png")
args = parser.parse_args()

rng = np.random.default_rng(0)
CENTERS = 2 * np.array([(math.cos(a), math.sin(a)) for a in np.arange(8) * math.pi / 4], dtype=np.float32)


def real_batch(n=256):
    """Points around eight centers on a circle of radius 2."""
    return gentrain.tensor(CENTERS[rng.integers(0, 8, n)] + rng.normal(0, 0.05, (n, 2)).astype(np.float32))


def mlp(out):
    return nn.Sequential(nn.Linear(2, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, out))


gentrain.manual_seed(0)
generator, critic = mlp(2), mlp(1)
opt_g = gentrain.optim.Adam(generator.parameters(), lr=1e-4, betas=(0.5, 0.9))
opt_c = gentrain.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.5, 0.9))
distances = []
for step in tqdm(range(args.steps), desc="WGAN-GP"):
    for _ in range(5):
        real = real_batch()
        with gentrain.no_grad():
            fake = generator(gentrain.randn(256, 2))
        eps = gentrain.rand(256, 1)
        x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
        (grad,) = gentrain.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
        penalty = ((grad.norm(2, dim=1) - 1) ** 2).mean()
        distance = critic(real).mean() - critic(fake).mean()
        opt_c.zero_grad()
        (-distance + 10 * penalty).backward()
        opt_c.step()
    distances.append(distance.item())
    opt_g.zero_grad()
    (-critic(generator(gentrain.randn(256, 2))).mean()).backward()
    opt_g.step()

with gentrain.no_grad():
    samples = generator(gentrain.randn(2000, 2)).numpy()
nearest = np.linalg.norm(samples[:, None, :] - CENTERS[None], axis=2)
modes = len(set(nearest.argmin(axis=1)[nearest.min(axis=1) < 0.5]))
print(f"after {args.steps} steps: {modes} of 8 modes covered, "
      f"{(nearest.min(axis=1) < 0.5).mean():.0%} of samples within 0.5 of a center")

figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5))
left.scatter(*real_batch(2000).numpy().T, s=2, c="0.6", label="real")
left.scatter(*samples.T, s=2, c="tab:red", label="generated")
left.set_aspect("equal")
left.legend(loc="upper right")
left.set_title(f"8 Gaussians after {args.steps} generator steps")
right.plot(distances)
right.set_xlabel("generator step")
right.set_title("critic's Wasserstein estimate")
figure.tight_layout()
path = os.path.join(args.out, "wgan_gp.png")
figure.savefig(path, dpi=100)
print("wrote", path)
