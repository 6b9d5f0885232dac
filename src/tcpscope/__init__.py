"""tcpscope: Wireshark's TCP analysis on whole captures at once, faster, in plain words.

The public API (imported lazily, so that ``import tcpscope`` and the command line start
fast): :func:`open` a capture, get a :class:`Capture`; :func:`scan` one too large to hold, a
piece at a time; the errors of
:mod:`tcpscope.errors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tcpscope.errors import (
    CaptureCutShortError,
    CaptureDamagedError,
    CaptureError,
    CaptureNotFoundError,
    FieldError,
    FilterError,
    NotACaptureError,
    TcpscopeError,
)

if TYPE_CHECKING:
    from tcpscope.api import Capture, PacketView, Scan

__all__ = [
    "Capture",
    "CaptureCutShortError",
    "CaptureDamagedError",
    "CaptureError",
    "CaptureNotFoundError",
    "FieldError",
    "FilterError",
    "NotACaptureError",
    "PacketView",
    "Scan",
    "TcpscopeError",
    "__version__",
    "open",
    "scan",
    "tune_allocator",
]

__version__ = "0.1.0"


def open(path: Any, *, analyze: bool = True) -> Capture:
    """Read, dissect and analyse a capture (see :func:`tcpscope.api.open_capture`)."""
    from tcpscope.api import open_capture

    return open_capture(path, analyze=analyze)


def scan(path: Any, fields: Any = None, *, display_filter: str | None = None, analyze: bool = True,
         lists: Any = ()) -> Scan:
    """A capture a piece at a time, in bounded memory (see :func:`tcpscope.api.scan`)."""
    from tcpscope.api import scan as _scan

    return _scan(path, fields, display_filter=display_filter, analyze=analyze, lists=lists)


def tune_allocator() -> bool:
    """Opt in to glibc settings that return freed large arrays to the system (see
    :mod:`tcpscope._malloc`): process-wide, so never done unless asked (the command line
    does). Returns whether it took effect."""
    from tcpscope._malloc import tune_for_large_arrays

    return tune_for_large_arrays()


def __getattr__(name: str) -> Any:
    if name in ("Capture", "PacketView", "Scan"):
        from tcpscope import api

        return getattr(api, name)
    raise AttributeError(f"module 'tcpscope' has no attribute {name!r}")
