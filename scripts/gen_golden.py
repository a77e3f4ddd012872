#!/usr/bin/env python3
"""Writes the PyTorch golden files the Swift tests compare against.

    pip install torch==2.13.0+cpu && python3 scripts/gen_golden.py

Each op case holds its inputs, the output, the gradients of sum(out * w) with respect to
every floating-point input, and the second-order gradients of sum(grad_i * v_i). The tests
recompute all of it in gentrain (float64 and float32) and also check it by central
differences; they never need torch.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GentrainTests", "Golden")


def randn(*shape):
    if len(shape) == 1 and isinstance(shape[0], tuple):
        shape = shape[0]
    return torch.randn(shape, dtype=torch.float64)


def positive(*shape):
    return torch.rand(*shape, dtype=torch.float64) + 0.5


def away(*shape):  # |x| >= 0.2, so kinks and poles are far from the inputs
    x = randn(*shape)
    return x.sign() * (x.abs() + 0.2)


def distinct(*shape):  # values far apart from each other (max/min/sort are smooth here)
    n = math.prod(shape)
    return (torch.randperm(n).to(torch.float64) * 0.37 + torch.rand(n, dtype=torch.float64) * 0.1).reshape(shape)


class Const:
    """An input that takes no gradient (class weights)."""

    def __init__(self, t):
        self.t = t


def index(high, *shape):
    return torch.randint(0, high, shape, dtype=torch.int64)


# name: (inputs, function). Names are the keys the Swift tests look up.
CASES = {
    "add_broadcast": ([randn(3, 4), randn(4)], lambda a, b: a + b),
    "sub_broadcast": ([randn(2, 3), randn(2, 1)], lambda a, b: a - b),
    "mul": ([randn(3, 4), randn(3, 4)], lambda a, b: a * b),
    "mul_scalar_tensor": ([randn(2, 3), randn(())], lambda a, b: a * b),
    "div": ([randn(3, 4), away(3, 4)], lambda a, b: a / b),
    "neg": ([randn(5)], lambda a: -a),
    "pow_tensor": ([positive(3, 4), randn(3, 4)], lambda a, b: a ** b),
    "pow_scalar3": ([randn(2, 5)], lambda a: a ** 3),
    "pow_scalar_half": ([positive(2, 5)], lambda a: a ** 0.5),
    "add_scalar": ([randn(4)], lambda a: a + 2.5),
    "mul_scalar": ([randn(4)], lambda a: a * -1.5),
    "rsub_scalar": ([randn(4)], lambda a: 2 - a),
    "rdiv_scalar": ([away(4)], lambda a: 3 / a),
    "exp": ([randn(2, 3)], torch.exp),
    "log": ([positive(2, 3)], torch.log),
    "log1p": ([positive(2, 3)], torch.log1p),
    "expm1": ([randn(2, 3)], torch.expm1),
    "sqrt": ([positive(2, 3)], torch.sqrt),
    "rsqrt": ([positive(2, 3)], torch.rsqrt),
    "abs": ([away(2, 3)], torch.abs),
    "sin": ([randn(2, 3)], torch.sin),
    "cos": ([randn(2, 3)], torch.cos),
    "erf": ([randn(2, 3)], torch.erf),
    "tanh": ([randn(2, 3)], torch.tanh),
    "sigmoid": ([randn(2, 3)], torch.sigmoid),
    "relu": ([away(3, 4)], torch.relu),
    "leaky_relu": ([away(3, 4)], lambda a: F.leaky_relu(a, 0.2)),
    "gelu": ([randn(3, 4)], F.gelu),
    "gelu_tanh": ([randn(3, 4)], lambda a: F.gelu(a, approximate="tanh")),
    "softplus": ([randn(3, 4) * 3], lambda a: F.softplus(a, beta=2, threshold=5)),
    "clamp": ([away(3, 4)], lambda a: a.clamp(-0.5, 0.7)),
    "maximum": ([distinct(3, 4), distinct(3, 4) + 0.05], torch.maximum),
    "minimum": ([distinct(3, 4), distinct(3, 4) + 0.05], torch.minimum),
    "where": ([randn(3, 4), randn(4)], lambda a, b: torch.where(torch.arange(12).reshape(3, 4) % 3 == 0, a, b)),
    "sum_all": ([randn(3, 4)], lambda a: a.sum()),
    "sum_dim_keepdim": ([randn(3, 4, 2)], lambda a: a.sum(dim=1, keepdim=True)),
    "sum_dims": ([randn(3, 4, 2)], lambda a: a.sum(dim=(0, 2))),
    "mean_dim": ([randn(3, 4)], lambda a: a.mean(dim=0)),
    "var_dim": ([randn(3, 5)], lambda a: a.var(dim=1)),
    "var_all_biased": ([randn(3, 5)], lambda a: a.var(correction=0)),
    "amax_dim": ([distinct(3, 4)], lambda a: a.amax(dim=1)),
    "amin_all": ([distinct(3, 4)], lambda a: a.amin()),
    "max_dim_values": ([distinct(3, 4)], lambda a: a.max(dim=0).values),
    "min_dim_values_keepdim": ([distinct(3, 4)], lambda a: a.min(dim=1, keepdim=True).values),
    "logsumexp": ([randn(3, 4) * 3], lambda a: torch.logsumexp(a, dim=1)),
    "norm2_all": ([randn(3, 4)], lambda a: a.norm()),
    "norm2_dim": ([randn(3, 4)], lambda a: a.norm(dim=1)),
    "norm1_dim": ([away(3, 4)], lambda a: a.norm(p=1, dim=0)),
    "norm_inf": ([distinct(3, 4) - 2.1], lambda a: a.norm(p=float("inf"))),
    "norm3": ([away(3, 4)], lambda a: a.norm(p=3)),
    "matmul_2d": ([randn(3, 4), randn(4, 5)], torch.matmul),
    "matmul_batched_broadcast": ([randn(2, 3, 4), randn(4, 5)], torch.matmul),
    "matmul_batched_both": ([randn(2, 1, 3, 4), randn(3, 4, 2)], torch.matmul),
    "matmul_mv": ([randn(3, 4), randn(4)], torch.matmul),
    "matmul_vm": ([randn(4), randn(4, 3)], torch.matmul),
    "matmul_dot": ([randn(4), randn(4)], torch.matmul),
    "matmul_transposed": ([randn(4, 3), randn(5, 4)], lambda a, b: a.t() @ b.t()),
    "linear": ([randn(5, 4), randn(3, 4), randn(3)], F.linear),
    "linear_3d_nobias": ([randn(2, 5, 4), randn(3, 4)], F.linear),
    "reshape": ([randn(3, 4)], lambda a: a.reshape(2, 6) * torch.arange(12.0).reshape(2, 6)),
    "permute": ([randn(2, 3, 4)], lambda a: a.permute(2, 0, 1).sin()),
    "transpose_contiguous": ([randn(3, 4)], lambda a: a.transpose(0, 1).contiguous().exp()),
    "expand": ([randn(3, 1)], lambda a: a.expand(2, 3, 4).tanh()),
    "unsqueeze_squeeze": ([randn(3, 4)], lambda a: a.unsqueeze(1).exp().squeeze(1)),
    "flatten": ([randn(2, 3, 4)], lambda a: a.flatten(1).sin()),
    "cat": ([randn(2, 3), randn(2, 2)], lambda a, b: torch.cat([a, b], dim=1).exp()),
    "stack": ([randn(2, 3), randn(2, 3)], lambda a, b: torch.stack([a, b], dim=1).tanh()),
    "split_piece": ([randn(5, 3)], lambda a: torch.split(a, 2, dim=0)[2].exp()),
    "chunk_piece": ([randn(4, 6)], lambda a: torch.chunk(a, 3, dim=1)[1].exp()),
    "narrow": ([randn(5, 3)], lambda a: a.narrow(0, 1, 3).exp()),
    "slice_step": ([randn(7, 3)], lambda a: a[1:6:2].exp()),
    "slice_negative": ([randn(3, 7)], lambda a: a[:, -4:].exp()),
    "select": ([randn(3, 4)], lambda a: a.select(1, -1).exp()),
    "index_select": ([randn(4, 3), index(4, 5)], lambda a, i: a.index_select(0, i).sin()),
    "index_add": ([randn(4, 3), index(4, 5), randn(5, 3)], lambda a, i, s: a.index_add(0, i, s).sin()),
    "gather": ([randn(3, 4), index(4, 3, 2)], lambda a, i: a.gather(1, i).exp()),
    "scatter_add": ([randn(3, 4), index(4, 3, 2), randn(3, 2)], lambda a, i, s: a.scatter_add(1, i, s).sin()),
    "masked_fill": ([randn(3, 4)], lambda a: a.masked_fill(torch.arange(4) % 2 == 0, 0.5).exp()),
    "embedding": ([index(5, 2, 3), randn(5, 4)], lambda i, w: F.embedding(i, w).sin()),
    "softmax": ([randn(3, 5)], lambda a: F.softmax(a, dim=1)),
    "softmax_dim0": ([randn(3, 5)], lambda a: F.softmax(a, dim=0)),
    "log_softmax": ([randn(3, 5)], lambda a: F.log_softmax(a, dim=1)),
    "log_softmax_3d_dim1": ([randn(2, 3, 4)], lambda a: F.log_softmax(a, dim=1)),
    "cross_entropy_mean": ([randn(6, 5), index(5, 6)], lambda x, t: F.cross_entropy(x, t)),
    "cross_entropy_sum": ([randn(6, 5), index(5, 6)], lambda x, t: F.cross_entropy(x, t, reduction="sum")),
    "cross_entropy_none": ([randn(6, 5), index(5, 6)], lambda x, t: F.cross_entropy(x, t, reduction="none")),
    "cross_entropy_ignore": ([randn(6, 5), torch.tensor([1, -100, 3, 0, -100, 4])],
                             lambda x, t: F.cross_entropy(x, t)),
    "cross_entropy_weight": ([randn(6, 5), index(5, 6), Const(positive(5))],
                             lambda x, t, w: F.cross_entropy(x, t, weight=w)),
    "cross_entropy_smoothing": ([randn(6, 5), torch.tensor([1, -100, 3, 0, 2, 4]), Const(positive(5))],
                                lambda x, t, w: F.cross_entropy(x, t, weight=w, label_smoothing=0.1)),
    "cross_entropy_kdim": ([randn(2, 4, 3), index(4, 2, 3)], lambda x, t: F.cross_entropy(x, t)),
    "cross_entropy_probabilities": ([randn(4, 5), Const(torch.softmax(randn(4, 5), 1)), Const(positive(5))],
                                    lambda x, t, w: F.cross_entropy(x, t, weight=w, label_smoothing=0.2)),
    "nll_loss_weight_ignore": ([randn(6, 5).log_softmax(1), torch.tensor([1, -100, 3, 0, 2, 4]), Const(positive(5))],
                               lambda x, t, w: F.nll_loss(x, t, weight=w)),
    "mse_loss": ([randn(3, 4), randn(3, 4)], F.mse_loss),
    "mse_loss_sum": ([randn(3, 4), randn(3, 4)], lambda a, b: F.mse_loss(a, b, reduction="sum")),
    "l1_loss": ([randn(3, 4), randn(3, 4) + 3], F.l1_loss),
    "smooth_l1_loss": ([randn(4, 5), randn(4, 5)], lambda a, b: F.smooth_l1_loss(a, b, beta=0.5)),
    "huber_loss_none": ([randn(4, 5), randn(4, 5)], lambda a, b: F.huber_loss(a, b, delta=0.7, reduction="none")),
    "binary_cross_entropy": ([torch.rand(3, 4, dtype=torch.float64) * 0.9 + 0.05, torch.rand(3, 4, dtype=torch.float64),
                              Const(positive(3, 4))], lambda x, t, w: F.binary_cross_entropy(x, t, weight=w)),
    "bce_with_logits": ([randn(3, 4) * 5, torch.rand(3, 4, dtype=torch.float64), Const(positive(4)), Const(positive(3, 4))],
                        lambda x, t, p, w: F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=p)),
    "bce_with_logits_large": ([torch.tensor([-80.0, -30.0, 0.0, 30.0, 80.0], dtype=torch.float64),
                               torch.tensor([0.0, 1.0, 0.5, 0.0, 1.0], dtype=torch.float64)],
                              lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="sum")),
    "kl_div_batchmean": ([randn(4, 5).log_softmax(1), torch.softmax(randn(4, 5), 1)],
                         lambda x, t: F.kl_div(x, t, reduction="batchmean")),
    "kl_div_log_target": ([randn(4, 5).log_softmax(1), randn(4, 5).log_softmax(1)],
                          lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True)),
    "gaussian_nll_full": ([randn(4, 3), randn(4, 3), positive(4, 3)],
                          lambda x, t, v: F.gaussian_nll_loss(x, t, v, full=True)),
    "gaussian_nll_var_dim": ([randn(4, 3), randn(4, 3), positive(4)], lambda x, t, v: F.gaussian_nll_loss(x, t, v)),
    "cosine_similarity": ([randn(4, 5), randn(4, 5)], lambda a, b: F.cosine_similarity(a, b, dim=1)),
    "cosine_embedding_loss": ([randn(4, 5), randn(4, 5), Const(torch.tensor([1.0, -1.0, 1.0, -1.0], dtype=torch.float64))],
                              lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=-0.5)),
    "vae_kl": ([randn(4, 3), randn(4, 3)], lambda mu, lv: -0.5 * torch.sum(1 + lv - mu.pow(2) - lv.exp())),
    "wgan_critic": ([randn(6, 1), randn(6, 1)], lambda r, f: f.mean() - r.mean()),
    "nonsaturating_d": ([randn(6, 1), randn(6, 1)], lambda r, f: F.softplus(-r).mean() + F.softplus(f).mean()),
    "hinge_d": ([randn(6, 1), randn(6, 1)], lambda r, f: F.relu(1 - r).mean() + F.relu(1 + f).mean()),
    "entropy": ([randn(3, 5)], lambda x: -(x.softmax(-1) * x.log_softmax(-1)).sum(-1)),
    "unfold": ([randn(2, 3, 5, 4)], lambda x: F.unfold(x, (2, 3), dilation=(2, 1), padding=(1, 1), stride=(1, 2)).sin()),
    "fold": ([randn(2, 12, 6)], lambda c: F.fold(c, (4, 5), (2, 2), padding=(0, 1), stride=(2, 2)).sin()),
    "conv2d": ([randn(2, 3, 7, 6), randn(4, 3, 3, 2), randn(4)], lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0))),
    "conv2d_groups_dilation": ([randn(1, 4, 6, 6), randn(6, 2, 3, 3)], lambda x, w: F.conv2d(x, w, dilation=2, groups=2)),
    "conv2d_same_even": ([randn(1, 2, 5, 5), randn(3, 2, 2, 4)], lambda x, w: F.conv2d(x, w, padding="same")),
    "conv2d_batch1_odd": ([randn(1, 1, 5, 3), randn(2, 1, 3, 3), randn(2)], lambda x, w, b: F.conv2d(x, w, b, padding=1).tanh()),
    "conv1d": ([randn(2, 3, 9), randn(5, 3, 3), randn(5)], lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1)),
    "conv_transpose2d": ([randn(2, 4, 3, 3), randn(4, 3, 4, 4), randn(3)],
                         lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)),
    "conv_transpose2d_groups": ([randn(1, 4, 3, 2), randn(4, 1, 3, 3)], lambda x, w: F.conv_transpose2d(x, w, groups=2, stride=(1, 2))),
    "max_pool2d": ([distinct(2, 2, 5, 5)], lambda x: F.max_pool2d(x, 3, stride=2, padding=1)),
    "avg_pool2d": ([randn(2, 2, 5, 4)], lambda x: F.avg_pool2d(x, 2)),
    "avg_pool2d_pad_exclude": ([randn(1, 2, 5, 5)], lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)),
    "adaptive_avg_pool2d": ([randn(2, 3, 7, 6)], lambda x: F.adaptive_avg_pool2d(x, (3, 2))),
    "upsample_nearest": ([randn(1, 2, 3, 2)], lambda x: F.interpolate(x, size=(6, 5), mode="nearest")),
    "upsample_bilinear": ([randn(1, 2, 3, 4)], lambda x: F.interpolate(x, size=(5, 7), mode="bilinear", align_corners=False)),
    "pixel_shuffle": ([randn(2, 8, 2, 3)], lambda x: F.pixel_shuffle(x, 2).sin()),
    "batch_norm_train": ([randn(4, 3, 2, 2), randn(3), randn(3)],
                         lambda x, w, b: F.batch_norm(x, torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64),
                                                      w, b, training=True)),
    "layer_norm": ([randn(2, 3, 4), randn(3, 4), randn(3, 4)], lambda x, w, b: F.layer_norm(x, (3, 4), w, b)),
    # The border copies input elements (their gradients add up); .sin() makes second order non-trivial.
    "pad_reflect": ([randn(2, 3, 4, 5)], lambda x: F.pad(x, (2, 1, 3, 0), mode="reflect").sin()),
    "pad_replicate": ([randn(2, 3, 4)], lambda x: F.pad(x, (3, 5), mode="replicate").sin()),
    "pad_circular": ([randn(1, 2, 3, 4, 5)], lambda x: F.pad(x, (2, 5, 1, 3, 0, 2), mode="circular").sin()),
    "pad_constant_value": ([randn(2, 3, 4)], lambda x: F.pad(x, (1, 2, 0, 3), value=-1.5).sin()),
    "group_norm": ([randn(2, 6, 3), randn(6), randn(6)], lambda x, w, b: F.group_norm(x, 3, w, b)),
    "instance_norm": ([randn(2, 3, 4, 3)], lambda x: F.instance_norm(x)),
    "reinforce": ([randn(4, 3, 6), index(6, 4, 3), Const(randn(4)), Const(randn(()))],
                  lambda logits, a, r, b: -((r - b) * logits.log_softmax(-1).gather(-1, a.unsqueeze(-1)).squeeze(-1).sum(1)).mean()),
    # At least 8 channels per group on both sides: float32 runs these on oneDNN's convolutions.
    "conv2d_wide": ([randn(2, 8, 9, 7), randn(16, 8, 3, 3), randn(16)],
                    lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2))),
    "conv2d_wide_groups": ([randn(1, 16, 6, 5), randn(16, 8, 3, 3)], lambda x, w: F.conv2d(x, w, padding=1, groups=2).tanh()),
    "conv_transpose2d_wide": ([randn(2, 16, 4, 3), randn(16, 8, 4, 4), randn(8)],
                              lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)),
    # Output padding beyond the stride (allowed below the dilation): rows no window reaches.
    "conv_transpose2d_dilated_pad": ([randn(1, 2, 3, 3), randn(2, 3, 3, 2)],
                                     lambda x, w: F.conv_transpose2d(x, w, dilation=(2, 3), output_padding=(1, 2))),
    # Scale factors that are not size ratios: the factor maps coordinates, not in/out.
    "upsample_scale_nearest": ([randn(1, 2, 5, 4)], lambda x: F.interpolate(x, scale_factor=1.7, mode="nearest").sin()),
    "upsample_scale_bilinear": ([randn(2, 1, 3, 5)], lambda x: F.interpolate(x, scale_factor=(2.5, 1.3), mode="bilinear").sin()),
    "upsample_bilinear_align_corners": ([randn(1, 2, 3, 4)],
                                        lambda x: F.interpolate(x, size=(5, 7), mode="bilinear", align_corners=True).sin()),
    "upsample_scale_bilinear_align_corners": ([randn(2, 1, 4, 1)], lambda x: F.interpolate(
        x, scale_factor=(1.6, 3.0), mode="bilinear", align_corners=True).sin()),
    "silu": ([randn(3, 5) * 3], lambda x: F.silu(x)),
    "elu": ([away(3, 5)], lambda x: F.elu(x, alpha=0.7)),
    "softsign": ([away(3, 5)], F.softsign),
    "cumsum": ([randn(3, 4, 2)], lambda x: torch.cumsum(x, 1)),
    "cumsum_last": ([randn(2, 5)], lambda x: torch.cumsum(x, -1).sin()),
    # Pooling's ceil_mode (a last, partial window), dilation, divisor_override, and unpooling
    # from the indices of a max pooling (which checks them too).
    "max_pool2d_ceil_dilation": ([distinct(2, 2, 7, 8)], lambda x: F.max_pool2d(x, 3, stride=2, padding=1, dilation=2, ceil_mode=True)),
    "max_pool2d_ceil": ([distinct(1, 2, 6, 7)], lambda x: F.max_pool2d(x, (3, 2), stride=2, ceil_mode=True)),
    "avg_pool2d_ceil": ([randn(1, 2, 6, 7)], lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True)),
    "avg_pool2d_ceil_exclude": ([randn(1, 2, 6, 7)],
                                lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    "avg_pool2d_divisor": ([randn(1, 2, 5, 5)], lambda x: F.avg_pool2d(x, 2, divisor_override=3)),
    "max_unpool2d": ([distinct(2, 2, 6, 6)], lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2).sin()),
    "max_unpool2d_output_size": ([distinct(1, 2, 5, 5)], lambda x: F.max_unpool2d(
        *F.max_pool2d(x, 2, stride=2, return_indices=True), 2, output_size=(5, 5)).sin()),
}


def rng_neutral(f):
    """f() without moving the global random stream: cases added later leave every other case's data as it was."""
    state = torch.get_rng_state()
    try:
        return f()
    finally:
        torch.set_rng_state(state)


def rounding_cases():
    """floor, ceil, round, trunc, remainder, tril, triu, flip, roll, reciprocal and lerp, on inputs of their own generator (away from the steps, where
    central differences see the jump; the Python tests check round's ties to even)."""
    g = torch.Generator().manual_seed(5)
    x = torch.randn(2, 3, generator=g, dtype=torch.float64) * 3
    d = torch.tensor([[0.7, -1.3, 2.1], [-0.9, 1.7, -2.3]], dtype=torch.float64)
    return [op_case(name, [x], fn) for name, fn in [("floor", torch.floor), ("ceil", torch.ceil), ("round", torch.round),
                                                      ("trunc", torch.trunc)]] + \
        [op_case("remainder", [x, d], torch.remainder)] + \
        [op_case(name, [torch.randn(2, 3, 4, generator=g, dtype=torch.float64)], fn) for name, fn in [
            ("tril", torch.tril), ("triu_1", lambda a: torch.triu(a, 1)), ("tril_minus_2", lambda a: torch.tril(a, -2)),
            ("flip_0_2", lambda a: torch.flip(a, (0, 2)))]] + \
        [op_case("reciprocal", [x], torch.reciprocal), op_case("lerp_third", [x, d], lambda a, b: torch.lerp(a, b, 0.3)),
         op_case("lerp_most", [x, d], lambda a, b: torch.lerp(a, b, 0.9))] + \
        [op_case(name, [torch.randn(2, 3, 4, generator=g, dtype=torch.float64)], fn) for name, fn in [
            ("roll_two_dims", lambda a: torch.roll(a, (1, -5), (0, 2))), ("roll_flat", lambda a: torch.roll(a, 7))]] + \
        products_cases(g, x, d) + special_cases(g) + activation_cases(g) + ranking_loss_cases(g) + contraction_cases(g) + \
        distance_cases(g) + window_cases(g) + gamma_cases(g) + grid_cases(g) + lu_cases(g) + scatter_reduce_cases(g) + bag_cases(g) + conv3d_cases(g)


def contraction_cases(g):
    """dot, mv, addmm, baddbmm, einsum (a product, a diagonal, a broadcast batch, an implicit output),
    masked_select and F.normalize, continuing rounding_cases' generator."""
    r = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float64)
    v, w, m, n = r(4), r(4), r(3, 4), r(4, 2)
    b1, b2, base = r(2, 3, 4), r(2, 4, 5), r(3, 5)
    sq, batch = r(3, 3), r(2, 1, 3, 4)
    mask = torch.rand(3, 4, generator=g) > 0.4
    return [op_case("dot", [v, w], torch.dot), op_case("mv", [m, v], torch.mv),
            op_case("addmm_scaled", [r(3, 2), m, n], lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=-2.0)),
            op_case("baddbmm_scaled", [base, b1, b2], lambda c, a, b: torch.baddbmm(c, a, b, beta=2.0, alpha=0.5)),
            op_case("einsum_product", [m, n], lambda a, b: torch.einsum("ij,jk->ik", a, b)),
            op_case("einsum_diagonal", [sq, r(3)], lambda a, b: torch.einsum("ii,i->i", a, b)),
            op_case("einsum_batch_broadcast", [batch, r(3, 4, 5)], lambda a, b: torch.einsum("...ij,jk->...ik", a, b[0])),
            op_case("einsum_implicit", [m, r(4, 3)], lambda a, b: torch.einsum("ij,jk", a, b)),
            op_case("masked_select", [m, mask], torch.masked_select),
            op_case("normalize_p1_dim0", [m], lambda a: torch.nn.functional.normalize(a, p=1.0, dim=0))]


def conv3d_cases(g):
    """F.conv3d, strided, padded, dilated and grouped, continuing rounding_cases' generator."""
    r = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float64)
    return [op_case("conv3d_strided_grouped", [r(1, 4, 6, 5, 5), r(6, 2, 3, 2, 2), r(6)],
                    lambda x, w, b: torch.nn.functional.conv3d(x, w, b, stride=(2, 1, 2), padding=(1, 0, 1), dilation=(2, 1, 1),
                                                               groups=2))]


def bag_cases(g):
    """F.embedding_bag (bags by offsets with per-sample weights; rows of a 2-D input by max, a padding index
    left out of a mean) and F.local_response_norm, continuing rounding_cases' generator."""
    F = torch.nn.functional
    r = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float64)
    ids, offsets = torch.tensor([1, 2, 4, 5, 4, 0]), torch.tensor([0, 2, 3])
    rows = torch.tensor([[1, 2, 3], [4, 4, 0]])
    return [op_case("embedding_bag_sum_weighted", [ids, r(6, 3), offsets, Const(r(6))],   # no double backward in PyTorch
                    lambda i, w, o, p: F.embedding_bag(i, w, o, mode="sum", per_sample_weights=p)),
            op_case("embedding_bag_max_rows", [rows, r(6, 3)], lambda i, w: F.embedding_bag(i, w, mode="max")),
            op_case("embedding_bag_mean_padding", [ids, r(6, 3), offsets],
                    lambda i, w, o: F.embedding_bag(i, w, o, mode="mean", padding_idx=4)),
            op_case("local_response_norm_3", [r(2, 5, 3, 2)], lambda x: F.local_response_norm(x, 3, 0.5, 0.6, 1.5))]


def scatter_reduce_cases(g):
    """scatter_reduce by product (a repeated place: its double backward is not linear), mean without self,
    and amax (no ties: central differences), continuing rounding_cases' generator."""
    r = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float64)
    index = torch.tensor([[0, 1, 2], [1, 1, 0], [0, 3, 2], [2, 1, 0], [0, 1, 1]])
    return [op_case("scatter_reduce_prod", [r(4, 3), index, r(5, 3)], lambda x, i, s: x.scatter_reduce(0, i, s, "prod")),
            op_case("scatter_reduce_mean_exclude_self", [r(4, 3), index, r(5, 3)],
                    lambda x, i, s: x.scatter_reduce(0, i, s, "mean", include_self=False)),
            op_case("scatter_reduce_amax", [r(4, 3), index, r(5, 3)], lambda x, i, s: x.scatter_reduce(0, i, s, "amax"))]


def lu_cases(g):
    """torch.linalg's det, slogdet, logdet, inv and solve (of matrices kept well away from singular: a
    multiple of the identity added), continuing rounding_cases' generator."""
    r = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float64)
    a = r(2, 3, 3) + 3 * torch.eye(3, dtype=torch.float64)
    m = r(3, 3)
    spd = m @ m.T + torch.eye(3, dtype=torch.float64)
    return [op_case("det", [a], torch.linalg.det),
            op_case("slogdet_logabsdet", [-a], lambda x: torch.linalg.slogdet(x).logabsdet),
            op_case("logdet", [spd], torch.logdet),
            op_case("inverse", [a], torch.linalg.inv),
            op_case("linalg_solve", [a, r(2, 3, 2)], torch.linalg.solve),
            op_case("linalg_solve_vectors", [a, r(2, 3)], torch.linalg.solve),
            op_case("linalg_solve_broadcast", [a[0], r(2, 3, 2)], torch.linalg.solve),
            # Of a Gram matrix (symmetric in the input, so central differences see the symmetrized gradient).
            op_case("linalg_cholesky_gram", [r(2, 3, 3)],
                    lambda m: torch.linalg.cholesky(m @ m.mT + 3 * torch.eye(3, dtype=torch.float64)))]


def grid_cases(g):
    """F.grid_sample (bilinear: gradients for the input and the grid), F.affine_grid and F.adaptive_max_pool2d,
    continuing rounding_cases' generator."""
    F = torch.nn.functional
    image = torch.randn(2, 3, 4, 5, generator=g, dtype=torch.float64)
    grid = torch.rand(2, 3, 6, 2, generator=g, dtype=torch.float64) * 2.4 - 1.2
    theta = torch.randn(2, 2, 3, generator=g, dtype=torch.float64)
    return [op_case("grid_sample_bilinear_zeros", [image, grid], lambda x, t: F.grid_sample(x, t, align_corners=False)),
            op_case("grid_sample_bilinear_border_corners", [image, grid],
                    lambda x, t: F.grid_sample(x, t, padding_mode="border", align_corners=True)),
            op_case("affine_grid_2_3_4_5", [theta], lambda t: F.affine_grid(t, [2, 3, 4, 5], align_corners=False)),
            op_case("adaptive_max_pool2d_3_2", [torch.randn(2, 3, 7, 5, generator=g, dtype=torch.float64)],
                    lambda x: F.adaptive_max_pool2d(x, (3, 2)))]


def gamma_cases(g):
    """lgamma, digamma and polygamma on positive inputs and negative ones between the poles, continuing
    rounding_cases' generator."""
    x = torch.rand(2, 3, generator=g, dtype=torch.float64) * 6 + 0.2
    x[0, 0], x[1, 1] = -2.5, -0.3
    return [op_case("lgamma", [x], torch.lgamma), op_case("digamma", [x], torch.digamma),
            op_case("polygamma_2", [x], lambda t: torch.polygamma(2, t))]


def window_cases(g):
    """The 1-D poolings, conv_transpose1d and pixel_unshuffle, continuing rounding_cases' generator."""
    F = torch.nn.functional
    r = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float64)
    return [op_case("max_pool1d_3_2_1", [r(2, 3, 9)], lambda x: F.max_pool1d(x, 3, 2, 1)),
            op_case("avg_pool1d_3_2_1_excluding_pad", [r(2, 3, 9)], lambda x: F.avg_pool1d(x, 3, 2, 1, False, False)),
            op_case("conv_transpose1d_strided", [r(2, 4, 5), r(4, 3, 3), r(3)],
                    lambda x, w, b: F.conv_transpose1d(x, w, b, 2, 1, 1, 1, 2)),
            op_case("pixel_unshuffle_2", [r(2, 3, 4, 6)], lambda x: F.pixel_unshuffle(x, 2))]


def distance_cases(g):
    """scatter, diagonal, cdist by matrix products (PyTorch's cdist by differences has no second derivative: the
    Python tests check it), F.rms_norm, continuing rounding_cases' generator."""
    r = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float64)
    index = torch.tensor([[0, 2], [1, 3], [3, 0]])   # no repeats within a row: with them, the last write wins
    return [op_case("scatter_dim_1", [r(3, 4), index, r(3, 2)], lambda x, i, src: x.scatter(1, i, src)),
            op_case("diagonal_1_0_2", [r(3, 2, 4)], lambda x: torch.diagonal(x, 1, 0, 2)),
            op_case("cdist_matrix_products", [r(30, 3), r(4, 3)], torch.cdist),
            op_case("rms_norm_weight", [r(3, 4), r(4)], lambda x, w: torch.nn.functional.rms_norm(x, (4,), w))]


def ranking_loss_cases(g):
    """The margin, ranking and Poisson losses of F, continuing rounding_cases' generator (labels and targets
    take no gradient; multi_margin_loss has no second derivative in PyTorch: the Python tests check it)."""
    F = torch.nn.functional
    a, b, c = (torch.randn(4, 3, generator=g, dtype=torch.float64) for _ in range(3))
    signs = Const(torch.where(torch.rand(4, 3, generator=g) > 0.5, 1.0, -1.0).double())
    labels = Const((torch.rand(4, 3, generator=g) > 0.5).double())
    counts = Const(torch.randint(0, 6, (4, 3), generator=g).double())
    weights = Const(torch.rand(3, generator=g, dtype=torch.float64) + 0.5)
    return [op_case("pairwise_distance_p3", [a, b], lambda x, y: F.pairwise_distance(x, y, 3.0)),
            op_case("triplet_margin_loss_swap", [a, b, c], lambda x, y, z: F.triplet_margin_loss(x, y, z, 0.5, swap=True)),
            op_case("margin_ranking_loss", [a, b, signs], lambda x, y, t: F.margin_ranking_loss(x, y, t, 0.2)),
            op_case("hinge_embedding_loss", [a, signs], lambda x, t: F.hinge_embedding_loss(x, t, 0.7)),
            op_case("soft_margin_loss", [a, signs], F.soft_margin_loss),
            op_case("multilabel_soft_margin_loss", [a, labels, weights],
                    lambda x, t, w: F.multilabel_soft_margin_loss(x, t, weight=w)),
            op_case("poisson_nll_loss_full", [a.abs() + 0.1, counts],
                    lambda x, t: F.poisson_nll_loss(x, t, log_input=False, full=True))]


def activation_cases(g):
    """The activations of F without a fused kernel, continuing rounding_cases' generator (inputs spread over their
    kinks' sides, away from the kinks)."""
    F = torch.nn.functional
    a = torch.randn(2, 4, generator=g, dtype=torch.float64) * 3
    slopes = torch.rand(4, generator=g, dtype=torch.float64)
    return [op_case(name, [a], getattr(F, name)) for name in ("relu6", "hardswish", "mish", "selu", "logsigmoid",
                                                                "tanhshrink")] + \
        [op_case("hardtanh_minus_2_3", [a], lambda t: F.hardtanh(t, -2.0, 3.0)),
         op_case("celu_half", [a], lambda t: F.celu(t, 0.5)), op_case("glu_dim_1", [a], lambda t: F.glu(t, 1)),
         op_case("softmin_1", [a], lambda t: F.softmin(t, 1)), op_case("threshold_1_minus_2", [a], lambda t: F.threshold(t, 1.0, -2.0)),
         op_case("softshrink_1", [a], lambda t: F.softshrink(t, 1.0)), op_case("hardshrink_1", [a], lambda t: F.hardshrink(t, 1.0)),
         op_case("prelu", [a, slopes], F.prelu)]


def special_cases(g):
    """The hyperbolic and inverse trigonometric functions, exp2, erfc, erfinv, frac, deg2rad, rad2deg, sinc, fmod,
    hypot, logaddexp and xlogy, continuing rounding_cases' generator: inputs inside each function's domain."""
    r = torch.randn(2, 3, generator=g, dtype=torch.float64)
    u = torch.rand(2, 3, generator=g, dtype=torch.float64) * 1.6 - 0.8
    above = torch.rand(2, 3, generator=g, dtype=torch.float64) * 2 + 1.2
    s = torch.randn(2, 3, generator=g, dtype=torch.float64) * 2 + 0.5
    t = torch.randn(2, 3, generator=g, dtype=torch.float64)
    pos = torch.rand(2, 3, generator=g, dtype=torch.float64) + 0.5
    return [op_case(name, [r], getattr(torch, name)) for name in ("sinh", "cosh", "atan", "asinh", "exp2", "erfc", "frac",
                                                                    "deg2rad", "rad2deg", "sinc")] + \
        [op_case(name, [u], getattr(torch, name)) for name in ("tan", "asin", "acos", "atanh", "erfinv")] + \
        [op_case("acosh", [above], torch.acosh)] + \
        [op_case(name, [s, t], getattr(torch, name)) for name in ("fmod", "hypot", "logaddexp")] + \
        [op_case("xlogy", [s, pos], torch.xlogy)]


def products_cases(g, x, d):
    """log2, log10, atan2, prod, cumprod (with zeros, to the second order), diag, trace and outer, continuing
    rounding_cases' generator."""
    pos = torch.rand(2, 3, generator=g, dtype=torch.float64) + 0.5
    z = torch.randn(3, 4, generator=g, dtype=torch.float64)
    z[0, 1] = z[2, 0] = z[2, 3] = 0
    m = torch.randn(3, 4, generator=g, dtype=torch.float64)
    v = torch.randn(3, generator=g, dtype=torch.float64)
    return [op_case("log2", [pos], torch.log2), op_case("log10", [pos], torch.log10), op_case("atan2", [x, d], torch.atan2),
            op_case("prod_all", [m], torch.prod), op_case("prod_dim_1_zeros", [z], lambda a: torch.prod(a, 1)),
            op_case("cumprod_1_zeros", [z], lambda a: torch.cumprod(a, 1)),
            op_case("diag_vector_2", [v], lambda a: torch.diag(a, 2)), op_case("diag_matrix_minus_1", [m], lambda a: torch.diag(a, -1)),
            op_case("trace", [m], torch.trace), op_case("outer", [v, d[0]], torch.outer)]


def encode(t):
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""), "requires_grad": t.requires_grad,
            "data": (t.detach() + 0).reshape(-1).tolist()}


def op_case(name, inputs, fn):
    inputs = [t.t.clone() if isinstance(t, Const) else t.clone().requires_grad_(t.is_floating_point())
              for t in inputs]
    out = fn(*inputs)
    w = randn(*out.shape)
    floats = [t for t in inputs if t.requires_grad]
    grads = torch.autograd.grad((out * w).sum(), floats, create_graph=True)
    vs = [randn(*t.shape) for t in floats]
    s = sum((g * v).sum() for g, v in zip(grads, vs))
    if s.requires_grad:
        gg = torch.autograd.grad(s, floats, allow_unused=True)
        gg = [torch.zeros_like(t) if g is None else g for t, g in zip(floats, gg)]
    else:
        gg = [torch.zeros_like(t) for t in floats]
    return {"name": name, "inputs": [encode(t) for t in inputs], "output": encode(out), "w": encode(w),
            "grads": [encode(g) for g in grads], "v": [encode(v) for v in vs], "grad_grads": [encode(g) for g in gg]}


def wgan_gp_case():
    """The WGAN-GP penalty of an MLP critic and its gradient with respect to the critic's weights."""
    d = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16),
                            torch.nn.LeakyReLU(0.2), torch.nn.Linear(16, 1)).double()
    x = randn(8, 2).requires_grad_(True)
    (g,) = torch.autograd.grad(d(x).sum(), x, create_graph=True)
    penalty = ((g.norm(2, dim=1) - 1) ** 2).mean()
    params = list(d.parameters())
    grads = torch.autograd.grad(penalty, params, allow_unused=True)  # the last bias does not move the gradient
    grads = [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]
    return {"x": encode(x), "params": {k: encode(v) for k, v in d.state_dict().items()},
            "penalty": penalty.item(), "grads": {k: encode(g) for k, g in zip(dict(d.named_parameters()), grads)}}


def training_case():
    """Losses and final weights of 10 steps of a small MLP classifier under each optimizer."""
    x, y = randn(16, 4), index(3, 16)
    torch.manual_seed(7)
    init = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).double().state_dict()
    runs = {
        "sgd": lambda p: torch.optim.SGD(p, lr=0.1),
        "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
        "sgd_nesterov_wd": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2),
        "sgd_dampening_maximize": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.5, dampening=0.3, maximize=True),
        "adam": lambda p: torch.optim.Adam(p, lr=1e-2),
        "adam_defaults": lambda p: torch.optim.Adam(p),
        "adam_amsgrad_wd": lambda p: torch.optim.Adam(p, lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True),
    }
    out = {"x": encode(x), "y": encode(y), "init": {k: encode(v) for k, v in init.items()}, "runs": {}}
    for name, make in runs.items():
        model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).double()
        model.load_state_dict(init)
        opt = make(model.parameters())
        losses = []
        for _ in range(10):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        out["runs"][name] = {"losses": losses, "final": {k: encode(v) for k, v in model.state_dict().items()}}
    return out


OPTIMIZERS = {  # name: (class, options); "sign" -1 feeds the negated gradient (for maximize)
    "sgd_nesterov_wd": (torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    "adam_amsgrad_wd": (torch.optim.Adam, dict(lr=0.01, betas=(0.9, 0.99), weight_decay=1e-2, amsgrad=True)),
    "adamw": (torch.optim.AdamW, dict(lr=0.01, weight_decay=0.05)),
    "rmsprop_centered_momentum": (torch.optim.RMSprop, dict(lr=0.005, momentum=0.5, centered=True, weight_decay=1e-3)),
    "adagrad_decay": (torch.optim.Adagrad, dict(lr=0.05, lr_decay=1e-3, initial_accumulator_value=0.1, weight_decay=1e-3)),
}
EXTRA_OPTIMIZERS = {
    "sgd": (torch.optim.SGD, dict(lr=0.05)),
    "sgd_dampening_maximize": (torch.optim.SGD, dict(lr=0.05, momentum=0.8, dampening=0.3, maximize=True)),
    "adam_defaults": (torch.optim.Adam, dict()),
    "adam_maximize_eps": (torch.optim.Adam, dict(lr=0.02, eps=1e-6, maximize=True)),
    "adam_low_beta1": (torch.optim.Adam, dict(lr=0.01, betas=(0.3, 0.999))),
    "adamw_amsgrad": (torch.optim.AdamW, dict(lr=0.01, amsgrad=True)),
    "rmsprop": (torch.optim.RMSprop, dict()),
    "rmsprop_momentum_alpha": (torch.optim.RMSprop, dict(lr=0.005, alpha=0.9, momentum=0.9)),
    "adagrad": (torch.optim.Adagrad, dict()),
    "adagrad_maximize_eps": (torch.optim.Adagrad, dict(lr=0.05, eps=1e-6, maximize=True)),
}
SCHEDULERS = {
    "none": None,
    "exponential": lambda o, n: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.98),
    "step": lambda o, n: torch.optim.lr_scheduler.StepLR(o, step_size=30, gamma=0.5),
    "multistep": lambda o, n: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[20, 50, 50, 120], gamma=0.5),
    "cosine": lambda o, n: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=40, eta_min=1e-4),
    "warm_restarts": lambda o, n: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=1e-5),
    "linear": lambda o, n: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=40),
    "lambda": lambda o, n: torch.optim.lr_scheduler.LambdaLR(o, lr_lambda=lambda e: 1 / (1 + 0.05 * e)),
    "sequential": lambda o, n: torch.optim.lr_scheduler.SequentialLR(
        o, [torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=10),
            torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.99)], milestones=[10]),
    "onecycle": lambda o, n: torch.optim.lr_scheduler.OneCycleLR(
        o, max_lr=[10 * g["lr"] for g in o.param_groups], total_steps=200, cycle_momentum=not n.startswith("adagrad")),
    "plateau": lambda o, n: torch.optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=5, threshold=1e-3),
}
STEPS = 200
PLATEAU_METRIC = [max(1.0 - 0.01 * t, 0.5) + 0.001 * (t % 7) for t in range(STEPS)]


def optimizer_run(make, options, scheduler, name, dtype, problem):
    """Trains two parameter groups on the gradient g = sign·((a·p)·|p| + b), fed directly so that
    both frameworks see bit-identical gradients; returns the lrs of every step and the parameters
    after steps 100 and 200."""
    p0, a, b = problem
    params = [t.clone().to(dtype).requires_grad_(True) for t in p0]
    a, b = [t.to(dtype) for t in a], [t.to(dtype) for t in b]
    group_lr = options.get("lr", make.__init__.__defaults__[0] if make.__init__.__defaults__ else 1e-3)
    opt = make([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.5 * group_lr}], **options)
    sched = SCHEDULERS[scheduler](opt, name) if SCHEDULERS[scheduler] else None
    sign = -1.0 if options.get("maximize") else 1.0
    lrs, snapshots = [], {}
    for t in range(STEPS):
        with torch.no_grad():
            for p, ai, bi in zip(params, a, b):
                p.grad = ((ai * p) * p.abs() + bi) * sign
        opt.step()
        if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
            sched.step(PLATEAU_METRIC[t])
        elif sched is not None:
            sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        if t + 1 in (100, STEPS):
            snapshots[str(t + 1)] = [encode(p) for p in params]
    return {"lrs": lrs, "params": snapshots}


def optimizer_cases():
    torch.manual_seed(11)
    problem = ([randn(5, 3), randn(4)], [torch.rand(5, 3, dtype=torch.float64) + 0.5, torch.rand(4, dtype=torch.float64) + 0.5],
               [randn(5, 3) * 0.1, randn(4) * 0.1])
    runs = []
    for opt_name, (make, options) in OPTIMIZERS.items():
        for sched in SCHEDULERS:
            runs.append((opt_name, make, options, sched))
    for opt_name, (make, options) in EXTRA_OPTIMIZERS.items():
        runs.append((opt_name, make, options, "none"))
    out = {"steps": STEPS, "plateau_metric": PLATEAU_METRIC, "problem": {
        "p": [encode(t) for t in problem[0]], "a": [encode(t) for t in problem[1]], "b": [encode(t) for t in problem[2]]},
        "runs": []}
    for opt_name, make, options, sched in runs:
        r64 = optimizer_run(make, options, sched, opt_name, torch.float64, problem)
        r32 = optimizer_run(make, options, sched, opt_name, torch.float32, problem)
        opts = {k: (list(v) if isinstance(v, tuple) else v) for k, v in options.items()}
        out["runs"].append({"optimizer": opt_name, "class": make.__name__, "options": opts, "scheduler": sched,
                            "float64": r64, "float32": {"params": r32["params"]}})
    return out


def scheduler_cases():
    """Learning-rate sequences alone, including fractional epochs and restarts."""
    import warnings
    warnings.filterwarnings("ignore", category=UserWarning)  # stepping without optimizer steps, on purpose
    def seq(make, steps, epochs=None):
        p = [torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)]
        opt = torch.optim.SGD([{"params": [p[0]]}, {"params": [p[1]], "lr": 0.3}], lr=0.1, momentum=0.9)
        s = make(opt)
        out = [s.get_last_lr()]
        for i in range(steps):
            s.step() if epochs is None else s.step(epochs[i])
            out.append(s.get_last_lr())
        return out

    fractional = [e + i / 7 for e in range(12) for i in range(7)]
    lr_sched = torch.optim.lr_scheduler
    return {
        "warm_restarts_fractional_tmult2": {"epochs": fractional, "lrs": seq(
            lambda o: lr_sched.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2, eta_min=0.001), len(fractional), fractional)},
        "warm_restarts_fractional_tmult1": {"epochs": fractional, "lrs": seq(
            lambda o: lr_sched.CosineAnnealingWarmRestarts(o, T_0=3), len(fractional), fractional)},
        "warm_restarts_tmult3": {"lrs": seq(lambda o: lr_sched.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=3), 60)},
        "cosine_long": {"lrs": seq(lambda o: lr_sched.CosineAnnealingLR(o, T_max=7, eta_min=0.01), 50)},
        "onecycle_three_phase_linear": {"lrs": seq(lambda o: lr_sched.OneCycleLR(
            o, max_lr=[1.0, 2.0], total_steps=30, three_phase=True, anneal_strategy="linear"), 30)},
        "linear_decay": {"lrs": seq(lambda o: lr_sched.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=9), 15)},
        "step_closed_form": {"epochs": [0, 3, 7, 12, 30], "lrs": seq(lambda o: lr_sched.StepLR(o, step_size=4), 5, [0, 3, 7, 12, 30])},
        "sequential_three": {"lrs": seq(lambda o: lr_sched.SequentialLR(o, [
            lr_sched.LinearLR(o, start_factor=0.5, total_iters=3), lr_sched.StepLR(o, step_size=2, gamma=0.5),
            lr_sched.CosineAnnealingLR(o, T_max=5)], milestones=[4, 9]), 20)},
    }


def perceptual_case():
    """A small conv feature extractor saved as safetensors, and a perceptual loss through it."""
    from safetensors.torch import save_file
    torch.manual_seed(21)
    extractor = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(),
                                    torch.nn.Conv2d(4, 8, 3, stride=2, padding=1), torch.nn.LeakyReLU(0.2),
                                    torch.nn.Conv2d(8, 8, 3, padding=1)).double()
    save_file({k: v.contiguous() for k, v in extractor.state_dict().items()}, os.path.join(OUT, "perceptual_extractor.safetensors"))
    generated = torch.rand(2, 1, 8, 8, dtype=torch.float64, requires_grad=True)
    real = torch.rand(2, 1, 8, 8, dtype=torch.float64)
    layers = {1: 1.0, 3: 0.5, 4: 0.25}
    loss, g, r = 0, generated, real
    for i, layer in enumerate(extractor):
        g, r = layer(g), layer(r)
        if i in layers:
            loss = loss + layers[i] * F.mse_loss(g, r)
    (grad,) = torch.autograd.grad(loss, generated)
    return {"generated": encode(generated), "real": encode(real), "layers": {str(k): v for k, v in layers.items()},
            "loss": loss.item(), "grad": encode(grad)}


def recurrent_case():
    """A 2-layer LSTM with a given state and a batch-first GRU, and both bidirectional: outputs,
    final states, and the gradients of a weighted sum of them with respect to the input and every
    weight."""
    torch.manual_seed(23)
    out = {}
    for name, module, batch_first in [("lstm", torch.nn.LSTM(3, 4, num_layers=2), False),
                                      ("gru", torch.nn.GRU(3, 4, batch_first=True), True),
                                      ("lstm_bidirectional", torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True), False),
                                      ("gru_bidirectional", torch.nn.GRU(3, 4, num_layers=2, batch_first=True, bidirectional=True),
                                       True)]:
        module = module.double()
        x = torch.randn(2, 5, 3, dtype=torch.float64) if batch_first else torch.randn(5, 2, 3, dtype=torch.float64)
        x.requires_grad_(True)
        layers = module.num_layers * (2 if module.bidirectional else 1)
        h0 = torch.randn(layers, 2, 4, dtype=torch.float64)
        if name.startswith("lstm"):
            c0 = torch.randn(layers, 2, 4, dtype=torch.float64)
            y, (h, c) = module(x, (h0, c0))
            finals = [h, c]
        else:
            y, h = module(x, h0)
            finals = [h]
        w = torch.randn_like(y)
        loss = (y * w).sum() + sum((f * (i + 1)).sum() for i, f in enumerate(finals))
        params = dict(module.named_parameters())
        grads = torch.autograd.grad(loss, [x] + list(params.values()))
        out[name] = {"state": {k: encode(v) for k, v in params.items()}, "input": encode(x), "h0": encode(h0),
                     "output": encode(y), "w": encode(w), "finals": [encode(f) for f in finals], "loss": loss.item(),
                     "grads": {k: encode(g) for k, g in zip(["input"] + list(params), grads)}}
        if name.startswith("lstm"):
            out[name]["c0"] = encode(c0)
    return out


class _Dcgan(torch.nn.Module):
    """Critic conv 1->8->16 (k4 s2 p1) + linear; generator linear -> BatchNorm -> ConvTranspose2d x2."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.critic = nn.Sequential(nn.Conv2d(1, 8, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(8, 16, 4, 2, 1),
                                    nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(16 * 7 * 7, 1))
        self.head = nn.Linear(16, 16 * 7 * 7)
        self.body = nn.Sequential(nn.BatchNorm2d(16), nn.ReLU(), nn.ConvTranspose2d(16, 8, 4, 2, 1), nn.BatchNorm2d(8),
                                  nn.ReLU(), nn.ConvTranspose2d(8, 1, 4, 2, 1), nn.Tanh())

    def generate(self, z):
        return self.body(self.head(z).reshape(-1, 16, 7, 7))


class _LanguageModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(20, 8)
        self.lstm = torch.nn.LSTM(8, 16, num_layers=2, batch_first=True)
        self.head = torch.nn.Linear(16, 20)

    def loss(self, x, y):
        out, _ = self.lstm(self.emb(x))
        return F.cross_entropy(self.head(out).reshape(-1, 20), y.reshape(-1))


class _ConvVae(torch.nn.Module):
    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.enc = nn.Sequential(nn.Conv2d(1, 4, 3, 2, 1), nn.ReLU(), nn.Conv2d(4, 8, 3, 2, 1), nn.ReLU(), nn.Flatten(),
                                 nn.Linear(8 * 7 * 7, 8))
        self.dec_in = nn.Linear(4, 8 * 7 * 7)
        self.dec = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(8, 4, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(4, 1, 4, 2, 1),
                                 nn.Sigmoid())

    def loss(self, x, eps):
        mu, logvar = self.enc(x).chunk(2, dim=1)
        z = mu + (0.5 * logvar).exp() * eps
        recon = self.dec(self.dec_in(z).reshape(-1, 8, 7, 7))
        kl = -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum()
        return F.binary_cross_entropy(recon, x, reduction="sum") + kl


def training_runs_case():
    """20 float32 training steps of a DCGAN, an LSTM language model and a conv VAE: the initial
    weights (safetensors, as PyTorch writes them), every step's data, and the losses."""
    from safetensors.torch import save_file
    torch.manual_seed(31)
    steps, out = 20, {}

    def save(name, model):
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(OUT, f"train_{name}.safetensors"))

    gan = _Dcgan()
    save("dcgan", gan)
    real, z = torch.rand(8, 1, 28, 28) * 2 - 1, torch.randn(steps, 8, 16)
    c_opt = torch.optim.Adam(gan.critic.parameters(), lr=2e-4, betas=(0.5, 0.999))
    g_opt = torch.optim.Adam(list(gan.head.parameters()) + list(gan.body.parameters()), lr=2e-4, betas=(0.5, 0.999))
    ones, zeros, losses = torch.ones(8, 1), torch.zeros(8, 1), []
    for i in range(steps):
        fake = gan.generate(z[i])
        c_opt.zero_grad()
        d_loss = F.binary_cross_entropy_with_logits(gan.critic(real), ones) + \
            F.binary_cross_entropy_with_logits(gan.critic(fake.detach()), zeros)
        d_loss.backward()
        c_opt.step()
        g_opt.zero_grad()
        g_loss = F.binary_cross_entropy_with_logits(gan.critic(fake), ones)
        g_loss.backward()
        g_opt.step()
        losses += [d_loss.item(), g_loss.item()]
    out["dcgan"] = {"real": encode(real), "z": encode(z), "losses": losses}

    lm = _LanguageModel()
    save("lm", lm)
    x, y = torch.randint(0, 20, (steps, 4, 10)), torch.randint(0, 20, (steps, 4, 10))
    opt = torch.optim.RMSprop(lm.parameters(), lr=1e-2)
    losses = []
    for i in range(steps):
        opt.zero_grad()
        loss = lm.loss(x[i], y[i])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(lm.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    out["lm"] = {"x": encode(x), "y": encode(y), "losses": losses}

    vae = _ConvVae()
    save("vae", vae)
    images, eps = torch.rand(8, 1, 28, 28), torch.randn(steps, 8, 4)
    opt = torch.optim.Adam(vae.parameters(), lr=1e-3)
    losses = []
    for i in range(steps):
        opt.zero_grad()
        loss = vae.loss(images, eps[i])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    out["vae"] = {"x": encode(images), "eps": encode(eps), "losses": losses}
    return out


def attention_case():
    """nn.MultiheadAttention (cross-attention with both masks; causal self-attention with
    per-head weights) and scaled_dot_product_attention: outputs, weights and gradients."""
    torch.manual_seed(41)
    out = {}
    cases = [("cross", True, dict(average_attn_weights=True)), ("causal", False, dict(average_attn_weights=False))]
    for name, batch_first, options in cases:
        mha = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first).double()
        if name == "cross":
            q = torch.randn(2, 3, 8, dtype=torch.float64, requires_grad=True)
            k, v = (torch.randn(2, 4, 8, dtype=torch.float64, requires_grad=True) for _ in range(2))
            masks = dict(key_padding_mask=torch.tensor([[False, False, True, False], [False, True, True, False]]),
                         attn_mask=torch.randn(3, 4, dtype=torch.float64))
            y, weights = mha(q, k, v, **masks, **options)
        else:
            q = torch.randn(5, 2, 8, dtype=torch.float64, requires_grad=True)
            k = v = q
            masks = dict(attn_mask=torch.ones(5, 5, dtype=torch.bool).triu(1))
            y, weights = mha(q, q, q, is_causal=True, **masks, **options)
        wy, ww = torch.randn_like(y), torch.randn_like(weights)
        loss = (y * wy).sum() + (weights * ww).sum()
        params = dict(mha.named_parameters())
        inputs = [q] if name == "causal" else [q, k, v]
        grads = torch.autograd.grad(loss, inputs + list(params.values()))
        out[name] = {"state": {k2: encode(t) for k2, t in params.items()}, "inputs": [encode(t) for t in inputs],
                     "masks": {k2: encode(t) for k2, t in masks.items()}, "output": encode(y), "weights": encode(weights),
                     "wy": encode(wy), "ww": encode(ww), "grads": [encode(g) for g in grads]}
    q = torch.randn(2, 3, 5, 4, dtype=torch.float64, requires_grad=True)
    k = torch.randn(2, 3, 6, 4, dtype=torch.float64, requires_grad=True)
    v = torch.randn(2, 3, 6, 7, dtype=torch.float64, requires_grad=True)
    mask = torch.rand(5, 6) > 0.3
    mask[:, 0] = True
    for name, kwargs in [("sdpa_mask", dict(attn_mask=mask, scale=0.3)), ("sdpa_causal", dict(is_causal=True))]:
        y = F.scaled_dot_product_attention(q, k, v, **kwargs)
        w = torch.randn_like(y)
        grads = torch.autograd.grad((y * w).sum(), [q, k, v])
        out[name] = {"inputs": [encode(t) for t in (q, k, v)], "output": encode(y), "w": encode(w),
                     "grads": [encode(g) for g in grads], "mask": encode(mask), "scale": kwargs.get("scale")}
    return out


def grad_scaler_case():
    """40 iterations of GradScaler on two parameters with two optimizers: gradients set by hand,
    with infinities and NaNs injected at chosen steps (one optimizer's, or both), unscale_ called
    by hand on some steps, growth_interval 3 (so the scale grows and backs off many times)."""
    torch.manual_seed(99)
    p = torch.nn.Parameter(torch.randn(5, dtype=torch.float32))
    q = torch.nn.Parameter(torch.randn(3, dtype=torch.float32))
    p0, q0 = p.detach().tolist(), q.detach().tolist()
    opt_p, opt_q = torch.optim.SGD([p], lr=0.1), torch.optim.SGD([q], lr=0.05, momentum=0.9)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0, growth_factor=2.0, backoff_factor=0.5, growth_interval=3)
    grads = [(torch.randn(5), torch.randn(3)) for _ in range(40)]
    bad = {4: ("p", math.inf), 9: ("q", math.nan), 10: ("p", -math.inf), 17: ("both", math.inf), 30: ("q", math.inf)}
    unscale_first = {2, 9, 21}
    steps = []
    for i, (gp, gq) in enumerate(grads):
        loss = scaler.scale((p * gp).sum() + (q * gq).sum())   # gradients gp·scale and gq·scale
        loss.backward()
        which, value = bad.get(i, (None, None))
        if which in ("p", "both"):
            p.grad[1] = value
        if which in ("q", "both"):
            q.grad[0] = value
        if i in unscale_first:
            scaler.unscale_(opt_p)
        scaler.step(opt_p)
        scaler.step(opt_q)
        scaler.update()
        steps.append({"scale": scaler.get_scale(), "tracker": scaler._get_growth_tracker(),
                      "p": p.detach().tolist(), "q": q.detach().tolist()})
        opt_p.zero_grad()
        opt_q.zero_grad()
    return {"p0": p0, "q0": q0, "grads": [[a.tolist(), b.tolist()] for a, b in grads],
            "bad": [[k, w, str(v)] for k, (w, v) in sorted(bad.items())],
            "unscale_first": sorted(unscale_first), "steps": steps}

def autocast_case():
    """PyTorch's CPU autocast (bfloat16): for each op, float32 inputs (leaves that require grad),
    the output's dtype and values, and the gradients of sum(out * w) (float32, through the casts);
    then 20 steps each of an MLP classifier, a conv GAN and a WGAN-GP critic (PyTorch's recipe for
    a gradient penalty under mixed precision) under autocast + GradScaler: initial weights, data
    and every step's losses."""
    torch.manual_seed(77)
    x, w, b = torch.randn(16, 32), torch.randn(24, 32) * 0.2, torch.randn(24)
    img, k, kb = torch.randn(2, 3, 8, 8), torch.randn(4, 3, 3, 3) * 0.3, torch.randn(4)
    q = torch.randn(2, 5, 8)
    target = torch.tensor([1, 0, 3, 7, 2, 2, 5, 9, 0, 1, 3, 4, 6, 8, 7, 23])
    ops = {
        "linear": ([x, w, b], lambda x, w, b: F.linear(x, w, b)),
        "matmul": ([x, w], lambda x, w: x @ w.t()),
        "bmm": ([q], lambda q: torch.bmm(q, q.transpose(1, 2))),
        "conv2d": ([img, k, kb], lambda img, k, kb: F.conv2d(img, k, kb, padding=1)),
        "conv_transpose2d": ([img, k.transpose(0, 1).contiguous()], lambda img, k: F.conv_transpose2d(img, k, stride=2)),
        "linear_relu": ([x, w, b], lambda x, w, b: F.linear(x, w, b).relu()),
        "linear_softmax": ([x, w], lambda x, w: F.softmax(F.linear(x, w), 1)),
        "linear_layer_norm": ([x, w], lambda x, w: F.layer_norm(F.linear(x, w), (24,))),
        "linear_cross_entropy": ([x, w, b], lambda x, w, b: F.cross_entropy(F.linear(x, w, b), target)),
        "linear_mse": ([x, w], lambda x, w: F.mse_loss(F.linear(x, w), torch.ones(16, 24))),
        "sdpa": ([q], lambda q: F.scaled_dot_product_attention(q, q, q)),
        "cat": ([x, w], lambda x, w: torch.cat([x @ w.t(), F.linear(x, w).float()], 1)),
    }
    cases = []
    for name, (inputs, fn) in ops.items():
        leaves = [t.clone().requires_grad_(True) for t in inputs]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = fn(*leaves)
        weights = torch.randn(out.shape)
        grads = torch.autograd.grad((out.float() * weights).sum(), leaves)
        cases.append({"name": name, "inputs": [encode(t.detach()) for t in leaves], "w": encode(weights),
                      "output": {**encode(out.float()), "dtype": str(out.dtype).replace("torch.", "")},
                      "grads": [encode(g) for g in grads]})
    return {"ops": cases, "training": autocast_training_runs()}


def autocast_training_runs():
    steps, out = 20, {}

    def weights(model):
        return {k: encode(v) for k, v in model.state_dict().items()}

    def amp_step(scaler, opt, loss):
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()

    torch.manual_seed(78)
    mlp = torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 4))
    start = weights(mlp)
    x = torch.randn(64, 20)
    y = x[:, :4].argmax(1)
    opt, scaler, losses = torch.optim.Adam(mlp.parameters(), lr=1e-2), torch.amp.GradScaler("cpu"), []
    for _ in range(steps):
        opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = F.cross_entropy(mlp(x), y)
        amp_step(scaler, opt, loss)
        losses.append(loss.item())
    out["mlp"] = {"weights": start, "x": encode(x), "y": encode(y), "losses": losses}

    torch.manual_seed(79)
    critic = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 4, 2, 1), torch.nn.LeakyReLU(0.2), torch.nn.Conv2d(8, 16, 4, 2, 1),
                                 torch.nn.LeakyReLU(0.2), torch.nn.Flatten(), torch.nn.Linear(16 * 7 * 7, 1))
    gen = torch.nn.Sequential(torch.nn.Linear(16, 16 * 7 * 7), torch.nn.Unflatten(1, (16, 7, 7)), torch.nn.ReLU(),
                              torch.nn.ConvTranspose2d(16, 8, 4, 2, 1), torch.nn.ReLU(), torch.nn.ConvTranspose2d(8, 1, 4, 2, 1),
                              torch.nn.Tanh())
    start = {"critic": weights(critic), "gen": weights(gen)}
    real, z = torch.rand(8, 1, 28, 28) * 2 - 1, torch.randn(steps, 8, 16)
    c_opt = torch.optim.Adam(critic.parameters(), lr=2e-4, betas=(0.5, 0.999))
    g_opt = torch.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.999))
    scaler, ones, zeros, losses = torch.amp.GradScaler("cpu"), torch.ones(8, 1), torch.zeros(8, 1), []
    for i in range(steps):
        c_opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            fake = gen(z[i])
            d_loss = F.binary_cross_entropy_with_logits(critic(real), ones) + \
                F.binary_cross_entropy_with_logits(critic(fake.detach()), zeros)
        amp_step(scaler, c_opt, d_loss)
        g_opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            g_loss = F.binary_cross_entropy_with_logits(critic(fake), ones)
        amp_step(scaler, g_opt, g_loss)
        losses += [d_loss.item(), g_loss.item()]
    out["dcgan"] = {"weights": start, "real": encode(real), "z": encode(z), "losses": losses}

    torch.manual_seed(80)
    critic = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                                 torch.nn.Linear(64, 1))
    start = weights(critic)
    real, fake, eps = torch.randn(steps, 32, 2), torch.randn(steps, 32, 2) * 0.5 + 1, torch.rand(steps, 32, 1)
    opt = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
    scaler, losses, penalties = torch.amp.GradScaler("cpu"), [], []
    for i in range(steps):
        opt.zero_grad()
        mixed = (eps[i] * real[i] + (1 - eps[i]) * fake[i]).requires_grad_(True)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            score = critic(mixed)
        # PyTorch's recipe: scale before autograd.grad, unscale the gradients before the penalty.
        (scaled,) = torch.autograd.grad(scaler.scale(score.sum()), mixed, create_graph=True)
        grad = scaled * (1.0 / scaler.get_scale())
        with torch.autocast("cpu", dtype=torch.bfloat16):
            penalty = ((grad.norm(2, dim=1) - 1) ** 2).mean()
            loss = critic(fake[i]).mean() - critic(real[i]).mean() + 10 * penalty
        amp_step(scaler, opt, loss)
        losses.append(loss.item())
        penalties.append(penalty.item())
    out["wgan_gp"] = {"weights": start, "real": encode(real), "fake": encode(fake), "eps": encode(eps),
                      "losses": losses, "penalties": penalties}
    return out


def print_cases():
    """Tensors as PyTorch prints them (repr): the three doors share one formatter."""
    torch.manual_seed(41)
    cases = {
        "matrix": torch.tensor([[1.0, 2.5], [3.0, 4.0]]),
        "whole_numbers": torch.tensor([0.0, 100.0, -3.0]),
        "scientific": torch.tensor([1e-5, 1.0, 12345.678]),
        "float64_requires_grad": torch.tensor([0.5, -0.25], dtype=torch.float64, requires_grad=True),
        "int64": torch.tensor([1, -20, 300]),
        "int32": torch.tensor([[7, 8], [9, -10]], dtype=torch.int32),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 3),
        "summarized": torch.arange(2000, dtype=torch.float32).reshape(40, 50) / 7,
        "inf_nan": torch.tensor([float("inf"), float("nan"), 1.0, float("-inf")]),
        "three_dims": torch.arange(12, dtype=torch.float32).reshape(2, 2, 3),
        "wrapped_row": torch.randn(30),
        "bfloat16": torch.tensor([1.5, 2.0], dtype=torch.bfloat16),
        "long_int_row": torch.arange(1500),
    }
    def value(v):  # JSON has no inf or nan: those as strings
        return v if math.isfinite(v) else str(v)

    return {name: {"values": [value(v) for v in t.detach().double().reshape(-1).tolist()], "shape": list(t.shape),
                   "dtype": str(t.dtype).replace("torch.", ""), "requires_grad": t.requires_grad, "repr": repr(t)}
            for name, t in cases.items()}


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = [op_case(name, inputs, fn) for name, (inputs, fn) in CASES.items()] + rng_neutral(rounding_cases)
    with open(os.path.join(OUT, "ops.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)
    with open(os.path.join(OUT, "wgan_gp.json"), "w") as f:
        json.dump({"torch": torch.__version__, **wgan_gp_case()}, f)
    with open(os.path.join(OUT, "training.json"), "w") as f:
        json.dump({"torch": torch.__version__, **training_case()}, f)
    with open(os.path.join(OUT, "optim.json"), "w") as f:
        json.dump({"torch": torch.__version__, **optimizer_cases()}, f)
    with open(os.path.join(OUT, "schedulers.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": scheduler_cases()}, f)
    with open(os.path.join(OUT, "perceptual.json"), "w") as f:
        json.dump({"torch": torch.__version__, **perceptual_case()}, f)
    with open(os.path.join(OUT, "recurrent.json"), "w") as f:
        json.dump({"torch": torch.__version__, **recurrent_case()}, f)
    with open(os.path.join(OUT, "training_runs.json"), "w") as f:
        json.dump({"torch": torch.__version__, **training_runs_case()}, f)
    with open(os.path.join(OUT, "attention.json"), "w") as f:
        json.dump({"torch": torch.__version__, **attention_case()}, f)
    with open(os.path.join(OUT, "grad_scaler.json"), "w") as f:
        json.dump({"torch": torch.__version__, **grad_scaler_case()}, f)
    with open(os.path.join(OUT, "autocast.json"), "w") as f:
        json.dump({"torch": torch.__version__, **autocast_case()}, f)
    with open(os.path.join(OUT, "print.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": print_cases()}, f)
    print(f"wrote {len(cases)} op cases and the WGAN-GP case to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
