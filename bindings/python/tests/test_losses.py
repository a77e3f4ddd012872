import json
import os

import numpy as np
import pytest

import gentrain
import gentrain.nn.functional as F
from gentrain import generative as G

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "..", "..", "Tests", "GentrainTests", "Golden", "ops.json")
CASES = {c["name"]: c for c in json.load(open(GOLDEN))["cases"]}

# The golden cases that the Python functions reproduce directly.
PYTHON = {
    "mse_loss": lambda a, b: F.mse_loss(a, b),
    "mse_loss_sum": lambda a, b: F.mse_loss(a, b, reduction="sum"),
    "l1_loss": F.l1_loss,
    "smooth_l1_loss": lambda a, b: F.smooth_l1_loss(a, b, beta=0.5),
    "huber_loss_none": lambda a, b: F.huber_loss(a, b, delta=0.7, reduction="none"),
    "binary_cross_entropy": lambda x, t, w: F.binary_cross_entropy(x, t, weight=w),
    "bce_with_logits": lambda x, t, p, w: F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=p),
    "kl_div_batchmean": lambda x, t: F.kl_div(x, t, reduction="batchmean"),
    "kl_div_log_target": lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True),
    "gaussian_nll_full": lambda x, t, v: F.gaussian_nll_loss(x, t, v, full=True),
    "cosine_similarity": lambda a, b: F.cosine_similarity(a, b, dim=1),
    "cosine_embedding_loss": lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=-0.5),
    "nll_loss_weight_ignore": lambda x, t, w: F.nll_loss(x, t, weight=w),
    "cross_entropy_probabilities": lambda x, t, w: F.cross_entropy(x, t, weight=w, label_smoothing=0.2),
    "vae_kl": lambda mu, lv: G.vae_kl_divergence(mu, lv),
    "wgan_critic": lambda r, f: G.gan_loss("wasserstein", "critic", f, r),
    "nonsaturating_d": lambda r, f: G.gan_loss("nonsaturating", "discriminator", f, r),
    "hinge_d": lambda r, f: G.gan_loss("hinge", "discriminator", f, r),
    "entropy": G.entropy,
    "reinforce": lambda logits, a, r, b: G.reinforce_loss(G.log_probs(logits, a), r, baseline=b),
    "unfold": lambda x: F.unfold(x, (2, 3), dilation=(2, 1), padding=(1, 1), stride=(1, 2)).sin(),
    "fold": lambda c: F.fold(c, (4, 5), (2, 2), padding=(0, 1), stride=(2, 2)).sin(),
    "conv2d": lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0)),
    "conv2d_groups_dilation": lambda x, w: F.conv2d(x, w, dilation=2, groups=2),
    "conv2d_same_even": lambda x, w: F.conv2d(x, w, padding="same"),
    "conv1d": lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1),
    "conv_transpose2d": lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
    "conv_transpose2d_groups": lambda x, w: F.conv_transpose2d(x, w, groups=2, stride=(1, 2)),
    "conv2d_wide": lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
    "conv2d_wide_groups": lambda x, w: F.conv2d(x, w, padding=1, groups=2).tanh(),
    "conv_transpose2d_wide": lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
    "conv_transpose2d_dilated_pad": lambda x, w: F.conv_transpose2d(x, w, dilation=(2, 3), output_padding=(1, 2)),
    "upsample_scale_nearest": lambda x: F.interpolate(x, scale_factor=1.7, mode="nearest").sin(),
    "upsample_scale_bilinear": lambda x: gentrain.nn.Upsample(scale_factor=(2.5, 1.3), mode="bilinear")(x).sin(),
    "silu": lambda x: F.silu(x),
    "elu": lambda x: F.elu(x, alpha=0.7),
    "max_pool2d": lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
    "avg_pool2d_pad_exclude": lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
    "adaptive_avg_pool2d": lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
    "max_pool2d_ceil_dilation": lambda x: F.max_pool2d(x, 3, stride=2, padding=1, dilation=2, ceil_mode=True),
    "max_pool2d_ceil": lambda x: gentrain.nn.MaxPool2d((3, 2), stride=2, ceil_mode=True)(x),
    "avg_pool2d_ceil": lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
    "avg_pool2d_ceil_exclude": lambda x: gentrain.nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)(x),
    "avg_pool2d_divisor": lambda x: F.avg_pool2d(x, 2, divisor_override=3),
    "max_unpool2d": lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2).sin(),
    "max_unpool2d_output_size": lambda x: gentrain.nn.MaxUnpool2d(2, stride=2)(
        *gentrain.nn.MaxPool2d(2, stride=2, return_indices=True)(x), output_size=(5, 5)).sin(),
    "upsample_bilinear": lambda x: F.interpolate(x, size=(5, 7), mode="bilinear", align_corners=False),
    "pixel_shuffle": lambda x: F.pixel_shuffle(x, 2).sin(),
    "batch_norm_train": lambda x, w, b: F.batch_norm(x, gentrain.zeros(3, dtype=gentrain.float64),
                                                     gentrain.ones(3, dtype=gentrain.float64), w, b, training=True),
    "layer_norm": lambda x, w, b: F.layer_norm(x, (3, 4), w, b),
    "group_norm": lambda x, w, b: F.group_norm(x, 3, w, b),
    "instance_norm": F.instance_norm,
}


def load(stored):
    a = np.array(stored["data"], dtype=np.int64 if stored["dtype"] == "int64" else np.float64).reshape(stored["shape"])
    return gentrain.tensor(a, requires_grad=stored["requires_grad"])


@pytest.mark.parametrize("name", sorted(PYTHON))
def test_losses_match_pytorch_values_and_gradients(name):
    case = CASES[name]
    inputs = [load(t) for t in case["inputs"]]
    out = PYTHON[name](*inputs)
    np.testing.assert_allclose(out.numpy().reshape(-1), case["output"]["data"], rtol=1e-9, atol=1e-12)
    w = load(case["w"])
    wanted = [t for t in inputs if t.requires_grad]
    grads = gentrain.autograd.grad((out * w).sum(), wanted)
    for g, expected in zip(grads, case["grads"]):
        np.testing.assert_allclose(g.numpy().reshape(-1), expected["data"], rtol=1e-9, atol=1e-12)


def test_gradient_penalty_with_a_python_critic():
    critic = gentrain.nn.Sequential(gentrain.nn.Linear(2, 8), gentrain.nn.Tanh(), gentrain.nn.Linear(8, 1))
    real, fake = gentrain.randn(16, 2), gentrain.randn(16, 2)
    gp = G.gradient_penalty(critic, real, fake, lambda_=10.0)
    gp.backward()
    assert all(p.grad is not None for p in list(critic.parameters())[:3])

    def broken(x):
        raise RuntimeError("critic exploded")

    with pytest.raises(RuntimeError, match="critic exploded"):
        G.gradient_penalty(broken, real, fake)


def test_sampling_and_baseline():
    logits = gentrain.tensor(np.log(np.array([[0.0, 1.0, 2.0, 3.0]] * 2000) + 1e-30))
    gentrain.manual_seed(7)
    a = G.sample(logits).numpy()
    counts = np.bincount(a, minlength=4) / len(a)
    np.testing.assert_allclose(counts, [0, 1 / 6, 2 / 6, 3 / 6], atol=0.04)
    assert set(G.sample(logits, top_k=1).numpy().tolist()) == {3}
    b = G.MovingAverageBaseline(0.5)
    assert b.update(gentrain.tensor([1.0, 3.0])) == 2.0
    assert b.update([4.0, 4.0]) == 2.0 and b.value == 3.0


class RegularizedMSE(gentrain.nn.Module):
    """The seed's custom loss: mse_loss(pred, target) + alpha * norm(pred, p=2)."""

    def __init__(self, alpha):
        super().__init__()
        self.alpha = alpha

    def forward(self, pred, target):
        return F.mse_loss(pred, target) + self.alpha * pred.norm(p=2)


def test_custom_loss_module_by_composition():
    pred = gentrain.tensor([1.0, -2.0, 3.0], dtype=gentrain.float64, requires_grad=True)
    target = gentrain.tensor([0.0, 0.0, 1.0], dtype=gentrain.float64)
    loss = RegularizedMSE(0.5)(pred, target)
    assert loss.item() == pytest.approx(9 / 3 + 0.5 * np.sqrt(14), rel=1e-12)
    loss.backward()
    n = np.sqrt(14)
    np.testing.assert_allclose(pred.grad.numpy(), [2 / 3 + 0.5 / n, -4 / 3 - 1 / n, 4 / 3 + 1.5 / n], rtol=1e-12)


def test_perceptual_loss_through_an_extractor_saved_by_pytorch(tmp_path):
    nn = gentrain.nn
    golden = os.path.dirname(GOLDEN)
    case = json.load(open(os.path.join(golden, "perceptual.json")))
    phi = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 8, 3, stride=2, padding=1),
                        nn.LeakyReLU(0.2), nn.Conv2d(8, 8, 3, padding=1))
    assert list(phi.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    phi.load(os.path.join(golden, "perceptual_extractor.safetensors"))   # float64 file into float32 weights
    generated = load(case["generated"]).float().detach().requires_grad_()
    real = load(case["real"]).float()
    perceptual = G.PerceptualLoss(phi, {int(k): v for k, v in case["layers"].items()})
    loss = perceptual(generated, real)
    np.testing.assert_allclose(loss.item(), case["loss"], rtol=1e-5)
    loss.backward()
    np.testing.assert_allclose(generated.grad.numpy().reshape(-1), case["grad"]["data"], rtol=1e-4, atol=1e-6)
    assert all(p.grad is None and not p.requires_grad for p in phi.parameters())
    with pytest.raises(ValueError, match="layer indices"):
        G.PerceptualLoss(phi, {5: 1.0})

    # Save and load round trip; a file that does not fit changes nothing.
    phi.save(tmp_path / "phi.safetensors")
    other = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 8, 3, stride=2, padding=1),
                          nn.LeakyReLU(0.2), nn.Conv2d(8, 8, 3, padding=1)).load(tmp_path / "phi.safetensors")
    for (n, a), (_, b) in zip(phi.state_dict().items(), other.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=n)
    small = nn.Sequential(nn.Conv2d(1, 5, 3))
    before = small[0].weight.numpy().copy()
    with pytest.raises(gentrain.InvalidArgumentError, match="size mismatch for '0.weight'.*unexpected key '2.weight'"):
        small.load(tmp_path / "phi.safetensors")
    np.testing.assert_array_equal(small[0].weight.numpy(), before)


@pytest.mark.parametrize("name", ["lstm", "gru", "lstm_bidirectional", "gru_bidirectional"])
def test_recurrent_layers_match_pytorch(name):
    nn = gentrain.nn
    case = json.load(open(os.path.join(os.path.dirname(GOLDEN), "recurrent.json")))[name]
    module = {"lstm": lambda: nn.LSTM(3, 4, num_layers=2), "gru": lambda: nn.GRU(3, 4, batch_first=True),
              "lstm_bidirectional": lambda: nn.LSTM(3, 4, num_layers=2, bidirectional=True),
              "gru_bidirectional": lambda: nn.GRU(3, 4, num_layers=2, batch_first=True, bidirectional=True)}[name]()
    assert list(module.state_dict()) == list(case["state"])   # PyTorch's names, in its order
    for key, stored in case["state"].items():
        setattr(module, key, nn.Parameter(load(stored)))
    x = load(case["input"]).detach().requires_grad_()
    if name.startswith("lstm"):
        y, (h, c) = module(x, (load(case["h0"]), load(case["c0"])))
        finals = [h, c]
    else:
        y, h = module(x, load(case["h0"]))
        finals = [h]
    for got, expected in zip([y] + finals, [case["output"]] + case["finals"]):
        assert list(got.shape) == expected["shape"]
        np.testing.assert_allclose(got.numpy().reshape(-1), expected["data"], rtol=1e-10, atol=1e-12)
    loss = (y * load(case["w"])).sum()
    for i, f in enumerate(finals):
        loss = loss + (f * (i + 1)).sum()
    params = list(module.named_parameters())
    grads = gentrain.autograd.grad(loss, [x] + [p for _, p in params])
    for key, g in zip(["input"] + [n for n, _ in params], grads):
        np.testing.assert_allclose(g.numpy().reshape(-1), case["grads"][key]["data"], rtol=1e-9, atol=1e-12, err_msg=key)


def test_recurrent_cells_are_one_step_of_the_layers():
    nn = gentrain.nn
    lstm, cell = nn.LSTM(3, 5), nn.LSTMCell(3, 5)
    for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        setattr(cell, n, getattr(lstm, n + "_l0"))
    x = gentrain.randn(1, 2, 3)
    y, (h, c) = lstm(x)
    h1, c1 = cell(x[0])
    # the same sums in another order: the layer adds both biases before its products
    np.testing.assert_allclose(h1.numpy(), y[0].numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(c1.numpy(), c[0].numpy(), rtol=1e-6, atol=1e-6)
    gru, gcell = nn.GRU(3, 5, bias=False), nn.GRUCell(3, 5, bias=False)
    gcell.weight_ih, gcell.weight_hh = gru.weight_ih_l0, gru.weight_hh_l0
    np.testing.assert_allclose(gcell(x[0]).numpy(), gru(x)[0][0].numpy(), rtol=1e-6, atol=1e-6)
    with pytest.raises(gentrain.ShapeError, match="expected input"):
        lstm(gentrain.randn(2, 3))


def test_lstm_dropout_between_layers_in_training_only():
    nn = gentrain.nn
    net = nn.LSTM(3, 4, num_layers=2, dropout=1.0)
    second = nn.LSTM(4, 4)
    for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        setattr(second, n + "_l0", getattr(net, n + "_l1"))
    x = gentrain.randn(5, 2, 3)
    np.testing.assert_array_equal(net(x)[0].numpy(), second(gentrain.zeros(5, 2, 4))[0].numpy())
    net.eval()
    assert not np.array_equal(net(x)[0].numpy(), second(gentrain.zeros(5, 2, 4))[0].numpy())
    with pytest.raises(ValueError, match="dropout"):
        nn.GRU(3, 4, dropout=2)


def test_layer_modules_state_dicts_and_modes(tmp_path):
    nn, F = gentrain.nn, gentrain.nn.functional
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))
    assert list(net.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                                      "1.num_batches_tracked", "4.weight", "4.bias"]
    x = gentrain.randn(5, 1, 4, 4)
    net(x)
    bn = net[1]
    assert bn.num_batches_tracked.item() == 1 and np.abs(bn.running_mean.numpy()).sum() > 0
    net.save(tmp_path / "net.safetensors")
    other = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))
    other.load(tmp_path / "net.safetensors")
    for (n, a), (_, b) in zip(net.state_dict().items(), other.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=n)
    net.eval(), other.eval()
    np.testing.assert_array_equal(net(x).numpy(), other(x).numpy())
    assert net[1].num_batches_tracked.item() == 1   # eval does not count
    h = net[0](x)
    expected = F.batch_norm(h, bn.running_mean, bn.running_var, bn.weight, bn.bias, training=False)
    np.testing.assert_allclose(bn(h).numpy(), expected.numpy())

    # The parameter-free modules are their functions.
    y = gentrain.randn(2, 4, 6, 6)
    for module, fn in [(nn.GELU("tanh"), lambda t: F.gelu(t, approximate="tanh")), (nn.Softplus(beta=2.0), lambda t: F.softplus(t, 2.0)),
                       (nn.LogSoftmax(dim=1), lambda t: F.log_softmax(t, 1)), (nn.MaxPool2d(3, 2, 1), lambda t: F.max_pool2d(t, 3, 2, 1)),
                       (nn.AvgPool2d(2), lambda t: F.avg_pool2d(t, 2)), (nn.AdaptiveAvgPool2d((2, 3)), lambda t: F.adaptive_avg_pool2d(t, (2, 3))),
                       (nn.PixelShuffle(2), lambda t: F.pixel_shuffle(t, 2)),
                       (nn.Upsample(size=(9, 9), mode="bilinear", align_corners=False),
                        lambda t: F.interpolate(t, (9, 9), mode="bilinear", align_corners=False)),
                       (nn.LayerNorm((6, 6)), lambda t: F.layer_norm(t, (6, 6))), (nn.GroupNorm(2, 4), lambda t: F.group_norm(t, 2)),
                       (nn.InstanceNorm2d(4), F.instance_norm)]:
        np.testing.assert_allclose(module(y).numpy(), fn(y).numpy(), rtol=1e-6, atol=1e-7, err_msg=repr(module))
    v = np.array([-3.0, -0.5, 0.0, 0.5, 2.0])
    t = gentrain.tensor(v, requires_grad=True)
    np.testing.assert_allclose(nn.SiLU()(t).numpy(), v / (1 + np.exp(-v)), rtol=1e-12)
    out = nn.ELU(alpha=0.7)(t)
    np.testing.assert_allclose(out.numpy(), np.where(v > 0, v, 0.7 * np.expm1(v)), rtol=1e-12)
    (g,) = gentrain.autograd.grad(out.sum(), [t])
    np.testing.assert_allclose(g.numpy(), np.where(v > 0, 1.0, 0.7 * np.exp(v)), rtol=1e-12)   # PyTorch: alpha·e^x at x ≤ 0
    up = nn.ConvTranspose2d(4, 6, 4, stride=2, padding=1, groups=2)
    assert up.weight.shape == (4, 3, 4, 4)
    assert abs(up.weight.numpy()).max() <= 1 / np.sqrt(3 * 16)   # PyTorch's bound: 1/sqrt(out/groups * k²)
    np.testing.assert_allclose(up(y).numpy(), F.conv_transpose2d(y, up.weight, up.bias, 2, 1, groups=2).numpy(), rtol=1e-6)
    emb = nn.Embedding(10, 3)
    idx = gentrain.tensor(np.array([[1, 9], [0, 1]]))
    np.testing.assert_array_equal(emb(idx).numpy(), emb.weight.numpy()[[[1, 9], [0, 1]]])
    drop = nn.Dropout(0.5)
    assert (drop(y).numpy() == 0).any()
    drop.eval()
    np.testing.assert_array_equal(drop(y).numpy(), y.numpy())
