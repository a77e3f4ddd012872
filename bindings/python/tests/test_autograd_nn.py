import numpy as np
import pytest

import gentrain
import gentrain.nn as nn
import gentrain.nn.functional as F


def test_backward_and_grad():
    x = gentrain.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    (g,) = gentrain.autograd.grad(y, x, retain_graph=True)
    np.testing.assert_allclose(g.numpy(), [2, 4, 6])
    assert x.grad is None
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2, 4, 6])
    with pytest.raises(gentrain.AutogradError, match="second time"):
        y.backward()


def test_double_backward_gradient_penalty():
    # d/dw of (|d/dx (w·x)²|² ) = d/dw |2 (w·x) w|² ; checked by central differences.
    w0 = np.array([0.3, -0.7], dtype=np.float64)
    x0 = np.array([1.5, 0.5], dtype=np.float64)

    def penalty(w_values, want_grad):
        w = gentrain.tensor(w_values, requires_grad=True)
        x = gentrain.tensor(x0, requires_grad=True)
        out = (w * x).sum() ** 2
        (gx,) = gentrain.autograd.grad(out, x, create_graph=True)
        p = (gx.norm() - 1) ** 2
        if not want_grad:
            return p.item()
        (gw,) = gentrain.autograd.grad(p, w)
        return gw.numpy()

    analytic = penalty(w0, True)
    eps = 1e-6
    numeric = [(penalty(w0 + eps * e, False) - penalty(w0 - eps * e, False)) / (2 * eps) for e in np.eye(2)]
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6)


def test_no_grad_and_set_grad_enabled():
    x = gentrain.ones(2, requires_grad=True)
    with gentrain.no_grad():
        assert not (x * 2).requires_grad
        assert not gentrain.is_grad_enabled()
    assert gentrain.is_grad_enabled()

    @gentrain.no_grad()
    def f():
        return x * 2

    assert not f().requires_grad
    with gentrain.set_grad_enabled(False):
        assert not gentrain.is_grad_enabled()
    assert gentrain.is_grad_enabled()


def test_cross_entropy_matches_reference():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((5, 4))
    target = np.array([0, 3, -100, 1, 3])
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    keep = target != -100
    expected = -logp[np.arange(5)[keep], target[keep]].mean()
    x = gentrain.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, gentrain.tensor(target))
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    loss.backward()
    p = np.exp(logp)
    onehot = np.zeros_like(p)
    onehot[np.arange(5)[keep], target[keep]] = 1
    np.testing.assert_allclose(x.grad.numpy(), (p - onehot) * keep[:, None] / keep.sum(), atol=1e-12)
    summed = nn.CrossEntropyLoss(reduction="sum")(x, gentrain.tensor(target))
    assert summed.item() == pytest.approx(expected * keep.sum())


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 5)
        self.fc2 = nn.Linear(5, 2, bias=False)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def test_module_subclass_names_and_modes():
    m = TwoLayer()
    assert [n for n, _ in m.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight"]
    assert m(gentrain.randn(4, 3)).shape == (4, 2)
    bound = 1 / np.sqrt(3)
    assert np.abs(m.fc1.weight.numpy()).max() <= bound
    m.eval()
    assert not m.fc1.training
    m.requires_grad_(False)
    assert not m.fc1.weight.requires_grad


def test_sgd_momentum_follows_pytorch_formula():
    w = gentrain.tensor([1.0, -2.0], requires_grad=True)
    opt = gentrain.optim.SGD([w], lr=0.1, momentum=0.9)
    ref, buf = np.array([1.0, -2.0]), None
    for _ in range(5):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
        g = 2 * ref
        buf = g if buf is None else 0.9 * buf + g
        ref = ref - 0.1 * buf
    np.testing.assert_allclose(w.numpy(), ref, rtol=1e-6)
    opt.lr = 0.5
    assert opt.lr == 0.5
    with pytest.raises(gentrain.InvalidArgumentError):
        gentrain.optim.Adam([w], betas=(1.5, 0.9))


def test_training_reduces_the_loss():
    gentrain.manual_seed(0)
    x = gentrain.randn(64, 4)
    y = (x[:, 0] > 0).long()
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = gentrain.optim.Adam(model.parameters(), lr=0.05)
    first = None
    for _ in range(50):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        first = first or loss.item()
    assert loss.item() < first * 0.2


class Cube(gentrain.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x ** 3 * scale

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * grad * ctx.scale, None


def test_custom_function_gradcheck_first_and_second_order():
    x0 = np.array([0.5, -1.2, 2.0])

    def value(v):
        return Cube.apply(gentrain.tensor(v), 2.0).sum().item()

    x = gentrain.tensor(x0, requires_grad=True)
    y = Cube.apply(x, 2.0)
    (g,) = gentrain.autograd.grad(y.sum(), x, create_graph=True)
    eps = 1e-6
    numeric = [(value(x0 + eps * e) - value(x0 - eps * e)) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(g.numpy(), numeric, rtol=1e-6)
    g.sum().backward()   # second order through the user's backward: d/dx Σ 6x² = 12x
    np.testing.assert_allclose(x.grad.numpy(), 12 * x0, rtol=1e-12)


def test_custom_function_errors_raise_the_users_exception():
    class Broken(gentrain.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            raise KeyError("no forward today")

    with pytest.raises(KeyError, match="no forward today"):
        Broken.apply(gentrain.ones(2))

    class BadBackward(gentrain.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("no backward today")

    x = gentrain.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="no backward today"):
        BadBackward.apply(x).sum().backward()
    from gentrain.function import _live
    assert all(cls is not Broken for cls, _, _ in _live.values())   # failed ops released their state
