"""Time limits for symbolic work that may not terminate quickly (``integrate``, ``dsolve``,
a whole symmetry search).

:func:`time_limit` raises :class:`SolverTimeout` when its block runs past ``seconds``.  In the
main thread it interrupts a running sympy call with a signal (nested limits keep the earliest
deadline); elsewhere, where signals cannot be used, :func:`check` at safe points enforces it.
Seconds are wall-clock seconds, or, inside :func:`cpu_clock`, CPU seconds of this process
(``SIGPROF``), which makes limits independent of the load of a shared machine.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time

__all__ = ["SolverTimeout", "time_limit", "check", "remaining", "attempt", "cpu_clock"]


class SolverTimeout(TimeoutError):
    """A symbolic computation ran past its time limit."""


_deadlines: list[float] = []
_mode = {"cpu": False}


def _now() -> float:
    return time.process_time() if _mode["cpu"] else time.monotonic()


def _signal():
    return signal.SIGPROF if _mode["cpu"] else signal.SIGALRM


def _timer():
    return signal.ITIMER_PROF if _mode["cpu"] else signal.ITIMER_REAL


@contextlib.contextmanager
def cpu_clock():
    """Measure the limits opened inside this block in CPU seconds of the process."""
    if _deadlines:
        raise RuntimeError("cpu_clock() must be entered outside any time limit")
    old = _mode["cpu"]
    _mode["cpu"] = True
    try:
        yield
    finally:
        _mode["cpu"] = old


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


def _handler(signum, frame):  # noqa: ARG001 - signal handler signature
    raise SolverTimeout("time limit reached")


def remaining() -> float | None:
    """Seconds left before the innermost deadline (``None`` without a limit)."""
    return min(_deadlines) - _now() if _deadlines else None


def check():
    """Raise :class:`SolverTimeout` when a deadline has passed (a cooperative safe point)."""
    left = remaining()
    if left is not None and left <= 0:
        raise SolverTimeout("time limit reached")


def _arm():
    left = remaining()
    if left is None:
        signal.setitimer(_timer(), 0)
        return
    signal.setitimer(_timer(), max(left, 1e-3))


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Run the block under a limit of ``seconds`` (``None``: no limit of its own)."""
    if seconds is None:
        yield
        return
    if seconds <= 0:
        raise SolverTimeout(f"no time left (limit {seconds} s)")
    use_signal = _main_thread()
    previous = None
    sig = _signal()
    if use_signal:
        previous = signal.getsignal(sig)
        if previous not in (signal.SIG_DFL, signal.SIG_IGN, None, _handler):
            use_signal = False  # someone else owns the signal: cooperative checks only
    _deadlines.append(_now() + seconds)
    try:
        if use_signal:
            signal.signal(sig, _handler)
            _arm()
        yield
    finally:
        _deadlines.pop()
        if use_signal:
            _arm()
            if not _deadlines:
                signal.signal(sig, previous if previous is not None else signal.SIG_DFL)


def attempt(fn, seconds: float, default=None):
    """``fn()`` under a limit of ``seconds``; ``default`` when that limit is hit (an outer
    deadline that has passed still raises)."""
    try:
        with time_limit(seconds):
            return fn()
    except SolverTimeout:
        check()
        return default
