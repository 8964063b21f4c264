"""Allocator pinning shared by the throughput benchmarks.

glibc hands freed blocks of a few hundred kilobytes and more back to the system (``munmap``, or
trimming the heap top) and takes them back with page faults on the next allocation. Batched
kernels on 10^5 small matrices allocate dozens of such blocks per call, so the best of 7 runs of
the same function varied by up to 3x between processes. Raising the two thresholds once keeps
freed blocks in the heap; it applies to every library in the process (torch and numpy alike), so
ratios measure arithmetic rather than page faults.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def pin_malloc(threshold: int = 1 << 30) -> bool:
    """Raise glibc's trim and mmap thresholds to ``threshold`` bytes; ``False`` (and nothing
    changed) where the C library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        return (bool(libc.mallopt(_M_TRIM_THRESHOLD, threshold))
                and bool(libc.mallopt(_M_MMAP_THRESHOLD, threshold)))
    except (OSError, AttributeError):
        return False
