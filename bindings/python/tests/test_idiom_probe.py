"""The idioms of a PyTorch training script (issue 15, §1 and §2), each as PyTorch users write it and
checked against PyTorch's documented result: one probe per idiom, so a regression names the idiom."""
import math
import os
import tempfile

import numpy as np
import pytest

import gentrain
import gentrain.nn as nn
import gentrain.nn.functional as F

PROBES = {}


def probe(fn):
    PROBES[fn.__name__] = fn
    return fn


def close(t, expected, tol=1e-5):
    np.testing.assert_allclose(np.asarray(t.tolist() if hasattr(t, "tolist") else t, dtype=np.float64),
                               np.asarray(expected, dtype=np.float64), rtol=tol, atol=tol)


# In-place ops and assignment, with PyTorch's autograd rules.

@probe
def inplace_arithmetic():
    x = gentrain.ones(3)
    x.add_(2).sub_(1).mul_(3).div_(2)
    close(x, [3, 3, 3])
    x.add_(gentrain.ones(3), alpha=2)
    close(x, [5, 5, 5])


@probe
def inplace_fill_zero_copy_clamp():
    x = gentrain.tensor([-2.0, 0.5, 4.0])
    close(x.clone().clamp_(-1, 1), [-1, 0.5, 1])
    close(x.clone().fill_(7), [7, 7, 7])
    close(x.clone().zero_(), [0, 0, 0])
    y = gentrain.empty(3)
    y.copy_(x)
    close(y, [-2, 0.5, 4])


@probe
def inplace_random_init():
    gentrain.manual_seed(0)
    u = gentrain.empty(10000).uniform_(-2, 2)
    assert -2 <= u.min().item() and u.max().item() < 2 and abs(u.mean().item()) < 0.1
    n = gentrain.empty(10000).normal_(3, 0.5)
    assert abs(n.mean().item() - 3) < 0.05 and abs(n.std().item() - 0.5) < 0.05


@probe
def augmented_assignment():
    x = gentrain.ones(2)
    x += 1
    x *= 3
    x -= 2
    x /= 2
    close(x, [2, 2])


@probe
def setitem_slices_and_masks():
    x = gentrain.zeros(2, 3)
    x[0] = 1
    x[:, 2] = gentrain.tensor([5.0, 6.0])
    x[x > 4] = -1
    close(x, [[1, 1, -1], [0, 0, -1]])


@probe
def data_attribute_bypasses_autograd():
    w = gentrain.ones(2, requires_grad=True)
    w.data.mul_(3)
    close(w, [3, 3])
    assert w.requires_grad and w.is_leaf


@probe
def inplace_on_leaf_requiring_grad_is_an_error():
    w = gentrain.ones(2, requires_grad=True)
    with pytest.raises(Exception, match="leaf"):
        w.add_(1)
    with gentrain.no_grad():
        w.add_(1)
    close(w, [2, 2])


@probe
def stale_saved_tensor_fails_backward():
    a = gentrain.ones(3, requires_grad=True)
    b = a * 2
    c = b.sigmoid()   # saves its output
    c.mul_(2)         # ... which is then written
    with pytest.raises(Exception, match="modified by an inplace operation|version"):
        c.sum().backward()


# Indexing.

@probe
def boolean_mask_indexing():
    x = gentrain.tensor([1.0, -2.0, 3.0, -4.0])
    close(x[x > 0], [1, 3])


@probe
def zero_dim_tensor_slice_bounds():
    x = gentrain.arange(10)
    n = gentrain.tensor(3)
    assert x[:n].tolist() == [0, 1, 2] and x[n:n + 2].tolist() == [3, 4] and x[n].item() == 3


@probe
def grad_is_the_same_object():
    p = gentrain.ones(2, requires_grad=True)
    (p * 3).sum().backward()
    assert p.grad is p.grad
    close(p.grad, [3, 3])


# Creation and utilities.

@probe
def empty_linspace_likes():
    assert gentrain.empty(2, 3).shape == (2, 3)
    close(gentrain.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1])
    x = gentrain.zeros(4, 2, dtype=gentrain.float64)
    assert gentrain.randn_like(x).dtype == gentrain.float64 and gentrain.rand_like(x).shape == (4, 2)
    r = gentrain.randint_like(x, 5)
    assert r.shape == (4, 2) and 0 <= r.min().item() and r.max().item() < 5


@probe
def generator_objects():
    g = gentrain.Generator().manual_seed(42)
    a = gentrain.randn(5, generator=g)
    g.manual_seed(42)
    b = gentrain.randn(5, generator=g)
    assert a.tolist() == b.tolist()
    assert gentrain.rand(3, generator=g).shape == (3,)


@probe
def multinomial_topk_sort_argsort():
    gentrain.manual_seed(0)
    draws = gentrain.multinomial(gentrain.tensor([0.0, 1.0, 0.0]), 4, replacement=True)
    assert draws.tolist() == [1, 1, 1, 1]
    values, indices = gentrain.tensor([3.0, 1.0, 2.0]).topk(2)
    assert values.tolist() == [3, 2] and indices.tolist() == [0, 2]
    s, i = gentrain.sort(gentrain.tensor([3.0, 1.0, 2.0]), descending=True)
    assert s.tolist() == [3, 2, 1] and i.tolist() == [0, 2, 1]
    assert gentrain.argsort(gentrain.tensor([3.0, 1.0, 2.0])).tolist() == [1, 2, 0]


@probe
def cumsum_repeat_one_hot_split():
    assert gentrain.tensor([1, 2, 3]).cumsum(0).tolist() == [1, 3, 6]
    assert gentrain.tensor([1, 2]).repeat(2, 2).tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]
    assert F.one_hot(gentrain.tensor([0, 2]), 3).tolist() == [[1, 0, 0], [0, 0, 1]]
    parts = gentrain.arange(6).split([1, 2, 3])
    assert [p.tolist() for p in parts] == [[0], [1, 2], [3, 4, 5]]


@probe
def default_dtype():
    assert gentrain.get_default_dtype() == gentrain.float32
    gentrain.set_default_dtype(gentrain.float64)
    try:
        assert gentrain.zeros(1).dtype == gentrain.float64 and gentrain.tensor([1.0]).dtype == gentrain.float64
    finally:
        gentrain.set_default_dtype(gentrain.float32)


@probe
def inference_mode_and_devices():
    w = gentrain.ones(2, requires_grad=True)
    with gentrain.inference_mode():
        assert not (w * 2).requires_grad
    d = gentrain.device("cpu")
    assert w.cpu().device == d and w.to("cpu").device == d and w.to(d).device == d


@probe
def save_and_load_a_state_dict():
    model = nn.Linear(3, 2)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.safetensors")
        gentrain.save(model.state_dict(), path)
        copy = nn.Linear(3, 2)
        copy.load_state_dict(gentrain.load(path))
    assert copy.weight.tolist() == model.weight.tolist()


# Distributions.

@probe
def categorical_for_reinforce():
    d = gentrain.distributions.Categorical(logits=gentrain.tensor([0.0, math.log(3.0)]))
    close(d.probs, [0.25, 0.75])
    close(d.log_prob(gentrain.tensor(1)), math.log(0.75))
    close(d.entropy(), -(0.25 * math.log(0.25) + 0.75 * math.log(0.75)))
    assert d.sample((5,)).shape == (5,)


@probe
def normal_rsample_carries_gradients():
    mu = gentrain.zeros(3, requires_grad=True)
    z = gentrain.distributions.Normal(mu, gentrain.ones(3)).rsample()
    z.sum().backward()
    close(mu.grad, [1, 1, 1])


# nn.Module habits.

@probe
def module_dtype_conversions():
    m = nn.Linear(2, 2)
    assert m.double().weight.dtype == gentrain.float64 and m.float().weight.dtype == gentrain.float32
    assert m.to(gentrain.float64).bias.dtype == gentrain.float64


@probe
def module_traversal_and_apply():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 1)))
    assert len(list(m.modules())) == 5 and len(list(m.children())) == 3
    assert [name for name, _ in m.named_modules()] == ["", "0", "1", "2", "2.0"]
    seen = []
    m.apply(lambda sub: seen.append(type(sub).__name__))
    assert seen.count("Linear") == 2


@probe
def load_state_dict_strict_and_not():
    m = nn.Linear(2, 2)
    state = m.state_dict()
    del state["bias"]
    with pytest.raises(Exception, match="bias"):
        m.load_state_dict(state)
    missing, unexpected = m.load_state_dict(dict(state, extra=gentrain.zeros(1)), strict=False)
    assert list(missing) == ["bias"] and list(unexpected) == ["extra"]


@probe
def zero_grad_and_requires_grad_():
    m = nn.Linear(2, 1)
    m(gentrain.ones(1, 2)).sum().backward()
    m.zero_grad()
    assert m.weight.grad is None
    m.requires_grad_(False)
    assert not m.weight.requires_grad


@probe
def sequential_slicing():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    head = m[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head(gentrain.ones(1, 2)).shape == (1, 3)


@probe
def activations_accept_inplace():
    x = gentrain.tensor([-1.0, 2.0])
    close(nn.ReLU(inplace=True)(x.clone()), [0, 2])
    close(nn.LeakyReLU(0.1, inplace=True)(x.clone()), [-0.1, 2])


@probe
def constructor_arguments_checked_at_construction():
    with pytest.raises(TypeError):
        nn.Linear(2, 3, biass=False)


@probe
def loss_modules():
    x, y = gentrain.tensor([[0.2, 0.8]]), gentrain.tensor([[0.0, 1.0]])
    close(nn.MSELoss()(x, y), ((0.2 ** 2) + (0.2 ** 2)) / 2)
    close(nn.L1Loss()(x, y), 0.2)
    close(nn.BCELoss()(x, y), -(math.log(0.8) + math.log(0.8)) / 2)
    close(nn.BCEWithLogitsLoss()(gentrain.tensor([[0.0]]), gentrain.tensor([[1.0]])), math.log(2))
    close(nn.SmoothL1Loss()(x, y), 0.5 * 0.04)
    close(nn.HuberLoss(delta=0.1)(x, y), 0.1 * (0.2 - 0.05))
    logits, target = gentrain.tensor([[0.0, 0.0]]), gentrain.tensor([1])
    close(nn.CrossEntropyLoss()(logits, target), math.log(2))
    close(nn.NLLLoss()(F.log_softmax(logits, dim=1), target), math.log(2))
    close(nn.KLDivLoss(reduction="batchmean")(gentrain.tensor([[math.log(0.5)]]), gentrain.tensor([[0.5]])), 0)
    close(nn.GaussianNLLLoss()(gentrain.tensor([1.0]), gentrain.tensor([1.0]), gentrain.tensor([1.0])), 0)


# Layers' options.

@probe
def pooling_options_and_unpool():
    x = gentrain.arange(16.0).reshape(1, 1, 4, 4)
    pooled, indices = nn.MaxPool2d(2, return_indices=True)(x)
    assert pooled.flatten().tolist() == [5, 7, 13, 15]
    restored = nn.MaxUnpool2d(2)(pooled, indices)
    assert restored.flatten().tolist() == [0, 0, 0, 0, 0, 5, 0, 7, 0, 0, 0, 0, 0, 13, 0, 15]
    assert nn.MaxPool2d(2, ceil_mode=True)(gentrain.zeros(1, 1, 5, 5)).shape == (1, 1, 3, 3)
    assert nn.MaxPool2d(2, dilation=2)(gentrain.zeros(1, 1, 6, 6)).shape == (1, 1, 2, 2)


@probe
def pad_modes():
    x = gentrain.tensor([[[1.0, 2.0, 3.0]]])
    assert F.pad(x, (2, 1), mode="reflect").flatten().tolist() == [3, 2, 1, 2, 3, 2]
    assert F.pad(x, (2, 1), mode="replicate").flatten().tolist() == [1, 1, 1, 2, 3, 3]
    assert F.pad(x, (2, 1), mode="circular").flatten().tolist() == [2, 3, 1, 2, 3, 1]


@probe
def interpolate_align_corners():
    x = gentrain.tensor([[[[0.0, 1.0]]]])
    close(F.interpolate(x, size=(1, 3), mode="bilinear", align_corners=True).flatten(), [0, 0.5, 1])


@probe
def bidirectional_recurrent_layers():
    out, (h, c) = nn.LSTM(3, 4, bidirectional=True, batch_first=True)(gentrain.zeros(2, 5, 3))
    assert out.shape == (2, 5, 8) and h.shape == (2, 2, 4) and c.shape == (2, 2, 4)
    out, h = nn.GRU(3, 4, bidirectional=True)(gentrain.zeros(5, 2, 3))
    assert out.shape == (5, 2, 8) and h.shape == (2, 2, 4)


@probe
def batch_norm_without_statistics_or_affine():
    bn = nn.BatchNorm1d(2, track_running_stats=False, affine=False)
    assert bn.running_mean is None and bn.weight is None
    bn.eval()   # still normalizes with the batch's statistics
    close(bn(gentrain.tensor([[1.0, 2.0], [3.0, 6.0]])), [[-1, -1], [1, 1]], tol=1e-3)


# Optimizers.

@probe
def param_groups_are_dicts_and_state_is_keyed_by_parameter():
    p = gentrain.ones(2, requires_grad=True)
    opt = gentrain.optim.Adam([p], lr=0.1)
    g = opt.param_groups[0]
    assert "lr" in g and "betas" in g.keys() and g["lr"] == 0.1
    g["lr"] = 0.01
    (p * 2).sum().backward()
    opt.step()
    assert opt.param_groups[0]["lr"] == 0.01 and "exp_avg" in opt.state[p]


@probe
def frozen_parameters_are_accepted_and_skipped():
    frozen, trained = gentrain.ones(2), gentrain.ones(2, requires_grad=True)
    opt = gentrain.optim.SGD([frozen, trained], lr=1.0)
    (trained * 2).sum().backward()
    opt.step()
    close(frozen, [1, 1])
    close(trained, [-1, -1])


# Data loading.

@probe
def dataset_and_dataloader():
    from gentrain.utils.data import DataLoader, Dataset, TensorDataset
    data = TensorDataset(gentrain.arange(10.0).reshape(10, 1), gentrain.arange(10))
    assert isinstance(data, Dataset) and len(data) == 10
    batches = list(DataLoader(data, batch_size=4, drop_last=True))
    assert len(batches) == 2 and batches[0][0].shape == (4, 1) and batches[1][1].tolist() == [4, 5, 6, 7]
    threaded = list(DataLoader(data, batch_size=4, drop_last=True, num_workers=2))   # batches read ahead on threads
    assert [b[1].tolist() for b in threaded] == [b[1].tolist() for b in batches]
    g = gentrain.Generator().manual_seed(3)
    shuffled = [b[1].tolist() for b in DataLoader(data, batch_size=5, shuffle=True, generator=g)]
    assert sorted(shuffled[0] + shuffled[1]) == list(range(10)) and shuffled[0] != [0, 1, 2, 3, 4]


# Results that differed from PyTorch (§2).

@probe
def clip_grad_norm_returns_the_gradients_dtype():
    p = gentrain.ones(2, dtype=gentrain.float64, requires_grad=True)
    (p * 3).sum().backward()
    total = nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert total.dtype == gentrain.float64
    close(total, math.sqrt(18))


@probe
def cross_entropy_with_every_target_ignored_has_zero_gradient():
    logits = gentrain.zeros(2, 3, requires_grad=True)
    loss = F.cross_entropy(logits, gentrain.tensor([-100, -100]))
    assert math.isnan(loss.item())
    loss.backward()
    close(logits.grad, np.zeros((2, 3)))


@probe
def double_backward_through_relu_gives_zeros():
    x = gentrain.tensor([1.0, -1.0], requires_grad=True)
    (g,) = gentrain.autograd.grad(F.relu(x).sum(), x, create_graph=True)
    (gg,) = gentrain.autograd.grad(g.sum(), x)
    close(gg, [0, 0])


@pytest.mark.parametrize("name", sorted(PROBES))
def test_idiom(name):
    PROBES[name]()
