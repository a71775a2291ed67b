"""Vowel recognition with coupled spin-torque oscillators (include/nanocim/vowel.h; Romera et al.,
Nature 563, 230 (2018); the data, the network, the learning rule and the tests: docs/vowels.md):
Hillenbrand's vowel formants (read from vowdata.dat, or drawn from the published statistics), the
selection of speaker groups, vowels and formants, the split by speaker, the encoding of formants
as input frequencies, the simulated oscillator network (its design, on-line learning, evaluation
and synchronization map), its model files, the study beside the software baselines, and the
robustness sweep over temperature and device spread.

    data = nanocim.vowel.synthetic(speakers_per_group=20, seed=1)   # or vowel.load("vowdata.dat")
    train, test = data.split(0.5, seed=1)
    t = nanocim.vowel.train(train, test, epochs=2, t_window_ns=300)
    t.test.accuracy, t.model.targets
    score, pred = t.model.eval(test)

Frequencies are in MHz (``w_mhz``, ``amp_mhz``: rates divided by 2 pi), formants in Hz, currents
in mA, times in ns. Long calls (:func:`train`, :func:`study`, :func:`sweep`) release the GIL,
take ``threads=`` (0: the current OpenMP setting; the results never depend on it) and
``progress=`` (a callable progress(task, done, total) returning true to cancel with
:class:`nanocim.Cancelled`; Ctrl-C cancels too); :meth:`Model.eval` and :meth:`Model.map` take
``threads=``. Errors raise the package's exceptions with the library's one-line message, which
names the field ("lr = 2: expected a fraction in (0, 1]").
"""

import ctypes

import numpy as np

from . import _lib
from . import stno
from ._arrays import view
from ._checks import as_float, as_int, as_path
from ._errors import ArgumentError, call, check, error, from_struct
from ._lib import lib
from ._progress import Bridge
from .rram import _ParamSet, as_device

__all__ = ["VowelSet", "Encoding", "Config", "Score", "Model", "Training", "BaselineParams",
           "BaselineResult", "Study", "Sweep", "load", "synthetic", "stats", "correlation",
           "encoding_fit", "encode", "train", "learn_step", "study", "baseline", "sweep",
           "classify", "states", "pattern_count", "check_targets", "VOWELS", "GROUPS",
           "FORMANTS", "BASELINES", "SWEEP_KINDS", "FREE", "UNDECIDED", "MAX_OSC", "MAX_IN"]

_U64_MAX = (1 << 64) - 1

# The 12 vowels in the library's order (Hillenbrand's codes: "ae" had, "ah" hod, ...); class k of
# a set is vowel ``set.vowels[k]``.
VOWELS = tuple(_lib.text(lib.ncm_vowel_code(v)) for v in range(_lib.NCM_VOWEL_N))
# Speaker groups by index: men, women, boys, girls.
GROUPS = "".join(lib.ncm_vowel_group_char(g).decode() for g in range(_lib.NCM_VOWEL_N_GROUPS))
FORMANTS = tuple(f"f{k + 1}" for k in range(_lib.NCM_VOWEL_MAX_FORMANTS))
BASELINES = tuple(_lib.text(lib.ncm_vowel_baseline_name(k)) for k in range(3))
SWEEP_KINDS = tuple(_lib.text(lib.ncm_vowel_sweep_name(k)) for k in range(2))
FREE = _lib.NCM_VOWEL_FREE            # an oscillator locked to no input
UNDECIDED = _lib.NCM_VOWEL_UNDECIDED  # a read-out with no nearest target
MAX_OSC = _lib.NCM_VOWEL_MAX_OSC
MAX_IN = _lib.NCM_VOWEL_MAX_IN


def _ref(s):
    return ctypes.byref(s)


def _frozen(a):
    a = np.array(a)
    a.flags.writeable = False
    return a


# ---- selection --------------------------------------------------------------------------------

def _list_text(name, value, index_to_name, sep=","):
    """The comma-separated list the library parses, from a string or a sequence of names (or of
    the library's indices, given as ints)."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, (bytes, bytearray)) or not hasattr(value, "__iter__"):
        raise ArgumentError(f"{name} {value!r}: expected a comma-separated string or a "
                            "sequence of names")
    else:
        items = []
        for i, v in enumerate(value):
            if isinstance(v, str):
                items.append(v)
            elif isinstance(v, int) and not isinstance(v, bool):
                n = index_to_name(v)
                if n is None:
                    raise ArgumentError(f"{name}[{i}] = {v}: not an index of the library's list")
                items.append(n)
            else:
                raise ArgumentError(f"{name}[{i}] = {v!r}: expected a name (str) or an index "
                                    "(int)")
        text = sep.join(items)
    if "\0" in text:
        raise ArgumentError(f"{name} {value!r}: contains a NUL character")
    return text.encode("utf-8")


def _vowel_name(v):
    return VOWELS[v] if 0 <= v < len(VOWELS) else None


def _group_name(g):
    return GROUPS[g] if 0 <= g < len(GROUPS) else None


def _formant_name(f):
    return FORMANTS[f] if 0 <= f < len(FORMANTS) else None


def _select(groups="w", vowels=None, formants=("f1", "f2")):
    """An ncm_vowel_select: the default (women, ae ah aw eh er ih iy, F1 F2) with the lists given
    (None: the default's) parsed by the library (``ncm_vowel_parse_*``), then checked."""
    s = _lib.VowelSelect()
    lib.ncm_vowel_select_default(_ref(s))
    if groups is not None:
        call(lib.ncm_vowel_parse_groups, _list_text("groups", groups, _group_name), _ref(s))
    if vowels is not None:
        call(lib.ncm_vowel_parse_vowels, _list_text("vowels", vowels, _vowel_name), _ref(s))
    if formants is not None:
        call(lib.ncm_vowel_parse_formants, _list_text("formants", formants, _formant_name),
             _ref(s))
    call(lib.ncm_vowel_select_check, _ref(s))
    return s


def _sel_vowels(sel):
    return tuple(VOWELS[sel.vowels[k]] for k in range(sel.n_vowels))


def _sel_formants(sel):
    return tuple(FORMANTS[sel.formants[k]] for k in range(sel.n_formants))


def _sel_groups(sel):
    return "".join(GROUPS[g] for g in range(len(GROUPS)) if sel.groups & (1 << g))


def _index(name, value, names, what):
    """A vowel, group or formant given by name or by the library's index."""
    if isinstance(value, str):
        v = value.lower() if what == "formant" else value
        if v in names:
            return names.index(v)
        raise ArgumentError(f"{name} {value!r}: unknown {what}, expected one of "
                            + ", ".join(names))
    return as_int(name, value)  # the library checks the range


# ---- data sets ----------------------------------------------------------------------------------

class VowelSet:
    """Tokens of the selected vowels (``ncm_vowel_set``; made by :func:`load`, :func:`synthetic`
    or :meth:`split`). Read-only numpy views of the library's arrays (no copy):

    x: float64 (n, n_features), the formants in Hz (feature f is ``formants[f]``);
    label: int32 (n,), the class 0 .. n_classes - 1 (class k is vowel ``vowels[k]``);
    speaker: int32 (n,), the speaker index 0 .. n_speakers - 1 (``speaker_names[i]``: "w01").
    Also: n (= len(set)), n_features, n_classes, n_speakers, speaker_names (tuple of str),
    vowels (codes, e.g. ("ae", "ah", ...)), formants (("f1", "f2")), groups ("w"), dropped
    (tokens left out because a selected formant was 0 in the file), source (the file read, or
    "synthetic (seed S)", with the split appended)."""

    def __init__(self, ptr):
        # ptr: an ncm_vowel_set * the library allocated; owned (freed) by this object from now on.
        self._h = _lib.Handle(ptr, lib.ncm_vowel_set_free)
        self._p = ptr
        s = ptr.contents
        h = self._h
        self.n = int(s.n)
        self.n_features = int(s.n_features)
        self.n_classes = int(s.n_classes)
        self.n_speakers = int(s.n_speakers)
        self.x = view(s.x, np.float64, (self.n, self.n_features), h)
        self.label = view(s.label, np.int32, (self.n,), h)
        self.speaker = view(s.speaker, np.int32, (self.n,), h)
        self.speaker_names = tuple(s.speaker_name[i].value.decode("utf-8", "replace")
                                   for i in range(self.n_speakers))
        self.vowels = _sel_vowels(s.select)
        self.formants = _sel_formants(s.select)
        self.groups = _sel_groups(s.select)
        self.dropped = int(s.dropped)
        self.source = s.source.decode("utf-8", "replace")

    def __len__(self):
        return self.n

    def split(self, train_frac=0.5, seed=1):
        """Splits by speaker (``ncm_vowel_split``): the speakers shuffled with seed (Philox), the
        first round(train_frac x n_speakers) train, the others test, every token with its
        speaker, so that no speaker is in both. train_frac in (0, 1), each side at least one
        speaker. Returns (train, test), two new VowelSets."""
        tr, te = _lib.P_VSET(), _lib.P_VSET()
        call(lib.ncm_vowel_split, self._p, as_float("train_frac", train_frac),
             as_int("seed", seed, 0, _U64_MAX), ctypes.byref(tr), ctypes.byref(te))
        return VowelSet(tr), VowelSet(te)

    def __repr__(self):
        return (f"<nanocim.vowel.VowelSet {self.n} tokens of {self.n_speakers} speakers, "
                f"groups {self.groups}, vowels {','.join(self.vowels)}, formants "
                f"{','.join(self.formants)}: {self.source}>")


def _as_set(value, name):
    if not isinstance(value, VowelSet):
        raise ArgumentError(f"{name} {type(value).__name__}: expected a nanocim.vowel.VowelSet "
                            "(vowel.load, vowel.synthetic or VowelSet.split)")
    return value


def load(path, groups="w", vowels=None, formants=("f1", "f2")):
    """Reads Hillenbrand's vowdata.dat (``ncm_vowel_load``) and keeps the selection: groups (a
    string of group characters, "w", "m,w" or "mwbg", or a sequence of them), vowels (a string
    "ae,ah,aw" or a sequence of codes; None: the 7 vowels of Romera et al., ae ah aw eh er ih
    iy), formants ("f1,f2", ("f1", "f2", "f3"), ...). Tokens whose selected formant is 0 (not
    measurable) are dropped (counted in ``dropped``). FileError (a missing file), FormatError
    (naming the file and the line), DataError (no token of the selection), ArgumentError (an
    unknown or repeated item of a list). Returns a :class:`VowelSet`."""
    sel = _select(groups, vowels, formants)
    return VowelSet(call(lib.ncm_vowel_load, as_path("path", path), _ref(sel)))


def synthetic(speakers_per_group=48, seed=1, groups="w", vowels=None, formants=("f1", "f2")):
    """A synthetic set (``ncm_vowel_synthetic``): speakers_per_group speakers (1 .. 10000) of
    every selected group, each saying every selected vowel once, their formants drawn from the
    published means, standard deviations and F1-F2-F3 correlations of that vowel and group. It
    depends only on (selection, speakers_per_group, seed). Selection as in :func:`load`."""
    sel = _select(groups, vowels, formants)
    return VowelSet(call(lib.ncm_vowel_synthetic, _ref(sel),
                         as_int("speakers_per_group", speakers_per_group),
                         as_int("seed", seed, 0, _U64_MAX)))


def stats(vowel, group, formant):
    """The published statistics the generator draws from (``ncm_vowel_stats``): (mean_hz, sd_hz)
    of one vowel ("ae" or its index), group ("w" or its index 0 .. 3) and formant ("f1" or its
    index 0 .. 2; boys and girls share the children's values)."""
    mean, sd = ctypes.c_double(), ctypes.c_double()
    call(lib.ncm_vowel_stats, _index("vowel", vowel, VOWELS, "vowel"),
         _index("group", group, tuple(GROUPS), "group"),
         _index("formant", formant, FORMANTS, "formant"), ctypes.byref(mean), ctypes.byref(sd))
    return mean.value, sd.value


def correlation(vowel, group, formant_a, formant_b):
    """The correlation of two formants of one vowel and group in vowdata.dat
    (``ncm_vowel_correlation``; arguments as in :func:`stats`)."""
    rho = ctypes.c_double()
    call(lib.ncm_vowel_correlation, _index("vowel", vowel, VOWELS, "vowel"),
         _index("group", group, tuple(GROUPS), "group"),
         _index("formant_a", formant_a, FORMANTS, "formant"),
         _index("formant_b", formant_b, FORMANTS, "formant"), ctypes.byref(rho))
    return rho.value


# ---- encoding ------------------------------------------------------------------------------------

def _floats(name, value, ndim=None):
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} {value!r}: expected numbers") from None
    if ndim is not None and a.ndim != ndim:
        raise ArgumentError(f"{name} shape {a.shape}: expected {ndim} dimension(s)")
    return np.ascontiguousarray(a)


class Encoding:
    """The map of a token's features onto the inputs' frequencies (``ncm_vowel_encoding``):
    f_k = offset_mhz[k] + mhz_per_hz[k] F_k (MHz, formants in Hz). Encoding(mhz_per_hz,
    offset_mhz) from two sequences of n_in (1 .. 3) numbers; :func:`encoding_fit` fits one to a
    training set. ``slopes, offsets = encoding`` unpacks the two arrays."""

    __slots__ = ("_s",)

    def __init__(self, mhz_per_hz, offset_mhz):
        a = _floats("mhz_per_hz", mhz_per_hz, 1)
        b = _floats("offset_mhz", offset_mhz, 1)
        if a.size != b.size or not 1 <= a.size <= MAX_IN:
            raise ArgumentError(f"mhz_per_hz, offset_mhz: {a.size} and {b.size} values, "
                                f"expected the same number, 1 to {MAX_IN}")
        s = _lib.VowelEncoding()
        s.n_in = a.size
        for k in range(a.size):
            s.mhz_per_hz[k], s.offset_mhz[k] = a[k], b[k]
        self._s = s

    @classmethod
    def _from_struct(cls, s):
        o = object.__new__(cls)
        o._s = type(s).from_buffer_copy(s)
        return o

    @property
    def n_in(self):
        return int(self._s.n_in)

    @property
    def mhz_per_hz(self):
        """The slopes, MHz per Hz, float64 (n_in,) (a copy)."""
        return _frozen(self._s.mhz_per_hz[:self.n_in])

    @property
    def offset_mhz(self):
        """The offsets, MHz, float64 (n_in,) (a copy)."""
        return _frozen(self._s.offset_mhz[:self.n_in])

    slopes, offsets = mhz_per_hz, offset_mhz

    def __iter__(self):
        return iter((self.mhz_per_hz, self.offset_mhz))

    def encode(self, data, f_lo_mhz=0.0, f_hi_mhz=0.0):
        """The input frequencies of a set, float64 (n, n_in), MHz (``ncm_vowel_encode``): see
        :func:`encode`."""
        return encode(self, data, f_lo_mhz, f_hi_mhz)

    def __eq__(self, other):
        if not isinstance(other, Encoding):
            return NotImplemented
        return (self.n_in == other.n_in and np.array_equal(self.mhz_per_hz, other.mhz_per_hz)
                and np.array_equal(self.offset_mhz, other.offset_mhz))

    __hash__ = None

    def __repr__(self):
        return (f"nanocim.vowel.Encoding(mhz_per_hz={self.mhz_per_hz.tolist()!r}, "
                f"offset_mhz={self.offset_mhz.tolist()!r})")


def encoding_fit(train_set, f_lo_mhz=318.0, f_hi_mhz=330.0, margin=0.0):
    """Fits each feature's map to the set's range (``ncm_vowel_encoding_fit``): its minimum to
    f_lo_mhz + margin (f_hi_mhz - f_lo_mhz), its maximum to f_hi_mhz - margin (...), margin in
    [0, 0.5) (the defaults are :class:`Config`'s band). Returns an :class:`Encoding`."""
    s = _as_set(train_set, "train_set")
    e = _lib.VowelEncoding()
    call(lib.ncm_vowel_encoding_fit, s._p, as_float("f_lo_mhz", f_lo_mhz),
         as_float("f_hi_mhz", f_hi_mhz), as_float("margin", margin), _ref(e))
    return Encoding._from_struct(e)


def encode(encoding, data, f_lo_mhz=0.0, f_hi_mhz=0.0):
    """The input frequencies of a set under an encoding, float64 (n, n_in), MHz
    (``ncm_vowel_encode``). With a band (f_hi_mhz > f_lo_mhz; 0, 0: none) a frequency outside it
    is refused (ArgumentError naming the token, feature and frequency), as is an encoding with
    another number of features than the set."""
    if not isinstance(encoding, Encoding):
        raise ArgumentError(f"encoding {type(encoding).__name__}: expected a "
                            "nanocim.vowel.Encoding")
    s = _as_set(data, "data")
    # the library checks that the encoding has the set's features before writing n x n_in
    out = np.zeros((max(s.n, 1), s.n_features), np.float64)
    call(lib.ncm_vowel_encode, _ref(encoding._s), s._p, as_float("f_lo_mhz", f_lo_mhz),
         as_float("f_hi_mhz", f_hi_mhz), out.ctypes.data_as(_lib.p_f64))
    return _frozen(out[:s.n])


# ---- the network's configuration ---------------------------------------------------------------

_CONFIG_FIELDS = (  # (attr, kind, doc) in the C struct's order
    ("n_osc", "i", "oscillators, 1 .. 16 (default 4)"),
    ("device", "device", "the device type, a nanocim.stno.Device (default: the built-in vortex "
     "oscillator at 300 K); a live view: cfg.device.temperature_k = 0 changes the "
     "configuration; assign a Device, a device file path or None to replace it"),
    ("spread", "bool", "True: the n_osc devices drawn around the device with its spread "
     "(ncm_stno_spread, seed chip_seed) (default True)"),
    ("chip_seed", "u64", "Philox key of the devices' draw: one simulated chip (default 1)"),
    ("w_mhz", "f", "all-to-all coupling W_ij / 2 pi, MHz, >= 0 (default 0.2)"),
    ("beta_rad", "f", "coupling phase, rad (default 0)"),
    ("amp_mhz", "amp", "input k's amplitude F_k / 2 pi, MHz, > 0: float64 (3,), a writeable view "
     "(default 1.5, 0.8, 0.8); assign a number (all inputs) or 1 to 3 numbers (the first ones)"),
    ("in_gain", "gain", "g_ik, how strongly input k drives oscillator i, in [0, 1]: float64 "
     "(n_osc, 3), a writeable view (default all 1); assign a number (all), a row of 1 to 3 "
     "numbers (every oscillator) or an (oscillators, inputs) array (the first rows and "
     "columns)"),
    ("i_min_ma", "f", "lowest DC current the loop may set, mA (default 5)"),
    ("i_max_ma", "f", "highest DC current, mA (default 14)"),
    ("band_lo_mhz", "f", "the encoding's band: each feature's training range onto [band_lo, "
     "band_hi], MHz (default 318)"),
    ("band_hi_mhz", "f", "(default 330)"),
    ("margin", "f", "the band shrunk by this fraction at each end, [0, 0.5) (default 0)"),
    ("dt_ns", "f", "integration step, ns; 0: automatic (default)"),
    ("t_transient_ns", "f", "simulated and discarded before the window, ns (default 200)"),
    ("t_window_ns", "f", "read-out window, ns (default 1000)"),
    ("noise_seed", "u64", "Philox key of the thermal noise (default 1)"),
    ("design_starts", "i", "restarts of the targets' coordinate search, 1 .. 1000 (default 8)"),
    ("design_seed", "u64", "its Philox key (default 1)"),
    ("epochs", "i", "passes of the on-line rule over the training set, 0 .. 10000 (default 20)"),
    ("lr", "f", "the rule's rate, (0, 1] (default 0.2)"),
    ("push_mhz", "f", "the rule's frequency step at rate 1, MHz, >= 0 (default 0.5)"),
    ("lr_decay", "f", "the rate at epoch e is lr / (1 + lr_decay e), >= 0 (default 0.2)"),
    ("shuffle_seed", "u64", "order of the samples in each epoch (default 1)"),
    ("learn", "bool", "False: no learning, the untrained network (default True)"),
)


def _bool_property(attr, doc):
    def get(self):
        return bool(getattr(self._s, attr))

    def set_(self, v):
        # True/False, or an int (a value other than 0 and 1 is the library's to refuse, by name)
        setattr(self._s, attr, int(v) if isinstance(v, bool) else as_int(attr, v))
    return property(get, set_, doc=doc)


def _device_property(doc):
    def get(self):
        d = object.__new__(stno.Device)
        d._s = self._s.device  # shares the configuration's memory (and keeps it alive)
        return d

    def set_(self, v):
        self._s.device = as_device(v, stno.Device)._s
    return property(get, set_, doc=doc)


def _amp_property(doc):
    def get(self):
        return np.ctypeslib.as_array(self._s.amp_mhz)

    def set_(self, v):
        a = _floats("amp_mhz", v)
        if a.ndim == 0:
            a = np.full(MAX_IN, float(a))
        if a.ndim != 1 or not 1 <= a.size <= MAX_IN:
            raise ArgumentError(f"amp_mhz shape {a.shape}: expected a number or 1 to {MAX_IN} "
                                "numbers (one per input)")
        np.ctypeslib.as_array(self._s.amp_mhz)[:a.size] = a
    return property(get, set_, doc=doc)


def _gain_property(doc):
    def get(self):
        n = min(max(int(self._s.n_osc), 1), MAX_OSC)
        return np.ctypeslib.as_array(self._s.in_gain)[:n]

    def set_(self, v):
        a = _floats("in_gain", v)
        g = np.ctypeslib.as_array(self._s.in_gain)
        if a.ndim == 0:
            g[:, :] = float(a)
        elif a.ndim == 1 and 1 <= a.size <= MAX_IN:
            g[:, :a.size] = a
        elif a.ndim == 2 and 1 <= a.shape[0] <= MAX_OSC and 1 <= a.shape[1] <= MAX_IN:
            g[:a.shape[0], :a.shape[1]] = a
        else:
            raise ArgumentError(f"in_gain shape {a.shape}: expected a number, a row of 1 to "
                                f"{MAX_IN} gains, or (oscillators <= {MAX_OSC}, inputs <= "
                                f"{MAX_IN})")
    return property(get, set_, doc=doc)


class Config(_ParamSet):
    __doc__ = """The oscillator network and how it learns (``ncm_vowel_config``): n_osc
    oscillators of one device type (drawn once per chip with its spread) in series, coupled all
    to all through their shared microwave current, driven by one microwave input per feature
    whose frequency encodes that feature; thermal noise at the device's temperature.
    ``Config()`` holds the library's defaults (``ncm_vowel_config_default``); ``Config(epochs=2,
    t_window_ns=300)`` the same with fields changed; :meth:`check` checks every field
    (``ncm_vowel_config_check``; ArgumentError naming it, "lr = 2: expected a fraction in (0,
    1]"); every call using the configuration checks it too. :meth:`replace` gives a changed
    copy, :meth:`chip_devices` the drawn devices. Attributes (the C member names):
    """ + "".join(f"\n    {a}: {doc}" for a, _, doc in _CONFIG_FIELDS) + "\n"

    __slots__ = ()
    _struct_ = _lib.VowelConfig
    _c_default_ = "ncm_vowel_config_default"
    _module_ = "nanocim.vowel"
    _spec_ = tuple((a, k if k in ("i", "u64", "f") else "f", doc) for a, k, doc in _CONFIG_FIELDS)

    def __init__(self, **fields):
        for k in fields:
            if k not in self.FIELDS:
                raise ArgumentError(f"Config: unknown field {k!r} (fields: "
                                    f"{', '.join(self.FIELDS)})")
        super().__init__()
        for k in self.FIELDS:  # in the struct's order: n_osc before in_gain
            if k in fields:
                setattr(self, k, fields[k])

    def check(self):
        """Checks every field (``ncm_vowel_config_check``); raises ArgumentError naming the
        field ("amp_mhz[1] = -1: ..."). Returns self."""
        call(lib.ncm_vowel_config_check, _ref(self._s))
        return self

    def to_dict(self):
        """{field: value} in the C struct's order: device a :class:`nanocim.stno.Device` (a
        copy), amp_mhz a list of 3 floats, in_gain a list of n_osc rows of 3."""
        out = {}
        for f in self.FIELDS:
            v = getattr(self, f)
            if f == "device":
                v = v.copy()
            elif isinstance(v, np.ndarray):
                v = v.tolist()
            out[f] = v
        return out

    def chip_devices(self):
        """The n_osc devices of the simulated chip, as the library draws them: a list of
        :class:`nanocim.stno.Device` (``Device.spread(n_osc, seed=chip_seed)`` when spread, else
        n_osc copies of the device). What :func:`learn_step` takes."""
        n = as_int("n_osc", self.n_osc, 1, MAX_OSC)
        if self.spread:
            return self.device.spread(n, seed=self.chip_seed)
        return [self.device.copy() for _ in range(n)]

    def __repr__(self):
        d, base = self.to_dict(), Config().to_dict()
        # the default gains are all 1, for every number of oscillators
        base["in_gain"] = np.ones(np.shape(d["in_gain"])).tolist()
        items = ", ".join(f"{k}={v!r}" for k, v in d.items() if v != base[k])
        return f"nanocim.vowel.Config({items})"


for _a, _k, _doc in _CONFIG_FIELDS:
    if _k == "bool":
        setattr(Config, _a, _bool_property(_a, _doc))
    elif _k == "device":
        setattr(Config, _a, _device_property(_doc))
    elif _k == "amp":
        setattr(Config, _a, _amp_property(_doc))
    elif _k == "gain":
        setattr(Config, _a, _gain_property(_doc))
del _a, _k, _doc


def _make_config(config, fields, name="config"):
    """A copy of config (None: Config()) with the given fields changed."""
    if config is None:
        c = Config()
    elif isinstance(config, Config):
        c = config.copy()
    else:
        raise ArgumentError(f"{name} {type(config).__name__}: expected a nanocim.vowel.Config "
                            "or None")
    for k, v in fields.items():
        if k not in Config.FIELDS:
            raise ArgumentError(f"unknown configuration field {k!r} (fields: "
                                f"{', '.join(Config.FIELDS)})")
        setattr(c, k, v)
    return c


# ---- scores, models, training --------------------------------------------------------------------

def _confusion(flat, n_classes):
    k = max(int(n_classes), 0)
    return _frozen(np.array(flat[:k * k], dtype=np.int64).reshape(k, k))


class Score:
    """Scores of a network on a set (``ncm_vowel_score``; a copy): n tokens, correct, undecided
    (a tie between the nearest targets, or nothing locked: counted as errors), accuracy
    (correct / n), n_classes, confusion int64 (n_classes, n_classes), [true, predicted]
    (undecided tokens are in no column)."""

    __slots__ = ("n", "correct", "undecided", "accuracy", "n_classes", "confusion")

    def __init__(self, s):
        self.n, self.correct, self.undecided = int(s.n), int(s.correct), int(s.undecided)
        self.accuracy = float(s.accuracy)
        self.n_classes = int(s.n_classes)
        self.confusion = _confusion(s.confusion, s.n_classes)

    def as_dict(self):
        return {"n": self.n, "correct": self.correct, "undecided": self.undecided,
                "accuracy": self.accuracy, "confusion": self.confusion.tolist()}

    def __eq__(self, other):
        if not isinstance(other, Score):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    __hash__ = None

    def __repr__(self):
        return (f"<nanocim.vowel.Score accuracy {self.accuracy:.4f} ({self.correct}/{self.n}, "
                f"{self.undecided} undecided)>")


def _threads(threads):
    return as_int("threads", threads, 0)


def _int8s(name, value, shape=None):
    try:
        a = np.asarray(value)
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} {value!r}: expected integers") from None
    if a.dtype.kind not in "iub" or (shape is not None and a.shape != shape):
        raise ArgumentError(f"{name} {value!r}: expected integers of shape {shape}")
    if a.size and (a.min() < -128 or a.max() > 127):
        raise ArgumentError(f"{name}: values {a.min()} .. {a.max()}, expected -1 (free) or an "
                            "input index")
    return np.ascontiguousarray(a, dtype=np.int8)


class Model:
    """A trained network (``ncm_vowel_model``, a plain value): everything :meth:`eval` needs,
    the configuration (the chip is drawn again from its seed), the encoding, the classes'
    target patterns and the learned DC currents. From :func:`train` (``training.model``) or
    :meth:`load`. Attributes (copies): config (:class:`Config`), vowels, formants, groups (the
    training selection), n_classes, n_osc, n_in, encoding (:class:`Encoding`), targets int8
    (n_classes, n_osc) (class c's pattern: the input each oscillator locks to, or -1 free),
    i_dc_ma (the learned currents), i_init_ma (before learning), f_free_mhz (free-running
    frequencies at i_dc_ma), each float64 (n_osc,)."""

    __slots__ = ("_s",)

    def __init__(self, s):
        self._s = _lib.VowelModel.from_buffer_copy(s)

    @classmethod
    def load(cls, path):
        """Reads a model file (``ncm_vowel_model_load``; format "nanocim-vowel-model", or a
        study's "nanocim-vowel-result" file, whose "model" it takes). Every field is checked;
        FormatError / VersionError / FileError naming the file and the field."""
        s = _lib.VowelModel()
        call(lib.ncm_vowel_model_load, as_path("path", path), _ref(s))
        return cls(s)

    def save(self, path):
        """Writes the model as JSON, atomically (``ncm_vowel_model_save``); ArgumentError for a
        model that load would refuse."""
        call(lib.ncm_vowel_model_save, _ref(self._s), as_path("path", path))

    # ---- description ----------------------------------------------------------------------

    @property
    def config(self):
        return Config._from_struct(self._s.config)

    @property
    def vowels(self):
        return _sel_vowels(self._s.select)

    @property
    def formants(self):
        return _sel_formants(self._s.select)

    @property
    def groups(self):
        return _sel_groups(self._s.select)

    @property
    def n_classes(self):
        return int(self._s.n_classes)

    @property
    def n_osc(self):
        return int(self._s.n_osc)

    @property
    def n_in(self):
        return int(self._s.n_in)

    @property
    def encoding(self):
        return Encoding._from_struct(self._s.encoding)

    def _osc(self):
        return min(max(self.n_osc, 0), MAX_OSC)

    @property
    def targets(self):
        nc = min(max(self.n_classes, 0), _lib.NCM_VOWEL_N)
        return _frozen(np.array(self._s.targets[:nc * self._osc()], np.int8)
                       .reshape(nc, self._osc()))

    @property
    def i_dc_ma(self):
        return _frozen(self._s.i_dc_ma[:self._osc()])

    @property
    def i_init_ma(self):
        return _frozen(self._s.i_init_ma[:self._osc()])

    @property
    def f_free_mhz(self):
        return _frozen(self._s.f_free_mhz[:self._osc()])

    def replace(self, *, i_dc_ma=None, targets=None):
        """A copy with other currents (n_osc values, mA) or target patterns ((n_classes, n_osc)
        states); checked when the model is used (eval, map, save). f_free_mhz is not
        recomputed."""
        m = Model(self._s)
        no = self._osc()
        if i_dc_ma is not None:
            a = _floats("i_dc_ma", i_dc_ma, 1)
            if a.size != no:
                raise ArgumentError(f"i_dc_ma: {a.size} values, expected {no} (n_osc)")
            for i in range(no):
                m._s.i_dc_ma[i] = a[i]
        if targets is not None:
            t = _int8s("targets", targets, (self.n_classes, no))
            for j, v in enumerate(t.reshape(-1)):
                m._s.targets[j] = int(v)
        return m

    def __eq__(self, other):
        if not isinstance(other, Model):
            return NotImplemented
        return (self.config == other.config and self.vowels == other.vowels
                and self.formants == other.formants and self.groups == other.groups
                and self.encoding == other.encoding
                and np.array_equal(self.targets, other.targets)
                and np.array_equal(self.i_dc_ma, other.i_dc_ma)
                and np.array_equal(self.i_init_ma, other.i_init_ma)
                and np.array_equal(self.f_free_mhz, other.f_free_mhz))

    __hash__ = None

    def __repr__(self):
        return (f"<nanocim.vowel.Model {self.n_osc} oscillators, {self.n_in} inputs, "
                f"{self.n_classes} classes ({','.join(self.vowels)})>")

    # ---- use ------------------------------------------------------------------------------

    def eval(self, data, threads=0):
        """Scores the model on a set (``ncm_vowel_eval``): the set's vowels and formants must be
        the model's, in order (the speaker groups may differ). Returns (:class:`Score`,
        predictions int32 (n,), UNDECIDED (-1) where undecided). The result does not depend on
        threads."""
        s = _as_set(data, "data")
        nt = _threads(threads)
        pred = np.zeros(max(s.n, 1), np.int32)
        out = _lib.VowelScore()
        _lib.sync_threads()
        call(lib.ncm_vowel_eval, _ref(self._s), s._p, nt, pred.ctypes.data_as(_lib.p_i32),
             _ref(out))
        return Score(out), _frozen(pred[:s.n])

    def map(self, f1_hz, f2_hz, mid_hz=None, threads=0):
        """The synchronization map (``ncm_vowel_map``): the model's class at every point of the
        grid of features 0 and 1 (Hz), int32 (len(f2_hz), len(f1_hz)), [j, i] at (f1_hz[i],
        f2_hz[j]), UNDECIDED (-1) where undecided. A model with a third feature holds it at
        mid_hz (Hz: a number, or n_in values of which those of features 2.. are used; None: the
        middle of the encoding's range)."""
        f1 = _floats("f1_hz", f1_hz, 1)
        f2 = _floats("f2_hz", f2_hz, 1)
        mid = None
        if mid_hz is not None:
            if self.n_in < 3:
                raise ArgumentError(f"mid_hz: the model has {self.n_in} features, none to hold "
                                    "(mid_hz is for a third formant)")
            m = _floats("mid_hz", mid_hz)
            if m.ndim == 0:
                mid = np.full(self.n_in, float(m))
            elif m.shape == (self.n_in,):
                mid = m
            else:
                raise ArgumentError(f"mid_hz shape {m.shape}: expected a number or {self.n_in} "
                                    "values (one per feature)")
        nt = _threads(threads)
        pred = np.zeros((max(f2.size, 1), max(f1.size, 1)), np.int32)
        _lib.sync_threads()
        call(lib.ncm_vowel_map, _ref(self._s), f1.ctypes.data_as(_lib.p_f64),
             as_int("len(f1_hz)", f1.size), f2.ctypes.data_as(_lib.p_f64),
             as_int("len(f2_hz)", f2.size),
             None if mid is None else mid.ctypes.data_as(_lib.p_f64), nt,
             pred.ctypes.data_as(_lib.p_i32))
        return _frozen(pred)

    def classify(self, state):
        """The class of a synchronization pattern (or of each row of an (runs, n_osc) array) by
        the model's targets: see :func:`classify`."""
        return classify(state, self.targets)


def _doubles(ptr, n):
    """A copy of n doubles the library owns (read-only)."""
    return _frozen(view(ptr, np.float64, (max(int(n), 0),), None))


class Training:
    """What :func:`train` returns (``ncm_vowel_training``; a copy, the library's struct released
    at once): model (a :class:`Model`); the learned network's scores train and test, the same
    network before learning train_init and test_init, after the learning's first step alone
    (every oscillator set to its designed frequency through its own calibration) train_design
    and test_design, each a :class:`Score` (test*: zero without a test set); epochs (run),
    curve_train (training accuracy after each epoch) and curve_mismatch (fraction of on-line
    samples whose pattern missed its target), float64 (epochs,); design_train_accuracy (the
    design's, analytic model); runs (simulated samples), osc_steps (oscillator-steps
    integrated), sim_ns_per_sample (transient + window), seconds (wall time)."""

    def __init__(self, t):
        self.model = Model(t.model)
        for f in ("train", "test", "train_init", "test_init", "train_design", "test_design"):
            setattr(self, f, Score(getattr(t, f)))
        self.epochs = int(t.epochs)
        self.curve_train = _doubles(t.curve_train, self.epochs)
        self.curve_mismatch = _doubles(t.curve_mismatch, self.epochs)
        self.design_train_accuracy = float(t.design_train_accuracy)
        self.runs = int(t.runs)
        self.osc_steps = float(t.osc_steps)
        self.sim_ns_per_sample = float(t.sim_ns_per_sample)
        self.seconds = float(t.seconds)

    @property
    def config(self):
        return self.model.config

    def __repr__(self):
        return (f"<nanocim.vowel.Training {self.epochs} epochs: train {self.train.accuracy:.3f}, "
                f"test {self.test.accuracy:.3f} (untrained {self.test_init.accuracy:.3f}), "
                f"{self.seconds:.3g} s>")


def train(train_set, test_set=None, config=None, threads=0, progress=None, **config_fields):
    """Designs the target patterns, learns the DC currents on train_set and scores the network on
    both sets (``ncm_vowel_train``); test_set may be None. config: a :class:`Config` (None: the
    defaults), and any of its fields given here override it (``epochs=2``, ``t_window_ns=300``,
    ...). threads: OpenMP threads (0: the current setting; the result does not depend on it);
    progress: callable progress(task, done, total) (task "vowel train", in epochs) returning
    true to cancel (Cancelled). Returns a :class:`Training`."""
    cfg = _make_config(config, config_fields)
    tr = _as_set(train_set, "train_set")
    te = None if test_set is None else _as_set(test_set, "test_set")
    nt = _threads(threads)
    err = _lib.Error()
    with Bridge(progress) as br:
        p = lib.ncm_vowel_train(_ref(cfg._s), tr._p, None if te is None else te._p, nt,
                                br.pointer, ctypes.byref(err))
    result = None
    if p:
        try:
            result = Training(p.contents)
        finally:
            lib.ncm_vowel_train_free(p)
    br.reraise()
    if result is None:
        raise from_struct(err)
    return result


def _devices(config, devices):
    n = config.n_osc
    if devices is None:
        return config.chip_devices()
    if isinstance(devices, (list, tuple)):
        devs = [as_device(d, stno.Device, f"devices[{i}]") for i, d in enumerate(devices)]
        if len(devs) != n:
            raise ArgumentError(f"devices: {len(devs)} devices, expected {n} (n_osc)")
        return devs
    return [as_device(devices, stno.Device)] * n


def learn_step(config, devices, f_in_mhz, state, target, rate, i_dc_ma):
    """One step of the learning rule for one sample (``ncm_vowel_learn_step``; docs/vowels.md,
    "Learning rule"): every oscillator i whose state differs from its target has its
    free-running frequency f (device devices[i] at i_dc_ma[i]) pulled towards its target input
    (by min(s, |f_k - f|)) or pushed away from the input it wrongly locks to (by s), s = rate x
    push_mhz, and gets the current at which it runs free at the new f, within [i_min_ma,
    i_max_ma]. config: a :class:`Config` (None: the defaults); devices: one
    :class:`nanocim.stno.Device` per oscillator, one for all, or None (the chip's,
    :meth:`Config.chip_devices`); f_in_mhz: the sample's input frequencies (n_in values, MHz);
    state, target: n_osc states (-1 free, or an input index); rate in (0, 1]; i_dc_ma: the n_osc
    currents (mA, not modified). Returns (the new currents float64 (n_osc,), the number of
    oscillators moved)."""
    cfg = _make_config(config, {})
    cfg.check()
    n = cfg.n_osc
    devs = _devices(cfg, devices)
    arr = (_lib.StnoParams * n)(*[d._s for d in devs])
    f = _floats("f_in_mhz", f_in_mhz)
    f = np.ascontiguousarray(f.reshape(-1))
    st = _int8s("state", state, (n,))
    tg = _int8s("target", target, (n,))
    cur = _floats("i_dc_ma", i_dc_ma, 1).copy()
    if cur.size != n:
        raise ArgumentError(f"i_dc_ma: {cur.size} values, expected {n} (n_osc)")
    moved = ctypes.c_int()
    call(lib.ncm_vowel_learn_step, _ref(cfg._s), arr, as_int("n_in", f.size),
         f.ctypes.data_as(_lib.p_f64), st.ctypes.data_as(_lib.p_i8),
         tg.ctypes.data_as(_lib.p_i8), as_float("rate", rate), cur.ctypes.data_as(_lib.p_f64),
         ctypes.byref(moved))
    return cur, moved.value


# ---- read-out helpers ---------------------------------------------------------------------------

def pattern_count(n_osc, n_in):
    """The number of synchronization patterns, (n_in + 1)^n_osc (``ncm_vowel_pattern_count``);
    -1 out of range."""
    return int(lib.ncm_vowel_pattern_count(as_int("n_osc", n_osc), as_int("n_in", n_in)))


def check_targets(targets, n_in):
    """Checks target patterns, int (n_classes, n_osc) (``ncm_vowel_targets_check``): states in
    range, distinct patterns, not more classes than patterns. ArgumentError otherwise."""
    t = np.asarray(targets)
    if t.ndim != 2:
        raise ArgumentError(f"targets shape {t.shape}: expected (n_classes, n_osc)")
    t = _int8s("targets", t)
    call(lib.ncm_vowel_targets_check, t.ctypes.data_as(_lib.p_i8), as_int("n_classes", t.shape[0]),
         as_int("n_osc", t.shape[1]), as_int("n_in", n_in))


def classify(state, targets):
    """The class of a synchronization pattern (``ncm_vowel_classify``): the target (a row of
    targets, int (n_classes, n_osc)) at the smallest Hamming distance. state: n_osc states, or
    an (runs, n_osc) array. Returns (class, distance) -- UNDECIDED (-1) for a tie, or for every
    oscillator free unless a target is that pattern -- or two int32 arrays (runs,)."""
    t = np.asarray(targets)
    if t.ndim != 2 or not 1 <= t.shape[1] <= MAX_OSC:
        raise ArgumentError(f"targets shape {t.shape}: expected (n_classes, n_osc <= {MAX_OSC})")
    t = _int8s("targets", t)
    nc, no = t.shape
    s = _int8s("state", state)
    one = s.ndim == 1
    s2 = s.reshape(1, -1) if one else s
    if s2.ndim != 2 or s2.shape[1] != no:
        raise ArgumentError(f"state shape {s.shape}: expected ({no},) or (runs, {no})")
    s2 = np.ascontiguousarray(s2)
    cls = np.empty(s2.shape[0], np.int32)
    dist = np.empty(s2.shape[0], np.int32)
    d = ctypes.c_int()
    tp = t.ctypes.data_as(_lib.p_i8)
    for r in range(s2.shape[0]):
        cls[r] = lib.ncm_vowel_classify(s2[r].ctypes.data_as(_lib.p_i8), tp, nc, no,
                                        ctypes.byref(d))
        dist[r] = d.value
    return (int(cls[0]), int(dist[0])) if one else (cls, dist)


def states(locked, plv=None):
    """The synchronization pattern of a run from its locking decisions (``ncm_vowel_states``):
    locked bool (n_osc, n_in) (oscillator i locked to input k: :attr:`nanocim.stno.Observations.
    in_locked` of one run) or (runs, n_osc, n_in); plv: the phase-locking values of the same
    shape (``in_plv``; None: an oscillator locked to two inputs takes the lower one). Returns
    int8 (n_osc,) or (runs, n_osc): the input each oscillator is locked to, or FREE (-1)."""
    lk = np.asarray(locked)
    if lk.ndim not in (2, 3) or not 1 <= lk.shape[-1] <= MAX_IN \
            or not 1 <= lk.shape[-2] <= MAX_OSC:
        raise ArgumentError(f"locked shape {lk.shape}: expected (n_osc <= {MAX_OSC}, n_in <= "
                            f"{MAX_IN}) or (runs, n_osc, n_in)")
    one = lk.ndim == 2
    lk3 = np.ascontiguousarray((lk.reshape((1,) + lk.shape) if one else lk) != 0, np.uint8)
    pl3 = None
    if plv is not None:
        p = _floats("plv", plv)
        if p.shape != lk.shape:
            raise ArgumentError(f"plv shape {p.shape}: expected that of locked, {lk.shape}")
        pl3 = np.ascontiguousarray(p.reshape(lk3.shape))
    R, no, ni = lk3.shape
    out = np.empty((R, no), np.int8)
    for r in range(R):
        lib.ncm_vowel_states(lk3[r].ctypes.data_as(_lib.p_u8),
                             None if pl3 is None else pl3[r].ctypes.data_as(_lib.p_f64), no, ni,
                             out[r].ctypes.data_as(_lib.p_i8))
    return out[0] if one else out


# ---- baselines and the study ---------------------------------------------------------------------

class BaselineParams(_ParamSet):
    __doc__ = """Parameters of the software baselines (``ncm_vowel_baseline_params``; only the
    MLP has any), the library's defaults (``ncm_vowel_baseline_default``) with fields changed.
    Checked where used (ArgumentError naming the field). Attributes:
    """ + "".join(f"\n    {a}: {d}" for a, d in (
        ("hidden", "MLP hidden units, 1 .. 1024 (default 16)"),
        ("epochs", "MLP epochs of full-batch Adam (default 2000)"),
        ("lr", "MLP Adam learning rate (default 0.01)"),
        ("l2", "MLP weight decay (default 1e-2)"),
        ("seed", "MLP initial weights (default 1)"))) + "\n"

    __slots__ = ()
    _struct_ = _lib.VowelBaselineParams
    _c_default_ = "ncm_vowel_baseline_default"
    _module_ = "nanocim.vowel"
    _spec_ = (("hidden", "i", "MLP hidden units"), ("epochs", "i", "MLP epochs"),
              ("lr", "f", "MLP learning rate"), ("l2", "f", "MLP weight decay"),
              ("seed", "u64", "MLP initial weights"))


def _baseline_params(p, name="baseline_params"):
    if p is None:
        return BaselineParams()
    if isinstance(p, BaselineParams):
        return p
    if isinstance(p, dict):
        return BaselineParams(**p)
    raise ArgumentError(f"{name} {type(p).__name__}: expected a nanocim.vowel.BaselineParams, a "
                        "dict of its fields, or None")


_BASELINE_KINDS = {"nearest-centroid": _lib.NCM_VOWEL_CENTROID,
                   "centroid": _lib.NCM_VOWEL_CENTROID, "gaussian": _lib.NCM_VOWEL_GAUSSIAN,
                   "mlp": _lib.NCM_VOWEL_MLP}


def _baseline_kind(kind):
    if isinstance(kind, str):
        k = _BASELINE_KINDS.get(kind.lower())
        if k is None:
            raise ArgumentError(f"kind {kind!r}: expected one of "
                                + ", ".join(f'"{b}"' for b in BASELINES))
        return k
    return as_int("kind", kind)  # the library refuses an unknown index


class BaselineResult:
    """A software classifier trained on one set and scored on another
    (``ncm_vowel_baseline_result``; a copy): name ("nearest-centroid", "gaussian", "mlp"),
    train_accuracy, test_accuracy, n_classes, confusion int64 (n_classes, n_classes) on the
    test set, [true, predicted]."""

    __slots__ = ("name", "train_accuracy", "test_accuracy", "n_classes", "confusion")

    def __init__(self, r):
        self.name = _lib.text(lib.ncm_vowel_baseline_name(r.kind))
        self.train_accuracy = float(r.train_accuracy)
        self.test_accuracy = float(r.test_accuracy)
        self.n_classes = int(r.n_classes)
        self.confusion = _confusion(r.confusion, r.n_classes)

    def as_dict(self):
        return {"name": self.name, "train_accuracy": self.train_accuracy,
                "test_accuracy": self.test_accuracy, "confusion": self.confusion.tolist()}

    def __repr__(self):
        return (f"<nanocim.vowel.BaselineResult {self.name}: train {self.train_accuracy:.3f}, "
                f"test {self.test_accuracy:.3f}>")


def baseline(kind, train_set, test_set, hidden=None, epochs=None, lr=None, l2=None, seed=None):
    """Trains a software classifier on train_set and scores it on both sets
    (``ncm_vowel_baseline``; the same selection): kind "nearest-centroid" (features standardised
    on the training set), "gaussian" (one full-covariance normal per class) or "mlp" (one tanh
    hidden layer; hidden, epochs, lr, l2, seed: its parameters, None: the library's defaults 16,
    2000, 0.01, 1e-2, 1). The result depends only on the sets and the parameters. Returns a
    :class:`BaselineResult`."""
    k = _baseline_kind(kind)
    tr = _as_set(train_set, "train_set")
    te = _as_set(test_set, "test_set")
    p = BaselineParams(**{f: v for f, v in (("hidden", hidden), ("epochs", epochs), ("lr", lr),
                                            ("l2", l2), ("seed", seed)) if v is not None})
    out = _lib.VowelBaselineResult()
    call(lib.ncm_vowel_baseline, k, tr._p, te._p, _ref(p._s), _ref(out))
    return BaselineResult(out)


def _print_text(fn, ptr, what):
    """What a library printer (``ncm_X_print(obj, FILE *, err)``) writes, as str, through an
    in-memory stream."""
    buf, size = ctypes.c_void_p(), ctypes.c_size_t()
    f = _lib.libc.open_memstream(ctypes.byref(buf), ctypes.byref(size))
    if not f:
        raise MemoryError(f"{what}: cannot open a memory stream")
    err = _lib.Error()
    try:
        st = fn(ptr, f, ctypes.byref(err))
    finally:
        closed = _lib.libc.fclose(f)  # sets buf and size to the final text
        text = ctypes.string_at(buf, size.value).decode("utf-8", "replace") if buf.value else ""
        _lib.libc.free(buf)
    check(st, err)
    if closed:
        raise error(_lib.NCM_ERR_IO, f"{what}: closing the memory stream failed")
    return text


class Study:
    """The network beside its ablations and the software baselines on one split
    (``ncm_vowel_study``; what ``nanocim vowels`` runs): net (the configured network, a
    :class:`Training`; its untrained scores in net.train_init, net.test_init), uncoupled (the
    same network with w_mhz = 0, a Training, or None when the configuration is uncoupled),
    baselines (nearest-centroid, gaussian, mlp: :class:`BaselineResult`), n_train, n_test,
    n_train_speakers, n_test_speakers, train_source, test_source. :meth:`report` is the text the
    command prints, :meth:`save_json` its result file (which :meth:`Model.load` reads back)."""

    def __init__(self, ptr):
        self._h = _lib.Handle(ptr, lib.ncm_vowel_study_free)
        self._p = ptr
        s = ptr.contents
        self.net = Training(s.net.contents)
        self.uncoupled = Training(s.uncoupled.contents) if s.uncoupled else None
        self.baselines = [BaselineResult(s.baseline[i]) for i in range(s.n_baselines)]
        self.n_train, self.n_test = int(s.n_train), int(s.n_test)
        self.n_train_speakers = int(s.n_train_speakers)
        self.n_test_speakers = int(s.n_test_speakers)
        self.train_source = s.train_source.decode("utf-8", "replace")
        self.test_source = s.test_source.decode("utf-8", "replace")

    @property
    def model(self):
        return self.net.model

    def report(self):
        """The comparison as text (``ncm_vowel_study_print``): train and test accuracy of every
        entry, the learned currents and frequencies, the targets, the network's test confusion
        matrix and its timing."""
        return _print_text(lib.ncm_vowel_study_print, self._p, "vowel study report")

    def save_json(self, path):
        """Writes the study as JSON, atomically (``ncm_vowel_study_save_json``; format
        "nanocim-vowel-result": model, scores, baselines, curve, data, timing)."""
        call(lib.ncm_vowel_study_save_json, self._p, as_path("path", path))

    def __repr__(self):
        return (f"<nanocim.vowel.Study network test {self.net.test.accuracy:.3f}, "
                + ", ".join(f"{b.name} {b.test_accuracy:.3f}" for b in self.baselines) + ">")


def study(train_set, test_set, config=None, baseline_params=None, threads=0, progress=None,
          **config_fields):
    """Trains the network and its uncoupled twin and the three baselines on train_set, scores all
    on both sets (``ncm_vowel_study_new``). config and config_fields as in :func:`train`;
    baseline_params: a :class:`BaselineParams` or a dict of its fields (None: the defaults);
    threads, progress as in :func:`train` (the network's, then the twin's). Returns a
    :class:`Study`."""
    cfg = _make_config(config, config_fields)
    tr = _as_set(train_set, "train_set")
    te = _as_set(test_set, "test_set")
    bp = _baseline_params(baseline_params)
    nt = _threads(threads)
    err = _lib.Error()
    with Bridge(progress) as br:
        p = lib.ncm_vowel_study_new(_ref(cfg._s), tr._p, te._p, _ref(bp._s), nt, br.pointer,
                                    ctypes.byref(err))
    result = Study(p) if p else None
    br.reraise()
    if result is None:
        raise from_struct(err)
    return result


# ---- robustness sweep ----------------------------------------------------------------------------

_SWEEP_KINDS = {"temperature_k": _lib.NCM_VOWEL_SWEEP_TEMPERATURE,
                "temperature": _lib.NCM_VOWEL_SWEEP_TEMPERATURE,
                "spread_scale": _lib.NCM_VOWEL_SWEEP_SPREAD, "spread": _lib.NCM_VOWEL_SWEEP_SPREAD}


class Sweep:
    """Accuracy against temperature or device spread (``ncm_vowel_sweep``): one training per
    value, design, calibration and learning redone there (the same chip seed). kind
    ("temperature_k" or "spread_scale"), values, train_accuracy, test_accuracy (the learned
    network), untrained_test_accuracy (at the nominal currents), float64 (n,) (copies);
    seconds. :meth:`table` is the text table, :meth:`save_csv` the CSV file."""

    def __init__(self, ptr):
        self._h = _lib.Handle(ptr, lib.ncm_vowel_sweep_free)
        self._p = ptr
        s = ptr.contents
        self.kind = _lib.text(lib.ncm_vowel_sweep_name(s.kind))
        self.n = int(s.n)
        self.values = _doubles(s.value, s.n)
        self.train_accuracy = _doubles(s.train_accuracy, s.n)
        self.test_accuracy = _doubles(s.test_accuracy, s.n)
        self.untrained_test_accuracy = _doubles(s.untrained_test_accuracy, s.n)
        self.seconds = float(s.seconds)

    def __len__(self):
        return self.n

    def rows(self):
        """The points as dicts: {kind: value, "train_accuracy", "test_accuracy",
        "untrained_test_accuracy"}."""
        return [{self.kind: float(self.values[p]),
                 "train_accuracy": float(self.train_accuracy[p]),
                 "test_accuracy": float(self.test_accuracy[p]),
                 "untrained_test_accuracy": float(self.untrained_test_accuracy[p])}
                for p in range(self.n)]

    def table(self):
        """The text table (``ncm_vowel_sweep_print``): the value, train and test accuracy (%),
        untrained test accuracy (%)."""
        return _print_text(lib.ncm_vowel_sweep_print, self._p, "vowel sweep table")

    def save_csv(self, path):
        """Writes the sweep as CSV, atomically (``ncm_vowel_sweep_save_csv``): header
        "<kind>,train_accuracy,test_accuracy,untrained_test_accuracy", fractions in [0, 1]."""
        call(lib.ncm_vowel_sweep_save_csv, self._p, as_path("path", path))

    def __repr__(self):
        return f"<nanocim.vowel.Sweep {self.kind} x {self.n}, {self.seconds:.3g} s>"


def sweep(train_set, test_set, kind, values, config=None, threads=0, progress=None,
          **config_fields):
    """Trains the network again at each value (``ncm_vowel_sweep_new``): kind "temperature_k"
    (the device's temperature, K, 0 .. 1e4) or "spread_scale" (a factor on the device's three
    spread sigmas, 0 .. 100); values: 1 to 1000 numbers. config and config_fields as in
    :func:`train`; threads; progress (task "vowel sweep", in points). Returns a
    :class:`Sweep`."""
    if not isinstance(kind, str) or kind.lower() not in _SWEEP_KINDS:
        raise ArgumentError(f"kind {kind!r}: expected one of "
                            + ", ".join(f'"{k}"' for k in SWEEP_KINDS))
    k = _SWEEP_KINDS[kind.lower()]
    cfg = _make_config(config, config_fields)
    tr = _as_set(train_set, "train_set")
    te = _as_set(test_set, "test_set")
    v = np.ascontiguousarray(np.atleast_1d(_floats("values", values)).reshape(-1))
    nt = _threads(threads)
    err = _lib.Error()
    with Bridge(progress) as br:
        p = lib.ncm_vowel_sweep_new(_ref(cfg._s), tr._p, te._p, k, v.ctypes.data_as(_lib.p_f64),
                                    as_int("len(values)", v.size), nt, br.pointer,
                                    ctypes.byref(err))
    result = Sweep(p) if p else None
    br.reraise()
    if result is None:
        raise from_struct(err)
    return result
