"""Energy, area and latency of one inference: a model on the in-memory chip against the same
network on a conventional processor (include/nanocim/cost.h; what ``nanocim chip cost`` runs).

Every figure is a count of operations times a per-operation constant of a technology,
:class:`Tech` (``ncm_tech``; the built-in 45 nm CMOS / HfO2 one, data/tech_45nm.json, or a
technology file). The counts are exact closed forms of the layer shapes and the chip's mapping
(docs/cost.md): for layer l with K = fan_in, N = cout, P output positions and b bit planes (8
for the first layer, 1 after), the 2T2R chip senses K N b P cells, makes K N b P XNORs and
popcount inputs, and reads ceil(N / cols) K b P rows.

    t = nanocim.cost.Tech(e_sense_pj=0.02)
    r = nanocim.cost.chip(model, nanocim.chip.Config(rows=64, cols=64), tech=t)
    r.total_pj, r.count["sense"], r.energy_pj["sense"]
    study = nanocim.cost.compare(model, ["2t2r", "1t1r-secded"])
    print(study.table())

:func:`chip` costs the chip on a :class:`nanocim.chip.Config` (its arrays, storage, device and
programming conditions; the mode and error rates do not matter), :func:`processor` one of the
four baselines ("sram-bnn", "dram-bnn", "sram-float", "dram-float"), :func:`compare` the chips
on several configurations beside the four baselines. Each returns :class:`Report` objects
(copies: plain Python values and numpy arrays). Errors raise the package's exceptions with the
library's message, which names the technology field as "group.field" ("technology: field
\"array.e_sense_pj\" must be >= 0, found -1") or the configuration's field.
"""

import ctypes
import math
import os

import numpy as np

from . import _lib
from . import chip as _chip
from . import rram
from ._checks import as_int, as_path
from ._errors import ArgumentError, call, check, error
from ._lib import lib
from ._model import Model
from .rram import _field_list, _ParamSet

__all__ = ["Tech", "Part", "Report", "Study", "chip", "processor", "compare", "as_tech", "ITEMS",
           "ARCHS"]

# The items an inference is made of, in the library's order (ncm_cost_item_name): "device_read",
# "sense", ..., "act_fetch".
ITEMS = tuple(_lib.text(lib.ncm_cost_item_name(i)) for i in range(_lib.NCM_COST_N_ITEMS))
# The architectures: the chip, then the processor baselines (the JSON's "kind").
ARCHS = {"chip": _lib.NCM_ARCH_CHIP, "sram-bnn": _lib.NCM_ARCH_SRAM_BNN,
         "dram-bnn": _lib.NCM_ARCH_DRAM_BNN, "sram-float": _lib.NCM_ARCH_SRAM_FLOAT,
         "dram-float": _lib.NCM_ARCH_DRAM_FLOAT}
_ARCH_NAMES = {v: k for k, v in ARCHS.items()}
_BASELINES = ("sram-bnn", "dram-bnn", "sram-float", "dram-float")


# ---- the technology -----------------------------------------------------------------------------

# Tech attributes (the C member names), their technology-file fields ("group.key", as the
# library's messages name them) and units (cost.h; values and sources: docs/cost.md).
_TECH_FIELDS = (
    ("name", "name", "technology name (< 64 bytes)"),
    ("node_nm", "node.node_nm", "CMOS node of the periphery and logic, nm, > 0"),
    ("vdd_v", "node.vdd_v", "supply voltage, V, > 0"),
    ("v_read_v", "array.v_read_v", "voltage across a device during a read, V, > 0"),
    ("t_read_ns", "array.t_read_ns", "read pulse, ns, > 0"),
    ("e_sense_pj", "array.e_sense_pj", "one sense-amplifier decision (2T2R: the XNOR included), "
                                       "pJ"),
    ("e_precharge_pj", "array.e_precharge_pj", "precharge of one sense amplifier, pJ"),
    ("e_word_line_pj", "array.e_word_line_pj", "one word-line pulse (one row read), pJ"),
    ("e_bit_line_pj", "array.e_bit_line_pj", "one column's bit-line drive per row read, pJ"),
    ("t_cycle_ns", "array.t_cycle_ns", "one row read, precharge to decision, ns, > 0"),
    ("e_gate_pj", "logic.e_gate_pj", "one 2-input gate switching (1T1R XNOR, SECDED decoders), "
                                     "pJ"),
    ("e_popcount_bit_pj", "logic.e_popcount_bit_pj", "one input bit into a popcount, pJ"),
    ("e_add_pj", "logic.e_add_pj", "one 16-bit addition (partial sums, planes), pJ"),
    ("e_compare_pj", "logic.e_compare_pj", "one 16-bit comparison (threshold, argmax, max-pool), "
                                           "pJ"),
    ("e_reg_bit_pj", "logic.e_reg_bit_pj", "writing one bit of an activation register, pJ"),
    ("e_wire_bit_mm_pj", "logic.e_wire_bit_mm_pj", "moving one bit over 1 mm of wire, pJ"),
    ("transfer_mm", "logic.transfer_mm", "distance an activation travels between layers, mm"),
    ("t_logic_ns", "logic.t_logic_ns", "partial sums, threshold and transfer of one output "
                                       "position after its last row read, ns"),
    ("a_cell_2t2r_um2", "area.a_cell_2t2r_um2", "one 2T2R cell, um^2, > 0"),
    ("a_cell_1t1r_um2", "area.a_cell_1t1r_um2", "one 1T1R cell, um^2, > 0"),
    ("a_sense_um2", "area.a_sense_um2", "one sense amplifier, um^2"),
    ("a_popcount_um2", "area.a_popcount_um2", "one column's popcount counter, um^2"),
    ("a_row_decoder_um2", "area.a_row_decoder_um2", "row decoder and driver per row, um^2"),
    ("a_gate_um2", "area.a_gate_um2", "one 2-input gate (SECDED decoders), um^2"),
    ("a_sram_bit_um2", "area.a_sram_bit_um2", "one 6T SRAM cell (processor baselines), um^2, > 0"),
    ("e_sram_weight_word_pj", "processor.e_sram_weight_word_pj", "64-bit read of the weight "
                                                                 "SRAM, pJ"),
    ("e_sram_act_word_pj", "processor.e_sram_act_word_pj", "64-bit read or write of the "
                                                           "activation SRAM, pJ"),
    ("e_dram_word_pj", "processor.e_dram_word_pj", "64-bit DRAM access, pJ"),
    ("e_logic_word_pj", "processor.e_logic_word_pj", "one 64-bit bitwise operation (XNOR), pJ"),
    ("e_add32_pj", "processor.e_add32_pj", "32-bit integer addition (accumulate), pJ"),
    ("e_fmul_pj", "processor.e_fmul_pj", "float32 multiplication, pJ"),
    ("e_fadd_pj", "processor.e_fadd_pj", "float32 addition (accumulate, compare), pJ"),
    ("clock_ghz", "processor.clock_ghz", "processor clock, one 64-bit operation per cycle, GHz, "
                                         "> 0"),
    ("sram_words_per_ns", "processor.sram_words_per_ns", "weight SRAM bandwidth, 64-bit words "
                                                         "per ns, > 0"),
    ("dram_words_per_ns", "processor.dram_words_per_ns", "DRAM bandwidth, words per ns, > 0"),
)
assert tuple(a for a, _, _ in _TECH_FIELDS[1:]) == _lib.TECH_FIELDS


def _tech_check(s):
    err = _lib.Error()
    check(lib.ncm_tech_check(ctypes.byref(s), None, ctypes.byref(err)), err)


def _checked(prop):
    """A field's property whose setter keeps the set valid: the new value is checked with the
    others (ncm_tech_check) and refused, the old one kept, if it is out of range."""
    def set_(self, v):
        old = bytes(self._s)
        prop.fset(self, v)
        try:
            _tech_check(self._s)
        except ArgumentError:
            ctypes.memmove(ctypes.addressof(self._s), old, len(old))
            raise
    return property(prop.fget, set_, doc=prop.__doc__)


class Tech(_ParamSet):
    __doc__ = """Every per-operation constant of the cost model (``ncm_tech``; values and
    sources: docs/cost.md). Energies in pJ, times in ns, areas in um^2. ``Tech()`` is the
    built-in 45 nm CMOS / HfO2 technology (data/tech_45nm.json); ``Tech(e_sense_pj=0.02)`` the
    same with fields changed; :meth:`load` reads a technology file, :meth:`save` writes one.
    A Tech is always valid: a value out of range (``ncm_tech_check``: times, node, voltages,
    cell areas and rates > 0, the rest >= 0, all finite), given to the constructor, to
    :meth:`replace` or set as an attribute, raises ArgumentError naming the field
    ("technology: field \\"array.e_sense_pj\\" must be >= 0, found -1") and is not kept.
    :meth:`as_dict` (or ``to_dict``) gives every field; :attr:`FILE_FIELDS` maps each attribute
    to its technology-file field. Attributes, with [the file field the messages name]:
    """ + _field_list(_TECH_FIELDS)

    __slots__ = ()
    _struct_ = _lib.Tech
    _c_default_ = "ncm_tech_default"
    _c_check_ = "ncm_tech_check"
    _c_load_ = "ncm_tech_load"
    _c_save_ = "ncm_tech_save"
    _module_ = "nanocim.cost"
    FILE_FIELDS = {a: f for a, f, _ in _TECH_FIELDS}
    _spec_ = tuple((a, "str" if a == "name" else "f", f"{doc} [technology file: {f}]")
                   for a, f, doc in _TECH_FIELDS)

    @classmethod
    def load(cls, path):
        """Reads a technology file (JSON, as data/tech_45nm.json): every field required (only
        "description" optional), unknown fields and wrong types refused, values checked.
        FileError (a missing file), FormatError (syntax, a missing or unknown field, a wrong
        type), VersionError, ArgumentError (a value out of range); the message names the file
        and the field ("group.field")."""
        return super().load(path)

    def save(self, path):
        """Writes the technology file (JSON) atomically; numbers round-trip exactly."""
        super().save(path)

    def as_dict(self):
        """{field: value} in the C struct's order (name first)."""
        return self.to_dict()

    def __repr__(self):
        return f"<nanocim.cost.Tech {self.name!r} {self.node_nm:g} nm>"


for _a in Tech.FIELDS:
    setattr(Tech, _a, _checked(getattr(Tech, _a)))
del _a


def as_tech(tech, what="tech"):
    """A Tech as given, loaded from a technology file path, or the default one for None."""
    if tech is None:
        return Tech()
    if isinstance(tech, Tech):
        return tech
    if isinstance(tech, (str, bytes, os.PathLike)):
        return Tech.load(tech)
    raise ArgumentError(f"{what} {type(tech).__name__}: expected a nanocim.cost.Tech, a "
                        "technology file path or None")


# ---- reports ------------------------------------------------------------------------------------

class Part:
    """One layer's (or the whole inference's) cost (``ncm_cost_part``): count and energy_pj,
    dicts keyed by the item names of :data:`ITEMS` (an int count and a float energy, pJ, per
    item); counts and energies_pj, the same as numpy arrays in that order; total_pj (the sum of
    the energies), cycles (chip: row-read cycles on the critical path; processor: clock
    cycles), latency_ns."""

    __slots__ = ("count", "energy_pj", "counts", "energies_pj", "total_pj", "cycles",
                 "latency_ns")

    def __init__(self, p):
        self.counts = np.array(p.count[:], dtype=np.int64)
        self.energies_pj = np.array(p.energy_pj[:], dtype=np.float64)
        self.counts.flags.writeable = False
        self.energies_pj.flags.writeable = False
        self.count = {k: int(v) for k, v in zip(ITEMS, self.counts)}
        self.energy_pj = {k: float(v) for k, v in zip(ITEMS, self.energies_pj)}
        self.total_pj = float(p.total_pj)
        self.cycles = int(p.cycles)
        self.latency_ns = float(p.latency_ns)

    def as_dict(self):
        return {"count": dict(self.count), "energy_pj": dict(self.energy_pj),
                "total_pj": self.total_pj, "cycles": self.cycles, "latency_ns": self.latency_ns}

    def __repr__(self):
        return (f"<nanocim.cost.Part {self.total_pj:.4g} pJ, {self.cycles} cycles, "
                f"{self.latency_ns:.4g} ns>")


class Report:
    """The cost of one inference on one architecture (``ncm_cost_report``; a copy).

    name ("2T2R", "1T1R+SECDED(39,32)", "SRAM-BNN", "DRAM-float", ...), arch ("chip",
    "sram-bnn", "dram-bnn", "sram-float" or "dram-float"), n_layers;
    total (a :class:`Part`) and layers (one Part per layer);
    count, energy_pj: the total's dicts keyed by item name; counts, energies_pj: int64 and
    float64 arrays (layers, items), one row per layer, columns in the order of :data:`ITEMS`;
    total_pj, latency_ns, cycles (the inference's); ops (2 sum K N P: a multiply and an add per
    weight use); inferences_per_j (1e12 / total_pj); tops_per_w (ops / total_pj);
    throughput_per_s (layers pipelined: 1e9 / the slowest layer's latency);
    area_mm2, area_cells_mm2, area_periphery_mm2 (chip: arrays and periphery; processor: the
    weight SRAM's cells, 0 cells and NaN area for DRAM, off chip; NaN where not modelled);
    program_sets, program_resets, program_pj, program_ns (chip only, 0 for the processors:
    programming the chip once, device events, their energy and time)."""

    _SCALARS = ("ops", "inferences_per_j", "tops_per_w", "throughput_per_s", "area_mm2",
                "area_cells_mm2", "area_periphery_mm2", "program_sets", "program_resets",
                "program_pj", "program_ns")

    def __init__(self, r):
        self.name = _lib.text(r.name)
        self.arch = _ARCH_NAMES.get(r.arch, str(r.arch))
        self.n_layers = int(r.n_layers)
        self.layers = [Part(r.layer[l]) for l in range(self.n_layers)]
        self.total = Part(r.total)
        L, I = self.n_layers, len(ITEMS)
        self.counts = np.array([p.counts for p in self.layers], np.int64).reshape(L, I)
        self.energies_pj = np.array([p.energies_pj for p in self.layers],
                                    np.float64).reshape(L, I)
        self.counts.flags.writeable = False
        self.energies_pj.flags.writeable = False
        for f in self._SCALARS:
            v = getattr(r, f)
            setattr(self, f, int(v) if isinstance(v, int) else float(v))

    @property
    def count(self):
        """The inference's count of every item (a dict keyed by item name)."""
        return self.total.count

    @property
    def energy_pj(self):
        """The inference's energy of every item, pJ (a dict keyed by item name)."""
        return self.total.energy_pj

    @property
    def total_pj(self):
        return self.total.total_pj

    @property
    def latency_ns(self):
        return self.total.latency_ns

    @property
    def cycles(self):
        return self.total.cycles

    def as_dict(self):
        """Everything as plain Python values: name, arch, the scalars, "total" and "layers"
        (as :meth:`Part.as_dict`)."""
        out = {"name": self.name, "arch": self.arch, "n_layers": self.n_layers,
               "total_pj": self.total_pj, "latency_ns": self.latency_ns, "cycles": self.cycles}
        out.update({f: getattr(self, f) for f in self._SCALARS})
        out["total"] = self.total.as_dict()
        out["layers"] = [p.as_dict() for p in self.layers]
        return out

    def __repr__(self):
        area = "off-chip" if math.isnan(self.area_mm2) else f"{self.area_mm2:.4g} mm^2"
        return (f"<nanocim.cost.Report {self.name} ({self.arch}): {self.total_pj:.4g} pJ, "
                f"{self.latency_ns:.4g} ns, {area}>")


def _as_model(model):
    if not isinstance(model, Model):
        raise ArgumentError(f"model {type(model).__name__}: expected a nanocim.Model")
    return model


def _as_config(config, what="config"):
    """A chip.Config as given, the default for None, or the default with the storage option
    given by name or as an rram.Storage."""
    if config is None:
        return _chip.Config()
    if isinstance(config, _chip.Config):
        return config
    if isinstance(config, (str, rram.Storage)):
        return _chip.Config(storage=config)
    raise ArgumentError(f"{what} {type(config).__name__}: expected a nanocim.chip.Config, a "
                        "storage option (\"2t2r\", \"1t1r-secded\", ...) or None")


def chip(model, config=None, tech=None):
    """The cost of one inference of ``model`` on the in-memory chip (``ncm_cost_chip``): a
    :class:`Report`. config: a :class:`nanocim.chip.Config` (its rows, cols, storage, device
    and programming conditions; None: the default, 32 x 32 arrays of 2T2R cells; a storage
    name such as "1t1r-secded" or a :class:`nanocim.rram.Storage`: the default with that
    storage); tech: a :class:`Tech`, a technology file path, or None (the default). A model
    that does not fit the arrays raises ArgumentError naming the field."""
    m = _as_model(model)
    cfg = _as_config(config)
    t = as_tech(tech)
    r = _lib.CostReport()
    call(lib.ncm_cost_chip, m._p, ctypes.byref(cfg._s), ctypes.byref(t._s), ctypes.byref(r))
    return Report(r)


def _baseline(arch):
    if isinstance(arch, str) and arch.lower() in _BASELINES:
        return ARCHS[arch.lower()]
    raise ArgumentError(f"arch {arch!r}: expected one of " +
                        ", ".join(f'"{a}"' for a in _BASELINES))


def processor(model, arch, tech=None):
    """The cost of one inference of ``model`` on a processor baseline (``ncm_cost_processor``):
    a :class:`Report`. arch: "sram-bnn" or "dram-bnn" (the BNN, bit-packed, weights in SRAM or
    DRAM), "sram-float" or "dram-float" (the float32 network of the same shape); tech as in
    :func:`chip`."""
    m = _as_model(model)
    a = _baseline(arch)
    t = as_tech(tech)
    r = _lib.CostReport()
    call(lib.ncm_cost_processor, m._p, a, ctypes.byref(t._s), ctypes.byref(r))
    return Report(r)


class Study:
    """A comparison (``ncm_cost_study``): reports, the chips on each configuration first, then
    the baselines SRAM-BNN, DRAM-BNN, SRAM-float and DRAM-float; chips and baselines, the two
    parts; n_chips; configs (the :class:`nanocim.chip.Config` of each chip); tech (the
    :class:`Tech` used). ``study[i]`` is a report by index, ``study["DRAM-float"]`` by name;
    :meth:`table` the text ``nanocim chip cost`` prints, :meth:`save_json` its JSON
    document."""

    def __init__(self, ptr, configs):
        self._h = _lib.Handle(ptr, lib.ncm_cost_study_free)
        s = ptr.contents
        self.n_chips = int(s.n_chips)
        self.reports = [Report(s.report[i]) for i in range(s.n_reports)]
        self.configs = list(configs)
        self.tech = Tech._from_struct(s.tech)

    @property
    def chips(self):
        return self.reports[:self.n_chips]

    @property
    def baselines(self):
        return self.reports[self.n_chips:]

    def __len__(self):
        return len(self.reports)

    def __iter__(self):
        return iter(self.reports)

    def __getitem__(self, key):
        if isinstance(key, str):
            for r in self.reports:
                if r.name == key or r.name.lower() == key.lower():
                    return r
            raise KeyError(f"{key!r}: the study's reports are "
                           f"{', '.join(r.name for r in self.reports)}")
        return self.reports[as_int("report", key, -len(self.reports), len(self.reports) - 1)]

    def table(self):
        """The comparison as text (``ncm_cost_study_print``): per architecture the energy per
        inference, inferences per joule, TOPS/W, area, latency, throughput and the energy ratio
        to the first chip; then each chip's breakdown per item and per layer."""
        buf, size = ctypes.c_void_p(), ctypes.c_size_t()
        f = _lib.libc.open_memstream(ctypes.byref(buf), ctypes.byref(size))
        if not f:
            raise MemoryError("cost table: cannot open a memory stream")
        err = _lib.Error()
        try:
            st = lib.ncm_cost_study_print(self._h.ptr, f, ctypes.byref(err))
        finally:
            closed = _lib.libc.fclose(f)  # sets buf and size to the final text
            text = ctypes.string_at(buf, size.value).decode("utf-8", "replace") \
                if buf.value else ""
            _lib.libc.free(buf)
        check(st, err)
        if closed:
            raise error(_lib.NCM_ERR_IO, "cost table: closing the memory stream failed")
        return text

    def save_json(self, path, model_name=None):
        """Writes the comparison as JSON (``ncm_cost_study_save_json``, atomically): format
        "nanocim-cost", producer, the model's name as given (default ""), the technology and,
        per architecture, the totals, programming cost and every item's count and energy per
        layer and in total (NaN values as null)."""
        call(lib.ncm_cost_study_save_json, self._h.ptr,
             ("" if model_name is None else str(model_name)).encode(), as_path("path", path))

    def __repr__(self):
        return (f"<nanocim.cost.Study {self.n_chips} chip(s) ("
                f"{', '.join(r.name for r in self.chips)}) and {len(self.baselines)} "
                "baselines>")


def compare(model, configs=None, tech=None):
    """The chip on each configuration beside the four processor baselines
    (``ncm_cost_study_new``): a :class:`Study`. configs: a :class:`nanocim.chip.Config`, a
    storage name, or a sequence of them (1 to 64; None: the default configuration); tech as in
    :func:`chip`."""
    m = _as_model(model)
    if configs is None or isinstance(configs, (_chip.Config, str, rram.Storage)):
        configs = [configs]
    cfgs = [_as_config(c, f"configs[{i}]") for i, c in enumerate(configs)]
    if not cfgs:
        raise ArgumentError("configs []: expected at least one chip configuration")
    t = as_tech(tech)
    # The structs are copied; their per-layer pointers stay valid while cfgs lives.
    arr = (_lib.ChipConfig * len(cfgs))(*[c._s for c in cfgs])
    p = call(lib.ncm_cost_study_new, m._p, arr, len(cfgs), ctypes.byref(t._s))
    return Study(p, cfgs)
