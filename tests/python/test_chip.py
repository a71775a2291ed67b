"""nanocim.chip: chip configurations and their checks naming the field, the mapping's counts, one
chip's predictions and error counts, the Monte Carlo equal to chips run one by one and the same
for any thread count, sweeps whose points equal Monte Carlos of their chips, progress and
cancellation, the CSV and JSON writers, and the struct layouts checked at import."""

import csv
import ctypes
import gc
import json
import math
import os
import pickle
import unittest

import numpy as np

import test_support  # sets the thread count
from test_support import TempDir
import nanocim
from nanocim import _lib, chip, rram


def random_model(arch, shape=(1, 8, 8), seed=5):
    """A model with random binary weights: an untrained network, folded."""
    return nanocim.Network(arch, shape, 4, seed=seed).fold()


def labelled_by(model, n=300, seed=4):
    """n images of the quadrant task labelled with the model's own (error-free) predictions, so
    that every weight error the chip makes can lower its accuracy."""
    img, _ = test_support.quadrant_images(n, seed=seed, size=model.input_shape[1])
    pred, _ = model.predict(img)
    return nanocim.Dataset.from_arrays(img, pred, n_classes=4)


def setUpModule():
    global M1, M2, DATA
    M1 = random_model("mlp:48,32", seed=5)   # 64 -> 48 -> 32 -> 4
    M2 = random_model("mlp:40", seed=6)      # 64 -> 40 -> 4
    DATA = labelled_by(M1)


FAULTS = dict(ber=0.02, stuck=0.005, rows=16, cols=16)
DEVICES = dict(mode="devices", i_cc_ua=15, rows=16, cols=16)


class TestStructs(unittest.TestCase):
    NAMES = ("ncm_chip_faults", "ncm_chip_config", "ncm_chip_layer_map", "ncm_chip_map",
             "ncm_chip_mc_params", "ncm_chip_mc_result", "ncm_sweep_axis", "ncm_sweep_comm",
             "ncm_sweep_params", "ncm_sweep_point", "ncm_sweep_table")

    def test_chip_and_sweep_structs_are_checked_against_the_library(self):
        mirrored = {cls._c_name_: cls for cls in _lib.STRUCTS}
        for name in self.NAMES:
            with self.subTest(struct=name):
                self.assertIn(name, mirrored)
                self.assertEqual(ctypes.sizeof(mirrored[name]),
                                 _lib.lib.ncm_struct_size(name.encode()))

    def test_a_changed_chip_struct_fails_the_import_naming_it(self):
        class Wrong(ctypes.Structure):
            _c_name_ = "ncm_chip_config"
            _fields_ = [(f, t) for f, t in _lib.ChipConfig._fields_ if f != "read_ber"]
        with self.assertRaisesRegex(ImportError, "ncm_chip_config"):
            _lib.checked(Wrong)


class TestConfig(unittest.TestCase):
    def test_default_is_the_library_default(self):
        c = _lib.ChipConfig()
        _lib.lib.ncm_chip_config_default(ctypes.byref(c))
        cfg = chip.Config()
        self.assertEqual(cfg.storage.cell, "2t2r")
        c.storage = cfg._s.storage  # parsed "2t2r" also says best_ref (unused by 2T2R cells)
        self.assertEqual(bytes(cfg._s), bytes(c))
        self.assertEqual((cfg.mode, cfg.rows, cfg.cols, cfg.storage.id, cfg.ber, cfg.dead_zone),
                         ("faults", 32, 32, "2t2r", 0.0, "static"))
        self.assertEqual(cfg.condition["i_cc_ua"], rram.Device().i_ref_ua)

    def test_bad_values_raise_naming_the_field(self):
        cases = [
            (dict(ber=2), "faults.ber = 2: expected a probability in [0, 1]"),
            (dict(stuck=-0.5), "faults.stuck_frac = -0.5: "),
            (dict(ber_layer=[0.1, math.nan]), "faults.ber_layer[1] = nan: "),
            (dict(read_ber=math.nan), "read_ber = nan: "),
            (dict(rows=0), "rows = 0: "),
            (dict(cols=-3), "cols = -3: "),
            (dict(mode="devices", i_cc_ua=-5), "cond.i_cc_ua = -5: "),
            (dict(mode="devices", cond_layer=[{"t_p_ns": 0}]), "cond_layer[0].t_p_ns = 0"),
            (dict(mode="devices", device=rram.Device(sigma_hrs=math.nan)), "device"),
            (dict(storage="2t2r", rows=8, cols=8, mode="devices",
                  device=rram.Device(pcsa_dead_zone=-1)), "device"),
        ]
        for kwargs, prefix in cases:
            with self.subTest(**{k: repr(v) for k, v in kwargs.items()}):
                with self.assertRaises(nanocim.ArgumentError) as cm:
                    chip.Config(**kwargs)
                self.assertTrue(str(cm.exception).startswith(prefix), str(cm.exception))
                self.assertNotIn("--", str(cm.exception))

    def test_wrong_types_and_names_raise_argument_error(self):
        for kwargs, text in [(dict(mode="magic"), "mode 'magic'"),
                             (dict(dead_zone="sometimes"), "dead_zone 'sometimes'"),
                             (dict(rows="x"), "rows 'x'"),
                             (dict(ber="high"), "ber 'high'"),
                             (dict(storage="3t3r"), "3t3r"),
                             (dict(mode="devices", cond_layer=[{"icc": 5}]), "unknown field"),
                             (dict(ber_layer=[[0.1]]), "ber_layer shape")]:
            with self.subTest(text=text):
                with self.assertRaisesRegex(nanocim.ArgumentError, text):
                    chip.Config(**kwargs)

    def test_settings_of_the_other_mode_are_refused(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, '^i_cc_ua: .*mode is "faults"'):
            chip.Config(i_cc_ua=20)
        with self.assertRaisesRegex(nanocim.ArgumentError, '^dead_zone: '):
            chip.Config(dead_zone="dynamic")
        with self.assertRaisesRegex(nanocim.ArgumentError, '^ber: .*mode is "devices"'):
            chip.Config(mode="devices", ber=0.01)

    def test_checks_against_a_model_name_the_field(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, r"^rows = 100: larger than every "
                                    r"layer's fan-in \(largest 64\)"):
            chip.Config(rows=100).check(M1)
        with self.assertRaisesRegex(nanocim.ArgumentError, "^faults.ber_layer has 2 entries"):
            chip.Chip(M1, chip.Config(ber_layer=[0.1, 0.2]))
        with self.assertRaisesRegex(nanocim.ArgumentError,
                                    "^cond_layer has 1 entries: the model has 3 layers"):
            chip.monte_carlo(M1, DATA, chip.Config(mode="devices", cond_layer=[(20, 1.5, 100, 0)]),
                             chips=2)
        self.assertIs(chip.Config(rows=64).check(M1).rows, 64)

    def test_device_condition_and_per_layer_lists(self):
        dev = rram.Device(i_ref_ua=80.0, name="mine")
        cfg = chip.Config(mode="devices", device=dev, v_reset_v=1.8,
                          cond_layer=[{"i_cc_ua": 10}, (20, 1.5, 100, 1e3), {}])
        self.assertEqual(cfg.condition["i_cc_ua"], 80.0)      # the device's reference
        self.assertEqual(cfg.condition["v_reset_v"], 1.8)
        self.assertEqual(cfg.cond_layer[0]["i_cc_ua"], 10.0)
        self.assertEqual(cfg.cond_layer[0]["v_reset_v"], 1.8)  # the rest from the condition
        self.assertEqual(cfg.cond_layer[1]["cycles"], 1e3)
        self.assertEqual(cfg.device, dev)
        fl = chip.Config(ber_layer=(0.0, 0.1, 0.2))
        self.assertEqual(fl.ber_layer, (0.0, 0.1, 0.2))
        mc = chip.monte_carlo(M1, DATA, fl, chips=2)
        self.assertEqual(list(mc.ber_layer), [0.0, 0.1, 0.2])
        self.assertTrue(np.all(mc.flips[:, 0] == 0))

    def test_is_read_only_with_replace_equality_and_pickle(self):
        cfg = chip.Config(**FAULTS)
        with self.assertRaises(AttributeError):
            cfg.ber = 0.5
        other = cfg.replace(ber=0.1)
        self.assertEqual((cfg.ber, other.ber, other.rows), (0.02, 0.1, 16))
        self.assertEqual(cfg, chip.Config(**FAULTS))
        self.assertNotEqual(cfg, other)
        self.assertEqual(pickle.loads(pickle.dumps(other)), other)
        fixed = chip.Config(storage=rram.Storage("1t1r", r_ref_ohm=2e4), ber_layer=[0.1, 0.2, 0])
        self.assertEqual(pickle.loads(pickle.dumps(fixed)), fixed)
        self.assertEqual(pickle.loads(pickle.dumps(fixed)).storage.r_ref_ohm, 2e4)
        self.assertEqual(chip.Config(mode="devices"), chip.Config(mode="devices",
                                                                  device=rram.Device()))
        with self.assertRaisesRegex(nanocim.ArgumentError, "unknown argument 'berr'"):
            cfg.replace(berr=0.1)
        self.assertIn("ber=0.02", repr(cfg))


class TestMapping(unittest.TestCase):
    def test_counts_follow_the_arrays(self):
        m = random_model("mlp:40", shape=(1, 7, 7))      # 49 -> 40 -> 4
        mp = chip.map_model(m, chip.Config(rows=16, cols=8))
        L0, L1 = mp["layers"]
        self.assertEqual((mp["n_layers"], mp["rows"], mp["cols"]), (2, 16, 8))
        self.assertEqual((L0["row_tiles"], L0["col_tiles"], L0["arrays"]), (4, 5, 20))
        self.assertEqual(L0["data_cells"], 20 * 16 * 8)
        self.assertEqual(L0["devices"], 2 * 20 * 16 * 8)  # 2T2R
        self.assertEqual(L0["sense_amps"], 20 * 8)
        self.assertEqual(L0["decoders"], 0)
        self.assertEqual(L0["row_reads"], 5 * 49 * 8)    # 8 bit planes of the input
        self.assertEqual(L0["partial_sums"], 3 * 40 * 8)
        self.assertAlmostEqual(L0["utilisation"], 49 * 40 / (20 * 16 * 8), places=15)
        self.assertEqual((L1["row_tiles"], L1["col_tiles"], L1["row_reads"]), (3, 1, 40))
        self.assertEqual(mp["total"]["arrays"], 23)
        self.assertEqual(mp["total"]["weights"], 49 * 40 + 40 * 4)
        # SECDED along rows of 12 cells, words of 8: a (13,8) word and a shortened (8,4) one.
        mp = chip.map_model(m, chip.Config(rows=16, cols=12, storage="1t1r-secded:8"))
        self.assertEqual((mp["words_per_row"], mp["code_n"], mp["check_per_row"]), (2, 13, 9))
        L0 = mp["layers"][0]
        self.assertEqual(L0["arrays"], 16)
        self.assertEqual(L0["check_cells"], 16 * 16 * 9)
        self.assertEqual(L0["devices"], 16 * 16 * (12 + 9))  # 1T1R
        self.assertEqual(L0["sense_amps"], 16 * (12 + 9))
        self.assertEqual(L0["decoders"], 16 * 2)
        self.assertGreater(L0["decoder_gates"], 0)

    def test_arrays_larger_than_the_model_are_refused(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "^cols = 49: larger than every "
                                                           "layer's width"):
            chip.map_model(M1, chip.Config(cols=49))


class TestChip(unittest.TestCase):
    def test_no_errors_predict_as_the_model(self):
        c = chip.Chip(M1, chip.Config(rows=16, cols=16), seed=3, index=7)
        pred, scores = c.predict(DATA, scores=True)
        mp, ms = M1.predict(DATA)
        np.testing.assert_array_equal(pred, mp)
        np.testing.assert_array_equal(scores, ms)
        self.assertEqual(pred.dtype, np.int32)
        self.assertEqual(c.accuracy(DATA), 1.0)
        np.testing.assert_array_equal(c.flips(), [0, 0, 0])
        self.assertEqual(list(c.bits()), [L.out * L.fan_in for L in M1.layers])
        self.assertEqual(c.program_energy_pj, 0.0)

    def test_flips_are_the_misread_weights(self):
        c = chip.Chip(M1, chip.Config(**FAULTS), seed=3, index=2)
        w = c.weights
        for l, (a, b) in enumerate(zip(w.layers, M1.layers)):
            self.assertEqual(int((a.weights != b.weights).sum()), c.flips(l))
        self.assertEqual(c.flips(-1), c.flips(2))
        self.assertGreater(c.flips().sum(), 0)
        np.testing.assert_array_equal(w.predict(DATA)[0], c.predict(DATA))
        self.assertLess(c.accuracy(DATA), 1.0)

    def test_a_chip_is_a_function_of_seed_and_index(self):
        cfg = chip.Config(**FAULTS)
        a, b, o = (chip.Chip(M1, cfg, seed=9, index=i) for i in (4, 4, 5))
        np.testing.assert_array_equal(a.weights.layers[0].weight_bits,
                                      b.weights.layers[0].weight_bits)
        self.assertFalse(np.array_equal(a.weights.layers[0].weight_bits,
                                        o.weights.layers[0].weight_bits))
        np.testing.assert_array_equal(a.predict(DATA), a.predict(DATA))  # static errors

    def test_device_mode_counts_raw_errors_corrections_and_energy(self):
        c = chip.Chip(M1, chip.Config(mode="devices", i_cc_ua=25, rows=16, cols=16,
                                      storage="1t1r-secded:8"), seed=2)
        self.assertGreater(c.raw_errors().sum(), c.flips().sum())
        self.assertGreater(c.corrected().sum(), 0)
        self.assertGreater(c.program_energy_pj, 0)
        dz = chip.Chip(M1, chip.Config(mode="devices", rows=16, cols=16, dead_zone="dynamic",
                                       device=rram.Device(pcsa_dead_zone=100)))
        self.assertEqual(dz.dead_zone(0), 64 * 48)     # every cell is in the dead zone
        self.assertEqual(dz.flips(0), 0)

    def test_layer_index_out_of_range_raises(self):
        c = chip.Chip(M2)
        with self.assertRaisesRegex(nanocim.ArgumentError, "layer 2: expected 0 to 1"):
            c.flips(2)

    def test_close_releases_and_weights_outlive_the_chip(self):
        with chip.Chip(M1, chip.Config(**FAULTS)) as c:
            w = c.weights
            before = w.predict(DATA)[0]
        self.assertTrue(c.closed)
        for call in (lambda ch: ch.predict(DATA), lambda ch: ch.flips(0), lambda ch: ch.weights,
                     lambda ch: ch.program_energy_pj):
            with self.assertRaisesRegex(nanocim.StateError, "the chip is closed"):
                call(c)
        c = None
        gc.collect()
        np.testing.assert_array_equal(w.predict(DATA)[0], before)  # the Model holds the chip

    def test_bad_arguments_raise(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "^chip = -1: expected a chip index"):
            chip.Chip(M1, index=-1)
        with self.assertRaisesRegex(nanocim.ArgumentError, "model ndarray"):
            chip.Chip(np.zeros(3))
        with self.assertRaisesRegex(nanocim.DataError, "dataset images are 1x7x7"):
            chip.Chip(M1).predict(np.zeros((2, 7, 7), np.uint8))


class TestMonteCarlo(TempDir):
    def one_by_one(self, model, cfg, seed, first, n):
        chips = [chip.Chip(model, cfg, seed=seed, index=first + i) for i in range(n)]
        return [c.accuracy(DATA) for c in chips], [c.flips() for c in chips]

    def test_equals_chips_run_one_by_one(self):
        for kwargs in (FAULTS, DEVICES):
            with self.subTest(mode=kwargs.get("mode", "faults")):
                cfg = chip.Config(**kwargs)
                mc = chip.monte_carlo(M1, DATA, cfg, chips=4, seed=31, first_chip=3)
                acc, flips = self.one_by_one(M1, cfg, 31, 3, 4)
                np.testing.assert_array_equal(mc.accuracy, acc)
                np.testing.assert_array_equal(mc.flips, flips)
                np.testing.assert_array_equal(mc.chip_indices, [3, 4, 5, 6])
                self.assertLess(mc.mean, 1.0)

    def test_same_results_for_one_and_two_threads(self):
        for kwargs in (FAULTS, DEVICES):
            cfg = chip.Config(**kwargs)
            a = chip.monte_carlo(M1, DATA, cfg, chips=5, seed=8, threads=1)
            b = chip.monte_carlo(M1, DATA, cfg, chips=5, seed=8, threads=2)
            self.assertEqual((a.threads, b.threads), (1, 2))
            for f in ("accuracy", "flips", "dead_zone", "energy_pj", "ber_measured"):
                np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
            self.assertEqual((a.mean, a.sd, a.ci95), (b.mean, b.sd, b.ci95))

    def test_summary_is_that_of_the_chips(self):
        mc = chip.monte_carlo(M1, DATA, chip.Config(**FAULTS), chips=6, seed=2)
        self.assertEqual(mc.accuracy.shape, (6,))
        self.assertEqual(mc.flips.shape, (6, 3))
        self.assertAlmostEqual(mc.mean, mc.accuracy.mean(), places=14)
        self.assertAlmostEqual(mc.sd, mc.accuracy.std(ddof=1), places=14)
        self.assertEqual((mc.min, mc.max), (mc.accuracy.min(), mc.accuracy.max()))
        self.assertTrue(mc.ci95[0] < mc.mean < mc.ci95[1])
        np.testing.assert_allclose(mc.ber_measured, mc.flips.sum(axis=0) / (6 * mc.bits))
        self.assertAlmostEqual(mc.ber_total, mc.flips.sum() / (6 * mc.bits.sum()), places=15)
        self.assertEqual(mc.mapping["total"]["arrays"],
                         chip.map_model(M1, chip.Config(**FAULTS))["total"]["arrays"])
        self.assertEqual(mc.n_images, len(DATA))
        self.assertFalse(mc.accuracy.flags.writeable)
        self.assertEqual(np.all(mc.energy_pj == 0), True)

    def test_progress_is_reported_and_cancels(self):
        seen = []
        chip.monte_carlo(M1, DATA, chips=4, threads=1,
                         progress=lambda task, done, total: seen.append((task, done, total)))
        self.assertEqual(seen[0], ("chips", 0, 4))
        self.assertEqual(seen[-1], ("chips", 4, 4))
        with self.assertRaises(nanocim.Cancelled):
            chip.monte_carlo(M1, DATA, chips=6, threads=1, progress=lambda t, d, n: d > 0)

        def broken(task, done, total):
            raise KeyError("from the callback")
        with self.assertRaisesRegex(KeyError, "from the callback"):
            chip.monte_carlo(M1, DATA, chips=3, progress=broken)

    def test_files_are_written_and_an_unwritable_path_raises_naming_it(self):
        mc = chip.monte_carlo(M1, DATA, chip.Config(**FAULTS), chips=3, seed=2024)
        mc.save_json(self.path("r.json"), model_name="m.ncm", data_name="quadrants")
        mc.save_csv(self.path("r.csv"))
        with open(self.path("r.json")) as f:
            doc = json.load(f)
        self.assertEqual(doc["producer"], "nanocim " + nanocim.version())
        self.assertEqual((doc["model"], doc["seed"], len(doc["chips"])), ("m.ncm", 2024, 3))
        self.assertEqual(doc["summary"]["accuracy_mean"], mc.mean)
        with open(self.path("r.csv")) as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["chip", "accuracy", "flips_L0", "flips_L1", "flips_L2",
                                   "ber_L0", "ber_L1", "ber_L2"])
        self.assertEqual(len(rows), 4)
        self.assertEqual([float(r[1]) for r in rows[1:]], list(mc.accuracy))
        for save in (lambda p: mc.save_csv(p), lambda p: mc.save_json(p)):
            bad = self.path(os.path.join("nope", "r.out"))
            with self.assertRaises(nanocim.FileError) as cm:
                save(bad)
            self.assertIn(bad, str(cm.exception))
            self.assertFalse(os.path.exists(os.path.dirname(bad)))

    def test_bad_arguments_name_the_field(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "^n_chips = 0: "):
            chip.monte_carlo(M1, DATA, chips=0)
        with self.assertRaisesRegex(nanocim.ArgumentError, "^first_chip = -1: "):
            chip.monte_carlo(M1, DATA, first_chip=-1)
        with self.assertRaisesRegex(nanocim.ArgumentError, "expected a nanocim.Dataset"):
            chip.monte_carlo(M1, DATA.images)
        with self.assertRaisesRegex(nanocim.DataError, "^dataset images are 1x7x7"):
            chip.monte_carlo(M1, labelled_by(random_model("mlp:8", shape=(1, 7, 7)), n=10))


class TestSweep(TempDir):
    def fault_sweep(self, **kw):
        args = dict(axes=[("ber", [0.0, 0.01, 0.05])], chips=4, seed=11,
                    model_names=["a.ncm", "b.ncm"])
        args.update(kw)
        return chip.sweep([M1, M2], DATA, chip.Config(rows=16, cols=16), **args)

    def device_sweep(self, **kw):
        args = dict(axes={"storage": ["2t2r", "1t1r-secded:8"], "i_cc_ua": [10, 60]}, chips=3,
                    seed=12)
        args.update(kw)
        return chip.sweep(M1, DATA, chip.Config(mode="devices", rows=16, cols=16), **args)

    def test_points_follow_the_grid(self):
        t = self.fault_sweep()
        self.assertEqual((t.n_points, t.n_chips, len(t)), (6, 4, 6))
        self.assertEqual(t.model_names, ["a.ncm", "b.ncm"])
        self.assertEqual(t.accuracy.shape, (6, 4))
        self.assertEqual(t.flips.shape, (6, 4, 3))
        np.testing.assert_array_equal(t.points["model"], [0, 0, 0, 1, 1, 1])
        np.testing.assert_array_equal(t.points["ber"], [0.0, 0.01, 0.05] * 2)
        np.testing.assert_array_equal(t.axis_index[:, 0], [0, 1, 2] * 2)
        self.assertEqual(list(t.points["model_name"]), ["a.ncm"] * 3 + ["b.ncm"] * 3)
        self.assertEqual(t.value(4, "ber"), 0.01)
        self.assertEqual(t.points["mean"][0], 1.0)    # no errors: the labels' own model
        self.assertLess(t.points["mean"][2], t.points["mean"][1])
        self.assertTrue(np.all(t.flips[3:, :, 2] == 0))  # b has 2 layers
        self.assertEqual(t.point(4)["flips"].shape, (4, 2))
        self.assertTrue(np.all(np.isnan(t.points["i_cc_ua"])))
        self.assertEqual(t.rows()[1]["ber"], 0.01)

    def test_points_equal_monte_carlos_of_their_chips(self):
        t = self.fault_sweep()
        for i in range(t.n_points):
            mc = chip.monte_carlo(t.model_of(i), DATA, t.config(i), chips=t.n_chips, seed=t.seed,
                                  first_chip=i * t.n_chips)
            np.testing.assert_array_equal(t.accuracy[i], mc.accuracy)
            self.assertEqual(t.points["mean"][i], mc.mean)
            self.assertEqual(t.points["ber_measured"][i], mc.ber_total)
            self.assertEqual(t.point(i)["first_chip"], i * t.n_chips)

    def test_device_points_carry_mapping_and_energy(self):
        t = self.device_sweep()
        self.assertEqual(t.n_points, 4)
        self.assertEqual(list(t.points["storage"]), ["2t2r", "2t2r", "1t1r-secded:8",
                                                     "1t1r-secded:8"])
        np.testing.assert_array_equal(t.points["icc"], [10, 60, 10, 60])
        np.testing.assert_array_equal(t.points["i_cc_ua"], [10, 60, 10, 60])
        self.assertTrue(np.all(t.points["energy_bit_pj"] > 0))
        np.testing.assert_array_equal(t.points["decoders"] > 0, [False, False, True, True])
        self.assertGreater(t.points["energy_bit_pj"][1], t.points["energy_bit_pj"][0])
        self.assertLess(t.points["ber_measured"][1], t.points["ber_measured"][0])
        self.assertEqual(t.config(3).storage.id, "1t1r-secded:8")
        self.assertEqual(t.config(3).condition["i_cc_ua"], 60.0)
        self.assertEqual(t.mapping(2)["total"]["decoders"], t.points["decoders"][2])
        i = 3
        mc = chip.monte_carlo(M1, DATA, t.config(i), chips=3, seed=12, first_chip=i * 3)
        np.testing.assert_array_equal(t.accuracy[i], mc.accuracy)
        np.testing.assert_array_equal(t.energy_pj[i], mc.energy_pj)

    def test_same_results_and_files_for_one_and_two_threads(self):
        for make in (self.fault_sweep, self.device_sweep):
            a, b = make(threads=1), make(threads=2)
            np.testing.assert_array_equal(a.accuracy, b.accuracy)
            np.testing.assert_array_equal(a.flips, b.flips)
            self.assertEqual(a.points.tobytes(), b.points.tobytes())
            files = []
            for t, tag in ((a, "one"), (b, "two")):
                t.save_csv(self.path(tag + ".csv"))
                t.save_json(self.path(tag + ".json"), data_name="quadrants")
                with open(self.path(tag + ".csv"), "rb") as f, \
                        open(self.path(tag + ".json"), "rb") as g:
                    files.append(f.read() + g.read())
            self.assertEqual(files[0], files[1])

    def test_files_hold_the_table_and_an_unwritable_path_raises_naming_it(self):
        t = self.fault_sweep()
        t.save_csv(self.path("s.csv"))
        t.save_json(self.path("s.json"))
        with open(self.path("s.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 6)
        self.assertEqual(rows[4]["model"], "b.ncm")
        self.assertEqual([float(r["accuracy_mean"]) for r in rows], list(t.points["mean"]))
        with open(self.path("s.json")) as f:
            doc = json.load(f)
        self.assertEqual((doc["command"], doc["data"], len(doc["points"])), ("sweep", "arrays", 6))
        self.assertEqual(doc["points"][4]["accuracy"], list(t.accuracy[4]))
        for save in (t.save_csv, t.save_json):
            bad = self.path(os.path.join("nope", "s.out"))
            with self.assertRaises(nanocim.FileError) as cm:
                save(bad)
            self.assertIn(bad, str(cm.exception))

    def test_bad_axes_raise_naming_them(self):
        cases = [
            (dict(axes=[("bler", [0.1])]), "axes[0] name 'bler': expected one of ber, icc"),
            (dict(axes=[("ber", [0.1, math.nan])]), "point 1 (model 0 a.ncm): faults.ber = nan"),
            (dict(axes=[("ber", [])]), "axes[0] (ber).n = 0: "),
            (dict(axes=[("icc", [10])]), "axes[0] (icc): a programming axis needs the "
                                         "device-physics mode"),
            (dict(axes=[("ber", [0.1]), ("ber", [0.2])]), "axes[0] and axes[1] both vary ber"),
            (dict(axes=[("array", [8, 0])]), "array = 0: "),
            (dict(axes=[("ber", [0.1]), ("array", [8]), ("storage", ["1t1r"]),
                        ("read-ber", [0]), ("tp", [5])]), "axes: 5 axes, expected at most 4"),
            (dict(axes=[("storage", ["3t3r"])]), "unknown storage option '3t3r'"),
            (dict(chips=0), "n_chips = 0: "),
            (dict(model_names=["a"]), "model_names has 1 entries: expected one per model, 2"),
        ]
        for kw, prefix in cases:
            with self.subTest(prefix=prefix):
                with self.assertRaises(nanocim.ArgumentError) as cm:
                    self.fault_sweep(**kw)
                self.assertTrue(str(cm.exception).startswith(prefix), str(cm.exception))
        with self.assertRaisesRegex(nanocim.ArgumentError, "^axes.0. .ber.: a fault rate axis"):
            self.device_sweep(axes=[("ber", [0.1])])

    def test_progress_and_cancellation(self):
        seen = []
        t = self.fault_sweep(threads=1, progress=lambda *a: seen.append(a))
        self.assertEqual(seen[0], ("sweep", 0, 24))
        self.assertEqual(seen[-1], ("sweep", 24, 24))
        self.assertEqual(t.threads, 1)
        with self.assertRaises(nanocim.Cancelled):
            self.fault_sweep(threads=1, progress=lambda task, done, total: done >= 4)

    def test_default_names_and_read_ber_axis(self):
        t = chip.sweep(M2, labelled_by(M2), axes=[("read_ber", [0.0, 0.2]), ("array", [8, 16])],
                       chips=2)
        self.assertEqual(t.model_names, ["model0"])
        np.testing.assert_array_equal(t.points["read-ber"], [0, 0, 0.2, 0.2])
        np.testing.assert_array_equal(t.points["rows"], [8, 16, 8, 16])
        self.assertEqual((t.config(3).rows, t.config(3).cols, t.config(3).read_ber),
                         (16, 16, 0.2))
        self.assertLess(t.points["mean"][2], t.points["mean"][0])


if __name__ == "__main__":
    unittest.main()
