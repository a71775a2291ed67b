"""Progress callbacks and cancellation of long library calls (include/nanocim/progress.h).

The library calls ``fn(user, task, done, total)`` from the calling thread now and then; a
non-zero return stops the call at its next safe point with NCM_ERR_CANCELLED. :class:`Bridge`
forwards that to a Python callable ``progress(task, done, total) -> truthy to cancel`` and makes
the call safe for Python:

* the ctypes callback object stays referenced for the whole C call;
* an exception raised inside the callable (or inside another callback of the same call) is
  caught -- an exception escaping a ctypes callback would be printed and lost -- the callback
  returns 1 so the call stops, and the exception is re-raised once the C call has returned;
* Ctrl-C: while the call runs in the main thread with Python's default SIGINT handler, the
  handler is replaced by one that only records the interrupt; the next progress report then
  cancels the call and KeyboardInterrupt is raised when it has returned (so the library always
  cleans up, and an interrupt is never lost at the edge of a callback). The bridge reports even
  without a user callable, so Ctrl-C stops a training epoch within one batch.
"""

import contextlib
import signal
import sys
import threading
import time

from . import _lib

__all__ = ["print_progress", "ProgressPrinter"]


class Bridge:
    """One long C call's ncm_progress. Use as a context manager around the call, pass
    ``bridge.pointer`` as its ``const ncm_progress *``, then call ``bridge.reraise()`` before
    looking at the call's status."""

    def __init__(self, progress=None):
        if progress is not None and not callable(progress):
            from ._errors import ArgumentError
            raise ArgumentError(f"progress {progress!r}: expected a callable "
                                "progress(task, done, total) or None")
        self.user = progress
        self.exc = None          # first exception raised by a callback of this call
        self.interrupted = False  # SIGINT seen while the call ran
        self._fn = _lib.PROGRESS_FN(self._report)  # referenced as long as the bridge lives
        self.struct = _lib.Progress(self._fn, None)
        self.pointer = _lib.ctypes.pointer(self.struct)
        self._old_handler = None

    def _report(self, _user, task, done, total):
        try:
            if self.exc is not None or self.interrupted:
                return 1
            if self.user is None:
                return 0
            return 1 if self.user(_lib.text(task), int(done), int(total)) else 0
        except BaseException as e:  # noqa: B902 -- KeyboardInterrupt and SystemExit too
            self.fail(e)
            return 1

    def fail(self, exc):
        """Records an exception raised by a callback of this call (the first one wins); the next
        progress report cancels the call."""
        if self.exc is None:
            self.exc = exc

    def guard(self, fn):
        """Wraps another callback of the same call (e.g. on_event) so that its exceptions are
        recorded instead of escaping into ctypes."""
        def wrapped(*args):
            try:
                if self.exc is None:
                    fn(*args)
            except BaseException as e:  # noqa: B902
                self.fail(e)
        return wrapped

    def _on_sigint(self, _signum, _frame):
        self.interrupted = True

    def __enter__(self):
        _lib.sync_threads()
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
            self._old_handler = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *exc_info):
        if self._old_handler is not None:
            signal.signal(signal.SIGINT, self._old_handler)
            self._old_handler = None
        return False

    def reraise(self):
        """Raises what a callback raised (or KeyboardInterrupt for a recorded Ctrl-C)."""
        if self.exc is not None:
            exc, self.exc = self.exc, None
            raise exc
        if self.interrupted:
            self.interrupted = False
            raise KeyboardInterrupt


class ProgressPrinter:
    """A progress callable that draws a one-line bar on ``file`` (default sys.stderr)::

        epoch 1/2    [##########..........]  50%    1.2 s

    Redrawn at most every ``interval`` seconds (and at the end of each task); the line is
    ended with a newline when a task reaches done == total. Never cancels."""

    def __init__(self, file=None, width=30, interval=0.1):
        self.file = file
        self.width = width
        self.interval = interval
        self._task = None
        self._start = 0.0
        self._last = 0.0

    def __call__(self, task, done, total):
        f = self.file if self.file is not None else sys.stderr
        now = time.monotonic()
        if task != self._task:
            self._task, self._start, self._last = task, now, 0.0
        total = max(total, 1)
        if done < total and now - self._last < self.interval:
            return False
        self._last = now
        fill = int(self.width * min(done, total) / total)
        bar = "#" * fill + "." * (self.width - fill)
        f.write(f"\r{task:<12} [{bar}] {100 * done // total:3d}% {now - self._start:6.1f} s")
        if done >= total:
            f.write("\n")
        f.flush()
        return False


print_progress = ProgressPrinter()
print_progress.__doc__ = ("Pass progress=nanocim.print_progress to draw a one-line bar on "
                          "sys.stderr (the package prints nothing otherwise).")


class OneCall:
    """One call at a time into a library object that keeps its work buffers in itself (an
    ncm_bnn, an ncm_stno_net): another Python thread waits; the same thread (a progress
    callback calling back into the object) is refused with StateError."""

    def __init__(self, owner):
        self._owner = owner  # the class name the message gives
        self._lock = threading.Lock()
        self._busy_in = None

    @contextlib.contextmanager
    def __call__(self, what):
        from ._errors import StateError
        me = threading.get_ident()
        if self._busy_in == me:
            raise StateError(f"{self._owner}.{what}: the {self._owner.lower()} is busy in "
                             "another call of this thread (called from a progress callback?)")
        with self._lock:
            self._busy_in = me
            try:
                yield
            finally:
                self._busy_in = None
