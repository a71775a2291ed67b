"""HfO2 RRAM devices, 1T1R and 2T2R cells, SECDED codes and storage options: their bit error
rates (analytic and Monte Carlo), energy and cost, the sweeps over programming conditions, and the
calibration of the device model to measured resistances (include/nanocim/rram.h, ecc.h,
storage.h, rram_fit.h; the model and its defaults: docs/hfo2.md).

A programming condition is given by keyword arguments with their units in their names:
``i_cc_ua`` (SET compliance current, uA), ``v_reset_v`` (RESET voltage, V), ``t_p_ns`` (pulse
width, ns) and ``cycles`` (the devices' age in SET/RESET cycles); one left out is the device's
reference value (age 0). A ``device`` is a :class:`Device`, the path of a device file (JSON, as
data/hfo2.json), or None for the built-in 130 nm HfO2 technology.

    nanocim.rram.ber("2t2r", i_cc_ua=20)                       # analytic BER
    nanocim.rram.ber_mc("1t1r", i_cc_ua=20, reads=100_000)     # Monte Carlo, with its interval
    nanocim.rram.ber_sweep(i_cc_ua=[10, 20, 50], reads=0).columns["ber"]

Long calls (:func:`ber_mc`, :meth:`Secded.mc`, :func:`ber_sweep`, :func:`sample_measurements`)
take ``progress=`` and ``threads=`` as in the core package: the GIL is released, a progress
callable returning a true value (or Ctrl-C) cancels with :class:`nanocim.Cancelled`, and results
never depend on the thread count. Errors raise the package's exceptions with the library's
message (which names device-file fields as "group.field", see :attr:`Device.FILE_FIELDS`).
"""

import ctypes
import math
import os

import numpy as np

from . import _lib
from ._arrays import view
from ._checks import as_float, as_int, as_path
from ._errors import ArgumentError, call, check, from_struct
from ._lib import lib
from ._progress import Bridge

__all__ = ["Device", "Cell", "Storage", "Secded", "BerTable", "FitResult", "stats", "ber",
           "best_ref", "ber_vs_cycles", "ber_mc", "energy", "evaluate", "ber_sweep",
           "sample_measurements", "fit", "CLEAN", "CORRECTED", "DETECTED"]

# Outcomes of Secded.decode (ecc.h)
CLEAN, CORRECTED, DETECTED = (_lib.NCM_SECDED_CLEAN, _lib.NCM_SECDED_CORRECTED,
                              _lib.NCM_SECDED_DETECTED)

_I64_MAX = (1 << 63) - 1
_U64_MAX = (1 << 64) - 1


def _as_count(name, value, lo=0, hi=_I64_MAX):
    """A count given as an integer or an integral float (reads=1e6)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    return as_int(name, value, lo, hi)


def _struct_copy(s):
    return type(s).from_buffer_copy(s)


# ---- parameter sets ------------------------------------------------------------------------------

class _ParamSet:
    """Base of the package's parameter sets (a C struct of plain values held by a Python object):
    one attribute per C field, type-checked on assignment (ranges are the library's to check, in
    :meth:`check` and in every call that uses the set). Subclasses set _struct_, _c_default_,
    _c_check_, _c_load_, _c_save_ and list their fields in _spec_ = ((attr, kind, doc), ...),
    kind one of "f" (float), "i" (int), "u64", "str" (a char array) or "family"."""

    __slots__ = ("_s",)
    _struct_ = None
    _spec_ = ()
    _c_default_ = _c_check_ = _c_load_ = _c_save_ = None
    _module_ = "nanocim"

    def __init__(self, **fields):
        s = self._struct_()
        if self._c_default_:
            getattr(lib, self._c_default_)(ctypes.byref(s))
        self._s = s
        for k, v in fields.items():
            if k not in self.FIELDS:
                raise ArgumentError(f"{type(self).__name__}: unknown field {k!r} (fields: "
                                    f"{', '.join(self.FIELDS)})")
            setattr(self, k, v)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls._struct_ is None:
            return
        cls.FIELDS = tuple(f for f, _, _ in cls._spec_)
        for attr, kind, doc in cls._spec_:
            setattr(cls, attr, property(*_accessors(attr, kind, cls._struct_), doc=doc))

    @classmethod
    def _from_struct(cls, s):
        o = object.__new__(cls)
        o._s = _struct_copy(s)
        return o

    @classmethod
    def default(cls):
        """The library's default set."""
        return cls()

    @classmethod
    def load(cls, path):
        """Reads a device file (JSON): every field required, unknown fields and wrong types
        refused, values checked. FileError (a missing file), FormatError (syntax, a missing or
        unknown field, a wrong type), VersionError, ArgumentError (a value out of range); the
        message names the file and the field ("group.field")."""
        if cls._c_load_ is None:
            raise TypeError(f"{cls.__name__} has no file format")
        o = object.__new__(cls)
        o._s = cls._struct_()
        call(getattr(lib, cls._c_load_), as_path("path", path), ctypes.byref(o._s))
        return o

    def save(self, path):
        """Writes the device file (JSON) atomically (a temporary file renamed over path);
        numbers round-trip exactly. The values are checked first (ArgumentError)."""
        if self._c_save_ is None:
            raise TypeError(f"{type(self).__name__} has no file format")
        call(getattr(lib, self._c_save_), as_path("path", path), ctypes.byref(self._s))

    def check(self, where=None):
        """Checks every field (finite, positive where physical, fractions in range); raises
        ArgumentError naming the field as "group.field" after ``where`` (default: the kind of
        parameters)."""
        if self._c_check_ is None:
            raise TypeError(f"{type(self).__name__} has no check")
        call(getattr(lib, self._c_check_), ctypes.byref(self._s),
             None if where is None else str(where).encode())
        return self

    def copy(self):
        """An independent copy."""
        return type(self)._from_struct(self._s)

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    def replace(self, **fields):
        """A copy with some fields changed (``dev.replace(temperature_k=0)``)."""
        o = self.copy()
        for k, v in fields.items():
            if k not in self.FIELDS:
                raise ArgumentError(f"{type(self).__name__}: unknown field {k!r}")
            setattr(o, k, v)
        return o

    def to_dict(self):
        """{field: value} in the C struct's order."""
        return {f: getattr(self, f) for f in self.FIELDS}

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        a, b = self.to_dict(), other.to_dict()
        # NaN != NaN would make a set unequal to itself: NaN fields compare equal here.
        return all(a[k] == b[k] or (isinstance(a[k], float) and math.isnan(a[k])
                                    and isinstance(b[k], float) and math.isnan(b[k])) for k in a)

    __hash__ = None

    def __reduce__(self):
        return (_rebuild, (type(self), self.to_dict()))

    def __repr__(self):
        items = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items())
        return f"{self._module_}.{type(self).__name__}({items})"


def _rebuild(cls, fields):
    return cls(**fields)


def _accessors(attr, kind, struct):
    """(getter, setter) of one field."""
    if kind == "str":
        size = getattr(struct, attr).size  # bytes of the char array, NUL included
        offset = getattr(struct, attr).offset

        def get(self):
            return getattr(self._s, attr).decode("utf-8", "replace")

        def set_(self, v):
            if not isinstance(v, str):
                raise ArgumentError(f"{attr} {v!r}: expected a string")
            b = v.encode("utf-8")
            if len(b) >= size or b"\0" in b:
                raise ArgumentError(f"{attr} {v!r}: expected at most {size - 1} bytes without NUL")
            ctypes.memset(ctypes.addressof(self._s) + offset, 0, size)
            setattr(self._s, attr, b)
    elif kind == "family":
        def get(self):
            return _lib.text(lib.ncm_rram_family_name(self._s.family))

        def set_(self, v):
            f = lib.ncm_rram_family_parse(v.encode()) if isinstance(v, str) else -1
            if f < 0:
                raise ArgumentError(f"{attr} {v!r}: expected \"lognormal\" or \"student-t\"")
            self._s.family = f
    elif kind == "i":
        def get(self):
            return int(getattr(self._s, attr))

        def set_(self, v):
            setattr(self._s, attr, as_int(attr, v))
    elif kind == "u64":
        def get(self):
            return int(getattr(self._s, attr))

        def set_(self, v):
            setattr(self._s, attr, as_int(attr, v, 0, _U64_MAX))
    else:
        def get(self):
            return float(getattr(self._s, attr))

        def set_(self, v):
            setattr(self._s, attr, as_float(attr, v))
    return get, set_


# Device attributes (the C member names), their device-file fields ("group.key", as the library's
# messages name them) and units (docs/hfo2.md).
_RRAM_FIELDS = (
    ("name", "name", "technology name (< 64 bytes)"),
    ("family", "distribution.family", '"lognormal" or "student-t"'),
    ("t_nu", "distribution.t_nu", "degrees of freedom of the t family, > 0"),
    ("i_ref_ua", "reference_condition.i_cc_ua", "reference compliance current, uA"),
    ("v_reset_ref_v", "reference_condition.v_reset_v", "reference |RESET voltage|, V"),
    ("t_p_ref_ns", "reference_condition.t_p_ns", "reference pulse width, ns"),
    ("v_c_v", "lrs.v_c_v", "median R_LRS = v_c_v / I_cc of a fresh device, V"),
    ("sigma_lrs", "lrs.sigma_ln_r", "sigma of ln R_LRS at i_ref_ua"),
    ("sigma_lrs_exp", "lrs.sigma_icc_exp", "sigma_L ~ (I_cc / I_ref)^(-sigma_lrs_exp), >= 0"),
    ("r_hrs_ref_ohm", "hrs.r_median_ohm", "median R_HRS at the reference condition, ohm"),
    ("hrs_ln_r_per_v", "hrs.ln_r_per_v_reset", "d ln R_HRS / d|V_reset|, 1/V, >= 0"),
    ("hrs_ln_r_per_ln_t", "hrs.ln_r_per_ln_t_p", "d ln R_HRS / d ln t_p, >= 0"),
    ("sigma_hrs", "hrs.sigma_ln_r", "sigma of ln R_HRS"),
    ("d2d_var_frac", "variability.d2d_var_frac", "device-to-device variance fraction, [0, 1]"),
    ("c2c_rho", "variability.c2c_ar1_rho", "AR(1) coefficient of successive events, [0, 1)"),
    ("drift_lrs", "endurance.drift_lrs_ln_r", "rise of ln R_LRS per unit ln(1 + n / n0)"),
    ("drift_hrs", "endurance.drift_hrs_ln_r", "fall of ln R_HRS per unit ln(1 + n / n0)"),
    ("n0_ref_cycles", "endurance.n0_cycles", "endurance scale n0 at the reference, cycles"),
    ("n0_exp_icc", "endurance.n0_icc_exp", "n0 ~ (I_cc / I_ref)^(-n0_exp_icc)"),
    ("n0_exp_vreset", "endurance.n0_v_reset_exp", "n0 ~ (|V_reset| / V_ref)^(-n0_exp_vreset)"),
    ("stuck_p_ref", "endurance.stuck_p_per_cycle", "stuck-at probability per cycle, reference"),
    ("stuck_exp_icc", "endurance.stuck_icc_exp", "p ~ (I_cc / I_ref)^stuck_exp_icc"),
    ("stuck_exp_vreset", "endurance.stuck_v_reset_exp", "p ~ (|V_reset| / V_ref)^stuck_exp_vreset"),
    ("stuck_lrs_frac", "endurance.stuck_lrs_frac", "fraction of stuck devices at LRS, [0, 1]"),
    ("v_set_v", "energy.v_set_v", "SET voltage (E_set = V_set I_cc t_p), V"),
    ("e_read_device_pj", "energy.e_read_device_pj", "energy to read one device, pJ"),
    ("e_sense_pj", "energy.e_sense_pj", "energy of one sense-amplifier decision, pJ"),
    ("r_ref_ohm", "sensing.r_ref_ohm", "1T1R reference resistance of the default cell, ohm"),
    ("pcsa_offset_sigma", "sensing.pcsa_offset_sigma_ln_r", "PCSA input offset sigma, ln R"),
    ("pcsa_dead_zone", "sensing.pcsa_dead_zone_ln_r", "PCSA dead-zone half-width, ln R"),
)


def _field_list(fields):
    """The docstring lines of a field table."""
    return "".join(f"\n    {a}: {doc} [{f}]" for a, f, doc in fields) + "\n"


class Device(_ParamSet):
    __doc__ = """Every parameter of an RRAM technology (``ncm_rram_params``; equations and defaults:
    docs/hfo2.md). ``Device()`` is the built-in 130 nm HfO2 technology (data/hfo2.json);
    ``Device(sigma_hrs=0.6)`` the same with fields changed; :meth:`load` reads a device file,
    :meth:`save` writes one, :meth:`check` checks the values (every call using the device checks
    them too). Attributes, with [the device-file field the library's messages name]:
    """ + _field_list(_RRAM_FIELDS)

    __slots__ = ()
    _struct_ = _lib.RramParams
    _c_default_ = "ncm_rram_default"
    _c_check_ = "ncm_rram_check"
    _c_load_ = "ncm_rram_load"
    _c_save_ = "ncm_rram_save"
    _module_ = "nanocim.rram"
    FILE_FIELDS = {a: f for a, f, _ in _RRAM_FIELDS}
    _spec_ = tuple((a, "str" if a == "name" else "family" if a == "family" else "f",
                    f"{doc} [device file: {f}]") for a, f, doc in _RRAM_FIELDS)

    def __repr__(self):
        return f"<nanocim.rram.Device {self.name!r} family={self.family}>"


def as_device(device, cls=Device, what="device"):
    """A Device as given, loaded from a path, or the default one for None."""
    if device is None:
        return cls()
    if isinstance(device, cls):
        return device
    if isinstance(device, (str, bytes, os.PathLike)):
        return cls.load(device)
    raise ArgumentError(f"{what} {type(device).__name__}: expected a {cls._module_}."
                        f"{cls.__name__}, a device file path or None")


def _cond(dev, i_cc_ua=None, v_reset_v=None, t_p_ns=None, cycles=0):
    """The ncm_rram_cond of the keyword arguments (None: the device's reference), checked."""
    c = lib.ncm_rram_cond_ref(ctypes.byref(dev._s))
    for name, v in (("i_cc_ua", i_cc_ua), ("v_reset_v", v_reset_v), ("t_p_ns", t_p_ns),
                    ("cycles", cycles)):
        if v is not None:
            setattr(c, name, as_float(name, v))
    call(lib.ncm_rram_cond_check, ctypes.byref(c))
    return c


def _conds(dev, i_cc_ua, v_reset_v, t_p_ns, cycles):
    """(shape, [ncm_rram_cond]) of condition arguments that may be arrays (broadcast together);
    shape () when all are scalars."""
    ref = lib.ncm_rram_cond_ref(ctypes.byref(dev._s))
    arrays = []
    for name, v, r in (("i_cc_ua", i_cc_ua, ref.i_cc_ua), ("v_reset_v", v_reset_v, ref.v_reset_v),
                       ("t_p_ns", t_p_ns, ref.t_p_ns), ("cycles", cycles, 0.0)):
        try:
            arrays.append(np.asarray(r if v is None else v, dtype=np.float64))
        except (TypeError, ValueError):
            raise ArgumentError(f"{name} {v!r}: expected a number or an array of numbers") \
                from None
    try:
        b = np.broadcast(*arrays)
    except ValueError:
        raise ArgumentError("i_cc_ua, v_reset_v, t_p_ns, cycles shapes "
                            f"{[a.shape for a in arrays]}: cannot be broadcast together") from None
    out = []
    for i, v, t, n in b:
        c = _lib.RramCond(float(i), float(v), float(t), float(n))
        call(lib.ncm_rram_cond_check, ctypes.byref(c))
        out.append(c)
    return b.shape, out


def _shaped(shape, values):
    a = np.array(values, dtype=np.float64).reshape(shape)
    return float(a) if shape == () else a


def _struct_dict(s):
    return {f: getattr(s, f) for f, _ in s._fields_}


# ---- cells ---------------------------------------------------------------------------------------

def _cell_type(t):
    if isinstance(t, str) and t.lower() in ("1t1r", "2t2r"):
        return _lib.NCM_CELL_1T1R if t.lower() == "1t1r" else _lib.NCM_CELL_2T2R
    raise ArgumentError(f"cell {t!r}: expected \"1t1r\" or \"2t2r\"")


class Cell:
    """A memory cell (``ncm_rram_cell``): type "1t1r" (one device read against a reference
    resistance r_ref_ohm, bit 1 when R < r_ref_ohm) or "2t2r" (two complementary devices read by
    a precharge sense amplifier; r_ref_ohm unused, 0).

    Cell("1t1r") has the device's default reference (Device.r_ref_ohm, ``ncm_rram_cell_default``;
    device: a Device, a device file or None for the built-in one); Cell("1t1r", r_ref_ohm=2e4)
    another."""

    __slots__ = ("type", "r_ref_ohm")

    def __init__(self, type="1t1r", r_ref_ohm=None, device=None):
        t = _cell_type(type)
        c = lib.ncm_rram_cell_default(ctypes.byref(as_device(device)._s), t)
        self.type = type.lower()
        self.r_ref_ohm = float(c.r_ref_ohm) if t == _lib.NCM_CELL_1T1R else 0.0
        if r_ref_ohm is not None and t == _lib.NCM_CELL_1T1R:
            self.r_ref_ohm = as_float("r_ref_ohm", r_ref_ohm)

    @property
    def name(self):
        """"1T1R" or "2T2R"."""
        return _lib.text(lib.ncm_cell_type_name(_cell_type(self.type)))

    def _struct(self):
        return _lib.RramCell(_cell_type(self.type), as_float("r_ref_ohm", self.r_ref_ohm))

    def __eq__(self, other):
        return (isinstance(other, Cell) and self.type == other.type
                and self.r_ref_ohm == other.r_ref_ohm)

    __hash__ = None

    def __repr__(self):
        ref = f", r_ref_ohm={self.r_ref_ohm!r}" if self.type == "1t1r" else ""
        return f"nanocim.rram.Cell({self.type!r}{ref})"


def _as_cell(cell, dev, r_ref_ohm):
    if isinstance(cell, Cell):
        c = cell._struct()
        if r_ref_ohm is not None and c.type == _lib.NCM_CELL_1T1R:
            c.r_ref_ohm = as_float("r_ref_ohm", r_ref_ohm)
        return c
    return Cell(cell, r_ref_ohm, dev)._struct()


# ---- device statistics, bit error rates, energy --------------------------------------------------

def stats(device=None, *, i_cc_ua=None, v_reset_v=None, t_p_ns=None, cycles=0):
    """The distributions of the two states at a programming condition and age
    (``ncm_rram_stats_at``): a dict of mu_lrs, sigma_lrs (location = ln of the median R_LRS in
    ohm, and scale of ln R_LRS), mu_hrs, sigma_hrs, n0_cycles (endurance scale at this
    condition), stuck_p_cycle (stuck-at probability per cycle), stuck_frac (fraction stuck after
    ``cycles`` cycles). Condition arguments in uA, V, ns, cycles (None: the device's reference)."""
    dev = as_device(device)
    call(lib.ncm_rram_check, ctypes.byref(dev._s), None)
    c = _cond(dev, i_cc_ua, v_reset_v, t_p_ns, cycles)
    s = _lib.RramStats()
    lib.ncm_rram_stats_at(ctypes.byref(dev._s), ctypes.byref(c), ctypes.byref(s))
    return _struct_dict(s)


def ber(cell="1t1r", device=None, *, i_cc_ua=None, v_reset_v=None, t_p_ns=None, cycles=0,
        r_ref_ohm=None):
    """Analytic bit error rate of a cell (``ncm_rram_ber``), equiprobable bits, drift and stuck
    devices included.

    cell: "1t1r", "2t2r" or a :class:`Cell`; r_ref_ohm: the 1T1R reference resistance in ohm
    (default: the device's ``r_ref_ohm``; see :func:`best_ref` for the best one; ignored for
    2T2R). i_cc_ua (uA), v_reset_v (V), t_p_ns (ns), cycles: the condition (None: the device's
    reference; cycles 0), scalars or arrays broadcast together. Returns a float, or a float64
    array of the broadcast shape. The student-t family's 2T2R BER has no closed form
    (ArgumentError: use :func:`ber_mc`)."""
    dev = as_device(device)
    cl = _as_cell(cell, dev, r_ref_ohm)
    shape, conds = _conds(dev, i_cc_ua, v_reset_v, t_p_ns, cycles)
    out = ctypes.c_double()
    vals = []
    for c in conds:
        call(lib.ncm_rram_ber, ctypes.byref(dev._s), ctypes.byref(c), ctypes.byref(cl),
             ctypes.byref(out))
        vals.append(out.value)
    return _shaped(shape, vals)


def best_ref(device=None, *, i_cc_ua=None, v_reset_v=None, t_p_ns=None, cycles=0):
    """The 1T1R reference resistance minimizing the analytic BER at a condition
    (``ncm_rram_best_ref``): returns (r_ref_ohm, ber), floats, or float64 arrays when a condition
    argument is an array (broadcast as in :func:`ber`)."""
    dev = as_device(device)
    shape, conds = _conds(dev, i_cc_ua, v_reset_v, t_p_ns, cycles)
    r, b = ctypes.c_double(), ctypes.c_double()
    rs, bs = [], []
    for c in conds:
        call(lib.ncm_rram_best_ref, ctypes.byref(dev._s), ctypes.byref(c), ctypes.byref(r),
             ctypes.byref(b))
        rs.append(r.value)
        bs.append(b.value)
    return _shaped(shape, rs), _shaped(shape, bs)


def ber_vs_cycles(cycles, cell="1t1r", device=None, *, i_cc_ua=None, v_reset_v=None, t_p_ns=None,
                  r_ref_ohm=None):
    """Analytic BER at each age in ``cycles`` (SET/RESET cycles, an array) with the cell and the
    rest of the condition fixed (``ncm_rram_ber_vs_cycles``): a float64 array of cycles' shape."""
    dev = as_device(device)
    cl = _as_cell(cell, dev, r_ref_ohm)
    c = _cond(dev, i_cc_ua, v_reset_v, t_p_ns, 0)
    try:
        cy = np.array(cycles, dtype=np.float64)
    except (TypeError, ValueError):
        raise ArgumentError(f"cycles {cycles!r}: expected an array of numbers") from None
    flat = np.ascontiguousarray(cy.reshape(-1))
    out = np.empty_like(flat)
    call(lib.ncm_rram_ber_vs_cycles, ctypes.byref(dev._s), ctypes.byref(c), ctypes.byref(cl),
         flat.ctypes.data_as(_lib.p_f64), as_int("len(cycles)", flat.size),
         out.ctypes.data_as(_lib.p_f64))
    return out.reshape(cy.shape)


def ber_mc(cell="1t1r", device=None, *, i_cc_ua=None, v_reset_v=None, t_p_ns=None, cycles=0,
           r_ref_ohm=None, reads=1_000_000, seed=1, threads=0, progress=None):
    """Monte Carlo bit error rate (``ncm_rram_ber_mc``): ``reads`` cell reads, each of freshly
    drawn devices (device-to-device and cycle-to-cycle variability, drift and stuck devices at the
    condition's age) programmed to an equiprobable bit and sensed (2T2R: with an equiprobable
    input bit, scoring the XNOR).

    cell, r_ref_ohm and the condition (scalars) as for :func:`ber`; reads >= 1 (default 1e6);
    seed: Philox key (chunk i of 65536 reads uses stream (seed, i)); threads: OpenMP threads
    (0: the current setting) -- the counts are identical for any number; progress: callable
    progress(task, done, total) (task "RRAM Monte Carlo", in reads) returning true to cancel
    (Cancelled; Ctrl-C cancels too). Returns a dict: reads, errors, ber (errors / reads), ci95_lo,
    ci95_hi (Wilson score 95 % interval)."""
    dev = as_device(device)
    cl = _as_cell(cell, dev, r_ref_ohm)
    c = _cond(dev, i_cc_ua, v_reset_v, t_p_ns, cycles)
    res = _lib.RramMcResult()
    err = _lib.Error()
    n = _as_count("reads", reads)
    sd = as_int("seed", seed, 0, _U64_MAX)
    nt = as_int("threads", threads, 0)
    with Bridge(progress) as b:
        s = lib.ncm_rram_ber_mc(ctypes.byref(dev._s), ctypes.byref(c), ctypes.byref(cl), n, sd,
                                nt, b.pointer, ctypes.byref(res), ctypes.byref(err))
    b.reraise()
    check(s, err)
    return _struct_dict(res)


def energy(cell="1t1r", device=None, *, i_cc_ua=None, v_reset_v=None, t_p_ns=None, cycles=0):
    """Energy per operation at a condition (``ncm_rram_energy_at``), pJ: a dict of e_set_pj
    (V_set I_cc t_p), e_reset_pj (V_reset^2 / R_LRS,median t_p), e_program_bit_pj (1T1R:
    0.5 (E_set + E_reset), 2T2R: E_set + E_reset), e_read_bit_pj (devices x e_read_device_pj +
    e_sense_pj) and devices_per_bit (1 or 2, before any ECC)."""
    dev = as_device(device)
    call(lib.ncm_rram_check, ctypes.byref(dev._s), None)
    t = cell.type if isinstance(cell, Cell) else cell
    c = _cond(dev, i_cc_ua, v_reset_v, t_p_ns, cycles)
    return _struct_dict(lib.ncm_rram_energy_at(ctypes.byref(dev._s), ctypes.byref(c),
                                               _cell_type(t)))


# ---- SECDED codes --------------------------------------------------------------------------------

def _bits(x, width, what):
    """x as a C-contiguous uint8 array of 0/1 with last dimension ``width`` (and its shape)."""
    a = np.asarray(x)
    if a.ndim == 0 or a.shape[-1] != width:
        raise ArgumentError(f"{what} shape {a.shape}: expected (..., {width}) bits")
    if a.dtype.kind not in "biuf":
        raise ArgumentError(f"{what} dtype {a.dtype}: expected bits (0 or 1)")
    return np.ascontiguousarray(a != 0, dtype=np.uint8)


class Secded:
    """An extended Hamming code, single-error-correcting and double-error-detecting
    (``ncm_secded``; include/nanocim/ecc.h): k data bits, n = k + r code bits, systematic (data
    bits first, then the Hamming check bits, then the overall parity). Secded(64) is the (72,64)
    code, Secded(32) the (39,32) one; 1 <= k <= 4096.

    Bits are numpy arrays of 0/1 (any integer or bool dtype; nonzero counts as 1), one bit an
    item, the last axis a word: :meth:`encode` takes (..., k) and gives uint8 (..., n)."""

    def __init__(self, k=64):
        p = call(lib.ncm_secded_new, as_int("k", k))
        self._h = _lib.Handle(p, lib.ncm_secded_free)
        self._p = p
        self.n = lib.ncm_secded_n(p)
        self.k = lib.ncm_secded_k(p)
        self.r = lib.ncm_secded_r(p)

    @property
    def overhead(self):
        """Storage overhead (n - k) / k: 0.125 for (72,64)."""
        return lib.ncm_secded_overhead(self._p)

    @property
    def columns(self):
        """The parity-check matrix's columns, uint32 (n,): bit t of column j is row t of H
        (bits 0..r-2 the Hamming rows, bit r-1 the overall parity, always set)."""
        return np.array([lib.ncm_secded_column(self._p, j) for j in range(self.n)], np.uint32)

    @property
    def logic(self):
        """Gate-count estimate in 2-input gates (``ncm_secded_logic_estimate``): a dict of
        encoder_xor, syndrome_xor, match_and, correct_xor, flag_gates, decoder_total."""
        return _struct_dict(lib.ncm_secded_logic_estimate(self._p))

    def _rows(self, a, width):
        m = a.size // width
        base = a.ctypes.data
        for i in range(m):
            yield i, ctypes.cast(base + i * width, _lib.p_u8)

    def encode(self, data):
        """Codewords of data words: data (..., k) bits -> uint8 (..., n)."""
        d = _bits(data, self.k, "data")
        out = np.empty(d.shape[:-1] + (self.n,), np.uint8)
        base = out.ctypes.data
        for i, ptr in self._rows(d, self.k):
            lib.ncm_secded_encode(self._p, ptr, ctypes.cast(base + i * self.n, _lib.p_u8))
        return out

    def decode(self, code, inplace=False):
        """Decodes received words: code (..., n) bits -> (data, outcome): data uint8 (..., k)
        after correction, outcome int8 (...) (an int for one word) of CLEAN (no error seen),
        CORRECTED (one bit flipped) or DETECTED (an uncorrectable error: nothing flipped, the
        data as read). inplace=True corrects ``code`` itself, which must then be a writeable
        C-contiguous uint8 array of 0/1; otherwise it is left as it is."""
        if inplace:
            if (not isinstance(code, np.ndarray) or code.dtype != np.uint8
                    or not code.flags.c_contiguous or not code.flags.writeable):
                raise ArgumentError("code: inplace=True needs a writeable C-contiguous uint8 "
                                    "array")
            c = code
            if c.ndim == 0 or c.shape[-1] != self.n:
                raise ArgumentError(f"code shape {c.shape}: expected (..., {self.n}) bits")
        else:
            c = _bits(code, self.n, "code")  # always a new array: code is left as it is
        data = np.empty(c.shape[:-1] + (self.k,), np.uint8)
        outcome = np.empty(c.shape[:-1], np.int8)
        flat = outcome.reshape(-1)
        base = data.ctypes.data
        for i, ptr in self._rows(c, self.n):
            flat[i] = lib.ncm_secded_decode(self._p, ptr, ctypes.cast(base + i * self.k,
                                                                       _lib.p_u8))
        return data, (int(outcome) if outcome.ndim == 0 else outcome)

    def syndrome(self, code):
        """The syndrome S = s | pi << (r - 1) of a received word (n bits; 0 for a codeword)."""
        c = _bits(code, self.n, "code")
        if c.ndim != 1:
            raise ArgumentError(f"code shape {c.shape}: expected one word ({self.n},)")
        words = (self.n + 63) // 64
        buf = np.zeros(words * 8, np.uint8)
        packed = np.packbits(c, bitorder="little")
        buf[:packed.size] = packed
        w = buf.view(np.uint64)
        return int(lib.ncm_secded_syndrome_packed(self._p, w.ctypes.data_as(_lib.p_u64)))

    def analytic(self, p):
        """Exact per-word rates for i.i.d. raw bit errors of probability p in [0, 1]
        (``ncm_secded_analytic``): a dict of ber (residual bit error rate of the data after
        decoding), clean, corrected, detected, miscorrected, undetected (word probabilities)."""
        out = _lib.SecdedRates()
        call(lib.ncm_secded_analytic, self._p, as_float("p", p), ctypes.byref(out))
        return _struct_dict(out)

    def residual_ber(self, p):
        """Residual bit error rate after decoding for raw bit error probability p (a float or an
        array of them, each in [0, 1]; ``ncm_secded_ber_analytic``): (n - 1) p^2 + O(p^3)."""
        try:
            a = np.asarray(p, dtype=np.float64)
        except (TypeError, ValueError):
            raise ArgumentError(f"p {p!r}: expected a probability or an array of them") from None
        bad = ~((a >= 0) & (a <= 1))
        if np.any(bad):
            raise ArgumentError(f"p {a[bad].flat[0]!r}: expected a probability in [0, 1]")
        out = np.array([lib.ncm_secded_ber_analytic(self._p, float(x)) for x in a.flat],
                       np.float64).reshape(a.shape)
        return float(out) if out.ndim == 0 else out

    def mc(self, p, words, seed=1, threads=0, progress=None):
        """Monte Carlo of the same rates (``ncm_secded_mc``): ``words`` random data words,
        encoded, each stored bit flipped with probability p, decoded and counted. Chunks of 8192
        words use Philox stream (seed, chunk): identical results for any thread count (threads 0:
        the current setting). progress as for :func:`ber_mc` (task "SECDED Monte Carlo", in
        words). Returns a dict: ber, clean, corrected, detected, miscorrected, undetected
        (observed frequencies), ber_ci95 (half-width of the 95 % interval of ber), words,
        raw_errors, bit_errors, n_clean, n_corrected, n_detected, n_miscorrected,
        n_undetected."""
        res = _lib.SecdedMcResult()
        err = _lib.Error()
        args = (as_float("p", p), _as_count("words", words), as_int("seed", seed, 0, _U64_MAX),
                as_int("threads", threads, 0))
        with Bridge(progress) as b:
            s = lib.ncm_secded_mc(self._p, *args, b.pointer, ctypes.byref(res),
                                  ctypes.byref(err))
        b.reraise()
        check(s, err)
        out = _struct_dict(res.rates)
        out.update({f: getattr(res, f) for f, _ in res._fields_ if f != "rates"})
        return out

    def __repr__(self):
        return f"<nanocim.rram.Secded ({self.n},{self.k})>"


# ---- storage options -----------------------------------------------------------------------------

class Storage:
    """A storage option for binary weights (``ncm_storage``): a cell type, optionally protected by
    a SECDED code. Storage("1t1r"), Storage("1t1r-secded") ((72,64)), Storage("1t1r-secded:32"),
    Storage("2t2r") (any case, ``ncm_storage_parse``); the 1T1R reference is the BER-minimizing
    one at each condition unless r_ref_ohm is given (ohm).

    Attributes: cell ("1t1r" or "2t2r"), ecc_k (data bits per SECDED word, 0: no ECC), best_ref
    (bool), r_ref_ohm (the fixed reference when best_ref is False), name ("1T1R+SECDED(72,64)"),
    id ("1t1r-secded:64", which Storage() reads back)."""

    __slots__ = ("_s",)

    def __init__(self, name="1t1r", r_ref_ohm=None):
        if not isinstance(name, str):
            raise ArgumentError(f"storage {name!r}: expected a name such as \"1t1r\", "
                                "\"1t1r-secded\" or \"2t2r\"")
        self._s = _lib.Storage()
        call(lib.ncm_storage_parse, name.encode(), ctypes.byref(self._s))
        if r_ref_ohm is not None:
            self._s.best_ref = 0
            self._s.r_ref_ohm = as_float("r_ref_ohm", r_ref_ohm)

    @classmethod
    def _from_struct(cls, s):
        o = object.__new__(cls)
        o._s = _struct_copy(s)
        return o

    @property
    def cell(self):
        return "2t2r" if self._s.cell == _lib.NCM_CELL_2T2R else "1t1r"

    @property
    def ecc_k(self):
        return self._s.ecc_k

    @property
    def best_ref(self):
        return bool(self._s.best_ref)

    @property
    def r_ref_ohm(self):
        return None if self._s.best_ref else self._s.r_ref_ohm

    def _text(self, fn):
        buf = ctypes.create_string_buffer(96)
        fn(ctypes.byref(self._s), buf, len(buf))
        return buf.value.decode()

    @property
    def name(self):
        return self._text(lib.ncm_storage_name)

    @property
    def id(self):
        return self._text(lib.ncm_storage_id)

    def __eq__(self, other):
        return isinstance(other, Storage) and bytes(self._s) == bytes(other._s)

    __hash__ = None

    def __repr__(self):
        ref = "" if self.best_ref else f", r_ref_ohm={self.r_ref_ohm!r}"
        return f"nanocim.rram.Storage({self.id!r}{ref})"


def _as_storage(s):
    return s if isinstance(s, Storage) else Storage(s)


_EVAL_FIELDS = tuple(f for f, _ in _lib.StorageEval._fields_)


def evaluate(storage="1t1r", device=None, *, i_cc_ua=None, v_reset_v=None, t_p_ns=None,
             cycles=0, reads=0, seed=1):
    """A storage option at one condition (``ncm_storage_evaluate``), per stored data bit.

    storage: a :class:`Storage` or its name ("1t1r", "1t1r-secded", "1t1r-secded:K", "2t2r");
    the condition as for :func:`ber` (scalars); reads: Monte Carlo cell reads (0: analytic only;
    with ECC, reads / n real code words whose bits fail with the cell's analytic BER); seed.
    Runs on the current thread count (nanocim.set_threads) without progress reports: for many
    conditions, or to follow the progress, use :func:`ber_sweep`. Returns a dict: r_ref_ohm
    (1T1R reference used, 0 for 2T2R), raw_ber (the cell's analytic BER before ECC), ber (of the
    data bits; NaN without a closed form), ber_mc, ci95_lo, ci95_hi (Monte Carlo and its 95 %
    interval; NaN without reads), reads, errors, devices_per_bit (ECC included),
    e_program_bit_pj, e_read_bit_pj, decoder_gates (2-input gates, 0 without ECC)."""
    dev = as_device(device)
    st = _as_storage(storage)
    c = _cond(dev, i_cc_ua, v_reset_v, t_p_ns, cycles)
    out = _lib.StorageEval()
    _lib.sync_threads()
    call(lib.ncm_storage_evaluate, ctypes.byref(dev._s), ctypes.byref(c), ctypes.byref(st._s),
         _as_count("reads", reads), as_int("seed", seed, 0, _U64_MAX), ctypes.byref(out))
    return _struct_dict(out)


# ---- sweeps --------------------------------------------------------------------------------------

def _struct_array(ptr, ctype, n, owner):
    """A read-only numpy structured array over n C structs at ptr (no copy), kept alive by
    owner; its fields give strided views (``a["ev"]["ber"]``)."""
    addr = ctypes.cast(ptr, ctypes.c_void_p).value
    if n == 0 or not addr:
        return np.zeros(0, np.dtype(ctype))
    buf = (ctype * n).from_address(addr)
    buf._nanocim_owner = owner
    a = np.frombuffer(buf, dtype=np.dtype(ctype))
    a.flags.writeable = False
    return a


c_view = view  # read-only numpy views of library memory (stno.py imports it from here)


def _doubles(ptr, n, owner):
    return c_view(ptr, np.float64, (n,), owner)


# The CSV's columns (storage.h) after "cell", then the row's seed and cell index.
_TABLE_COLUMNS = ("i_cc_ua", "v_reset_v", "t_p_ns", "cycles") + _EVAL_FIELDS + ("seed",
                                                                                 "cell_index")


class BerTable:
    """The result of :func:`ber_sweep` (``ncm_rram_ber_table``): one row per storage option at
    each condition, row i = (((a n_tp + b) n_cycles + c) n_icc + d) n_cells + k for v_reset_v[a],
    t_p_ns[b], cycles[c], i_cc_ua[d], cells[k] (the storage option fastest).

    columns: a dict of numpy arrays, one per column, in the order of the CSV: cell (the option's
    id, str), i_cc_ua, v_reset_v, t_p_ns, cycles, r_ref_ohm, raw_ber, ber, ber_mc, ci95_lo,
    ci95_hi, reads, errors, devices_per_bit, e_program_bit_pj, e_read_bit_pj, decoder_gates, then
    seed (the row's Monte Carlo seed) and cell_index (into :attr:`cells`). Every column but
    "cell" is a read-only view of the table the library allocated (no copy), alive as long as any
    of them is. :meth:`rows` gives the same as a list of dicts; :attr:`records` the rows as a
    numpy structured array (fields of ncm_rram_ber_row, the evaluation under "ev").

    Also: cells (the :class:`Storage` options), axes (dict of the four condition axes),
    device (the device file named, or "built-in"), params (the :class:`Device` swept), n_points,
    reads (per row), seed, threads, seconds (wall time); save_csv(path), save_json(path)."""

    def __init__(self, ptr):
        self._h = _lib.Handle(ptr, lib.ncm_rram_ber_table_free)
        self._p = ptr
        t = ptr.contents
        self._t = t
        self.records = _struct_array(t.rows, _lib.RramBerRow, t.n_rows, self._h)
        self.cells = [Storage._from_struct(t.cells[k].storage) for k in range(t.n_cells)]
        self.axes = {"i_cc_ua": _doubles(t.i_cc_ua, t.n_icc, self._h),
                     "v_reset_v": _doubles(t.v_reset_v, t.n_vreset, self._h),
                     "t_p_ns": _doubles(t.t_p_ns, t.n_tp, self._h),
                     "cycles": _doubles(t.cycles, t.n_cycles, self._h)}
        self.params = Device._from_struct(t.params)
        self.device = _lib.text(t.device)
        self.n_points, self.reads, self.seed = int(t.n_points), int(t.reads), int(t.seed)
        self.threads, self.seconds = int(t.threads), float(t.seconds)
        ids = np.array([_lib.text(t.cells[k].id) for k in range(t.n_cells)] or [""], dtype=str)
        r = self.records
        cols = {"cell": ids[r["cell"]] if len(r) else np.zeros(0, str)}
        for f in ("i_cc_ua", "v_reset_v", "t_p_ns", "cycles"):
            cols[f] = r[f]
        for f in _EVAL_FIELDS:
            cols[f] = r["ev"][f]
        cols["seed"] = r["seed"]
        cols["cell_index"] = r["cell"]
        self.columns = cols

    def __len__(self):
        return len(self.records)

    def rows(self):
        """The rows as a list of dicts (keys as in :attr:`columns`, Python numbers)."""
        cols = self.columns
        return [{k: (v[i].item() if hasattr(v[i], "item") else v[i]) for k, v in cols.items()}
                for i in range(len(self))]

    def save_csv(self, path):
        """Writes the table as CSV, atomically (header: cell,i_cc_ua,...,decoder_gates; "nan"
        for values that do not exist)."""
        call(lib.ncm_rram_ber_table_save_csv, self._p, as_path("path", path))

    def save_json(self, path):
        """Writes the table as a JSON document, atomically ("command": "rram ber", "producer",
        "device", "technology", "seed", "reads_per_point", "seconds", "threads", "points")."""
        call(lib.ncm_rram_ber_table_save_json, self._p, as_path("path", path))

    def __repr__(self):
        return (f"<nanocim.rram.BerTable {self.n_points} conditions x {len(self.cells)} cells, "
                f"{self.reads} reads per row>")


def _axis(name, v, keep):
    """(pointer, n) of an optional condition axis (None: the device's reference)."""
    if v is None:
        return None, 0
    try:
        a = np.ascontiguousarray(np.atleast_1d(np.asarray(v, dtype=np.float64)).reshape(-1))
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} {v!r}: expected a number or an array of numbers") from None
    keep.append(a)
    return a.ctypes.data_as(_lib.p_f64), as_int(f"len({name})", a.size)


def ber_sweep(device=None, *, i_cc_ua=None, v_reset_v=None, t_p_ns=None, cycles=None,
              cells=None, reads=1_000_000, seed=1, threads=0, device_name=None, progress=None):
    """Every storage option at every condition of the grid i_cc_ua x v_reset_v x t_p_ns x cycles
    (``ncm_rram_ber_sweep``, what ``nanocim rram ber`` runs): returns a :class:`BerTable`.

    i_cc_ua (uA), v_reset_v (V), t_p_ns (ns), cycles: a value or a sequence each; None: the
    device's reference (cycles 0). cells: storage options (names or :class:`Storage`); None: the
    comparison of Bocquet et al. (IEDM 2018), 1t1r, 1t1r-secded and 2t2r. reads: Monte Carlo
    cell reads per row (default 1e6; 0: analytic only); seed: row i uses seed * 1000003 + i;
    threads: OpenMP threads (0: the current setting; the numbers do not depend on it);
    device_name: recorded in the JSON (default: the device file's path, or "built-in");
    progress: callable (task "rram ber", in rows) returning true to cancel (Cancelled)."""
    dev = as_device(device)
    if device_name is None and isinstance(device, (str, bytes, os.PathLike)):
        device_name = os.fsdecode(device)
    g = _lib.RramSweep()
    lib.ncm_rram_sweep_default(ctypes.byref(g))
    keep = []
    g.i_cc_ua, g.n_icc = _axis("i_cc_ua", i_cc_ua, keep)
    g.v_reset_v, g.n_vreset = _axis("v_reset_v", v_reset_v, keep)
    g.t_p_ns, g.n_tp = _axis("t_p_ns", t_p_ns, keep)
    g.cycles, g.n_cycles = _axis("cycles", cycles, keep)
    if cells is not None:
        if isinstance(cells, (str, Storage)):
            cells = [cells]
        st = [_as_storage(c) for c in cells]
        arr = (_lib.Storage * max(len(st), 1))(*[s._s for s in st])
        keep.append(arr)
        g.cells, g.n_cells = arr, len(st)
    g.reads = _as_count("reads", reads)
    g.seed = as_int("seed", seed, 0, _U64_MAX)
    g.threads = as_int("threads", threads, 0)
    if device_name is not None:
        name = str(device_name).encode()
        keep.append(name)
        g.device = name
    err = _lib.Error()
    with Bridge(progress) as b:
        t = lib.ncm_rram_ber_sweep(ctypes.byref(dev._s), ctypes.byref(g), b.pointer,
                                   ctypes.byref(err))
    table = BerTable(t) if t else None
    b.reraise()
    if table is None:
        raise from_struct(err)
    return table


# ---- calibration ---------------------------------------------------------------------------------

def sample_measurements(path, device=None, *, i_cc_ua=None, v_reset_v=None, t_p_ns=None,
                        devices=1000, seed=1, device_name=None, progress=None):
    """Writes synthetic measurements of a device as the measurement CSV :func:`fit` reads
    (``ncm_rram_sample_save``), atomically: at each condition of the grid i_cc_ua x v_reset_v x
    t_p_ns (uA, V, ns; a value or a sequence each, None: the device's reference), ``devices``
    fresh devices, each one line for its first SET ("lrs@I@V@T,0,R") and one for the RESET
    after it. seed: device j draws Philox stream (seed, j); device_name: named in the file's
    comment line (default: the device file's path); progress (task "rram sample", in devices)
    cancels as for :func:`ber_mc`, leaving no file."""
    dev = as_device(device)
    if device_name is None and isinstance(device, (str, bytes, os.PathLike)):
        device_name = os.fsdecode(device)
    s = _lib.RramSampleSpec()
    lib.ncm_rram_sample_default(ctypes.byref(s))
    keep = []
    s.i_cc_ua, s.n_icc = _axis("i_cc_ua", i_cc_ua, keep)
    s.v_reset_v, s.n_vreset = _axis("v_reset_v", v_reset_v, keep)
    s.t_p_ns, s.n_tp = _axis("t_p_ns", t_p_ns, keep)
    s.devices = _as_count("devices", devices)
    s.seed = as_int("seed", seed, 0, _U64_MAX)
    if device_name is not None:
        name = str(device_name).encode()
        keep.append(name)
        s.device = name
    err = _lib.Error()
    p = as_path("path", path)
    with Bridge(progress) as b:
        st = lib.ncm_rram_sample_save(p, ctypes.byref(dev._s), ctypes.byref(s), b.pointer,
                                      ctypes.byref(err))
    b.reraise()
    check(st, err)


_GROUP_FIELDS = tuple(f for f, _ in _lib.RramFitGroup._fields_)


class FitResult:
    """The outcome of :func:`fit` (``ncm_rram_fit_report``).

    device: the fitted :class:`Device` (family lognormal, name "<base name>-fit");
    params: one dict per parameter the fit can estimate (field "group.key", fitted (bool), value,
    se (asymptotic standard error; NaN if kept), base_value, note); groups: one dict per measured
    condition, in file order (state "lrs" or "hrs", i_cc_ua, v_reset_v, t_p_ns, line, n, n_fit
    (fresh measurements used), cycle_max, used (bool), mu, sigma (the group's own mean and sd of
    ln R), mu_model, sigma_model (the fitted model there), ks_model, p_model (Kolmogorov-Smirnov
    distance to the model and its approximate p-value), ks_own, p_own (to the group's own normal;
    Lilliefors p-value)); n_meas, n_fit, n_groups; kept (the device-file fields copied from the
    base); source, base_name, fresh_n0_frac, family_note. :meth:`json` gives the report document,
    :meth:`save` writes it."""

    def __init__(self, ptr):
        self._h = _lib.Handle(ptr, lib.ncm_rram_fit_report_free)
        self._p = ptr
        r = ptr.contents
        self.device = Device._from_struct(r.fitted)
        self.source = _lib.text(r.source)
        self.base_name = _lib.text(r.base_name)
        self.fresh_n0_frac = float(r.fresh_n0_frac)
        self.n_meas, self.n_fit, self.n_groups = int(r.n_meas), int(r.n_fit), int(r.n_groups)
        self.params = [{"field": _lib.text(q.field), "fitted": bool(q.fitted),
                        "value": q.value, "se": q.se, "base_value": q.base_value,
                        "note": q.note.decode("utf-8", "replace")} for q in r.params]
        self.groups = []
        for g in range(r.n_groups):
            q = r.groups[g]
            d = {"state": "lrs" if q.lrs else "hrs"}
            d.update({f: getattr(q, f) for f in _GROUP_FIELDS if f != "lrs"})
            d["used"] = bool(d["used"])
            self.groups.append(d)
        self.kept = [_lib.text(r.kept[i]) for i in range(r.n_kept)]
        self.family_note = r.family_note.decode("utf-8", "replace")

    def param(self, field):
        """The dict of :attr:`params` for a device-file field ("lrs.sigma_ln_r")."""
        for q in self.params:
            if q["field"] == field:
                return q
        raise KeyError(field)

    def json(self):
        """The report as a JSON text ("format": "nanocim-rram-fit-report", "producer")."""
        p = lib.ncm_rram_fit_report_json(self._p)
        if not p:
            raise MemoryError("fit report: out of memory for the JSON")
        try:
            return ctypes.string_at(p).decode("utf-8")
        finally:
            lib.ncm_free(p)

    def save(self, path):
        """Writes the report JSON to path, atomically."""
        call(lib.ncm_rram_fit_report_save, as_path("path", path), self._p)

    def __repr__(self):
        return (f"<nanocim.rram.FitResult {self.device.name!r}: {self.n_fit} of {self.n_meas} "
                f"measurements, {self.n_groups} conditions>")


def fit(csv_path, base=None, *, fresh_n0_frac=0.01, device_path=None, report_path=None):
    """Calibrates the device model to measured resistances (``ncm_rram_fit_file``; method, CSV
    format and report: docs/calibration.md). csv_path: columns condition
    (STATE@I_CC_UA[@V_RESET_V[@T_P_NS]]), cycle, resistance_ohm; base: the device whose other
    parameters (and missing V_reset, t_p) are kept (a Device, a device file, None: built-in);
    fresh_n0_frac: a measurement is used when its cycle <= fresh_n0_frac * n0 at its condition
    (math.inf: every cycle); device_path, report_path: also write the fitted device file and the
    report (JSON), both or neither (a failed call leaves no file). Returns a :class:`FitResult`.
    Errors name the file, line and column (FormatError), a condition with too few measurements
    (DataError), ..."""
    b = as_device(base, what="base")
    o = _lib.RramFitOpts()
    lib.ncm_rram_fit_opts_default(ctypes.byref(o))
    o.fresh_n0_frac = as_float("fresh_n0_frac", fresh_n0_frac)
    p = call(lib.ncm_rram_fit_file, as_path("csv_path", csv_path), ctypes.byref(b._s),
             ctypes.byref(o), None if device_path is None else as_path("device_path", device_path),
             None if report_path is None else as_path("report_path", report_path))
    return FitResult(p)

