"""The founding article's text generator: a character-level LSTM language model on Tiny
Shakespeare (cross-entropy, RMSprop, clip_grad_norm_, ExponentialLR), printing generated text as it
learns; then REINFORCE fine-tuning of the same model with a reward computed by the host (here: the
share of generated words that are words of the corpus) and a moving-average baseline. Writes
char_lstm.png: the training loss and the fine-tuning reward.

    python3 examples/python/char_lstm.py [--steps 2000] [--rl-steps 200] [--amp] [--workers N] [--out DIR] [path/to/text]
    (needs matplotlib and tqdm)

The language model under mixed precision (`--amp`: autocast to bfloat16 with a GradScaler) and
data parallel (`--workers N`: each batch's sequences split over N worker threads by
nn.DataParallel).
"""
import argparse
import os
import re

import matplotlib
import numpy as np
from tqdm import tqdm

import gentrain
import gentrain.nn as nn
import gentrain.nn.functional as F
from gentrain.distributions import Categorical

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the file backend

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=2000, help="language-model steps")
parser.add_argument("--rl-steps", type=int, default=200, help="REINFORCE steps")
parser.add_argument("--amp", action="store_true", help="autocast the language model to bfloat16 with a GradScaler")
parser.add_argument("--workers", type=int, default=0, help="nn.DataParallel over this many worker threads")
parser.add_argument("--out", default=".", help="folder for char_lstm.png")
parser.add_argument("text", nargs="?", default=os.path.join(here, "..", "..", "data", "tinyshakespeare.txt"))
args = parser.parse_args()

text = open(args.text).read()
chars = sorted(set(text))
index = {c: i for i, c in enumerate(chars)}
data = np.array([index[c] for c in text], dtype=np.int64)
corpus_words = {w for w, n in zip(*np.unique(re.findall(r"[a-z]+", text.lower()), return_counts=True)) if n >= 3}
SEQ, BATCH, HIDDEN = 64, 32, 256


class CharLSTM(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, 64)
        self.lstm = nn.LSTM(64, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, vocab)

    def forward(self, x, state=None):
        y, state = self.lstm(self.embed(x), state)
        return self.head(y), state


class Logits(nn.Module):
    """The model's logits alone (DataParallel gathers one tensor per call)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)[0]


def generate(model, prompt, length, temperature=0.8, keep_log_probs=False):
    """Samples `length` characters after `prompt`; with `keep_log_probs`, also the sum of their
    log-probabilities under the model (differentiable, for REINFORCE)."""
    state, log_prob = None, 0
    x = gentrain.tensor([[index[c] for c in prompt]])
    out = []
    for _ in range(length):
        logits, state = model(x, state)
        dist = Categorical(logits=logits[:, -1] / temperature)
        c = dist.sample()
        if keep_log_probs:
            log_prob = log_prob + dist.log_prob(c).sum()
        out.append(chars[int(c.item())])
        x = c.reshape(1, 1)
    return "".join(out), log_prob


def reward(sample):
    """The host's reward: the share of the sample's words that the corpus uses."""
    words = re.findall(r"[a-z]+", sample.lower())
    return sum(w in corpus_words for w in words) / max(len(words), 1)


gentrain.manual_seed(0)
rng = np.random.default_rng(0)
model = CharLSTM(len(chars))
optimizer = gentrain.optim.RMSprop(model.parameters(), lr=2e-3)
scheduler = gentrain.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.999)
language_model = nn.DataParallel(Logits(model), workers=args.workers) if args.workers else Logits(model)
scaler = gentrain.amp.GradScaler("cpu", enabled=args.amp)
losses = []
for step in (bar := tqdm(range(args.steps), desc="language model")):
    starts = rng.integers(0, len(data) - SEQ - 1, BATCH)
    batch = np.stack([data[s:s + SEQ + 1] for s in starts])
    with gentrain.autocast("cpu", dtype=gentrain.bfloat16, enabled=args.amp):   # products in bfloat16, the loss in float32
        logits = language_model(gentrain.tensor(batch[:, :-1]))
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), gentrain.tensor(batch[:, 1:].reshape(-1)))
    optimizer.zero_grad()
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)   # clip the true gradients
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
    scaler.step(optimizer)
    scaler.update()
    scheduler.step()
    losses.append(loss.item())
    if step % 500 == 0 or step == args.steps - 1:
        bar.set_postfix(loss=f"{loss.item():.3f}")
        with gentrain.no_grad():
            tqdm.write(f"--- step {step}, loss {loss.item():.3f}:\n" + generate(model, "ROMEO:", 120)[0])
print(f"after {args.steps} steps: training loss {np.mean(losses[-50:]):.3f} nats per character")

# REINFORCE: the gradient of E[reward] is E[(reward − baseline) · ∇ log p(sample)].
rl_optimizer = gentrain.optim.Adam(model.parameters(), lr=1e-4)
baseline, rewards = None, []
for step in tqdm(range(args.rl_steps), desc="REINFORCE"):
    sample, log_prob = generate(model, "ROMEO:", 60, keep_log_probs=True)
    r = reward(sample)
    baseline = r if baseline is None else 0.95 * baseline + 0.05 * r
    rl_optimizer.zero_grad()
    (-(r - baseline) * log_prob).backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    rl_optimizer.step()
    rewards.append(r)
if rewards:
    print(f"REINFORCE: mean reward {np.mean(rewards[:20]):.2f} over the first 20 samples, "
          f"{np.mean(rewards[-20:]):.2f} over the last 20")
with gentrain.no_grad():
    print("--- after fine-tuning:\n" + generate(model, "ROMEO:", 200)[0])

figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
left.plot(losses, lw=0.6)
left.set_xlabel("step")
left.set_title("language model: cross-entropy (nats/char)")
right.plot(rewards, ".", ms=3, alpha=0.5)
if len(rewards) >= 10:
    right.plot(np.convolve(rewards, np.ones(10) / 10, mode="valid"), lw=1.5)
right.set_xlabel("REINFORCE step")
right.set_title("host reward: share of corpus words")
figure.tight_layout()
path = os.path.join(args.out, "char_lstm.png")
figure.savefig(path, dpi=100)
print("wrote", path)
