"""Autocast: every op's output dtype as PyTorch 2.13's CPU autocast gives it (the table below was
read from PyTorch: each op run under torch.autocast("cpu", dtype=torch.bfloat16) with float32
inputs, and with bfloat16 inputs), values within bfloat16's resolution, gradients in the inputs'
dtypes, nesting, and training with GradScaler."""
import json
import os

import numpy as np
import pytest

import gentrain
import gentrain.nn.functional as F

F32, BF16 = gentrain.float32, gentrain.bfloat16


def inputs(dtype):
    gentrain.manual_seed(5)
    x = gentrain.randn(4, 8).to(dtype)
    img = gentrain.randn(2, 3, 8, 8).to(dtype)
    return x, img


# op: (function of (x [4, 8], img [2, 3, 8, 8], w [6, 8] float32), dtype with float32 inputs,
#      dtype with bfloat16 inputs) -- PyTorch 2.13's CPU autocast.
OPS = {
    "matmul": (lambda x, img, w: x @ w.to(x.dtype).t(), BF16, BF16),
    "linear": (lambda x, img, w: F.linear(x, w), BF16, BF16),
    "conv2d": (lambda x, img, w: F.conv2d(img, gentrain.ones(4, 3, 3, 3)), BF16, BF16),
    "conv1d": (lambda x, img, w: F.conv1d(img[:, :, 0], gentrain.ones(4, 3, 3)), BF16, BF16),
    "conv_transpose2d": (lambda x, img, w: F.conv_transpose2d(img, gentrain.ones(3, 4, 3, 3)), BF16, BF16),
    "bmm": (lambda x, img, w: img[0] @ img[1].transpose(1, 2), BF16, BF16),
    "sdpa": (lambda x, img, w: F.scaled_dot_product_attention(img[0], img[0], img[0]), BF16, BF16),
    "cross_entropy": (lambda x, img, w: F.cross_entropy(x, gentrain.tensor([1, 0, 3, 7])), F32, F32),
    "nll_loss": (lambda x, img, w: F.nll_loss(x, gentrain.tensor([1, 0, 3, 7])), F32, F32),
    "mse_loss": (lambda x, img, w: F.mse_loss(x, x + 1), F32, F32),
    "l1_loss": (lambda x, img, w: F.l1_loss(x, x), F32, F32),
    "smooth_l1_loss": (lambda x, img, w: F.smooth_l1_loss(x, x), F32, F32),
    "huber_loss": (lambda x, img, w: F.huber_loss(x, x), F32, F32),
    "binary_cross_entropy_with_logits": (lambda x, img, w: F.binary_cross_entropy_with_logits(x, x.sigmoid()), F32, F32),
    "binary_cross_entropy": (lambda x, img, w: F.binary_cross_entropy(x.sigmoid(), x.sigmoid()), F32, F32),
    "kl_div": (lambda x, img, w: F.kl_div(x, x), F32, F32),
    "cosine_embedding_loss": (lambda x, img, w: F.cosine_embedding_loss(x, x, gentrain.ones(4)), F32, F32),
    "gaussian_nll_loss": (lambda x, img, w: F.gaussian_nll_loss(x, x, x.exp()), F32, BF16),
    "softmax": (lambda x, img, w: F.softmax(x, 1), F32, BF16),
    "log_softmax": (lambda x, img, w: F.log_softmax(x, 1), F32, BF16),
    "layer_norm": (lambda x, img, w: F.layer_norm(x, (8,)), F32, BF16),
    "group_norm": (lambda x, img, w: F.group_norm(img, 3), F32, BF16),
    "exp": (lambda x, img, w: x.exp(), F32, BF16),
    "relu": (lambda x, img, w: x.relu(), F32, BF16),
    "gelu": (lambda x, img, w: F.gelu(x), F32, BF16),
    "tanh": (lambda x, img, w: x.tanh(), F32, BF16),
    "add": (lambda x, img, w: x + x, F32, BF16),
    "sum": (lambda x, img, w: x.sum(), F32, BF16),
    "mean": (lambda x, img, w: x.mean(), F32, BF16),
    "norm": (lambda x, img, w: x.norm(), F32, BF16),
    "logsumexp": (lambda x, img, w: x.logsumexp(1), F32, BF16),
    "cosine_similarity": (lambda x, img, w: F.cosine_similarity(x, x), F32, BF16),
    "max_pool2d": (lambda x, img, w: F.max_pool2d(img, 2), F32, BF16),
    "avg_pool2d": (lambda x, img, w: F.avg_pool2d(img, 2), F32, BF16),
    "interpolate": (lambda x, img, w: F.interpolate(img, scale_factor=2), F32, BF16),
    "dropout": (lambda x, img, w: F.dropout(x), F32, BF16),
    "cat": (lambda x, img, w: gentrain.cat([x.float(), x.to(gentrain.bfloat16)]), F32, F32),
    "stack": (lambda x, img, w: gentrain.stack([x.to(gentrain.bfloat16), x.float()]), F32, F32),
}


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("column", [1, 2])
def test_output_dtypes_are_pytorchs(name, column):
    fn, expected = OPS[name][0], OPS[name][column]
    x, img = inputs(F32 if column == 1 else BF16)
    w = gentrain.nn.Parameter(gentrain.randn(6, 8))
    with gentrain.autocast("cpu"):
        assert fn(x, img, w).dtype is expected


def test_values_within_bfloat16_and_gradients_in_the_inputs_dtypes():
    gentrain.manual_seed(2)
    x = gentrain.randn(16, 32)
    w = gentrain.nn.Parameter(gentrain.randn(24, 32) * 0.2)
    b = gentrain.nn.Parameter(gentrain.randn(24))
    with gentrain.autocast("cpu"):
        y = F.linear(x, w, b)
        loss = F.mse_loss(y, gentrain.zeros(16, 24))
    assert y.dtype is BF16 and loss.dtype is F32
    loss.backward()
    assert w.grad.dtype is F32 and b.grad.dtype is F32
    ref = x.numpy().astype(np.float64) @ w.numpy().T.astype(np.float64) + b.numpy()
    np.testing.assert_allclose(y.float().numpy(), ref, rtol=2e-2, atol=5e-2)
    g_ref = 2 * ref / ref.size
    np.testing.assert_allclose(b.grad.numpy(), g_ref.sum(0), rtol=3e-2, atol=1e-3)


def test_nested_disabled_region_and_state():
    x, _ = inputs(F32)
    assert not gentrain.is_autocast_enabled()
    with gentrain.autocast("cpu"):
        assert gentrain.is_autocast_enabled() and gentrain.get_autocast_dtype("cpu") is BF16
        with gentrain.autocast("cpu", enabled=False):
            assert (x @ x.t()).dtype is F32 and not gentrain.is_autocast_enabled()
        assert (x @ x.t()).dtype is BF16
        with gentrain.autocast("cpu", dtype=gentrain.float16):
            assert (x @ x.t()).dtype is gentrain.float16
    assert (x @ x.t()).dtype is F32 and not gentrain.is_autocast_enabled()

    @gentrain.autocast("cpu")
    def product(a):
        return a @ a.t()
    assert product(x).dtype is BF16
    with pytest.raises(RuntimeError, match="only supports dtype"):
        gentrain.autocast("cpu", dtype=gentrain.float32)
    with pytest.raises(ValueError):
        gentrain.amp.autocast("cuda")


def test_mlp_trains_under_autocast_and_grad_scaler_like_float32():
    def run(mixed):
        gentrain.manual_seed(0)
        model = gentrain.nn.Sequential(gentrain.nn.Linear(20, 64), gentrain.nn.ReLU(), gentrain.nn.Linear(64, 4))
        opt = gentrain.optim.Adam(model.parameters(), lr=1e-2)
        scaler = gentrain.amp.GradScaler("cpu", enabled=mixed)
        x = gentrain.randn(64, 20)
        y = (x[:, :4].argmax(1))
        losses = []
        for _ in range(20):
            opt.zero_grad()
            with gentrain.autocast("cpu", enabled=mixed):
                loss = F.cross_entropy(model(x), y)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            losses.append(loss.item())
        assert all(p.dtype is F32 and p.grad.dtype is F32 for p in model.parameters())
        return losses
    full, mixed = run(False), run(True)
    assert mixed[-1] < 0.6 * mixed[0]
    np.testing.assert_allclose(mixed, full, rtol=0.05, atol=0.02)


GOLDEN = os.path.join(os.path.dirname(__file__), "..", "..", "..", "Tests", "GentrainTests", "Golden", "autocast.json")


def golden():
    with open(GOLDEN) as f:
        return json.load(f)


def tensor(e, requires_grad=False):
    t = gentrain.tensor(np.array(e["data"], dtype=np.float64).reshape(e["shape"]).astype(np.dtype(e["dtype"])))
    return t.requires_grad_(True) if requires_grad else t


TARGET = [1, 0, 3, 7, 2, 2, 5, 9, 0, 1, 3, 4, 6, 8, 7, 23]
# The ops of autocast.json (scripts/gen_golden.py), spelled in gentrain.
GOLDEN_OPS = {
    "linear": lambda x, w, b: F.linear(x, w, b),
    "matmul": lambda x, w: x @ w.t(),
    "bmm": lambda q: gentrain.bmm(q, q.transpose(1, 2)),
    "conv2d": lambda img, k, kb: F.conv2d(img, k, kb, padding=1),
    "conv_transpose2d": lambda img, k: F.conv_transpose2d(img, k, stride=2),
    "linear_relu": lambda x, w, b: F.linear(x, w, b).relu(),
    "linear_softmax": lambda x, w: F.softmax(F.linear(x, w), 1),
    "linear_layer_norm": lambda x, w: F.layer_norm(F.linear(x, w), (24,)),
    "linear_cross_entropy": lambda x, w, b: F.cross_entropy(F.linear(x, w, b), gentrain.tensor(TARGET)),
    "linear_mse": lambda x, w: F.mse_loss(F.linear(x, w), gentrain.ones(16, 24)),
    "sdpa": lambda q: F.scaled_dot_product_attention(q, q, q),
    "cat": lambda x, w: gentrain.cat([x @ w.t(), F.linear(x, w).float()], 1),
}


@pytest.mark.parametrize("case", golden()["ops"], ids=lambda c: c["name"])
def test_ops_match_pytorchs_autocast(case):
    """Output dtype as PyTorch's, values within bfloat16's resolution, float32 gradients of the
    float32 leaves through the casts."""
    leaves = [tensor(e, requires_grad=True) for e in case["inputs"]]
    with gentrain.autocast("cpu"):
        out = GOLDEN_OPS[case["name"]](*leaves)
    assert str(out.dtype).split(".")[-1] == case["output"]["dtype"]
    expected = np.array(case["output"]["data"]).reshape(case["output"]["shape"])
    scale = np.abs(expected).max()
    np.testing.assert_allclose(out.float().numpy(), expected, rtol=2e-2, atol=1e-2 * scale)
    grads = gentrain.autograd.grad((out.float() * tensor(case["w"])).sum(), leaves)
    for g, e in zip(grads, case["grads"]):
        assert g.dtype is F32
        want = np.array(e["data"]).reshape(e["shape"])
        np.testing.assert_allclose(g.numpy(), want, rtol=3e-2, atol=2e-2 * np.abs(want).max())


def load(model, weights):
    model.load_state_dict({k: tensor(v) for k, v in weights.items()})
    return model


def amp_step(scaler, opt, loss):
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()


def test_mlp_under_autocast_and_grad_scaler_tracks_pytorch():
    run = golden()["training"]["mlp"]
    nn = gentrain.nn
    mlp = load(nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 4)), run["weights"])
    x, y = tensor(run["x"]), tensor(run["y"])
    opt, scaler, losses = gentrain.optim.Adam(mlp.parameters(), lr=1e-2), gentrain.amp.GradScaler("cpu"), []
    for _ in range(20):
        opt.zero_grad()
        with gentrain.autocast("cpu"):
            loss = F.cross_entropy(mlp(x), y)
        amp_step(scaler, opt, loss)
        losses.append(loss.item())
    np.testing.assert_allclose(losses, run["losses"], rtol=2e-2, atol=1e-2)


def test_conv_gan_under_autocast_and_grad_scaler_tracks_pytorch():
    run = golden()["training"]["dcgan"]
    nn = gentrain.nn
    critic = load(nn.Sequential(nn.Conv2d(1, 8, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(8, 16, 4, 2, 1), nn.LeakyReLU(0.2),
                                nn.Flatten(), nn.Linear(16 * 7 * 7, 1)), run["weights"]["critic"])
    gen = load(nn.Sequential(nn.Linear(16, 16 * 7 * 7), nn.Unflatten(1, (16, 7, 7)), nn.ReLU(), nn.ConvTranspose2d(16, 8, 4, 2, 1),
                             nn.ReLU(), nn.ConvTranspose2d(8, 1, 4, 2, 1), nn.Tanh()), run["weights"]["gen"])
    real, z = tensor(run["real"]), tensor(run["z"])
    c_opt = gentrain.optim.Adam(critic.parameters(), lr=2e-4, betas=(0.5, 0.999))
    g_opt = gentrain.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.999))
    scaler, ones, zeros, losses = gentrain.amp.GradScaler("cpu"), gentrain.ones(8, 1), gentrain.zeros(8, 1), []
    for i in range(20):
        c_opt.zero_grad()
        with gentrain.autocast("cpu"):
            fake = gen(z[i])
            d_loss = F.binary_cross_entropy_with_logits(critic(real), ones) + \
                F.binary_cross_entropy_with_logits(critic(fake.detach()), zeros)
        amp_step(scaler, c_opt, d_loss)
        g_opt.zero_grad()
        with gentrain.autocast("cpu"):
            g_loss = F.binary_cross_entropy_with_logits(critic(fake), ones)
        amp_step(scaler, g_opt, g_loss)
        losses += [d_loss.item(), g_loss.item()]
    np.testing.assert_allclose(losses, run["losses"], rtol=2e-2, atol=1e-2)


def test_wgan_gp_critic_under_autocast_and_grad_scaler_tracks_pytorch():
    """PyTorch's recipe for a gradient penalty under mixed precision: scale the critic's output
    before autograd.grad(create_graph=True), unscale the gradients, then the penalty; the
    double backward runs through bfloat16 ops."""
    run = golden()["training"]["wgan_gp"]
    nn = gentrain.nn
    critic = load(nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1)), run["weights"])
    real, fake, eps = tensor(run["real"]), tensor(run["fake"]), tensor(run["eps"])
    opt = gentrain.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
    scaler, losses, penalties = gentrain.amp.GradScaler("cpu"), [], []
    for i in range(20):
        opt.zero_grad()
        mixed = (eps[i] * real[i] + (1 - eps[i]) * fake[i]).requires_grad_(True)
        with gentrain.autocast("cpu"):
            score = critic(mixed)
        (scaled,) = gentrain.autograd.grad(scaler.scale(score.sum()), mixed, create_graph=True)
        grad = scaled * (1.0 / scaler.get_scale())
        with gentrain.autocast("cpu"):
            penalty = ((grad.norm(2, dim=1) - 1) ** 2).mean()
            loss = critic(fake[i]).mean() - critic(real[i]).mean() + 10 * penalty
        amp_step(scaler, opt, loss)
        losses.append(loss.item())
        penalties.append(penalty.item())
    np.testing.assert_allclose(penalties, run["penalties"], rtol=3e-2, atol=1e-2)
    np.testing.assert_allclose(losses, run["losses"], rtol=2e-2, atol=2e-2)
