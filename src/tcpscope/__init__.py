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
        StreamNotFoundError,
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
    "StreamNotFoundError",
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
    "StreamNotFoundError": "tcpscope.errors",
    "TcpscopeError": "tcpscope.errors",
}


def open(path: str | PathLike[str] | BinaryIO, *, analyze: bool = True) -> Capture:
    """Read a capture, dissect every frame and run Wireshark's TCP analysis on it.

    Args:
        path: A pcap or pcapng file, or a gzip of either: its path, ``-`` for standard
            input, or a binary file object.
        analyze: Run the TCP analysis (``tcp.stream``, ``tcp.analysis.*``); False reads and
            dissects only.

    Returns:
        A :class:`~tcpscope.api.Capture` of every frame.

    Raises:
        CaptureNotFoundError: The path does not exist or is a directory (a
            ``FileNotFoundError`` too).
        CaptureError: The file cannot be read or is not a capture (an ``OSError`` too).

    Example:
        >>> cap = tcpscope.open("examples/http-get.pcap")
        >>> len(cap), cap.packets["tcp.len"].sum()
        (12, 358)
    """
    from tcpscope.api import open_capture

    return open_capture(path, analyze=analyze)


def scan(path: str | PathLike[str], fields: Sequence[str] | None = None, *, display_filter: str | None = None,  # noqa: PLR0913 -- the public API's keyword arguments, each documented
         analyze: bool | Literal["needed"] = True, lists: Collection[str] | None = None,
         desegment: bool = True) -> Scan:
    """A capture a piece at a time, in the memory of one piece whatever its size.

    Each piece is a :class:`~tcpscope.api.PacketView` with the values :func:`open` would
    give (the TCP analysis carries every conversation from piece to piece) and the same
    schema, so that the pieces concatenate without a cast.

    Args:
        path: A pcap or pcapng file, or a gzip of either; ``-`` or a FIFO is read as its
            bytes come.
        fields: The pieces' columns (default: those of ``Capture.packets``).
        display_filter: Keep only the frames this Wireshark display filter selects.
        analyze: True, False, or ``"needed"``: only when ``fields`` or the filter read the
            analysis.
        lists: The fields given as a list of all their values in each frame (default: the
            fields one header repeats, such as ``tcp.port``; ``()`` for first values only).
        desegment: False frames HTTP, TLS and DNS one TCP segment at a time, as tshark
            does with ``-o tcp.desegment_tcp_streams:FALSE``: no message spans segments,
            a message a segment's end cuts is taken as it stands and the segments after it
            are Continuations (``http.request`` then counts the segments that start a
            request, as tshark's does with that preference).

    Returns:
        A :class:`~tcpscope.api.Scan` to iterate.

    Raises:
        FieldError: A field is not one tcpscope knows (a ``KeyError`` too).
        FilterError: The display filter does not compile (a ``ValueError`` too).

    Example:
        >>> pieces = tcpscope.scan("big.pcap", ["frame.number", "tcp.len"], display_filter="tcp.len > 0")
        >>> table = pyarrow.concat_tables(piece.to_arrow() for piece in pieces)
    """
    from tcpscope.api import scan as _scan

    return _scan(path, fields, display_filter=display_filter, analyze=analyze, lists=lists, desegment=desegment)


def tune_allocator() -> bool:
    """Opt in to glibc settings that return freed large arrays to the system.

    The settings are process-wide (:mod:`tcpscope._malloc`), so tcpscope never makes them
    unless asked; the command line does.

    Returns:
        Whether they took effect (False where the C library is not glibc).

    Example:
        >>> tcpscope.tune_allocator()
        True
    """
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
