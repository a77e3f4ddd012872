"""DataParallel: the batch split across worker threads of this process."""
import ctypes
import itertools
from ctypes import byref, c_void_p, sizeof
from typing import Optional

from ... import _ffi
from ..._lib import CallbackError, lib
from ...tensor import Tensor, _handles, _handover, _new, _retain
from ..modules.module import Module

_identities = itertools.count(1)   # the user_data of each DataParallel's forward callback


class DataParallel(Module):
    """torch.nn.DataParallel on the CPU: ``forward`` cuts the batch (dimension 0) into shards, runs
    ``module`` on each in worker threads of the engine's pool, and concatenates the outputs;
    backward runs each shard's backward on the workers and sums the gradients into the
    parameters' ``.grad``. Shard 0 alone updates buffers (running statistics), as PyTorch's first
    replica. ``workers`` (default: the engine's thread count) plays the part of ``device_ids``.

    ``deterministic_shards=k``: the batch is always cut into ``k`` shards, each run on one thread,
    so training gives bit-identical results for any number of workers (a gentrain extension).

    The forward runs Python code on several threads: Python's lock lets one run Python at a time,
    while the engine's ops run in parallel."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 workers: Optional[int] = None, deterministic_shards: Optional[int] = None):
        super().__init__()
        if dim != 0:
            raise ValueError("DataParallel: only dim=0 is supported")
        if device_ids is not None and workers is None:
            workers = len(device_ids)
        self.module = module
        options = _ffi.DataParallelOptions(sizeof(_ffi.DataParallelOptions), int(workers or 0), int(deterministic_shards or 0))
        if options.workers < 0 or options.shards < 0:
            raise ValueError(f"DataParallel: workers and deterministic_shards must be positive, got {workers}, {deterministic_shards}")
        object.__setattr__(self, "_options", options)
        object.__setattr__(self, "_errors", [])

        def call(output, x, _):
            try:
                output[0] = _handover(self.module(_retain(x)))
                return 0
            except BaseException as e:  # noqa: BLE001 - raised again in forward, on the caller's thread
                self._errors.append(e)
                return 9   # GENTRAIN_ERR_CALLBACK_FAILED

        # One callback for the module's life, and a user_data never used before: the engine knows
        # the model by the pair (and keeps the faster of running the shards on the workers or on
        # the calling thread). The callback's address alone is not enough: a freed callback's is
        # given to the next one.
        object.__setattr__(self, "_forward_fn", _ffi.ModuleForwardFn(call))
        object.__setattr__(self, "_identity", c_void_p(next(_identities)))

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        params, n = _handles(self.module.parameters())
        del self._errors[:]
        try:
            return _new(lib.gentrain_data_parallel_apply, input._h, params, n, ctypes.cast(self._forward_fn, c_void_p),
                        self._identity, byref(self._options))
        except CallbackError:
            if self._errors:
                raise self._errors[0] from None
            raise
