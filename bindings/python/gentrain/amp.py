"""gentrain.amp: mixed precision, as torch.amp. `autocast("cpu")` runs matrix products and
convolutions in bfloat16 (losses in float32) inside a region; `GradScaler("cpu", ...)` scales the
loss before backward and unscales the gradients before the optimizer's step, skipping steps whose
gradients are infinite or NaN, with PyTorch's state machine and arithmetic."""
import functools
from collections import abc
from ctypes import byref, c_bool, c_double, c_void_p, sizeof
from typing import Any, Dict

from . import _dtype, _ffi
from ._lib import check, lib
from .tensor import Tensor, _new


class autocast:  # noqa: N801 - PyTorch's name
    """torch.autocast for the CPU, as a context manager or a decorator:

        with gentrain.autocast("cpu"):          # bfloat16 by default
            loss = criterion(model(x), y)

    Inside, matmul, linear, the convolutions and attention run in `dtype`, losses in float32,
    everything else in its inputs' dtype; `enabled=False` nested inside computes in float32 again."""

    def __init__(self, device_type: str = "cpu", dtype=None, enabled: bool = True, cache_enabled=None):
        if device_type != "cpu":
            raise ValueError(f"gentrain's autocast runs on the CPU, got device_type {device_type!r}")
        dtype = _dtype.bfloat16 if dtype is None else dtype
        if dtype not in (_dtype.bfloat16, _dtype.float16):
            raise RuntimeError("In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                               "CPU Autocast only supports dtype of torch.bfloat16, torch.float16 currently.")
        self.device, self.fast_dtype, self._enabled = device_type, dtype, bool(enabled)
        self._cache_enabled = True if cache_enabled is None else bool(cache_enabled)

    def __enter__(self):
        options = _ffi.AutocastOptions(sizeof(_ffi.AutocastOptions), self._enabled, self.fast_dtype.code, self._cache_enabled)
        check(lib.gentrain_autocast_enter(byref(options)))
        return self

    def __exit__(self, *exc):
        check(lib.gentrain_autocast_exit())
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled, self._cache_enabled):
                return fn(*args, **kwargs)
        return wrapped


def is_autocast_available(device_type: str) -> bool:
    return device_type == "cpu"


class GradScaler:
    """torch.amp.GradScaler for the CPU: `scaler.scale(loss).backward()`, `scaler.step(optimizer)`,
    `scaler.update()`."""

    def __init__(self, device: str = "cpu", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True):
        if device != "cpu":
            raise ValueError(f"gentrain's GradScaler runs on the CPU, got device {device!r}")
        options = _ffi.GradScalerOptions(sizeof(_ffi.GradScalerOptions), float(init_scale), float(growth_factor),
                                         float(backoff_factor), int(growth_interval), bool(enabled))
        out = c_void_p()
        check(lib.gentrain_grad_scaler_new(byref(out), byref(options)))
        self._h = out.value

    def __del__(self, _free=lib.gentrain_grad_scaler_free):
        if getattr(self, "_h", None):
            _free(self._h)
            self._h = None

    def scale(self, outputs):
        """outputs * scale, for a tensor or (recursively) lists, tuples and other iterables of them."""
        if isinstance(outputs, Tensor):
            return _new(lib.gentrain_grad_scaler_scale, self._h, outputs._h)
        if isinstance(outputs, abc.Iterable):
            scaled = map(self.scale, outputs)
            return type(outputs)(scaled) if isinstance(outputs, (list, tuple)) else scaled
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def unscale_(self, optimizer) -> None:
        """Divides the optimizer's gradients by the scale (once per optimizer per iteration)."""
        check(lib.gentrain_grad_scaler_unscale_(self._h, optimizer._h))

    def step(self, optimizer, *args, **kwargs):
        """Unscales (unless done) and runs `optimizer.step()` unless a gradient is infinite or NaN."""
        if "closure" in kwargs and self.is_enabled():
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        stepped = c_bool()
        check(lib.gentrain_grad_scaler_step(byref(stepped), self._h, optimizer._h))
        return None

    def update(self, new_scale=None) -> None:
        """The next iteration's scale: halved after a skipped step, grown after growth_interval
        good ones, or `new_scale` (a float or a one-element tensor)."""
        if new_scale is None:
            check(lib.gentrain_grad_scaler_update(self._h, None))
            return
        if isinstance(new_scale, Tensor):
            if new_scale.numel() != 1 or new_scale.requires_grad:
                raise AssertionError("new_scale should be a float or a 1-element tensor with requires_grad=False.")
            new_scale = new_scale.item()
        check(lib.gentrain_grad_scaler_update(self._h, byref(c_double(float(new_scale)))))

    def _state(self):
        state = _ffi.GradScalerState()
        check(lib.gentrain_grad_scaler_get_state(byref(state), self._h))
        return state

    def _set(self, **fields):
        state = self._state()
        for key, value in fields.items():
            setattr(state, key, value)
        check(lib.gentrain_grad_scaler_set_state(self._h, byref(state)))

    def get_scale(self) -> float:
        return self._state().scale

    def get_growth_factor(self) -> float:
        return self._state().growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._set(growth_factor=float(new_factor))

    def get_backoff_factor(self) -> float:
        return self._state().backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._set(backoff_factor=float(new_factor))

    def get_growth_interval(self) -> int:
        return self._state().growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._set(growth_interval=int(new_interval))

    def _get_growth_tracker(self) -> int:
        return self._state().growth_tracker

    def is_enabled(self) -> bool:
        return self._state().enabled

    def state_dict(self) -> Dict[str, Any]:
        """scale, growth_factor, backoff_factor, growth_interval and _growth_tracker (empty when disabled)."""
        s = self._state()
        if not s.enabled:
            return {}
        return {"scale": s.scale, "growth_factor": s.growth_factor, "backoff_factor": s.backoff_factor,
                "growth_interval": s.growth_interval, "_growth_tracker": s.growth_tracker}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        if not self.is_enabled():
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled instance "
                               "of GradScaler.")
        state = _ffi.GradScalerState(float(state_dict["scale"]), float(state_dict["growth_factor"]),
                                     float(state_dict["backoff_factor"]), int(state_dict["growth_interval"]),
                                     int(state_dict["_growth_tracker"]), True)
        check(lib.gentrain_grad_scaler_set_state(self._h, byref(state)))


__all__ = ["GradScaler", "autocast", "is_autocast_available"]
