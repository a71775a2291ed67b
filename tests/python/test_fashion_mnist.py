"""Real data: Fashion-MNIST as Debian's dataset-fashion-mnist installs it. Skipped, with the
reason, when it is absent. Kept short: one epoch of a small MLP on 3000 images."""

import unittest

import numpy as np

from test_support import FASHION, have_fashion_mnist
import nanocim


@unittest.skipUnless(have_fashion_mnist(),
                     f"Fashion-MNIST is not installed in {FASHION} (apt-get install "
                     "dataset-fashion-mnist, or set NCM_FASHION_MNIST_DIR)")
class TestFashionMnist(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.train = nanocim.Dataset.load("fashion-mnist", train=True)
        cls.test = nanocim.Dataset.load("fashion-mnist", train=False)

    def test_splits_have_the_published_shapes(self):
        self.assertEqual(self.train.shape, (60000, 1, 28, 28))
        self.assertEqual(self.test.shape, (10000, 1, 28, 28))
        self.assertEqual(self.test.n_classes, 10)
        self.assertEqual(np.bincount(self.test.labels).tolist(), [1000] * 10)
        self.assertFalse(self.train.borrowed)

    def test_small_mlp_trains_and_engines_agree(self):
        r = nanocim.train(train=self.train, test=self.test, arch="mlp:128", epochs=1,
                          train_limit=3000, test_limit=1000)
        self.assertGreater(r.test_accuracy, 0.65)
        self.assertEqual(r.folded_agreement, 1000)
        few = self.test[:1000]
        report = r.model.evaluate(few, engine="check")
        self.assertAlmostEqual(report["accuracy"], r.test_accuracy)
        pred, scores = r.model.predict(few, engine="reference")
        np.testing.assert_array_equal(pred, report["pred"])
        np.testing.assert_array_equal(scores, report["scores"])


if __name__ == "__main__":
    unittest.main()
