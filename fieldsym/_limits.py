"""Time limits for symbolic work that may not terminate quickly (``integrate``, ``dsolve``,
a whole symmetry search).

:func:`time_limit` raises :class:`SolverTimeout` when its block runs past ``seconds``.  In the
main thread it interrupts a running sympy call with ``SIGALRM`` (nested limits keep the earliest
deadline); elsewhere, where signals cannot be used, :func:`check` at safe points enforces it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time

__all__ = ["SolverTimeout", "time_limit", "check", "remaining", "attempt"]


class SolverTimeout(TimeoutError):
    """A symbolic computation ran past its time limit."""


_deadlines: list[float] = []


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


def _handler(signum, frame):  # noqa: ARG001 - signal handler signature
    raise SolverTimeout("time limit reached")


def remaining() -> float | None:
    """Seconds left before the innermost deadline (``None`` without a limit)."""
    return min(_deadlines) - time.monotonic() if _deadlines else None


def check():
    """Raise :class:`SolverTimeout` when a deadline has passed (a cooperative safe point)."""
    left = remaining()
    if left is not None and left <= 0:
        raise SolverTimeout("time limit reached")


def _arm():
    left = remaining()
    if left is None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


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
    if use_signal:
        previous = signal.getsignal(signal.SIGALRM)
        if previous not in (signal.SIG_DFL, signal.SIG_IGN, None, _handler):
            use_signal = False  # someone else owns SIGALRM: cooperative checks only
    _deadlines.append(time.monotonic() + seconds)
    try:
        if use_signal:
            signal.signal(signal.SIGALRM, _handler)
            _arm()
        yield
    finally:
        _deadlines.pop()
        if use_signal:
            _arm()
            if not _deadlines:
                signal.signal(signal.SIGALRM, previous if previous is not None else
                              signal.SIG_DFL)


def attempt(fn, seconds: float, default=None):
    """``fn()`` under a limit of ``seconds``; ``default`` when that limit is hit (an outer
    deadline that has passed still raises)."""
    try:
        with time_limit(seconds):
            return fn()
    except SolverTimeout:
        check()
        return default
