"""nanocim.rram: device parameters and their files, analytic and Monte Carlo bit error rates of
1T1R and 2T2R cells, SECDED codes, storage options and sweeps, synthetic measurements and the
calibration fit, progress and cancellation, and errors carrying the library's messages."""

import ctypes
import csv
import json
import math
import os
import pickle
import signal
import tempfile
import unittest

import numpy as np

import test_support  # sets the thread count
from test_support import TempDir
import nanocim
from nanocim import _lib, rram

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "data")


def same(a, b):
    """Equal, NaN equal to NaN."""
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a)
                      and math.isnan(b))


class TestDevice(TempDir):
    def test_default_is_the_data_file(self):
        path = os.path.join(DATA, "hfo2.json")
        if not os.path.exists(path):
            self.skipTest("data/hfo2.json is not beside the tests")
        self.assertEqual(rram.Device.load(path), rram.Device())

    def test_fields_follow_the_c_struct_and_name_file_fields(self):
        self.assertEqual(rram.Device.FIELDS, tuple(f for f, _ in _lib.RramParams._fields_))
        self.assertEqual(set(rram.Device.FILE_FIELDS), set(rram.Device.FIELDS))
        d = rram.Device()
        self.assertEqual((d.name, d.family, d.i_ref_ua, d.r_ref_ohm),
                         ("hfo2-130nm", "lognormal", 100.0, 15000.0))

    def test_save_load_round_trip_and_copies(self):
        d = rram.Device(sigma_hrs=0.61, family="student-t", name="mine")
        d.save(self.path("d.json"))
        e = rram.Device.load(self.path("d.json"))
        self.assertEqual(e, d)
        self.assertEqual(e.to_dict()["sigma_hrs"], 0.61)
        c = e.copy()
        c.sigma_hrs = 0.7
        self.assertEqual(e.sigma_hrs, 0.61)
        self.assertEqual(e.replace(sigma_hrs=0.7), c)
        self.assertEqual(pickle.loads(pickle.dumps(c)), c)

    def test_unknown_field_and_wrong_type_raise_argument_error(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "unknown field 'sigma'"):
            rram.Device(sigma=1)
        d = rram.Device()
        with self.assertRaises(AttributeError):
            d.sigma = 1.0
        with self.assertRaisesRegex(nanocim.ArgumentError, "sigma_hrs 'big'"):
            d.sigma_hrs = "big"
        with self.assertRaisesRegex(nanocim.ArgumentError, "family 'normal'"):
            d.family = "normal"

    def test_bad_device_file_names_the_field(self):
        doc = json.loads(json.dumps(_device_doc()))
        del doc["hrs"]["sigma_ln_r"]
        with open(self.path("missing.json"), "w") as f:
            json.dump(doc, f)
        with self.assertRaises(nanocim.FormatError) as cm:
            rram.Device.load(self.path("missing.json"))
        self.assertIn('"hrs.sigma_ln_r"', str(cm.exception))
        self.assertTrue(str(cm.exception).startswith(self.path("missing.json")))
        doc = _device_doc()
        doc["lrs"]["sigma_ln_r"] = -0.3
        with open(self.path("negative.json"), "w") as f:
            json.dump(doc, f)
        with self.assertRaises(nanocim.ArgumentError) as cm:
            rram.Device.load(self.path("negative.json"))
        self.assertIn('"lrs.sigma_ln_r" must be > 0, found -0.3', str(cm.exception))

    def test_missing_device_file_raises_file_error(self):
        with self.assertRaises(nanocim.FileError) as cm:
            rram.Device.load(self.path("absent.json"))
        self.assertTrue(str(cm.exception).startswith(self.path("absent.json")))

    def test_check_and_every_call_refuse_a_bad_value(self):
        d = rram.Device(sigma_hrs=-1.0)
        with self.assertRaisesRegex(nanocim.ArgumentError, '"hrs.sigma_ln_r" must be > 0'):
            d.check()
        with self.assertRaisesRegex(nanocim.ArgumentError, '"hrs.sigma_ln_r"'):
            rram.ber("2t2r", d)
        with self.assertRaisesRegex(nanocim.ArgumentError, '"hrs.sigma_ln_r"'):
            d.save(self.path("bad.json"))


def _device_doc():
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "d.json")
        rram.Device().save(p)
        with open(p) as f:
            return json.load(f)


class TestAnalytic(unittest.TestCase):
    ICC = np.array([10.0, 20.0, 50.0, 100.0])

    def test_2t2r_ber_below_1t1r_and_falling_with_icc(self):
        b2 = rram.ber("2t2r", i_cc_ua=self.ICC)
        _, b1_best = rram.best_ref(i_cc_ua=self.ICC)
        b1 = rram.ber("1t1r", i_cc_ua=self.ICC)
        self.assertEqual(b2.shape, (4,))
        self.assertTrue(np.all(b2 < b1_best), (b2, b1_best))
        self.assertTrue(np.all(b1_best <= b1 * (1 + 1e-12)))
        self.assertTrue(np.all(np.diff(b2) < 0), b2)
        self.assertTrue(np.all(np.diff(b1_best) < 0), b1_best)

    def test_arrays_equal_scalars_and_the_best_reference_is_used_by_cells(self):
        b = rram.ber("2t2r", i_cc_ua=self.ICC, cycles=[[0], [1e6]])
        self.assertEqual(b.shape, (2, 4))
        self.assertEqual(b[1, 2], rram.ber("2t2r", i_cc_ua=50, cycles=1e6))
        self.assertIsInstance(rram.ber("2t2r", i_cc_ua=50), float)
        r, best = rram.best_ref(i_cc_ua=20)
        self.assertAlmostEqual(rram.ber("1t1r", i_cc_ua=20, r_ref_ohm=r), best, places=15)
        self.assertEqual(rram.ber(rram.Cell("1t1r", r_ref_ohm=r), i_cc_ua=20),
                         rram.ber("1t1r", i_cc_ua=20, r_ref_ohm=r))

    def test_ber_vs_cycles_equals_ber_at_each_age(self):
        cy = np.array([0.0, 1e4, 1e6, 1e8])
        got = rram.ber_vs_cycles(cy, "2t2r", i_cc_ua=30)
        np.testing.assert_array_equal(got, [rram.ber("2t2r", i_cc_ua=30, cycles=c) for c in cy])
        self.assertGreater(got[-1], got[0])  # drift and stuck devices

    def test_stats_and_energy_follow_the_model(self):
        d = rram.Device()
        s = rram.stats(i_cc_ua=20)
        self.assertAlmostEqual(s["mu_lrs"], math.log(d.v_c_v / 20e-6))
        self.assertAlmostEqual(s["sigma_lrs"], d.sigma_lrs * (20 / 100) ** -d.sigma_lrs_exp)
        e = rram.energy("2t2r", i_cc_ua=20)
        self.assertAlmostEqual(e["e_set_pj"], d.v_set_v * 20e-6 * 100e-9 * 1e12)
        self.assertEqual(e["devices_per_bit"], 2)
        self.assertEqual(rram.energy("1t1r")["devices_per_bit"], 1)

    def test_bad_condition_names_the_field(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "i_cc_ua must be"):
            rram.ber("1t1r", i_cc_ua=-5)
        with self.assertRaisesRegex(nanocim.ArgumentError, "cell '3t3r'"):
            rram.ber("3t3r")

    def test_student_t_2t2r_has_no_closed_form_but_a_monte_carlo(self):
        t = rram.Device(family="student-t")
        with self.assertRaisesRegex(nanocim.ArgumentError, "no closed form"):
            rram.ber("2t2r", t, i_cc_ua=20)
        self.assertGreater(rram.ber_mc("2t2r", t, i_cc_ua=20, reads=20000)["errors"], 0)
        self.assertGreater(rram.ber("1t1r", t, i_cc_ua=20), 0)


class TestMonteCarlo(unittest.TestCase):
    def test_monte_carlo_within_its_interval_of_the_analytic_ber(self):
        r_ref, _ = rram.best_ref(i_cc_ua=20)
        for cell, kw in (("2t2r", {}), ("1t1r", {"r_ref_ohm": r_ref})):
            with self.subTest(cell=cell):
                a = rram.ber(cell, i_cc_ua=20, **kw)
                m = rram.ber_mc(cell, i_cc_ua=20, reads=1e5, seed=7, **kw)
                self.assertEqual(m["reads"], 100000)
                self.assertEqual(m["ber"], m["errors"] / 1e5)
                self.assertGreater(m["errors"], 100)
                self.assertTrue(m["ci95_lo"] <= a <= m["ci95_hi"], (a, m))

    def test_one_and_two_threads_give_identical_counts(self):
        runs = [rram.ber_mc("2t2r", i_cc_ua=20, reads=300000, seed=3, threads=t) for t in (1, 2)]
        self.assertEqual(runs[0], runs[1])
        c = rram.Secded(64)
        mcs = [c.mc(2e-3, 40000, seed=5, threads=t) for t in (1, 2)]
        self.assertEqual(mcs[0], mcs[1])

    def test_progress_hears_the_reads_and_true_cancels(self):
        seen = []
        rram.ber_mc("1t1r", i_cc_ua=20, reads=1000, progress=lambda *a: seen.append(a))
        self.assertEqual(seen[-1], ("RRAM Monte Carlo", 1000, 1000))
        with self.assertRaises(nanocim.Cancelled) as cm:
            rram.ber_mc("1t1r", i_cc_ua=20, reads=1000, progress=lambda t, d, n: True)
        self.assertIn("cancel", str(cm.exception))
        with self.assertRaises(nanocim.Cancelled):
            rram.Secded(32).mc(1e-2, 1000, progress=lambda t, d, n: True)

    def test_exception_in_progress_is_reraised(self):
        def boom(task, done, total):
            raise ZeroDivisionError("from the callback")

        with self.assertRaisesRegex(ZeroDivisionError, "from the callback"):
            rram.ber_mc("2t2r", i_cc_ua=20, reads=1000, progress=boom)

    def test_ctrl_c_cancels_and_raises_keyboard_interrupt(self):
        def ctrl_c(task, done, total):
            signal.raise_signal(signal.SIGINT)
            return False

        with self.assertRaises(KeyboardInterrupt):
            rram.ber_mc("2t2r", i_cc_ua=20, reads=1000, progress=ctrl_c)
        self.assertIs(signal.getsignal(signal.SIGINT), signal.default_int_handler)

    def test_reads_must_be_positive(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "n_reads must be >= 1"):
            rram.ber_mc(reads=0)


class TestSecded(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.code = rram.Secded(64)
        rng = np.random.default_rng(11)
        cls.data = rng.integers(0, 2, 64).astype(np.uint8)
        cls.word = cls.code.encode(cls.data)

    def test_72_64_shape_and_systematic_codeword(self):
        c = self.code
        self.assertEqual((c.n, c.k, c.r), (72, 64, 8))
        self.assertEqual(c.overhead, 0.125)
        self.assertEqual(self.word.shape, (72,))
        np.testing.assert_array_equal(self.word[:64], self.data)
        self.assertEqual(c.syndrome(self.word), 0)
        data, outcome = c.decode(self.word)
        self.assertEqual(outcome, rram.CLEAN)
        np.testing.assert_array_equal(data, self.data)
        self.assertTrue(np.all(c.columns & (1 << 7)))
        self.assertEqual(c.logic["decoder_total"], sum(c.logic[k] for k in (
            "syndrome_xor", "match_and", "correct_xor", "flag_gates")))

    def test_every_single_bit_error_is_corrected(self):
        flips = np.tile(self.word, (72, 1))
        flips[np.arange(72), np.arange(72)] ^= 1
        data, outcome = self.code.decode(flips)
        self.assertTrue(np.all(outcome == rram.CORRECTED))
        np.testing.assert_array_equal(data, np.tile(self.data, (72, 1)))

    def test_every_double_error_is_detected(self):
        i, j = np.triu_indices(72, 1)
        words = np.tile(self.word, (len(i), 1))
        words[np.arange(len(i)), i] ^= 1
        words[np.arange(len(i)), j] ^= 1
        before = words.copy()
        data, outcome = self.code.decode(words)
        self.assertEqual(len(outcome), 72 * 71 // 2)
        self.assertTrue(np.all(outcome == rram.DETECTED))
        np.testing.assert_array_equal(words, before)  # not inplace: left as it is
        np.testing.assert_array_equal(data, words[:, :64])  # the data as read

    def test_inplace_decode_corrects_the_word(self):
        w = self.word.copy()
        w[5] ^= 1
        _, outcome = self.code.decode(w, inplace=True)
        self.assertEqual(outcome, rram.CORRECTED)
        np.testing.assert_array_equal(w, self.word)

    def test_analytic_residual_ber_and_monte_carlo_agree(self):
        c = self.code
        p = 1e-4
        self.assertAlmostEqual(c.residual_ber(p) / (71 * p * p), 1.0, delta=0.01)
        rates = c.analytic(p)
        self.assertAlmostEqual(sum(rates[k] for k in ("clean", "corrected", "detected",
                                                       "miscorrected", "undetected")), 1.0)
        m = c.mc(5e-3, 20000, seed=2)
        a = c.residual_ber(5e-3)
        self.assertLess(abs(m["ber"] - a), 3 * m["ber_ci95"] + 1e-12, (m, a))
        self.assertEqual(m["words"], 20000)
        np.testing.assert_array_equal(c.residual_ber([1e-3, 1e-2]),
                                      [c.residual_ber(1e-3), c.residual_ber(1e-2)])

    def test_bad_arguments_raise_argument_error(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "k_data must be in"):
            rram.Secded(0)
        with self.assertRaisesRegex(nanocim.ArgumentError, r"data shape \(63,\)"):
            self.code.encode(np.zeros(63))
        with self.assertRaisesRegex(nanocim.ArgumentError, "p 1.5"):
            self.code.residual_ber(1.5)


class TestStorage(TempDir):
    def test_storage_names(self):
        s = rram.Storage("1T1R-SECDED")
        self.assertEqual((s.cell, s.ecc_k, s.best_ref, s.name, s.id),
                         ("1t1r", 64, True, "1T1R+SECDED(72,64)", "1t1r-secded:64"))
        self.assertEqual(rram.Storage("2t2r").name, "2T2R")
        self.assertEqual(rram.Storage("1t1r", r_ref_ohm=2e4).r_ref_ohm, 2e4)
        with self.assertRaisesRegex(nanocim.ArgumentError, "unknown storage option '3t3r'"):
            rram.Storage("3t3r")

    def test_sweep_table_equals_point_by_point_evaluation(self):
        t = rram.ber_sweep(i_cc_ua=[20, 50], cycles=[0, 1e6], reads=20000, seed=4)
        self.assertEqual(len(t), 2 * 2 * 3)
        self.assertEqual([c.id for c in t.cells], ["1t1r", "1t1r-secded:64", "2t2r"])
        cols = t.columns
        for i, row in enumerate(t.rows()):
            ev = rram.evaluate(t.cells[row["cell_index"]], i_cc_ua=row["i_cc_ua"],
                               v_reset_v=row["v_reset_v"], t_p_ns=row["t_p_ns"],
                               cycles=row["cycles"], reads=20000, seed=row["seed"])
            self.assertEqual(row["seed"], 4 * 1000003 + i)
            for k, v in ev.items():
                self.assertTrue(same(cols[k][i].item(), v), (i, k, cols[k][i], v))
        # row order: I_cc, then cycles, the storage option fastest
        np.testing.assert_array_equal(cols["i_cc_ua"], [20] * 3 + [50] * 3 + [20] * 3 + [50] * 3)
        self.assertEqual(list(cols["cell"][:3]), ["1t1r", "1t1r-secded:64", "2t2r"])

    def test_table_columns_are_read_only_views_of_the_library_table(self):
        t = rram.ber_sweep(i_cc_ua=[20, 50], reads=0, cells=["2t2r"])
        ber = t.columns["ber"]
        self.assertFalse(ber.flags.writeable)
        self.assertTrue(np.shares_memory(ber, t.records))
        del t
        self.assertEqual(ber.shape, (2,))  # alive without the table object
        self.assertTrue(np.all(ber > 0))

    def test_table_writes_csv_and_json(self):
        t = rram.ber_sweep(i_cc_ua=[20, 50], reads=1000, device_name="mine.json")
        t.save_csv(self.path("t.csv"))
        t.save_json(self.path("t.json"))
        with open(self.path("t.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), len(t))
        self.assertEqual(rows[1]["cell"], t.columns["cell"][1])
        self.assertAlmostEqual(float(rows[1]["ber"]) / t.columns["ber"][1], 1.0, places=5)
        with open(self.path("t.json")) as f:
            doc = json.load(f)
        self.assertEqual(len(doc["points"]), len(t))
        self.assertEqual(doc["device"], "mine.json")
        self.assertTrue(doc["producer"].startswith("nanocim "))

    def test_sweep_progress_cancels(self):
        with self.assertRaises(nanocim.Cancelled):
            rram.ber_sweep(i_cc_ua=[20, 50], reads=1000, progress=lambda t, d, n: d >= 1)

    def test_bad_sweep_names_the_field(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, r"ncm_rram_sweep\.i_cc_ua\[1\]"):
            rram.ber_sweep(i_cc_ua=[20, -1], reads=0)


class TestCalibration(TempDir):
    def test_fit_of_synthetic_measurements_recovers_the_device(self):
        truth = rram.Device(sigma_hrs=0.45, v_c_v=0.42)
        csv_path = self.path("m.csv")
        rram.sample_measurements(csv_path, truth, i_cc_ua=[20, 50, 100], devices=400, seed=2)
        r = rram.fit(csv_path, device_path=self.path("fit.json"),
                     report_path=self.path("report.json"))
        self.assertEqual(r.n_groups, 6)
        self.assertEqual(r.n_meas, 6 * 400)
        self.assertEqual(len(r.params), 7)
        self.assertEqual(r.device.name, "hfo2-130nm-fit")
        self.assertAlmostEqual(r.device.sigma_hrs, 0.45, delta=0.03)
        self.assertAlmostEqual(r.device.v_c_v, 0.42, delta=0.02)
        q = r.param("hrs.sigma_ln_r")
        self.assertTrue(q["fitted"])
        self.assertEqual(q["value"], r.device.sigma_hrs)
        self.assertEqual({g["state"] for g in r.groups}, {"lrs", "hrs"})
        self.assertEqual(rram.Device.load(self.path("fit.json")), r.device)
        with open(self.path("report.json")) as f:
            self.assertEqual(json.load(f)["format"], "nanocim-rram-fit-report")
        self.assertEqual(json.loads(r.json())["format"], "nanocim-rram-fit-report")
        self.assertIn("endurance.n0_cycles", r.kept)

    def test_bad_measurement_file_names_line_and_leaves_no_device(self):
        with open(self.path("bad.csv"), "w") as f:
            f.write("condition,cycle,resistance_ohm\nlrs@20,0,abc\n")
        with self.assertRaises(nanocim.FormatError) as cm:
            rram.fit(self.path("bad.csv"), device_path=self.path("d.json"))
        self.assertIn("bad.csv", str(cm.exception))
        self.assertIn("line 2", str(cm.exception))
        self.assertFalse(os.path.exists(self.path("d.json")))

    def test_sampling_cancelled_leaves_no_file(self):
        with self.assertRaises(nanocim.Cancelled):
            rram.sample_measurements(self.path("m.csv"), devices=100,
                                     progress=lambda t, d, n: True)
        self.assertFalse(os.path.exists(self.path("m.csv")))


if __name__ == "__main__":
    unittest.main()
