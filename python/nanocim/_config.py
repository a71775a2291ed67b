"""The library's version, build configuration and process-wide settings (include/nanocim/
config.h), and the bit-packed XNOR-popcount kernels (xnor.h)."""

import ctypes

import numpy as np

from . import _lib
from ._arrays import pointer
from ._checks import as_int
from ._errors import ArgumentError, call
from ._lib import lib
from ._model import parse_kernel

__all__ = ["version", "build_config", "set_threads", "threads", "blas_info", "kernels",
           "xnor_dot"]


def version():
    """The library's version, "MAJOR.MINOR.PATCH"."""
    return _lib.text(lib.ncm_version())


def _value(v):
    if "," in v:
        return v.split(",")
    try:
        return int(v)
    except ValueError:
        return v


def build_config():
    """The build configuration as a dict, e.g. {"version": "0.1.0", "openmp": 201511,
    "mpi": 0, "xnor_kernels": ["portable", "avx2", "avx512"], "stno_kernels": [...],
    "blas": "openblas", "test_hooks": 0} (openmp: the OpenMP version date, 0 without it; the
    kernels listed are those compiled in, :func:`kernels` says which this CPU runs)."""
    out = {}
    for item in _lib.text(lib.ncm_build_config()).split():
        k, _, v = item.partition("=")
        out[k] = _value(v)
    return out


def set_threads(n):
    """Sets the thread count of OpenMP and OpenBLAS for the whole process (n <= 0: leave it),
    also for the package's calls made from other Python threads. Results never depend on it
    (counter-based random streams per work item)."""
    n = as_int("threads", n)
    lib.ncm_set_threads(n)
    if n > 0:
        _lib.requested_threads = n


def threads():
    """The current thread count (OpenMP's omp_get_max_threads() in the calling thread, after
    applying :func:`set_threads`'s choice there)."""
    _lib.sync_threads()
    return lib.ncm_threads()


def _loaded_openblas():
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if "libopenblas" in path:
                    return path
    except OSError:
        pass
    return None


def blas_info():
    """Which OpenBLAS the process runs: kernel (e.g. "SkylakeX", "Haswell"), origin (how it
    was chosen: "openblas default", "user (OPENBLAS_CORETYPE)"), and library (the file loaded;
    Debian's numpy loads the pthread build of libopenblas.so.0 when it is imported before
    nanocim, and the process then has that one, not the OpenMP build the library links)."""
    return {"kernel": _lib.text(lib.ncm_blas_kernel()),
            "origin": _lib.text(lib.ncm_blas_origin()),
            "library": _loaded_openblas()}


_KERNELS = ("portable", "avx2", "avx512")


def kernels():
    """The XNOR-popcount kernels: {"portable": True, "avx2": bool, "avx512": bool, "auto":
    the one "auto" selects (the best this CPU runs, or the one NCM_KERNEL names)}."""
    out = {k: bool(lib.ncm_kernel_supported(parse_kernel(k))) for k in _KERNELS}
    out["auto"] = _lib.text(lib.ncm_kernel_name(lib.ncm_kernel_select(None)))
    return out


def _pack(x, name):
    """+-1 rows as bits (1 = +1), uint64 (rows, words), bits past k zero."""
    x = np.asarray(x)
    if x.ndim != 2:
        raise ArgumentError(f"{name} shape {x.shape}: expected (rows, k) of +1/-1")
    if x.size and not np.all((x == 1) | (x == -1)):
        raise ArgumentError(f"{name}: expected values +1 or -1 only")
    rows, k = x.shape
    words = max((k + 63) // 64, 1)
    bits = np.packbits(x > 0, axis=1, bitorder="little")
    buf = np.zeros((rows, words * 8), np.uint8)
    buf[:, :bits.shape[1]] = bits
    return buf.view(np.uint64), words


def xnor_dot(x, w, kernel="auto", threads=0):
    """x @ w.T for +1/-1 matrices x (m, k) and w (n, k) on the bit-packed XNOR-popcount
    kernels (x . w = k - 2 popcount(x XOR w)): returns int32 (m, n). kernel: "auto",
    "portable", "avx2" or "avx512" (ArgumentError if this CPU cannot run it); threads: OpenMP
    threads (0: the current setting). Results do not depend on the kernel or thread count."""
    kn = parse_kernel(kernel)
    if kn != 0 and not lib.ncm_kernel_supported(kn):
        raise ArgumentError(f"kernel {kernel}: this CPU cannot run it")
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 2 or w.ndim != 2 or x.shape[1] != w.shape[1]:
        raise ArgumentError(f"x shape {x.shape}, w shape {w.shape}: expected (m, k) and (n, k)")
    m, k = x.shape
    n = w.shape[0]
    if m == 0 or n == 0:
        return np.zeros((m, n), np.int32)
    a, words = _pack(x, "x")
    wb, _ = _pack(w, "w")
    _lib.sync_threads()
    bm = _lib.Bmat()
    call(lib.ncm_bmat_pack, ctypes.byref(bm), pointer(wb, ctypes.c_uint64), as_int("n", n),
         as_int("k", k), words)
    try:
        c = np.empty((m, bm.n8), np.int32)
        lib.ncm_xnor_gemm(kn, pointer(a, ctypes.c_uint64), as_int("m", m), words,
                          ctypes.byref(bm), pointer(c, ctypes.c_int32), bm.n8,
                          as_int("threads", threads))
    finally:
        lib.ncm_bmat_free(ctypes.byref(bm))
    return c[:, :n]
