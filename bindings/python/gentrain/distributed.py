"""gentrain.distributed: process groups and collectives, as torch.distributed.

A process group is a set of ranks that run collectives together, over one of three backends:

- ``"mpi"``: the processes of an MPI job (``mpirun -np 2 python train.py``, across machines with a
  hostfile); Open MPI is loaded when the group is made, so nothing else needs it.
- ``"threads"``: ranks that are threads of this process (``spawn(fn, nprocs)`` starts them);
  the default group is per thread.
- a host's own collectives: ``init_process_group(collectives=obj)`` with an object that has
  ``rank``, ``world_size``, ``all_reduce(array, op)`` (numpy array, in place, op "sum" or "max"),
  ``broadcast(array, root)``, ``all_gather(input, output)`` (uint8 arrays) and ``barrier()``:
  a program that already has a communicator (mpi4py's, its own transport) plugs it in.

Every rank calls the same collectives in the same order; arguments that differ across ranks
(shapes, dtypes, roots) are an error on every rank (``DistributedError``), not a hang.
"""
import ctypes
import sys
import threading
from ctypes import byref, c_int32, c_void_p, sizeof
from typing import Callable, List, Optional

import numpy as np

from . import _dtype, _ffi, _lib
from ._lib import DistributedError, check, lib
from .tensor import Tensor, _new

__all__ = ["ReduceOp", "ProcessGroup", "init_process_group", "is_initialized", "is_available", "is_mpi_available",
           "get_rank", "get_world_size", "get_backend", "all_reduce", "broadcast", "all_gather",
           "all_gather_into_tensor", "barrier", "destroy_process_group", "separate_random_streams", "spawn",
           "DistributedError"]


class ReduceOp:
    """How all_reduce combines the ranks' tensors."""
    SUM = "sum"
    AVG = "avg"
    MAX = "max"


_OPS = {ReduceOp.SUM: _ffi.REDUCE_SUM, ReduceOp.AVG: _ffi.REDUCE_AVG, ReduceOp.MAX: _ffi.REDUCE_MAX}


class ProcessGroup:
    """A handle to an engine process group (see the module's docstring)."""

    def __init__(self, handle, backend: str, keep=None):
        self._h, self.backend, self._keep = handle, backend, keep

    def __del__(self):
        if getattr(self, "_h", None):
            lib.gentrain_process_group_free(self._h)
            self._h = None

    def rank(self) -> int:
        out = c_int32()
        check(lib.gentrain_process_group_rank(byref(out), self._h))
        return out.value

    def size(self) -> int:
        out = c_int32()
        check(lib.gentrain_process_group_world_size(byref(out), self._h))
        return out.value

    def abort(self, message: str) -> None:
        """Ends the group after an error on this rank (threads: the others fail; MPI: the job ends)."""
        check(lib.gentrain_process_group_abort(self._h, message.encode()))


_state = threading.local()     # the threads backend's default group, per rank thread
_process_default = [None]      # the MPI or host backend's, for the process


def _default() -> Optional[ProcessGroup]:
    return getattr(_state, "group", None) or _process_default[0]


def _group(group: Optional[ProcessGroup]) -> ProcessGroup:
    g = group or _default()
    if g is None:
        raise RuntimeError("Default process group has not been initialized, please make sure to call init_process_group.")
    return g


def is_available() -> bool:
    return True


def is_mpi_available() -> bool:
    """Whether Open MPI's library can be loaded (the MPI backend's only requirement)."""
    for name in ("libmpi.so.40", "libmpi.so"):
        try:
            ctypes.CDLL(name, mode=ctypes.RTLD_GLOBAL)
            return True
        except OSError:
            continue
    return False


def is_initialized() -> bool:
    return _default() is not None


def init_process_group(backend: Optional[str] = None, init_method: Optional[str] = None, timeout=None,
                       world_size: int = -1, rank: int = -1, group_name: str = "default",
                       collectives=None) -> None:
    """Makes the default process group (torch.distributed.init_process_group).

    ``backend="mpi"``: rank and world size come from mpirun. ``backend="threads"``: this thread is
    rank ``rank`` of ``world_size`` threads meeting under ``group_name``. ``collectives=obj``: the
    host's collectives (see the module's docstring). ``timeout`` (seconds or a timedelta) bounds a
    threads rank's wait in one collective (default 30 minutes)."""
    if is_initialized():
        raise RuntimeError("trying to initialize the default process group twice!")
    if collectives is not None:
        group = _host_group(collectives)
        _process_default[0] = group
        return
    if backend in (None, "mpi"):
        out = c_void_p()
        check(lib.gentrain_process_group_new_mpi(byref(out)))
        group = ProcessGroup(out.value, "mpi")
        _abort_on_uncaught_exceptions(group)
        _process_default[0] = group
    elif backend == "threads":
        if world_size < 1 or not 0 <= rank < world_size:
            raise ValueError(f"the threads backend needs 0 <= rank < world_size, got rank {rank}, world_size {world_size}")
        seconds = timeout.total_seconds() if hasattr(timeout, "total_seconds") else (timeout or 0)
        out = c_void_p()
        check(lib.gentrain_process_group_new_threads(byref(out), group_name.encode(), rank, world_size, float(seconds)))
        _state.group = ProcessGroup(out.value, "threads")
    else:
        raise ValueError(f"unknown backend {backend!r}: gentrain has 'mpi', 'threads', or collectives=... from the host")


def _abort_on_uncaught_exceptions(group: ProcessGroup) -> None:
    """An uncaught exception on one MPI rank ends the job, instead of leaving the others waiting
    in a collective forever."""
    previous = sys.excepthook

    def hook(kind, value, traceback):
        previous(kind, value, traceback)
        sys.stderr.flush()
        group.abort(f"uncaught {kind.__name__}: {value}")

    sys.excepthook = hook


def destroy_process_group(group: Optional[ProcessGroup] = None) -> None:
    if group is None or group is getattr(_state, "group", None):
        _state.group = None
    if group is None or group is _process_default[0]:
        _process_default[0] = None


def get_rank(group: Optional[ProcessGroup] = None) -> int:
    return _group(group).rank()


def get_world_size(group: Optional[ProcessGroup] = None) -> int:
    return _group(group).size()


def get_backend(group: Optional[ProcessGroup] = None) -> str:
    return _group(group).backend


def separate_random_streams(group: Optional[ProcessGroup] = None) -> None:
    """Makes this rank's default random stream its own: rank 0 keeps its state, the others derive
    theirs from it and the rank. Call it on every rank after seeding them alike (or after every
    rank loaded rank 0's checkpoint): dropout masks and noise then differ across ranks,
    reproducibly. (A threads rank has a default generator of its own, starting from the
    process's.)"""
    check(lib.gentrain_process_group_separate_random_streams(_group(group)._h))


def all_reduce(tensor: Tensor, op: str = ReduceOp.SUM, group: Optional[ProcessGroup] = None, async_op: bool = False):
    """Combines ``tensor`` across ranks, in place."""
    if op not in _OPS:
        raise ValueError(f"unknown reduce op {op!r}; use ReduceOp.SUM, AVG or MAX")
    check(lib.gentrain_process_group_all_reduce(_group(group)._h, tensor._h, _OPS[op]))


def broadcast(tensor: Tensor, src: int = 0, group: Optional[ProcessGroup] = None, async_op: bool = False):
    """Copies rank ``src``'s ``tensor`` into every other rank's, in place."""
    check(lib.gentrain_process_group_broadcast(_group(group)._h, tensor._h, src))


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: Optional[ProcessGroup] = None,
                           async_op: bool = False):
    """Every rank's ``input_tensor``, in rank order, into ``output_tensor`` ([world * n, ...])."""
    stacked = _new(lib.gentrain_process_group_all_gather, _group(group)._h, input_tensor._h)
    output_tensor.copy_(stacked.reshape(*output_tensor.shape))


def all_gather(tensor_list: List[Tensor], tensor: Tensor, group: Optional[ProcessGroup] = None, async_op: bool = False):
    """Every rank's ``tensor``, in rank order, copied into ``tensor_list``'s tensors."""
    g = _group(group)
    if len(tensor_list) != g.size():
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} tensors for {g.size()} ranks")
    stacked = _new(lib.gentrain_process_group_all_gather, g._h, tensor._h)
    for r, t in enumerate(tensor_list):
        t.copy_(stacked[r])


def barrier(group: Optional[ProcessGroup] = None, async_op: bool = False):
    check(lib.gentrain_process_group_barrier(_group(group)._h))


def spawn(fn: Callable, nprocs: int, args: tuple = (), timeout=None) -> None:
    """Runs ``fn(rank, *args)`` on ``nprocs`` threads, each the rank of a fresh threads group made
    its default (torch.multiprocessing.spawn, with threads). A rank that raises ends the group, so
    the others fail instead of waiting; the lowest failing rank's exception is raised here."""
    name = f"spawn-{id(fn)}-{next(_spawns)}"
    errors = {}

    def run(rank):
        init_process_group("threads", rank=rank, world_size=nprocs, group_name=name, timeout=timeout)
        group = _state.group
        try:
            fn(rank, *args)
        except BaseException as e:  # noqa: BLE001 - raised again below
            errors[rank] = e
            group.abort(f"{type(e).__name__}: {e}")
        finally:
            destroy_process_group()

    threads = [threading.Thread(target=run, args=(r,), name=f"gentrain-rank-{r}") for r in range(nprocs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[min(errors)]


def _counter():
    n = 0
    while True:
        n += 1
        yield n


_spawns = _counter()

_NUMPY = {_dtype.float32.code: np.float32, _dtype.float64.code: np.float64, _dtype.int64.code: np.int64}


def _host_group(obj) -> ProcessGroup:
    """A process group over a host object's collectives (see the module's docstring)."""
    def array(pointer, count, dtype):
        return np.ctypeslib.as_array(ctypes.cast(pointer, ctypes.POINTER(np.ctypeslib.as_ctypes_type(dtype))), (count,))

    def guard(body):
        def call(*a):
            try:
                body(*a)
                return 0
            except BaseException as e:  # noqa: BLE001 - reported through the engine's error
                _lib.pending_callback_error.value = e
                return 9   # GENTRAIN_ERR_CALLBACK_FAILED
        return call

    callbacks = [
        _ffi.AllReduceFn(guard(lambda _, p, n, d, op: obj.all_reduce(array(p, n, _NUMPY[d]), "max" if op == _ffi.REDUCE_MAX else "sum"))),
        _ffi.BroadcastFn(guard(lambda _, p, n, root: obj.broadcast(array(p, n, np.uint8), root))),
        _ffi.AllGatherFn(guard(lambda _, i, o, n: obj.all_gather(array(i, n, np.uint8), array(o, n * obj.world_size, np.uint8)))),
        _ffi.BarrierFn(guard(lambda _: obj.barrier())),
    ]
    abort = getattr(obj, "abort", None)
    if abort is not None:
        callbacks.append(_ffi.AbortFn(lambda _, message: abort(message.decode())))
    c = _ffi.Collectives(sizeof(_ffi.Collectives), obj.rank, obj.world_size, None,
                         *[ctypes.cast(f, c_void_p) for f in callbacks[:4]],
                         ctypes.cast(callbacks[4], c_void_p) if len(callbacks) > 4 else None, None)
    out = c_void_p()
    check(lib.gentrain_process_group_new_host(byref(out), byref(c)))
    return ProcessGroup(out.value, "host", keep=(obj, callbacks))

