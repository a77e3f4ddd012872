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


def test_shared_modules_and_tied_weights_come_once_as_in_pytorch():
    # The expected names are PyTorch 2.13's for the same model.
    lin = nn.Linear(2, 2)
    inner = nn.Sequential(lin, nn.ReLU(), lin)
    model = nn.Sequential(inner, nn.Sequential(inner))
    assert [n for n, _ in model.named_parameters()] == ["0.0.weight", "0.0.bias"]
    assert len(list(model.parameters())) == 2
    assert [n for n, _ in model.named_parameters(remove_duplicate=False)] == [
        "0.0.weight", "0.0.bias", "0.2.weight", "0.2.bias", "1.0.0.weight", "1.0.0.bias", "1.0.2.weight", "1.0.2.bias"]
    assert list(model.state_dict()) == [n for n, _ in model.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in model.named_modules()] == ["", "0", "0.0", "0.1", "1"]
    assert [n for n, _ in model.named_parameters(prefix="model")] == ["model.0.0.weight", "model.0.0.bias"]
    assert list(lin.named_parameters(recurse=False)) == list(lin.named_parameters())
    assert list(model.named_parameters(recurse=False)) == []
    assert len(list(inner.children())) == 2
    # Tied weights: an optimizer over parameters() steps the shared tensor once.
    tied = nn.Sequential(nn.Linear(3, 3, bias=False), nn.Linear(3, 3, bias=False))
    tied[1].weight = tied[0].weight
    assert len(list(tied.parameters())) == 1 and list(tied.state_dict()) == ["0.weight", "1.weight"]
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Sequential", "Linear", "ReLU", "Sequential", "Sequential", "Sequential"]


def test_module_dtype_conversion_traversal_and_state_dict_loading():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    assert [n for n, _ in model.named_modules()] == ["", "0", "1", "2"]
    assert len(list(model.modules())) == 4 and len(list(model.children())) == 3
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "BatchNorm1d", "Linear", "Sequential"]
    assert model.double() is model
    assert all(p.dtype is gentrain.float64 for p in model.parameters())
    assert model[1].running_mean.dtype is gentrain.float64 and model[1].num_batches_tracked.dtype is gentrain.int64
    x = gentrain.randn(5, 3, dtype=gentrain.float64)
    assert model(x).dtype is gentrain.float64
    model.to(gentrain.bfloat16)
    assert model[0].weight.dtype is gentrain.bfloat16 and model[0].weight.requires_grad
    model.float().to("cpu")
    assert all(p.dtype is gentrain.float32 for p in model.parameters())
    with pytest.raises(TypeError):
        model.to(gentrain.int64)

    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    result = other.load_state_dict(model.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(other[2].weight.numpy(), model[2].weight.numpy())
    partial = dict(model.state_dict())
    del partial["2.bias"]
    partial["extra"] = gentrain.zeros(1)
    with pytest.raises(RuntimeError, match="Missing key\\(s\\).*'2.bias'"):
        other.load_state_dict(partial)
    missing, unexpected = other.load_state_dict(partial, strict=False)
    assert missing == ["2.bias"] and unexpected == ["extra"]
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        other.load_state_dict(dict(model.state_dict(), **{"0.weight": gentrain.zeros(2, 2)}))


def test_activation_modules_as_pytorch():
    # PyTorch 2.13's values for the same inputs; gradients are checked against PyTorch by the golden cases.
    x = gentrain.tensor([[-4.0, -2.5, -0.7, 0.3], [1.1, 2.9, 3.5, 7.0]])
    expected = {
        nn.Hardtanh(-2.0, 3.0): [[-2.0, -2.0, -0.7, 0.3], [1.1, 2.9, 3.0, 3.0]],
        nn.ReLU6(): [[0.0, 0.0, 0.0, 0.3], [1.1, 2.9, 3.5, 6.0]],
        nn.Hardsigmoid(): [[0.0, 0.083333, 0.383333, 0.55], [0.683333, 0.983333, 1.0, 1.0]],
        nn.Hardswish(): [[-0.0, -0.208333, -0.268333, 0.165], [0.751667, 2.851667, 3.5, 7.0]],
        nn.Mish(): [[-0.072592, -0.196816, -0.26787, 0.208001], [0.970842, 2.884267, 3.493991, 6.999989]],
        nn.SELU(): [[-1.725899, -1.613786, -0.885053, 0.31521], [1.155771, 3.047033, 3.677454, 7.354907]],
        nn.CELU(0.5): [[-0.499832, -0.496631, -0.376702, 0.3], [1.1, 2.9, 3.5, 7.0]],
        nn.LogSigmoid(): [[-4.01815, -2.57889, -1.103186, -0.554355], [-0.287335, -0.053563, -0.02975, -0.000911]],
        nn.Tanhshrink(): [[-3.000671, -1.513386, -0.095632, 0.008687], [0.299501, 1.906037, 2.501822, 6.000002]],
        nn.Threshold(0.5, -3.0): [[-3.0, -3.0, -3.0, -3.0], [1.1, 2.9, 3.5, 7.0]],
        nn.Softshrink(1.0): [[-3.0, -1.5, -0.0, 0.0], [0.1, 1.9, 2.5, 6.0]],
        nn.Hardshrink(1.0): [[-4.0, -2.5, 0.0, 0.0], [1.1, 2.9, 3.5, 7.0]],
        nn.GLU(): [[-1.327249, -1.436106], [1.067757, 2.897358]],
        nn.Softmin(1): [[0.785187, 0.175199, 0.02896, 0.010654], [0.794435, 0.131319, 0.07207, 0.002176]],
    }
    for module, values in expected.items():
        np.testing.assert_allclose(module(x).numpy(), values, atol=2e-6, err_msg=repr(module))
    prelu = nn.PReLU(4, init=0.5)
    assert [n for n, _ in prelu.named_parameters()] == ["weight"] and prelu.weight.tolist() == [0.5] * 4
    y = prelu(x)
    assert y.tolist()[0][:2] == [-2.0, -1.25]
    y.sum().backward()
    np.testing.assert_allclose(prelu.weight.grad.numpy(), [-4.0, -2.5, -0.7, 0.0], rtol=1e-6)
    with pytest.raises(ValueError):
        nn.Hardtanh(1.0, -1.0)
    # F's activations take PyTorch's inplace flag; the result is a new tensor.
    assert F.relu(x, inplace=True).tolist() == F.relu(x).tolist() and F.relu(x, inplace=True)[0, :3].tolist() == [0.0] * 3
    assert F.silu(x, inplace=False).shape == (2, 4)
    assert F.dropout(x, 0.5, training=False, inplace=True).tolist() == x.tolist()
    assert repr(nn.Threshold(0.5, -3.0)) == "Threshold(threshold=0.5, value=-3.0)"


def test_tensor_from_python_floats_with_a_dtype_is_converted_once():
    # torch.tensor([0.3], dtype=torch.float64) holds the double 0.3, not the float32 nearest to it.
    assert gentrain.tensor([0.3], dtype=gentrain.float64).tolist() == [0.3]
    assert gentrain.tensor([0.3]).dtype is gentrain.float32 and gentrain.tensor([0.3]).tolist() == [np.float32(0.3).item()]


def test_one_dimensional_layers_as_pytorch():
    # PyTorch 2.13's shapes and values for the same inputs (gradients in the golden cases).
    x = gentrain.arange(12.0).reshape(1, 2, 6)
    assert nn.MaxPool1d(2)(x).tolist() == [[[1.0, 3.0, 5.0], [7.0, 9.0, 11.0]]]
    assert F.avg_pool1d(x, 3, 3).tolist() == [[[1.0, 4.0], [7.0, 10.0]]] and nn.AvgPool1d(2)(x[0]).shape == (2, 3)
    up = nn.ConvTranspose1d(2, 3, 4, stride=2, padding=1)
    assert up(x).shape == (1, 3, 12) and [n for n, _ in up.named_parameters()] == ["weight", "bias"]
    assert F.conv_transpose1d(gentrain.ones(1, 1, 3), gentrain.ones(1, 1, 2)).tolist() == [[[1.0, 2.0, 2.0, 1.0]]]
    y = gentrain.arange(16.0).reshape(1, 1, 4, 4)
    assert nn.PixelUnshuffle(2)(y)[0, :, 0, 0].tolist() == [0.0, 1.0, 4.0, 5.0]
    assert F.pixel_shuffle(F.pixel_unshuffle(y, 2), 2).tolist() == y.tolist()


def test_spatial_transformer_sampling_as_pytorch():
    # PyTorch 2.13's values: the identity grid reproduces the image, a shift reads the neighbour (zeros
    # past the edge, the border pixel with padding_mode="border"); gradients in the golden cases.
    image = gentrain.arange(12.0).reshape(1, 1, 3, 4)
    identity = gentrain.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    grid = F.affine_grid(identity, [1, 1, 3, 4], align_corners=False)
    np.testing.assert_allclose(F.grid_sample(image, grid, align_corners=False).numpy(), image.numpy(), atol=1e-6)
    shift = gentrain.tensor([[[1.0, 0.0, 0.5], [0.0, 1.0, 0.0]]])   # a quarter of the [-1, 1] width: one pixel
    moved = F.grid_sample(image, F.affine_grid(shift, [1, 1, 3, 4], align_corners=False), align_corners=False)
    np.testing.assert_allclose(moved.numpy()[0, 0, 0], [1.0, 2.0, 3.0, 0.0], atol=1e-6)
    border = F.grid_sample(image, F.affine_grid(shift, [1, 1, 3, 4], align_corners=False), padding_mode="border",
                           align_corners=False)
    np.testing.assert_allclose(border.numpy()[0, 0, 0], [1.0, 2.0, 3.0, 3.0], atol=1e-6)
    nearest = F.grid_sample(image, gentrain.tensor([[[[0.1, -0.1]]]]), mode="nearest", align_corners=True)
    assert nearest.tolist() == [[[[6.0]]]]


def test_adaptive_max_pooling_as_pytorch():
    x = gentrain.arange(35.0).reshape(1, 1, 7, 5)
    assert F.adaptive_max_pool2d(x, (3, 2)).tolist() == [[[[12.0, 14.0], [22.0, 24.0], [32.0, 34.0]]]]   # PyTorch's
    assert nn.AdaptiveMaxPool2d(1)(x).item() == 34.0
