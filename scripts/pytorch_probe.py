"""A differential probe of everyday PyTorch expressions: each runs on gentrain and on PyTorch, and the
expressions whose dtypes, shapes or values differ (or that fail on one side only) are listed. A
developer's tool for finding the habits gentrain misses; it needs PyTorch (the tests do not).

    GENTRAIN_LIBRARY=build/libgentrain.so.0 PYTHONPATH=bindings/python python3 scripts/pytorch_probe.py
"""
import math

import numpy as np
import torch

import gentrain as g
def run(m, f):
    try:
        r = f(m)
        return r
    except Exception as e:
        return 'ERR ' + type(e).__name__ + ' ' + str(e)[:70]
def norm(r):
    if isinstance(r, str): return r
    if isinstance(r, (tuple, list)) and r and not isinstance(r[0], (int, float, bool)): return [norm(x) for x in r]
    if hasattr(r, 'detach'): r = r.detach()
    if hasattr(r, 'numpy'):
        try: return (str(r.dtype).split('.')[-1], np.asarray(r.numpy()).round(5).tolist())
        except Exception as e: return 'numpy ERR ' + str(e)[:40]
    return r
X = lambda m: m.tensor([[1.5, -2.0, 3.0], [0.5, 2.0, -1.0]])
I = lambda m: m.tensor([3, 1, 3, 0, 1, 3])
cases = {
 'int()': lambda m: X(m).int(), 'long()': lambda m: X(m).long(), 'bool()': lambda m: X(m).bool(), 'half()': lambda m: X(m).half(),
 'einsum': lambda m: m.einsum('ij,kj->ik', X(m), X(m)), 'einsum_trace': lambda m: m.einsum('ii->', m.ones(3, 3)),
 'unique': lambda m: I(m).unique(), 'unique_counts': lambda m: m.unique(I(m), return_counts=True), 'unique_inv': lambda m: m.unique(I(m), return_inverse=True),
 'nonzero': lambda m: I(m).nonzero(), 'argwhere': lambda m: m.argwhere(X(m) > 0), 'nonzero_tuple': lambda m: (X(m) > 0).nonzero(as_tuple=True),
 'bincount': lambda m: I(m).bincount(), 'bincount_w': lambda m: m.bincount(I(m), weights=m.tensor([1., 2, 3, 4, 5, 6]), minlength=6),
 'median': lambda m: X(m).median(), 'median_dim': lambda m: X(m).median(1), 'quantile': lambda m: m.quantile(X(m), 0.5),
 'std': lambda m: X(m).std(), 'std_dim': lambda m: X(m).std(1, unbiased=False), 'var_corr': lambda m: X(m).var(1, correction=0),
 'max_dim': lambda m: X(m).max(1), 'argmin': lambda m: X(m).argmin(), 'argmin_dim': lambda m: X(m).argmin(1),
 'meshgrid': lambda m: m.meshgrid(m.arange(2), m.arange(3), indexing='ij'), 'logspace': lambda m: m.logspace(0, 2, 3),
 'expand_as': lambda m: m.ones(1, 3).expand_as(X(m)), 'masked_select': lambda m: X(m).masked_select(X(m) > 0),
 'clip': lambda m: X(m).clip(-1, 1), 'torch.clip': lambda m: m.clip(X(m), min=0),
 'cdist': lambda m: m.cdist(X(m), X(m)), 'normalize': lambda m: m.nn.functional.normalize(X(m), dim=1), 'one_hot': lambda m: m.nn.functional.one_hot(I(m)),
 'unbind': lambda m: X(m).unbind(0), 'hstack': lambda m: m.hstack([X(m), X(m)]), 'vstack': lambda m: m.vstack([X(m), X(m)]),
 'sum_dtype': lambda m: X(m).sum(dtype=m.float64), 'isclose': lambda m: m.isclose(X(m), X(m) + 1e-9), 'allclose': lambda m: m.allclose(X(m), X(m)),
 'equal': lambda m: m.equal(X(m), X(m)), 'sinh': lambda m: X(m).sinh(), 'cosh': lambda m: X(m).cosh(), 'asin': lambda m: (X(m) / 4).asin(),
 'acos': lambda m: (X(m) / 4).acos(), 'atan': lambda m: X(m).atan(), 'tan': lambda m: X(m).tan(), 'asinh': lambda m: X(m).asinh(),
 'logsigmoid': lambda m: m.nn.functional.logsigmoid(X(m)), 'hardtanh': lambda m: m.nn.functional.hardtanh(X(m)), 'relu6': lambda m: m.nn.functional.relu6(X(m)),
 'hardswish': lambda m: m.nn.functional.hardswish(X(m)), 'mish': lambda m: m.nn.functional.mish(X(m)), 'hardsigmoid': lambda m: m.nn.functional.hardsigmoid(X(m)),
 'selu': lambda m: m.nn.functional.selu(X(m)), 'celu': lambda m: m.nn.functional.celu(X(m)), 'prelu': lambda m: m.nn.functional.prelu(X(m), m.tensor([0.25])),
 'glu': lambda m: m.nn.functional.glu(m.ones(2, 4)), 'tanhshrink': lambda m: m.nn.functional.tanhshrink(X(m)), 'softmin': lambda m: m.nn.functional.softmin(X(m), 1),
 'numel': lambda m: X(m).numel(), 'dim': lambda m: X(m).dim(), 'size0': lambda m: X(m).size(0), 'element_size': lambda m: X(m).element_size(),
 'pow_int_half': lambda m: m.tensor([4, 9]) ** 0.5, 'pow_int_2': lambda m: m.tensor([4, 9]) ** 2, 'rpow': lambda m: 2 ** m.tensor([1., 2]),
 'clamp_tensor': lambda m: X(m).clamp(min=m.zeros(3)), 'clamp_nan': lambda m: X(m).clamp(min=float('nan')),
 'mean_int': lambda m: m.tensor([1, 2]).mean(), 'exp_': lambda m: X(m).exp_(), 'zero_': lambda m: X(m).zero_(), 'fill_': lambda m: X(m).fill_(2),
 'sort': lambda m: X(m).sort(1), 'topk': lambda m: X(m).topk(2), 'cummax': lambda m: X(m).cummax(1), 'logcumsumexp': lambda m: X(m).logcumsumexp(1),
 'take': lambda m: X(m).take(m.tensor([0, 5])), 'index_put': lambda m: m.zeros(3).index_put_((m.tensor([0, 2]),), m.tensor([1., 2])),
 'scatter': lambda m: m.zeros(2, 3).scatter(1, m.tensor([[0], [2]]), 1.0), 'scatter_reduce': lambda m: m.zeros(3).scatter_reduce(0, m.tensor([0, 0, 2]), m.tensor([1., 2, 3]), 'amax'),
 'baddbmm': lambda m: m.baddbmm(m.zeros(1, 2, 2), m.ones(1, 2, 3), m.ones(1, 3, 2)), 'addmm': lambda m: m.addmm(m.zeros(2, 2), X(m), X(m).t()),
 'dot': lambda m: m.dot(m.tensor([1., 2]), m.tensor([3., 4])), 'mv': lambda m: m.mv(X(m), m.tensor([1., 1, 1])), 'cross': lambda m: m.cross(m.tensor([[1., 0, 0]]), m.tensor([[0., 1, 0]]), dim=1),
 'kron': lambda m: m.kron(m.eye(2), m.ones(2, 2)), 'tensordot': lambda m: m.tensordot(X(m), X(m).t(), dims=1), 'linalg_norm': lambda m: m.linalg.norm(X(m)),
 'vector_norm': lambda m: m.linalg.vector_norm(X(m), dim=1), 'det': lambda m: m.linalg.det(m.eye(2) * 2), 'inverse': lambda m: m.inverse(m.eye(2) * 2),
 'sign_': lambda m: X(m).sgn(), 'frac': lambda m: X(m).frac(), 'fmod': lambda m: m.fmod(X(m), 1.5), 'hypot': lambda m: m.hypot(X(m), X(m)),
 'logaddexp': lambda m: m.logaddexp(X(m), X(m)), 'xlogy': lambda m: m.xlogy(X(m).abs(), X(m).abs()), 'erfinv': lambda m: (X(m) / 4).erfinv(),
 'digamma': lambda m: X(m).abs().digamma(), 'lgamma': lambda m: X(m).abs().lgamma(), 'sinc': lambda m: X(m).sinc(),
 'deg2rad': lambda m: X(m).deg2rad(), 'heaviside': lambda m: m.heaviside(X(m), m.tensor([0.5])), 'exp2': lambda m: X(m).exp2(),
 'nansum': lambda m: m.tensor([1., float('nan')]).nansum(), 'nanmean': lambda m: m.tensor([1., float('nan')]).nanmean(),
 'aminmax': lambda m: X(m).aminmax(), 'diff': lambda m: X(m).diff(dim=1), 'searchsorted': lambda m: m.searchsorted(m.tensor([1., 2, 3]), m.tensor([2.5])),
 'bucketize': lambda m: m.bucketize(m.tensor([2.5]), m.tensor([1., 2, 3])), 'histc': lambda m: m.histc(X(m), bins=4),
 'tile': lambda m: X(m).tile((2,)), 'movedim': lambda m: X(m).movedim(0, 1), 'swapaxes': lambda m: X(m).swapaxes(0, 1), 'mT': lambda m: X(m).mT,
 'rot90': lambda m: m.rot90(X(m)), 'fliplr': lambda m: m.fliplr(X(m)), 'diag_embed': lambda m: m.diag_embed(X(m)), 'diagonal': lambda m: X(m).diagonal(),
 'block_diag': lambda m: m.block_diag(m.ones(1, 1), m.ones(2, 2)), 'cartesian_prod': lambda m: m.cartesian_prod(m.tensor([1, 2]), m.tensor([3, 4])),
 'triu_indices': lambda m: m.triu_indices(3, 3), 'combinations': lambda m: m.combinations(m.tensor([1, 2, 3])),
 'flatten_': lambda m: X(m).ravel(), 'view_neg': lambda m: X(m).view(-1), 'new_ones': lambda m: X(m).new_ones(2),
 'unflatten': lambda m: X(m).unflatten(1, (3, 1)), 'narrow_copy': lambda m: X(m).narrow_copy(1, 0, 2), 'index_fill': lambda m: X(m).index_fill(1, m.tensor([0]), -1.0),
 'masked_scatter': lambda m: m.zeros(3).masked_scatter(m.tensor([True, False, True]), m.tensor([1., 2])), 'put_': lambda m: m.zeros(3).put_(m.tensor([1]), m.tensor([9.])),
 'count_nonzero_dims': lambda m: X(m).count_nonzero((0, 1)), 'sum_list_dims': lambda m: X(m).sum([0, 1]), 'mean_keep': lambda m: X(m).mean(1, keepdim=True),
 'std_mean': lambda m: m.std_mean(X(m)), 'var_mean': lambda m: m.var_mean(X(m), 1), 'logdet': lambda m: m.logdet(m.eye(2) * 2),
 'F.pairwise': lambda m: m.nn.functional.pairwise_distance(X(m), X(m) + 1), 'F.triplet': lambda m: m.nn.functional.triplet_margin_loss(X(m), X(m) + 1, X(m) - 1),
 'F.margin_ranking': lambda m: m.nn.functional.margin_ranking_loss(X(m)[0], X(m)[1], m.tensor([1., -1, 1])), 'F.hinge_emb': lambda m: m.nn.functional.hinge_embedding_loss(X(m), m.ones(2, 3)),
 'F.soft_margin': lambda m: m.nn.functional.soft_margin_loss(X(m), m.ones(2, 3)), 'F.multilabel_soft_margin': lambda m: m.nn.functional.multilabel_soft_margin_loss(X(m), m.ones(2, 3)),
 'F.poisson_nll': lambda m: m.nn.functional.poisson_nll_loss(X(m), X(m).abs()), 'F.multi_margin': lambda m: m.nn.functional.multi_margin_loss(X(m), m.tensor([0, 2])),
 'F.nll': lambda m: m.nn.functional.nll_loss(X(m).log_softmax(1), m.tensor([0, 2])), 'F.ce_ls': lambda m: m.nn.functional.cross_entropy(X(m), m.tensor([0, 2]), label_smoothing=0.1),
 'F.ce_probs': lambda m: m.nn.functional.cross_entropy(X(m), X(m).softmax(1)), 'F.interp': lambda m: m.nn.functional.interpolate(m.ones(1, 1, 2, 2), scale_factor=2),
 'F.avg_pool1d': lambda m: m.nn.functional.avg_pool1d(m.ones(1, 1, 4), 2), 'F.max_pool1d': lambda m: m.nn.functional.max_pool1d(m.ones(1, 1, 4), 2),
 'F.adaptive_max': lambda m: m.nn.functional.adaptive_max_pool2d(m.ones(1, 1, 4, 4), 2), 'F.unfold': lambda m: m.nn.functional.unfold(m.ones(1, 1, 3, 3), 2),
 'F.grid_sample': lambda m: m.nn.functional.grid_sample(m.ones(1, 1, 2, 2), m.zeros(1, 1, 1, 2), align_corners=False), 'F.dropout2d': lambda m: m.nn.functional.dropout2d(m.ones(1, 2, 2, 2), training=False),
 'F.embedding_bag': lambda m: m.nn.functional.embedding_bag(m.tensor([[0, 1]]), m.ones(3, 2)), 'F.batch_norm': lambda m: m.nn.functional.batch_norm(X(m), None, None, training=True),
 'F.local_response_norm': lambda m: m.nn.functional.local_response_norm(m.ones(1, 3, 2, 2), 2), 'F.rms_norm': lambda m: m.nn.functional.rms_norm(X(m), (3,)),
 'F.sdpa': lambda m: m.nn.functional.scaled_dot_product_attention(m.ones(1, 2, 3), m.ones(1, 2, 3), m.ones(1, 2, 3), is_causal=True),
 'F.conv_transpose1d': lambda m: m.nn.functional.conv_transpose1d(m.ones(1, 1, 3), m.ones(1, 1, 2)), 'F.conv3d': lambda m: m.nn.functional.conv3d(m.ones(1, 1, 2, 2, 2), m.ones(1, 1, 1, 1, 1)),
 'F.gumbel_softmax': lambda m: m.nn.functional.gumbel_softmax(X(m), hard=True).sum(), 'F.pixel_unshuffle': lambda m: m.nn.functional.pixel_unshuffle(m.ones(1, 1, 2, 2), 2),
 'F.channel_shuffle': lambda m: m.nn.functional.channel_shuffle(m.ones(1, 4, 1, 1), 2), 'F.silu_inplace': lambda m: m.nn.functional.silu(X(m), inplace=True),
 'F.softplus': lambda m: m.nn.functional.softplus(X(m), beta=2), 'F.threshold': lambda m: m.nn.functional.threshold(X(m), 0.5, 0.0),
}
def same(a, b):
    """Equal, NaNs equal to NaNs."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


bad = 0
for k, f in cases.items():
    a, b = norm(run(g, f)), norm(run(torch, f))
    ok = same(a, b) or (isinstance(a, str) and isinstance(b, str))
    if not ok:
        bad += 1
        print('XX', k, '| gentrain:', str(a)[:110], '| torch:', str(b)[:80])
print(bad, 'of', len(cases))
