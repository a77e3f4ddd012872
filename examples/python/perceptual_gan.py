"""The founding article's GAN with a perceptual loss, on the digits: first the feature extractor φ
(a small convolutional digit classifier) is trained and saved to safetensors; then a generator
learns to restore digits whose middle rows are blanked out, from an adversarial loss against a
discriminator plus a perceptual loss through φ, reloaded from its file and frozen. Writes
perceptual_gan.png: damaged inputs, restorations and the originals of held-out digits.

    python3 examples/python/perceptual_gan.py [--steps 1500] [--amp] [--workers N] [--out DIR] [path/to/digits.csv]
    (needs matplotlib and tqdm)

The GAN under mixed precision (`--amp`: autocast to bfloat16 with a GradScaler) and data parallel
(`--workers N`: the generator and the discriminator in nn.DataParallel over N worker threads).
"""
import argparse
import os

import matplotlib
import numpy as np
from tqdm import tqdm

import gentrain
import gentrain.nn as nn
import gentrain.nn.functional as F
from gentrain.generative import PerceptualLoss

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the file backend

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=1500, help="GAN steps (the extractor trains for a third as many)")
parser.add_argument("--amp", action="store_true", help="autocast the GAN to bfloat16 with a GradScaler")
parser.add_argument("--workers", type=int, default=0, help="nn.DataParallel over this many worker threads")
parser.add_argument("--out", default=".", help="folder for perceptual_gan.png and the extractor's weights")
parser.add_argument("data", nargs="?", default=os.path.join(here, "..", "..", "data", "digits.csv"))
args = parser.parse_args()

rows = np.loadtxt(args.data, delimiter=",", dtype=np.float32)
held_out = np.arange(len(rows)) % 6 == 5
images = rows[:, :64].reshape(-1, 1, 8, 8) / 16
train, test, labels = images[~held_out], images[held_out], rows[~held_out, 64].astype(np.int64)
rng = np.random.default_rng(0)
gentrain.manual_seed(0)


def extractor():
    """φ: two convolution blocks, then a classifier head (children 0..7)."""
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1, stride=2), nn.ReLU(),
                         nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10))


# 1. φ learns to classify digits, and is saved.
phi = extractor()
opt = gentrain.optim.Adam(phi.parameters(), lr=1e-3)
for step in tqdm(range(max(args.steps // 3, 1)), desc="extractor φ"):
    pick = rng.integers(0, len(train), 64)
    loss = F.cross_entropy(phi(gentrain.tensor(train[pick])), gentrain.tensor(labels[pick]))
    opt.zero_grad()
    loss.backward()
    opt.step()
phi_path = os.path.join(args.out, "phi.safetensors")
gentrain.save(phi.state_dict(), phi_path)

# 2. The restoration GAN, with φ reloaded from its file and frozen.
frozen = extractor()
frozen.load_state_dict(gentrain.load(phi_path))
perceptual = PerceptualLoss(frozen, {1: 1.0, 3: 1.0})   # after each convolution block's ReLU


def damage(x):
    """The digits with rows 3 and 4 blanked out."""
    x = x.copy()
    x[:, :, 3:5, :] = 0
    return x


generator = nn.Sequential(nn.Flatten(), nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 64),
                          nn.Sigmoid(), nn.Unflatten(1, (1, 8, 8)))
discriminator = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.LeakyReLU(0.2), nn.Linear(128, 1))
opt_g = gentrain.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.999))
opt_d = gentrain.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))
if args.workers:   # each batch split over worker threads, gradients reduced into the modules' own
    generator = nn.DataParallel(generator, workers=args.workers)
    discriminator = nn.DataParallel(discriminator, workers=args.workers)
scaler = gentrain.amp.GradScaler("cpu", enabled=args.amp)


def autocast():
    return gentrain.autocast("cpu", dtype=gentrain.bfloat16, enabled=args.amp)


for step in (bar := tqdm(range(args.steps), desc="GAN + perceptual")):
    batch = train[rng.integers(0, len(train), 64)]
    real, damaged = gentrain.tensor(batch), gentrain.tensor(damage(batch))
    with autocast():   # products in bfloat16, losses in float32
        fake = generator(damaged)
        # The discriminator: real digits against restorations (non-saturating loss on logits).
        d_loss = (F.binary_cross_entropy_with_logits(discriminator(real), gentrain.ones(64, 1))
                  + F.binary_cross_entropy_with_logits(discriminator(fake.detach()), gentrain.zeros(64, 1)))
    opt_d.zero_grad()
    scaler.scale(d_loss).backward()
    scaler.step(opt_d)
    with autocast():
        # The generator: fool the discriminator, and match the original's features in φ.
        adversarial = F.binary_cross_entropy_with_logits(discriminator(fake), gentrain.ones(64, 1))
        g_loss = 0.01 * adversarial + perceptual(fake, real)
    opt_g.zero_grad()
    scaler.scale(g_loss).backward()
    scaler.step(opt_g)
    scaler.update()
    if step % 100 == 0:
        bar.set_postfix(d=f"{d_loss.item():.3f}", perceptual=f"{(g_loss - 0.01 * adversarial).item():.4f}")

with gentrain.no_grad():
    restored = generator(gentrain.tensor(damage(test))).float().numpy()
error = np.abs(restored - test)[:, :, 3:5, :].mean()
blank = np.abs(test)[:, :, 3:5, :].mean()
print(f"after {args.steps} steps: held-out mean error in the blanked rows {error:.3f} (left blank: {blank:.3f})")

figure, axes = plt.subplots(3, 10, figsize=(10, 3.4))
for row, (pictures, title) in enumerate([(damage(test[:10]), "damaged"), (restored[:10], "restored"), (test[:10], "original")]):
    for col, picture in enumerate(pictures):
        axes[row, col].imshow(picture[0], cmap="gray_r", vmin=0, vmax=1)
        axes[row, col].axis("off")
    axes[row, 0].set_title(title, loc="left", fontsize=9)
figure.tight_layout()
path = os.path.join(args.out, "perceptual_gan.png")
figure.savefig(path, dpi=100)
print("wrote", path)
