"""20 training steps of a DCGAN, an LSTM language model and a conv VAE, from the initial weights
PyTorch saved (safetensors) and the same data: every loss matches PyTorch's within 1e-4
relative in float32 (golden data from scripts/gen_golden.py)."""
import json
import os

import numpy as np
import pytest

import gentrain as gt
from gentrain import nn
from gentrain.nn import functional as F

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "..", "..", "Tests", "GentrainTests", "Golden")


@pytest.fixture(scope="module")
def runs():
    with open(os.path.join(GOLDEN, "training_runs.json")) as f:
        return json.load(f)


def stored(entry):
    dtype = np.int64 if entry["dtype"] == "int64" else np.float32
    return gt.from_numpy(np.array(entry["data"], dtype=dtype).reshape(entry["shape"]))


def load(model, name):
    return model.load(os.path.join(GOLDEN, f"train_{name}.safetensors"))


def check(losses, expected):
    assert len(losses) == len(expected)
    for step, (got, want) in enumerate(zip(losses, expected)):
        assert abs(got - want) <= 1e-4 * abs(want), f"step {step}: {got} vs PyTorch {want}"


def train(opt, steps, loss_at, before_step=None):
    """`steps` optimizer steps on loss_at(i); the losses."""
    losses = []
    for i in range(steps):
        opt.zero_grad()
        loss = loss_at(i)
        loss.backward()
        if before_step:
            before_step()
        opt.step()
        losses.append(loss.item())
    return losses


class Dcgan(nn.Module):
    def __init__(self):
        super().__init__()
        self.critic = nn.Sequential(nn.Conv2d(1, 8, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(8, 16, 4, 2, 1),
                                    nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(16 * 7 * 7, 1))
        self.head = nn.Linear(16, 16 * 7 * 7)
        self.body = nn.Sequential(nn.BatchNorm2d(16), nn.ReLU(), nn.ConvTranspose2d(16, 8, 4, 2, 1), nn.BatchNorm2d(8),
                                  nn.ReLU(), nn.ConvTranspose2d(8, 1, 4, 2, 1), nn.Tanh())

    def generate(self, z):
        return self.body(self.head(z).reshape(-1, 16, 7, 7))


def test_dcgan_matches_pytorch(runs):
    gan = load(Dcgan(), "dcgan")
    data = runs["dcgan"]
    real, z = stored(data["real"]), stored(data["z"])
    c_opt = gt.optim.Adam(gan.critic.parameters(), lr=2e-4, betas=(0.5, 0.999))
    g_opt = gt.optim.Adam(list(gan.head.parameters()) + list(gan.body.parameters()), lr=2e-4, betas=(0.5, 0.999))
    ones, zeros, losses = gt.ones(8, 1), gt.zeros(8, 1), []
    for i in range(len(data["losses"]) // 2):
        fake = gan.generate(z[i])
        c_opt.zero_grad()
        d_loss = F.binary_cross_entropy_with_logits(gan.critic(real), ones) + \
            F.binary_cross_entropy_with_logits(gan.critic(fake.detach()), zeros)
        d_loss.backward()
        c_opt.step()
        g_opt.zero_grad()
        g_loss = F.binary_cross_entropy_with_logits(gan.critic(fake), ones)
        g_loss.backward()
        g_opt.step()
        losses += [d_loss.item(), g_loss.item()]
    check(losses, data["losses"])


class LanguageModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True)
        self.head = nn.Linear(16, 20)

    def loss(self, x, y):
        out, _ = self.lstm(self.emb(x))
        return F.cross_entropy(self.head(out).reshape(-1, 20), y.reshape(-1))


def test_lstm_language_model_matches_pytorch(runs):
    lm = load(LanguageModel(), "lm")
    data = runs["lm"]
    x, y = stored(data["x"]), stored(data["y"])
    opt = gt.optim.RMSprop(lm.parameters(), lr=1e-2)
    losses = train(opt, len(data["losses"]), lambda i: lm.loss(x[i], y[i]),
                   lambda: nn.utils.clip_grad_norm_(lm.parameters(), 1.0))
    check(losses, data["losses"])


class ConvVae(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 4, 3, 2, 1), nn.ReLU(), nn.Conv2d(4, 8, 3, 2, 1), nn.ReLU(), nn.Flatten(),
                                 nn.Linear(8 * 7 * 7, 8))
        self.dec_in = nn.Linear(4, 8 * 7 * 7)
        self.dec = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(8, 4, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(4, 1, 4, 2, 1),
                                 nn.Sigmoid())

    def loss(self, x, eps):
        mu, logvar = self.enc(x).chunk(2, dim=1)
        z = mu + (0.5 * logvar).exp() * eps
        recon = self.dec(self.dec_in(z).reshape(-1, 8, 7, 7))
        kl = -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum()
        return F.binary_cross_entropy(recon, x, reduction="sum") + kl


def test_conv_vae_matches_pytorch(runs):
    vae = load(ConvVae(), "vae")
    data = runs["vae"]
    x, eps = stored(data["x"]), stored(data["eps"])
    opt = gt.optim.Adam(vae.parameters(), lr=1e-3)
    check(train(opt, len(data["losses"]), lambda i: vae.loss(x, eps[i])), data["losses"])


def test_trained_model_saves_what_pytorch_loads(runs, tmp_path):
    """And back: the file gentrain writes has PyTorch's names, shapes and dtypes (buffers too)."""
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    gan = load(Dcgan(), "dcgan")
    gan.generate(stored(runs["dcgan"]["z"])[0])   # one training-mode pass moves the BatchNorm statistics
    gan.save(tmp_path / "gan.safetensors")
    ours = safetensors_numpy.load_file(str(tmp_path / "gan.safetensors"))
    theirs = safetensors_numpy.load_file(os.path.join(GOLDEN, "train_dcgan.safetensors"))
    assert sorted(ours) == sorted(theirs)
    for name, value in theirs.items():
        assert ours[name].shape == value.shape and ours[name].dtype == value.dtype, name
    assert ours["body.0.num_batches_tracked"] == theirs["body.0.num_batches_tracked"] + 1
    np.testing.assert_array_equal(ours["critic.0.weight"], theirs["critic.0.weight"])


def test_conv1d_module():
    conv = nn.Conv1d(4, 6, 3, stride=2, padding=1)
    x = gt.randn(2, 4, 9)
    assert [n for n, _ in conv.named_parameters()] == ["weight", "bias"]
    y = conv(x)
    assert y.shape == (2, 6, 5)
    np.testing.assert_array_equal(y.numpy(), F.conv1d(x, conv.weight, conv.bias, 2, 1).numpy())
