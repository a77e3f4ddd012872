"""gentrain.optim: optimizers with PyTorch's defaults and update formulas, each step one
fused pass per parameter in the engine."""
from ctypes import byref, c_double, c_void_p, sizeof

from . import _ffi
from ._lib import check, lib
from .tensor import _handles


class Optimizer:
    def __init__(self, params, create, options):
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        handles, n = _handles(self.params)
        out = c_void_p()
        check(create(byref(out), handles, n, byref(options)))
        self._h = out.value

    def __del__(self):
        if getattr(self, "_h", None):
            lib.gentrain_optim_free(self._h)
            self._h = None

    def step(self):
        check(lib.gentrain_optim_step(self._h))

    def zero_grad(self, set_to_none=True):
        check(lib.gentrain_optim_zero_grad(self._h, set_to_none))

    @property
    def lr(self):
        v = c_double()
        check(lib.gentrain_optim_get_lr(byref(v), self._h))
        return v.value

    @lr.setter
    def lr(self, value):
        check(lib.gentrain_optim_set_lr(self._h, float(value)))


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
        o = _ffi.SgdOptions(sizeof(_ffi.SgdOptions), lr, momentum, dampening, weight_decay, nesterov, maximize)
        super().__init__(params, lib.gentrain_optim_sgd_new, o)


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False):
        o = _ffi.AdamOptions(sizeof(_ffi.AdamOptions), lr, betas[0], betas[1], eps, weight_decay, amsgrad, maximize)
        super().__init__(params, lib.gentrain_optim_adam_new, o)


__all__ = ["Optimizer", "SGD", "Adam"]
