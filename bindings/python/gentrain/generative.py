"""gentrain.generative: the VAE's KL term and reparameterization, GAN objectives with the
WGAN-GP gradient penalty, and REINFORCE for sequence generation (see include/gentrain.h)."""
import ctypes
import math
from ctypes import byref, c_void_p

from . import _convert, _ffi, _lib
from ._lib import check, lib
from .grad_mode import no_grad
from .nn.functional import mse_loss
from ._dtype import float64
from .tensor import Tensor, _handover, _new, _retain, tensor



def vae_kl_divergence(mu, logvar, reduction="sum"):
    """-0.5 * sum(1 + logvar - mu^2 - exp(logvar)); infinite logvar gives inf, never nan."""
    return _new(lib.gentrain_vae_kl_divergence, mu._h, logvar._h, _convert.reduction(reduction, batchmean=True))


def reparameterize(mu, logvar):
    """mu + exp(0.5 logvar) * eps, eps ~ N(0, 1) from the seeded default generator."""
    return _new(lib.gentrain_reparameterize, mu._h, logvar._h)


def gan_loss(kind, role, fake, real=None):
    """kind: "wasserstein", "nonsaturating" (on logits) or "hinge"; role: "critic" /
    "discriminator" (needs `real`) or "generator"."""
    if role == "critic":
        role = "critic" if kind == "wasserstein" else "discriminator"
    elif role == "discriminator" and kind == "wasserstein":
        role = "critic"
    code = getattr(_ffi, f"GAN_{kind.upper()}_{role.upper()}", None)
    if kind not in ("wasserstein", "nonsaturating", "hinge") or code is None:
        raise ValueError(f"unknown GAN loss kind {kind!r} with role {role!r}")
    return _new(lib.gentrain_gan_loss, code, None if real is None else real._h, fake._h)


def gradient_penalty(critic, real, fake, lambda_=10.0):
    """WGAN-GP: lambda * mean((||grad_x critic(x_hat)||_2 - 1)^2) at x_hat = eps real + (1 - eps) fake.
    `critic` is any callable (a module) from a tensor to a tensor; the penalty's gradient reaches its weights."""
    def call(output, x, _):
        try:
            output[0] = _handover(critic(_retain(x)))
            return 0
        except BaseException as e:  # noqa: BLE001 - raised again by gradient_penalty
            _lib.pending_callback_error.value = e
            return 9

    fn = _ffi.TensorFn(call)
    return _new(lib.gentrain_gradient_penalty, ctypes.cast(fn, c_void_p), None, real._h, fake._h, float(lambda_))


def sample(logits, temperature=1.0, top_k=None):
    """One class per row of logits [*, V] from softmax(logits / temperature), among the top_k."""
    return _new(lib.gentrain_sample, logits._h, float(temperature), int(top_k or 0))


def log_probs(logits, actions):
    return _new(lib.gentrain_log_probs, logits._h, actions._h)


def entropy(logits):
    return _new(lib.gentrain_entropy, logits._h)


def reinforce_loss(log_probs, rewards, baseline=None, entropy=None, entropy_beta=0.0):  # noqa: A002
    """-mean((R - b) * sum_t log p_t) - entropy_beta * mean(entropy)."""
    if baseline is not None and not isinstance(baseline, Tensor):
        from .tensor import full
        baseline = full((), float(baseline), dtype=log_probs.dtype)
    return _new(lib.gentrain_reinforce_loss, log_probs._h, rewards._h, None if baseline is None else baseline._h,
                None if entropy is None else entropy._h, float(entropy_beta))


class MovingAverageBaseline:
    """b <- momentum * b + (1 - momentum) * mean(R); `update` returns the baseline before the
    update (the batch mean the first time). Rewards: a tensor or a sequence of numbers."""

    def __init__(self, momentum=0.9):
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum, self.value = momentum, None

    def update(self, rewards):
        if not isinstance(rewards, Tensor):
            rewards = tensor([float(r) for r in rewards], dtype=float64)
        baseline, state = ctypes.c_double(), ctypes.c_double(math.nan if self.value is None else self.value)
        check(lib.gentrain_moving_average_baseline(byref(baseline), byref(state), self.momentum, rewards._h))
        self.value = state.value
        return baseline.value


class PerceptualLoss:
    """A perceptual (feature) loss: the weighted sum, over chosen children of a frozen feature
    extractor (an `nn.Sequential`), of `mse_loss(phi_k(generated), phi_k(real))`. `layers` maps
    child indices to weights. The extractor is frozen (requires_grad False, eval mode); the
    gradient reaches `generated` only. Combine as `lam_adv * gan + lam_perc * perceptual(g, r)`.

        phi = nn.Sequential(...).load("features.safetensors")
        perceptual = PerceptualLoss(phi, {3: 1.0, 8: 0.5})
    """

    def __init__(self, extractor, layers):
        n = len(extractor)
        if not layers or any(not 0 <= k < n for k in layers):
            raise ValueError(f"perceptual loss: layer indices must be in 0..{n - 1} and not empty")
        self.extractor, self.layers = extractor, dict(layers)
        extractor.requires_grad_(False).eval()

    def __call__(self, generated, real):
        if generated.shape != real.shape:
            raise ValueError(f"perceptual loss: generated {generated.shape} and real {real.shape} differ")
        g, r, total = generated, real.detach(), None
        for k in range(max(self.layers) + 1):
            g = self.extractor[k](g)
            with no_grad():
                r = self.extractor[k](r)
            if k in self.layers:
                term = mse_loss(g, r) * self.layers[k]
                total = term if total is None else total + term
        return total
