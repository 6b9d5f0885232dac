"""Keep glibc from holding on to the memory of freed large arrays.

A large capture allocates and frees many arrays of tens of megabytes. glibc raises its
mmap threshold after the first of those is freed (``M_MMAP_THRESHOLD`` is dynamic), so
later ones come from the heap, where freed space often cannot go back to the system:
the process kept a third more resident memory than its live arrays. Fixing the
threshold (and the trim threshold) keeps big blocks in their own mappings, returned to
the system on free. A no-op outside glibc; done once per process.

The settings are the whole process's, so the library never makes them on its own: a
program opts in with ``tcpscope.tune_allocator()``, as the command line does before a
large file or a pipe.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache

__all__ = ["tune_for_large_arrays"]

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3


@lru_cache(maxsize=1)
def tune_for_large_arrays(mmap_threshold: int = 4 << 20, trim_threshold: int = 8 << 20) -> bool:
    """Set glibc's mmap and trim thresholds; returns whether it took effect."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, mmap_threshold)) and bool(mallopt(M_TRIM_THRESHOLD, trim_threshold))
