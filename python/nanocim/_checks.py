"""Argument checks made in Python before a value is handed to ctypes, which would otherwise
truncate an out-of-range integer silently or raise a bare TypeError. The messages follow the
library's style: the field, its value, and what was expected."""

import operator

from ._errors import ArgumentError

INT_MIN, INT_MAX = -(1 << 31), (1 << 31) - 1


def as_int(name, value, lo=INT_MIN, hi=INT_MAX):
    """An integer argument within [lo, hi] (the library checks the meaningful range)."""
    try:
        v = operator.index(value)
    except TypeError:
        raise ArgumentError(f"{name} {value!r}: expected an integer") from None
    if isinstance(value, bool):
        raise ArgumentError(f"{name} {value!r}: expected an integer")
    if not lo <= v <= hi:
        raise ArgumentError(f"{name} {v}: expected an integer in [{lo}, {hi}]")
    return v


def as_float(name, value):
    """A real-valued argument."""
    if isinstance(value, (bool, str, bytes)):
        raise ArgumentError(f"{name} {value!r}: expected a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} {value!r}: expected a number") from None


def as_path(name, value):
    """A file path argument (str, bytes or os.PathLike) as bytes for the C library."""
    import os
    try:
        return os.fsencode(value)
    except TypeError:
        raise ArgumentError(f"{name} {value!r}: expected a path (str or os.PathLike)") from None
