"""Autocast: every op's output dtype as PyTorch 2.13's CPU autocast gives it (the table below was
read from PyTorch: each op run under torch.autocast("cpu", dtype=torch.bfloat16) with float32
inputs, and with bfloat16 inputs), values within bfloat16's resolution, gradients in the inputs'
dtypes, nesting, and training with GradScaler."""
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
