"""Zero-copy exchange with PyTorch, numpy, JAX and every library that speaks DLPack
(torch.utils.dlpack's names).

    t = gentrain.from_dlpack(torch_tensor)      # gentrain sees the other library's memory
    a = numpy.from_dlpack(t)                    # and the other way round (torch.from_dlpack(t) too)

The memory is shared: writes on either side are seen by the other, and it stays alive while
either side uses it. CPU memory; dtypes float32, float64, float16, bfloat16, int32, int64 and bool.
"""
import ctypes
from ctypes import CFUNCTYPE, POINTER, PYFUNCTYPE, Structure, byref, c_char_p, c_int, c_int32, c_int64, c_uint8, c_uint16, \
    c_uint32, c_uint64, c_void_p, py_object

from .._lib import check, lib

__all__ = ["to_dlpack", "from_dlpack"]

# A capsule's name says which DLPack form it holds and whether it is still to be consumed.
_LEGACY = (b"dltensor", b"used_dltensor")
_VERSIONED = (b"dltensor_versioned", b"used_dltensor_versioned")
_CPU = 1   # kDLCPU


class _Device(Structure):
    _fields_ = [("device_type", c_int32), ("device_id", c_int32)]


class _DataType(Structure):
    _fields_ = [("code", c_uint8), ("bits", c_uint8), ("lanes", c_uint16)]


class _DLTensor(Structure):
    _fields_ = [("data", c_void_p), ("device", _Device), ("ndim", c_int32), ("dtype", _DataType),
                ("shape", POINTER(c_int64)), ("strides", POINTER(c_int64)), ("byte_offset", c_uint64)]


class _ManagedTensor(Structure):
    pass


_ManagedTensor._fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", c_void_p),
                           ("deleter", CFUNCTYPE(None, POINTER(_ManagedTensor)))]


class _Version(Structure):
    _fields_ = [("major", c_uint32), ("minor", c_uint32)]


class _ManagedTensorVersioned(Structure):
    pass


_ManagedTensorVersioned._fields_ = [("version", _Version), ("manager_ctx", c_void_p),
                                    ("deleter", CFUNCTYPE(None, POINTER(_ManagedTensorVersioned))),
                                    ("flags", c_uint64), ("dl_tensor", _DLTensor)]

# Per form: capsule names, the struct, and the engine's export and import.
_FORMS = [(_LEGACY, _ManagedTensor, lib.gentrain_tensor_to_dlpack, lib.gentrain_tensor_from_dlpack),
          (_VERSIONED, _ManagedTensorVersioned, lib.gentrain_tensor_to_dlpack_versioned,
           lib.gentrain_tensor_from_dlpack_versioned)]


def _capsule_function(name, restype, *argtypes):
    """A function of Python's capsule API with its own ctypes signature (not ctypes.pythonapi's
    shared one, which other code may reconfigure)."""
    return PYFUNCTYPE(restype, *argtypes)((name, ctypes.pythonapi))


_new_capsule = _capsule_function("PyCapsule_New", py_object, c_void_p, c_char_p, c_void_p)
_capsule_pointer = _capsule_function("PyCapsule_GetPointer", c_void_p, py_object, c_char_p)
_capsule_name = _capsule_function("PyCapsule_GetName", c_char_p, py_object)
_rename_capsule = _capsule_function("PyCapsule_SetName", c_int, py_object, c_char_p)
# The destructor gets a capsule that is being freed: it must not become a Python object again.
_is_valid_raw = _capsule_function("PyCapsule_IsValid", c_int, c_void_p, c_char_p)
_pointer_raw = _capsule_function("PyCapsule_GetPointer", c_void_p, c_void_p, c_char_p)


def _delete(pointer, struct):
    managed = ctypes.cast(pointer, POINTER(struct))
    managed.contents.deleter(managed)


@CFUNCTYPE(None, c_void_p)
def _delete_unconsumed(capsule):
    """A capsule nobody consumed hands its tensor back to the engine when it is freed."""
    for (name, _), struct, _, _ in _FORMS:
        if _is_valid_raw(capsule, name):
            _delete(_pointer_raw(capsule, name), struct)


# Capsules may outlive this module at interpreter exit: the destructor and the names they point
# to are never freed.
for _kept in (_delete_unconsumed, *_LEGACY, *_VERSIONED):
    ctypes.pythonapi.Py_IncRef(py_object(_kept))


def to_dlpack(tensor, versioned=False):
    """A DLPack capsule over `tensor`'s memory (torch.utils.dlpack.to_dlpack); DLPack 1.0's
    versioned form when `versioned`. A tensor that requires grad is refused: export
    `tensor.detach()`."""
    (name, _), struct, export, _ = _FORMS[1 if versioned else 0]
    out = c_void_p()
    check(export(byref(out), tensor._h))
    try:
        return _new_capsule(out, name, ctypes.cast(_delete_unconsumed, c_void_p))
    except BaseException:
        _delete(out, struct)
        raise


def from_dlpack(ext_tensor):
    """A gentrain tensor over the memory of `ext_tensor` (torch.from_dlpack): an object with
    `__dlpack__` (a PyTorch tensor, a numpy array, a gentrain tensor, ...) or a DLPack capsule.
    No copy: the memory is shared and kept alive while the tensor uses it. Read-only memory (a
    read-only numpy array) is refused: gentrain tensors are writable."""
    from ..tensor import Tensor
    if hasattr(ext_tensor, "__dlpack__"):
        if hasattr(ext_tensor, "__dlpack_device__"):
            device = tuple(ext_tensor.__dlpack_device__())
            if device[0] != _CPU:
                raise BufferError(f"from_dlpack: gentrain tensors live on the CPU; the object is on DLPack device {device}")
        try:
            capsule = ext_tensor.__dlpack__(max_version=(1, 0))
        except TypeError:   # a producer older than DLPack 1.0
            capsule = ext_tensor.__dlpack__()
    else:
        capsule = ext_tensor
    if type(capsule).__name__ != "PyCapsule":
        raise TypeError(f"from_dlpack expects an object with __dlpack__ or a DLPack capsule, got {type(ext_tensor).__name__}")
    name = _capsule_name(capsule)
    for (unused, used), _, _, consume in _FORMS:
        if name == unused:
            out = c_void_p()
            check(consume(byref(out), c_void_p(_capsule_pointer(capsule, name))))
            _rename_capsule(capsule, used)   # the tensor owns it now
            return Tensor._wrap(out.value)
    raise ValueError(f"from_dlpack: a capsule named {name!r} is not an unconsumed DLPack tensor")
