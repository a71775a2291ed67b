"""Finding libnanocim.so: NANOCIM_LIB, the source checkout, the installed layouts, and the
ImportError naming what was tried. Each case imports a copy of the package in a fresh
interpreter laid out in a temporary directory."""

import os
import shutil
import subprocess
import sys
import unittest

import nanocim
from test_support import TempDir

PKG = os.path.dirname(os.path.abspath(nanocim.__file__))
LIB = os.path.realpath(nanocim.library_path)


def place_package(dest):
    os.makedirs(dest)
    for name in os.listdir(PKG):
        if name.endswith(".py"):
            shutil.copy(os.path.join(PKG, name), dest)


def place_library(dest_dir):
    os.makedirs(dest_dir, exist_ok=True)
    os.symlink(LIB, os.path.join(dest_dir, "libnanocim.so.0"))


def import_in(pythonpath, nanocim_lib=None):
    """(returncode, stdout, stderr) of importing nanocim with only pythonpath on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("NANOCIM_LIB", "PYTHONPATH")}
    env["PYTHONPATH"] = pythonpath
    if nanocim_lib is not None:
        env["NANOCIM_LIB"] = nanocim_lib
    code = "import nanocim; print(nanocim.library_path); print(nanocim.version())"
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       cwd=pythonpath, timeout=120)
    return p.returncode, p.stdout, p.stderr


class TestLoading(TempDir):
    def assert_loads(self, pythonpath, expected_lib, nanocim_lib=None):
        rc, out, err = import_in(pythonpath, nanocim_lib)
        self.assertEqual(rc, 0, err)
        path = out.splitlines()[0]
        self.assertEqual(os.path.normpath(path), os.path.normpath(expected_lib))
        self.assertEqual(out.splitlines()[1], nanocim.version())

    def test_nanocim_lib_comes_first(self):
        place_package(os.path.join(self.tmp, "python", "nanocim"))
        other = os.path.join(self.tmp, "elsewhere")
        place_library(other)
        place_library(os.path.join(self.tmp, "build"))  # a checkout's library, not taken
        self.assert_loads(os.path.join(self.tmp, "python"),
                          os.path.join(other, "libnanocim.so.0"),
                          nanocim_lib=os.path.join(other, "libnanocim.so.0"))

    def test_nanocim_lib_that_does_not_load_is_an_import_error_naming_it(self):
        place_package(os.path.join(self.tmp, "python", "nanocim"))
        place_library(os.path.join(self.tmp, "build"))
        bad = os.path.join(self.tmp, "missing.so")
        rc, _, err = import_in(os.path.join(self.tmp, "python"), nanocim_lib=bad)
        self.assertNotEqual(rc, 0)
        self.assertIn("ImportError", err)
        self.assertIn(bad, err)

    def test_source_checkout_finds_build_dir(self):
        place_package(os.path.join(self.tmp, "python", "nanocim"))
        place_library(os.path.join(self.tmp, "build"))
        self.assert_loads(os.path.join(self.tmp, "python"),
                          os.path.join(self.tmp, "build", "libnanocim.so.0"))

    def test_installed_debian_layout(self):
        prefix = os.path.join(self.tmp, "prefix")
        site = os.path.join(prefix, "lib", "python3", "dist-packages")
        place_package(os.path.join(site, "nanocim"))
        place_library(os.path.join(prefix, "lib", "x86_64-linux-gnu"))
        self.assert_loads(site, os.path.join(prefix, "lib", "x86_64-linux-gnu",
                                             "libnanocim.so.0"))

    def test_installed_site_packages_layout(self):
        prefix = os.path.join(self.tmp, "prefix")
        site = os.path.join(prefix, "lib", "python3.11", "site-packages")
        place_package(os.path.join(site, "nanocim"))
        place_library(os.path.join(prefix, "lib"))
        self.assert_loads(site, os.path.join(prefix, "lib", "libnanocim.so.0"))

    def test_nothing_found_is_an_import_error_listing_what_was_tried(self):
        place_package(os.path.join(self.tmp, "python", "nanocim"))
        rc, out, err = import_in(os.path.join(self.tmp, "python"))
        if rc == 0:
            self.skipTest("a system libnanocim was found by find_library: " + out.split()[0])
        self.assertIn("ImportError", err)
        self.assertIn("NANOCIM_LIB", err)
        self.assertIn(os.path.join(self.tmp, "build", "libnanocim.so.0"), err)
        self.assertIn("find_library", err)


if __name__ == "__main__":
    unittest.main()
