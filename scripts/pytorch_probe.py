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
# A second round: training-script habits (modules, optimizers, schedulers, autograd, more of F).
def lin(m):
    m.manual_seed(0); l = m.nn.Linear(3, 2)
    with m.no_grad():
        l.weight.copy_(m.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]])); l.bias.fill_(0.1)
    return l
def opt_run(m, make_opt, make_sched=None, steps=3):
    l = lin(m); o = make_opt(m, l.parameters()); s = make_sched(m, o) if make_sched else None; lrs = []
    for _ in range(steps):
        o.zero_grad(); l(X(m)).pow(2).sum().backward(); o.step()
        if s: s.step()
        lrs.append(round(o.param_groups[0]['lr'], 8))
    return [l.weight, lrs]
cases.update({
 'addcmul': lambda m: m.addcmul(X(m), X(m), X(m), value=0.5), 'addcdiv': lambda m: m.addcdiv(X(m), X(m), X(m) + 5, value=2),
 'clamp_min': lambda m: X(m).clamp_min(0), 'clamp_max': lambda m: X(m).clamp_max(0), 'kthvalue': lambda m: X(m).kthvalue(2, 1),
 'mode': lambda m: m.tensor([1, 2, 2, 3]).mode(), 'argsort_desc': lambda m: X(m).argsort(1, descending=True),
 'topk_small': lambda m: X(m).topk(2, largest=False), 'sort_stable': lambda m: m.tensor([2, 1, 2, 1]).sort(stable=True),
 'cumsum_dtype': lambda m: m.tensor([1, 2]).cumsum(0, dtype=m.float32), 'where_scalar': lambda m: m.where(X(m) > 0, X(m), 0.0),
 'masked_fill_': lambda m: X(m).masked_fill_(X(m) < 0, 0), 'lerp_t': lambda m: m.lerp(X(m), m.zeros(2, 3), m.full((2, 3), 0.5)),
 'flatten_se': lambda m: m.ones(2, 3, 4).flatten(1, 2), 'std_corr': lambda m: X(m).std(correction=0), 'amax_dims': lambda m: X(m).amax((0, 1)),
 'min_other': lambda m: m.min(X(m), m.zeros(2, 3)), 'max_other': lambda m: X(m).max(m.zeros(2, 3)), 'any_dim': lambda m: (X(m) > 2).any(1),
 'all_dim': lambda m: (X(m) > -5).all(0), 'prod_dim': lambda m: X(m).prod(1), 'norm_p1': lambda m: X(m).norm(p=1, dim=1),
 'norm_fro': lambda m: X(m).norm(p='fro'), 'dist': lambda m: m.dist(X(m), m.zeros(2, 3)), 'renorm': lambda m: X(m).renorm(2, 0, 1.0),
 'trunc_div': lambda m: m.div(X(m), 2, rounding_mode='trunc'), 'floor_div': lambda m: m.div(X(m), 2, rounding_mode='floor'),
 'true_divide': lambda m: m.true_divide(m.tensor([3]), 2), 'signbit': lambda m: X(m).signbit(), 'copysign': lambda m: m.copysign(X(m), -1.0),
 'nextafter': lambda m: m.nextafter(m.tensor([1.0]), m.tensor([2.0])) > 1, 'logit': lambda m: m.logit(m.tensor([0.25, 0.5])),
 'expit': lambda m: m.special.expit(X(m)), 'special_erf': lambda m: m.special.erf(X(m)), 'xlog1py': lambda m: m.special.xlog1py(X(m).abs(), X(m).abs()),
 'entr': lambda m: m.special.entr(m.tensor([0.5, 0.0])), 'logsumexp_t': lambda m: m.logsumexp(X(m), 1), 'square_': lambda m: X(m).square_(),
 'rsub': lambda m: 1 - X(m), 'neg_op': lambda m: -X(m), 'abs_op': lambda m: abs(X(m)), 'matmul_op': lambda m: X(m) @ X(m).T,
 'ge_scalar': lambda m: X(m) >= 1.5, 'int_div': lambda m: m.tensor([7, -7]) // 2, 'int_mod': lambda m: m.tensor([7, -7]) % 3,
 'item_int': lambda m: m.tensor([3]).item(), 'tolist_bool': lambda m: (X(m) > 0).tolist(), 'len': lambda m: len(X(m)),
 'iter_rows': lambda m: [r.sum() for r in X(m)], 'bool_scalar': lambda m: bool(m.tensor(1.0)), 'float_scalar': lambda m: float(m.tensor([2.5])),
 'index_bool': lambda m: X(m)[X(m) > 0], 'index_list': lambda m: X(m)[[1, 0]], 'index_ellipsis': lambda m: m.ones(2, 3, 4)[..., 1],
 'index_none': lambda m: X(m)[:, None].shape, 'index_neg_step': lambda m: X(m)[:, ::2], 'setitem_mask': lambda m: (lambda t: (t.__setitem__(t < 0, 0.0), t)[1])(X(m)),
 'nn.Embedding.from_pretrained': lambda m: m.nn.Embedding.from_pretrained(X(m))(m.tensor([1])),
 'nn.Module.apply': lambda m: sum(p.sum() for p in lin(m).apply(lambda mod: None).parameters()),
 'state_dict_keys': lambda m: list(m.nn.Sequential(m.nn.Linear(2, 2), m.nn.ReLU(), m.nn.Linear(2, 1)).state_dict().keys()),
 'named_children': lambda m: [n for n, _ in m.nn.Sequential(m.nn.Linear(2, 2), m.nn.ReLU()).named_children()],
 'requires_grad_': lambda m: [p.requires_grad for p in lin(m).requires_grad_(False).parameters()],
 'num_params': lambda m: sum(p.numel() for p in m.nn.Linear(3, 2).parameters()),
 'ModuleList': lambda m: len(m.nn.ModuleList([m.nn.Linear(1, 1) for _ in range(3)])),
 'ModuleDict': lambda m: list(m.nn.ModuleDict({'a': m.nn.Linear(1, 1)}).keys()),
 'ParameterList': lambda m: len(list(m.nn.ParameterList([m.nn.Parameter(m.ones(2))]).parameters())),
 'Sequential_index': lambda m: type(m.nn.Sequential(m.nn.Linear(1, 1), m.nn.ReLU())[1]).__name__,
 'Sequential_slice': lambda m: len(m.nn.Sequential(m.nn.Linear(1, 1), m.nn.ReLU(), m.nn.Tanh())[1:]),
 'SGD_momentum': lambda m: opt_run(m, lambda m, p: m.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
 'AdamW': lambda m: opt_run(m, lambda m, p: m.optim.AdamW(p, lr=0.01)),
 'StepLR': lambda m: opt_run(m, lambda m, p: m.optim.SGD(p, lr=0.1), lambda m, o: m.optim.lr_scheduler.StepLR(o, 2, 0.5)),
 'MultiStepLR': lambda m: opt_run(m, lambda m, p: m.optim.SGD(p, lr=0.1), lambda m, o: m.optim.lr_scheduler.MultiStepLR(o, [1, 2], 0.1)),
 'CosineAnnealingLR': lambda m: opt_run(m, lambda m, p: m.optim.SGD(p, lr=0.1), lambda m, o: m.optim.lr_scheduler.CosineAnnealingLR(o, 4)),
 'LinearLR': lambda m: opt_run(m, lambda m, p: m.optim.SGD(p, lr=0.1), lambda m, o: m.optim.lr_scheduler.LinearLR(o, 0.5, 1.0, 2)),
 'OneCycleLR': lambda m: opt_run(m, lambda m, p: m.optim.SGD(p, lr=0.1), lambda m, o: m.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=4)),
 'LambdaLR': lambda m: opt_run(m, lambda m, p: m.optim.SGD(p, lr=0.1), lambda m, o: m.optim.lr_scheduler.LambdaLR(o, lambda e: 0.5 ** e)),
 'PolynomialLR': lambda m: opt_run(m, lambda m, p: m.optim.SGD(p, lr=0.1), lambda m, o: m.optim.lr_scheduler.PolynomialLR(o, 4, 2.0)),
 'ReduceLROnPlateau': lambda m: (lambda o: [m.optim.lr_scheduler.ReduceLROnPlateau(o, patience=0).step(1.0) for _ in range(1)] and o.param_groups[0]['lr'])(m.optim.SGD(lin(m).parameters(), lr=0.1)),
 'clip_grad_value_': lambda m: (lambda l: (l(X(m)).sum().backward(), m.nn.utils.clip_grad_value_(l.parameters(), 0.5), l.weight.grad)[2])(lin(m)),
 'clip_grad_norm_ret': lambda m: (lambda l: (l(X(m)).sum().backward(), m.nn.utils.clip_grad_norm_(l.parameters(), 0.5))[1])(lin(m)),
 'params_to_vector': lambda m: m.nn.utils.parameters_to_vector(lin(m).parameters()),
 'init_constant_': lambda m: m.nn.init.constant_(m.empty(2), 0.3), 'init_zeros_': lambda m: m.nn.init.zeros_(m.empty(2)),
 'init_eye_': lambda m: m.nn.init.eye_(m.empty(2, 2)), 'init_ones_': lambda m: m.nn.init.ones_(m.empty(2)),
 'calculate_gain': lambda m: m.nn.init.calculate_gain('leaky_relu', 0.2),
 'TensorDataset': lambda m: [t for t in m.utils.data.TensorDataset(X(m), m.tensor([0, 1]))[1]],
 'DataLoader_len': lambda m: len(m.utils.data.DataLoader(m.utils.data.TensorDataset(m.ones(10, 2)), batch_size=3)),
 'DataLoader_last': lambda m: [b[0].shape[0] for b in m.utils.data.DataLoader(m.utils.data.TensorDataset(m.ones(10, 2)), batch_size=3, drop_last=True)],
 'autograd.grad': lambda m: (lambda x: m.autograd.grad((x ** 3).sum(), x)[0])(m.tensor([1., 2], requires_grad=True)),
 'backward_retain': lambda m: (lambda x: ((x * x).sum().backward(retain_graph=True), x.grad)[1])(m.tensor([1., 2], requires_grad=True)),
 'no_grad_dec': lambda m: m.no_grad()(lambda: (m.ones(1, requires_grad=True) * 2).requires_grad)(),
 'enable_grad': lambda m: (lambda: [m.no_grad().__enter__(), m.enable_grad().__enter__(), (m.ones(1, requires_grad=True) * 2).requires_grad][2])(),
 'set_grad_enabled': lambda m: (lambda ctx: (ctx.__enter__(), (m.ones(1, requires_grad=True) * 2).requires_grad, ctx.__exit__(None, None, None))[1])(m.set_grad_enabled(False)),
 'detach_': lambda m: m.ones(1, requires_grad=True).clone().detach_().requires_grad, 'retain_grad': lambda m: (lambda x: (lambda y: (y.retain_grad(), y.sum().backward(), y.grad)[2])(x * 2))(m.ones(2, requires_grad=True)),
 'is_leaf': lambda m: (m.ones(1, requires_grad=True) * 2).is_leaf, 'grad_fn_name': lambda m: type((m.ones(1, requires_grad=True) * 2).grad_fn).__name__,
 'register_hook': lambda m: (lambda x: (x.register_hook(lambda g: g * 3), (x * 2).sum().backward(), x.grad)[2])(m.ones(2, requires_grad=True)),
 'F.one_hot_nc': lambda m: m.nn.functional.one_hot(m.tensor([1, 0]), 3), 'F.pad_reflect': lambda m: m.nn.functional.pad(m.arange(4.).reshape(1, 1, 4), (2, 1), mode='reflect'),
 'F.kl_div_log_target': lambda m: m.nn.functional.kl_div(X(m).log_softmax(1), X(m).log_softmax(1), reduction='batchmean', log_target=True),
 'F.huber': lambda m: m.nn.functional.huber_loss(X(m), m.zeros(2, 3), delta=0.5), 'F.smooth_l1': lambda m: m.nn.functional.smooth_l1_loss(X(m), m.zeros(2, 3), beta=0.5),
 'F.bce_pos_weight': lambda m: m.nn.functional.binary_cross_entropy_with_logits(X(m), m.ones(2, 3), pos_weight=m.tensor([1., 2, 3])),
 'F.ce_ignore': lambda m: m.nn.functional.cross_entropy(X(m), m.tensor([0, -100])), 'F.ce_weight': lambda m: m.nn.functional.cross_entropy(X(m), m.tensor([0, 2]), weight=m.tensor([1., 2, 3])),
 'F.nll_none': lambda m: m.nn.functional.nll_loss(X(m), m.tensor([0, 2]), reduction='none'), 'F.cosine_sim': lambda m: m.nn.functional.cosine_similarity(X(m), X(m) + 1),
 'F.layer_norm': lambda m: m.nn.functional.layer_norm(X(m), (3,)), 'F.group_norm': lambda m: m.nn.functional.group_norm(m.arange(8.).reshape(1, 4, 2), 2),
 'F.instance_norm': lambda m: m.nn.functional.instance_norm(m.arange(8.).reshape(1, 2, 4)), 'F.elu': lambda m: m.nn.functional.elu(X(m), alpha=0.5),
 'F.leaky_relu': lambda m: m.nn.functional.leaky_relu(X(m), 0.2), 'F.gelu_tanh': lambda m: m.nn.functional.gelu(X(m), approximate='tanh'),
 'F.softsign': lambda m: m.nn.functional.softsign(X(m)), 'F.log_softmax_dtype': lambda m: m.nn.functional.log_softmax(X(m), 1, dtype=m.float64),
 'F.avg_pool2d_ceil': lambda m: m.nn.functional.avg_pool2d(m.ones(1, 1, 5, 5), 2, ceil_mode=True), 'F.max_pool2d_idx': lambda m: m.nn.functional.max_pool2d(m.arange(16.).reshape(1, 1, 4, 4), 2, return_indices=True),
 'F.adaptive_avg1d': lambda m: m.nn.functional.adaptive_avg_pool1d(m.arange(6.).reshape(1, 1, 6), 4), 'F.interp_bilinear_ac': lambda m: m.nn.functional.interpolate(m.arange(4.).reshape(1, 1, 2, 2), size=(3, 3), mode='bilinear', align_corners=True),
 'F.upsample_nearest': lambda m: m.nn.functional.interpolate(m.arange(2.).reshape(1, 1, 2), scale_factor=2, mode='nearest'),
 'F.max_pool1d_idx': lambda m: m.nn.functional.max_pool1d(m.arange(4.).reshape(1, 1, 4), 2, return_indices=True),
 'F.adaptive_max_idx': lambda m: m.nn.functional.adaptive_max_pool2d(m.arange(16.).reshape(1, 1, 4, 4), 2, return_indices=True),
 'unique_dim': lambda m: m.unique(m.tensor([[1, 2], [1, 2], [0, 1]]), dim=0),
 'unique_consecutive': lambda m: m.unique_consecutive(m.tensor([1, 1, 2, 2, 3, 1])),
})


# A third round: what generative-model training adds (sampling, EMA, spectral norm, distributions).
def _in_inference_mode(m):
    with m.inference_mode():
        return (m.ones(1, requires_grad=True) * 2).requires_grad
cases.update({
 'multinomial_shape': lambda m: m.multinomial(m.tensor([0.2, 0.8]), 5, replacement=True).shape,
 'bernoulli_shape': lambda m: m.bernoulli(m.full((3,), 0.5)).shape, 'uniform_': lambda m: m.empty(3).uniform_(0, 1).shape,
 'normal_': lambda m: m.empty(3).normal_().shape, 'bernoulli_': lambda m: m.empty(3).bernoulli_(0.5).shape,
 'exponential_': lambda m: m.empty(3).exponential_().shape, 'random_': lambda m: m.empty(3).random_(0, 5).shape,
 'rand_gen': lambda m: m.rand(2, generator=m.Generator().manual_seed(1)).shape,
 'spectral_norm': lambda m: round(float(m.linalg.matrix_norm(m.nn.utils.spectral_norm(m.nn.Linear(3, 3)).weight, 2).detach()), 1) if hasattr(m.linalg, 'matrix_norm') else 0,
 'weight_norm': lambda m: list(dict(m.nn.utils.weight_norm(m.nn.Linear(3, 2)).named_parameters()).keys()),
 'AveragedModel': lambda m: type(m.optim.swa_utils.AveragedModel(m.nn.Linear(2, 2))).__name__,
 'ema_avg_fn': lambda m: callable(m.optim.swa_utils.get_ema_multi_avg_fn(0.999)),
 'bicubic': lambda m: m.nn.functional.interpolate(m.arange(16.).reshape(1, 1, 4, 4), scale_factor=2, mode='bicubic', align_corners=False),
 'nearest_exact': lambda m: m.nn.functional.interpolate(m.arange(4.).reshape(1, 1, 2, 2), size=(3, 3), mode='nearest-exact'),
 'Upsample_bilinear': lambda m: m.nn.Upsample(scale_factor=2, mode='bilinear')(m.arange(4.).reshape(1, 1, 2, 2)),
 'convT_outpad': lambda m: m.nn.functional.conv_transpose2d(m.ones(1, 1, 2, 2), m.ones(1, 1, 3, 3), stride=2, padding=1, output_padding=1),
 'GroupNorm32': lambda m: m.nn.GroupNorm(2, 4)(m.arange(16.).reshape(1, 4, 2, 2)),
 'Normal_logprob': lambda m: m.distributions.Normal(m.zeros(2), m.ones(2)).log_prob(m.tensor([0.5, -1.0])),
 'Normal_entropy': lambda m: m.distributions.Normal(m.zeros(2), m.ones(2)).entropy(),
 'Categorical_logprob': lambda m: m.distributions.Categorical(logits=m.tensor([[1., 2., 3.]])).log_prob(m.tensor([2])),
 'kl_normal': lambda m: m.distributions.kl_divergence(m.distributions.Normal(m.zeros(1), m.ones(1)), m.distributions.Normal(m.ones(1), m.ones(1) * 2)),
 'Independent': lambda m: m.distributions.Independent(m.distributions.Normal(m.zeros(2, 3), m.ones(2, 3)), 1).log_prob(m.zeros(2, 3)),
 'MultivariateNormal': lambda m: m.distributions.MultivariateNormal(m.zeros(2), m.eye(2)).log_prob(m.zeros(2)),
 'sdpa_mask': lambda m: m.nn.functional.scaled_dot_product_attention(m.ones(1, 2, 3), m.ones(1, 2, 3), m.arange(6.).reshape(1, 2, 3), attn_mask=m.tensor([[True, False], [True, True]])),
 'chunk_dim1': lambda m: [t.shape for t in m.ones(2, 6).chunk(2, dim=1)], 'flatten_start': lambda m: m.ones(2, 3, 4).flatten(start_dim=1).shape,
 'cumprod_sched': lambda m: m.cumprod(1 - m.linspace(1e-4, 0.02, 5), dim=0), 'gather_t': lambda m: m.arange(10.).gather(-1, m.tensor([3, 7])),
 'sqrt_recip': lambda m: (1 / m.tensor([0.25, 4.0])).sqrt(), 'silu_mod': lambda m: m.nn.SiLU()(m.tensor([1.0, -1.0])),
 'Mish_mod': lambda m: m.nn.Mish()(m.tensor([1.0])), 'GELU_tanh_mod': lambda m: m.nn.GELU(approximate='tanh')(m.tensor([1.0])),
 'Identity': lambda m: m.nn.Identity(54, unused=1)(m.ones(2)), 'Unflatten': lambda m: m.nn.Unflatten(1, (2, 3))(m.ones(1, 6)).shape,
 'sinusoidal': lambda m: m.cat([m.sin(m.arange(3.)[:, None] * m.exp(-m.arange(2.))[None]), m.cos(m.arange(3.)[:, None] * m.exp(-m.arange(2.)))], dim=-1),
 'einsum_attn': lambda m: m.einsum('bhqd,bhkd->bhqk', m.ones(1, 2, 3, 4), m.ones(1, 2, 5, 4)).shape,
 'repeat': lambda m: m.ones(2, 1).repeat(1, 3).shape, 'expand_neg': lambda m: m.ones(2, 1).expand(-1, 3).shape,
 'zeros_like_dtype': lambda m: m.zeros_like(m.ones(2), dtype=m.int64), 'full_like': lambda m: m.full_like(m.ones(2), 7),
 'arange_dtype': lambda m: m.arange(3, dtype=m.float32), 'tensor_float64': lambda m: m.tensor([1, 2], dtype=m.float64),
 'clone_detach': lambda m: m.ones(2, requires_grad=True).clone().detach().requires_grad, 'to_dtype': lambda m: m.ones(2).to(m.float16).dtype == m.float16,
 'type_as': lambda m: m.ones(2).type_as(m.zeros(1, dtype=m.float64)), 'log_softmax_neg': lambda m: m.tensor([[1., 2.]]).log_softmax(-1),
 'BCE_logits_mod': lambda m: m.nn.BCEWithLogitsLoss()(m.tensor([0.5]), m.tensor([1.0])), 'MSE_sum': lambda m: m.nn.MSELoss(reduction='sum')(m.ones(2), m.zeros(2)),
 'L1Loss': lambda m: m.nn.L1Loss()(m.ones(2), m.zeros(2)), 'KLDivLoss': lambda m: m.nn.KLDivLoss(reduction='batchmean')(m.tensor([[-1.0, -1.0]]), m.tensor([[0.5, 0.5]])),
 'CrossEntropy_mod': lambda m: m.nn.CrossEntropyLoss(label_smoothing=0.1)(m.tensor([[1., 2.]]), m.tensor([1])),
 'inference_mode': lambda m: _in_inference_mode(m),
 'model_eval_train': lambda m: m.nn.Dropout(0.5).eval().training, 'modules_count': lambda m: len(list(m.nn.Sequential(m.nn.Linear(1, 1), m.nn.Sequential(m.nn.ReLU())).modules())),
 'load_state_dict_strict': lambda m: (lambda a, b: (b.load_state_dict(a.state_dict()), b.weight.tolist() == a.weight.tolist())[1])(m.nn.Linear(2, 2), m.nn.Linear(2, 2)),
 'zero_grad_set_none': lambda m: (lambda l: (l(m.ones(1, 2)).sum().backward(), l.zero_grad(), l.weight.grad)[2])(m.nn.Linear(2, 1)),
 'param_requires': lambda m: m.nn.Parameter(m.ones(2)).requires_grad, 'buffer': lambda m: (lambda mod: (mod.register_buffer('b', m.ones(2)), list(dict(mod.named_buffers()).keys()))[1])(m.nn.Module()),
 'optim_add_group': lambda m: (lambda o: (o.add_param_group({'params': [m.nn.Parameter(m.ones(1))], 'lr': 0.5}), len(o.param_groups))[1])(m.optim.SGD([m.nn.Parameter(m.ones(1))], lr=0.1)),
 'optim_state_dict_keys': lambda m: sorted(m.optim.Adam([m.nn.Parameter(m.ones(1))]).state_dict().keys()),
 'manual_seed_randn': lambda m: (m.manual_seed(0), m.randn(2).shape)[1], 'get_rng_state': lambda m: type(m.get_rng_state()).__name__,
 'multinomial_noreplace': lambda m: sorted(m.multinomial(m.tensor([0.5, 0.5]), 2).tolist()),
 'randperm': lambda m: sorted(m.randperm(4).tolist()), 'normal_fn': lambda m: m.normal(m.zeros(2), m.ones(2)).shape,
 'poisson': lambda m: m.poisson(m.ones(3)).shape, 'dirichlet': lambda m: m.distributions.Dirichlet(m.ones(3)).sample().shape,
})


def same(a, b):
    """Equal within float32's last digits (a relative 1e-6), NaNs equal to NaNs."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= 1e-6 * max(abs(a), abs(b)) or (math.isnan(a) and math.isnan(b))
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
