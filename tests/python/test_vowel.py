"""nanocim.vowel: the vowel sets (synthetic, Hillenbrand's file when present), the selection and
the split by speaker, the network's configuration, training, evaluation, model files, the
synchronization map, the learning rule, the read-out helpers, the study, the baselines and the
robustness sweep, threads, progress and errors carrying the library's messages. The network is
trained with a cheap configuration (short windows, two epochs) so the tests stay quick; what
its accuracy should be is tested in C (tests/test_vowel_network.c)."""

import csv
import ctypes
import json
import os
import pickle
import unittest

import numpy as np

import test_support  # noqa: F401  (sets the thread count)
from test_support import TempDir
import nanocim
from nanocim import _lib, stno, vowel

HILLENBRAND = os.environ.get("NCM_VOWEL_DATA",
                             "/work/shared/data/vowels/hillenbrand1995_vowdata.dat")
CHEAP = dict(epochs=2, design_starts=1, t_window_ns=300, t_transient_ns=50)


def cheap_sets(speakers=10, seed=1):
    return vowel.synthetic(speakers_per_group=speakers, seed=seed).split(0.5, seed=1)


class TestStructs(unittest.TestCase):
    def test_vowel_structs_are_checked_against_the_library(self):
        mirrored = {cls._c_name_: cls for cls in _lib.STRUCTS}
        for name in ("ncm_vowel_select", "ncm_vowel_set", "ncm_vowel_encoding",
                     "ncm_vowel_config", "ncm_vowel_model", "ncm_vowel_score",
                     "ncm_vowel_training", "ncm_vowel_baseline_params",
                     "ncm_vowel_baseline_result", "ncm_vowel_study", "ncm_vowel_sweep"):
            with self.subTest(struct=name):
                self.assertIn(name, mirrored)
                self.assertEqual(ctypes.sizeof(mirrored[name]),
                                 _lib.lib.ncm_struct_size(name.encode()))

    def test_names_are_the_library_s(self):
        self.assertEqual(len(vowel.VOWELS), 12)
        self.assertEqual(vowel.VOWELS[:3], ("ae", "ah", "aw"))
        self.assertEqual(vowel.GROUPS, "mwbg")
        self.assertEqual(vowel.BASELINES, ("nearest-centroid", "gaussian", "mlp"))
        self.assertEqual(vowel.SWEEP_KINDS, ("temperature_k", "spread_scale"))


class TestData(unittest.TestCase):
    def test_synthetic_set_has_the_documented_shapes(self):
        d = vowel.synthetic(speakers_per_group=10, seed=1)
        self.assertEqual(len(d), 70)                     # 10 women x 7 vowels
        self.assertEqual(d.x.shape, (70, 2))
        self.assertEqual(d.x.dtype, np.float64)
        self.assertEqual(d.label.dtype, np.int32)
        self.assertEqual(d.speaker.dtype, np.int32)
        self.assertEqual((d.n_classes, d.n_features, d.n_speakers), (7, 2, 10))
        self.assertEqual(d.vowels, ("ae", "ah", "aw", "eh", "er", "ih", "iy"))
        self.assertEqual(d.formants, ("f1", "f2"))
        self.assertEqual(d.groups, "w")
        self.assertEqual(d.speaker_names[:2], ("w01", "w02"))
        self.assertEqual(d.dropped, 0)
        self.assertIn("synthetic", d.source)
        np.testing.assert_array_equal(d.label[:7], np.arange(7))   # speaker, then class
        self.assertTrue(np.all(d.x > 0))
        self.assertFalse(d.x.flags.writeable)

    def test_synthetic_set_depends_only_on_its_arguments(self):
        a = vowel.synthetic(speakers_per_group=10, seed=3)
        b = vowel.synthetic(speakers_per_group=10, seed=3)
        c = vowel.synthetic(speakers_per_group=10, seed=4)
        np.testing.assert_array_equal(a.x, b.x)
        np.testing.assert_array_equal(a.label, b.label)
        self.assertFalse(np.array_equal(a.x, c.x))

    def test_selection_from_strings_sequences_and_indices(self):
        d = vowel.synthetic(speakers_per_group=3, groups="m,w", vowels=["iy", "ae"],
                            formants="f1,f2,f3")
        self.assertEqual((d.groups, d.vowels, d.formants), ("mw", ("iy", "ae"),
                                                            ("f1", "f2", "f3")))
        self.assertEqual(d.x.shape, (12, 3))
        e = vowel.synthetic(speakers_per_group=3, groups=[0, 1], vowels=[7, 0],
                            formants=("F1", "f2", "f3"))
        np.testing.assert_array_equal(d.x, e.x)

    def test_bad_selection_names_the_item(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, '"xx"'):
            vowel.synthetic(vowels="ae,xx")
        with self.assertRaisesRegex(nanocim.ArgumentError, "'q'"):
            vowel.synthetic(groups="wq")
        with self.assertRaisesRegex(nanocim.ArgumentError, "repeated"):
            vowel.synthetic(formants=["f1", "f1"])
        with self.assertRaises(nanocim.ArgumentError):
            vowel.synthetic(speakers_per_group=0)

    def test_split_is_disjoint_by_speaker(self):
        d = vowel.synthetic(speakers_per_group=10, seed=1)
        tr, te = d.split(0.5, seed=2)
        a, b = set(tr.speaker_names), set(te.speaker_names)
        self.assertFalse(a & b)
        self.assertEqual(a | b, set(d.speaker_names))
        self.assertEqual(len(tr) + len(te), len(d))
        self.assertEqual((tr.n_speakers, te.n_speakers), (5, 5))
        self.assertIn("train split", tr.source)
        for s in (tr, te):                               # speakers renumbered, in range
            self.assertEqual(s.speaker.max() + 1, s.n_speakers)
        again = d.split(0.5, seed=2)[0]
        np.testing.assert_array_equal(again.x, tr.x)
        with self.assertRaisesRegex(nanocim.ArgumentError, "train_frac"):
            d.split(1.5)

    def test_published_statistics(self):
        mean, sd = vowel.stats("iy", "w", "f2")
        self.assertGreater(mean, 2000)                   # "heed": a high F2
        self.assertGreater(sd, 0)
        self.assertEqual(vowel.stats(7, 1, 1), (mean, sd))
        rho = vowel.correlation("ae", "w", "f1", "f2")
        self.assertTrue(-1 <= rho <= 1)
        with self.assertRaises(nanocim.ArgumentError):
            vowel.stats("ae", "w", 5)

    def test_hillenbrand_file_default_selection(self):
        if not os.path.exists(HILLENBRAND):
            self.skipTest(f"{HILLENBRAND} is not present (set NCM_VOWEL_DATA to vowdata.dat)")
        d = vowel.load(HILLENBRAND)
        self.assertEqual(len(d), 334)                    # 336 tokens, 2 dropped
        self.assertEqual(d.n_speakers, 48)
        self.assertEqual(d.dropped, 2)
        self.assertEqual(d.source, HILLENBRAND)
        self.assertTrue(all(n.startswith("w") for n in d.speaker_names))

    def test_missing_file_raises_file_error(self):
        with self.assertRaisesRegex(nanocim.FileError, "no-such-vowdata.dat"):
            vowel.load("no-such-vowdata.dat")


class TestConfig(unittest.TestCase):
    def test_defaults_are_the_library_s(self):
        c = vowel.Config()
        self.assertEqual((c.n_osc, c.w_mhz, c.epochs, c.lr, c.spread, c.learn),
                         (4, 0.2, 20, 0.2, True, True))
        np.testing.assert_array_equal(c.amp_mhz, [1.5, 0.8, 0.8])
        self.assertEqual(c.in_gain.shape, (4, vowel.MAX_IN))
        self.assertTrue(np.all(c.in_gain == 1))
        self.assertEqual(c.device, stno.Device())
        self.assertEqual(repr(c), "nanocim.vowel.Config()")
        c.check()

    def test_array_fields_and_device_are_views(self):
        c = vowel.Config(n_osc=6, in_gain=[0.5, 1.0])
        self.assertEqual(c.in_gain.shape, (6, 3))
        np.testing.assert_array_equal(c.in_gain[:, 0], 0.5)
        c.in_gain[0, 1] = 0.25
        c.amp_mhz = [2.0]
        c.device.temperature_k = 0
        self.assertEqual((c.in_gain[0, 1], c.amp_mhz[0], c.device.temperature_k),
                         (0.25, 2.0, 0.0))
        self.assertEqual(c.copy(), c)
        self.assertEqual(pickle.loads(pickle.dumps(c)), c)
        self.assertNotEqual(c.replace(epochs=3), c)
        c.device = None                                  # the built-in device again
        self.assertEqual(c.device.temperature_k, stno.Device().temperature_k)

    def test_bad_field_raises_argument_error_naming_it(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, r"^lr = 2: "):
            vowel.Config(lr=2).check()
        with self.assertRaisesRegex(nanocim.ArgumentError, r"amp_mhz\[1\] = -1"):
            vowel.Config(amp_mhz=[1.5, -1]).check()
        with self.assertRaisesRegex(nanocim.ArgumentError, "'no_such_field'"):
            vowel.Config(no_such_field=1)
        with self.assertRaisesRegex(nanocim.ArgumentError, "epochs"):
            vowel.Config(epochs="many")
        tr, te = cheap_sets(4)
        with self.assertRaisesRegex(nanocim.ArgumentError, r"^t_window_ns = -5: "):
            vowel.train(tr, te, t_window_ns=-5)
        with self.assertRaisesRegex(nanocim.ArgumentError, "'windows'"):
            vowel.train(tr, te, windows=3)

    def test_chip_devices_are_the_spread_draw(self):
        c = vowel.Config(chip_seed=5)
        self.assertEqual(c.chip_devices(), stno.Device().spread(4, seed=5))
        self.assertEqual(vowel.Config(spread=False).chip_devices(), [stno.Device()] * 4)


class TestNetwork(TempDir):
    @classmethod
    def setUpClass(cls):
        cls.train_set, cls.test_set = cheap_sets(10)
        cls.config = vowel.Config(**CHEAP)
        cls.t = vowel.train(cls.train_set, cls.test_set, cls.config)

    def test_training_returns_scores_in_range(self):
        t = self.t
        for name in ("train", "test", "train_init", "test_init", "train_design", "test_design"):
            sc = getattr(t, name)
            with self.subTest(score=name):
                self.assertTrue(0 <= sc.accuracy <= 1)
                self.assertEqual(sc.confusion.shape, (7, 7))
                self.assertEqual(sc.confusion.sum() + sc.undecided, sc.n)
                self.assertEqual(sc.correct, np.trace(sc.confusion))
        self.assertEqual(t.train.n, len(self.train_set))
        self.assertEqual(t.test.n, len(self.test_set))
        self.assertEqual(t.epochs, 2)
        self.assertEqual(t.curve_train.shape, (2,))
        self.assertEqual(t.curve_mismatch.shape, (2,))
        self.assertTrue(np.all((t.curve_train >= 0) & (t.curve_train <= 1)))
        self.assertTrue(0 <= t.design_train_accuracy <= 1)
        self.assertGreater(t.runs, 0)
        self.assertGreater(t.osc_steps, 0)
        self.assertEqual(t.sim_ns_per_sample, 350)
        self.assertGreaterEqual(t.seconds, 0)

    def test_model_describes_the_network(self):
        m = self.t.model
        self.assertEqual((m.n_classes, m.n_osc, m.n_in), (7, 4, 2))
        self.assertEqual(m.targets.shape, (7, 4))
        self.assertEqual(m.targets.dtype, np.int8)
        vowel.check_targets(m.targets, m.n_in)
        for a in (m.i_dc_ma, m.i_init_ma, m.f_free_mhz):
            self.assertEqual(a.shape, (4,))
        c = m.config
        self.assertTrue(np.all((m.i_dc_ma >= c.i_min_ma) & (m.i_dc_ma <= c.i_max_ma)))
        self.assertEqual(c, self.config)
        self.assertEqual(m.vowels, self.train_set.vowels)
        slopes, offsets = m.encoding
        self.assertEqual(m.encoding, vowel.encoding_fit(self.train_set, c.band_lo_mhz,
                                                        c.band_hi_mhz, c.margin))
        f = vowel.encode(m.encoding, self.train_set)
        np.testing.assert_allclose(f, offsets + slopes * self.train_set.x)
        self.assertAlmostEqual(f.min(), c.band_lo_mhz)
        self.assertAlmostEqual(f.max(), c.band_hi_mhz)

    def test_eval_reproduces_the_training_scores(self):
        sc, pred = self.t.model.eval(self.test_set)
        self.assertEqual(sc, self.t.test)
        self.assertEqual(pred.shape, (len(self.test_set),))
        self.assertEqual(pred.dtype, np.int32)
        self.assertEqual(int(np.sum(pred == self.test_set.label)), sc.correct)
        self.assertEqual(int(np.sum(pred == vowel.UNDECIDED)), sc.undecided)

    def test_model_round_trips_through_save_and_load(self):
        m = self.t.model
        m.save(self.path("model.json"))
        with open(self.path("model.json")) as f:
            self.assertEqual(json.load(f)["format"], "nanocim-vowel-model")
        back = vowel.Model.load(self.path("model.json"))
        self.assertEqual(back, m)
        a, pa = m.eval(self.test_set)
        b, pb = back.eval(self.test_set)
        self.assertEqual(a, b)
        np.testing.assert_array_equal(pa, pb)

    def test_bad_model_file_raises_format_error_naming_the_file(self):
        with open(self.path("bad.json"), "w") as f:
            f.write('{"format": "nanocim-vowel-model", "version": 1}')
        with self.assertRaisesRegex(nanocim.FormatError, "bad.json"):
            vowel.Model.load(self.path("bad.json"))

    def test_threads_do_not_change_the_results(self):
        one = vowel.train(self.train_set, self.test_set, self.config, threads=1)
        two = vowel.train(self.train_set, self.test_set, self.config, threads=2)
        self.assertEqual(one.model, two.model)
        for name in ("train", "test", "train_init", "test_init"):
            self.assertEqual(getattr(one, name), getattr(two, name))
        np.testing.assert_array_equal(one.curve_train, two.curve_train)
        p1 = one.model.eval(self.test_set, threads=1)[1]
        p2 = one.model.eval(self.test_set, threads=2)[1]
        np.testing.assert_array_equal(p1, p2)
        g1, g2 = np.linspace(300, 1100, 9), np.linspace(900, 3000, 7)
        np.testing.assert_array_equal(one.model.map(g1, g2, threads=1),
                                      one.model.map(g1, g2, threads=2))

    def test_map_has_the_grid_s_shape_and_classes(self):
        f1, f2 = np.linspace(300, 1100, 12), np.linspace(900, 3000, 8)
        m = self.t.model.map(f1, f2)
        self.assertEqual(m.shape, (8, 12))
        self.assertEqual(m.dtype, np.int32)
        self.assertTrue(np.all((m >= vowel.UNDECIDED) & (m < 7)))
        with self.assertRaisesRegex(nanocim.ArgumentError, "mid_hz"):
            self.t.model.map(f1, f2, mid_hz=2500)

    def test_learn_step_pulls_a_free_oscillator_towards_its_input(self):
        c = vowel.Config()
        devs = c.chip_devices()
        i0 = np.full(4, 9.0)
        f_free = stno.operating_point(devs[0], 9.0)["f_mhz"]
        f_in = [f_free + 2.0, f_free - 3.0]
        state = [vowel.FREE, 0, 1, vowel.FREE]
        target = [0, 0, 1, vowel.FREE]                   # only oscillator 0 misses
        cur, moved = vowel.learn_step(c, devs, f_in, state, target, 1.0, i0)
        self.assertEqual(moved, 1)
        np.testing.assert_array_equal(cur[1:], i0[1:])
        np.testing.assert_array_equal(i0, 9.0)           # the input is not modified
        f_new = stno.operating_point(devs[0], cur[0])["f_mhz"]
        self.assertLess(abs(f_new - f_in[0]), abs(f_free - f_in[0]))
        self.assertAlmostEqual(f_new, f_free + c.push_mhz, places=6)   # one step of s
        with self.assertRaisesRegex(nanocim.ArgumentError, "rate"):
            vowel.learn_step(c, devs, f_in, state, target, 1.5, i0)

    def test_classify_and_states(self):
        t = self.t.model.targets
        cls, dist = vowel.classify(t[3], t)
        self.assertEqual((cls, dist), (3, 0))
        cls, dist = self.t.model.classify(np.stack([t[2], t[5]]))
        np.testing.assert_array_equal(cls, [2, 5])
        locked = np.array([[1, 1], [0, 0], [0, 1], [1, 0]], bool)
        plv = np.array([[0.2, 0.9], [0, 0], [0, 1], [1, 0]])
        np.testing.assert_array_equal(vowel.states(locked, plv), [1, -1, 1, 0])
        np.testing.assert_array_equal(vowel.states(locked), [0, -1, 1, 0])
        self.assertEqual(vowel.states(np.stack([locked] * 3), np.stack([plv] * 3)).shape, (3, 4))
        self.assertEqual(vowel.pattern_count(4, 2), 81)
        with self.assertRaisesRegex(nanocim.ArgumentError, "same target pattern"):
            vowel.check_targets([[0, 1], [0, 1]], 2)

    def test_progress_is_reported_and_cancels(self):
        seen = []
        vowel.train(self.train_set, None, self.config,
                    progress=lambda task, done, total: seen.append((task, done, total)))
        self.assertEqual(seen[0], ("vowel train", 0, 2))
        self.assertEqual(seen[-1], ("vowel train", 2, 2))
        with self.assertRaises(nanocim.Cancelled):
            vowel.train(self.train_set, None, self.config,
                        progress=lambda task, done, total: done >= 1)

    def test_wrong_argument_types(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "VowelSet"):
            vowel.train("train.dat")
        with self.assertRaisesRegex(nanocim.ArgumentError, "config"):
            vowel.train(self.train_set, config={"epochs": 2})
        other = vowel.synthetic(speakers_per_group=4, vowels="ae,iy")
        with self.assertRaisesRegex(nanocim.ArgumentError, "vowels or formants"):
            self.t.model.eval(other)


class TestStudyAndBaselines(TempDir):
    @classmethod
    def setUpClass(cls):
        cls.train_set, cls.test_set = cheap_sets(10)

    def test_study_compares_network_twin_and_baselines(self):
        s = vowel.study(self.train_set, self.test_set, vowel.Config(**CHEAP),
                        baseline_params={"epochs": 200})
        self.assertIsNotNone(s.uncoupled)
        self.assertEqual(s.uncoupled.model.config.w_mhz, 0)
        self.assertEqual([b.name for b in s.baselines], list(vowel.BASELINES))
        for b in s.baselines:
            self.assertTrue(0 <= b.test_accuracy <= 1)
        self.assertEqual((s.n_train, s.n_test), (len(self.train_set), len(self.test_set)))
        text = s.report()
        for word in ("oscillators (learned)", "nearest-centroid", "mlp", "timing"):
            self.assertIn(word, text)
        s.save_json(self.path("study.json"))
        with open(self.path("study.json")) as f:
            self.assertEqual(json.load(f)["format"], "nanocim-vowel-result")
        self.assertEqual(vowel.Model.load(self.path("study.json")), s.model)
        alone = vowel.train(self.train_set, self.test_set, **CHEAP)
        self.assertEqual(alone.model, s.model)
        self.assertIsNone(vowel.study(self.train_set, self.test_set, w_mhz=0,
                                      baseline_params={"epochs": 10}, **CHEAP).uncoupled)

    def test_baselines_score_both_sets(self):
        for kind in ("nearest-centroid", "gaussian", "mlp"):
            with self.subTest(kind=kind):
                r = vowel.baseline(kind, self.train_set, self.test_set, epochs=200)
                self.assertEqual(r.name, kind)
                self.assertTrue(0 <= r.train_accuracy <= 1)
                self.assertEqual(r.confusion.shape, (7, 7))
                self.assertEqual(r.confusion.sum(), len(self.test_set))
                self.assertAlmostEqual(np.trace(r.confusion) / len(self.test_set),
                                       r.test_accuracy)
        with self.assertRaisesRegex(nanocim.ArgumentError, "'svm'"):
            vowel.baseline("svm", self.train_set, self.test_set)
        with self.assertRaisesRegex(nanocim.ArgumentError, "hidden"):
            vowel.baseline("mlp", self.train_set, self.test_set, hidden=0)

    def test_sweep_tabulates_accuracy_per_value(self):
        sw = vowel.sweep(self.train_set, self.test_set, "temperature_k", [0, 300],
                         vowel.Config(**CHEAP))
        self.assertEqual(sw.kind, "temperature_k")
        np.testing.assert_array_equal(sw.values, [0, 300])
        for a in (sw.train_accuracy, sw.test_accuracy, sw.untrained_test_accuracy):
            self.assertEqual(a.shape, (2,))
            self.assertTrue(np.all((a >= 0) & (a <= 1)))
        at300 = vowel.train(self.train_set, self.test_set, **CHEAP)
        self.assertEqual(sw.test_accuracy[1], at300.test.accuracy)
        self.assertIn("temperature_k", sw.table())
        sw.save_csv(self.path("sweep.csv"))
        with open(self.path("sweep.csv")) as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["temperature_k", "train_accuracy", "test_accuracy",
                                   "untrained_test_accuracy"])
        self.assertEqual(len(rows), 3)
        with self.assertRaisesRegex(nanocim.ArgumentError, r"spread_scale\[0\] = -1"):
            vowel.sweep(self.train_set, self.test_set, "spread_scale", [-1], **CHEAP)
        with self.assertRaisesRegex(nanocim.ArgumentError, "'noise'"):
            vowel.sweep(self.train_set, self.test_set, "noise", [1])


if __name__ == "__main__":
    unittest.main()
