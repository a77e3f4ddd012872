"""DistributedDataParallel: every rank runs the same model on its part of the batch; gradients
are averaged across the ranks during backward."""
from contextlib import contextmanager
from ctypes import byref, c_char_p, c_int32, c_void_p
from typing import Optional

from ... import _ffi
from ... import distributed as dist
from ..._lib import check, lib
from ...tensor import _handles
from ..modules.module import Module


class DistributedDataParallel(Module):
    """torch.nn.parallel.DistributedDataParallel: wraps ``module`` (state-dict names gain the
    prefix ``module.``). At construction, rank 0's parameters and buffers are copied to every rank
    (every rank constructs it at the same point); each forward first copies rank 0's buffers
    (``broadcast_buffers``); each backward averages the gradients across the ranks in buckets of
    ``bucket_cap_mb`` MiB, each as soon as its gradients are final, while backward goes on.
    ``no_sync()`` accumulates gradients locally; a parameter that gets no gradient is an error
    naming it unless ``find_unused_parameters``. ``device_ids`` and ``output_device`` are accepted
    for PyTorch's scripts and must be None or CPU.

    ``deterministic=True`` (a gentrain extension): the ranks' gradients are summed in a fixed
    order; with ``nn.DataParallel(model, deterministic_shards=k // world_size)`` inside each rank
    and a power-of-two world size, training gives the same bits on 1, 2, 4, ... ranks."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group: Optional[dist.ProcessGroup] = None,
                 bucket_cap_mb: Optional[float] = None, find_unused_parameters: bool = False,
                 deterministic: bool = False, **kwargs):
        super().__init__()
        if device_ids not in (None, [], ["cpu"]) or output_device not in (None, "cpu"):
            raise ValueError("gentrain trains on the CPU: device_ids and output_device must be None")
        if dim != 0:
            raise ValueError("DistributedDataParallel: only dim=0 is supported")
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.process_group = dist._group(process_group)
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        buffers = [b for _, b in module.named_buffers() if b is not None]
        options = _ffi.DdpOptions()
        lib.gentrain_ddp_options_default(byref(options))
        if bucket_cap_mb is not None:   # as PyTorch: a given cap applies to the first bucket too
            options.bucket_cap_mb = options.first_bucket_mb = float(bucket_cap_mb)
        options.broadcast_buffers = bool(broadcast_buffers)
        options.find_unused_parameters = bool(find_unused_parameters)
        options.deterministic = bool(deterministic)
        names = (c_char_p * max(len(named), 1))(*[n.encode() for n, _ in named])
        params, n = _handles(p for _, p in named)
        bufs, nb = _handles(buffers)
        out = c_void_p()
        check(lib.gentrain_ddp_new(byref(out), names, params, n, bufs, nb, self.process_group._h, byref(options)))
        object.__setattr__(self, "_ddp", out.value)
        object.__setattr__(self, "_has_buffers", bool(buffers))

    def __del__(self):
        h = self.__dict__.get("_ddp")
        if h:
            lib.gentrain_ddp_free(h)
            self.__dict__["_ddp"] = None

    def forward(self, *inputs, **kwargs):
        if self.broadcast_buffers and self._has_buffers:
            check(lib.gentrain_ddp_sync_buffers(self._ddp))
        return self.module(*inputs, **kwargs)

    @contextmanager
    def no_sync(self):
        """A context in which backward passes accumulate gradients without averaging them; the
        next backward outside averages the sum."""
        check(lib.gentrain_ddp_set_grad_sync(self._ddp, False))
        try:
            yield
        finally:
            check(lib.gentrain_ddp_set_grad_sync(self._ddp, True))

    def last_pass(self):
        """(buckets averaged while backward ran, buckets averaged when it ended) for the last
        synchronized backward pass."""
        during, at_end = c_int32(), c_int32()
        check(lib.gentrain_ddp_last_pass(byref(during), byref(at_end), self._ddp))
        return during.value, at_end.value
