"""nanocim: the reference simulator for memory-centric AI hardware, from Python.

The package calls libnanocim.so through ctypes (nothing to compile) and exchanges numpy arrays
with it without copies where the layout allows. It finds the library from the environment
variable NANOCIM_LIB (a path), else next to the package in a source checkout
(python/nanocim -> build/libnanocim.so.0), else in the installed layout (PREFIX/lib/python3/
dist-packages/nanocim -> PREFIX/lib[/x86_64-linux-gnu]/libnanocim.so.0), else on the system's
library path; ``nanocim.library_path`` says which file it loaded.

Core (this part): datasets, binarized networks, training, folded models, inference engines.

    d = nanocim.Dataset.load("fashion-mnist", train=True)
    r = nanocim.train("fashion-mnist", arch="mlp:256", epochs=2, train_limit=5000)
    pred, scores = r.model.predict(nanocim.Dataset.load("fashion-mnist", train=False))

The library never prints, never exits and never re-executes the process; the package prints only
through progress=nanocim.print_progress. Failures raise NanocimError subclasses whose str() is
the library's one-line message.

RRAM and oscillators: the modules nanocim.rram (devices, 1T1R and 2T2R cells, bit error rates,
SECDED codes, storage sweeps, calibration) and nanocim.stno (spin-torque oscillators, networks,
runs, locking maps).

    nanocim.rram.ber("2t2r", i_cc_ua=20)
    nanocim.stno.Network(nanocim.stno.Device(temperature_k=0)).run(f_in_mhz=300.5, amp_mhz=0.2)

The in-memory chip: the module nanocim.chip (chip.h, sweep.h) programs a model into arrays of
memory cells that make errors (fault injection or RRAM device physics), runs Monte Carlo
populations of such chips and sweeps them over fault rates, conditions, arrays and storage.

    cfg = nanocim.chip.Config(ber=1e-3)
    nanocim.chip.monte_carlo(model, test, cfg, chips=20).mean

The cost model: the module nanocim.cost (cost.h) counts every operation of one inference on the
chip and on four processor baselines (BNN and float32, weights in SRAM or DRAM) and prices them
with an editable technology file: energy, area, latency.

    nanocim.cost.chip(model, cfg).total_pj
    print(nanocim.cost.compare(model, ["2t2r", "1t1r-secded"]).table())

Vowel recognition: the module nanocim.vowel (vowel.h) reads Hillenbrand's vowel formants (or
draws synthetic ones), splits them by speaker, trains the coupled-oscillator recognizer of Romera
et al. (2018) beside its software baselines, and evaluates, maps, saves and sweeps it.

    train, test = nanocim.vowel.synthetic(speakers_per_group=20).split(0.5, seed=1)
    nanocim.vowel.train(train, test, epochs=2, t_window_ns=300).test.accuracy
"""

import importlib.util as _importlib_util

if _importlib_util.find_spec("numpy") is None:  # a clear message rather than a deep traceback
    import sys as _sys
    raise ImportError(
        f"nanocim needs numpy, which this Python ({_sys.executable}) does not have: use Debian's "
        "/usr/bin/python3 with python3-numpy (apt-get install python3-numpy), or install numpy "
        "for this interpreter")

from . import _lib  # first: loads libnanocim (and its OpenMP OpenBLAS) before numpy if it can
from ._lib import library_path
from ._errors import (ArgumentError, Cancelled, DataError, FileError, FormatError,
                      NanocimError, OutOfMemoryError, StateError, VersionError)
from ._progress import ProgressPrinter, print_progress
from ._config import (blas_info, build_config, kernels, set_threads, threads, version,
                      xnor_dot)
from ._dataset import Dataset, read_idx
from ._model import Layer, Model
from ._network import Network, parse_arch
from ._training import TrainResult, train
from . import chip, cost, rram, stno, vowel

__version__ = version()

__all__ = [
    "version", "build_config", "set_threads", "threads", "blas_info", "kernels", "xnor_dot",
    "library_path", "Dataset", "read_idx", "Model", "Layer", "Network", "parse_arch", "train",
    "TrainResult", "print_progress", "ProgressPrinter", "NanocimError", "ArgumentError",
    "FileError", "FormatError", "VersionError", "OutOfMemoryError", "DataError", "StateError",
    "Cancelled", "rram", "stno", "chip", "cost", "vowel",
]
