"""gentrain.optim.lr_scheduler: PyTorch's schedulers, same names, arguments and stepping rules,
computed by the engine."""
import ctypes
from ctypes import byref, c_double, c_int64, c_size_t, c_void_p, sizeof

from .. import _ffi
from .._lib import check, lib, pending_callback_error



class LRScheduler:
    def __init__(self, optimizer, create, *args):
        self.optimizer = optimizer
        out = c_void_p()
        check(create(byref(out), optimizer._h, *args))
        self._h = out.value

    def __del__(self):
        if getattr(self, "_h", None):
            lib.gentrain_scheduler_free(self._h)
            self._h = None

    def step(self, epoch=None):
        """One step, or a jump to `epoch` through the closed form (fractional for
        CosineAnnealingWarmRestarts)."""
        if epoch is None:
            check(lib.gentrain_scheduler_step(self._h))
        else:
            check(lib.gentrain_scheduler_step_epoch(self._h, float(epoch)))

    def state_dict(self):
        """The scheduler's state as {name: list of numbers} (one-element lists for scalars)."""
        n = c_size_t()
        check(lib.gentrain_scheduler_state_count(byref(n), self._h))
        out = {}
        for i in range(n.value):
            key, count = ctypes.c_char_p(), c_size_t()
            values = (c_double * 64)()
            check(lib.gentrain_scheduler_state_get(byref(key), values, 64, byref(count), self._h, i))
            out[key.value.decode()] = list(values[: count.value])
        return out

    def load_state_dict(self, state_dict):
        for key, values in state_dict.items():
            values = list(values) if isinstance(values, (list, tuple)) else [values]
            check(lib.gentrain_scheduler_state_set(self._h, key.encode(), (c_double * max(len(values), 1))(*values),
                                                   len(values)))

    def get_last_lr(self):
        n = len(self.optimizer.param_groups)
        out, count = (c_double * n)(), c_size_t()
        check(lib.gentrain_scheduler_get_last_lr(out, n, byref(count), self._h))
        return list(out[: count.value])


class ExponentialLR(LRScheduler):
    def __init__(self, optimizer, gamma):
        super().__init__(optimizer, lib.gentrain_scheduler_exponential_new, float(gamma))


class StepLR(LRScheduler):
    def __init__(self, optimizer, step_size, gamma=0.1):
        super().__init__(optimizer, lib.gentrain_scheduler_step_lr_new, int(step_size), float(gamma))


class MultiStepLR(LRScheduler):
    def __init__(self, optimizer, milestones, gamma=0.1):
        m = list(milestones)
        super().__init__(optimizer, lib.gentrain_scheduler_multistep_new, (c_int64 * max(len(m), 1))(*m), len(m),
                         float(gamma))


class LinearLR(LRScheduler):
    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
        super().__init__(optimizer, lib.gentrain_scheduler_linear_new, float(start_factor), float(end_factor),
                         int(total_iters))


class CosineAnnealingLR(LRScheduler):
    def __init__(self, optimizer, T_max, eta_min=0.0):  # noqa: N803 - PyTorch's names
        super().__init__(optimizer, lib.gentrain_scheduler_cosine_new, int(T_max), float(eta_min))


class CosineAnnealingWarmRestarts(LRScheduler):
    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0):  # noqa: N803
        super().__init__(optimizer, lib.gentrain_scheduler_cosine_warm_restarts_new, int(T_0), int(T_mult),
                         float(eta_min))


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch); one function, or one per parameter group. An exception
    in a lambda fails the step and is raised again from it."""

    def __init__(self, optimizer, lr_lambda):
        n = len(optimizer.param_groups)
        self._lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
        if len(self._lambdas) != n:
            raise ValueError(f"Expected {n} lr_lambdas, but got {len(self._lambdas)}")

        def call(factor, epoch, group, _):
            try:
                factor[0] = float(self._lambdas[group](epoch))
                return 0
            except BaseException as e:  # noqa: BLE001 - raised again by the step that called it
                pending_callback_error.value = e
                return 9

        self._callback = _ffi.LrLambda(call)
        super().__init__(optimizer, lib.gentrain_scheduler_lambda_new, ctypes.cast(self._callback, c_void_p), None, None)


class PolynomialLR(LambdaLR):
    """lr = base_lr · (1 - min(epoch, total_iters) / total_iters)^power (PyTorch's PolynomialLR, in closed form)."""

    def __init__(self, optimizer, total_iters=5, power=1.0):
        total, power = int(total_iters), float(power)
        super().__init__(optimizer, lambda epoch: (1.0 - min(epoch, total) / total) ** power)


class SequentialLR(LRScheduler):
    def __init__(self, optimizer, schedulers, milestones):
        self._schedulers = list(schedulers)
        hs = (c_void_p * len(self._schedulers))(*[s._h for s in self._schedulers])
        m = list(milestones)
        super().__init__(optimizer, lib.gentrain_scheduler_sequential_new, hs, len(self._schedulers),
                         (c_int64 * max(len(m), 1))(*m), len(m))


class OneCycleLR(LRScheduler):
    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
                 final_div_factor=1e4, three_phase=False):
        peaks = list(max_lr) if isinstance(max_lr, (list, tuple)) else []
        self._max_lrs = (c_double * max(len(peaks), 1))(*peaks)
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
            total_steps = epochs * steps_per_epoch
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        o = _ffi.OneCycleOptions(sizeof(_ffi.OneCycleOptions), 0.0 if peaks else float(max_lr), int(total_steps),
                                 float(pct_start), anneal_strategy == "linear", bool(cycle_momentum), float(base_momentum),
                                 float(max_momentum), float(div_factor), float(final_div_factor), bool(three_phase),
                                 ctypes.cast(self._max_lrs, c_void_p) if peaks else None, len(peaks))
        super().__init__(optimizer, lib.gentrain_scheduler_one_cycle_new, byref(o))


class ReduceLROnPlateau(LRScheduler):
    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        if mode not in ("min", "max") or threshold_mode not in ("rel", "abs"):
            raise ValueError("mode must be 'min' or 'max', threshold_mode 'rel' or 'abs'")
        if isinstance(min_lr, (list, tuple)):
            if len(set(min_lr)) != 1:
                raise NotImplementedError("gentrain's ReduceLROnPlateau takes one min_lr for all parameter groups")
            min_lr = min_lr[0]
        o = _ffi.PlateauOptions(sizeof(_ffi.PlateauOptions), mode == "max", float(factor), int(patience),
                                float(threshold), threshold_mode == "abs", int(cooldown), float(min_lr), float(eps))
        super().__init__(optimizer, lib.gentrain_scheduler_plateau_new, byref(o))

    def step(self, metrics):
        check(lib.gentrain_scheduler_step_metric(self._h, float(metrics)))


__all__ = ["LRScheduler", "ExponentialLR", "StepLR", "MultiStepLR", "LinearLR", "CosineAnnealingLR",
           "CosineAnnealingWarmRestarts", "LambdaLR", "PolynomialLR", "SequentialLR", "OneCycleLR", "ReduceLROnPlateau"]
