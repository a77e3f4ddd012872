"""A variational autoencoder on the handwritten digits (8 × 8 pixels): an encoder to the mean and
log-variance of an 8-dimensional latent, the reparameterization trick (`Normal.rsample`), a decoder
to pixel logits, and the loss as the sum of binary cross-entropy and the KL term. Writes vae.png:
held-out digits, their reconstructions, and digits sampled from the prior.

    python3 examples/python/vae.py [--steps 3000] [--amp] [--workers N] [--out DIR] [path/to/digits.csv]    (needs matplotlib and tqdm)

The same recipe under mixed precision (`--amp`: autocast to bfloat16 with a GradScaler, PyTorch's
recipe) and data parallel (`--workers N`: nn.DataParallel over N worker threads).
"""
import argparse
import os

import matplotlib
import numpy as np
from tqdm import tqdm

import gentrain
import gentrain.nn as nn
import gentrain.nn.functional as F
from gentrain.distributions import Normal

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the file backend

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=3000)
parser.add_argument("--amp", action="store_true", help="autocast to bfloat16 with a GradScaler")
parser.add_argument("--workers", type=int, default=0, help="nn.DataParallel over this many worker threads")
parser.add_argument("--out", default=".", help="folder for vae.png")
parser.add_argument("data", nargs="?", default=os.path.join(here, "..", "..", "data", "digits.csv"))
args = parser.parse_args()

rows = np.loadtxt(args.data, delimiter=",", dtype=np.float32)
held_out = np.arange(len(rows)) % 6 == 5
train, test = rows[~held_out, :64] / 16, rows[held_out, :64] / 16
LATENT = 8


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(64, 256), nn.ReLU())
        self.mean = nn.Linear(256, LATENT)
        self.log_var = nn.Linear(256, LATENT)
        self.decoder = nn.Sequential(nn.Linear(LATENT, 256), nn.ReLU(), nn.Linear(256, 64))

    def forward(self, x):
        h = self.encoder(x)
        mean, log_var = self.mean(h), self.log_var(h)
        z = Normal(mean, (0.5 * log_var).exp()).rsample()
        return self.decoder(z), mean, log_var


def loss_of(model, x):
    """Per digit: reconstruction (binary cross-entropy summed over pixels) + KL(q(z|x) ‖ N(0, I))."""
    with gentrain.autocast("cpu", dtype=gentrain.bfloat16, enabled=args.amp):   # products in bfloat16, losses in float32
        logits, mean, log_var = model(x)
    logits, mean, log_var = logits.float(), mean.float(), log_var.float()
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / len(x)
    kl = -0.5 * (1 + log_var - mean ** 2 - log_var.exp()).sum() / len(x)
    return reconstruction + kl


gentrain.manual_seed(0)
model = VAE()
if args.workers:   # the encoder's and decoder's batches split over worker threads (each returns one tensor)
    model.encoder = nn.DataParallel(model.encoder, workers=args.workers)
    model.decoder = nn.DataParallel(model.decoder, workers=args.workers)
optimizer = gentrain.optim.Adam(model.parameters(), lr=1e-3)
scaler = gentrain.amp.GradScaler("cpu", enabled=args.amp)
rng = np.random.default_rng(0)
for step in (bar := tqdm(range(args.steps), desc="VAE")):
    loss = loss_of(model, gentrain.tensor(train[rng.integers(0, len(train), 128)]))
    optimizer.zero_grad()
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    if step % 100 == 0:
        bar.set_postfix(loss=f"{loss.item():.2f}")

with gentrain.no_grad():
    test_loss = loss_of(model, gentrain.tensor(test)).item()
    originals = test[:10]
    reconstructions = F.sigmoid(model.decoder(model.mean(model.encoder(gentrain.tensor(originals))))).numpy()
    samples = F.sigmoid(model.decoder(gentrain.randn(10, LATENT))).numpy()
print(f"after {args.steps} steps: held-out loss {test_loss:.2f} per digit (nats)")

figure, axes = plt.subplots(3, 10, figsize=(10, 3.4))
for row, (images, title) in enumerate([(originals, "held-out digits"), (reconstructions, "reconstructions"),
                                       (samples, "samples from the prior")]):
    for col, image in enumerate(images):
        axes[row, col].imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        axes[row, col].axis("off")
    axes[row, 0].set_title(title, loc="left", fontsize=9)
figure.tight_layout()
path = os.path.join(args.out, "vae.png")
figure.savefig(path, dpi=100)
print("wrote", path)
