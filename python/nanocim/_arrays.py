"""numpy views of memory the library owns, and pointers into numpy arrays the library fills.

A view's base chain holds an ``owner`` (the Python object that frees the C memory when it is
collected), so the memory outlives every array that looks at it; views are read-only because the
library documents its structs' arrays as read-only for the caller.
"""

import ctypes
import math

import numpy as np

_CTYPES = {np.dtype(np.uint8): ctypes.c_uint8, np.dtype(np.int8): ctypes.c_int8,
           np.dtype(np.int32): ctypes.c_int32, np.dtype(np.int64): ctypes.c_int64,
           np.dtype(np.uint64): ctypes.c_uint64, np.dtype(np.float32): ctypes.c_float,
           np.dtype(np.float64): ctypes.c_double}


def view(ptr, dtype, shape, owner, writeable=False):
    """A numpy array over ``prod(shape)`` items of C memory at ``ptr`` (a ctypes pointer or an
    address), kept alive by ``owner``; no copy."""
    dtype = np.dtype(dtype)
    n = math.prod(shape)
    addr = ctypes.cast(ptr, ctypes.c_void_p).value if not isinstance(ptr, int) else ptr
    if n == 0 or not addr:  # nothing there: zeros, never uninitialised memory
        a = np.zeros(shape, dtype)
    else:
        buf = (_CTYPES[dtype] * n).from_address(addr)
        buf._nanocim_owner = owner  # the array's base is buf, which holds the owner
        a = np.frombuffer(buf, dtype=dtype).reshape(shape)
    if not writeable:
        a.flags.writeable = False
    return a


def pointer(a, ctype):
    """A ctypes pointer to the first item of a C-contiguous array (which must stay alive while
    the pointer is used)."""
    assert a.flags.c_contiguous
    return a.ctypes.data_as(ctypes.POINTER(ctype))
