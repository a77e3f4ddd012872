"""gentrain.Checkpoint: a whole training run in one safetensors file, saved atomically and
resumed exactly (see include/gentrain.h)."""
from ctypes import byref, c_char_p, c_int64, c_void_p

from ._lib import check, lib


class Checkpoint:
    """Registers a run's model(s), optimizers, schedulers and gradient scalers; `save(path)` writes their state,
    `load(path)` restores it along with `step`, `epoch` and `metadata`.

        ckpt = gentrain.Checkpoint(model, optimizers=[opt], schedulers=[sched])
        ckpt.step = 100; ckpt.metadata["data"] = "shakespeare"; ckpt.save("run.ckpt")
    """

    def __init__(self, model=None, optimizers=(), schedulers=(), tensors=None, grad_scalers=()):
        out = c_void_p()
        check(lib.gentrain_checkpoint_new(byref(out)))
        self._h = out.value
        self._keep = []
        named = dict(tensors or {})
        if model is not None:
            named.update(model.state_dict())
        for name, t in named.items():
            check(lib.gentrain_checkpoint_add_tensor(self._h, name.encode(), t._h))
            self._keep.append(t)
        for o in optimizers:
            check(lib.gentrain_checkpoint_add_optimizer(self._h, o._h))
            self._keep.append(o)
        for s in schedulers:
            check(lib.gentrain_checkpoint_add_scheduler(self._h, s._h))
            self._keep.append(s)
        for s in grad_scalers:
            check(lib.gentrain_checkpoint_add_grad_scaler(self._h, s._h))
            self._keep.append(s)
        self.step, self.epoch, self.metadata = 0, 0, {}

    def __del__(self):
        if getattr(self, "_h", None):
            lib.gentrain_checkpoint_free(self._h)
            self._h = None

    def save(self, path):
        check(lib.gentrain_checkpoint_set_counters(self._h, int(self.step), int(self.epoch)))
        for k, v in self.metadata.items():
            check(lib.gentrain_checkpoint_set_metadata(self._h, str(k).encode(), str(v).encode()))
        check(lib.gentrain_checkpoint_save(self._h, str(path).encode()))

    def load(self, path, keys=()):
        """Restores the registered state; reads back `step`, `epoch` and the metadata `keys`."""
        check(lib.gentrain_checkpoint_load(self._h, str(path).encode()))
        step, epoch = c_int64(), c_int64()
        check(lib.gentrain_checkpoint_get_counters(byref(step), byref(epoch), self._h))
        self.step, self.epoch = step.value, epoch.value
        self.metadata = {}
        for k in keys:
            value = c_char_p()
            check(lib.gentrain_checkpoint_get_metadata(byref(value), self._h, str(k).encode()))
            if value.value is not None:
                self.metadata[k] = value.value.decode()
        return self
