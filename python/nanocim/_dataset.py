"""Datasets of 8-bit images and their labels (include/nanocim/dataset.h), as numpy arrays.

A :class:`Dataset` owns one ``ncm_dataset``: read from files by the library (its memory), or
wrapping the caller's numpy arrays without a copy (``ncm_dataset_wrap``; the arrays are kept
alive by the Dataset and must not be changed while the library reads them), or holding a copy
(``ncm_dataset_new``). ``images`` and ``labels`` are read-only numpy views of the memory the
library reads, alive as long as any of them or the Dataset is.
"""

import ctypes

import numpy as np

from . import _lib
from ._arrays import pointer, view
from ._checks import as_int, as_path
from ._errors import ArgumentError, DataError, call
from ._lib import lib

__all__ = ["Dataset", "read_idx"]


class Dataset:
    """Images (n, c, h, w) of uint8 pixels and labels (n,) in [0, n_classes).

    Make one with :meth:`load` ("fashion-mnist" or a folder), :meth:`read_idx`,
    :meth:`read_cifar` or :meth:`from_arrays` (numpy). ``len(d)`` is the number of images;
    ``d[a:b]`` is a Dataset over images a..b-1 without a copy, ``d[indices]`` a copy of the
    images chosen, ``d[i]`` the pair (image (c, h, w), label)."""

    def __init__(self, *_args, **_kwargs):
        raise TypeError("make a Dataset with Dataset.load, Dataset.from_arrays, "
                        "Dataset.read_idx or Dataset.read_cifar")

    @classmethod
    def _adopt(cls, ptr, keep=(), name=None):
        d = object.__new__(cls)
        d._h = _lib.Handle(ptr, lib.ncm_dataset_free, keep)
        d._s = ptr.contents
        d.name = name
        d._images = d._labels = None
        return d

    # ---- constructors ------------------------------------------------------------------

    @classmethod
    def load(cls, spec="fashion-mnist", train=True):
        """The training (train=True) or test (train=False) split named by ``spec``:
        "fashion-mnist" (the files Debian's dataset-fashion-mnist installs in
        /usr/share/datasets/fashion-mnist, or the folder the environment variable
        NCM_FASHION_MNIST_DIR names), or a folder holding the MNIST layout
        ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]) or CIFAR-10's binary batches.
        Raises FileError (a missing file, named), FormatError or DataError."""
        p = call(lib.ncm_dataset_load, as_path("spec", spec), 1 if train else 0)
        return cls._adopt(p, name=f"{spec} ({'train' if train else 'test'})")

    @classmethod
    def read_idx(cls, images_path, labels_path):
        """A dataset from an IDX image file (n x h x w) and an IDX label file (n), gzip'd or
        raw."""
        p = call(lib.ncm_dataset_read_idx, as_path("images_path", images_path),
                 as_path("labels_path", labels_path))
        return cls._adopt(p, name=str(images_path))

    @classmethod
    def read_cifar(cls, paths):
        """A dataset from CIFAR-10 binary batch files (a path or a list of paths)."""
        if isinstance(paths, (str, bytes)) or not hasattr(paths, "__iter__"):
            paths = [paths]
        enc = [as_path("paths", p) for p in paths]
        arr = (ctypes.c_char_p * max(len(enc), 1))(*enc)
        p = call(lib.ncm_dataset_read_cifar, arr, len(enc))
        return cls._adopt(p, name=",".join(map(str, paths)))

    @classmethod
    def from_arrays(cls, images, labels, n_classes=None, copy=False):
        """A dataset over numpy arrays.

        images: uint8 pixels (0 to 255) of shape (n, h, w) (one channel) or (n, c, h, w)
            (channel, row, column); other integer dtypes are accepted when every value lies in
            0..255 (converted, hence a copy); floats are refused.
        labels: shape (n,), any integer dtype, each in [0, n_classes) (converted to uint8 when
            it is not uint8 already).
        n_classes: the number of classes (2 to 256); default max(labels) + 1 (at least 2).
        copy: False (default): wrap the arrays without a copy (``ncm_dataset_wrap``) when they
            are C-contiguous uint8 (otherwise a contiguous copy is made first); the Dataset
            keeps them alive, and they must not change while the library reads them.
            True: the library copies them (``ncm_dataset_new``).
        Raises ArgumentError (shape, dtype) or DataError (a label out of range)."""
        im = np.asarray(images)
        if im.ndim == 3:
            n, c, h, w = im.shape[0], 1, im.shape[1], im.shape[2]
        elif im.ndim == 4:
            n, c, h, w = im.shape
        else:
            raise ArgumentError(f"images shape {im.shape}: expected (n, h, w) or (n, c, h, w)")
        if im.dtype != np.uint8:
            if im.dtype.kind not in "iu":
                raise ArgumentError(f"images dtype {im.dtype}: expected uint8 pixels "
                                    "(0 to 255)")
            if im.size and (im.min() < 0 or im.max() > 255):
                raise ArgumentError(f"images dtype {im.dtype} with values {im.min()} to "
                                    f"{im.max()}: expected pixels 0 to 255")
            im = im.astype(np.uint8)
        im = np.ascontiguousarray(im)
        lb = np.asarray(labels)
        if lb.ndim != 1 or lb.shape[0] != n:
            raise ArgumentError(f"labels shape {lb.shape}: expected ({n},), one per image")
        if lb.dtype.kind not in "iu":
            raise ArgumentError(f"labels dtype {lb.dtype}: expected integers")
        if n_classes is not None:
            n_classes = as_int("n_classes", n_classes)
        if n:
            lo, hi = int(lb.min()), int(lb.max())
            bound = n_classes if n_classes is not None else 256
            if lo < 0 or hi >= bound:
                i = int(np.flatnonzero((lb < 0) | (lb >= bound))[0])
                raise DataError(f"dataset labels: label {int(lb[i])} of item {i} is outside "
                                f"[0, {bound})")
            if n_classes is None:
                n_classes = max(2, hi + 1)
        elif n_classes is None:
            n_classes = 2
        lb = np.ascontiguousarray(lb, dtype=np.uint8)
        fn = lib.ncm_dataset_new if copy else lib.ncm_dataset_wrap
        p = call(fn, as_int("n", n, 0, (1 << 63) - 1), as_int("c", c), as_int("h", h),
                 as_int("w", w), n_classes, pointer(im, ctypes.c_uint8),
                 pointer(lb, ctypes.c_uint8))
        return cls._adopt(p, keep=() if copy else (im, lb), name="arrays")

    # ---- shape and contents ------------------------------------------------------------

    def __len__(self):
        return int(self._s.n)

    @property
    def n(self):
        """Number of images."""
        return int(self._s.n)

    @property
    def channels(self):
        return self._s.c

    @property
    def height(self):
        return self._s.h

    @property
    def width(self):
        return self._s.w

    @property
    def image_shape(self):
        """(c, h, w) of one image."""
        return (self._s.c, self._s.h, self._s.w)

    @property
    def shape(self):
        """(n, c, h, w): the shape of :attr:`images`."""
        return (self.n,) + self.image_shape

    @property
    def n_classes(self):
        """Labels lie in [0, n_classes)."""
        return self._s.n_classes

    @property
    def borrowed(self):
        """True when the pixels and labels are numpy arrays the Dataset wraps (no copy)."""
        return bool(self._s.borrowed)

    @property
    def images(self):
        """The pixels, uint8 of shape (n, c, h, w): a read-only view of the memory the library
        reads (no copy); it keeps the dataset's memory alive."""
        if self._images is None:
            self._images = view(self._s.pixels, np.uint8, self.shape, self._h)
        return self._images

    @property
    def labels(self):
        """The labels, uint8 of shape (n,): a read-only view, like :attr:`images`."""
        if self._labels is None:
            self._labels = view(self._s.labels, np.uint8, (self.n,), self._h)
        return self._labels

    def head(self, n):
        """The first n images, without a copy (same as ``self[:n]``)."""
        return self[:as_int("n", n, 0, (1 << 63) - 1)]

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop, step = key.indices(self.n)
            im, lb = self.images[key], self.labels[key]
            if step != 1:
                im, lb = np.ascontiguousarray(im), np.ascontiguousarray(lb)
            d = Dataset.from_arrays(im, lb, n_classes=self.n_classes)
            d.name = self.name
            return d
        if isinstance(key, (int, np.integer)):
            i = int(key)
            if i < 0:
                i += self.n
            if not 0 <= i < self.n:
                raise IndexError(f"image {key} of a dataset of {self.n}")
            return self.images[i], int(self.labels[i])
        idx = np.asarray(key)
        return Dataset.from_arrays(self.images[idx], self.labels[idx], n_classes=self.n_classes,
                                   copy=True)

    @property
    def _ptr(self):
        """The ncm_dataset * to pass to the library."""
        return self._h.ptr

    def __repr__(self):
        c, h, w = self.image_shape
        name = f", {self.name!r}" if self.name else ""
        return f"<nanocim.Dataset n={self.n} images={c}x{h}x{w} classes={self.n_classes}{name}>"


def as_dataset(data, n_classes, what="data"):
    """A Dataset as given, or one over a uint8 image array with placeholder labels (for
    predictions, which do not read the labels)."""
    if isinstance(data, Dataset):
        return data
    if isinstance(data, np.ndarray):
        return Dataset.from_arrays(data, np.zeros(len(data), np.uint8), n_classes=n_classes)
    raise ArgumentError(f"{what} {type(data).__name__}: expected a nanocim.Dataset or a uint8 "
                        "image array (n, h, w) or (n, c, h, w)")


def read_idx(path):
    """An IDX file of unsigned bytes (type 0x08, gzip'd or raw) as a read-only uint8 numpy
    array of its dimensions, over the library's memory (no copy)."""
    p = call(lib.ncm_idx_read, as_path("path", path))
    h = _lib.Handle(p, lib.ncm_idx_free)
    s = p.contents
    return view(s.data, np.uint8, tuple(s.dims[i] for i in range(s.ndims)), h)
