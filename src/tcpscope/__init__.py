"""tcpscope: Wireshark's TCP analysis on whole captures at once, faster, in plain words.

The public API (imported lazily, so that ``import tcpscope`` and the command line start
fast): :func:`open` a capture, get a :class:`Capture`; the errors of
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
    from tcpscope.api import Capture, PacketView

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
    "TcpscopeError",
    "__version__",
    "open",
]

__version__ = "0.1.0"


def open(path: Any, *, analyze: bool = True) -> Capture:
    """Read, dissect and analyse a capture (see :func:`tcpscope.api.open_capture`)."""
    from tcpscope.api import open_capture

    return open_capture(path, analyze=analyze)


def __getattr__(name: str) -> Any:
    if name in ("Capture", "PacketView"):
        from tcpscope import api

        return getattr(api, name)
    raise AttributeError(f"module 'tcpscope' has no attribute {name!r}")
