"""The embedding contract from Python: temporaries outlive the calls that use them, the
library's warnings arrive as UserWarnings, garbage inputs are refused as PyTorch refuses them,
and a checkpoint holds a model's buffers."""
import math
import warnings

import numpy as np
import pytest

import gentrain
import gentrain.nn as nn
import gentrain.nn.functional as F


def test_temporary_parameters_outlive_the_call():
    model = nn.Linear(2, 2)
    model(gentrain.ones(3, 2)).sum().backward()
    # A generator of a temporary module's parameters: the handles stay valid across the call.
    norm = nn.utils.clip_grad_norm_(nn.Linear(2, 2).parameters(), 1.0)
    assert float(norm) == 0.0
    assert float(nn.utils.clip_grad_norm_((p for p in model.parameters()), 1.0)) > 0


def test_broadcasting_regression_loss_warns():
    with pytest.warns(UserWarning, match="target size"):
        F.mse_loss(gentrain.zeros(4, 1), gentrain.zeros(4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.mse_loss(gentrain.zeros(4), gentrain.zeros(4))


def test_garbage_is_refused():
    with pytest.raises(gentrain.InvalidArgumentError, match="between 0 and 1"):
        F.binary_cross_entropy(gentrain.tensor([0.5, 1.5]), gentrain.tensor([1.0, 0.0]))
    with pytest.raises(gentrain.InvalidArgumentError, match="nan"):
        gentrain.generative.sample(gentrain.tensor([[0.0, float("nan"), 1.0]]))


def test_binary_cross_entropy_edges():
    # float32 runs one fused pass; its range check, clamps and gradient match the float64 ops'.
    for bad in ([0.5, float("nan")], [-0.1, 0.5]):
        for reduction in ("mean", "sum", "none"):
            with pytest.raises(gentrain.InvalidArgumentError, match="between 0 and 1"):
                F.binary_cross_entropy(gentrain.tensor(bad), gentrain.tensor([1.0, 0.0]), reduction=reduction)
    loss = F.binary_cross_entropy(gentrain.tensor([0.5, 0.5]), gentrain.tensor([float("nan"), 0.0]), reduction="sum")
    assert math.isnan(loss.item())   # a NaN target is no error, as in PyTorch
    edges = F.binary_cross_entropy(gentrain.tensor([0.0, 1.0, 0.0, 1.0]), gentrain.tensor([1.0, 0.0, 0.0, 1.0]), reduction="none")
    assert edges.tolist() == [100.0, 100.0, 0.0, 0.0]
    gentrain.manual_seed(3)
    x = gentrain.rand(64, 300) * 0.999 + 0.0005
    t = gentrain.rand(64, 300)
    w = gentrain.rand(300)
    results = {}
    for dtype in (gentrain.float32, gentrain.float64):
        xi = x.to(dtype).detach().requires_grad_(True)
        ti = t.to(dtype).detach().requires_grad_(True)
        for reduction in ("sum", "none"):
            out = F.binary_cross_entropy(xi[:, ::2], ti[:, ::2], weight=w[::2].to(dtype), reduction=reduction)
            (out if reduction == "sum" else (out * out).sum()).backward()
        results[dtype] = (out.to(gentrain.float64).numpy(), xi.grad.to(gentrain.float64).numpy(), ti.grad.to(gentrain.float64).numpy())
    for a, b in zip(results[gentrain.float32], results[gentrain.float64]):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-5)


def test_integer_extrema():
    x = gentrain.tensor([[5, -7, 3], [9, -2, 1]], dtype=gentrain.int32)
    values, indices = x.max(dim=1)
    assert values.tolist() == [5, 9] and indices.tolist() == [0, 0]
    assert gentrain.tensor([-5, -1, -3], dtype=gentrain.int64).argmax().item() == 1


def test_checkpoint_resumes_batch_norm_buffers(tmp_path):
    gentrain.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    x = gentrain.randn(8, 3)
    model(x)
    path = tmp_path / "bn.ckpt"
    gentrain.Checkpoint(model).save(path)
    model.eval()
    expected = model(x).numpy()
    model.train()
    model(x * 3)   # moves the running statistics and the batch count
    gentrain.Checkpoint(model).load(path)
    model.eval()
    np.testing.assert_array_equal(model(x).numpy(), expected)
    assert model[1].num_batches_tracked.item() == 1


def test_non_finite_helpers():
    x = gentrain.tensor([0.0, float("nan"), float("inf"), float("-inf"), 1.5])
    assert gentrain.isnan(x).tolist() == [False, True, False, False, False]
    assert x.isinf().tolist() == [False, False, True, True, False]
    assert gentrain.isfinite(x).tolist() == [True, False, False, False, True]
    np.testing.assert_array_equal(gentrain.nan_to_num(x, posinf=9.0).numpy(),
                                  np.array([0, 0, 9, np.finfo(np.float32).min, 1.5], dtype=np.float32))


def test_detect_anomaly_names_the_op():
    x = gentrain.tensor([-1.0], requires_grad=True)
    with gentrain.autograd.detect_anomaly():
        with pytest.raises(gentrain.NonFiniteError, match="forward of 'Log'"):
            x.log()
        z = gentrain.tensor([0.0], requires_grad=True)
        with pytest.raises(gentrain.NonFiniteError, match="SqrtBackward"):
            z.sqrt().sum().backward()
    assert not gentrain.autograd.is_anomaly_enabled()
    x.log()   # off again: NaN passes silently, as in PyTorch


def test_clip_grad_norm_returns_the_gradients_dtype():
    p = gentrain.ones(3, dtype=gentrain.float64, requires_grad=True)
    (p * p).sum().backward()
    assert nn.utils.clip_grad_norm_([p], 1.0).dtype == gentrain.float64
    assert nn.utils.clip_grad_norm_([gentrain.ones(2, requires_grad=True)], 1.0).dtype == gentrain.float32


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_all_targets_ignored_gives_a_zero_gradient(loss):
    # PyTorch: the mean over no counted targets is nan, and the gradient is 0 (not nan).
    x = gentrain.randn(3, 4, requires_grad=True)
    inp = x if loss == "cross_entropy" else F.log_softmax(x, dim=1)
    out = getattr(F, loss)(inp, gentrain.tensor([-100, -100, -100]))
    assert np.isnan(out.item())
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((3, 4), dtype=np.float32))


@pytest.mark.parametrize("activation", [F.relu, F.leaky_relu])
def test_double_backward_through_piecewise_linear_activations_gives_zeros(activation):
    # PyTorch: x stays in the graph of the first-order gradient (threshold_backward), so the
    # gradient penalty of a critic made of ReLUs has a zero gradient with respect to x.
    x = gentrain.randn(4, 3, requires_grad=True)
    w = gentrain.randn(3, 5)
    (g,) = gentrain.autograd.grad(activation(x @ w).sum(), x, create_graph=True)
    (gx,) = gentrain.autograd.grad((g * g).sum(), x)
    np.testing.assert_array_equal(gx.numpy(), np.zeros((4, 3), dtype=np.float32))


def test_a_package_newer_than_its_library_says_so(monkeypatch):
    import importlib
    from gentrain import _ffi
    _lib = importlib.import_module("gentrain._lib")   # the module (gentrain._lib is the loaded library)
    monkeypatch.setitem(_ffi.FUNCTIONS, "gentrain_from_a_later_version", (None, []))
    with pytest.raises(ImportError, match="older than this package: it lacks gentrain_from_a_later_version"):
        _lib._load()
    monkeypatch.setattr(_ffi, "ABI_VERSION", _ffi.ABI_VERSION + 1)
    with pytest.raises(ImportError, match="this package needs ABI"):
        _lib._load()


def test_max_dims_comes_from_the_header():
    from gentrain import _ffi
    assert _ffi.MAX_DIMS == 64
    with pytest.raises(gentrain.InvalidArgumentError, match="at most 64 dimensions"):
        gentrain.zeros(*([1] * 65))


def test_integers_out_of_cs_range_are_refused_not_wrapped():
    # ctypes would pass the low bits (2**64 + 4 as an int64 is 4): every door checks first.
    import ctypes
    x = gentrain.randn(4)
    with pytest.raises(OverflowError):
        x.reshape(2 ** 64 + 4)                                  # an int64 array (a shape)
    with pytest.raises(OverflowError):
        gentrain.zeros(2 ** 64 + 1)
    with pytest.raises((OverflowError, ctypes.ArgumentError), match="out of the range"):
        x.argmax(2 ** 64)                                       # an int64 argument
    with pytest.raises(OverflowError):
        x.unsqueeze(-(2 ** 63) - 1)                             # a generated door's int64
    with pytest.raises(OverflowError):
        gentrain.nn.DataParallel(gentrain.nn.Linear(2, 2), workers=2 ** 32 + 2)   # an option struct's int32
    with pytest.raises(TypeError):
        x.reshape(2.0)
    assert x.reshape(2, 2).shape == (2, 2)
