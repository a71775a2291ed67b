"""Folded binarized networks (include/nanocim/model.h), their files (.ncm; .npz through npz.h)
and their evaluation (eval.h).

A :class:`Model` owns one ``ncm_model``. Its layers' arrays are read-only numpy views of the
library's memory, except :attr:`Layer.weights`, which is computed from the packed bits (a copy).
"""

import ctypes
import json

import numpy as np

from . import _lib
from ._arrays import view
from ._checks import as_path
from ._dataset import as_dataset
from ._errors import ArgumentError, StateError, call
from ._lib import lib

__all__ = ["Model", "Layer", "parse_engine", "parse_kernel"]


def parse_engine(engine):
    """"packed", "reference" or "check" as the ncm_engine number."""
    e = lib.ncm_engine_parse(engine.encode()) if isinstance(engine, str) else -1
    if e < 0:
        raise ArgumentError(f"engine {engine!r}: expected packed, reference or check")
    return e


def parse_kernel(kernel):
    """"auto", "portable", "avx2" or "avx512" as the ncm_kernel number."""
    k = lib.ncm_kernel_parse(kernel.encode()) if isinstance(kernel, str) else -1
    if k < 0:
        raise ArgumentError(f"kernel {kernel!r}: expected auto, portable, avx2 or avx512")
    return k


def arch_string(arch):
    """The canonical string of an ncm_arch (ncm_arch_format)."""
    buf = ctypes.create_string_buffer(512)
    lib.ncm_arch_format(ctypes.byref(arch), buf, len(buf))
    return buf.value.decode()


class Layer:
    """One layer of a folded model (an ``ncm_model_layer``), read-only.

    kind: "dense" or "conv" (3x3, padding 1); pool: a 2x2 max-pool after the sums.
    input_shape (cin, hin, win) (dense: (features, 1, 1)), sums_shape (cout, hc, wc) before
    pooling, output_shape (cout, ho, wo); out = cout; fan_in = weights per neuron (features,
    or cin * 9 with index c*9 + ky*3 + kx); words = 64-bit words per neuron's packed row."""

    def __init__(self, model, index):
        self._owner = model._h
        s = model._s.layer[index]
        self._l = s
        self.index = index
        self.kind = {_lib.NCM_LAYER_DENSE: "dense", _lib.NCM_LAYER_CONV: "conv"}.get(s.kind,
                                                                                    str(s.kind))
        self.first, self.last, self.pool = bool(s.first), bool(s.last), bool(s.pool)
        self.input_shape = (s.cin, s.hin, s.win)
        self.sums_shape = (s.cout, s.hc, s.wc)
        self.output_shape = (s.cout, s.ho, s.wo)
        self.out, self.fan_in, self.words = s.cout, s.fan_in, s.words

    @property
    def weight_bits(self):
        """The packed weights, uint64 (out, words): bit j of a row is 1 when weight j is +1
        (bits past fan_in are zero). A read-only view of the model's memory."""
        return view(self._l.wbits, np.uint64, (self.out, self.words), self._owner)

    @property
    def weights(self):
        """The binary weights as int8 +1/-1 of shape (out, fan_in), unpacked from
        :attr:`weight_bits` (a new array on each access, not a view). For a convolution,
        ``weights.reshape(out, cin, 3, 3)`` gives (output channel, input channel, ky, kx)."""
        bits = self.weight_bits.view(np.uint8)  # little-endian: byte b of word j holds bits 8b..
        un = np.unpackbits(bits, axis=1, bitorder="little")[:, :self.fan_in]
        return (un.astype(np.int8) * 2 - 1).astype(np.int8)

    @property
    def thresholds(self):
        """Hidden layers: the integer threshold per neuron, int32 (out,) (a view); None for
        the class layer."""
        return None if self.last else view(self._l.thresh, np.int32, (self.out,), self._owner)

    @property
    def directions(self):
        """Hidden layers: int8 (out,), +1 when the neuron fires for a sum >= threshold, -1
        for a sum <= threshold (a view); None for the class layer."""
        return None if self.last else view(self._l.dir, np.int8, (self.out,), self._owner)

    def _affine(self, field):
        return view(getattr(self._l, field), np.float32, (self.out,), self._owner) \
            if self.last else None

    @property
    def mean(self):
        """Class layer: score = (sum - mean) * scale + beta, float32 (n_classes,) (a view);
        None for hidden layers."""
        return self._affine("mean")

    @property
    def scale(self):
        """Class layer: see :attr:`mean`."""
        return self._affine("scale")

    @property
    def beta(self):
        """Class layer: see :attr:`mean`."""
        return self._affine("beta")

    def __repr__(self):
        pool = " pool" if self.pool else ""
        role = "class" if self.last else "hidden"
        return (f"<nanocim.Layer {self.index} {self.kind}{pool} {role} in={self.input_shape} "
                f"out={self.output_shape} fan_in={self.fan_in}>")


class Model:
    """A folded network as the hardware runs it: packed binary weights, integer thresholds and
    the class layer's affine map. Load with :meth:`load` (.ncm) or :meth:`load_npz`; get one
    from :func:`nanocim.train` or :meth:`nanocim.Network.fold`."""

    def __init__(self, *_args, **_kwargs):
        raise TypeError("get a Model from Model.load, Model.load_npz, nanocim.train or "
                        "Network.fold")

    @classmethod
    def _adopt(cls, ptr, owner=None):
        """ptr: an ncm_model *; owner: the Handle that frees it (default: a new one that calls
        ncm_model_free)."""
        m = object.__new__(cls)
        m._h = owner if owner is not None else _lib.Handle(ptr, lib.ncm_model_free)
        m._p = ptr
        m._s = ptr.contents
        m._layers = None
        return m

    # ---- files -------------------------------------------------------------------------

    @classmethod
    def load(cls, path):
        """Reads a nanocim model file (.ncm); refuses truncated, corrupt (CRC-32) and
        newer-version files (FormatError, VersionError; FileError names a missing path)."""
        return cls._adopt(call(lib.ncm_model_load, as_path("path", path)))

    def save(self, path):
        """Writes the model file (.ncm) atomically (a temporary file, then a rename)."""
        call(lib.ncm_model_save, self._p, as_path("path", path))

    @classmethod
    def load_npz(cls, path):
        """Reads a model from a NumPy .npz archive in the layout of include/nanocim/npz.h
        (arrays layer{l}.weight, .threshold, .direction, and the class layer's .mean, .scale,
        .beta)."""
        # NPZ: bound only when the library exports ncm_model_load_npz (npz.h).
        if not _lib.HAVE_NPZ:
            raise StateError(f"Model.load_npz: the library at {_lib.library_path} has no "
                             "ncm_model_load_npz (npz.h)")
        return cls._adopt(call(lib.ncm_model_load_npz, as_path("path", path)))

    def save_npz(self, path):
        """Writes the model as a NumPy .npz archive (readable by numpy.load), atomically."""
        if not _lib.HAVE_NPZ:
            raise StateError(f"Model.save_npz: the library at {_lib.library_path} has no "
                             "ncm_model_save_npz (npz.h)")
        call(lib.ncm_model_save_npz, self._p, as_path("path", path))

    # ---- description -------------------------------------------------------------------

    @property
    def arch(self):
        """The canonical architecture string, e.g. "mlp:256" or "cnn:32,32,p,f256"."""
        return arch_string(self._s.arch)

    @property
    def input_shape(self):
        """(c, h, w) of the images the model takes."""
        a = self._s.arch
        return (a.in_c, a.in_h, a.in_w)

    @property
    def n_classes(self):
        return self._s.arch.n_classes

    @property
    def layers(self):
        """The layers from the input to the class layer (list of :class:`Layer`)."""
        if self._layers is None:
            self._layers = [Layer(self, i) for i in range(self._s.n_layers)]
        return list(self._layers)

    @property
    def meta(self):
        """The JSON provenance string the model carries (training options, producer), or
        None."""
        return _lib.text(self._s.meta)

    @property
    def provenance(self):
        """:attr:`meta` parsed into a dict (None without it, or if it is not JSON)."""
        try:
            return json.loads(self.meta) if self.meta else None
        except ValueError:
            return None

    def __repr__(self):
        c, h, w = self.input_shape
        return f"<nanocim.Model {self.arch} input={c}x{h}x{w} classes={self.n_classes}>"

    # ---- inference ---------------------------------------------------------------------

    def _eval(self, data, engine, kernel):
        d = as_dataset(data, self.n_classes)
        _lib.sync_threads()
        r = call(lib.ncm_eval, self._p, d._ptr, parse_engine(engine), parse_kernel(kernel))
        return _lib.Handle(r, lib.ncm_eval_result_free), r.contents, d

    def predict(self, data, engine="packed", kernel="auto"):
        """Predicted class and class scores of every image.

        data: a :class:`Dataset` or a uint8 image array (n, h, w) or (n, c, h, w).
        engine: "packed" (bit-packed XNOR-popcount kernels, default), "reference" (plain C
            integer network) or "check" (both, every prediction and score compared; StateError
            if any differs).
        kernel: the packed engine's kernel, "auto" (the best this CPU runs), "avx512", "avx2"
            or "portable" (ArgumentError if this CPU cannot run it).
        Returns (pred, scores): int32 (n,) and float32 (n, n_classes), identical on every
        engine and kernel. They are arrays over the evaluation's own memory (no copy).
        Raises DataError for images of another shape than :attr:`input_shape`."""
        h, r, _ = self._eval(data, engine, kernel)
        pred = view(r.pred, np.int32, (r.n,), h, writeable=True)
        scores = view(r.scores, np.float32, (r.n, r.n_classes), h, writeable=True)
        return pred, scores

    def evaluate(self, data, engine="packed", kernel="auto", json_path=None, model_name=None,
                 data_name=None):
        """Accuracy and confusion matrix on a labelled dataset (same engines and kernels as
        :meth:`predict`).

        Returns a dict: accuracy (fraction of predictions equal to the labels), confusion
        (int64 (n_classes, n_classes), [true][predicted]), n (images), engine, kernel (the
        packed engine's kernel, or "reference"), seconds (inference time, wall clock; for
        "check" the packed engine's), pred and scores (as :meth:`predict` returns them).
        json_path: also write the results document there (JSON, atomically), naming the
        model and data as model_name and data_name."""
        h, r, d = self._eval(data, engine, kernel)
        if json_path is not None:
            call(lib.ncm_eval_result_save_json, r, self._p,
                 (model_name or "").encode(), (data_name or d.name or "").encode(),
                 as_path("json_path", json_path))
        K = r.n_classes
        return {
            "accuracy": float(r.accuracy),
            "confusion": view(r.confusion, np.int64, (K, K), h, writeable=True),
            "n": int(r.n),
            "engine": _lib.text(lib.ncm_engine_name(r.engine)),
            "kernel": _lib.text(r.kernel),
            "seconds": float(r.seconds),
            "pred": view(r.pred, np.int32, (r.n,), h, writeable=True),
            "scores": view(r.scores, np.float32, (r.n, K), h, writeable=True),
        }
