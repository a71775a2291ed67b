"""The package itself: import, the library it loaded, struct layouts, version and build
configuration, threads, the exception classes, argument checks, the XNOR kernels."""

import ctypes
import os
import re
import unittest

import numpy as np

import test_support  # noqa: F401  (sets the thread count)
import nanocim
from nanocim import _lib


class TestImport(unittest.TestCase):
    def test_import_loads_a_library(self):
        self.assertTrue(os.path.exists(nanocim.library_path), nanocim.library_path)
        self.assertTrue(hasattr(_lib.lib, "ncm_train_run"))

    def test_public_names_exist(self):
        for name in nanocim.__all__:
            self.assertTrue(hasattr(nanocim, name), name)


class TestStructs(unittest.TestCase):
    def test_every_mirrored_struct_has_the_library_size(self):
        for cls in _lib.STRUCTS:
            with self.subTest(struct=cls._c_name_):
                self.assertEqual(ctypes.sizeof(cls), _lib.lib.ncm_struct_size(cls._c_name_.encode()))

    def test_a_mismatched_struct_fails_the_import_naming_it(self):
        class Wrong(ctypes.Structure):
            _c_name_ = "ncm_dataset"
            _fields_ = [("n", ctypes.c_int64)]
        with self.assertRaises(ImportError) as cm:
            _lib.checked(Wrong)
        self.assertIn("ncm_dataset", str(cm.exception))

    def test_an_unknown_struct_fails_the_import_naming_it(self):
        class Unknown(ctypes.Structure):
            _c_name_ = "ncm_no_such_struct"
            _fields_ = [("n", ctypes.c_int)]
        with self.assertRaisesRegex(ImportError, "ncm_no_such_struct"):
            _lib.checked(Unknown)


class TestConfig(unittest.TestCase):
    def test_version_matches_build_config_and_project(self):
        v = nanocim.version()
        self.assertRegex(v, r"^\d+\.\d+\.\d+$")
        self.assertEqual(nanocim.build_config()["version"], v)
        self.assertEqual(nanocim.__version__, v)
        cmake = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "CMakeLists.txt")
        if os.path.exists(cmake):
            with open(cmake) as f:
                m = re.search(r"project\(nanocim VERSION (\S+)", f.read())
            self.assertEqual(m.group(1), v)

    def test_build_config_is_parsed(self):
        c = nanocim.build_config()
        self.assertIsInstance(c["openmp"], int)
        self.assertIn("portable", c["xnor_kernels"])
        self.assertEqual(c["blas"], "openblas")

    def test_set_threads_round_trip(self):
        old = nanocim.threads()
        try:
            nanocim.set_threads(2)
            self.assertEqual(nanocim.threads(), 2)
            nanocim.set_threads(0)  # leaves it
            self.assertEqual(nanocim.threads(), 2)
        finally:
            nanocim.set_threads(old)

    def test_set_threads_holds_in_other_python_threads(self):
        import threading
        old = nanocim.threads()
        seen = []
        try:
            nanocim.set_threads(1)
            t = threading.Thread(target=lambda: seen.append(nanocim.threads()))
            t.start()
            t.join()
        finally:
            nanocim.set_threads(old)
        self.assertEqual(seen, [1])

    def test_set_threads_refuses_a_non_integer(self):
        with self.assertRaises(nanocim.ArgumentError):
            nanocim.set_threads("two")

    def test_blas_info_names_the_kernel(self):
        info = nanocim.blas_info()
        self.assertTrue(info["kernel"])
        self.assertTrue(info["origin"])

    def test_kernels_portable_always_runs(self):
        k = nanocim.kernels()
        self.assertTrue(k["portable"])
        self.assertIn(k["auto"], ("portable", "avx2", "avx512"))


class TestErrors(unittest.TestCase):
    def test_subclasses_follow_status_codes(self):
        from nanocim._errors import error
        cases = {1: nanocim.ArgumentError, 2: nanocim.FileError, 3: nanocim.FormatError,
                 4: nanocim.VersionError, 5: nanocim.OutOfMemoryError, 6: nanocim.DataError,
                 7: nanocim.StateError, 8: nanocim.Cancelled}
        for code, cls in cases.items():
            e = error(code, "msg %d" % code)
            self.assertIs(type(e), cls)
            self.assertIsInstance(e, nanocim.NanocimError)
            self.assertEqual(e.code, code)
            self.assertEqual(str(e), "msg %d" % code)
        self.assertTrue(issubclass(nanocim.ArgumentError, ValueError))
        self.assertTrue(issubclass(nanocim.FileError, OSError))
        self.assertTrue(issubclass(nanocim.VersionError, nanocim.FormatError))
        self.assertEqual(error(2, "x").status, "i/o error")

    def test_library_message_is_str_of_the_exception(self):
        with self.assertRaises(nanocim.ArgumentError) as cm:
            nanocim.parse_arch("mlp:0", (1, 8, 8), 4)
        self.assertTrue(str(cm.exception).startswith("arch mlp:0"), str(cm.exception))
        self.assertEqual(cm.exception.code, 1)


class TestArch(unittest.TestCase):
    def test_parse_gives_canonical_string_and_shapes(self):
        a = nanocim.parse_arch("cnn:8,p,f32", (1, 8, 8), 4)
        self.assertEqual(a["arch"], "cnn:8,p,f32")
        self.assertEqual([l["kind"] for l in a["layers"]], ["conv", "dense", "dense"])
        self.assertEqual(a["layers"][0]["output_shape"], (8, 4, 4))
        self.assertEqual(a["layers"][1]["fan_in"], 8 * 4 * 4)
        self.assertEqual(a["layers"][2]["out"], 4)

    def test_unknown_arch_names_the_field(self):
        with self.assertRaises(nanocim.ArgumentError) as cm:
            nanocim.parse_arch("foo", (1, 8, 8), 4)
        self.assertTrue(str(cm.exception).startswith("arch foo"), str(cm.exception))


class TestXnor(unittest.TestCase):
    def test_xnor_dot_equals_integer_product_on_every_kernel(self):
        rng = np.random.default_rng(5)
        x = rng.choice(np.array([-1, 1], np.int8), (7, 130))
        w = rng.choice(np.array([-1, 1], np.int8), (13, 130))
        want = x.astype(np.int32) @ w.T.astype(np.int32)
        for name, ok in nanocim.kernels().items():
            if name != "auto" and ok:
                with self.subTest(kernel=name):
                    np.testing.assert_array_equal(nanocim.xnor_dot(x, w, kernel=name), want)

    def test_xnor_dot_refuses_non_binary_values(self):
        with self.assertRaises(nanocim.ArgumentError):
            nanocim.xnor_dot(np.zeros((2, 3)), np.ones((2, 3)))


if __name__ == "__main__":
    unittest.main()
