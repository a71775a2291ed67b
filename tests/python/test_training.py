"""Training, folding, inference engines, model files, progress and cancellation, errors, and the
library's manners inside the interpreter (never prints, never exits or re-executes, releases
the GIL), on the generated bright-quadrant task."""

import json
import os
import signal
import tempfile
import threading
import time
import unittest

import numpy as np

from test_support import SMALL, captured_fds, quadrant_datasets, quadrant_images
import nanocim
from nanocim import _lib


def numpy_forward(model, images):
    """The folded MLP computed with numpy from the model's layer arrays (what
    include/nanocim/npz.h specifies): class scores, float32 (n, n_classes)."""
    x = images.reshape(len(images), -1).astype(np.int64) - 128
    for L in model.layers:
        a = x @ L.weights.T.astype(np.int64)
        if L.last:
            return (a.astype(np.float32) - L.mean) * L.scale + L.beta
        fire = np.where(L.directions > 0, a >= L.thresholds, a <= L.thresholds)
        x = np.where(fire, 1, -1).astype(np.int64)


class Trained(unittest.TestCase):
    """One small run shared by the tests that only read it."""

    @classmethod
    def setUpClass(cls):
        cls.train_ds, cls.test_ds = quadrant_datasets()
        cls.result = nanocim.train(train=cls.train_ds, test=cls.test_ds, **SMALL)
        cls.model = cls.result.model


class TestTrain(Trained):
    def test_small_mlp_learns_the_task(self):
        self.assertGreaterEqual(self.result.test_accuracy, 0.9)
        self.assertEqual(self.result.folded_agreement, len(self.test_ds))
        self.assertEqual(self.result.packed_agreement, len(self.test_ds))
        self.assertEqual(self.result.train_images, 400)
        self.assertIn(self.result.packed_kernel, ("portable", "avx2", "avx512"))

    def test_history_has_one_dict_per_epoch(self):
        h = self.result.history
        self.assertEqual([e["epoch"] for e in h], [1, 2, 3, 4])
        self.assertEqual(set(h[0]), {"epoch", "epochs", "loss", "train_accuracy",
                                     "test_accuracy", "seconds"})
        self.assertAlmostEqual(h[-1]["test_accuracy"], self.result.test_accuracy)
        self.assertGreater(self.result.timings["total_seconds"], 0)

    def test_model_describes_its_layers(self):
        m = self.model
        self.assertEqual(m.arch, "mlp:32")
        self.assertEqual(m.input_shape, (1, 8, 8))
        self.assertEqual(m.n_classes, 4)
        l0, l1 = m.layers
        self.assertEqual((l0.kind, l0.fan_in, l0.out, l0.first), ("dense", 64, 32, True))
        self.assertEqual(l0.weights.shape, (32, 64))
        self.assertEqual(l0.weights.dtype, np.int8)
        self.assertTrue(np.all(np.abs(l0.weights) == 1))
        self.assertEqual(l0.thresholds.dtype, np.int32)
        self.assertTrue(set(np.unique(l0.directions)) <= {-1, 1})
        self.assertIsNone(l0.mean)
        self.assertTrue(l1.last)
        self.assertIsNone(l1.thresholds)
        self.assertEqual(l1.mean.shape, (4,))
        self.assertEqual(l1.scale.dtype, np.float32)
        self.assertEqual(m.provenance["arch"], "mlp:32")

    def test_layer_arrays_reproduce_the_scores_with_numpy(self):
        pred, scores = self.model.predict(self.test_ds)
        want = numpy_forward(self.model, self.test_ds.images)
        np.testing.assert_array_equal(scores, want)
        np.testing.assert_array_equal(pred, np.argmax(want, axis=1))

    def test_engines_and_kernels_agree_bit_for_bit(self):
        pred, scores = self.model.predict(self.test_ds, engine="reference")
        self.assertEqual(pred.dtype, np.int32)
        self.assertEqual(scores.dtype, np.float32)
        self.assertEqual(scores.shape, (200, 4))
        runs = [self.model.predict(self.test_ds, engine="check")]
        for k, ok in nanocim.kernels().items():
            if k != "auto" and ok:
                runs.append(self.model.predict(self.test_ds, engine="packed", kernel=k))
        for p, s in runs:
            np.testing.assert_array_equal(p, pred)
            np.testing.assert_array_equal(s, scores)

    def test_predict_takes_a_numpy_image_array(self):
        im, _ = quadrant_images(10, seed=9)
        p1, s1 = self.model.predict(im)
        p2, s2 = self.model.predict(nanocim.Dataset.from_arrays(im, np.zeros(10, int), 4))
        np.testing.assert_array_equal(p1, p2)
        np.testing.assert_array_equal(s1, s2)

    def test_evaluate_gives_accuracy_and_confusion(self):
        with tempfile.TemporaryDirectory() as tmp:
            jp = os.path.join(tmp, "eval.json")
            r = self.model.evaluate(self.test_ds, engine="reference", json_path=jp,
                                    model_name="m.ncm")
            with open(jp) as f:
                doc = json.load(f)
        self.assertEqual(r["engine"], "reference")
        self.assertEqual(r["kernel"], "reference")
        self.assertEqual(r["n"], 200)
        self.assertEqual(r["confusion"].shape, (4, 4))
        self.assertEqual(int(r["confusion"].sum()), 200)
        self.assertAlmostEqual(r["accuracy"], float(np.mean(r["pred"] == self.test_ds.labels)))
        self.assertAlmostEqual(r["accuracy"], np.trace(r["confusion"]) / 200)
        self.assertEqual(doc["model"], "m.ncm")
        self.assertAlmostEqual(doc["test"]["accuracy"], r["accuracy"])

    def test_unknown_engine_and_kernel_raise_argument_error(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "engine 'fast'"):
            self.model.predict(self.test_ds, engine="fast")
        with self.assertRaisesRegex(nanocim.ArgumentError, "kernel 'sse'"):
            self.model.predict(self.test_ds, kernel="sse")

    def test_kernel_the_cpu_lacks_raises_argument_error(self):
        missing = [k for k, ok in nanocim.kernels().items() if k != "auto" and not ok]
        if not missing:
            self.skipTest("this CPU runs every kernel")
        with self.assertRaisesRegex(nanocim.ArgumentError, f"kernel {missing[0]}"):
            self.model.predict(self.test_ds, kernel=missing[0])

    def test_wrong_image_shape_raises_data_error_with_library_message(self):
        im = np.zeros((5, 9, 9), np.uint8)
        with self.assertRaises(nanocim.DataError) as cm:
            self.model.predict(im)
        self.assertEqual(str(cm.exception),
                         "dataset images are 1x9x9, the model expects 1x8x8")

    def test_save_load_round_trip_gives_identical_predictions(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.ncm")
            self.model.save(path)
            m2 = nanocim.Model.load(path)
        self.assertEqual(m2.arch, self.model.arch)
        for a, b in zip(self.model.layers, m2.layers):
            np.testing.assert_array_equal(a.weight_bits, b.weight_bits)
        p1, s1 = self.model.predict(self.test_ds)
        p2, s2 = m2.predict(self.test_ds)
        np.testing.assert_array_equal(p1, p2)
        np.testing.assert_array_equal(s1, s2)
        self.assertEqual(m2.meta, self.model.meta)

    def test_npz_round_trip_and_numpy_reads_the_arrays(self):
        if not _lib.HAVE_NPZ:
            self.skipTest("the library does not export ncm_model_save_npz (npz.h)")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.npz")
            self.model.save_npz(path)
            with np.load(path) as z:
                l0, l1 = self.model.layers
                np.testing.assert_array_equal(z["layer0.weight"], l0.weights)
                np.testing.assert_array_equal(z["layer0.threshold"], l0.thresholds)
                np.testing.assert_array_equal(z["layer0.direction"], l0.directions)
                np.testing.assert_array_equal(z["layer1.scale"], l1.scale)
            m2 = nanocim.Model.load_npz(path)
        np.testing.assert_array_equal(m2.predict(self.test_ds)[1],
                                      self.model.predict(self.test_ds)[1])

    def test_predictions_outlive_the_model(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.ncm")
            self.model.save(path)
            m = nanocim.Model.load(path)
        pred, scores = m.predict(self.test_ds)
        w = m.layers[0].thresholds
        del m
        import gc
        gc.collect()
        self.assertEqual(pred.shape, (200,))
        self.assertEqual(w.shape, (32,))
        np.testing.assert_array_equal(w, self.model.layers[0].thresholds)


class TestModelFiles(Trained):
    def test_missing_model_file_names_the_path(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "absent.ncm")
            with self.assertRaises(nanocim.FileError) as cm:
                nanocim.Model.load(path)
        self.assertTrue(str(cm.exception).startswith(path), str(cm.exception))

    def test_corrupt_model_file_raises_format_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.ncm")
            self.model.save(path)
            with open(path, "r+b") as f:
                f.seek(os.path.getsize(path) // 2)
                b = f.read(1)
                f.seek(-1, os.SEEK_CUR)
                f.write(bytes([b[0] ^ 0x10]))
            with self.assertRaises(nanocim.FormatError) as cm:
                nanocim.Model.load(path)
        self.assertIn(path, str(cm.exception))

    def test_truncated_model_file_raises_format_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.ncm")
            self.model.save(path)
            with open(path, "r+b") as f:
                f.truncate(os.path.getsize(path) - 9)
            with self.assertRaises(nanocim.FormatError):
                nanocim.Model.load(path)


class TestNetwork(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.train_ds, cls.test_ds = quadrant_datasets()

    def net(self, **kw):
        opts = dict(SMALL, **kw)
        arch = opts.pop("arch")
        return nanocim.Network.for_dataset(self.train_ds, arch, **opts)

    def test_own_loop_fold_predict_agree_with_forward_pass(self):
        net = self.net()
        for _ in range(4):
            loss, acc = net.train_epoch(self.train_ds)
            self.assertTrue(0 <= acc <= 1 and loss >= 0)
        self.assertEqual(net.epoch, 4)
        pred, scores = net.predict(self.test_ds)
        self.assertGreaterEqual(float(np.mean(pred == self.test_ds.labels)), 0.9)
        m = net.fold(meta={"note": "own loop"})
        self.assertEqual(m.provenance, {"note": "own loop"})
        for engine in ("packed", "reference", "check"):
            p, _ = m.predict(self.test_ds, engine=engine)
            np.testing.assert_array_equal(p, pred)

    def test_epoch_past_the_schedule_raises_state_error(self):
        net = self.net(epochs=1)
        net.train_epoch(self.train_ds)
        with self.assertRaisesRegex(nanocim.StateError, "all 1 epochs are already done"):
            net.train_epoch(self.train_ds)

    def test_checkpoint_continues_bit_for_bit(self):
        straight = self.net()
        for _ in range(4):
            straight.train_epoch(self.train_ds)
        net = self.net()
        net.train_epoch(self.train_ds)
        net.train_epoch(self.train_ds)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "n.ckpt")
            net.save_checkpoint(path)
            del net
            net = nanocim.Network.load_checkpoint(path)
        self.assertEqual(net.epoch, 2)
        self.assertEqual(net.options, straight.options)
        net.train_epoch(self.train_ds)
        net.train_epoch(self.train_ds)
        np.testing.assert_array_equal(net.predict(self.test_ds)[1],
                                      straight.predict(self.test_ds)[1])

    def test_wrong_image_shape_for_the_network_raises_data_error(self):
        net = self.net()
        d = nanocim.Dataset.from_arrays(np.zeros((4, 9, 9), np.uint8), [0, 1, 2, 3])
        with self.assertRaisesRegex(nanocim.DataError, "the network expects 1x8x8"):
            net.train_epoch(d)

    def test_bad_option_names_the_field(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, r"^batch 0: expected 1 to 65536"):
            self.net(batch=0)
        with self.assertRaisesRegex(nanocim.ArgumentError, r"^lr_end 0.1"):
            self.net(lr=0.01, lr_end=0.1)
        with self.assertRaisesRegex(nanocim.ArgumentError, r"^augment 'mirror'"):
            self.net(augment="mirror")
        with self.assertRaisesRegex(nanocim.ArgumentError, r"^seed -1"):
            self.net(seed=-1)

    def test_calling_back_into_a_busy_network_raises_state_error(self):
        net = self.net()

        def peek(task, done, total):
            net.predict(self.test_ds)  # mid-epoch: refused, which cancels the epoch

        with self.assertRaisesRegex(nanocim.StateError, "busy"):
            net.train_epoch(self.train_ds, progress=peek)
        self.assertEqual(net.epoch, 0)

    def test_predict_takes_a_numpy_image_array(self):
        net = self.net(epochs=1)
        net.train_epoch(self.train_ds)
        p1, s1 = net.predict(self.test_ds.images)
        p2, s2 = net.predict(self.test_ds)
        np.testing.assert_array_equal(p1, p2)
        np.testing.assert_array_equal(s1, s2)

    def test_train_epoch_refuses_an_array(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "expected a nanocim.Dataset"):
            self.net().train_epoch(self.train_ds.images)

    def test_results_do_not_depend_on_the_thread_count(self):
        old = nanocim.threads()
        out = []
        try:
            for t in (1, 2):
                nanocim.set_threads(t)
                net = self.net(epochs=1)
                net.train_epoch(self.train_ds)
                out.append(net.predict(self.test_ds)[1])
        finally:
            nanocim.set_threads(old)
        np.testing.assert_array_equal(out[0], out[1])

    def test_train_epoch_releases_the_gil(self):
        big = nanocim.Dataset.from_arrays(*quadrant_images(4000, seed=4, size=16), n_classes=4)
        net = nanocim.Network.for_dataset(big, "mlp:256", epochs=1, batch=50)
        span = {}

        def work():
            span["start"] = time.monotonic()
            net.train_epoch(big)
            span["end"] = time.monotonic()

        th = threading.Thread(target=work)
        ticks = []
        th.start()
        while th.is_alive():
            ticks.append(time.monotonic())
            time.sleep(0.001)
        th.join()
        inside = [t for t in ticks if span["start"] < t < span["end"]]
        duration = span["end"] - span["start"]
        if duration < 0.02:
            self.skipTest(f"the epoch took only {duration:.3f} s")
        # With the GIL held for the whole C call this thread could not tick at all inside it.
        self.assertGreater(len(inside), 5, f"{len(inside)} ticks in {duration:.3f} s")


class TestErrorsOfTrain(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.train_ds, cls.test_ds = quadrant_datasets()

    def test_unknown_arch_names_the_field(self):
        with self.assertRaises(nanocim.ArgumentError) as cm:
            nanocim.train(train=self.train_ds, test=self.test_ds, arch="foo:1", epochs=1)
        self.assertTrue(str(cm.exception).startswith("arch foo:1"), str(cm.exception))

    def test_only_one_dataset_raises_argument_error(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "give both datasets or neither"):
            nanocim.train(train=self.train_ds, epochs=1)

    def test_missing_data_folder_names_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "no-data")
            with self.assertRaises(nanocim.FileError) as cm:
                nanocim.train(data=path, epochs=1)
        self.assertIn(path, str(cm.exception))

    def test_resume_without_checkpoint_raises_argument_error(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "checkpoint_path"):
            nanocim.train(train=self.train_ds, test=self.test_ds, resume=True, epochs=1)


class TestProgress(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.train_ds, cls.test_ds = quadrant_datasets()

    def run_train(self, **kw):
        return nanocim.train(train=self.train_ds, test=self.test_ds, **dict(SMALL, **kw))

    def test_progress_reports_every_batch(self):
        seen = []
        self.run_train(epochs=1, progress=lambda t, d, n: seen.append((t, d, n)))
        self.assertEqual(seen[0], ("epoch 1/1", 1, 20))
        self.assertEqual(seen[-1], ("epoch 1/1", 20, 20))

    def test_true_from_progress_cancels_with_cancelled(self):
        calls = []

        def stop(task, done, total):
            calls.append(done)
            return done == 3

        with self.assertRaises(nanocim.Cancelled) as cm:
            self.run_train(progress=stop)
        self.assertEqual(calls, [1, 2, 3])
        self.assertIn("cancelled", str(cm.exception))
        self.assertTrue(str(cm.exception).startswith("epoch 1/4"), str(cm.exception))

    def test_exception_in_progress_propagates_and_stops_the_call(self):
        calls = []

        def boom(task, done, total):
            calls.append(done)
            raise ZeroDivisionError("from the callback")

        with captured_fds() as out:
            with self.assertRaisesRegex(ZeroDivisionError, "from the callback"):
                self.run_train(progress=boom)
        self.assertEqual(calls, [1])
        self.assertEqual(out[0], b"")  # not printed as an ignored callback exception

    def test_exception_in_on_epoch_propagates_and_stops_the_run(self):
        epochs = []

        def on_epoch(e):
            epochs.append(e["epoch"])
            raise RuntimeError("stop after epoch %d" % e["epoch"])

        with self.assertRaisesRegex(RuntimeError, "stop after epoch 1"):
            self.run_train(on_epoch=on_epoch)
        self.assertEqual(epochs, [1])

    def test_on_epoch_sees_every_epoch(self):
        epochs = []
        r = self.run_train(on_epoch=lambda e: epochs.append(e))
        self.assertEqual(epochs, r.history)

    def test_keyboard_interrupt_in_a_callback_cancels_and_is_raised(self):
        calls = []

        def ctrl_c(task, done, total):
            calls.append(done)
            if done == 2:
                signal.raise_signal(signal.SIGINT)  # what Ctrl-C does
            return False

        net = nanocim.Network.for_dataset(self.train_ds, "mlp:32", epochs=2, batch=20)
        with self.assertRaises(KeyboardInterrupt):
            net.train_epoch(self.train_ds, progress=ctrl_c)
        self.assertLessEqual(len(calls), 3)
        self.assertEqual(net.epoch, 0)  # the epoch was not completed
        self.assertIs(signal.getsignal(signal.SIGINT), signal.default_int_handler)
        net.train_epoch(self.train_ds)  # the network is still usable
        self.assertEqual(net.epoch, 1)

    def test_progress_must_be_callable(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "progress 5"):
            self.run_train(progress=5)

    def test_print_progress_draws_a_bar(self):
        import io
        buf = io.StringIO()
        self.run_train(epochs=1, progress=nanocim.ProgressPrinter(file=buf, interval=0))
        text = buf.getvalue()
        self.assertIn("epoch 1/1", text)
        self.assertIn("100%", text)
        self.assertTrue(text.endswith("\n"))

    def test_cancelled_run_resumes_bit_for_bit(self):
        straight = self.run_train()
        with tempfile.TemporaryDirectory() as tmp:
            ck, mp, jp = (os.path.join(tmp, n) for n in ("r.ckpt", "r.ncm", "r.json"))
            with self.assertRaises(nanocim.Cancelled):
                self.run_train(checkpoint_path=ck, model_path=mp, json_path=jp,
                               progress=lambda t, d, n: t == "epoch 3/4")
            self.assertTrue(os.path.exists(ck))
            self.assertFalse(os.path.exists(mp))  # a cancelled run writes no model
            self.assertFalse(os.path.exists(jp))
            r = self.run_train(checkpoint_path=ck, model_path=mp, json_path=jp, resume=True)
            self.assertEqual([e["epoch"] for e in r.history], [3, 4])
            with open(jp) as f:
                self.assertAlmostEqual(json.load(f)["test"]["accuracy"], r.test_accuracy)
            m = nanocim.Model.load(mp)
        np.testing.assert_array_equal(m.predict(self.test_ds)[1],
                                      straight.model.predict(self.test_ds)[1])


class TestManners(unittest.TestCase):
    def test_library_never_prints(self):
        train_ds, test_ds = quadrant_datasets()
        with captured_fds() as out:
            r = nanocim.train(train=train_ds, test=test_ds, **dict(SMALL, epochs=2))
            r.model.evaluate(test_ds, engine="check")
            for bad in (lambda: nanocim.Model.load("/nonexistent/m.ncm"),
                        lambda: nanocim.train(train=train_ds, test=test_ds, arch="foo"),
                        lambda: r.model.predict(np.zeros((2, 5, 5), np.uint8))):
                with self.assertRaises(nanocim.NanocimError):
                    bad()
        self.assertEqual(out[0], b"")

    def test_library_never_exits_or_re_executes(self):
        pid = os.getpid()
        train_ds, test_ds = quadrant_datasets()
        nanocim.train(train=train_ds, test=test_ds, **dict(SMALL, epochs=1))
        nanocim.blas_info()
        self.assertEqual(os.getpid(), pid)
        self.continued = True
        self.assertTrue(self.continued)


if __name__ == "__main__":
    unittest.main()
