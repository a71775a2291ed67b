"""The in-memory-computing chip: a folded binarized network whose weights live in arrays of
memory cells that make errors, its Monte Carlo over many chips, and sweeps of chip populations
over fault rates, programming conditions, array sizes and storage options
(include/nanocim/chip.h, sweep.h; the same library functions ``nanocim chip`` and
``nanocim sweep`` call).

A chip is configured by a :class:`Config` in one of two modes:

* ``mode="faults"`` (fault injection): each weight bit flips with probability ``ber``
  (``ber_layer``: one rate per layer) and a fraction ``stuck`` of the bits is stuck at +1 or -1;
* ``mode="devices"`` (device physics): every RRAM device is drawn from the device model
  (``device``, an :class:`nanocim.rram.Device` or a device file) at its programming condition
  (``i_cc_ua``, ``v_reset_v``, ``t_p_ns``, ``cycles``; ``cond_layer``: one per layer) and read by
  its sense amplifier.

Both map the weights onto ``rows`` x ``cols`` arrays of ``storage`` cells ("2t2r", "1t1r",
"1t1r-secded", ...) and may add dynamic read errors (``read_ber``). A chip depends only on
(model, configuration, seed, index), never on the thread count.

    cfg = nanocim.chip.Config(ber=1e-3)
    with nanocim.chip.Chip(model, cfg, seed=1, index=0) as c:
        pred = c.predict(test)
    mc = nanocim.chip.monte_carlo(model, test, cfg, chips=20)
    table = nanocim.chip.sweep(model, test, cfg, axes=[("ber", [1e-4, 1e-3, 1e-2])])

Long calls (:func:`monte_carlo`, :func:`sweep`) release the GIL and take ``progress=`` and
``threads=`` as the rest of the package; errors raise the package's exceptions with the
library's message, which names the C field ("faults.ber = 2: expected a probability in [0, 1]",
"rows = 64: larger than every layer's fan-in (largest 49)").
"""

import ctypes
import math

import numpy as np

from . import _lib
from . import rram
from ._arrays import pointer, view
from ._checks import as_float, as_int, as_path
from ._dataset import Dataset, as_dataset
from ._errors import ArgumentError, StateError, call, from_struct
from ._lib import lib
from ._model import Model, parse_kernel
from ._progress import Bridge

__all__ = ["Config", "Chip", "MonteCarloResult", "SweepTable", "map_model", "monte_carlo",
           "sweep", "AXES"]

_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1
_U64_MAX = (1 << 64) - 1

_MODES = {"faults": _lib.NCM_CHIP_FAULTS, "devices": _lib.NCM_CHIP_DEVICES}
_DEAD_ZONES = {"static": 0, "dynamic": 1}
_COND_FIELDS = ("i_cc_ua", "v_reset_v", "t_p_ns", "cycles")

# The sweep's axes (sweep.h): the library's name, and the Config keyword(s) it sets.
AXES = {"ber": ("ber",), "icc": ("i_cc_ua",), "vreset": ("v_reset_v",), "tp": ("t_p_ns",),
        "cycles": ("cycles",), "array": ("rows", "cols"), "storage": ("storage",),
        "read-ber": ("read_ber",)}
# Other spellings accepted for an axis: the Config keyword.
_AXIS_ALIASES = {"i_cc_ua": "icc", "v_reset_v": "vreset", "t_p_ns": "tp", "read_ber": "read-ber",
                 "array_size": "array"}


# ---- helpers ------------------------------------------------------------------------------------

_view = view  # read-only numpy views of library memory


def _conds_view(ptr, n, owner):
    """n ncm_rram_cond at ptr as a read-only structured array (fields i_cc_ua, v_reset_v,
    t_p_ns, cycles; no copy)."""
    addr = ctypes.cast(ptr, ctypes.c_void_p).value
    if n == 0 or not addr:
        return np.zeros(0, np.dtype(_lib.RramCond))
    buf = (_lib.RramCond * n).from_address(addr)
    buf._nanocim_owner = owner
    a = np.frombuffer(buf, dtype=np.dtype(_lib.RramCond))
    a.flags.writeable = False
    return a


def _struct_dict(s):
    return {f: getattr(s, f) for f, _ in s._fields_}


def _map_dict(mp):
    """An ncm_chip_map as a dict: the shared counts, "layers" (one dict per layer) and
    "total"."""
    out = {f: getattr(mp, f) for f in ("n_layers", "rows", "cols", "words_per_row",
                                        "check_per_row", "code_n", "code_k")}
    out["layers"] = [_struct_dict(mp.layer[l]) for l in range(mp.n_layers)]
    out["total"] = _struct_dict(mp.total)
    return out


def _as_model(model, what="model"):
    if not isinstance(model, Model):
        raise ArgumentError(f"{what} {type(model).__name__}: expected a nanocim.Model")
    return model


def _as_config(config):
    if config is None:
        return Config()
    if not isinstance(config, Config):
        raise ArgumentError(f"config {type(config).__name__}: expected a nanocim.chip.Config "
                            "or None (the default configuration)")
    return config


def _as_labelled(data):
    if not isinstance(data, Dataset):
        raise ArgumentError(f"data {type(data).__name__}: expected a nanocim.Dataset (the chips "
                            "are scored against its labels)")
    return data


def _tech(tech):
    """The nanocim.cost.Tech of a tech= argument (a Tech or a technology file path), or None
    for the library's default."""
    if tech is None:
        return None
    from .cost import as_tech  # nanocim.cost imports this module
    return as_tech(tech)


def _choice(name, value, choices):
    if isinstance(value, str) and value.lower() in choices:
        return value.lower()
    raise ArgumentError(f"{name} {value!r}: expected " + " or ".join(f'"{c}"' for c in choices))


def _floats_1d(name, value):
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} {value!r}: expected a sequence of numbers") from None
    if a.ndim != 1:
        raise ArgumentError(f"{name} shape {a.shape}: expected a sequence of numbers")
    return np.ascontiguousarray(a)


# ---- configuration ----------------------------------------------------------------------------

class Config:
    """Everything that defines a chip but its seed and index (``ncm_chip_config``, filled from
    ``ncm_chip_config_default``). Read-only once made; :meth:`replace` gives a changed copy.

    mode: "faults" (fault injection, default) or "devices" (device physics).
    rows, cols: cells per array (default 32 x 32); layer l's fan_in x cout weights are cut into
        arrays of that size (see :func:`map_model`).
    storage: "2t2r" (default), "1t1r", "1t1r-secded" ((72,64) words along the rows),
        "1t1r-secded:K", or an :class:`nanocim.rram.Storage`.
    Fault mode: ber (probability that a weight bit flips, [0, 1]), ber_layer (one probability
        per layer, replacing ber; None: ber everywhere), stuck (fraction of bits stuck at +1 or
        -1, 1/2 each) -- the library's fields faults.ber, faults.ber_layer, faults.stuck_frac.
    Device mode: device (an :class:`nanocim.rram.Device`, a device file, or None for the
        built-in HfO2 technology); i_cc_ua (uA), v_reset_v (V), t_p_ns (ns), cycles (age in
        SET/RESET cycles): the programming condition of every layer (None: the device's
        reference condition, age 0) -- fields cond.*; cond_layer: one condition per layer
        instead (each a dict of some of i_cc_ua, v_reset_v, t_p_ns, cycles, the others from the
        condition above, or a 4-tuple); dead_zone: "static" (a metastable sense-amplifier
        decision is drawn once, at programming; default) or "dynamic" (redrawn on every read).
    read_ber: both modes, dynamic read errors: each XNOR read wrong with this probability,
        independently on every read (default 0).

    A fault-mode argument in device mode (or the reverse) is refused rather than ignored. The
    values are checked by the library at once (ArgumentError naming the C field:
    "faults.ber = 2: expected a probability in [0, 1]", "cond.i_cc_ua = -5: ..."); the checks
    against a model (rows beyond every fan-in, per-layer lists of the wrong length) come when
    the configuration is used with one, or with :meth:`check`."""

    _KEYS = ("mode", "rows", "cols", "storage", "ber", "ber_layer", "stuck", "device", "i_cc_ua",
             "v_reset_v", "t_p_ns", "cycles", "cond_layer", "dead_zone", "read_ber")

    def __init__(self, mode="faults", rows=32, cols=32, storage="2t2r", ber=0.0, ber_layer=None,
                 stuck=0.0, device=None, i_cc_ua=None, v_reset_v=None, t_p_ns=None, cycles=None,
                 cond_layer=None, dead_zone="static", read_ber=0.0):
        mode = _choice("mode", mode, _MODES)
        dead_zone = _choice("dead_zone", dead_zone, _DEAD_ZONES)
        s = _lib.ChipConfig()
        lib.ncm_chip_config_default(ctypes.byref(s))
        keep = []
        s.mode = _MODES[mode]
        s.rows = as_int("rows", rows)
        s.cols = as_int("cols", cols)
        st = storage if isinstance(storage, rram.Storage) else rram.Storage(storage)
        s.storage = st._s
        # fault injection
        s.faults.ber = as_float("ber", ber)
        s.faults.stuck_frac = as_float("stuck", stuck)
        bl = None
        if ber_layer is not None:
            a = _floats_1d("ber_layer", ber_layer)
            if not a.size:
                raise ArgumentError("ber_layer []: expected one probability per layer")
            keep.append(a)
            s.faults.ber_layer = a.ctypes.data_as(_lib.p_f64)
            s.faults.n_ber_layer = as_int("len(ber_layer)", a.size)
            bl = tuple(float(x) for x in a)
        # device physics
        dev = rram.as_device(device)
        s.device = dev._s
        cond = lib.ncm_rram_cond_ref(ctypes.byref(dev._s))
        given = {"i_cc_ua": i_cc_ua, "v_reset_v": v_reset_v, "t_p_ns": t_p_ns, "cycles": cycles}
        for f, v in given.items():
            if v is not None:
                given[f] = as_float(f, v)
                setattr(cond, f, given[f])
        s.cond = cond
        cl = None
        if cond_layer is not None:
            cl = self._cond_layer(cond_layer, cond)
            arr = (_lib.RramCond * len(cl))(*[_lib.RramCond(*(c[f] for f in _COND_FIELDS))
                                               for c in cl])
            keep.append(arr)
            s.cond_layer = arr
            s.n_cond_layer = len(cl)
        s.dead_zone_dynamic = _DEAD_ZONES[dead_zone]
        s.read_ber = as_float("read_ber", read_ber)
        # Arguments of the other mode would be silently unused: refuse them.
        if mode == "faults":
            unused = [f for f, v in given.items() if v is not None]
            unused += [f for f, v in (("device", device), ("cond_layer", cond_layer))
                       if v is not None]
            if dead_zone != "static":
                unused.append("dead_zone")
            if unused:
                raise ArgumentError(f"{unused[0]}: a device-physics setting, but mode is "
                                    "\"faults\" (use mode=\"devices\")")
        else:
            unused = [f for f, v in (("ber", s.faults.ber != 0),
                                     ("stuck", s.faults.stuck_frac != 0),
                                     ("ber_layer", ber_layer is not None)) if v]
            if unused:
                raise ArgumentError(f"{unused[0]}: a fault-injection rate, but mode is "
                                    "\"devices\" (use mode=\"faults\")")
        call(lib.ncm_chip_config_check, ctypes.byref(s), None)
        self._s = s
        self._keep = keep  # the per-layer arrays the struct points into
        self._args = {"mode": mode, "rows": s.rows, "cols": s.cols, "storage": st,
                      "ber": s.faults.ber, "ber_layer": bl, "stuck": s.faults.stuck_frac,
                      "device": None if device is None else dev.copy(),
                      "i_cc_ua": given["i_cc_ua"],
                      "v_reset_v": given["v_reset_v"], "t_p_ns": given["t_p_ns"],
                      "cycles": given["cycles"], "cond_layer": cl, "dead_zone": dead_zone,
                      "read_ber": s.read_ber}

    @staticmethod
    def _cond_layer(value, base):
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
            raise ArgumentError(f"cond_layer {value!r}: expected a sequence of conditions, one "
                                "per layer")
        out = []
        for l, c in enumerate(value):
            d = {f: getattr(base, f) for f in _COND_FIELDS}
            if isinstance(c, dict):
                for k, v in c.items():
                    if k not in _COND_FIELDS:
                        raise ArgumentError(f"cond_layer[{l}]: unknown field {k!r} (fields: "
                                            f"{', '.join(_COND_FIELDS)})")
                    d[k] = as_float(f"cond_layer[{l}].{k}", v)
            else:
                try:
                    vals = list(c)
                except TypeError:
                    vals = None
                if vals is None or len(vals) != 4:
                    raise ArgumentError(f"cond_layer[{l}] {c!r}: expected a dict of "
                                        f"{', '.join(_COND_FIELDS)} or a 4-tuple")
                for k, v in zip(_COND_FIELDS, vals):
                    d[k] = as_float(f"cond_layer[{l}].{k}", v)
            out.append(d)
        if not out:
            raise ArgumentError("cond_layer []: expected one condition per layer")
        return tuple(out)

    # read-only attributes, one per keyword
    def __getattr__(self, name):
        args = self.__dict__.get("_args")
        if args is not None and name in args:
            return args[name]
        raise AttributeError(f"'Config' object has no attribute {name!r}")

    def __setattr__(self, name, value):
        if name in Config._KEYS:
            raise AttributeError(f"Config.{name} is read-only: use config.replace({name}=...)")
        object.__setattr__(self, name, value)

    @property
    def condition(self):
        """The programming condition every layer gets without cond_layer (device mode), with
        the device's reference values filled in: a dict of i_cc_ua, v_reset_v, t_p_ns,
        cycles."""
        return {f: getattr(self._s.cond, f) for f in _COND_FIELDS}

    def to_dict(self):
        """The keyword arguments that make this configuration again (storage as an
        :class:`nanocim.rram.Storage`, device as an :class:`nanocim.rram.Device` or None,
        per-layer lists as tuples)."""
        return dict(self._args)

    def replace(self, **changes):
        """A new configuration with some arguments changed (``cfg.replace(ber=1e-2)``)."""
        for k in changes:
            if k not in self._KEYS:
                raise ArgumentError(f"Config: unknown argument {k!r} (arguments: "
                                    f"{', '.join(self._KEYS)})")
        return Config(**{**self._args, **changes})

    def check(self, model=None):
        """Checks the configuration against a model (``ncm_chip_config_check``): rows and cols
        within the largest fan-in and width, ber_layer and cond_layer of one entry per layer;
        raises ArgumentError naming the field. Returns self."""
        m = None if model is None else _as_model(model)._p
        call(lib.ncm_chip_config_check, ctypes.byref(self._s), m)
        return self

    def __eq__(self, other):
        if not isinstance(other, Config):
            return NotImplemented
        # The struct's per-layer pointers differ between equal configurations: compare the
        # arguments, and the devices as the library sees them (None is the built-in one).
        a = {k: v for k, v in self._args.items() if k != "device"}
        b = {k: v for k, v in other._args.items() if k != "device"}
        return a == b and bytes(self._s.device) == bytes(other._s.device)

    __hash__ = None

    def __reduce__(self):
        return (_rebuild_config, (self.to_dict(),))

    def __repr__(self):
        d = self.to_dict()
        st = d["storage"]
        d["storage"] = st.id if st.best_ref or st.cell == "2t2r" else st
        keep = {k: v for k, v in d.items() if v is not None}
        defaults = {"rows": 32, "cols": 32, "storage": "2t2r", "ber": 0.0, "stuck": 0.0,
                    "dead_zone": "static", "read_ber": 0.0}
        items = ", ".join(f"{k}={v!r}" for k, v in keep.items()
                          if k == "mode" or defaults.get(k, object()) != v)
        return f"nanocim.chip.Config({items})"


def _rebuild_config(d):
    return Config(**d)


# ---- mapping ----------------------------------------------------------------------------------

def map_model(model, config=None):
    """Where a model's weights sit on the chip's arrays and what one inference reads
    (``ncm_chip_map_model``; only rows, cols and storage of the configuration matter).

    Returns a dict: n_layers, rows, cols, words_per_row (SECDED code words per array row, 0
    without ECC), check_per_row (check cells per row), code_n, code_k (the full words' code);
    "layers": one dict per layer of weights (fan_in * cout), row_tiles (arrays along the
    fan-in), col_tiles (along the neurons), arrays, data_cells, check_cells, devices (2 per
    2T2R cell), sense_amps, decoders, decoder_gates, row_reads and partial_sums (per
    inference), utilisation (weights / data cells); "total": their sums (tiles 0)."""
    m = _as_model(model)
    cfg = _as_config(config)
    mp = _lib.ChipMap()
    call(lib.ncm_chip_map_model, m._p, ctypes.byref(cfg._s), ctypes.byref(mp))
    return _map_dict(mp)


# ---- one chip ---------------------------------------------------------------------------------

class Chip:
    """One programmed chip (``ncm_chip``): chip number ``index`` (>= 0) of generator ``seed``
    for ``model`` as ``config`` says (None: the default configuration, no errors). Its weight
    errors are static: every pass over the data gives the same predictions (dynamic read
    errors, with read_ber or a dynamic dead zone, come on top, drawn per image from a stream of
    (seed, index, image)). kernel: the packed engine's ("auto": the best this CPU runs).

    The chip's memory is released by :meth:`close` (or a ``with`` block), or when the object is
    collected; a Model from :attr:`weights` keeps it alive as long as that Model lives."""

    def __init__(self, model, config=None, seed=1, index=0, kernel="auto"):
        m = _as_model(model)
        cfg = _as_config(config)
        self.model = m
        self.config = cfg
        self.seed = as_int("seed", seed, 0, _U64_MAX)
        self.index = as_int("index", index, _I64_MIN, _I64_MAX)
        p = call(lib.ncm_chip_new, m._p, ctypes.byref(cfg._s), self.seed, self.index,
                 parse_kernel(kernel))
        # The chip reads its source model while it is programmed; keep it alive regardless.
        self._h = _lib.Handle(p, lib.ncm_chip_free, keep=(m._h,))
        self._weights = None
        self.n_layers = int(m._s.n_layers)

    def _handle(self, what):
        """The chip's Handle; the caller holds it for the whole C call, so that a close() from
        another thread cannot free the chip under it."""
        h = self._h
        if h is None:
            raise StateError(f"Chip.{what}: the chip is closed")
        return h

    def close(self):
        """Releases the chip (the library's memory goes now unless a Model from
        :attr:`weights` still uses it). Further calls raise StateError."""
        self._h = None
        self._weights = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    @property
    def closed(self):
        return self._h is None

    # ---- inference ---------------------------------------------------------------------

    def predict(self, data, scores=False):
        """The chip's predicted class of every image (``ncm_chip_predict``): int32 (n,).
        data: a :class:`nanocim.Dataset` or a uint8 image array (n, h, w) or (n, c, h, w).
        scores=True: returns (pred, scores), scores float32 (n, n_classes). DataError for
        images of another shape than the model's."""
        h = self._handle("predict")
        d = as_dataset(data, self.model.n_classes)
        n = len(d)
        pred = np.empty(n, np.int32)
        sc = np.empty((n, self.model.n_classes), np.float32) if scores else None
        _lib.sync_threads()
        call(lib.ncm_chip_predict, h.ptr, d._ptr, pointer(pred, ctypes.c_int32),
             None if sc is None else pointer(sc, ctypes.c_float))
        return (pred, sc) if scores else pred

    def accuracy(self, data):
        """Fraction of a labelled :class:`nanocim.Dataset` the chip classifies right (what the
        Monte Carlo reports for this chip)."""
        d = _as_labelled(data)
        pred = self.predict(d)
        return float(lib.ncm_accuracy(pointer(pred, ctypes.c_int32), d._s.labels, len(d)))

    # ---- errors and energy -------------------------------------------------------------

    def _per_layer(self, name, fn, layer):
        h = self._handle(name)
        L = self.n_layers
        if layer is None:
            return np.array([fn(h.ptr, l) for l in range(L)], np.int64)
        li = as_int("layer", layer)
        if not -L <= li < L:
            raise ArgumentError(f"layer {li}: expected 0 to {L - 1} (the model has {L} layers)")
        return int(fn(h.ptr, li % L))

    def bits(self, layer=None):
        """Weight bits of a layer (cout * fan_in, padding excluded); layer None: int64 array of
        every layer's."""
        return self._per_layer("bits", lib.ncm_chip_bits, layer)

    def flips(self, layer=None):
        """Weights of a layer the chip reads wrong (static errors); None: every layer's."""
        return self._per_layer("flips", lib.ncm_chip_flips, layer)

    def dead_zone(self, layer=None):
        """Device mode with dead_zone="dynamic": cells of a layer whose sense amplifier decides
        at random on every read; None: every layer's."""
        return self._per_layer("dead_zone", lib.ncm_chip_dead_zone, layer)

    def raw_errors(self, layer=None):
        """Device mode: raw cell read errors of a layer before the SECDED decoder (data and
        check cells; equal to :meth:`flips` without ECC); None: every layer's."""
        return self._per_layer("raw_errors", lib.ncm_chip_raw_errors, layer)

    def corrected(self, layer=None):
        """Device mode: code words of a layer the SECDED decoder corrected; None: every
        layer's."""
        return self._per_layer("corrected", lib.ncm_chip_corrected, layer)

    @property
    def program_energy_pj(self):
        """Device mode: energy spent programming the chip's devices, pJ (0 in fault mode)."""
        h = self._handle("program_energy_pj")
        return float(lib.ncm_chip_program_energy_pj(h.ptr))

    @property
    def weights(self):
        """The weights as the chip reads them, as a read-only :class:`nanocim.Model` over the
        chip's memory (``ncm_chip_model``; no copy): its predictions are the chip's without
        dynamic errors, and ``weights.layers[l].weights`` compared with the model's shows the
        misread bits. The Model keeps the chip's memory alive."""
        h = self._handle("weights")
        if self._weights is None:
            self._weights = Model._adopt(lib.ncm_chip_model(h.ptr), owner=h)
        return self._weights

    def __repr__(self):
        state = " closed" if self._h is None else ""
        return (f"<nanocim.chip.Chip {self.model.arch} {self.config.mode} seed={self.seed} "
                f"index={self.index}{state}>")


# ---- Monte Carlo over chips -------------------------------------------------------------------

class MonteCarloResult:
    """The outcome of :func:`monte_carlo` (``ncm_chip_mc_result``). Arrays are read-only views
    of the library's result (no copy), alive as long as any of them is.

    accuracy: float64 (chips,), each chip's accuracy; flips: int64 (chips, layers), weights
    read wrong; dead_zone: int64 (chips, layers), cells deciding at random on every read;
    energy_pj: float64 (chips,), programming energy (device mode; 0 in fault mode);
    ber_measured: float64 (layers,), flips / bits over all chips; bits: int64 (layers,);
    ber_layer: float64 (layers,), the flip probability of each layer (fault mode);
    cond_layer: structured (layers,) of i_cc_ua, v_reset_v, t_p_ns, cycles (device mode).
    mean, sd (n - 1 denominator), min, max of the accuracies; ci95: (lo, hi), the 95 %
    t-interval of the mean; ber_total (all layers); mapping (as :func:`map_model`);
    inference_energy_pj, inference_latency_ns: the energy and latency of one inference on this
    configuration (the cost model, :func:`nanocim.cost.chip`, with the technology given as
    ``tech``); n_chips, n_layers, first_chip, chip_indices, n_images, seed, config (the
    :class:`Config`), tech (the :class:`nanocim.cost.Tech` given, None for the default), kernel,
    threads, seconds, images_per_s (wall time of programming and inference).
    save_json(path, model_name, data_name) and save_csv(path) write the library's files."""

    def __init__(self, ptr, model, config, data_name, tech=None):
        self._h = _lib.Handle(ptr, lib.ncm_chip_mc_result_free, keep=(model._h,))
        self._p = ptr
        r = ptr.contents
        N, L = r.n_chips, r.n_layers
        self.model = model
        self.config = config
        self.data_name = data_name
        self.n_chips, self.n_layers = int(N), int(L)
        self.first_chip, self.n_images, self.seed = int(r.first_chip), int(r.n_images), int(r.seed)
        self.accuracy = _view(r.accuracy, np.float64, (N,), self._h)
        self.flips = _view(r.flips, np.int64, (N, L), self._h)
        self.dead_zone = _view(r.dead_zone, np.int64, (N, L), self._h)
        self.energy_pj = _view(r.energy_pj, np.float64, (N,), self._h)
        self.ber_measured = _view(r.ber_measured, np.float64, (L,), self._h)
        self.bits = _view(r.bits, np.int64, (L,), self._h)
        self.ber_layer = _view(r.ber_layer, np.float64, (L,), self._h)
        self.cond_layer = _conds_view(r.cond_layer, L, self._h)
        self.mean, self.sd = float(r.mean), float(r.sd)
        self.min, self.max = float(r.min), float(r.max)
        self.ci95 = (float(r.ci_lo), float(r.ci_hi))
        self.ber_total = float(r.ber_total)
        self.inference_energy_pj = float(r.inference_energy_pj)
        self.inference_latency_ns = float(r.inference_latency_ns)
        self.tech = tech
        self.mapping = _map_dict(r.map)
        self.kernel = _lib.text(r.kernel)
        self.threads = int(r.threads)
        self.seconds, self.images_per_s = float(r.seconds), float(r.images_per_s)

    @property
    def chip_indices(self):
        """The chips' indices in the generator: first_chip .. first_chip + n_chips - 1."""
        return np.arange(self.first_chip, self.first_chip + self.n_chips, dtype=np.int64)

    def save_json(self, path, model_name=None, data_name=None):
        """Writes the results document (JSON, atomically): producer, model and data names
        (model_name default ""; data_name default the dataset's name), architecture,
        configuration, seed, summary, per-layer bits and error rates, one entry per chip."""
        dn = self.data_name if data_name is None else data_name
        call(lib.ncm_chip_mc_result_save_json, self._p, self.model._p,
             ("" if model_name is None else str(model_name)).encode(),
             ("" if dn is None else str(dn)).encode(), as_path("path", path))

    def save_csv(self, path):
        """Writes the per-chip table (CSV, atomically): chip,accuracy,flips_L0,...,ber_L0,..."""
        call(lib.ncm_chip_mc_result_save_csv, self._p, as_path("path", path))

    def __len__(self):
        return self.n_chips

    def __repr__(self):
        return (f"<nanocim.chip.MonteCarloResult {self.n_chips} chips, accuracy "
                f"{self.mean:.4f} +- {self.sd:.4f}, ber {self.ber_total:.3g}>")


def monte_carlo(model, data, config=None, chips=20, seed=1, first_chip=0, threads=0,
                kernel="auto", progress=None, tech=None):
    """Draws chips first_chip .. first_chip + chips - 1 of generator ``seed`` for ``model`` as
    ``config`` says, runs each on the labelled :class:`nanocim.Dataset` ``data`` and scores it
    (``ncm_chip_mc``): returns a :class:`MonteCarloResult`. Chip i gives the accuracy
    ``Chip(model, config, seed, i).accuracy(data)`` would.

    threads: chips run concurrently, one per thread (0: the current setting; the results do
    not depend on it); kernel: the packed engine's; progress: callable progress(task, done,
    total) (task "chips") returning true to cancel (Cancelled; Ctrl-C cancels too); tech: the
    :class:`nanocim.cost.Tech` (or a technology file path) of the result's inference_energy_pj
    and inference_latency_ns (None: the default technology). Errors name the field
    ("n_chips = 0: ...", "faults.ber_layer has 2 entries: expected one per layer, 3") or the
    data ("dataset images are 1x8x8, the model expects 1x28x28")."""
    m = _as_model(model)
    cfg = _as_config(config)
    d = _as_labelled(data)
    p = _lib.ChipMcParams()
    lib.ncm_chip_mc_default(ctypes.byref(p))
    p.chip = cfg._s
    p.n_chips = as_int("chips", chips)
    p.first_chip = as_int("first_chip", first_chip, _I64_MIN, _I64_MAX)
    p.seed = as_int("seed", seed, 0, _U64_MAX)
    p.kernel = parse_kernel(kernel)
    p.threads = as_int("threads", threads)
    t = _tech(tech)  # referenced until the call returns
    p.tech = None if t is None else ctypes.addressof(t._s)
    err = _lib.Error()
    with Bridge(progress) as b:
        r = lib.ncm_chip_mc(m._p, d._ptr, ctypes.byref(p), b.pointer, ctypes.byref(err))
    result = MonteCarloResult(r, m, cfg, d.name, t) if r else None
    b.reraise()
    if result is None:
        raise from_struct(err)
    return result


# ---- sweeps -----------------------------------------------------------------------------------

def _axis_kind(a, name):
    if not isinstance(name, str):
        raise ArgumentError(f"axes[{a}] name {name!r}: expected one of {', '.join(AXES)}")
    key = _AXIS_ALIASES.get(name.lower(), name.lower())
    k = lib.ncm_sweep_axis_parse(key.encode())
    if k < 0:
        raise ArgumentError(f"axes[{a}] name {name!r}: expected one of {', '.join(AXES)}")
    return k, _lib.text(lib.ncm_sweep_axis_name(k))


def _axes(axes, keep):
    """[(kind, name, values)] of the axes argument, values a float64 array or a list of
    Storage, with the C arrays kept in keep."""
    if axes is None:
        return []
    items = list(axes.items()) if isinstance(axes, dict) else list(axes)
    if len(items) > _lib.NCM_SWEEP_MAX_AXES:
        raise ArgumentError(f"axes: {len(items)} axes, expected at most "
                            f"{_lib.NCM_SWEEP_MAX_AXES}")
    out = []
    for a, item in enumerate(items):
        try:
            name, values = item
        except (TypeError, ValueError):
            raise ArgumentError(f"axes[{a}] {item!r}: expected a pair (name, values)") from None
        kind, cname = _axis_kind(a, name)
        if isinstance(values, (str, rram.Storage)) or np.isscalar(values):
            values = [values]
        if kind == _lib.NCM_AXIS_STORAGE:
            st = [v if isinstance(v, rram.Storage) else rram.Storage(v) for v in values]
            arr = (_lib.Storage * max(len(st), 1))(*[s._s for s in st])
            keep.append(arr)
            out.append((kind, cname, st, arr))
        else:
            v = _floats_1d(f"axes[{a}] ({cname}) values", values)
            keep.append(v)
            out.append((kind, cname, v, v.ctypes.data_as(_lib.p_f64)))
    return out


def sweep(models, data, base_config=None, axes=(), chips=20, seed=1, threads=0, kernel="auto",
          model_names=None, data_name=None, progress=None, tech=None):
    """The accuracy of one or more models over a grid of chip configurations
    (``ncm_sweep_run``, one process): returns a :class:`SweepTable`.

    models: a :class:`nanocim.Model` or a sequence of them (at most 64), the outermost axis;
    data: the labelled :class:`nanocim.Dataset`; base_config: the :class:`Config` of every point
    before its axis values (None: the default).
    axes: up to 4 pairs (name, values), or a dict of them, the last varying fastest:
    "ber" (fault mode), "icc", "vreset", "tp", "cycles" (device mode; also spelt i_cc_ua,
    v_reset_v, t_p_ns), "array" (square arrays: rows = cols = value), "storage" (names or
    :class:`nanocim.rram.Storage`), "read-ber" (or read_ber).
    chips: chips per point; point p runs chips p * chips .. p * chips + chips - 1 of generator
    ``seed``, so a point equals ``monte_carlo(model, data, table.config(p), chips, seed,
    first_chip=p * chips)`` and the table depends on nothing else (not on threads).
    model_names: names for the tables (default "model0", ...); data_name: named in the JSON
    (default the dataset's name); progress: callable (task "sweep", in (point, chip) tasks)
    returning true to cancel (Cancelled); tech: the :class:`nanocim.cost.Tech` (or a technology
    file path) of the points' inference_energy_pj and inference_latency_ns (None: the
    default). Errors name the field and the point
    ("point 1 (model 0 a): faults.ber = nan: ...", "axes[0] (icc): a programming axis needs
    the device-physics mode")."""
    ms = [models] if isinstance(models, Model) else list(models) \
        if hasattr(models, "__iter__") else [models]
    for k, m in enumerate(ms):
        _as_model(m, f"models[{k}]")
    base = _as_config(base_config)
    d = _as_labelled(data)
    keep = []
    p = _lib.SweepParams()
    lib.ncm_sweep_default(ctypes.byref(p))
    n = len(ms)
    marr = (_lib.P_MODEL * max(n, 1))(*[m._p for m in ms])
    keep.append(marr)
    p.models, p.n_models = marr, n
    names = None
    if model_names is not None:
        names = [model_names] if isinstance(model_names, str) else [str(x) for x in model_names]
        if len(names) != n:
            raise ArgumentError(f"model_names has {len(names)} entries: expected one per model, "
                                f"{n}")
        enc = [x.encode() for x in names]
        narr = (ctypes.c_char_p * max(n, 1))(*enc)
        keep.extend([enc, narr])
        p.model_names = narr
    p.base = base._s
    ax = _axes(axes, keep)
    for a, (kind, _, values, ptr) in enumerate(ax):
        A = p.axes[a]
        A.kind, A.n = kind, len(values)
        if kind == _lib.NCM_AXIS_STORAGE:
            A.storages = ptr
        else:
            A.values = ptr
    p.n_axes = len(ax)
    p.n_chips = as_int("chips", chips)
    p.seed = as_int("seed", seed, 0, _U64_MAX)
    p.kernel = parse_kernel(kernel)
    p.threads = as_int("threads", threads)
    tk = _tech(tech)  # referenced until the call returns
    p.tech = None if tk is None else ctypes.addressof(tk._s)
    err = _lib.Error()
    with Bridge(progress) as b:
        t = lib.ncm_sweep_run(ctypes.byref(p), d._ptr, None, b.pointer, ctypes.byref(err))
    table = SweepTable(t, ms, base, d.name if data_name is None else str(data_name)) \
        if t else None
    b.reraise()
    if table is None:
        raise from_struct(err)
    return table


_POINT_COLUMNS = (  # after model, model_name and the axes: the CSV's columns
    ("mode", "U7"), ("rows", np.int32), ("cols", np.int32), ("storage", "U32"),
    ("i_cc_ua", np.float64), ("v_reset_v", np.float64), ("t_p_ns", np.float64),
    ("cycles", np.float64), ("ber", np.float64), ("read_ber", np.float64), ("chips", np.int32),
    ("mean", np.float64), ("sd", np.float64), ("min", np.float64), ("max", np.float64),
    ("ci95_lo", np.float64), ("ci95_hi", np.float64), ("ber_measured", np.float64),
    ("energy_pj", np.float64), ("energy_bit_pj", np.float64), ("arrays", np.int64),
    ("devices", np.int64), ("sense_amps", np.int64), ("decoders", np.int64),
    ("decoder_gates", np.int64), ("inference_energy_pj", np.float64),
    ("inference_latency_ns", np.float64))


def _storage_id(s):
    buf = ctypes.create_string_buffer(96)
    lib.ncm_storage_id(ctypes.byref(s), buf, len(buf))
    return buf.value.decode()


class SweepTable:
    """The result of :func:`sweep` (``ncm_sweep_table``): n_points points, the models outermost
    and the last axis fastest, each run on n_chips chips.

    points: a numpy structured array, one record per point (a copy), with the CSV's columns:
    model (index), model_name, one field per axis under its name ("ber", "icc", "vreset",
    "tp", "cycles", "array", "storage", "read-ber"; an axis the CSV repeats among the
    configuration's columns, "ber" or "storage", appears once), then mode, rows, cols,
    storage, i_cc_ua, v_reset_v, t_p_ns, cycles, ber, read_ber (NaN where the mode does not use
    them, as in the CSV), chips, mean, sd, min, max, ci95_lo, ci95_hi (of the chips' accuracy;
    the CSV's accuracy_mean, ...), ber_measured, energy_pj, energy_bit_pj (programming energy
    of a chip and per weight bit; NaN in fault mode), arrays, devices, sense_amps, decoders,
    decoder_gates (the mapping's totals), inference_energy_pj, inference_latency_ns (one
    inference on the point's configuration, the cost model with the sweep's technology; both
    modes). :meth:`rows` gives the same as dicts.
    accuracy: float64 (points, chips); flips: int64 (points, chips, n_layers_max) (layers past
    a model's own are 0); energy_pj: float64 (points, chips): read-only views of the library's
    table. axis_index: int (points, axes).
    Also: axes (list of (name, values)), model_names, models, base_config, n_points, n_chips,
    n_models, n_layers_max, n_images, seed, threads, seconds; config(i) and mapping(i) of a
    point, point(i) (a dict of all of it), save_csv(path), save_json(path, data_name)."""

    def __init__(self, ptr, models, base, data_name):
        self._h = _lib.Handle(ptr, lib.ncm_sweep_table_free)
        self._p = ptr
        t = ptr.contents
        self.models = list(models)
        self.base_config = base
        self.data_name = data_name
        self.n_models, self.n_axes = int(t.n_models), int(t.n_axes)
        self.n_layers_max, self.n_points = int(t.n_layers_max), int(t.n_points)
        self.n_chips, self.n_images, self.seed = int(t.n_chips), int(t.n_images), int(t.seed)
        self.threads, self.seconds = int(t.threads), float(t.seconds)
        self.model_names = [_lib.text(t.model_names[k]) for k in range(t.n_models)]
        P, N, L = self.n_points, self.n_chips, self.n_layers_max
        self.accuracy = _view(t.accuracy, np.float64, (P, N), self._h)
        self.flips = _view(t.flips, np.int64, (P, N, L), self._h)
        self.energy_pj = _view(t.energy_pj, np.float64, (P, N), self._h)
        self.axes = []
        self._kinds = []
        for a in range(self.n_axes):
            A = t.axes[a]
            name = _lib.text(lib.ncm_sweep_axis_name(A.kind))
            if A.kind == _lib.NCM_AXIS_STORAGE:
                vals = [rram.Storage._from_struct(A.storages[i]) for i in range(A.n)]
            else:
                vals = _view(A.values, np.float64, (A.n,), self._h)
            self.axes.append((name, vals))
            self._kinds.append(A.kind)
        pts = t.points
        self.axis_index = np.array([[pts[i].axis_index[a] for a in range(self.n_axes)]
                                    for i in range(P)], dtype=np.int32).reshape(P, self.n_axes)
        self.points = self._records(t)

    def _records(self, t):
        width = max([len(s) for s in self.model_names] + [1])
        fields = [("model", np.int32), ("model_name", f"U{width}")]
        for name, vals in self.axes:
            fields.append((name, "U32" if name == "storage" else np.float64))
        names = {f for f, _ in fields}
        fields += [(f, dt) for f, dt in _POINT_COLUMNS if f not in names]
        out = np.zeros(self.n_points, dtype=fields)
        nan = math.nan
        for i in range(self.n_points):
            P = t.points[i]
            c = P.config
            dev = c.mode == _lib.NCM_CHIP_DEVICES
            T = P.map.total
            row = {"model": P.model, "model_name": self.model_names[P.model],
                   "mode": "devices" if dev else "faults", "rows": c.rows, "cols": c.cols,
                   "storage": _storage_id(c.storage), "ber": nan if dev else c.faults.ber,
                   "read_ber": c.read_ber, "chips": self.n_chips, "mean": P.mean, "sd": P.sd,
                   "min": P.min, "max": P.max, "ci95_lo": P.ci_lo, "ci95_hi": P.ci_hi,
                   "ber_measured": P.ber_measured,
                   "energy_pj": P.energy_pj if dev else nan,
                   "energy_bit_pj": P.energy_bit_pj if dev else nan, "arrays": T.arrays,
                   "devices": T.devices, "sense_amps": T.sense_amps, "decoders": T.decoders,
                   "decoder_gates": T.decoder_gates,
                   "inference_energy_pj": P.inference_energy_pj,
                   "inference_latency_ns": P.inference_latency_ns}
            for f in _COND_FIELDS:
                row[f] = getattr(c.cond, f) if dev else nan
            for a, (name, vals) in enumerate(self.axes):
                k = P.axis_index[a]
                row[name] = vals[k].id if name == "storage" else vals[k]
            out[i] = tuple(row[f] for f, _ in fields)
        out.flags.writeable = False
        return out

    def __len__(self):
        return self.n_points

    def _index(self, i):
        ii = as_int("point", i, _I64_MIN, _I64_MAX)
        if not -self.n_points <= ii < self.n_points:
            raise ArgumentError(f"point {ii}: expected 0 to {self.n_points - 1} (the table has "
                                f"{self.n_points} points)")
        return ii % self.n_points

    def value(self, i, axis):
        """The value of an axis (its index or name) at point i: a float, or the Storage of a
        storage axis."""
        i = self._index(i)
        if isinstance(axis, str):
            names = [n for n, _ in self.axes]
            key = _AXIS_ALIASES.get(axis.lower(), axis.lower())
            if key not in names:
                raise ArgumentError(f"axis {axis!r}: the table's axes are {', '.join(names)}")
            axis = names.index(key)
        a = as_int("axis", axis)
        if not 0 <= a < self.n_axes:
            raise ArgumentError(f"axis {a}: expected 0 to {self.n_axes - 1}")
        return self.axes[a][1][int(self.axis_index[i, a])] if self._kinds[a] == \
            _lib.NCM_AXIS_STORAGE else float(lib.ncm_sweep_point_value(self._p, i, a))

    def model_of(self, i):
        """The :class:`nanocim.Model` of point i."""
        return self.models[int(self.points["model"][self._index(i)])]

    def config(self, i):
        """The :class:`Config` point i ran: the base configuration with the point's axis values
        (its per-layer lists included)."""
        i = self._index(i)
        changes = {}
        for a, (name, _) in enumerate(self.axes):
            v = self.value(i, a)
            if name == "array":
                changes["rows"] = changes["cols"] = int(v)
            else:
                changes[AXES[name][0]] = v
        return self.base_config.replace(**changes)

    def mapping(self, i):
        """The mapping of point i's model on its arrays (a dict as :func:`map_model`)."""
        return _map_dict(self._p.contents.points[self._index(i)].map)

    def point(self, i):
        """Everything about point i as a dict: the record's fields (as :attr:`points`),
        "values" (axis name -> value), "config" (:meth:`config`), "mapping" (:meth:`mapping`),
        "accuracy" (float64 (chips,)), "flips" (int64 (chips, layers of its model)),
        "energy_pj" (float64 (chips,)), "first_chip" (the index of its first chip)."""
        i = self._index(i)
        rec = self.points[i]
        out = {f: rec[f].item() for f in self.points.dtype.names}
        out["values"] = {name: self.value(i, a) for a, (name, _) in enumerate(self.axes)}
        out["config"] = self.config(i)
        mp = self.mapping(i)
        out["mapping"] = mp
        out["accuracy"] = self.accuracy[i]
        out["flips"] = self.flips[i, :, :mp["n_layers"]]
        out["energy_pj"] = self.energy_pj[i]
        out["first_chip"] = i * self.n_chips
        return out

    def rows(self):
        """The points as a list of dicts (keys as the fields of :attr:`points`, Python
        values)."""
        names = self.points.dtype.names
        return [{f: r[f].item() for f in names} for r in self.points]

    def save_csv(self, path):
        """Writes the per-point table (CSV, atomically): model, one column per axis, mode,
        rows, cols, storage, i_cc_ua, v_reset_v, t_p_ns, cycles, ber, read_ber, chips,
        accuracy_mean, accuracy_sd, accuracy_min, accuracy_max, ci95_lo, ci95_hi, ber_measured,
        energy_bit_pj, arrays, devices, sense_amps, decoders, decoder_gates,
        inference_energy_pj, inference_latency_ns. No timing: two runs with the same parameters
        write the same bytes."""
        call(lib.ncm_sweep_table_save_csv, self._p, as_path("path", path))

    def save_json(self, path, data_name=None):
        """Writes the whole document (JSON, atomically): producer, data name (default the
        dataset's name), models, axes, seed, chips, and per point its configuration, summary,
        mapping and every chip's accuracy and errors."""
        dn = self.data_name if data_name is None else data_name
        call(lib.ncm_sweep_table_save_json, self._p, ("" if dn is None else str(dn)).encode(),
             as_path("path", path))

    def __repr__(self):
        axes = " x ".join(f"{n}[{len(v)}]" for n, v in self.axes) or "no axes"
        return (f"<nanocim.chip.SweepTable {self.n_points} points ({self.n_models} model(s) x "
                f"{axes}), {self.n_chips} chips each>")
