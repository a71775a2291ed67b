"""Loading libnanocim.so and declaring the C API to ctypes.

This module is the package's only contact with the shared library. It finds and loads the library
(``NANOCIM_LIB``, then the source checkout, then the installed layout, then the system's search
path), mirrors the public structs the package reads or fills as ctypes Structures -- each one
checked at import against the library's own ``ncm_struct_size`` -- and sets ``argtypes`` and
``restype`` of every function the package calls.

Adding a module (``nanocim.rram``, ``nanocim.stno``): declare its structs with :func:`checked`
and its functions with :func:`proto` in the new module itself, importing ``lib`` from here; the
error and progress machinery (``_errors.call``, ``_progress.Bridge``) is shared.
"""

import ctypes
import ctypes.util
import os
import sys
import sysconfig

__all__ = ["lib", "library_path", "checked", "proto"]

_SONAME = "libnanocim.so.0"


def _candidates():
    """(where, path) pairs to try in order after NANOCIM_LIB and before find_library."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = []
    # A source checkout: python/nanocim/ -> ../../build/libnanocim.so.0 (the README's build dir).
    out.append(("source checkout", os.path.join(here, os.pardir, os.pardir, "build", _SONAME)))
    # The installed layout: PREFIX/lib/python3/dist-packages/nanocim (Debian's layout, where
    # `cmake --install` puts the package) or PREFIX/lib/python3.X/site-packages/nanocim; the
    # library in PREFIX/lib, PREFIX/lib/<multiarch> (GNUInstallDirs on Debian) or PREFIX/lib64.
    site = os.path.dirname(here)
    pydir = os.path.dirname(site)
    if (os.path.basename(site) in ("dist-packages", "site-packages")
            and os.path.basename(pydir).startswith("python3")):
        libdir = os.path.dirname(pydir)
        multiarch = sysconfig.get_config_var("MULTIARCH") or "x86_64-linux-gnu"
        prefix = os.path.dirname(libdir)
        for d in (libdir, os.path.join(libdir, multiarch), os.path.join(prefix, "lib64")):
            out.append(("installed layout", os.path.join(d, _SONAME)))
    return out


def _load():
    tried = []
    env = os.environ.get("NANOCIM_LIB")
    if env:
        # An explicit choice is never replaced by another library behind the user's back.
        try:
            return ctypes.CDLL(env), os.path.abspath(env)
        except OSError as e:
            raise ImportError(
                f"nanocim: cannot load the library NANOCIM_LIB={env}: {e}") from None
    for where, path in _candidates():
        path = os.path.normpath(path)
        if not os.path.exists(path):
            tried.append(f"{path} ({where}: not found)")
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append(f"{path} ({where}: {e})")
    name = ctypes.util.find_library("nanocim")
    if name:
        try:
            return ctypes.CDLL(name), name
        except OSError as e:
            tried.append(f"{name} (find_library: {e})")
    else:
        tried.append('ctypes.util.find_library("nanocim") (not found)')
    raise ImportError(
        "nanocim: cannot find libnanocim.so.0; set NANOCIM_LIB to its path, or build it "
        "(scripts/setup) or install it (cmake --install). Tried: NANOCIM_LIB (unset); "
        + "; ".join(tried))


lib, library_path = _load()

lib.ncm_struct_size.argtypes = [ctypes.c_char_p]
lib.ncm_struct_size.restype = ctypes.c_size_t


def checked(cls):
    """Class decorator: the Structure's size must equal the library's sizeof of the C struct of
    the same name (``cls._c_name_``), or the import fails naming the struct."""
    name = cls._c_name_
    c_size = lib.ncm_struct_size(name.encode())
    if c_size == 0:
        raise ImportError(f"nanocim: the library at {library_path} does not know the struct "
                          f"{name} (ncm_struct_size returned 0): it is older than this package")
    if ctypes.sizeof(cls) != c_size:
        raise ImportError(f"nanocim: struct {name} is {c_size} bytes in the library at "
                          f"{library_path} but {ctypes.sizeof(cls)} in the package: the "
                          "library and the package are from different versions")
    return cls


def proto(name, restype, *argtypes, optional=False):
    """Declares one C function; returns it (None when optional and not exported)."""
    fn = getattr(lib, name, None) if optional else getattr(lib, name)
    if fn is None:
        return None
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


# ---- The mirrored structs ------------------------------------------------------------------
# Field for field as in include/nanocim/*.h; enums are C ints.

c_int, c_int8, c_int32, c_int64 = ctypes.c_int, ctypes.c_int8, ctypes.c_int32, ctypes.c_int64
c_uint8, c_uint64, c_float, c_double = ctypes.c_uint8, ctypes.c_uint64, ctypes.c_float, ctypes.c_double
c_char_p, c_void_p, c_size_t, POINTER = ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER

NCM_MAX_LAYERS = 32


@checked
class Error(ctypes.Structure):
    _c_name_ = "ncm_error"
    _fields_ = [("code", c_int), ("msg", ctypes.c_char * 512)]


# int (*ncm_progress_fn)(void *user, const char *task, int64_t done, int64_t total)
PROGRESS_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_char_p, c_int64, c_int64)


@checked
class Progress(ctypes.Structure):
    _c_name_ = "ncm_progress"
    _fields_ = [("fn", PROGRESS_FN), ("user", c_void_p)]


@checked
class LayerSpec(ctypes.Structure):
    _c_name_ = "ncm_layer_spec"
    _fields_ = [("kind", c_int), ("out", c_int), ("pool", c_int)]


@checked
class Arch(ctypes.Structure):
    _c_name_ = "ncm_arch"
    _fields_ = [("n_layers", c_int), ("layer", LayerSpec * NCM_MAX_LAYERS), ("in_c", c_int),
                ("in_h", c_int), ("in_w", c_int), ("n_classes", c_int)]


@checked
class LayerShape(ctypes.Structure):
    _c_name_ = "ncm_layer_shape"
    _fields_ = [(f, c_int) for f in ("cin", "hin", "win", "cout", "hc", "wc", "ho", "wo",
                                      "fan_in")]


@checked
class TrainOpts(ctypes.Structure):
    _c_name_ = "ncm_train_opts"
    _fields_ = [("epochs", c_int), ("batch", c_int), ("lr", c_float), ("lr_end", c_float),
                ("seed", c_uint64), ("augment", c_int), ("flip_p", c_float)]


@checked
class Dataset(ctypes.Structure):
    _c_name_ = "ncm_dataset"
    _fields_ = [("n", c_int64), ("c", c_int), ("h", c_int), ("w", c_int), ("n_classes", c_int),
                ("pixels", POINTER(c_uint8)), ("labels", POINTER(c_uint8)), ("borrowed", c_int)]


@checked
class Idx(ctypes.Structure):
    _c_name_ = "ncm_idx"
    _fields_ = [("ndims", c_int), ("dims", c_int64 * 4), ("data", POINTER(c_uint8))]


@checked
class ModelLayer(ctypes.Structure):
    _c_name_ = "ncm_model_layer"
    _fields_ = [(f, c_int) for f in ("kind", "first", "last", "pool", "cin", "hin", "win",
                                      "cout", "hc", "wc", "ho", "wo", "fan_in", "words")] + [
        ("wbits", POINTER(c_uint64)), ("thresh", POINTER(c_int32)), ("dir", POINTER(c_int8)),
        ("mean", POINTER(c_float)), ("scale", POINTER(c_float)), ("beta", POINTER(c_float))]


@checked
class Model(ctypes.Structure):
    _c_name_ = "ncm_model"
    _fields_ = [("arch", Arch), ("n_layers", c_int), ("layer", POINTER(ModelLayer)),
                ("meta", c_char_p)]


@checked
class TrainEvent(ctypes.Structure):
    _c_name_ = "ncm_train_event"
    _fields_ = [("kind", c_int), ("arch", c_char_p), ("train_images", c_int64),
                ("test_images", c_int64), ("epochs_done", c_int), ("epochs", c_int),
                ("loss", c_double), ("train_accuracy", c_double), ("test_accuracy", c_double),
                ("seconds", c_double)]


# void (*ncm_train_event_fn)(void *user, const ncm_train_event *e)
TRAIN_EVENT_FN = ctypes.CFUNCTYPE(None, c_void_p, POINTER(TrainEvent))


@checked
class TrainJob(ctypes.Structure):
    _c_name_ = "ncm_train_job"
    _fields_ = [("data", c_char_p), ("train", POINTER(Dataset)), ("test", POINTER(Dataset)),
                ("train_limit", c_int64), ("test_limit", c_int64), ("arch", c_char_p),
                ("opts", TrainOpts), ("model_path", c_char_p), ("checkpoint_path", c_char_p),
                ("resume", c_int), ("json_path", c_char_p), ("on_event", TRAIN_EVENT_FN),
                ("user", c_void_p)]


@checked
class TrainResult(ctypes.Structure):
    _c_name_ = "ncm_train_result"
    _fields_ = [("model", POINTER(Model)), ("arch", ctypes.c_char * 512),
                ("train_images", c_int64), ("test_images", c_int64),
                ("test_accuracy", c_double), ("folded_agreement", c_int64),
                ("packed_agreement", c_int64), ("packed_kernel", c_char_p),
                ("n_history", c_int), ("history", POINTER(TrainEvent)),
                ("train_seconds", c_double), ("folded_inference_seconds", c_double),
                ("total_seconds", c_double)]


@checked
class EvalResult(ctypes.Structure):
    _c_name_ = "ncm_eval_result"
    _fields_ = [("n", c_int64), ("n_classes", c_int), ("pred", POINTER(c_int32)),
                ("scores", POINTER(c_float)), ("accuracy", c_double),
                ("confusion", POINTER(c_int64)), ("engine", c_int), ("kernel", c_char_p),
                ("seconds", c_double)]


@checked
class Bmat(ctypes.Structure):
    _c_name_ = "ncm_bmat"
    _fields_ = [("n", c_int), ("k", c_int), ("words", c_int), ("n8", c_int),
                ("w", POINTER(c_uint64))]


STRUCTS = (Error, Progress, LayerSpec, Arch, LayerShape, TrainOpts, Dataset, Idx, ModelLayer,
           Model, TrainEvent, TrainJob, TrainResult, EvalResult, Bmat)

# ---- The functions ---------------------------------------------------------------------------

ERR = POINTER(Error)
P_DS = POINTER(Dataset)
P_MODEL = POINTER(Model)
p_u8, p_i32, p_f32, p_u64 = POINTER(c_uint8), POINTER(c_int32), POINTER(c_float), POINTER(c_uint64)
P_PROGRESS = POINTER(Progress)

# error.h, config.h
proto("ncm_status_name", c_char_p, c_int)
proto("ncm_version", c_char_p)
proto("ncm_build_config", c_char_p)
proto("ncm_set_threads", None, c_int)
proto("ncm_threads", c_int)
proto("ncm_blas_kernel", c_char_p)
proto("ncm_blas_origin", c_char_p)
proto("ncm_blas_selfcheck", c_int, ERR)

# dataset.h
proto("ncm_idx_read", POINTER(Idx), c_char_p, ERR)
proto("ncm_idx_free", None, POINTER(Idx))
proto("ncm_dataset_read_idx", P_DS, c_char_p, c_char_p, ERR)
proto("ncm_dataset_read_cifar", P_DS, POINTER(c_char_p), c_int, ERR)
proto("ncm_dataset_load", P_DS, c_char_p, c_int, ERR)
proto("ncm_dataset_new", P_DS, c_int64, c_int, c_int, c_int, c_int, p_u8, p_u8, ERR)
proto("ncm_dataset_wrap", P_DS, c_int64, c_int, c_int, c_int, c_int, p_u8, p_u8, ERR)
proto("ncm_dataset_free", None, P_DS)

# bnn.h (ncm_bnn is opaque: a void pointer)
proto("ncm_arch_parse", c_int, c_char_p, c_int, c_int, c_int, c_int, POINTER(Arch), ERR)
proto("ncm_arch_check", c_int, POINTER(Arch), ERR)
proto("ncm_arch_shapes", None, POINTER(Arch), POINTER(LayerShape))
proto("ncm_arch_format", None, POINTER(Arch), c_char_p, c_size_t)
proto("ncm_train_opts_default", None, POINTER(TrainOpts))
proto("ncm_train_opts_check", c_int, POINTER(TrainOpts), ERR)
proto("ncm_bnn_new", c_void_p, POINTER(Arch), POINTER(TrainOpts), c_int, ERR)
proto("ncm_bnn_free", None, c_void_p)
proto("ncm_bnn_arch", POINTER(Arch), c_void_p)
proto("ncm_bnn_opts", POINTER(TrainOpts), c_void_p)
proto("ncm_bnn_epoch", c_int, c_void_p)
proto("ncm_bnn_train_epoch", c_int, c_void_p, P_DS, POINTER(c_double), POINTER(c_double),
      P_PROGRESS, ERR)
proto("ncm_bnn_predict", c_int, c_void_p, P_DS, p_i32, p_f32, ERR)
proto("ncm_bnn_save_checkpoint", c_int, c_void_p, c_char_p, ERR)
proto("ncm_bnn_load_checkpoint", c_void_p, c_char_p, c_int, ERR)

# model.h
proto("ncm_model_fold", P_MODEL, c_void_p, c_char_p, ERR)
proto("ncm_model_free", None, P_MODEL)
proto("ncm_model_save", c_int, P_MODEL, c_char_p, ERR)
proto("ncm_model_load", P_MODEL, c_char_p, ERR)
proto("ncm_model_predict", c_int, P_MODEL, P_DS, p_i32, p_f32, ERR)

# npz.h -- NumPy interchange, written by another engineer at the same time as this package:
# bound when the library exports it (HAVE_NPZ), else Model.load_npz / save_npz raise StateError.
HAVE_NPZ = all(hasattr(lib, f) for f in ("ncm_model_load_npz", "ncm_model_save_npz"))
if HAVE_NPZ:
    proto("ncm_model_load_npz", P_MODEL, c_char_p, ERR)
    proto("ncm_model_save_npz", c_int, P_MODEL, c_char_p, ERR)
HAVE_LOAD_ANY = proto("ncm_model_load_any", P_MODEL, c_char_p, ERR, optional=True) is not None

# xnor.h (ncm_kernel is a C int)
proto("ncm_bmat_pack", c_int, POINTER(Bmat), p_u64, c_int, c_int, c_int, ERR)
proto("ncm_bmat_free", None, POINTER(Bmat))
proto("ncm_xnor_gemm", None, c_int, p_u64, c_int, c_int, POINTER(Bmat), p_i32, c_int, c_int)
proto("ncm_kernel_select", c_int, POINTER(c_char_p))
proto("ncm_kernel_supported", c_int, c_int)
proto("ncm_kernel_name", c_char_p, c_int)
proto("ncm_kernel_parse", c_int, c_char_p)

# packed.h (ncm_packed is opaque)
proto("ncm_packed_new", c_void_p, P_MODEL, c_int, ERR)
proto("ncm_packed_free", None, c_void_p)
proto("ncm_packed_kernel", c_int, c_void_p)
proto("ncm_packed_predict", c_int, c_void_p, P_DS, p_i32, p_f32, ERR)

# train.h
proto("ncm_train_job_default", None, POINTER(TrainJob))
proto("ncm_train_run", POINTER(TrainResult), POINTER(TrainJob), P_PROGRESS, ERR)
proto("ncm_train_result_free", None, POINTER(TrainResult))
proto("ncm_train_result_take_model", POINTER(Model), POINTER(TrainResult))

# eval.h (ncm_engine is a C int)
proto("ncm_engine_name", c_char_p, c_int)
proto("ncm_engine_parse", c_int, c_char_p)
proto("ncm_eval", POINTER(EvalResult), P_MODEL, P_DS, c_int, c_int, ERR)
proto("ncm_eval_result_free", None, POINTER(EvalResult))
proto("ncm_eval_result_save_json", c_int, POINTER(EvalResult), P_MODEL, c_char_p, c_char_p,
      c_char_p, ERR)

# metrics.h
proto("ncm_accuracy", c_double, p_i32, p_u8, c_int64)
proto("ncm_confusion", None, p_i32, p_u8, c_int64, c_int, POINTER(c_int64))

# Status codes (error.h), layer kinds (bnn.h), augmentation flags, kernels, engines.
NCM_OK, NCM_ERR_ARG, NCM_ERR_IO, NCM_ERR_FORMAT, NCM_ERR_VERSION = 0, 1, 2, 3, 4
NCM_ERR_NOMEM, NCM_ERR_DATA, NCM_ERR_STATE, NCM_ERR_CANCELLED = 5, 6, 7, 8
NCM_LAYER_DENSE, NCM_LAYER_CONV = 1, 2
NCM_AUGMENT_FLIP, NCM_AUGMENT_SHIFT = 1, 2
NCM_TRAIN_START, NCM_TRAIN_EPOCH = 1, 2


def text(b):
    """A C string from the library as str (None stays None)."""
    return None if b is None else b.decode("utf-8", "replace")


if sys.byteorder != "little":  # the model's packed bits are read as little-endian words
    raise ImportError("nanocim: the package supports little-endian machines only")


class Handle:
    """Owns one object the library allocated and frees it (with its ncm_X_free) when collected.
    ``keep`` holds what the C object points into (e.g. the numpy arrays a wrapped dataset reads,
    or the parent of a view), so those live at least as long."""

    def __init__(self, ptr, free, keep=()):
        self.ptr = ptr
        self._free = free
        self.keep = keep

    def __del__(self):
        p, self.ptr = self.ptr, None
        if p and self._free is not None:
            self._free(p)


# The thread count the user chose with nanocim.set_threads (None: never chosen). OpenMP keeps it
# per calling thread (omp_set_num_threads sets the caller's ICV only), so a call made from
# another Python thread would run on the default count; long calls re-apply it there first.
requested_threads = None


def sync_threads():
    """Applies nanocim.set_threads's count in the calling thread if it differs there."""
    n = requested_threads
    if n is not None and lib.ncm_threads() != n:
        lib.ncm_set_threads(n)
