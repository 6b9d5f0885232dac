"""tcpscope: Wireshark's TCP analysis on whole captures at once, faster, in plain words.

The public API: ``tcpscope.open(path)`` reads a capture and gives a :class:`Capture`;
:func:`scan` gives one too large to hold a piece at a time; the errors of
:mod:`tcpscope.errors` say what went wrong. ``__all__`` holds these names except
``open``, so that ``from tcpscope import *`` leaves the builtin ``open`` alone
(``tests/test_public_api.py`` holds the list).

Every name is imported when first used, so that ``import tcpscope`` and the command
line's ``--help`` import nothing they do not need.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from os import PathLike
    from typing import Any, BinaryIO, Literal

    from tcpscope.api import Capture, PacketView, Scan
    from tcpscope.errors import (
        CaptureCutShortError,
        CaptureDamagedError,
        CaptureDecompressError,
        CaptureError,
        CaptureNotFoundError,
        ExportError,
        FieldError,
        FilterError,
        NotACaptureError,
        TcpscopeError,
    )

__all__ = [
    "Capture",
    "CaptureCutShortError",
    "CaptureDamagedError",
    "CaptureDecompressError",
    "CaptureError",
    "CaptureNotFoundError",
    "ExportError",
    "FieldError",
    "FilterError",
    "NotACaptureError",
    "PacketView",
    "Scan",
    "TcpscopeError",
    "__version__",
    "scan",
    "tune_allocator",
]

__version__ = "0.1.0"

#: Where each public class lives; ``__getattr__`` imports it on first use.
_HOMES = {
    "Capture": "tcpscope.api",
    "PacketView": "tcpscope.api",
    "Scan": "tcpscope.api",
    "CaptureCutShortError": "tcpscope.errors",
    "CaptureDamagedError": "tcpscope.errors",
    "ExportError": "tcpscope.errors",
    "CaptureDecompressError": "tcpscope.errors",
    "CaptureError": "tcpscope.errors",
    "CaptureNotFoundError": "tcpscope.errors",
    "FieldError": "tcpscope.errors",
    "FilterError": "tcpscope.errors",
    "NotACaptureError": "tcpscope.errors",
    "TcpscopeError": "tcpscope.errors",
}


def open(path: str | PathLike[str] | BinaryIO, *, analyze: bool = True) -> Capture:
    """Read, dissect and analyse a capture (see :func:`tcpscope.api.open_capture`)."""
    from tcpscope.api import open_capture

    return open_capture(path, analyze=analyze)


def scan(path: str | PathLike[str], fields: Sequence[str] | None = None, *, display_filter: str | None = None,
         analyze: bool | Literal["needed"] = True, lists: Collection[str] = ()) -> Scan:
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
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tcpscope' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
