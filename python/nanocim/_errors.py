"""The package's exceptions, one per library status code (include/nanocim/error.h), and the
helpers that turn a failed C call into one of them.

``str(e)`` is the library's one-line message exactly (it names the file, or the field and its
value, what was expected and what was found); ``e.code`` is the ncm_status number and
``e.status`` its short name ("invalid argument", ...).
"""

import ctypes

from . import _lib
from ._lib import lib

__all__ = ["NanocimError", "ArgumentError", "FileError", "FormatError", "VersionError",
           "OutOfMemoryError", "DataError", "StateError", "Cancelled"]


class NanocimError(Exception):
    """A library call failed. ``str(e)`` is the library's message, ``e.code`` the ncm_status
    code (an int), ``e.status`` its name."""

    code = None

    def __init__(self, message, code=None):
        if code is not None:
            self.code = code
        self.message = message
        super().__init__(message)

    @property
    def status(self):
        return _lib.text(lib.ncm_status_name(self.code)) if self.code is not None else None

    def __str__(self):
        return self.message


class ArgumentError(NanocimError, ValueError):
    """NCM_ERR_ARG: an invalid argument or option value (the message names the field)."""
    code = _lib.NCM_ERR_ARG


class FileError(NanocimError, OSError):
    """NCM_ERR_IO: a file cannot be opened, read or written (the message names the path)."""
    code = _lib.NCM_ERR_IO

    def __new__(cls, message, code=None):
        # OSError.__new__ would read two arguments as (errno, strerror).
        return OSError.__new__(cls, message)

    def __init__(self, message, code=None):
        NanocimError.__init__(self, message, code)

    def __str__(self):
        return self.message


class FormatError(NanocimError):
    """NCM_ERR_FORMAT: a file is truncated, corrupt or of the wrong kind."""
    code = _lib.NCM_ERR_FORMAT


class VersionError(FormatError):
    """NCM_ERR_VERSION: a file written by a newer version of nanocim."""
    code = _lib.NCM_ERR_VERSION


class OutOfMemoryError(NanocimError, MemoryError):
    """NCM_ERR_NOMEM: an allocation failed."""
    code = _lib.NCM_ERR_NOMEM


class DataError(NanocimError, ValueError):
    """NCM_ERR_DATA: data inconsistent with the request (shapes, label ranges)."""
    code = _lib.NCM_ERR_DATA


class StateError(NanocimError, RuntimeError):
    """NCM_ERR_STATE: an operation not valid in the current state (or a guarding check that
    failed, e.g. engines that disagree)."""
    code = _lib.NCM_ERR_STATE


class Cancelled(NanocimError):
    """NCM_ERR_CANCELLED: the progress callback asked the call to stop."""
    code = _lib.NCM_ERR_CANCELLED


_BY_CODE = {c.code: c for c in (ArgumentError, FileError, FormatError, VersionError,
                                OutOfMemoryError, DataError, StateError, Cancelled)}


def error(code, message):
    """The exception for a status code and message."""
    cls = _BY_CODE.get(code, NanocimError)
    return cls(message, code)


def from_struct(err, fallback_code=_lib.NCM_ERR_STATE):
    """The exception an ncm_error holds (a call that failed without filling it gets a generic
    message rather than an empty one)."""
    code = err.code or fallback_code
    msg = err.msg.decode("utf-8", "replace")
    if not msg:
        msg = f"nanocim: call failed ({_lib.text(lib.ncm_status_name(code))})"
    return error(code, msg)


def call(fn, *args):
    """Calls a C function whose last argument is ``ncm_error *``: returns its result, or raises
    the exception for its message when it returns a non-zero status or a NULL pointer."""
    err = _lib.Error()
    r = fn(*args, ctypes.byref(err))
    if fn.restype is ctypes.c_int:
        if r != 0:
            err.code = err.code or r
            raise from_struct(err)
    elif not r:  # NULL pointer (None for c_void_p, a false POINTER otherwise)
        raise from_struct(err)
    return r


def check(status, err):
    """Raises for a non-zero status returned by a call given ``err``."""
    if status != 0:
        err.code = err.code or status
        raise from_struct(err)
