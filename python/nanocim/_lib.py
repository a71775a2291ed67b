"""Loading libnanocim.so and declaring the C API to ctypes.

This module is the package's only contact with the shared library. It finds and loads the library
(``NANOCIM_LIB``, then the source checkout, then the installed layout, then the system's search
path), mirrors the public structs the package reads or fills as ctypes Structures -- each one
checked at import against the library's own ``ncm_struct_size`` -- and sets ``argtypes`` and
``restype`` of every function the package calls.

The structs and functions of ``nanocim.rram``, ``nanocim.stno``, ``nanocim.chip``,
``nanocim.cost`` and ``nanocim.vowel`` are declared here too (after the core's), with
:func:`checked` and :func:`proto`; the error and progress machinery (``_errors.call``,
``_progress.Bridge``) is shared.
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


# ---- RRAM, SECDED codes, storage, calibration (rram.h, ecc.h, storage.h, rram_fit.h) -----------
# Mirrored and declared here for nanocim.rram; field for field as in the headers, enums as C ints.

@checked
class RramParams(ctypes.Structure):
    _c_name_ = "ncm_rram_params"
    _fields_ = [("name", ctypes.c_char * 64), ("family", c_int)] + [
        (f, c_double) for f in (
            "t_nu", "i_ref_ua", "v_reset_ref_v", "t_p_ref_ns", "v_c_v", "sigma_lrs",
            "sigma_lrs_exp", "r_hrs_ref_ohm", "hrs_ln_r_per_v", "hrs_ln_r_per_ln_t", "sigma_hrs",
            "d2d_var_frac", "c2c_rho", "drift_lrs", "drift_hrs", "n0_ref_cycles", "n0_exp_icc",
            "n0_exp_vreset", "stuck_p_ref", "stuck_exp_icc", "stuck_exp_vreset",
            "stuck_lrs_frac", "v_set_v", "e_read_device_pj", "e_sense_pj", "r_ref_ohm",
            "pcsa_offset_sigma", "pcsa_dead_zone")]


@checked
class RramCond(ctypes.Structure):
    _c_name_ = "ncm_rram_cond"
    _fields_ = [(f, c_double) for f in ("i_cc_ua", "v_reset_v", "t_p_ns", "cycles")]


@checked
class RramStats(ctypes.Structure):
    _c_name_ = "ncm_rram_stats"
    _fields_ = [(f, c_double) for f in ("mu_lrs", "sigma_lrs", "mu_hrs", "sigma_hrs",
                                         "n0_cycles", "stuck_p_cycle", "stuck_frac")]


@checked
class RramCell(ctypes.Structure):
    _c_name_ = "ncm_rram_cell"
    _fields_ = [("type", c_int), ("r_ref_ohm", c_double)]


@checked
class RramMcResult(ctypes.Structure):
    _c_name_ = "ncm_rram_mc_result"
    _fields_ = [("reads", c_int64), ("errors", c_int64), ("ber", c_double),
                ("ci95_lo", c_double), ("ci95_hi", c_double)]


@checked
class RramEnergy(ctypes.Structure):
    _c_name_ = "ncm_rram_energy"
    _fields_ = [(f, c_double) for f in ("e_set_pj", "e_reset_pj", "e_program_bit_pj",
                                         "e_read_bit_pj")] + [("devices_per_bit", c_int)]


@checked
class SecdedLogic(ctypes.Structure):
    _c_name_ = "ncm_secded_logic"
    _fields_ = [(f, c_int) for f in ("encoder_xor", "syndrome_xor", "match_and", "correct_xor",
                                      "flag_gates", "decoder_total")]


@checked
class SecdedRates(ctypes.Structure):
    _c_name_ = "ncm_secded_rates"
    _fields_ = [(f, c_double) for f in ("ber", "clean", "corrected", "detected", "miscorrected",
                                         "undetected")]


@checked
class SecdedMcResult(ctypes.Structure):
    _c_name_ = "ncm_secded_mc_result"
    _fields_ = [("rates", SecdedRates), ("ber_ci95", c_double)] + [
        (f, c_int64) for f in ("words", "raw_errors", "bit_errors", "n_clean", "n_corrected",
                               "n_detected", "n_miscorrected", "n_undetected")]


@checked
class Storage(ctypes.Structure):
    _c_name_ = "ncm_storage"
    _fields_ = [("cell", c_int), ("ecc_k", c_int), ("best_ref", c_int), ("r_ref_ohm", c_double)]


@checked
class StorageEval(ctypes.Structure):
    _c_name_ = "ncm_storage_eval"
    _fields_ = [(f, c_double) for f in ("r_ref_ohm", "raw_ber", "ber", "ber_mc", "ci95_lo",
                                         "ci95_hi")] + [
        ("reads", c_int64), ("errors", c_int64), ("devices_per_bit", c_double),
        ("e_program_bit_pj", c_double), ("e_read_bit_pj", c_double), ("decoder_gates", c_int)]


p_f64 = POINTER(c_double)


@checked
class RramSweep(ctypes.Structure):
    _c_name_ = "ncm_rram_sweep"
    _fields_ = [("i_cc_ua", p_f64), ("n_icc", c_int), ("v_reset_v", p_f64), ("n_vreset", c_int),
                ("t_p_ns", p_f64), ("n_tp", c_int), ("cycles", p_f64), ("n_cycles", c_int),
                ("cells", POINTER(Storage)), ("n_cells", c_int), ("reads", c_int64),
                ("seed", c_uint64), ("threads", c_int), ("device", c_char_p)]


@checked
class RramBerCell(ctypes.Structure):
    _c_name_ = "ncm_rram_ber_cell"
    _fields_ = [("storage", Storage), ("name", ctypes.c_char * 64), ("id", ctypes.c_char * 32)]


@checked
class RramBerRow(ctypes.Structure):
    _c_name_ = "ncm_rram_ber_row"
    _fields_ = [(f, c_double) for f in ("i_cc_ua", "v_reset_v", "t_p_ns", "cycles")] + [
        ("cell", c_int), ("seed", c_uint64), ("ev", StorageEval)]


@checked
class RramBerTable(ctypes.Structure):
    _c_name_ = "ncm_rram_ber_table"
    _fields_ = [("params", RramParams), ("device", c_char_p), ("n_icc", c_int),
                ("n_vreset", c_int), ("n_tp", c_int), ("n_cycles", c_int), ("i_cc_ua", p_f64),
                ("v_reset_v", p_f64), ("t_p_ns", p_f64), ("cycles", p_f64), ("n_cells", c_int),
                ("cells", POINTER(RramBerCell)), ("n_points", c_int64), ("n_rows", c_int64),
                ("rows", POINTER(RramBerRow)), ("reads", c_int64), ("seed", c_uint64),
                ("threads", c_int), ("seconds", c_double)]


@checked
class RramFitOpts(ctypes.Structure):
    _c_name_ = "ncm_rram_fit_opts"
    _fields_ = [("fresh_n0_frac", c_double)]


@checked
class RramFitGroup(ctypes.Structure):
    _c_name_ = "ncm_rram_fit_group"
    _fields_ = [("lrs", c_int), ("i_cc_ua", c_double), ("v_reset_v", c_double),
                ("t_p_ns", c_double), ("line", c_int64), ("n", c_int64), ("n_fit", c_int64),
                ("cycle_max", c_double), ("used", c_int)] + [
        (f, c_double) for f in ("mu", "sigma", "mu_model", "sigma_model", "ks_model", "p_model",
                                "ks_own", "p_own")]


@checked
class RramFitParam(ctypes.Structure):
    _c_name_ = "ncm_rram_fit_param"
    _fields_ = [("field", c_char_p), ("fitted", c_int), ("value", c_double), ("se", c_double),
                ("base_value", c_double), ("note", ctypes.c_char * 160)]


NCM_RRAM_FIT_N_PARAMS = 7


@checked
class RramFitReport(ctypes.Structure):
    _c_name_ = "ncm_rram_fit_report"
    _fields_ = [("fitted", RramParams), ("source", c_char_p), ("base_name", c_char_p),
                ("fresh_n0_frac", c_double), ("n_meas", c_int64), ("n_fit", c_int64),
                ("n_groups", c_int), ("groups", POINTER(RramFitGroup)),
                ("params", RramFitParam * NCM_RRAM_FIT_N_PARAMS), ("kept", POINTER(c_char_p)),
                ("n_kept", c_int), ("family_note", ctypes.c_char * 160)]


@checked
class RramSampleSpec(ctypes.Structure):
    _c_name_ = "ncm_rram_sample_spec"
    _fields_ = [("i_cc_ua", p_f64), ("n_icc", c_int), ("v_reset_v", p_f64), ("n_vreset", c_int),
                ("t_p_ns", p_f64), ("n_tp", c_int), ("devices", c_int64), ("seed", c_uint64),
                ("device", c_char_p)]


# ---- Spin-torque oscillators (stno.h) -----------------------------------------------------------

@checked
class StnoParams(ctypes.Structure):
    _c_name_ = "ncm_stno_params"
    _fields_ = [("name", ctypes.c_char * 64)] + [
        (f, c_double) for f in ("f0_mhz", "n_mhz", "df_di_mhz_per_ma", "i_ref_ma", "gamma_g_mhz",
                                "q", "i_th_ma", "temperature_k", "e0_ev", "dr_ohm",
                                "f0_sigma_mhz", "i_th_rel_sigma", "gamma_g_rel_sigma")]


@checked
class StnoOp(ctypes.Structure):
    _c_name_ = "ncm_stno_op"
    _fields_ = [(f, c_double) for f in ("z", "p0", "f_mhz", "gamma_plus_mhz", "gamma_p_mhz",
                                         "nu", "kt_over_e", "noise_d_mhz", "linewidth_mhz",
                                         "p_thermal", "v_rf_mv")]


@checked
class StnoNetSpec(ctypes.Structure):
    _c_name_ = "ncm_stno_net_spec"
    _fields_ = [("device", StnoParams), ("n_osc", c_int), ("spread", c_int),
                ("spread_seed", c_uint64), ("i_dc_ma", c_double), ("w_mhz", c_double),
                ("beta_rad", c_double)]


@checked
class StnoBatch(ctypes.Structure):
    _c_name_ = "ncm_stno_batch"
    _fields_ = [("n_runs", c_int), ("n_in", c_int)] + [
        (f, p_f64) for f in ("f_in_mhz", "amp_mhz", "phase_rad", "in_gain", "i_dc_ma", "init_re",
                             "init_im")]


@checked
class StnoSim(ctypes.Structure):
    _c_name_ = "ncm_stno_sim"
    _fields_ = [("dt_ns", c_double), ("t_transient_ns", c_double), ("t_window_ns", c_double),
                ("f_ref_mhz", c_double), ("seed", c_uint64), ("stream0", c_uint64),
                ("obs_stride", c_int), ("lock_tol_mhz", c_double), ("lw_lag_ns", c_double)]


@checked
class StnoObs(ctypes.Structure):
    _c_name_ = "ncm_stno_obs"
    _fields_ = [("n_runs", c_int), ("n_osc", c_int), ("n_in", c_int)] + [
        (f, c_double) for f in ("f_ref_mhz", "lock_tol_mhz", "t_window_ns", "lw_lag_ns")] + [
        (f, p_f64) for f in ("f_mean_mhz", "p_mean", "v_rf_mv", "linewidth_mhz", "final_re",
                             "final_im", "in_dphase_rad", "in_plv")] + [
        ("in_slips", p_i32), ("in_locked", p_u8), ("pair_dphase_rad", p_f64),
        ("pair_plv", p_f64), ("pair_slips", p_i32), ("pair_locked", p_u8)]


@checked
class StnoTrace(ctypes.Structure):
    _c_name_ = "ncm_stno_trace"
    _fields_ = [(f, c_int) for f in ("n_runs", "n_osc", "n_samples", "stride")] + [
        (f, p_f64) for f in ("t_ns", "p", "phase_rad", "v_mv")]


@checked
class StnoLockMap(ctypes.Structure):
    _c_name_ = "ncm_stno_lock_map"
    _fields_ = [("n_f", c_int), ("n_amp", c_int), ("n_osc", c_int)] + [
        (f, p_f64) for f in ("f_mhz", "amp_mhz", "i_dc_ma", "f_free_mhz")] + [
        ("locked", p_u8)] + [
        (f, p_f64) for f in ("measured_lo_mhz", "measured_hi_mhz", "analytic_lo_mhz",
                             "analytic_hi_mhz")] + [
        ("obs", POINTER(StnoObs)), ("sim", StnoSim), ("device", ctypes.c_char * 64),
        ("seconds", c_double)]


# Every struct above (test_core checks them all against the library's table).
STRUCTS = STRUCTS + (
    RramParams, RramCond, RramStats, RramCell, RramMcResult, RramEnergy, SecdedLogic, SecdedRates,
    SecdedMcResult, Storage, StorageEval, RramSweep, RramBerCell, RramBerRow, RramBerTable,
    RramFitOpts, RramFitReport, RramSampleSpec, StnoParams, StnoOp, StnoNetSpec, StnoBatch,
    StnoSim, StnoObs, StnoTrace, StnoLockMap, RramFitGroup, RramFitParam)

# ---- their functions --------------------------------------------------------------------------

P_RRAM = POINTER(RramParams)
P_COND = POINTER(RramCond)
P_CELL = POINTER(RramCell)
P_STNO = POINTER(StnoParams)
P_BATCH = POINTER(StnoBatch)
P_SIM = POINTER(StnoSim)

# rram.h
proto("ncm_rram_default", None, P_RRAM)
proto("ncm_rram_check", c_int, P_RRAM, c_char_p, ERR)
proto("ncm_rram_load", c_int, c_char_p, P_RRAM, ERR)
proto("ncm_rram_save", c_int, c_char_p, P_RRAM, ERR)
proto("ncm_rram_family_name", c_char_p, c_int)
proto("ncm_rram_family_parse", c_int, c_char_p)
proto("ncm_rram_cond_ref", RramCond, P_RRAM)
proto("ncm_rram_cond_check", c_int, P_COND, ERR)
proto("ncm_rram_stats_at", None, P_RRAM, P_COND, POINTER(RramStats))
proto("ncm_rram_cell_default", RramCell, P_RRAM, c_int)
proto("ncm_cell_type_name", c_char_p, c_int)
proto("ncm_rram_ber", c_int, P_RRAM, P_COND, P_CELL, p_f64, ERR)
proto("ncm_rram_best_ref", c_int, P_RRAM, P_COND, p_f64, p_f64, ERR)
proto("ncm_rram_ber_vs_cycles", c_int, P_RRAM, P_COND, P_CELL, p_f64, c_int, p_f64, ERR)
proto("ncm_rram_ber_mc", c_int, P_RRAM, P_COND, P_CELL, c_int64, c_uint64, c_int, P_PROGRESS,
      POINTER(RramMcResult), ERR)
proto("ncm_rram_energy_at", RramEnergy, P_RRAM, P_COND, c_int)

# ecc.h (ncm_secded is opaque)
proto("ncm_secded_new", c_void_p, c_int, ERR)
proto("ncm_secded_free", None, c_void_p)
proto("ncm_secded_n", c_int, c_void_p)
proto("ncm_secded_k", c_int, c_void_p)
proto("ncm_secded_r", c_int, c_void_p)
proto("ncm_secded_column", ctypes.c_uint32, c_void_p, c_int)
proto("ncm_secded_overhead", c_double, c_void_p)
proto("ncm_secded_logic_estimate", SecdedLogic, c_void_p)
proto("ncm_secded_encode_packed", None, c_void_p, p_u64, p_u64)
proto("ncm_secded_syndrome_packed", ctypes.c_uint32, c_void_p, p_u64)
proto("ncm_secded_decode_packed", c_int, c_void_p, p_u64, p_u64)
proto("ncm_secded_encode", None, c_void_p, p_u8, p_u8)
proto("ncm_secded_decode", c_int, c_void_p, p_u8, p_u8)
proto("ncm_secded_analytic", c_int, c_void_p, c_double, POINTER(SecdedRates), ERR)
proto("ncm_secded_ber_analytic", c_double, c_void_p, c_double)
proto("ncm_secded_mc", c_int, c_void_p, c_double, c_int64, c_uint64, c_int, P_PROGRESS,
      POINTER(SecdedMcResult), ERR)

# storage.h
proto("ncm_storage_parse", c_int, c_char_p, POINTER(Storage), ERR)
proto("ncm_storage_name", None, POINTER(Storage), c_char_p, c_size_t)
proto("ncm_storage_id", None, POINTER(Storage), c_char_p, c_size_t)
proto("ncm_storage_evaluate", c_int, P_RRAM, P_COND, POINTER(Storage), c_int64, c_uint64,
      POINTER(StorageEval), ERR)
proto("ncm_rram_sweep_default", None, POINTER(RramSweep))
proto("ncm_rram_sweep_check", c_int, POINTER(RramSweep), c_char_p, ERR)
proto("ncm_rram_ber_sweep", POINTER(RramBerTable), P_RRAM, POINTER(RramSweep), P_PROGRESS, ERR)
proto("ncm_rram_ber_table_save_csv", c_int, POINTER(RramBerTable), c_char_p, ERR)
proto("ncm_rram_ber_table_save_json", c_int, POINTER(RramBerTable), c_char_p, ERR)
proto("ncm_rram_ber_table_free", None, POINTER(RramBerTable))

# rram_fit.h (the report's JSON text is malloc'd: released with the C library's free)
proto("ncm_rram_fit_opts_default", None, POINTER(RramFitOpts))
proto("ncm_rram_fit_file", POINTER(RramFitReport), c_char_p, P_RRAM, POINTER(RramFitOpts),
      c_char_p, c_char_p, ERR)
proto("ncm_rram_fit_report_free", None, POINTER(RramFitReport))
proto("ncm_rram_fit_report_json", c_void_p, POINTER(RramFitReport))
proto("ncm_rram_fit_report_save", c_int, c_char_p, POINTER(RramFitReport), ERR)
proto("ncm_rram_sample_default", None, POINTER(RramSampleSpec))
proto("ncm_rram_sample_check", c_int, POINTER(RramSampleSpec), c_char_p, ERR)
proto("ncm_rram_sample_save", c_int, c_char_p, P_RRAM, POINTER(RramSampleSpec), P_PROGRESS,
      ERR)
proto("ncm_free", None, c_void_p)

# stno.h (ncm_stno_net is opaque)
proto("ncm_stno_default", None, P_STNO)
proto("ncm_stno_check", c_int, P_STNO, c_char_p, ERR)
proto("ncm_stno_load", c_int, c_char_p, P_STNO, ERR)
proto("ncm_stno_save", c_int, c_char_p, P_STNO, ERR)
proto("ncm_stno_spread", c_int, P_STNO, c_int, c_uint64, P_STNO, ERR)
proto("ncm_stno_operating_point", c_int, P_STNO, c_double, POINTER(StnoOp), ERR)
proto("ncm_stno_lock_halfwidth", c_int, P_STNO, c_double, c_double, p_f64, ERR)
proto("ncm_stno_lock_edges", c_int, P_STNO, c_double, c_double, p_f64, p_f64, ERR)
proto("ncm_stno_pair_lock_range", c_int, P_STNO, c_double, P_STNO, c_double, c_double, c_double,
      c_double, p_f64, ERR)
proto("ncm_stno_pair_lock_threshold", c_int, P_STNO, c_double, P_STNO, c_double, c_double,
      p_f64, ERR)
proto("ncm_stno_net_new", c_void_p, c_int, P_STNO, c_int, p_f64, ERR)
proto("ncm_stno_net_free", None, c_void_p)
proto("ncm_stno_net_set_coupling", c_int, c_void_p, c_int, c_int, p_f64, c_double, ERR)
proto("ncm_stno_net_n_osc", c_int, c_void_p)
proto("ncm_stno_net_device", P_STNO, c_void_p, c_int)
proto("ncm_stno_net_i_dc_ma", c_double, c_void_p, c_int)
proto("ncm_stno_net_coupling_mhz", c_double, c_void_p, c_int, c_int)
proto("ncm_stno_net_beta_rad", c_double, c_void_p)
proto("ncm_stno_net_spec_default", None, POINTER(StnoNetSpec))
proto("ncm_stno_net_spec_check", c_int, POINTER(StnoNetSpec), c_char_p, ERR)
proto("ncm_stno_net_from_spec", c_void_p, POINTER(StnoNetSpec), ERR)
proto("ncm_stno_sim_default", None, P_SIM)
proto("ncm_stno_obs_new", POINTER(StnoObs), c_int, c_int, c_int, ERR)
proto("ncm_stno_obs_free", None, POINTER(StnoObs))
proto("ncm_stno_trace_new", POINTER(StnoTrace), c_int, c_int, P_SIM, c_int, ERR)
proto("ncm_stno_trace_free", None, POINTER(StnoTrace))
proto("ncm_stno_auto_f_ref", c_int, c_void_p, P_BATCH, p_f64, ERR)
proto("ncm_stno_max_dt", c_int, c_void_p, P_BATCH, c_double, p_f64, ERR)
proto("ncm_stno_sim_resolve", c_int, c_void_p, P_BATCH, P_SIM, ERR)
proto("ncm_stno_run", c_int, c_void_p, P_BATCH, P_SIM, POINTER(StnoObs), POINTER(StnoTrace),
      c_int, P_PROGRESS, ERR)
proto("ncm_stno_trace_save_csv", c_int, POINTER(StnoTrace), c_int, c_char_p, ERR)
proto("ncm_stno_obs_save_json", c_int, POINTER(StnoObs), c_void_p, P_BATCH, P_SIM, c_char_p,
      ERR)
proto("ncm_stno_lock_map_new", POINTER(StnoLockMap), c_void_p, p_f64, c_int, p_f64, c_int, P_SIM,
      c_int, P_PROGRESS, ERR)
proto("ncm_stno_lock_map_free", None, POINTER(StnoLockMap))
proto("ncm_stno_lock_map_save_csv", c_int, POINTER(StnoLockMap), c_char_p, ERR)
proto("ncm_stno_lock_map_save_json", c_int, POINTER(StnoLockMap), c_char_p, ERR)

NCM_RRAM_LOGNORMAL, NCM_RRAM_STUDENT_T = 0, 1
NCM_CELL_1T1R, NCM_CELL_2T2R = 0, 1
NCM_SECDED_CLEAN, NCM_SECDED_CORRECTED, NCM_SECDED_DETECTED = 0, 1, 2
NCM_SECDED_MAX_K = 4096
NCM_STNO_DEFAULT_Z = 1.5

# ---- The in-memory chip and its sweeps (chip.h, sweep.h) ----------------------------------------
# Mirrored and declared here for nanocim.chip; field for field as in the headers, enums as C ints.

NCM_SWEEP_MAX_AXES = 4
NCM_SWEEP_MAX_MODELS = 64
NCM_CHIP_FAULTS, NCM_CHIP_DEVICES = 0, 1
NCM_AXIS_BER, NCM_AXIS_ICC, NCM_AXIS_VRESET, NCM_AXIS_TP = 0, 1, 2, 3
NCM_AXIS_CYCLES, NCM_AXIS_ARRAY, NCM_AXIS_STORAGE, NCM_AXIS_READ_BER = 4, 5, 6, 7


@checked
class ChipFaults(ctypes.Structure):
    _c_name_ = "ncm_chip_faults"
    _fields_ = [("ber", c_double), ("ber_layer", p_f64), ("n_ber_layer", c_int),
                ("stuck_frac", c_double)]


@checked
class ChipConfig(ctypes.Structure):
    _c_name_ = "ncm_chip_config"
    _fields_ = [("mode", c_int), ("rows", c_int), ("cols", c_int), ("storage", Storage),
                ("faults", ChipFaults), ("device", RramParams), ("cond", RramCond),
                ("cond_layer", POINTER(RramCond)), ("n_cond_layer", c_int),
                ("dead_zone_dynamic", c_int), ("read_ber", c_double)]


@checked
class ChipLayerMap(ctypes.Structure):
    _c_name_ = "ncm_chip_layer_map"
    _fields_ = [("weights", c_int64), ("row_tiles", c_int), ("col_tiles", c_int)] + [
        (f, c_int64) for f in ("arrays", "data_cells", "check_cells", "devices", "sense_amps",
                               "decoders", "decoder_gates", "row_reads", "partial_sums")] + [
        ("utilisation", c_double)]


@checked
class ChipMap(ctypes.Structure):
    _c_name_ = "ncm_chip_map"
    _fields_ = [(f, c_int) for f in ("n_layers", "rows", "cols", "words_per_row",
                                      "check_per_row", "code_n", "code_k")] + [
        ("layer", ChipLayerMap * NCM_MAX_LAYERS), ("total", ChipLayerMap)]


@checked
class ChipMcParams(ctypes.Structure):
    _c_name_ = "ncm_chip_mc_params"
    _fields_ = [("chip", ChipConfig), ("n_chips", c_int), ("first_chip", c_int64),
                ("seed", c_uint64), ("kernel", c_int), ("threads", c_int), ("tech", c_void_p)]


@checked
class ChipMcResult(ctypes.Structure):
    _c_name_ = "ncm_chip_mc_result"
    _fields_ = [("n_chips", c_int), ("n_layers", c_int), ("first_chip", c_int64),
                ("n_images", c_int64), ("seed", c_uint64), ("config", ChipConfig),
                ("ber_layer", p_f64), ("cond_layer", POINTER(RramCond)), ("map", ChipMap),
                ("bits", POINTER(c_int64)), ("accuracy", p_f64), ("flips", POINTER(c_int64)),
                ("dead_zone", POINTER(c_int64)), ("energy_pj", p_f64),
                ("ber_measured", p_f64)] + [
        (f, c_double) for f in ("ber_total", "inference_energy_pj", "inference_latency_ns",
                                "mean", "sd", "min", "max", "ci_lo", "ci_hi")] + [
        ("kernel", c_char_p), ("threads", c_int), ("seconds", c_double),
        ("images_per_s", c_double)]


@checked
class SweepAxis(ctypes.Structure):
    _c_name_ = "ncm_sweep_axis"
    _fields_ = [("kind", c_int), ("n", c_int), ("values", p_f64),
                ("storages", POINTER(Storage))]


# int (*allgatherv)(void *user, const void *send, size_t send_bytes, void *recv,
#                   const size_t *bytes)
SWEEP_ALLGATHERV_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t, c_void_p,
                                       POINTER(c_size_t))


@checked
class SweepComm(ctypes.Structure):
    _c_name_ = "ncm_sweep_comm"
    _fields_ = [("rank", c_int), ("size", c_int), ("allgatherv", SWEEP_ALLGATHERV_FN),
                ("user", c_void_p)]


@checked
class SweepParams(ctypes.Structure):
    _c_name_ = "ncm_sweep_params"
    _fields_ = [("models", POINTER(P_MODEL)), ("model_names", POINTER(c_char_p)),
                ("n_models", c_int), ("base", ChipConfig),
                ("axes", SweepAxis * NCM_SWEEP_MAX_AXES), ("n_axes", c_int),
                ("n_chips", c_int), ("seed", c_uint64), ("kernel", c_int), ("threads", c_int),
                ("tech", c_void_p), ("checkpoint", c_char_p), ("resume", c_int)]


@checked
class SweepPoint(ctypes.Structure):
    _c_name_ = "ncm_sweep_point"
    _fields_ = [("model", c_int), ("axis_index", c_int * NCM_SWEEP_MAX_AXES),
                ("config", ChipConfig), ("map", ChipMap)] + [
        (f, c_double) for f in ("mean", "sd", "min", "max", "ci_lo", "ci_hi", "ber_measured",
                                "energy_pj", "energy_bit_pj", "inference_energy_pj",
                                "inference_latency_ns")]


@checked
class SweepTable(ctypes.Structure):
    _c_name_ = "ncm_sweep_table"
    _fields_ = [("n_models", c_int), ("n_axes", c_int), ("n_layers_max", c_int),
                ("model_names", POINTER(c_char_p)),
                ("axes", SweepAxis * NCM_SWEEP_MAX_AXES), ("n_points", c_int64),
                ("n_chips", c_int), ("n_images", c_int64), ("seed", c_uint64),
                ("points", POINTER(SweepPoint)), ("accuracy", p_f64),
                ("flips", POINTER(c_int64)), ("energy_pj", p_f64), ("threads", c_int),
                ("ranks", c_int), ("seconds", c_double)]


STRUCTS = STRUCTS + (ChipFaults, ChipConfig, ChipLayerMap, ChipMap, ChipMcParams, ChipMcResult,
                     SweepAxis, SweepComm, SweepParams, SweepPoint, SweepTable)

P_CHIP_FAULTS = POINTER(ChipFaults)
P_CHIP_CONFIG = POINTER(ChipConfig)
P_CHIP_MAP = POINTER(ChipMap)
P_CHIP_MC = POINTER(ChipMcResult)
P_SWEEP = POINTER(SweepParams)
P_SWEEP_TABLE = POINTER(SweepTable)

# chip.h (ncm_chip is opaque)
proto("ncm_chip_faults_default", None, P_CHIP_FAULTS)
proto("ncm_chip_faults_check", c_int, P_CHIP_FAULTS, c_int, c_char_p, ERR)
proto("ncm_chip_faults_ber", c_double, P_CHIP_FAULTS, c_int)
proto("ncm_chip_config_default", None, P_CHIP_CONFIG)
proto("ncm_chip_config_check", c_int, P_CHIP_CONFIG, P_MODEL, ERR)
proto("ncm_chip_config_cond", RramCond, P_CHIP_CONFIG, c_int)
proto("ncm_chip_map_model", c_int, P_MODEL, P_CHIP_CONFIG, P_CHIP_MAP, ERR)
proto("ncm_chip_new", c_void_p, P_MODEL, P_CHIP_CONFIG, c_uint64, c_int64, c_int, ERR)
proto("ncm_chip_free", None, c_void_p)
proto("ncm_chip_model", P_MODEL, c_void_p)
for _f in ("bits", "flips", "dead_zone", "raw_errors", "corrected"):
    proto(f"ncm_chip_{_f}", c_int64, c_void_p, c_int)
del _f
proto("ncm_chip_program_energy_pj", c_double, c_void_p)
proto("ncm_chip_predict", c_int, c_void_p, P_DS, p_i32, p_f32, ERR)
proto("ncm_chip_mc_default", None, POINTER(ChipMcParams))
proto("ncm_chip_mc", P_CHIP_MC, P_MODEL, P_DS, POINTER(ChipMcParams), P_PROGRESS, ERR)
proto("ncm_chip_mc_result_free", None, P_CHIP_MC)
proto("ncm_chip_mc_result_save_json", c_int, P_CHIP_MC, P_MODEL, c_char_p, c_char_p, c_char_p,
      ERR)
proto("ncm_chip_mc_result_save_csv", c_int, P_CHIP_MC, c_char_p, ERR)

# sweep.h
proto("ncm_sweep_axis_name", c_char_p, c_int)
proto("ncm_sweep_axis_parse", c_int, c_char_p)
proto("ncm_sweep_default", None, P_SWEEP)
proto("ncm_sweep_check", c_int, P_SWEEP, P_DS, ERR)
proto("ncm_sweep_run", P_SWEEP_TABLE, P_SWEEP, P_DS, POINTER(SweepComm), P_PROGRESS, ERR)
proto("ncm_sweep_table_free", None, P_SWEEP_TABLE)
proto("ncm_sweep_point_value", c_double, P_SWEEP_TABLE, c_int64, c_int)
proto("ncm_sweep_table_save_csv", c_int, P_SWEEP_TABLE, c_char_p, ERR)
proto("ncm_sweep_table_save_json", c_int, P_SWEEP_TABLE, c_char_p, c_char_p, ERR)

# ---- The cost model (cost.h) ---------------------------------------------------------------------
# Mirrored and declared here for nanocim.cost; field for field as in the header, enums as C ints.
# (ChipMcParams.tech and SweepParams.tech stay void pointers: they are declared above, before
# Tech; nanocim.chip passes the address of a Tech.)

NCM_COST_N_ITEMS = 14
NCM_ARCH_CHIP, NCM_ARCH_SRAM_BNN, NCM_ARCH_DRAM_BNN = 0, 1, 2
NCM_ARCH_SRAM_FLOAT, NCM_ARCH_DRAM_FLOAT = 3, 4

TECH_FIELDS = (  # the ncm_tech members after name, in order (all doubles)
    "node_nm", "vdd_v",
    "v_read_v", "t_read_ns", "e_sense_pj", "e_precharge_pj", "e_word_line_pj", "e_bit_line_pj",
    "t_cycle_ns",
    "e_gate_pj", "e_popcount_bit_pj", "e_add_pj", "e_compare_pj", "e_reg_bit_pj",
    "e_wire_bit_mm_pj", "transfer_mm", "t_logic_ns",
    "a_cell_2t2r_um2", "a_cell_1t1r_um2", "a_sense_um2", "a_popcount_um2", "a_row_decoder_um2",
    "a_gate_um2", "a_sram_bit_um2",
    "e_sram_weight_word_pj", "e_sram_act_word_pj", "e_dram_word_pj", "e_logic_word_pj",
    "e_add32_pj", "e_fmul_pj", "e_fadd_pj", "clock_ghz", "sram_words_per_ns",
    "dram_words_per_ns")


@checked
class Tech(ctypes.Structure):
    _c_name_ = "ncm_tech"
    _fields_ = [("name", ctypes.c_char * 64)] + [(f, c_double) for f in TECH_FIELDS]


@checked
class CostPart(ctypes.Structure):
    _c_name_ = "ncm_cost_part"
    _fields_ = [("count", c_int64 * NCM_COST_N_ITEMS), ("energy_pj", c_double * NCM_COST_N_ITEMS),
                ("total_pj", c_double), ("cycles", c_int64), ("latency_ns", c_double)]


@checked
class CostReport(ctypes.Structure):
    _c_name_ = "ncm_cost_report"
    _fields_ = [("arch", c_int), ("name", ctypes.c_char * 64), ("n_layers", c_int),
                ("layer", CostPart * NCM_MAX_LAYERS), ("total", CostPart), ("ops", c_int64)] + [
        (f, c_double) for f in ("inferences_per_j", "tops_per_w", "throughput_per_s", "area_mm2",
                                "area_cells_mm2", "area_periphery_mm2")] + [
        ("program_sets", c_int64), ("program_resets", c_int64), ("program_pj", c_double),
        ("program_ns", c_double)]


@checked
class CostStudy(ctypes.Structure):
    _c_name_ = "ncm_cost_study"
    _fields_ = [("tech", Tech), ("n_reports", c_int), ("report", POINTER(CostReport)),
                ("n_chips", c_int)]


STRUCTS = STRUCTS + (Tech, CostPart, CostReport, CostStudy)

P_TECH = POINTER(Tech)
P_COST_REPORT = POINTER(CostReport)
P_COST_STUDY = POINTER(CostStudy)

proto("ncm_tech_default", None, P_TECH)
proto("ncm_tech_check", c_int, P_TECH, c_char_p, ERR)
proto("ncm_tech_load", c_int, c_char_p, P_TECH, ERR)
proto("ncm_tech_save", c_int, c_char_p, P_TECH, ERR)
proto("ncm_cost_item_name", c_char_p, c_int)
proto("ncm_cost_chip", c_int, P_MODEL, P_CHIP_CONFIG, P_TECH, P_COST_REPORT, ERR)
proto("ncm_cost_processor", c_int, P_MODEL, c_int, P_TECH, P_COST_REPORT, ERR)
proto("ncm_cost_study_new", P_COST_STUDY, P_MODEL, P_CHIP_CONFIG, c_int, P_TECH, ERR)
proto("ncm_cost_study_free", None, P_COST_STUDY)
proto("ncm_cost_study_print", c_int, P_COST_STUDY, c_void_p, ERR)  # FILE *
proto("ncm_cost_study_save_json", c_int, P_COST_STUDY, c_char_p, c_char_p, ERR)

# The C library's streams, for ncm_cost_study_print's FILE *: an in-memory stream
# (open_memstream, POSIX 2008) whose buffer is released with the C library's free.
libc = ctypes.CDLL(None)
libc.open_memstream.restype = c_void_p
libc.open_memstream.argtypes = [POINTER(c_void_p), POINTER(c_size_t)]
libc.fclose.restype = c_int
libc.fclose.argtypes = [c_void_p]
libc.free.restype = None
libc.free.argtypes = [c_void_p]

# ---- Vowel recognition (vowel.h) -----------------------------------------------------------------
# Mirrored and declared here for nanocim.vowel; field for field as in the header, enums as C ints.

NCM_VOWEL_N = 12
NCM_VOWEL_N_GROUPS = 4
NCM_VOWEL_MAX_FORMANTS = 3
NCM_VOWEL_MAX_OSC = 16
NCM_VOWEL_MAX_IN = NCM_VOWEL_MAX_FORMANTS
NCM_VOWEL_FREE = -1
NCM_VOWEL_UNDECIDED = -1
NCM_VOWEL_CENTROID, NCM_VOWEL_GAUSSIAN, NCM_VOWEL_MLP = 0, 1, 2
NCM_VOWEL_SWEEP_TEMPERATURE, NCM_VOWEL_SWEEP_SPREAD = 0, 1


@checked
class VowelSelect(ctypes.Structure):
    _c_name_ = "ncm_vowel_select"
    _fields_ = [("groups", ctypes.c_uint), ("n_vowels", c_int), ("vowels", c_int * NCM_VOWEL_N),
                ("n_formants", c_int), ("formants", c_int * NCM_VOWEL_MAX_FORMANTS)]


@checked
class VowelSet(ctypes.Structure):
    _c_name_ = "ncm_vowel_set"
    _fields_ = [("n", c_int64), ("n_features", c_int), ("n_classes", c_int),
                ("select", VowelSelect), ("x", p_f64), ("label", p_i32), ("speaker", p_i32),
                ("n_speakers", c_int), ("speaker_name", POINTER(ctypes.c_char * 8)),
                ("dropped", c_int64), ("source", ctypes.c_char * 256)]


@checked
class VowelEncoding(ctypes.Structure):
    _c_name_ = "ncm_vowel_encoding"
    _fields_ = [("n_in", c_int), ("mhz_per_hz", c_double * NCM_VOWEL_MAX_FORMANTS),
                ("offset_mhz", c_double * NCM_VOWEL_MAX_FORMANTS)]


@checked
class VowelConfig(ctypes.Structure):
    _c_name_ = "ncm_vowel_config"
    _fields_ = [("n_osc", c_int), ("device", StnoParams), ("spread", c_int),
                ("chip_seed", c_uint64), ("w_mhz", c_double), ("beta_rad", c_double),
                ("amp_mhz", c_double * NCM_VOWEL_MAX_IN),
                ("in_gain", (c_double * NCM_VOWEL_MAX_IN) * NCM_VOWEL_MAX_OSC),
                ("i_min_ma", c_double), ("i_max_ma", c_double), ("band_lo_mhz", c_double),
                ("band_hi_mhz", c_double), ("margin", c_double), ("dt_ns", c_double),
                ("t_transient_ns", c_double), ("t_window_ns", c_double),
                ("noise_seed", c_uint64), ("design_starts", c_int), ("design_seed", c_uint64),
                ("epochs", c_int), ("lr", c_double), ("push_mhz", c_double),
                ("lr_decay", c_double), ("shuffle_seed", c_uint64), ("learn", c_int)]


@checked
class VowelModel(ctypes.Structure):
    _c_name_ = "ncm_vowel_model"
    _fields_ = [("config", VowelConfig), ("select", VowelSelect), ("encoding", VowelEncoding),
                ("n_classes", c_int), ("n_osc", c_int), ("n_in", c_int),
                ("targets", c_int8 * (NCM_VOWEL_N * NCM_VOWEL_MAX_OSC)),
                ("i_dc_ma", c_double * NCM_VOWEL_MAX_OSC),
                ("i_init_ma", c_double * NCM_VOWEL_MAX_OSC),
                ("f_free_mhz", c_double * NCM_VOWEL_MAX_OSC)]


@checked
class VowelScore(ctypes.Structure):
    _c_name_ = "ncm_vowel_score"
    _fields_ = [("n", c_int64), ("correct", c_int64), ("undecided", c_int64),
                ("accuracy", c_double), ("n_classes", c_int),
                ("confusion", c_int64 * (NCM_VOWEL_N * NCM_VOWEL_N))]


@checked
class VowelTraining(ctypes.Structure):
    _c_name_ = "ncm_vowel_training"
    _fields_ = [("model", VowelModel), ("train", VowelScore), ("test", VowelScore),
                ("train_init", VowelScore), ("test_init", VowelScore), ("epochs", c_int),
                ("curve_train", p_f64), ("curve_mismatch", p_f64),
                ("design_train_accuracy", c_double), ("runs", c_int64), ("osc_steps", c_double),
                ("sim_ns_per_sample", c_double), ("seconds", c_double),
                ("train_design", VowelScore), ("test_design", VowelScore)]


@checked
class VowelBaselineParams(ctypes.Structure):
    _c_name_ = "ncm_vowel_baseline_params"
    _fields_ = [("hidden", c_int), ("epochs", c_int), ("lr", c_double), ("l2", c_double),
                ("seed", c_uint64)]


@checked
class VowelBaselineResult(ctypes.Structure):
    _c_name_ = "ncm_vowel_baseline_result"
    _fields_ = [("kind", c_int), ("train_accuracy", c_double), ("test_accuracy", c_double),
                ("n_classes", c_int), ("confusion", c_int64 * (NCM_VOWEL_N * NCM_VOWEL_N))]


@checked
class VowelStudy(ctypes.Structure):
    _c_name_ = "ncm_vowel_study"
    _fields_ = [("net", POINTER(VowelTraining)), ("uncoupled", POINTER(VowelTraining)),
                ("n_baselines", c_int), ("baseline", VowelBaselineResult * 3),
                ("n_train", c_int64), ("n_test", c_int64), ("n_train_speakers", c_int),
                ("n_test_speakers", c_int), ("train_source", ctypes.c_char * 256),
                ("test_source", ctypes.c_char * 256)]


@checked
class VowelSweep(ctypes.Structure):
    _c_name_ = "ncm_vowel_sweep"
    _fields_ = [("kind", c_int), ("n", c_int), ("value", p_f64), ("train_accuracy", p_f64),
                ("test_accuracy", p_f64), ("untrained_test_accuracy", p_f64),
                ("seconds", c_double)]


STRUCTS = STRUCTS + (VowelSelect, VowelSet, VowelEncoding, VowelConfig, VowelModel, VowelScore,
                     VowelTraining, VowelBaselineParams, VowelBaselineResult, VowelStudy,
                     VowelSweep)

P_VSEL = POINTER(VowelSelect)
P_VSET = POINTER(VowelSet)
P_VENC = POINTER(VowelEncoding)
P_VCFG = POINTER(VowelConfig)
P_VMODEL = POINTER(VowelModel)
P_VSCORE = POINTER(VowelScore)
P_VTRAIN = POINTER(VowelTraining)
P_VBP = POINTER(VowelBaselineParams)
P_VSTUDY = POINTER(VowelStudy)
P_VSWEEP = POINTER(VowelSweep)
p_i8 = POINTER(c_int8)

proto("ncm_vowel_code", c_char_p, c_int)
proto("ncm_vowel_parse", c_int, c_char_p)
proto("ncm_vowel_group_char", ctypes.c_char, c_int)
proto("ncm_vowel_group_parse", c_int, ctypes.c_char)
proto("ncm_vowel_select_default", None, P_VSEL)
proto("ncm_vowel_select_check", c_int, P_VSEL, ERR)
proto("ncm_vowel_parse_vowels", c_int, c_char_p, P_VSEL, ERR)
proto("ncm_vowel_parse_groups", c_int, c_char_p, P_VSEL, ERR)
proto("ncm_vowel_parse_formants", c_int, c_char_p, P_VSEL, ERR)
proto("ncm_vowel_load", P_VSET, c_char_p, P_VSEL, ERR)
proto("ncm_vowel_synthetic", P_VSET, P_VSEL, c_int, c_uint64, ERR)
proto("ncm_vowel_stats", c_int, c_int, c_int, c_int, p_f64, p_f64, ERR)
proto("ncm_vowel_correlation", c_int, c_int, c_int, c_int, c_int, p_f64, ERR)
proto("ncm_vowel_split", c_int, P_VSET, c_double, c_uint64, POINTER(P_VSET), POINTER(P_VSET), ERR)
proto("ncm_vowel_set_free", None, P_VSET)
proto("ncm_vowel_encoding_fit", c_int, P_VSET, c_double, c_double, c_double, P_VENC, ERR)
proto("ncm_vowel_encode", c_int, P_VENC, P_VSET, c_double, c_double, p_f64, ERR)
proto("ncm_vowel_pattern_count", c_int64, c_int, c_int)
proto("ncm_vowel_states", None, p_u8, p_f64, c_int, c_int, p_i8)
proto("ncm_vowel_targets_check", c_int, p_i8, c_int, c_int, c_int, ERR)
proto("ncm_vowel_classify", c_int, p_i8, p_i8, c_int, c_int, POINTER(c_int))
proto("ncm_vowel_config_default", None, P_VCFG)
proto("ncm_vowel_config_check", c_int, P_VCFG, ERR)
proto("ncm_vowel_train", P_VTRAIN, P_VCFG, P_VSET, P_VSET, c_int, P_PROGRESS, ERR)
proto("ncm_vowel_train_free", None, P_VTRAIN)
proto("ncm_vowel_learn_step", c_int, P_VCFG, P_STNO, c_int, p_f64, p_i8, p_i8, c_double, p_f64,
      POINTER(c_int), ERR)
proto("ncm_vowel_eval", c_int, P_VMODEL, P_VSET, c_int, p_i32, P_VSCORE, ERR)
proto("ncm_vowel_map", c_int, P_VMODEL, p_f64, c_int, p_f64, c_int, p_f64, c_int, p_i32, ERR)
proto("ncm_vowel_model_save", c_int, P_VMODEL, c_char_p, ERR)
proto("ncm_vowel_model_load", c_int, c_char_p, P_VMODEL, ERR)
proto("ncm_vowel_baseline_name", c_char_p, c_int)
proto("ncm_vowel_baseline_default", None, P_VBP)
proto("ncm_vowel_baseline", c_int, c_int, P_VSET, P_VSET, P_VBP, POINTER(VowelBaselineResult),
      ERR)
proto("ncm_vowel_study_new", P_VSTUDY, P_VCFG, P_VSET, P_VSET, P_VBP, c_int, P_PROGRESS, ERR)
proto("ncm_vowel_study_free", None, P_VSTUDY)
proto("ncm_vowel_study_print", c_int, P_VSTUDY, c_void_p, ERR)  # FILE *
proto("ncm_vowel_study_save_json", c_int, P_VSTUDY, c_char_p, ERR)
proto("ncm_vowel_sweep_name", c_char_p, c_int)
proto("ncm_vowel_sweep_new", P_VSWEEP, P_VCFG, P_VSET, P_VSET, c_int, p_f64, c_int, c_int,
      P_PROGRESS, ERR)
proto("ncm_vowel_sweep_free", None, P_VSWEEP)
proto("ncm_vowel_sweep_print", c_int, P_VSWEEP, c_void_p, ERR)  # FILE *
proto("ncm_vowel_sweep_save_csv", c_int, P_VSWEEP, c_char_p, ERR)
