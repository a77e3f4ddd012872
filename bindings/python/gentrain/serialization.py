"""gentrain.save / gentrain.load: dictionaries of tensors (state dicts) in safetensors files,
never pickle. `safetensors.torch.load_file` reads what `save` writes, and `load` reads what
`safetensors.torch.save_file` wrote."""
import ctypes
import json
import os
import struct
from ctypes import c_char_p, c_void_p
from typing import Dict, Mapping

import numpy as np

from . import _dtype
from ._convert import int64s
from ._lib import check, lib
from .tensor import Tensor, _handles, _new

# safetensors dtype names.
_BY_NAME = {"F32": _dtype.float32, "F64": _dtype.float64, "BF16": _dtype.bfloat16, "F16": _dtype.float16,
            "I32": _dtype.int32, "I64": _dtype.int64, "BOOL": _dtype.bool_}


def save(obj: Mapping[str, Tensor], f) -> None:
    """Writes a dict of tensors (a state dict) to the safetensors file `f`, atomically."""
    if not isinstance(obj, Mapping) or not all(isinstance(k, str) and isinstance(v, Tensor) for k, v in obj.items()):
        raise TypeError("gentrain.save writes a dict of str -> Tensor (a state dict) as safetensors; "
                        "other objects would need pickle, which gentrain does not use")
    names = (c_char_p * max(len(obj), 1))(*[k.encode() for k in obj])
    handles, n = _handles(obj.values())
    check(lib.gentrain_save_safetensors(os.fspath(f).encode(), names, handles, n))


def load(f, map_location=None, weights_only=True) -> Dict[str, Tensor]:
    """Reads a safetensors file into a dict of tensors (names in the file's order). A malformed
    file is a ValueError naming what is wrong."""
    with open(os.fspath(f), "rb") as fh:
        data = fh.read()
    if len(data) < 8:
        raise ValueError(f"{f}: not a safetensors file (shorter than its 8-byte header length)")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > len(data) - 8:
        raise ValueError(f"{f}: the header length {header_len} runs past the end of the file")
    try:
        header = json.loads(data[8:8 + header_len])
    except ValueError as e:
        raise ValueError(f"{f}: the header is not JSON ({e})") from None
    body = memoryview(data)[8 + header_len:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dt = _BY_NAME.get(entry.get("dtype"))
        shape, offsets = entry.get("shape"), entry.get("data_offsets")
        if dt is None:
            raise ValueError(f"{f}: tensor '{name}' has dtype {entry.get('dtype')!r}, which gentrain does not read")
        if not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)
                and isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)):
            raise ValueError(f"{f}: tensor '{name}' has a malformed shape or data_offsets")
        begin, end = offsets
        if not 0 <= begin <= end <= len(body) or end - begin != int(np.prod(shape, dtype=np.int64)) * dt.itemsize:
            raise ValueError(f"{f}: tensor '{name}' has data_offsets {offsets} that do not fit its shape {shape} "
                             f"and dtype, or the file")
        raw = bytes(body[begin:end])
        dims, ndim = int64s(shape)
        out[name] = _new(lib.gentrain_tensor_from_data, ctypes.cast(ctypes.c_char_p(raw), c_void_p), len(raw), dt.code,
                         dims, ndim)
    return out
