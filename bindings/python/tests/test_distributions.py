"""gentrain.distributions against the closed forms PyTorch documents."""
import math

import numpy as np
import pytest

import gentrain
from gentrain.distributions import Categorical, Normal, kl_divergence


def test_categorical_log_prob_entropy_and_sampling():
    logits = gentrain.tensor([[1.0, 2.0, 0.5], [0.0, 0.0, 3.0]], requires_grad=True)
    d = Categorical(logits=logits)
    p = np.exp(logits.detach().numpy())
    p /= p.sum(1, keepdims=True)
    lp = d.log_prob(gentrain.tensor([1, 2]))
    np.testing.assert_allclose(lp.detach().numpy(), np.log([p[0, 1], p[1, 2]]), rtol=1e-5)
    np.testing.assert_allclose(d.entropy().detach().numpy(), -(p * np.log(p)).sum(1), rtol=1e-5)
    lp.sum().backward()   # REINFORCE's gradient: one-hot minus probabilities
    np.testing.assert_allclose(logits.grad.numpy(), np.eye(3)[[1, 2]] - p, rtol=1e-5, atol=1e-6)
    gentrain.manual_seed(0)
    s = d.sample((2000,))
    assert s.shape == (2000, 2) and s.dtype == gentrain.int64
    freq = np.bincount(s.numpy()[:, 0], minlength=3) / 2000
    np.testing.assert_allclose(freq, p[0], atol=0.04)
    # From probabilities (normalized), a zero-probability class adds nothing to the entropy.
    q = Categorical(probs=gentrain.tensor([0.0, 2.0, 2.0]))
    np.testing.assert_allclose(q.probs.numpy(), [0, 0.5, 0.5])
    assert abs(q.entropy().item() - math.log(2)) < 1e-6
    assert d.log_prob(gentrain.tensor([[0, 1], [2, 2]])).shape == (2, 2)   # sample_shape + batch_shape
    with pytest.raises(ValueError):
        Categorical()


def test_normal_rsample_log_prob_entropy_and_kl():
    loc = gentrain.tensor([0.5, -1.0], requires_grad=True)
    scale = gentrain.tensor([2.0, 0.5], requires_grad=True)
    d = Normal(loc, scale)
    x = gentrain.tensor([1.0, 0.0])
    want = -((np.array([1.0, 0.0]) - [0.5, -1.0]) ** 2) / (2 * np.array([4.0, 0.25])) - np.log([2.0, 0.5]) - 0.5 * math.log(2 * math.pi)
    np.testing.assert_allclose(d.log_prob(x).detach().numpy(), want, rtol=1e-5)
    np.testing.assert_allclose(d.entropy().detach().numpy(), 0.5 + 0.5 * math.log(2 * math.pi) + np.log([2.0, 0.5]), rtol=1e-5)
    gentrain.manual_seed(1)
    z = d.rsample((4000,))
    assert z.shape == (4000, 2) and z.requires_grad and not d.sample().requires_grad
    np.testing.assert_allclose(z.detach().numpy().mean(0), [0.5, -1.0], atol=0.1)
    np.testing.assert_allclose(z.detach().numpy().std(0), [2.0, 0.5], rtol=0.1)
    z.mean().backward()   # d z / d loc = 1 per sample; averaged over 8000 values
    np.testing.assert_allclose(loc.grad.numpy(), [0.5, 0.5], rtol=1e-4)   # a float32 sum of 4000 terms
    # KL(N(0.5, 2) || N(-1, 0.5)) elementwise, PyTorch's formula.
    kl = kl_divergence(Normal(0.5, 2.0), Normal(-1.0, 0.5)).item()
    assert abs(kl - (math.log(0.5 / 2.0) + (4.0 + 1.5 ** 2) / (2 * 0.25) - 0.5)) < 1e-5
    assert Normal(gentrain.zeros(3), 1.0).batch_shape == (3,)
    assert abs(kl_divergence(Categorical(logits=gentrain.zeros(4)), Categorical(logits=gentrain.zeros(4))).item()) < 1e-7


def test_bernoulli_log_prob_entropy_and_sampling():
    from gentrain.distributions import Bernoulli
    logits = gentrain.tensor([0.3, -2.0, 4.0], dtype=gentrain.float64, requires_grad=True)
    d = Bernoulli(logits=logits)
    p = 1 / (1 + np.exp(-logits.detach().numpy()))
    x = gentrain.tensor([1.0, 0.0, 0.0], dtype=gentrain.float64)
    want = np.array([np.log(p[0]), np.log(1 - p[1]), np.log(1 - p[2])])
    np.testing.assert_allclose(d.log_prob(x).detach().numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(d.entropy().detach().numpy(), -(p * np.log(p) + (1 - p) * np.log(1 - p)), rtol=1e-12)
    d.log_prob(x).sum().backward()   # d/dlogit of log p(x) = x - p
    np.testing.assert_allclose(logits.grad.numpy(), x.numpy() - p, rtol=1e-12)
    np.testing.assert_allclose(d.mean.detach().numpy(), p)
    np.testing.assert_allclose(d.variance.detach().numpy(), p * (1 - p))
    gentrain.manual_seed(0)
    s = Bernoulli(probs=gentrain.tensor([0.2, 0.9])).sample((4000,))
    assert s.shape == (4000, 2) and s.dtype == gentrain.float32 and set(np.unique(s.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(s.numpy().mean(0), [0.2, 0.9], atol=0.03)
    # From probabilities of 0 and 1: finite log-probabilities of the certain outcome (clamped, as PyTorch).
    sure = Bernoulli(probs=gentrain.tensor([0.0, 1.0]))
    assert np.isfinite(sure.log_prob(gentrain.tensor([0.0, 1.0])).numpy()).all()
    with pytest.raises(ValueError):
        Bernoulli()


def test_uniform_rsample_log_prob_and_entropy():
    from gentrain.distributions import Uniform
    low = gentrain.tensor([0.0, -1.0], requires_grad=True)
    high = gentrain.tensor([2.0, 3.0], requires_grad=True)
    d = Uniform(low, high)
    np.testing.assert_allclose(d.log_prob(gentrain.tensor([1.0, 3.0])).detach().numpy(), [-math.log(2), -np.inf])
    np.testing.assert_allclose(d.entropy().detach().numpy(), np.log([2.0, 4.0]), rtol=1e-6)
    np.testing.assert_allclose(d.mean.detach().numpy(), [1.0, 1.0])
    np.testing.assert_allclose(d.variance.detach().numpy(), [4 / 12, 16 / 12], rtol=1e-6)
    gentrain.manual_seed(1)
    s = d.rsample((5000,))
    assert s.shape == (5000, 2) and (s.detach().numpy() >= [0.0, -1.0]).all() and (s.detach().numpy() < [2.0, 3.0]).all()
    s.sum().backward()   # d/dlow = 1 - u, d/dhigh = u, summed: the sample count split by the draws
    np.testing.assert_allclose(low.grad.numpy() + high.grad.numpy(), [5000, 5000], rtol=1e-5)
