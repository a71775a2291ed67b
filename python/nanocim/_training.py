"""A whole training run (include/nanocim/train.h, ``ncm_train_run``): data, epochs with
checkpoints, folding, and the checks that the folded integer network and the packed kernels
predict exactly what the trained network does -- what ``nanocim train`` does."""

import ctypes

from . import _lib
from ._checks import as_int, as_path
from ._dataset import Dataset
from ._errors import ArgumentError, from_struct
from ._lib import lib
from ._model import Model
from ._network import augment_code, make_opts
from ._progress import Bridge

__all__ = ["train", "TrainResult"]


def _event_dict(e):
    return {"epoch": e.epochs_done, "epochs": e.epochs, "loss": e.loss,
            "train_accuracy": e.train_accuracy, "test_accuracy": e.test_accuracy,
            "seconds": e.seconds}


class TrainResult:
    """The outcome of :func:`train`.

    model: the folded :class:`Model`; test_accuracy: fraction of test images the folded network
    classifies right (it equals the trained network's); folded_agreement, packed_agreement:
    test images on which the folded network agrees with the forward pass and the packed engine
    with the folded network (all of them, or train() fails with StateError); packed_kernel: the
    kernel that check ran on; train_images, test_images: images used; history: one dict per
    epoch run by this call (epoch, epochs, loss, train_accuracy, test_accuracy, seconds);
    timings: dict of train_seconds, folded_inference_seconds, total_seconds (wall clock)."""

    def __init__(self, ptr):
        h = _lib.Handle(ptr, lib.ncm_train_result_free)
        r = ptr.contents
        # The model is taken out of the result, which is freed with this object.
        self.model = Model._adopt(lib.ncm_train_result_take_model(ptr))
        self.test_accuracy = float(r.test_accuracy)
        self.folded_agreement = int(r.folded_agreement)
        self.packed_agreement = int(r.packed_agreement)
        self.packed_kernel = _lib.text(r.packed_kernel)
        self.train_images = int(r.train_images)
        self.test_images = int(r.test_images)
        self.history = [_event_dict(r.history[i]) for i in range(r.n_history)]
        self.timings = {"train_seconds": float(r.train_seconds),
                        "folded_inference_seconds": float(r.folded_inference_seconds),
                        "total_seconds": float(r.total_seconds)}

    def __repr__(self):
        return (f"<nanocim.TrainResult {self.model.arch} test_accuracy={self.test_accuracy:.4f}"
                f" epochs={len(self.history)}>")


def train(data=None, train=None, test=None, arch="mlp", epochs=15, batch=100, lr=5e-3,
          lr_end=5e-5, seed=1, augment=None, flip_p=0.0, train_limit=0, test_limit=0,
          model_path=None, checkpoint_path=None, resume=False, json_path=None, progress=None,
          on_epoch=None):
    """Trains a binarized network, folds it and checks the folded and packed networks against
    it, as ``nanocim train`` does. Returns a :class:`TrainResult`.

    data: a dataset spec, "fashion-mnist" or a folder (see :meth:`Dataset.load`); or
    train, test: two :class:`Dataset` objects of the same image shape (both, or neither).
    arch: architecture string, "mlp" (= "mlp:1024,1024"), "mlp:W1,...", "cnn", "cnn:T1,...".
    epochs (15), batch (100 images), lr (5e-3) and lr_end (5e-5): Adam's learning rate of the
    first and last epoch, decaying exponentially in between; seed (1): initialisation,
    shuffling, augmentation -- the same seed gives the same network whatever the thread count.
    augment: "none", "flip", "shift" (up to 2 pixels), "all"; None: "flip" for a cnn, "none"
    for an mlp. flip_p (0.0): error-aware training, each binary weight flipped with that
    probability in the forward pass.
    train_limit, test_limit: use the first N images only (0: all).
    model_path: write the folded model (.ncm) there; checkpoint_path: checkpoint after every
    epoch; resume: continue from checkpoint_path (architecture and options then come from it);
    json_path: write the results document (accuracy, confusion, history, timing).
    progress: callable progress(task, done, total) -> true to cancel, called after every batch
    (task "epoch E/N"); pass nanocim.print_progress for a bar on stderr. on_epoch: callable
    receiving each epoch's dict (as in TrainResult.history) when it ends.

    The GIL is released while the library trains. A cancelled run (progress returning true,
    Ctrl-C, or an exception in progress or on_epoch, which is re-raised) writes no model and no
    results; the checkpoint of the last finished epoch stays, so resume=True continues it bit
    for bit. Errors name the field or file at fault (ArgumentError "arch foo:1: ...",
    FileError naming the path, StateError when the checks fail, Cancelled)."""
    if isinstance(data, Dataset):
        raise ArgumentError("data: a dataset spec (\"fashion-mnist\" or a folder); pass "
                            "Dataset objects as train= and test=")
    for name, d in (("train", train), ("test", test)):
        if d is not None and not isinstance(d, Dataset):
            raise ArgumentError(f"{name} {type(d).__name__}: expected a nanocim.Dataset")
    if not isinstance(arch, str):
        raise ArgumentError(f"arch {arch!r}: expected an architecture string")
    if on_epoch is not None and not callable(on_epoch):
        raise ArgumentError(f"on_epoch {on_epoch!r}: expected a callable or None")
    job = _lib.TrainJob()
    lib.ncm_train_job_default(ctypes.byref(job))
    keep = []  # the bytes the job's char pointers point into

    def cstr(name, value, path=True):
        if value is None:
            return None
        b = as_path(name, value) if path else str(value).encode()
        keep.append(b)
        return b

    job.data = cstr("data", data)
    if train is not None:
        job.train = train._ptr
    if test is not None:
        job.test = test._ptr
    job.train_limit = as_int("train_limit", train_limit, 0, (1 << 63) - 1)
    job.test_limit = as_int("test_limit", test_limit, 0, (1 << 63) - 1)
    job.arch = cstr("arch", arch, path=False)
    job.opts = make_opts(epochs, batch, lr, lr_end, seed, augment_code(augment, arch), flip_p)
    job.model_path = cstr("model_path", model_path)
    job.checkpoint_path = cstr("checkpoint_path", checkpoint_path)
    job.resume = 1 if resume else 0
    job.json_path = cstr("json_path", json_path)
    err = _lib.Error()
    with Bridge(progress) as bridge:
        if on_epoch is not None:
            def on_event(_user, e):
                if e.contents.kind == _lib.NCM_TRAIN_EPOCH:
                    on_epoch(_event_dict(e.contents))
            event_fn = _lib.TRAIN_EVENT_FN(bridge.guard(on_event))  # alive during the call
            job.on_event = event_fn
        r = lib.ncm_train_run(ctypes.byref(job), bridge.pointer, ctypes.byref(err))
    result = TrainResult(r) if r else None
    bridge.reraise()  # what a callback raised, or KeyboardInterrupt, before the status
    if result is None:
        raise from_struct(err)
    return result
