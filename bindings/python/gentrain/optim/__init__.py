"""gentrain.optim: optimizers with PyTorch's names, defaults and update formulas, each
parameter updated in one fused pass by the engine. Parameter groups as in PyTorch:
`Adam([{"params": a}, {"params": b, "lr": 1e-4}], lr=1e-3)`."""
import collections.abc
import ctypes
from ctypes import byref, c_double, c_size_t, c_void_p

from .._lib import check, lib
from ..tensor import Tensor, _handles, tensor
from . import lr_scheduler, swa_utils  # noqa: F401


def _options(options):
    """PyTorch keyword options as (names, values) arrays: betas → beta1/beta2, bools → 0/1."""
    flat = {}
    for key, value in options.items():
        if key == "betas":
            flat["beta1"], flat["beta2"] = float(value[0]), float(value[1])
        elif key in ("foreach", "fused", "capturable", "differentiable"):
            continue  # implementation switches of PyTorch; gentrain always fuses
        else:
            flat[key] = float(value)
    names = (ctypes.c_char_p * max(len(flat), 1))(*[k.encode() for k in flat])
    values = (c_double * max(len(flat), 1))(*flat.values())
    return names, values, len(flat)


# The options a group may hold, in the order keys() lists them.
_OPTION_NAMES = ("lr", "initial_lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "betas", "eps",
                 "amsgrad", "decoupled_weight_decay", "alpha", "centered", "lr_decay", "initial_accumulator_value",
                 "max_lr", "min_lr", "max_momentum", "base_momentum")


class ParamGroup(collections.abc.MutableMapping):
    """One entry of `optimizer.param_groups`, a dict as in PyTorch ("lr" in g, g.keys(), dict(g)):
    `group["lr"]` reads and writes the engine's value; "params" is the group's list."""

    def __init__(self, optimizer, index, params):
        self._optimizer, self._index, self.params = optimizer, index, params

    def _read(self, key):
        value = c_double()
        status = lib.gentrain_optim_get_option(byref(value), self._optimizer._h, self._index, key.encode())
        return value.value if status == 0 else None

    def __getitem__(self, key):
        if key == "params":
            return self.params
        value = (self._read("beta1"), self._read("beta2")) if key == "betas" else self._read(key)
        if value is None or value == (None, None):
            raise KeyError(key)
        if key in ("nesterov", "maximize", "amsgrad", "decoupled_weight_decay", "centered"):
            return bool(value)
        return value

    def __setitem__(self, key, value):
        if key == "params":
            raise TypeError("a parameter group's params are fixed; use add_param_group for others")
        if key == "betas":
            self["beta1"], self["beta2"] = value
            return
        check(lib.gentrain_optim_set_option(self._optimizer._h, self._index, key.encode(), float(value)))

    def __delitem__(self, key):
        raise TypeError("options cannot be removed from a parameter group")

    def __iter__(self):
        yield "params"
        for k in _OPTION_NAMES:
            if k in self:
                yield k

    def __contains__(self, key):
        if key == "params":
            return True
        if key == "betas":
            return self._read("beta1") is not None
        return isinstance(key, str) and self._read(key) is not None

    def __len__(self):
        return sum(1 for _ in self)

    def __repr__(self):
        return repr({k: (f"<{len(self.params)} params>" if k == "params" else self[k]) for k in self})


class Optimizer:
    """The base of the optimizers; `name` is the engine's class name."""

    name = None

    def __init__(self, params, defaults):
        params = list(params)
        groups = params if params and isinstance(params[0], dict) else [{"params": params}]
        groups = [dict(g, params=list(g["params"])) for g in groups]
        names, values, n = _options(defaults)
        hs, count = _handles(groups[0]["params"])
        out = c_void_p()
        check(lib.gentrain_optim_new(byref(out), self.name.encode(), hs, count, names, values, n))
        self._h = out.value
        self._params = [groups[0]["params"]]
        for key, value in groups[0].items():
            if key != "params":
                ParamGroup(self, 0, None)[key] = value
        for g in groups[1:]:
            self.add_param_group(g)

    def __del__(self):
        if getattr(self, "_h", None):
            lib.gentrain_optim_free(self._h)
            self._h = None

    def add_param_group(self, param_group):
        params = list(param_group["params"])
        names, values, n = _options({k: v for k, v in param_group.items() if k != "params"})
        hs, count = _handles(params)
        check(lib.gentrain_optim_add_param_group(self._h, hs, count, names, values, n))
        self._params.append(params)

    @property
    def param_groups(self):
        return [ParamGroup(self, i, p) for i, p in enumerate(self._params)]

    @property
    def state(self):
        """Per-parameter state keyed by the parameter (PyTorch's `optimizer.state`): {"step": float,
        buffer name: Tensor}; parameters not yet stepped have none. Tensors are copies."""
        params = [p for group in self._params for p in group]
        by_index = self.state_dict()["state"]
        return {params[i]: entries for i, entries in by_index.items()}   # tensors hash by identity

    def step(self):
        check(lib.gentrain_optim_step(self._h))

    def state_dict(self):
        """PyTorch's layout: {"state": {index: {"step": float, buffer: Tensor}}, "param_groups":
        [{option: value, "params": [indices]}]}, indices in group order. Tensors are copies."""
        n = c_size_t()
        check(lib.gentrain_optim_state_count(byref(n), self._h))
        state = {}
        for i in range(n.value):
            value, index, name = c_void_p(), c_size_t(), ctypes.c_char_p()
            check(lib.gentrain_optim_state_get(byref(value), byref(index), byref(name), self._h, i))
            t = Tensor._wrap(value.value)
            state.setdefault(index.value, {})[name.value.decode()] = t.item() if name.value == b"step" else t
        groups, first = [], 0
        for g in self.param_groups:
            options = {k: g[k] for k in g if k != "params"}
            groups.append(dict(options, params=list(range(first, first + len(g.params)))))
            first += len(g.params)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restores a state_dict() of an optimizer with the same parameter shapes and grouping."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self._params):
            raise ValueError(f"loaded state dict has {len(groups)} parameter groups, the optimizer has {len(self._params)}")
        for g, saved in zip(self.param_groups, groups):
            for k, v in saved.items():
                if k != "params":
                    g[k] = v
        for index, entries in state_dict["state"].items():
            for name, value in entries.items():
                v = tensor(float(value), dtype=None) if name == "step" else value
                check(lib.gentrain_optim_state_set(self._h, int(index), name.encode(), v._h))

    def zero_grad(self, set_to_none=True):
        check(lib.gentrain_optim_zero_grad(self._h, set_to_none))

    @property
    def lr(self):
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value):
        for g in self.param_groups:
            g["lr"] = value


class SGD(Optimizer):
    name = "SGD"

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False, **kw):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, **kw))


class Adam(Optimizer):
    name = "Adam"

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, maximize=False,
                 **kw):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, **kw))


class AdamW(Optimizer):
    name = "AdamW"

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, **kw):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, **kw))


class RMSprop(Optimizer):
    name = "RMSprop"

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *,
                 maximize=False, **kw):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize, **kw))


class Adagrad(Optimizer):
    name = "Adagrad"

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, *,
                 maximize=False, **kw):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize,
                                      **kw))


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
