"""The nn modules as PyTorch users write them: real classes with signatures, loss modules that
equal their functions, Sequential slices, constructor arguments checked at construction."""
import inspect

import numpy as np
import pytest

import gentrain
import gentrain.nn as nn
import gentrain.nn.functional as F


def _pair():
    gentrain.manual_seed(3)
    x = gentrain.randn(4, 3)
    t = gentrain.rand(4, 3)
    return x, t


@pytest.mark.parametrize("module, function", [
    (nn.MSELoss(), lambda x, t: F.mse_loss(x, t)),
    (nn.L1Loss(reduction="sum"), lambda x, t: F.l1_loss(x, t, reduction="sum")),
    (nn.SmoothL1Loss(beta=0.5), lambda x, t: F.smooth_l1_loss(x, t, beta=0.5)),
    (nn.HuberLoss(delta=0.3), lambda x, t: F.huber_loss(x, t, delta=0.3)),
    (nn.BCEWithLogitsLoss(pos_weight=gentrain.tensor([1.0, 2.0, 3.0])),
     lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=gentrain.tensor([1.0, 2.0, 3.0]))),
    (nn.BCELoss(), lambda x, t: F.binary_cross_entropy(x.sigmoid(), t)),
    (nn.KLDivLoss(reduction="batchmean"), lambda x, t: F.kl_div(x.log_softmax(1), t, reduction="batchmean")),
])
def test_loss_modules_equal_their_functions(module, function):
    x, t = _pair()
    arg = x.sigmoid() if isinstance(module, nn.BCELoss) else (x.log_softmax(1) if isinstance(module, nn.KLDivLoss) else x)
    assert module(arg, t).item() == pytest.approx(function(x, t).item(), rel=1e-6)


def test_class_losses():
    x = gentrain.randn(5, 4)
    y = gentrain.tensor([0, 3, 1, 1, 2])
    assert nn.NLLLoss()(x.log_softmax(1), y).item() == pytest.approx(nn.CrossEntropyLoss()(x, y).item(), rel=1e-6)
    v = gentrain.ones(5, 4)
    assert nn.GaussianNLLLoss()(x, x * 0, v).item() == pytest.approx(F.gaussian_nll_loss(x, x * 0, v).item())
    a, b = gentrain.randn(3, 6), gentrain.randn(3, 6)
    s = gentrain.tensor([1.0, -1.0, 1.0])
    assert nn.CosineEmbeddingLoss(margin=0.1)(a, b, s).item() == pytest.approx(
        F.cosine_embedding_loss(a, b, s, margin=0.1).item())


def test_constructors_check_their_arguments():
    with pytest.raises(TypeError):
        nn.GELU(approximation="tanh")   # a misspelled keyword fails at construction
    with pytest.raises(ValueError):
        nn.GELU(approximate="fast")
    with pytest.raises(TypeError):
        nn.MaxPool2d()                  # kernel_size is required, as in PyTorch
    assert list(inspect.signature(nn.Softplus).parameters) == ["beta", "threshold"]
    assert nn.ReLU(inplace=True)(gentrain.tensor([-1.0, 2.0])).tolist() == [0.0, 2.0]


def test_sequential_slices_are_sequential():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.Softsign())
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is model[0]
    x = gentrain.randn(2, 3)
    np.testing.assert_allclose(model[2:](head(x)).numpy(), model(x).numpy(), rtol=1e-6)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear", "Softsign"]
