"""Integers as C takes them, checked. ctypes keeps the low bits of a value out of a C integer's
range (2**64 + 4 passed as an int64 arrives as 4), so the library's own range checks would never
see it: every integer the package hands over — an argument or an option struct's field — comes
through here first, and a value out of range is an OverflowError, a non-integer a TypeError."""
import ctypes
import operator

_INTEGERS = (ctypes.c_int, ctypes.c_int32, ctypes.c_int64, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_size_t)


def _limits(ctype):
    bits, signed = ctypes.sizeof(ctype) * 8, ctype(-1).value < 0
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    return low, high, f"{'' if signed else 'u'}int{bits}"


_LIMITS = {t: _limits(t) for t in _INTEGERS}


def integer(value, ctype=ctypes.c_int64):
    """`value` as an int that C's `ctype` holds exactly."""
    value = operator.index(value)
    low, high, name = _LIMITS[ctype]
    if not low <= value <= high:
        raise OverflowError(f"{value} is out of the range of a C {name} ({low} to {high})")
    return value


def _checking(ctype):
    """A ctypes argument type that checks its value before passing it as `ctype`."""
    class Checked(ctype):
        @classmethod
        def from_param(cls, value):
            return ctype(integer(value, ctype))

    Checked.__name__ = "checked_" + _LIMITS[ctype][2]
    return Checked


_ARGUMENT_TYPES = {t: _checking(t) for t in _INTEGERS}   # one per C integer type, shared by every function


def argument_type(ctype):
    """`ctype` as a ctypes argument type that checks its value (other types are returned as they are)."""
    return _ARGUMENT_TYPES.get(ctype, ctype)


class Structure(ctypes.Structure):
    """A ctypes Structure whose integer fields check what is assigned to them (by the constructor too)."""

    def __setattr__(self, name, value):
        fields = _INTEGER_FIELDS.get(type(self))
        if fields is None:
            fields = _INTEGER_FIELDS[type(self)] = {n: t for n, t, *_ in self._fields_ if t in _LIMITS}
        ctype = fields.get(name)
        super().__setattr__(name, value if ctype is None else integer(value, ctype))


_INTEGER_FIELDS = {}   # Structure class -> {integer field: its ctype}
