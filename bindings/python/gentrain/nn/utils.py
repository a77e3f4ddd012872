"""gentrain.nn.utils: gradient clipping, parameters as one vector, spectral and weight normalization, as
torch.nn.utils."""
from ctypes import byref, c_double

from .._lib import check, lib
from ..grad_mode import no_grad
from ..tensor import Tensor, _handles, cat, randn, tensor


def _params(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scales the gradients so their total norm is at most max_norm; returns the total norm
    before clipping (a 0-d tensor)."""
    params = _params(parameters)
    hs, n = _handles(params)
    total = c_double()
    check(lib.gentrain_clip_grad_norm(byref(total), hs, n, float(max_norm), float(norm_type), bool(error_if_nonfinite)))
    # In the gradients' dtype, as PyTorch (float32 when no parameter has a gradient).
    dtype = next((g.dtype for g in (p.grad for p in params) if g is not None), None)
    return tensor(total.value, dtype=dtype)


def clip_grad_value_(parameters, clip_value):
    hs, n = _handles(_params(parameters))
    check(lib.gentrain_clip_grad_value(hs, n, float(clip_value)))


def parameters_to_vector(parameters):
    """The parameters flattened and joined into one 1-D tensor (differentiable)."""
    return cat([p.reshape(-1) for p in _params(parameters)])


def vector_to_parameters(vec, parameters):
    """Copies consecutive pieces of the 1-D `vec` into the parameters, in place."""
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError("expected vec to be a 1-D Tensor")
    at = 0
    with no_grad():
        for p in _params(parameters):
            n = p.numel()
            p.copy_(vec[at:at + n].reshape(*p.shape))
            at += n


def _normalize(v, eps):
    return v / v.norm().clamp(min=eps)


def _matrix(weight, dim):
    """The weight as a matrix with `dim` as its rows (spectral_norm's view of it)."""
    if dim != 0:
        weight = weight.movedim(dim, 0)
    return weight.reshape(weight.shape[0], -1)


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divides the module's `name` parameter by its largest singular value before each forward,
    estimated by power iteration (in training mode) as torch.nn.utils.spectral_norm: the parameter
    becomes `<name>_orig`, the vectors the buffers `<name>_u` and `<name>_v`."""
    from .modules.conv import ConvTranspose1d, ConvTranspose2d
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d)) else 0
    if n_power_iterations <= 0:
        raise ValueError(f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}")
    weight = module._parameters.pop(name)
    mat = _matrix(weight.detach(), dim)
    h, w = mat.shape
    module.register_parameter(name + "_orig", weight)
    module.register_buffer(name + "_u", _normalize(randn(h, dtype=weight.dtype), eps))
    module.register_buffer(name + "_v", _normalize(randn(w, dtype=weight.dtype), eps))

    def compute(m, _args):
        w_orig = getattr(m, name + "_orig")
        mat = _matrix(w_orig, dim)
        u, v = getattr(m, name + "_u"), getattr(m, name + "_v")
        if m.training:
            with no_grad():
                for _ in range(n_power_iterations):
                    v = _normalize(mat.detach().t() @ u, eps)
                    u = _normalize(mat.detach() @ v, eps)
                m.register_buffer(name + "_u", u)
                m.register_buffer(name + "_v", v)
        sigma = (u * (mat @ v)).sum()
        object.__setattr__(m, name, w_orig / sigma)

    compute(module, ())
    module.__dict__.setdefault("_spectral_norm_hooks", {})[name] = module.register_forward_pre_hook(compute)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undoes spectral_norm: the normalized weight becomes the parameter `name` again."""
    hooks = module.__dict__.get("_spectral_norm_hooks", {})
    if name not in hooks:
        raise ValueError(f"spectral_norm of '{name}' not found in {module}")
    hooks.pop(name).remove()
    weight = getattr(module, name).detach()
    for suffix in ("_orig", "_u", "_v"):
        module._parameters.pop(name + suffix, None)
        module._buffers.pop(name + suffix, None)
        module.__dict__.pop(name + suffix, None)
    from .modules.module import Parameter
    module.register_parameter(name, Parameter(weight))
    return module


def weight_norm(module, name="weight", dim=0):
    """Reparameterizes the module's `name` parameter as g · v / ‖v‖ (the norm over every dim but `dim`;
    None: the whole tensor), recomputed before each forward, as torch.nn.utils.weight_norm: the
    parameters `<name>_g` and `<name>_v`."""
    from .modules.module import Parameter
    weight = module._parameters.pop(name)
    module.__dict__.pop(name, None)

    def norm_of(v):
        if dim is None:
            return v.norm()
        others = [d for d in range(v.ndim) if d != dim % v.ndim]
        return v.norm(2, others, keepdim=True)

    module.register_parameter(name + "_g", Parameter(norm_of(weight.detach())))
    module.register_parameter(name + "_v", Parameter(weight.detach().clone()))

    def compute(m, _args):
        v = getattr(m, name + "_v")
        object.__setattr__(m, name, v * (getattr(m, name + "_g") / norm_of(v)))

    compute(module, ())
    module.register_forward_pre_hook(compute)
    return module
