"""Binarized networks in training (include/nanocim/bnn.h): the lower level under
:func:`nanocim.train`, for callers who write their own loop (epochs, checkpoints, folding).

A :class:`Network` owns one opaque ``ncm_bnn``. Training follows BinaryNet (Courbariaux,
Hubara et al., arXiv:1602.02830): sign() weights and activations in the forward pass, latent
weights clipped to [-1, 1], the straight-through estimator, batch norm, Adam with an
exponentially decaying learning rate.
"""

import ctypes
import json

import numpy as np

from . import _lib
from ._arrays import pointer
from ._checks import as_float, as_int, as_path
from ._dataset import Dataset, as_dataset
from ._errors import ArgumentError, StateError, call, check
from ._lib import lib
from ._model import Model, arch_string
from ._progress import Bridge, OneCall

__all__ = ["Network", "parse_arch", "make_opts", "augment_code"]

_AUGMENT = {"none": 0, "flip": _lib.NCM_AUGMENT_FLIP, "shift": _lib.NCM_AUGMENT_SHIFT,
            "all": _lib.NCM_AUGMENT_FLIP | _lib.NCM_AUGMENT_SHIFT}
_AUGMENT_NAME = {v: k for k, v in _AUGMENT.items()}


def augment_code(augment, arch):
    """The NCM_AUGMENT_* flags for "none", "flip" (random left-right flips), "shift" (random
    shifts of up to 2 pixels) or "all"; None chooses as the command line does (measured on
    Fashion-MNIST): "flip" for a cnn, "none" for an mlp."""
    if augment is None:
        return _lib.NCM_AUGMENT_FLIP if str(arch).startswith("cnn") else 0
    if augment not in _AUGMENT:
        raise ArgumentError(f"augment {augment!r}: expected none, flip, shift or all")
    return _AUGMENT[augment]


def make_opts(epochs=15, batch=100, lr=5e-3, lr_end=5e-5, seed=1, augment=0, flip_p=0.0):
    """An ncm_train_opts from Python values (ranges are the library's to check)."""
    o = _lib.TrainOpts()
    lib.ncm_train_opts_default(ctypes.byref(o))
    o.epochs = as_int("epochs", epochs)
    o.batch = as_int("batch", batch)
    o.lr = as_float("lr", lr)
    o.lr_end = as_float("lr_end", lr_end)
    o.seed = as_int("seed", seed, 0, (1 << 64) - 1)
    o.augment = augment
    o.flip_p = as_float("flip_p", flip_p)
    return o


def opts_dict(o):
    return {"epochs": o.epochs, "batch": o.batch, "lr": o.lr, "lr_end": o.lr_end,
            "seed": o.seed, "augment": _AUGMENT_NAME.get(o.augment, o.augment),
            "flip_p": o.flip_p}


def _shapes(arch):
    shapes = (_lib.LayerShape * max(arch.n_layers, 1))()
    lib.ncm_arch_shapes(ctypes.byref(arch), shapes)
    out = []
    for i in range(arch.n_layers):
        spec, s = arch.layer[i], shapes[i]
        out.append({"kind": "conv" if spec.kind == _lib.NCM_LAYER_CONV else "dense",
                    "out": spec.out, "pool": bool(spec.pool),
                    "input_shape": (s.cin, s.hin, s.win), "sums_shape": (s.cout, s.hc, s.wc),
                    "output_shape": (s.cout, s.ho, s.wo), "fan_in": s.fan_in})
    return out


def _parse(spec, input_shape, n_classes):
    try:
        c, h, w = input_shape
    except (TypeError, ValueError):
        raise ArgumentError(f"input_shape {input_shape!r}: expected (c, h, w)") from None
    if not isinstance(spec, str):
        raise ArgumentError(f"arch {spec!r}: expected an architecture string")
    a = _lib.Arch()
    call(lib.ncm_arch_parse, spec.encode(), as_int("c", c), as_int("h", h), as_int("w", w),
         as_int("n_classes", n_classes), ctypes.byref(a))
    call(lib.ncm_arch_check, ctypes.byref(a))
    return a


def parse_arch(spec, input_shape=(1, 28, 28), n_classes=10):
    """Parses an architecture string for images of shape (c, h, w) and n_classes classes:
    "mlp" (= "mlp:1024,1024"), "mlp:W1,W2,..." (dense hidden layers), "cnn"
    (= "cnn:32,32,p,64,64,p,f256"), "cnn:T1,T2,..." (N: 3x3 convolution of N channels, p: 2x2
    max-pool, fN: dense layer of width N); the class layer is added. Returns a dict: arch (the
    canonical string) and layers (kind, out, pool, input_shape, sums_shape, output_shape,
    fan_in of each). ArgumentError names the field ("arch foo: ...")."""
    a = _parse(spec, input_shape, n_classes)
    return {"arch": arch_string(a), "layers": _shapes(a)}


class Network:
    """A binarized network being trained (``ncm_bnn``), with its training options.

    Network(arch, input_shape, n_classes, epochs=15, batch=100, lr=5e-3, lr_end=5e-5, seed=1,
    augment=None, flip_p=0.0, max_batch=None):
        arch: architecture string (see :func:`parse_arch`); input_shape (c, h, w); n_classes.
        epochs: total epochs (the learning rate decays from lr to lr_end over them); batch:
        minibatch size; lr, lr_end: Adam's learning rates of the first and last epoch; seed:
        initialisation, shuffling and augmentation; augment: "none", "flip", "shift", "all"
        (None: "flip" for a cnn, "none" for an mlp); flip_p: error-aware training, the
        probability of flipping each binary weight in the forward pass (0 to 0.5, 0 = off);
        max_batch: images per evaluation batch in :meth:`predict` (default max(batch, 500)).
    Weights are initialised from the seed; :meth:`train_epoch` trains the next epoch."""

    def __init__(self, arch="mlp", input_shape=(1, 28, 28), n_classes=10, *, epochs=15,
                 batch=100, lr=5e-3, lr_end=5e-5, seed=1, augment=None, flip_p=0.0,
                 max_batch=None):
        a = _parse(arch, input_shape, n_classes)
        o = make_opts(epochs, batch, lr, lr_end, seed, augment_code(augment, arch), flip_p)
        mb = max(o.batch, 500) if max_batch is None else as_int("max_batch", max_batch, 1)
        self._adopt_ptr(call(lib.ncm_bnn_new, ctypes.byref(a), ctypes.byref(o), mb))

    def _adopt_ptr(self, p):
        self._h = _lib.Handle(p, lib.ncm_bnn_free)
        self._p = p
        self._using = OneCall("Network")


    @classmethod
    def for_dataset(cls, dataset, arch="mlp", **options):
        """A network for the images and classes of ``dataset`` (options as for Network)."""
        return cls(arch, dataset.image_shape, dataset.n_classes, **options)

    @classmethod
    def load_checkpoint(cls, path, max_batch=None):
        """Restores the whole training state (weights, batch norm, Adam moments, epoch,
        options) a :meth:`save_checkpoint` wrote; training continues bit for bit."""
        n = object.__new__(cls)
        mb = 0 if max_batch is None else as_int("max_batch", max_batch, 1)
        n._adopt_ptr(call(lib.ncm_bnn_load_checkpoint, as_path("path", path), mb))
        return n

    def save_checkpoint(self, path):
        """Writes the training state atomically, with a CRC-32."""
        with self._using("save_checkpoint"):
            call(lib.ncm_bnn_save_checkpoint, self._p, as_path("path", path))

    @property
    def _arch(self):
        return lib.ncm_bnn_arch(self._p).contents

    @property
    def arch(self):
        """The canonical architecture string."""
        return arch_string(self._arch)

    @property
    def input_shape(self):
        a = self._arch
        return (a.in_c, a.in_h, a.in_w)

    @property
    def n_classes(self):
        return self._arch.n_classes

    @property
    def layers(self):
        """Each layer's kind, width, pooling and shapes (as :func:`parse_arch` gives them)."""
        return _shapes(self._arch)

    @property
    def options(self):
        """The training options (dict: epochs, batch, lr, lr_end, seed, augment, flip_p)."""
        return opts_dict(lib.ncm_bnn_opts(self._p).contents)

    @property
    def epoch(self):
        """Epochs completed so far."""
        return lib.ncm_bnn_epoch(self._p)

    @property
    def epochs(self):
        """Total epochs of the schedule."""
        return lib.ncm_bnn_opts(self._p).contents.epochs

    def train_epoch(self, dataset, progress=None):
        """Trains the next epoch on ``dataset`` (a :class:`Dataset` of this network's image
        shape). Returns (loss, accuracy): the mean training cross-entropy and the fraction of
        training images classified right over the epoch's batches. Releases the GIL; reports
        batches done to ``progress(task, done, total)`` (task "epoch E/N"), which cancels by
        returning a true value (Cancelled; the epoch is then half done and the epoch count
        unchanged: reload the last checkpoint to continue bit for bit). Ctrl-C cancels the
        same way and raises KeyboardInterrupt. StateError once all epochs are done."""
        if not isinstance(dataset, Dataset):
            raise ArgumentError(f"dataset {type(dataset).__name__}: expected a nanocim.Dataset")
        loss, acc = ctypes.c_double(), ctypes.c_double()
        err = _lib.Error()
        with self._using("train_epoch"), Bridge(progress) as b:
            s = lib.ncm_bnn_train_epoch(self._p, dataset._ptr, ctypes.byref(loss),
                                        ctypes.byref(acc), b.pointer, ctypes.byref(err))
        b.reraise()
        check(s, err)
        return float(loss.value), float(acc.value)

    def predict(self, dataset):
        """Evaluation-mode forward pass (batch norm with the population statistics) of a
        :class:`Dataset` or a uint8 image array: returns (pred, scores), int32 (n,) and float32
        (n, n_classes), arrays allocated here and filled by the library."""
        dataset = as_dataset(dataset, self.n_classes, "dataset")
        n, K = len(dataset), self.n_classes
        pred = np.empty(n, np.int32)
        scores = np.empty((n, K), np.float32)
        _lib.sync_threads()
        with self._using("predict"):
            call(lib.ncm_bnn_predict, self._p, dataset._ptr, pointer(pred, ctypes.c_int32),
                 pointer(scores, ctypes.c_float))
        return pred, scores

    def fold(self, meta=None):
        """The folded model (integer thresholds; predictions identical to :meth:`predict`).
        meta: provenance to store in the model, a JSON string or a dict (serialised)."""
        if meta is not None and not isinstance(meta, str):
            meta = json.dumps(meta)
        with self._using("fold"):
            p = call(lib.ncm_model_fold, self._p, None if meta is None else meta.encode())
        return Model._adopt(p)

    def __repr__(self):
        return f"<nanocim.Network {self.arch} epoch {self.epoch}/{self.epochs}>"
