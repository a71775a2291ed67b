"""docs/python.md runs as written: its ```python blocks, in order, as one script in an empty
temporary folder, with a fresh interpreter; the plain block after a line "prints" must appear
in what the script printed. Needs Fashion-MNIST (Debian's dataset-fashion-mnist)."""

import os
import re
import subprocess
import sys
import tempfile
import unittest

from test_support import have_fashion_mnist
import nanocim

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "docs",
                   "python.md")
PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(nanocim.__file__)))


def blocks(text):
    """[(language, code, preceding line)] of the fenced blocks of a markdown text."""
    out = []
    for m in re.finditer(r"^```(\w*)\n(.*?)^```\s*$", text, re.S | re.M):
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        out.append((m.group(1), m.group(2), before.strip()))
    return out


class TestTutorial(unittest.TestCase):
    def test_doc_has_python_blocks(self):
        with open(DOC) as f:
            py = [b for b in blocks(f.read()) if b[0] == "python"]
        self.assertGreater(len(py), 5)
        for _, code, _ in py:
            compile(code, "docs/python.md", "exec")  # each block is valid on its own

    def test_python_blocks_run_in_order(self):
        if not have_fashion_mnist():
            self.skipTest("Fashion-MNIST is not installed (apt-get install "
                          "dataset-fashion-mnist, or set NCM_FASHION_MNIST_DIR)")
        with open(DOC) as f:
            bl = blocks(f.read())
        script = "\n".join(code for lang, code, _ in bl if lang == "python")
        expected = [code for lang, code, before in bl if lang == "" and before == "prints"]
        env = dict(os.environ)
        # The thread count of the other tests (see test_support); the results do not depend
        # on it, and one thread keeps a loaded machine from stalling at OpenMP barriers.
        env.setdefault("OMP_NUM_THREADS", os.environ.get("NCM_TEST_THREADS", "1"))
        env["PYTHONPATH"] = PKG_PARENT + (os.pathsep + env["PYTHONPATH"]
                                          if env.get("PYTHONPATH") else "")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "tutorial.py")
            with open(path, "w") as f:
                f.write(script)
            p = subprocess.run([sys.executable, path], cwd=tmp, env=env, capture_output=True,
                               text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        for line in p.stdout.splitlines():  # every printed comparison holds
            self.assertFalse(line.split()[-1:] == ["False"] and "{" not in line, line)
        for block in expected:
            for line in block.strip().splitlines():
                self.assertIn(line, p.stdout)


if __name__ == "__main__":
    unittest.main()
