"""nanocim.stno: oscillator parameters and their files, the analytic operating point and locking
ranges against simulated runs without noise (free-running frequency, injection locking inside
and outside the range, locking maps, zero amplitude, mutual locking of a pair), observables,
traces and result files, threads, progress and cancellation, and errors carrying the library's
messages."""

import csv
import json
import os
import unittest

import numpy as np

import test_support  # sets the thread count
from test_support import TempDir
import nanocim
from nanocim import stno

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "data")
QUIET = stno.Device(temperature_k=0)  # no thermal noise: the analytic results hold exactly


class TestDevice(TempDir):
    def test_default_is_the_data_file(self):
        path = os.path.join(DATA, "vortex_stno.json")
        if not os.path.exists(path):
            self.skipTest("data/vortex_stno.json is not beside the tests")
        self.assertEqual(stno.Device.load(path), stno.Device())

    def test_save_load_round_trip(self):
        d = stno.Device(f0_mhz=512.25, name="fast")
        d.save(self.path("d.json"))
        self.assertEqual(stno.Device.load(self.path("d.json")), d)
        self.assertEqual(stno.Device.FILE_FIELDS["i_th_ma"], "spin_torque.i_th_ma")

    def test_bad_device_file_names_the_field(self):
        stno.Device().save(self.path("d.json"))
        with open(self.path("d.json")) as f:
            doc = json.load(f)
        doc["damping"]["gamma_g_mhz"] = -4
        with open(self.path("d.json"), "w") as f:
            json.dump(doc, f)
        with self.assertRaises(nanocim.ArgumentError) as cm:
            stno.Device.load(self.path("d.json"))
        self.assertIn('"damping.gamma_g_mhz"', str(cm.exception))
        doc["damping"]["gamma_g_mhz"] = "four"
        with open(self.path("d.json"), "w") as f:
            json.dump(doc, f)
        with self.assertRaisesRegex(nanocim.FormatError, '"damping.gamma_g_mhz"'):
            stno.Device.load(self.path("d.json"))

    def test_spread_draws_reproducible_devices(self):
        a, b = stno.Device().spread(2, seed=4), stno.Device().spread(2, seed=4)
        self.assertEqual(a, b)
        self.assertNotEqual(a[0].f0_mhz, a[1].f0_mhz)
        self.assertEqual(a[0].f0_sigma_mhz, 0.0)


class TestAnalytic(unittest.TestCase):
    def test_operating_point_formulas(self):
        d = stno.Device()
        op = stno.operating_point(d, 6.0)
        z = 6.0 / d.i_th_ma
        self.assertAlmostEqual(op["z"], z)
        self.assertAlmostEqual(op["p0"], (z - 1) / (z + d.q))
        self.assertAlmostEqual(op["f_mhz"], d.f0_mhz + d.n_mhz * op["p0"])
        hw = stno.lock_halfwidth(0.1, d, 6.0)
        self.assertAlmostEqual(hw, np.sqrt(1 + op["nu"] ** 2) * 0.1 / np.sqrt(op["p0"]))

    def test_below_threshold_has_no_locking_range(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "threshold"):
            stno.lock_halfwidth(0.1, i_dc_ma=3.0)
        with self.assertRaisesRegex(nanocim.ArgumentError, "amp_mhz = -0.1"):
            stno.lock_edges(-0.1)


class TestRuns(TempDir):
    def test_free_running_frequency_equals_the_operating_point_without_noise(self):
        op = stno.operating_point(QUIET)
        net = stno.Network(QUIET)
        # in the frame of the analytic frequency the step adds no error (docs/stno.md)
        o = net.run(t_window_ns=4000, t_transient_ns=2000, dt_ns=0.5, f_ref_mhz=op["f_mhz"])
        self.assertAlmostEqual(o.f_mean_mhz[0, 0], op["f_mhz"], delta=1e-9)
        self.assertAlmostEqual(o.p_mean[0, 0], op["p0"], delta=1e-9)
        self.assertAlmostEqual(o.v_rf_mv[0, 0], op["v_rf_mv"], delta=1e-9)
        # the automatic step and frame: Heun's error, (w dt)^2 / 6 of the frame offset
        o = net.run(t_window_ns=4000, t_transient_ns=2000)
        self.assertGreater(o.sim.dt_ns, 0)
        self.assertAlmostEqual(o.f_mean_mhz[0, 0], op["f_mhz"], delta=0.01)

    def test_input_inside_the_analytic_range_locks_and_outside_does_not(self):
        lo, hi = stno.lock_edges(0.2, QUIET)
        w = hi - lo
        f_in = [lo + 0.5 * w, lo + 0.1 * w, hi - 0.1 * w, hi + 0.5 * w, lo - 0.5 * w]
        o = stno.Network(QUIET).run(f_in_mhz=f_in, amp_mhz=0.2, t_transient_ns=5000,
                                    t_window_ns=10000)
        self.assertEqual(o.in_locked.shape, (5, 1, 1))
        np.testing.assert_array_equal(o.in_locked[:, 0, 0], [True, True, True, False, False])
        np.testing.assert_allclose(o.f_mean_mhz[:3, 0], f_in[:3], atol=1e-6)
        self.assertTrue(np.all(o.in_slips[3:, 0, 0] > 0))
        self.assertTrue(np.all(o.in_plv[:3] > 0.999))

    def test_zero_amplitude_gives_no_locking(self):
        op = stno.operating_point(QUIET)
        o = stno.Network(QUIET).run(f_in_mhz=op["f_mhz"], amp_mhz=0.0, t_window_ns=2000)
        self.assertFalse(o.in_locked[0, 0, 0])
        self.assertEqual(stno.lock_edges(0.0, QUIET), (op["f_mhz"], op["f_mhz"]))

    def test_bad_dt_ns_raises_with_the_library_message(self):
        net = stno.Network(QUIET)
        with self.assertRaises(nanocim.ArgumentError) as cm:
            net.run(dt_ns=100, t_window_ns=1000)
        self.assertTrue(str(cm.exception).startswith("dt_ns = 100 is too large:"),
                        str(cm.exception))
        self.assertIn("largest allowed step", str(cm.exception))
        with self.assertRaisesRegex(nanocim.ArgumentError,
                                    r"^dt_ns must be > 0 and finite, found -1$"):
            net.run(dt_ns=-1, t_window_ns=1000)

    def test_bad_inputs_raise_argument_error(self):
        net = stno.Network(QUIET)
        with self.assertRaisesRegex(nanocim.ArgumentError, "run 1, input 0: frequency"):
            net.run(f_in_mhz=[300, -1], amp_mhz=0.1, t_window_ns=100)
        with self.assertRaisesRegex(nanocim.ArgumentError, "give both"):
            net.run(f_in_mhz=300)

    def test_one_and_two_threads_give_identical_observables(self):
        net = stno.Network(stno.Device(), 3, coupling_mhz=0.3)  # thermal noise on
        runs = [net.run(n_runs=12, t_window_ns=1000, t_transient_ns=100, threads=t)
                for t in (1, 2)]
        for f in ("f_mean_mhz", "p_mean", "linewidth_mhz", "final_re", "pair_plv"):
            np.testing.assert_array_equal(getattr(runs[0], f), getattr(runs[1], f))
        self.assertEqual(runs[0].f_mean_mhz.shape, (12, 3))
        self.assertEqual(runs[0].pair_locked.shape, (12, 3, 3))
        self.assertEqual(len(np.unique(runs[0].f_mean_mhz[:, 0])), 12)  # own noise per run

    def test_progress_reports_runs_and_true_cancels(self):
        net = stno.Network(QUIET)
        seen = []
        net.run(n_runs=3, t_window_ns=200, progress=lambda *a: seen.append(a))
        self.assertEqual(seen[-1], ("stno run", 3, 3))
        with self.assertRaises(nanocim.Cancelled):
            net.run(n_runs=3, t_window_ns=200, progress=lambda t, d, n: True)

    def test_observables_are_read_only_views_and_traces_record_the_signal(self):
        o = stno.Network(QUIET).run(f_in_mhz=304.1, amp_mhz=0.2, t_window_ns=1000,
                                    t_transient_ns=100, dt_ns=0.5, trace_stride=8)
        self.assertFalse(o.f_mean_mhz.flags.writeable)
        self.assertEqual(o.in_locked.dtype, np.bool_)
        self.assertEqual(o.final.shape, (1, 1))
        t = o.trace
        self.assertEqual(t.stride, 8)
        self.assertEqual(t.p.shape, (1, t.n_samples, 1))
        self.assertEqual(t.t_ns[1], 8 * 0.5)
        np.testing.assert_allclose(t.v_mv, 6.0 * QUIET.dr_ohm * np.sqrt(t.p))
        t.save_csv(self.path("trace.csv"))
        o.save_json(self.path("run.json"))
        with open(self.path("trace.csv")) as f:
            self.assertEqual(next(csv.reader(f)), ["t_ns", "p_0", "phase_0", "v_mv_0"])
        with open(self.path("run.json")) as f:
            doc = json.load(f)
        self.assertEqual(doc["format"], "nanocim-stno-run")
        self.assertEqual(doc["settings"]["dt_ns"], 0.5)

    def test_trace_stride_must_be_a_multiple_of_the_observation_stride(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "stride = 6"):
            stno.Network(QUIET).run(t_window_ns=100, dt_ns=0.5, trace_stride=6)


class TestNetwork(unittest.TestCase):
    def test_pair_locks_above_the_analytic_coupling_threshold_only(self):
        a, b = QUIET, QUIET.replace(f0_mhz=QUIET.f0_mhz + 0.2)
        w_th = stno.pair_lock_threshold(a, b)
        for factor, locks in ((0.5, False), (2.0, True)):
            net = stno.Network([a, b], coupling_mhz=factor * w_th)
            o = net.run(dt_ns=1.0, t_transient_ns=20000, t_window_ns=40000, seed=9)
            with self.subTest(factor=factor):
                self.assertEqual(bool(o.pair_locked[0, 0, 1]), locks)
                self.assertEqual(bool(o.pair_locked[0, 1, 0]), locks)

    def test_coupling_and_currents_round_trip(self):
        net = stno.Network(stno.Device(), 3, i_dc_ma=[5.0, 6.0, 7.0])
        np.testing.assert_array_equal(net.i_dc_ma, [5.0, 6.0, 7.0])
        np.testing.assert_array_equal(net.coupling_mhz, np.zeros((3, 3)))
        w = np.arange(9.0).reshape(3, 3)
        net.set_coupling(w, beta_rad=0.5)
        np.testing.assert_array_equal(net.coupling_mhz, w)
        self.assertEqual(net.beta_rad, 0.5)
        with self.assertRaisesRegex(nanocim.ArgumentError, "2 x 3"):
            net.set_coupling(np.zeros((2, 3)))

    def test_from_spec_is_the_command_line_network(self):
        net = stno.Network.from_spec(n_osc=2, spread=True, w_mhz=0.5)
        devs = net.devices
        np.testing.assert_allclose(net.i_dc_ma, [stno.DEFAULT_Z * d.i_th_ma for d in devs])
        np.testing.assert_array_equal(net.coupling_mhz, [[0, 0.5], [0.5, 0]])
        with self.assertRaisesRegex(nanocim.ArgumentError, "n_osc = 0"):
            stno.Network.from_spec(n_osc=0)

    def test_device_list_must_match_the_oscillators(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "n_dev = 2"):
            stno.Network([QUIET, QUIET], 3)


class TestLockMap(TempDir):
    @classmethod
    def setUpClass(cls):
        cls.f_free = stno.operating_point(QUIET)["f_mhz"]
        cls.step = 0.05
        cls.f = cls.f_free - 1.5 + cls.step * np.arange(61)
        cls.amp = np.array([0.0, 0.1, 0.2])
        cls.map = stno.Network(QUIET).lock_map(cls.f, cls.amp)

    def test_measured_edges_within_a_few_percent_of_the_analytic_edges(self):
        m = self.map
        for a in (1, 2):
            lo, hi = stno.lock_edges(self.amp[a], QUIET)
            self.assertEqual((m.analytic_lo_mhz[0, a], m.analytic_hi_mhz[0, a]), (lo, hi))
            tol = self.step + 0.03 * (hi - lo)
            with self.subTest(amp=self.amp[a]):
                self.assertLess(abs(m.measured_lo_mhz[0, a] - lo), tol)
                self.assertLess(abs(m.measured_hi_mhz[0, a] - hi), tol)
        self.assertEqual(m.locked.shape, (3, 61, 1))
        np.testing.assert_array_equal(m.locked[:, :, 0], m.obs.in_locked[:, 0, 0].reshape(3, 61))

    def test_zero_amplitude_locks_nowhere(self):
        m = self.map
        self.assertFalse(np.any(m.locked[0]))
        self.assertTrue(np.isnan(m.measured_lo_mhz[0, 0]) and np.isnan(m.measured_hi_mhz[0, 0]))
        self.assertEqual(m.analytic_lo_mhz[0, 0], self.f_free)
        self.assertEqual(m.analytic_hi_mhz[0, 0], self.f_free)

    def test_map_describes_its_grid_and_writes_its_files(self):
        m = self.map
        np.testing.assert_array_equal(m.f_mhz, self.f)
        np.testing.assert_array_equal(m.amp_mhz, self.amp)
        self.assertEqual(m.f_free_mhz[0], self.f_free)
        self.assertGreater(m.sim.dt_ns, 0)
        self.assertEqual(m.device, "vortex-mtj")
        m.save_csv(self.path("map.csv"))
        m.save_json(self.path("map.json"))
        m.obs.save_json(self.path("obs.json"))
        with open(self.path("map.csv")) as f:
            self.assertEqual(len(list(csv.reader(f))), 1 + 3 * 61)
        with open(self.path("map.json")) as f:
            self.assertEqual(json.load(f)["format"], "nanocim-stno-lock-map")
        with open(self.path("obs.json")) as f:
            self.assertEqual(len(json.load(f)["runs"]), 3 * 61)

    def test_bad_grid_and_cancellation(self):
        net = stno.Network(QUIET)
        with self.assertRaisesRegex(nanocim.ArgumentError, r"f_mhz\[1\] = -1"):
            net.lock_map([300, -1], [0.1])
        with self.assertRaisesRegex(nanocim.ArgumentError, "dt_ns = 100 is too large"):
            net.lock_map([300], [0.1], dt_ns=100)
        with self.assertRaises(nanocim.Cancelled):
            net.lock_map(self.f[:5], [0.1], t_window_ns=500, progress=lambda t, d, n: True)


if __name__ == "__main__":
    unittest.main()
