"""gentrain.optim.swa_utils: averaged copies of a model (an exponential moving average of its weights,
or stochastic weight averaging), as torch.optim.swa_utils."""
import copy

from ..grad_mode import no_grad
from ..nn.modules.module import Module
from ..tensor import tensor


def get_ema_multi_avg_fn(decay=0.999):
    """The update of every averaged parameter at once: ema ← decay · ema + (1 − decay) · p."""
    def ema_update(ema_params, current_params, num_averaged):
        for e, p in zip(ema_params, current_params):
            e.lerp_(p, 1 - decay)
    return ema_update


def get_ema_avg_fn(decay=0.999):
    """The exponential moving average of one parameter: decay · ema + (1 − decay) · p."""
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


class AveragedModel(Module):
    """A copy of `model` whose parameters (and, with use_buffers, buffers) average the model's over the
    calls of update_parameters: equally (stochastic weight averaging) unless `avg_fn` (one parameter at a
    time) or `multi_avg_fn` (all at once) says otherwise. Calling it runs the copy."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", tensor(0))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _tensors(self, model):
        return list(model.parameters()) + (list(model.buffers()) if self.use_buffers else [])

    def update_parameters(self, model):
        """Folds `model`'s current parameters into the average (the first call copies them)."""
        mine, theirs = self._tensors(self.module), [p.detach() for p in self._tensors(model)]
        n = int(self.n_averaged.item())
        with no_grad():
            if n == 0:
                for a, p in zip(mine, theirs):
                    a.copy_(p)
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn(mine, theirs, self.n_averaged)
            else:
                for a, p in zip(mine, theirs):
                    a.copy_(self.avg_fn(a.detach(), p, self.n_averaged) if self.avg_fn is not None
                            else a + (p - a) / (n + 1))
            if not self.use_buffers:   # the copy's buffers follow the model's
                for a, b in zip(self.module.buffers(), model.buffers()):
                    a.copy_(b.detach())
        self.register_buffer("n_averaged", tensor(n + 1))


__all__ = ["AveragedModel", "get_ema_multi_avg_fn", "get_ema_avg_fn"]
