"""Spin-torque nano-oscillators (include/nanocim/stno.h; model, normalisation and defaults:
docs/stno.md): device parameters, the analytic operating point and locking ranges, coupled
networks driven by microwave inputs, a stochastic integrator over batches of independent runs,
their observables and traces, and locking maps (Arnold tongues).

Every angular rate is given divided by 2 pi, in MHz (``f0_mhz``, ``amp_mhz`` = F / 2 pi,
``w_mhz`` = W / 2 pi); currents in mA (``i_dc_ma``), times in ns (``dt_ns``, ``t_window_ns``).
A ``device`` is a :class:`Device`, the path of a device file (JSON, as data/vortex_stno.json),
or None for the built-in vortex oscillator.

    net = nanocim.stno.Network(nanocim.stno.Device(temperature_k=0))
    obs = net.run(f_in_mhz=[300.5, 310.0], amp_mhz=0.2, t_window_ns=4000)
    obs.in_locked[:, 0, 0]                      # locked to its input, per run

Long calls (:meth:`Network.run`, :meth:`Network.lock_map`) release the GIL, take ``threads=``
(0: the current OpenMP setting; the results never depend on it) and ``progress=`` (a callable
progress(task, done, total) returning true to cancel with :class:`nanocim.Cancelled`; Ctrl-C
cancels too). Errors raise the package's exceptions with the library's message.
"""

import ctypes

import numpy as np

from . import _lib
from ._checks import as_float, as_int, as_path
from ._errors import ArgumentError, StateError, call, check, from_struct
from ._lib import lib
from ._progress import Bridge, OneCall
from .rram import _field_list, _ParamSet, as_device, c_view as view

__all__ = ["Device", "Sim", "Network", "Observations", "Trace", "LockMap", "operating_point",
           "lock_halfwidth", "lock_edges", "pair_lock_range", "pair_lock_threshold",
           "DEFAULT_Z"]

# The DC current of a network built by Network.from_spec without one: DEFAULT_Z x I_th.
DEFAULT_Z = _lib.NCM_STNO_DEFAULT_Z

_U64_MAX = (1 << 64) - 1

# Device attributes (the C member names), their device-file fields and units (docs/stno.md).
_STNO_FIELDS = (
    ("name", "name", "device name (< 64 bytes)"),
    ("f0_mhz", "frequency.f0_mhz", "w0 / 2 pi at p = 0 and I = i_ref_ma, MHz, > 0"),
    ("n_mhz", "frequency.n_mhz", "N / 2 pi, nonlinear frequency shift per unit p, MHz"),
    ("df_di_mhz_per_ma", "frequency.df_di_mhz_per_ma", "direct current tuning, MHz/mA"),
    ("i_ref_ma", "frequency.i_ref_ma", "current where the direct tuning is zero, mA"),
    ("gamma_g_mhz", "damping.gamma_g_mhz", "G_G / 2 pi, linear positive damping, MHz, > 0"),
    ("q", "damping.q", "nonlinear damping coefficient Q, >= 0"),
    ("i_th_ma", "spin_torque.i_th_ma", "threshold current I_th, mA, > 0"),
    ("temperature_k", "thermal.temperature_k", "temperature, K, >= 0 (0: no noise)"),
    ("e0_ev", "thermal.e0_ev", "energy scale E0 of E(p) = E0 p, eV, > 0"),
    ("dr_ohm", "output.dr_ohm", "resistance oscillation amplitude at p = 1, ohm, >= 0"),
    ("f0_sigma_mhz", "spread.f0_sigma_mhz", "device-to-device sigma of f0, MHz, >= 0"),
    ("i_th_rel_sigma", "spread.i_th_rel_sigma", "sigma of ln I_th, >= 0"),
    ("gamma_g_rel_sigma", "spread.gamma_g_rel_sigma", "sigma of ln G_G, >= 0"),
)


class Device(_ParamSet):
    __doc__ = """Every parameter of one oscillator type (``ncm_stno_params``; the universal
    auto-oscillator model of Slavin and Tiberkevich, docs/stno.md). ``Device()`` is the built-in
    vortex oscillator (data/vortex_stno.json); ``Device(temperature_k=0)`` the same without thermal
    noise; :meth:`load` reads a device file, :meth:`save` writes one, :meth:`check` checks the
    values, :meth:`spread` draws individual devices around this one. Attributes, with [the
    device-file field the library's messages name]:
    """ + _field_list(_STNO_FIELDS)

    __slots__ = ()
    _struct_ = _lib.StnoParams
    _c_default_ = "ncm_stno_default"
    _c_check_ = "ncm_stno_check"
    _c_load_ = "ncm_stno_load"
    _c_save_ = "ncm_stno_save"
    _module_ = "nanocim.stno"
    FILE_FIELDS = {a: f for a, f, _ in _STNO_FIELDS}
    _spec_ = tuple((a, "str" if a == "name" else "f", f"{doc} [device file: {f}]")
                   for a, f, doc in _STNO_FIELDS)

    def spread(self, n, seed=1):
        """n individual devices drawn around this one with its "spread" fields
        (``ncm_stno_spread``): f0 normal, I_th and G_G lognormal around this device's values as
        medians; device i uses Philox stream (seed, i); the drawn devices' spread fields are 0.
        Returns a list of n Devices."""
        n = as_int("n", n, 1)
        out = (_lib.StnoParams * n)()
        call(lib.ncm_stno_spread, ctypes.byref(self._s), n, as_int("seed", seed, 0, _U64_MAX),
             out)
        return [Device._from_struct(out[i]) for i in range(n)]

    def __repr__(self):
        return (f"<nanocim.stno.Device {self.name!r} f0={self.f0_mhz:g} MHz "
                f"I_th={self.i_th_ma:g} mA T={self.temperature_k:g} K>")


_SIM_FIELDS = (
    ("dt_ns", "f", "step, ns, > 0 within the stability limits; 0: automatic (half the largest "
     "stable step)"),
    ("t_transient_ns", "f", "simulated and discarded before the window, ns, >= 0"),
    ("t_window_ns", "f", "read-out window, ns (both rounded to whole observation strides)"),
    ("f_ref_mhz", "f", "rotating frame, MHz; 0: the middle of the frequencies present"),
    ("seed", "u64", "Philox key of the initial phases and the noise"),
    ("stream0", "u64", "run r uses stream stream0 + r"),
    ("obs_stride", "i", "observables (phase unwrapping) every obs_stride steps; 0: 4"),
    ("lock_tol_mhz", "f", "frequency tolerance of the locking decision, MHz; 0: 1 / t_window"),
    ("lw_lag_ns", "f", "lag of the phase-diffusion linewidth, ns; 0: t_window / 8"),
)


class Sim(_ParamSet):
    __doc__ = """How to integrate and read out (``ncm_stno_sim``). ``Sim()`` holds the command
    line's settings (``ncm_stno_sim_default``): a 20000 ns window after a 2000 ns transient,
    seed 1, the automatic step and frame, the other fields 0 (their defaults). Attributes:
    """ + "".join(f"\n    {a}: {doc}" for a, _, doc in _SIM_FIELDS) + "\n"

    __slots__ = ()
    _struct_ = _lib.StnoSim
    _c_default_ = "ncm_stno_sim_default"
    _module_ = "nanocim.stno"
    _spec_ = _SIM_FIELDS

    def __repr__(self):
        return "nanocim.stno.Sim(" + ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items()) \
            + ")"


def _make_sim(sim, fields):
    """A copy of sim (None: Sim()) with the given fields (those not None) changed."""
    if sim is None:
        s = Sim()
    elif isinstance(sim, Sim):
        s = sim.copy()
    else:
        raise ArgumentError(f"sim {type(sim).__name__}: expected a nanocim.stno.Sim or None")
    for k, v in fields.items():
        if v is not None:
            setattr(s, k, v)
    return s


# ---- analytic results ----------------------------------------------------------------------------

def _current(dev, i_dc_ma, name="i_dc_ma"):
    return dev.i_ref_ma if i_dc_ma is None else as_float(name, i_dc_ma)


def operating_point(device=None, i_dc_ma=None):
    """The free-running operating point of one oscillator at a DC current
    (``ncm_stno_operating_point``; i_dc_ma in mA, default the device's i_ref_ma): a dict of z
    (I / I_th), p0 (free-running power, 0 at and below threshold), f_mhz (free-running frequency),
    gamma_plus_mhz (G+(p0) / 2 pi), gamma_p_mhz (power relaxation rate), nu (dimensionless
    nonlinearity), kt_over_e, noise_d_mhz (D / 2 pi), linewidth_mhz (FWHM), p_thermal, v_rf_mv
    (emitted amplitude I dr sqrt(p0))."""
    dev = as_device(device, Device)
    op = _lib.StnoOp()
    call(lib.ncm_stno_operating_point, ctypes.byref(dev._s), _current(dev, i_dc_ma),
         ctypes.byref(op))
    return {f: getattr(op, f) for f, _ in op._fields_}


def lock_halfwidth(amp_mhz, device=None, i_dc_ma=None):
    """The injection-locking half-range of a weak input of amplitude amp_mhz (F / 2 pi, MHz):
    sqrt(1 + nu^2) amp_mhz / sqrt(p0), MHz (``ncm_stno_lock_halfwidth``). ArgumentError below
    threshold."""
    dev = as_device(device, Device)
    hw = ctypes.c_double()
    call(lib.ncm_stno_lock_halfwidth, ctypes.byref(dev._s), _current(dev, i_dc_ma),
         as_float("amp_mhz", amp_mhz), ctypes.byref(hw))
    return hw.value


def lock_edges(amp_mhz, device=None, i_dc_ma=None):
    """The exact locking range (f_lo_mhz, f_hi_mhz) of input frequencies for a single input of
    amplitude amp_mhz (MHz; ``ncm_stno_lock_edges``): both equal the free-running frequency at
    amplitude 0 (nothing locks). ArgumentError below threshold, for a negative amplitude or for
    an input strong enough to quench the oscillation."""
    dev = as_device(device, Device)
    lo, hi = ctypes.c_double(), ctypes.c_double()
    call(lib.ncm_stno_lock_edges, ctypes.byref(dev._s), _current(dev, i_dc_ma),
         as_float("amp_mhz", amp_mhz), ctypes.byref(lo), ctypes.byref(hi))
    return lo.value, hi.value


def pair_lock_range(a=None, b=None, *, i_a_ma=None, i_b_ma=None, w_ab_mhz, w_ba_mhz=None,
                    beta_rad=0.0):
    """The largest detuning |f_a - f_b| (MHz) of two coupled oscillators' free-running
    frequencies that still mutually locks (``ncm_stno_pair_lock_range``). a, b: their devices;
    i_a_ma, i_b_ma: currents (default each device's i_ref_ma); w_ab_mhz: coupling W_ab / 2 pi
    (a receives from b), w_ba_mhz: W_ba / 2 pi (default w_ab_mhz); beta_rad: coupling phase."""
    da, db = as_device(a, Device, "a"), as_device(b, Device, "b")
    w_ab = as_float("w_ab_mhz", w_ab_mhz)
    w_ba = w_ab if w_ba_mhz is None else as_float("w_ba_mhz", w_ba_mhz)
    out = ctypes.c_double()
    call(lib.ncm_stno_pair_lock_range, ctypes.byref(da._s), _current(da, i_a_ma, "i_a_ma"),
         ctypes.byref(db._s), _current(db, i_b_ma, "i_b_ma"), w_ab, w_ba,
         as_float("beta_rad", beta_rad), ctypes.byref(out))
    return out.value


def pair_lock_threshold(a=None, b=None, *, i_a_ma=None, i_b_ma=None, beta_rad=0.0):
    """The symmetric coupling W / 2 pi (MHz) above which oscillators a and b mutually lock,
    given their free-running detuning at these currents (``ncm_stno_pair_lock_threshold``)."""
    da, db = as_device(a, Device, "a"), as_device(b, Device, "b")
    out = ctypes.c_double()
    call(lib.ncm_stno_pair_lock_threshold, ctypes.byref(da._s), _current(da, i_a_ma, "i_a_ma"),
         ctypes.byref(db._s), _current(db, i_b_ma, "i_b_ma"), as_float("beta_rad", beta_rad),
         ctypes.byref(out))
    return out.value


# ---- batches of runs -----------------------------------------------------------------------------

def _floats(name, v):
    try:
        return np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} {v!r}: expected a number or an array of numbers") from None


def _broadcast(name, a, shape):
    try:
        return np.ascontiguousarray(np.broadcast_to(a, shape), dtype=np.float64)
    except ValueError:
        raise ArgumentError(f"{name} shape {np.shape(a)}: cannot be broadcast to {shape}") \
            from None


class _Batch:
    """An ncm_stno_batch over numpy arrays it keeps alive (the inputs of :meth:`Network.run`)."""

    def __init__(self, n_osc, n_runs=None, f_in_mhz=None, amp_mhz=None, phase_rad=None,
                 in_gain=None, i_dc_ma=None, init=None):
        if (f_in_mhz is None) != (amp_mhz is None):
            raise ArgumentError("f_in_mhz, amp_mhz: give both (the inputs' frequencies and "
                                "amplitudes) or neither")
        shapes = []
        inputs = []
        if f_in_mhz is not None:
            for name, v in (("f_in_mhz", f_in_mhz), ("amp_mhz", amp_mhz),
                            ("phase_rad", phase_rad)):
                if v is None:
                    inputs.append(None)
                    continue
                a = _floats(name, v)
                if a.ndim > 2:
                    raise ArgumentError(f"{name} shape {a.shape}: expected (runs, inputs), "
                                        "(runs,) or a scalar")
                inputs.append(a.reshape(-1, 1) if a.ndim == 1 else a.reshape(1, 1)
                              if a.ndim == 0 else a)
            try:
                rk = np.broadcast_shapes(*[a.shape for a in inputs if a is not None])
            except ValueError:
                raise ArgumentError("f_in_mhz, amp_mhz, phase_rad shapes "
                                    f"{[np.shape(v) for v in (f_in_mhz, amp_mhz, phase_rad)]}"
                                    ": cannot be broadcast together") from None
            shapes.append(rk[0])
            n_in = rk[1]
        else:
            if phase_rad is not None or in_gain is not None:
                raise ArgumentError("phase_rad, in_gain: need inputs (f_in_mhz and amp_mhz)")
            n_in = 0
        cur = None if i_dc_ma is None else _floats("i_dc_ma", i_dc_ma)
        if init is not None:
            try:
                ini = np.asarray(init, dtype=np.complex128)
            except (TypeError, ValueError):
                raise ArgumentError(f"init {init!r}: expected complex amplitudes c "
                                    "(runs, oscillators)") from None
        else:
            ini = None
        for a in (cur, ini):
            if a is not None and a.ndim == 2:
                shapes.append(a.shape[0])
        if n_runs is None:
            n_runs = max(shapes) if shapes else 1
        R = as_int("n_runs", n_runs, 1)
        self.keep = []

        def ptr(a):
            self.keep.append(a)
            return a.ctypes.data_as(_lib.p_f64)

        b = _lib.StnoBatch()
        b.n_runs, b.n_in = R, as_int("inputs", n_in)
        if n_in:
            f, amp, ph = inputs
            b.f_in_mhz = ptr(_broadcast("f_in_mhz", f, (R, n_in)))
            b.amp_mhz = ptr(_broadcast("amp_mhz", amp, (R, n_in)))
            if ph is not None:
                b.phase_rad = ptr(_broadcast("phase_rad", ph, (R, n_in)))
            if in_gain is not None:
                b.in_gain = ptr(_broadcast("in_gain", _floats("in_gain", in_gain),
                                           (n_osc, n_in)))
        if cur is not None:
            b.i_dc_ma = ptr(_broadcast("i_dc_ma", cur, (R, n_osc)))
        if ini is not None:
            try:
                full = np.broadcast_to(ini, (R, n_osc))
            except ValueError:
                raise ArgumentError(f"init shape {ini.shape}: cannot be broadcast to "
                                    f"{(R, n_osc)}") from None
            b.init_re = ptr(np.ascontiguousarray(full.real))
            b.init_im = ptr(np.ascontiguousarray(full.imag))
        self.struct = b
        self.n_runs, self.n_in = R, n_in

    @property
    def ref(self):
        return ctypes.byref(self.struct)


# ---- results -------------------------------------------------------------------------------------

class Observations:
    """The observables of every run over the read-out window (``ncm_stno_obs``): read-only numpy
    views of the library's buffers (no copy), alive as long as any of them is.

    Per run and oscillator, shape (n_runs, n_osc): f_mean_mhz (mean frequency), p_mean (mean
    power), v_rf_mv (mean emitted amplitude, mV), linewidth_mhz (FWHM from the phase diffusion,
    noisy per run: average it; NaN for too short a window), final_re, final_im (state c at the
    window's end; :attr:`final` as complex).
    Per run, oscillator and input, shape (n_runs, n_osc, n_in): in_dphase_rad (circular mean of
    the phase difference to the input), in_plv (phase-locking value in [0, 1]), in_slips (phase
    slips, int32), in_locked (bool: same frequency within lock_tol_mhz and no slip; never for an
    input of amplitude 0).
    Per run and pair, shape (n_runs, n_osc, n_osc): pair_dphase_rad, pair_plv, pair_slips,
    pair_locked (oscillators i and j locked to each other).
    Also: n_runs, n_osc, n_in, f_ref_mhz (the frame), lock_tol_mhz, t_window_ns, lw_lag_ns (the
    values used), sim (the :class:`Sim` run, automatic fields resolved), trace (a :class:`Trace`
    when asked for, else None), :meth:`save_json`."""

    def __init__(self, ptr, owner, net, batch, sim, trace=None):
        o = ptr.contents
        self._p, self._h, self._net, self._batch, self._sim = ptr, owner, net, batch, sim
        R, N, K = o.n_runs, o.n_osc, o.n_in
        self.n_runs, self.n_osc, self.n_in = R, N, K
        self.f_ref_mhz, self.lock_tol_mhz = o.f_ref_mhz, o.lock_tol_mhz
        self.t_window_ns, self.lw_lag_ns = o.t_window_ns, o.lw_lag_ns
        self.sim = Sim._from_struct(sim)
        self.trace = trace
        for f in ("f_mean_mhz", "p_mean", "v_rf_mv", "linewidth_mhz", "final_re", "final_im"):
            setattr(self, f, view(getattr(o, f), np.float64, (R, N), owner))
        for f in ("in_dphase_rad", "in_plv"):
            setattr(self, f, view(getattr(o, f), np.float64, (R, N, K), owner))
        self.in_slips = view(o.in_slips, np.int32, (R, N, K), owner)
        self.in_locked = view(o.in_locked, np.uint8, (R, N, K), owner).view(np.bool_)
        for f in ("pair_dphase_rad", "pair_plv"):
            setattr(self, f, view(getattr(o, f), np.float64, (R, N, N), owner))
        self.pair_slips = view(o.pair_slips, np.int32, (R, N, N), owner)
        self.pair_locked = view(o.pair_locked, np.uint8, (R, N, N), owner).view(np.bool_)

    @property
    def final(self):
        """The state c at the window's end, complex128 (n_runs, n_osc) (a new array)."""
        return self.final_re + 1j * self.final_im

    def save_json(self, path):
        """Writes the observables as a JSON document, atomically ("format" "nanocim-stno-run":
        the settings, the frame and window used, the network, and per run the inputs and per
        oscillator the observables; NaN as null)."""
        call(lib.ncm_stno_obs_save_json, self._p, self._net._p, self._batch.ref,
             ctypes.byref(self._sim), as_path("path", path))

    def __repr__(self):
        return (f"<nanocim.stno.Observations runs={self.n_runs} oscillators={self.n_osc} "
                f"inputs={self.n_in} window={self.t_window_ns:g} ns>")


class Trace:
    """Time traces of the whole run (transient and window), every :attr:`stride` steps from t = 0
    (``ncm_stno_trace``): t_ns (n_samples,), and p (power), phase_rad (unwrapped phase, lab
    frame) and v_mv (emitted amplitude, mV), each (n_runs, n_samples, n_osc); the emitted signal
    is v_mv * cos(phase_rad). Read-only views of the library's buffers."""

    def __init__(self, ptr):
        self._h = _lib.Handle(ptr, lib.ncm_stno_trace_free)
        self._p = ptr
        t = ptr.contents
        self.n_runs, self.n_osc, self.n_samples, self.stride = (t.n_runs, t.n_osc, t.n_samples,
                                                                t.stride)
        shape = (t.n_runs, t.n_samples, t.n_osc)
        self.t_ns = view(t.t_ns, np.float64, (t.n_samples,), self._h)
        self.p = view(t.p, np.float64, shape, self._h)
        self.phase_rad = view(t.phase_rad, np.float64, shape, self._h)
        self.v_mv = view(t.v_mv, np.float64, shape, self._h)

    def save_csv(self, path, run=0):
        """Writes run ``run`` as CSV, atomically: "t_ns", then "p_I,phase_I,v_mv_I" per
        oscillator I."""
        call(lib.ncm_stno_trace_save_csv, self._p, as_int("run", run), as_path("path", path))

    def __repr__(self):
        return (f"<nanocim.stno.Trace runs={self.n_runs} samples={self.n_samples} "
                f"oscillators={self.n_osc} stride={self.stride}>")


class LockMap:
    """The Arnold tongues of a network (``ncm_stno_lock_map``; :meth:`Network.lock_map`): every
    oscillator driven by one input (gain 1) over the grid of input frequencies f_mhz (n_f,) and
    amplitudes amp_mhz (n_amp,), one run per grid point. Read-only views of the library's buffers:

    locked: bool (n_amp, n_f, n_osc), oscillator i locked to the input of amplitude a and
        frequency k (never at amplitude 0);
    measured_lo_mhz, measured_hi_mhz: (n_osc, n_amp), the lowest and highest locked input
        frequency of the grid (NaN when none locks);
    analytic_lo_mhz, analytic_hi_mhz: (n_osc, n_amp), the exact edges (:func:`lock_edges`; the
        free-running frequency at amplitude 0, NaN where there is no range);
    i_dc_ma, f_free_mhz: (n_osc,), the currents and the free-running frequencies (analytic);
    obs: the runs' :class:`Observations` (run r = a * n_f + k, one input);
    sim: the :class:`Sim` used (automatic fields resolved); device: oscillator 0's device name;
    seconds: wall time of the simulation. :meth:`save_csv`, :meth:`save_json`."""

    def __init__(self, ptr, net):
        self._h = _lib.Handle(ptr, lib.ncm_stno_lock_map_free, keep=(net,))
        self._p = ptr
        m = ptr.contents
        h = self._h
        self.n_f, self.n_amp, self.n_osc = m.n_f, m.n_amp, m.n_osc
        self.f_mhz = view(m.f_mhz, np.float64, (m.n_f,), h)
        self.amp_mhz = view(m.amp_mhz, np.float64, (m.n_amp,), h)
        self.i_dc_ma = view(m.i_dc_ma, np.float64, (m.n_osc,), h)
        self.f_free_mhz = view(m.f_free_mhz, np.float64, (m.n_osc,), h)
        self.locked = view(m.locked, np.uint8, (m.n_amp, m.n_f, m.n_osc), h).view(np.bool_)
        for f in ("measured_lo_mhz", "measured_hi_mhz", "analytic_lo_mhz", "analytic_hi_mhz"):
            setattr(self, f, view(getattr(m, f), np.float64, (m.n_osc, m.n_amp), h))
        self.sim = Sim._from_struct(m.sim)
        self.device = m.device.decode("utf-8", "replace")
        self.seconds = float(m.seconds)
        # The batch the map ran (run r = a * n_f + k), for the observables' JSON document.
        batch = _Batch(m.n_osc, f_in_mhz=np.tile(np.asarray(self.f_mhz), m.n_amp),
                       amp_mhz=np.repeat(np.asarray(self.amp_mhz), m.n_f))
        self.obs = Observations(m.obs, h, net, batch, m.sim)

    def save_csv(self, path):
        """Writes the map as CSV, atomically: "osc,amp_mhz,f_in_mhz,f_mean_mhz,p_mean,plv,
        slips,locked,analytic_lo_mhz,analytic_hi_mhz", one line per amplitude, frequency and
        oscillator."""
        call(lib.ncm_stno_lock_map_save_csv, self._p, as_path("path", path))

    def save_json(self, path):
        """Writes the tongues as a JSON document, atomically ("format" "nanocim-stno-lock-map":
        settings, grids, and per oscillator and amplitude the measured and analytic edges)."""
        call(lib.ncm_stno_lock_map_save_json, self._p, as_path("path", path))

    def __repr__(self):
        return (f"<nanocim.stno.LockMap {self.n_amp} amplitudes x {self.n_f} frequencies, "
                f"{self.n_osc} oscillator(s), {self.seconds:.3g} s>")


# ---- networks ------------------------------------------------------------------------------------

class Network:
    """Oscillators coupled through their shared microwave current (``ncm_stno_net``): oscillator i
    receives sum_j W_ij exp(i beta) c_j.

    Network(devices=None, n_osc=None, *, i_dc_ma=None, coupling_mhz=None, beta_rad=0.0):
        devices: one device for every oscillator (a :class:`Device`, a device file or None: the
            built-in one), or a list of Devices, one per oscillator;
        n_osc: number of oscillators (default: the list's length, else 1);
        i_dc_ma: DC currents, mA: a value for all or one per oscillator (default: each
            device's i_ref_ma);
        coupling_mhz: W / 2 pi, MHz: an (n_osc, n_osc) matrix, or a value for all-to-all
            coupling (zero diagonal); None: uncoupled; beta_rad: the coupling phase.
    :meth:`from_spec` builds the network ``nanocim stno`` builds (identical or spread devices at
    1.5 I_th, all-to-all coupling). A network runs one call at a time (another Python thread
    waits); its devices and currents are fixed, its coupling may be changed with
    :meth:`set_coupling`."""

    def __init__(self, devices=None, n_osc=None, *, i_dc_ma=None, coupling_mhz=None,
                 beta_rad=0.0):
        if isinstance(devices, (list, tuple)):
            devs = [as_device(d, Device, "devices[%d]" % i) for i, d in enumerate(devices)]
            if not devs:
                raise ArgumentError("devices: an empty list (expected one Device per "
                                    "oscillator)")
            if n_osc is None:
                n_osc = len(devs)
        else:
            devs = [as_device(devices, Device, "devices")]
            if n_osc is None:
                n_osc = 1
        n = as_int("n_osc", n_osc)
        arr = (_lib.StnoParams * len(devs))(*[d._s for d in devs])
        cur = None
        if i_dc_ma is not None:
            cur = _broadcast("i_dc_ma", _floats("i_dc_ma", i_dc_ma), (max(n, 0),))
        p = call(lib.ncm_stno_net_new, n, arr, len(devs),
                 None if cur is None else cur.ctypes.data_as(_lib.p_f64))
        self._adopt_ptr(p)
        if coupling_mhz is not None:
            self.set_coupling(coupling_mhz, beta_rad)
        elif beta_rad:
            self.set_coupling(np.zeros((n, n)), beta_rad)

    def _adopt_ptr(self, p):
        self._h = _lib.Handle(p, lib.ncm_stno_net_free)
        self._p = p
        self._using = OneCall("Network")


    @classmethod
    def from_spec(cls, device=None, n_osc=1, *, spread=False, spread_seed=1, i_dc_ma=0.0,
                  w_mhz=0.0, beta_rad=0.0):
        """The network of ``nanocim stno`` (``ncm_stno_net_from_spec``): n_osc oscillators of
        one device type, identical or (spread=True) drawn around it with its spread
        (:meth:`Device.spread` with spread_seed), all at one DC current i_dc_ma (mA; 0: 1.5 times
        each device's own I_th) and coupled all to all by w_mhz (W / 2 pi, MHz) with phase
        beta_rad."""
        s = _lib.StnoNetSpec()
        lib.ncm_stno_net_spec_default(ctypes.byref(s))
        s.device = as_device(device, Device)._s
        s.n_osc = as_int("n_osc", n_osc)
        s.spread = 1 if spread else 0
        s.spread_seed = as_int("spread_seed", spread_seed, 0, _U64_MAX)
        s.i_dc_ma = as_float("i_dc_ma", i_dc_ma)
        s.w_mhz = as_float("w_mhz", w_mhz)
        s.beta_rad = as_float("beta_rad", beta_rad)
        n = object.__new__(cls)
        n._adopt_ptr(call(lib.ncm_stno_net_from_spec, ctypes.byref(s)))
        return n

    def set_coupling(self, coupling_mhz, beta_rad=0.0):
        """Sets the coupling W_ij / 2 pi (MHz): an (n_osc, n_osc) matrix (row i: what oscillator
        i receives), or a value for all-to-all coupling with a zero diagonal; and its phase
        beta_rad."""
        w = _floats("coupling_mhz", coupling_mhz)
        n = self.n_osc
        if w.ndim == 0:
            w = np.full((n, n), float(w))
            np.fill_diagonal(w, 0.0)
        if w.ndim != 2:
            raise ArgumentError(f"coupling_mhz shape {w.shape}: expected ({n}, {n}) or a value")
        w = np.ascontiguousarray(w)
        with self._using("set_coupling"):
            call(lib.ncm_stno_net_set_coupling, self._p, as_int("rows", w.shape[0]),
                 as_int("cols", w.shape[1]), w.ctypes.data_as(_lib.p_f64),
                 as_float("beta_rad", beta_rad))

    # ---- description -----------------------------------------------------------------------

    @property
    def n_osc(self):
        return lib.ncm_stno_net_n_osc(self._p)

    def __len__(self):
        return self.n_osc

    @property
    def devices(self):
        """Each oscillator's device (a list of copies)."""
        return [Device._from_struct(lib.ncm_stno_net_device(self._p, i).contents)
                for i in range(self.n_osc)]

    @property
    def i_dc_ma(self):
        """The DC currents, mA, float64 (n_osc,) (a copy)."""
        return np.array([lib.ncm_stno_net_i_dc_ma(self._p, i) for i in range(self.n_osc)])

    @property
    def coupling_mhz(self):
        """W_ij / 2 pi, MHz, float64 (n_osc, n_osc) (a copy)."""
        n = self.n_osc
        return np.array([[lib.ncm_stno_net_coupling_mhz(self._p, i, j) for j in range(n)]
                         for i in range(n)]).reshape(n, n)

    @property
    def beta_rad(self):
        return lib.ncm_stno_net_beta_rad(self._p)

    def __repr__(self):
        return f"<nanocim.stno.Network {self.n_osc} oscillator(s) {self.devices[0].name!r}>"

    # ---- runs --------------------------------------------------------------------------------

    def _batch(self, n_runs, f_in_mhz, amp_mhz, phase_rad, in_gain, i_dc_ma, init):
        return _Batch(self.n_osc, n_runs, f_in_mhz, amp_mhz, phase_rad, in_gain, i_dc_ma, init)

    def resolve(self, sim=None, *, f_in_mhz=None, amp_mhz=None, n_runs=None, i_dc_ma=None,
                **sim_fields):
        """The :class:`Sim` :meth:`run` would use with these inputs: its automatic fields
        (f_ref_mhz 0, dt_ns 0) replaced by the frame and step they stand for
        (``ncm_stno_sim_resolve``). Arguments as for :meth:`run`."""
        s = _make_sim(sim, sim_fields)
        b = self._batch(n_runs, f_in_mhz, amp_mhz, None, None, i_dc_ma, None)
        call(lib.ncm_stno_sim_resolve, self._p, b.ref, ctypes.byref(s._s))
        return s

    def max_dt_ns(self, *, f_in_mhz=None, amp_mhz=None, n_runs=None, i_dc_ma=None,
                  f_ref_mhz=0.0):
        """The largest step (ns) the stability limits allow for this network and these inputs in
        the frame f_ref_mhz (0: automatic) (``ncm_stno_max_dt``)."""
        b = self._batch(n_runs, f_in_mhz, amp_mhz, None, None, i_dc_ma, None)
        out = ctypes.c_double()
        call(lib.ncm_stno_max_dt, self._p, b.ref, as_float("f_ref_mhz", f_ref_mhz),
             ctypes.byref(out))
        return out.value

    def run(self, *, f_in_mhz=None, amp_mhz=None, phase_rad=None, in_gain=None, n_runs=None,
            i_dc_ma=None, init=None, sim=None, dt_ns=None, t_transient_ns=None, t_window_ns=None,
            f_ref_mhz=None, seed=None, stream0=None, obs_stride=None, lock_tol_mhz=None,
            lw_lag_ns=None, trace_stride=None, threads=0, progress=None):
        """Integrates a batch of independent runs (``ncm_stno_run``) and returns their
        :class:`Observations`.

        Inputs (input k drives oscillator i with g_ik F_k exp(-i (w_k t + phi_k))):
            f_in_mhz, amp_mhz: the inputs' frequencies w_k / 2 pi (> 0) and amplitudes
                F_k / 2 pi (>= 0), MHz, of shape (n_runs, n_in); a 1-D array is one input per
                run, a scalar one run with one input; the two (and phase_rad) are broadcast
                together. None (both): no input.
            phase_rad: the inputs' phases phi_k (default 0); in_gain: gains g_ik, (n_osc, n_in)
                (default 1).
        n_runs: number of runs (default: from the inputs' or i_dc_ma's or init's first axis,
            else 1); runs differ by their inputs and their noise (run r draws Philox stream
            (seed, stream0 + r)).
        i_dc_ma: DC currents per run and oscillator, broadcast to (n_runs, n_osc) (default: the
            network's); init: initial complex amplitudes c, (n_runs, n_osc) (default:
            |c|^2 = the thermal power of the operating point, a uniform random phase).
        sim: a :class:`Sim` (default Sim(): a 20000 ns window after 2000 ns, automatic step and
            frame), and any of its fields given here override it: dt_ns (step, ns; 0 or None:
            half the largest stable step), t_transient_ns, t_window_ns (ns), f_ref_mhz (frame,
            MHz; 0: automatic), seed, stream0, obs_stride, lock_tol_mhz (MHz), lw_lag_ns.
        trace_stride: also record a :class:`Trace` every trace_stride steps (a multiple of the
            observation stride, 4 by default) as ``obs.trace``; None: no trace.
        threads: OpenMP threads (0: the current setting; the results do not depend on it);
        progress: callable progress(task, done, total) (task "stno run", in runs) returning true
            to cancel (Cancelled; Ctrl-C cancels too).
        A step beyond the stability limits, a bad input or setting raises ArgumentError with the
        library's message ("dt_ns = 100 is too large: ...")."""
        s = _make_sim(sim, {"dt_ns": dt_ns, "t_transient_ns": t_transient_ns,
                            "t_window_ns": t_window_ns, "f_ref_mhz": f_ref_mhz, "seed": seed,
                            "stream0": stream0, "obs_stride": obs_stride,
                            "lock_tol_mhz": lock_tol_mhz, "lw_lag_ns": lw_lag_ns})
        b = self._batch(n_runs, f_in_mhz, amp_mhz, phase_rad, in_gain, i_dc_ma, init)
        nt = as_int("threads", threads, 0)
        stride = None if trace_stride is None else as_int("trace_stride", trace_stride)
        with self._using("run"):
            call(lib.ncm_stno_sim_resolve, self._p, b.ref, ctypes.byref(s._s))
            optr = call(lib.ncm_stno_obs_new, b.n_runs, self.n_osc, b.n_in)
            oh = _lib.Handle(optr, lib.ncm_stno_obs_free, keep=(self,))
            trace = None
            if stride is not None:
                trace = Trace(call(lib.ncm_stno_trace_new, b.n_runs, self.n_osc,
                                   ctypes.byref(s._s), stride))
            err = _lib.Error()
            with Bridge(progress) as br:
                st = lib.ncm_stno_run(self._p, b.ref, ctypes.byref(s._s), optr,
                                      trace._p if trace is not None else None, nt, br.pointer,
                                      ctypes.byref(err))
            br.reraise()
            check(st, err)
        return Observations(optr, oh, self, b, s._s, trace)

    def lock_map(self, f_mhz, amp_mhz, *, sim=None, dt_ns=None, t_transient_ns=None,
                 t_window_ns=None, f_ref_mhz=None, seed=None, stream0=None, obs_stride=None,
                 lock_tol_mhz=None, lw_lag_ns=None, threads=0, progress=None):
        """The locking map over the grids f_mhz (input frequencies, MHz, > 0) and amp_mhz
        (amplitudes F / 2 pi, MHz, >= 0) (``ncm_stno_lock_map_new``): every oscillator driven by
        one input, one run per grid point, the automatic step and frame resolved over the whole
        grid. Simulation settings, threads and progress (task "stno lock map") as for
        :meth:`run`. Returns a :class:`LockMap`."""
        s = _make_sim(sim, {"dt_ns": dt_ns, "t_transient_ns": t_transient_ns,
                            "t_window_ns": t_window_ns, "f_ref_mhz": f_ref_mhz, "seed": seed,
                            "stream0": stream0, "obs_stride": obs_stride,
                            "lock_tol_mhz": lock_tol_mhz, "lw_lag_ns": lw_lag_ns})
        f = np.ascontiguousarray(np.atleast_1d(_floats("f_mhz", f_mhz)).reshape(-1))
        a = np.ascontiguousarray(np.atleast_1d(_floats("amp_mhz", amp_mhz)).reshape(-1))
        nt = as_int("threads", threads, 0)
        err = _lib.Error()
        with self._using("lock_map"), Bridge(progress) as br:
            m = lib.ncm_stno_lock_map_new(self._p, f.ctypes.data_as(_lib.p_f64),
                                          as_int("len(f_mhz)", f.size),
                                          a.ctypes.data_as(_lib.p_f64),
                                          as_int("len(amp_mhz)", a.size), ctypes.byref(s._s), nt,
                                          br.pointer, ctypes.byref(err))
        result = LockMap(m, self) if m else None
        br.reraise()
        if result is None:
            raise from_struct(err)
        return result

