"""nanocim.Dataset: numpy arrays wrapped without a copy, copies where needed, views of the
library's memory and their lifetime, label and shape checks, files."""

import gc
import os
import tempfile
import unittest

import numpy as np

from test_support import quadrant_images
import nanocim


class TestFromArrays(unittest.TestCase):
    def test_wraps_numpy_without_a_copy(self):
        im, lb = quadrant_images(50)
        lb8 = lb.astype(np.uint8)
        d = nanocim.Dataset.from_arrays(im, lb8, n_classes=4)
        self.assertTrue(d.borrowed)
        self.assertTrue(np.shares_memory(im, d.images))
        self.assertTrue(np.shares_memory(lb8, d.labels))
        self.assertEqual(d.shape, (50, 1, 8, 8))
        self.assertEqual(len(d), 50)
        self.assertEqual(d.image_shape, (1, 8, 8))
        self.assertEqual(d.n_classes, 4)
        np.testing.assert_array_equal(d.images[:, 0], im)

    def test_four_dimensional_images_keep_their_channels(self):
        im = np.zeros((3, 2, 4, 5), np.uint8)
        d = nanocim.Dataset.from_arrays(im, [0, 1, 1])
        self.assertEqual(d.shape, (3, 2, 4, 5))
        self.assertTrue(np.shares_memory(im, d.images))

    def test_non_contiguous_images_are_copied(self):
        im, lb = quadrant_images(20)
        t = im.transpose(0, 2, 1)
        d = nanocim.Dataset.from_arrays(t, lb, n_classes=4)
        self.assertFalse(np.shares_memory(t, d.images))
        np.testing.assert_array_equal(d.images[:, 0], t)

    def test_copy_true_gives_the_library_a_copy(self):
        im, lb = quadrant_images(20)
        d = nanocim.Dataset.from_arrays(im, lb, n_classes=4, copy=True)
        self.assertFalse(d.borrowed)
        self.assertFalse(np.shares_memory(im, d.images))
        np.testing.assert_array_equal(d.images[:, 0], im)

    def test_integer_labels_of_any_dtype_are_converted(self):
        im, lb = quadrant_images(20)
        for dt in (np.int64, np.int16, np.uint32):
            d = nanocim.Dataset.from_arrays(im, lb.astype(dt))
            self.assertEqual(d.labels.dtype, np.uint8)
            np.testing.assert_array_equal(d.labels, lb)

    def test_n_classes_defaults_to_largest_label_plus_one(self):
        im, _ = quadrant_images(4)
        self.assertEqual(nanocim.Dataset.from_arrays(im, [0, 2, 6, 1]).n_classes, 7)
        self.assertEqual(nanocim.Dataset.from_arrays(im, [0, 0, 0, 0]).n_classes, 2)

    def test_label_at_n_classes_raises_data_error_with_library_message(self):
        im, _ = quadrant_images(4)
        with self.assertRaises(nanocim.DataError) as cm:
            nanocim.Dataset.from_arrays(im, [0, 1, 3, 2], n_classes=3)
        self.assertEqual(str(cm.exception),
                         "dataset labels: label 3 of item 2 is outside [0, 3)")

    def test_negative_label_raises_data_error(self):
        im, _ = quadrant_images(4)
        with self.assertRaisesRegex(nanocim.DataError, r"label -1 of item 1 is outside"):
            nanocim.Dataset.from_arrays(im, [0, -1, 1, 1])

    def test_wrong_label_count_raises_argument_error(self):
        im, _ = quadrant_images(4)
        with self.assertRaisesRegex(nanocim.ArgumentError, r"labels shape \(3,\)"):
            nanocim.Dataset.from_arrays(im, [0, 1, 1])

    def test_float_images_are_refused(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, "images dtype float64"):
            nanocim.Dataset.from_arrays(np.zeros((2, 4, 4)), [0, 1])

    def test_bad_image_rank_is_refused(self):
        with self.assertRaisesRegex(nanocim.ArgumentError, r"images shape \(4, 4\)"):
            nanocim.Dataset.from_arrays(np.zeros((4, 4), np.uint8), [0, 1, 0, 1])

    def test_n_classes_out_of_range_is_the_library_message(self):
        im, lb = quadrant_images(4)
        with self.assertRaises(nanocim.ArgumentError) as cm:
            nanocim.Dataset.from_arrays(im, lb * 0, n_classes=1)
        self.assertEqual(str(cm.exception), "dataset n_classes = 1: expected 2 to 256")


class TestViews(unittest.TestCase):
    def test_views_outlive_the_dataset(self):
        im, lb = quadrant_images(30)
        d = nanocim.Dataset.from_arrays(im, lb, n_classes=4, copy=True)
        images, labels = d.images, d.labels
        del d
        gc.collect()
        np.testing.assert_array_equal(images[:, 0], im)
        np.testing.assert_array_equal(labels, lb)

    def test_views_are_read_only(self):
        im, lb = quadrant_images(3)
        d = nanocim.Dataset.from_arrays(im, lb, n_classes=4)
        with self.assertRaises(ValueError):
            d.images[0, 0, 0, 0] = 1

    def test_slice_is_a_view_and_fancy_index_a_copy(self):
        im, lb = quadrant_images(30)
        d = nanocim.Dataset.from_arrays(im, lb, n_classes=4)
        s = d[5:15]
        self.assertEqual(len(s), 10)
        self.assertTrue(np.shares_memory(s.images, im))
        self.assertEqual(s.n_classes, 4)
        f = d[[1, 3, 5]]
        self.assertFalse(np.shares_memory(f.images, im))
        np.testing.assert_array_equal(f.labels, lb[[1, 3, 5]])
        image, label = d[-1]
        self.assertEqual(label, lb[-1])
        self.assertEqual(image.shape, (1, 8, 8))
        self.assertEqual(len(d.head(7)), 7)


class TestFiles(unittest.TestCase):
    def test_missing_folder_names_the_path(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "nowhere")
            with self.assertRaises(nanocim.NanocimError) as cm:
                nanocim.Dataset.load(path)
            self.assertIn(path, str(cm.exception))

    def test_missing_idx_file_raises_file_error_naming_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "images.idx")
            with self.assertRaises(nanocim.FileError) as cm:
                nanocim.Dataset.read_idx(path, path)
            self.assertIn(path, str(cm.exception))
            self.assertIsInstance(cm.exception, OSError)

    def test_idx_files_round_trip(self):
        im, lb = quadrant_images(6)
        with tempfile.TemporaryDirectory() as tmp:
            ip, lp = os.path.join(tmp, "im.idx"), os.path.join(tmp, "lb.idx")
            with open(ip, "wb") as f:
                f.write(bytes([0, 0, 8, 3]) + np.array([6, 8, 8], ">u4").tobytes() + im.tobytes())
            with open(lp, "wb") as f:
                f.write(bytes([0, 0, 8, 1]) + np.array([6], ">u4").tobytes()
                        + lb.astype(np.uint8).tobytes())
            d = nanocim.Dataset.read_idx(ip, lp)
            np.testing.assert_array_equal(d.images[:, 0], im)
            np.testing.assert_array_equal(d.labels, lb)
            a = nanocim.read_idx(ip)
            self.assertEqual(a.shape, (6, 8, 8))
            np.testing.assert_array_equal(a, im)

    def test_truncated_idx_file_raises_format_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            ip = os.path.join(tmp, "im.idx")
            with open(ip, "wb") as f:
                f.write(bytes([0, 0, 8, 3]) + np.array([6, 8, 8], ">u4").tobytes() + b"\0" * 10)
            with self.assertRaises(nanocim.FormatError) as cm:
                nanocim.read_idx(ip)
            self.assertIn(ip, str(cm.exception))


if __name__ == "__main__":
    unittest.main()
