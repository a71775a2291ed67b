"""Shared helpers of the Python package's tests (no tests here): the generated task, fd capture,
a test case with its own temporary folder.

The task: 8x8 grey images in 4 classes, the class being the quadrant that is bright (pixels
near 200, the rest near 40, uniform noise of +-40), which a small MLP learns in a few epochs."""

import contextlib
import os
import sys
import tempfile
import unittest

import numpy as np

import nanocim

# One thread unless NCM_TEST_THREADS says otherwise: CTest runs tests side by side on a small
# machine, where OpenMP barriers of oversubscribed threads turn milliseconds into seconds.
# Results do not depend on the count (test_training checks 1 against 2).
nanocim.set_threads(int(os.environ.get("NCM_TEST_THREADS", "1")))


def quadrant_images(n, seed=0, size=8):
    """(images uint8 (n, size, size), labels int64 (n,)) of the bright-quadrant task."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, n)
    img = rng.integers(0, 81, (n, size, size)) + 0  # noise 0..80
    half = size // 2
    base = np.full((n, size, size), 0, np.int64)
    for q in range(4):
        y, x = divmod(q, 2)
        sel = labels == q
        base[sel, y * half:(y + 1) * half, x * half:(x + 1) * half] = 160
    return (base + img).clip(0, 255).astype(np.uint8), labels


def quadrant_datasets(n_train=400, n_test=200):
    """(train, test) Datasets of the task (test with another seed)."""
    a, b = quadrant_images(n_train, seed=1)
    c, d = quadrant_images(n_test, seed=2)
    return (nanocim.Dataset.from_arrays(a, b, n_classes=4),
            nanocim.Dataset.from_arrays(c, d, n_classes=4))


SMALL = dict(arch="mlp:32", epochs=4, batch=20, lr=1e-2, lr_end=1e-3, seed=3)


@contextlib.contextmanager
def captured_fds():
    """Redirects file descriptors 1 and 2 into a temporary file; yields a list that receives
    what was written (bytes) when the block ends."""
    out = []
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with tempfile.TemporaryFile() as f:
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
        try:
            yield out
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            f.seek(0)
            out.append(f.read())


FASHION = os.environ.get("NCM_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def have_fashion_mnist():
    return os.path.isdir(FASHION) and any(n.startswith("train-images") for n in os.listdir(FASHION))


class TempDir(unittest.TestCase):
    """A test case with a fresh temporary folder (self.tmp) per test; self.path(name) is in it."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp, name)
