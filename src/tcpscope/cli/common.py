"""What every subcommand shares: reading a capture through the public API, reporting warnings.

Each command reads its capture as a Python user does, with :func:`tcpscope.api.scan` (a
piece at a time, ``-Y`` applied), so that the two cannot drift apart. Heavy modules are
imported inside the functions, so ``tcpscope --help`` and small captures start fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from tcpscope.cli import EXIT_ERROR, collect_again

if TYPE_CHECKING:
    import argparse

    from tcpscope._types import Array
    from tcpscope.api import PacketView
    from tcpscope.table.packets import PacketTable
    from tcpscope.views.tree_prefs import TcpTreePrefs

__all__ = ["EXIT_ERROR", "Pieces", "Reading", "finish", "reading_of", "scan_capture", "selected_streams"]


class Pieces(Protocol):
    """What a command reads a capture through: its pieces in order, then whether it came
    whole, its frames and the reader's warnings (:class:`tcpscope.api.Scan`)."""

    @property
    def whole(self) -> bool | None: ...
    @property
    def frames(self) -> int: ...
    @property
    def warnings(self) -> tuple[str, ...]: ...

    def __iter__(self) -> Iterator[PacketView]: ...


@dataclass(frozen=True, slots=True)
class Reading:
    """What tshark's command line changes in how a capture is read (``tcpscope -r``,
    :mod:`tcpscope.cli.dropin`): ``count``, the frames read (``-c``: later frames are
    not read, whatever ``-Y`` selects); ``adjust``, the TCP preferences (``-o``) applied
    to each analysed piece before the display filter selects frames; ``desegment``, False
    for ``tcp.desegment_tcp_streams:FALSE`` (HTTP, TLS and DNS framed a segment at a time);
    ``tree``, the TCP preferences the details tree follows (None: tshark's defaults);
    ``sequence_analysis``, False for ``tcp.analyze_sequence_numbers:FALSE`` (the framing
    above TCP sees no analysis flag: ``Scan.sequence_analysis``)."""

    count: int | None = None
    adjust: Callable[[PacketTable], PacketTable] | None = None
    desegment: bool = True
    tree: TcpTreePrefs | None = None
    sequence_analysis: bool = True


def reading_of(args: argparse.Namespace) -> Reading | None:
    """The :class:`Reading` of a command line (None for a subcommand's)."""
    reading = getattr(args, "reading", None)
    return reading if isinstance(reading, Reading) else None


@contextmanager
def scan_capture(paths: str | Sequence[str], display_filter: str | None, fields: Sequence[str] | None = None,  # noqa: PLR0913 -- how a command reads, each documented below
                 analyze: bool | Literal["needed"] = True, reading: Reading | None = None, *,
                 focus: Sequence[int] | None = None, streams: Sequence[int] | None = None) -> Iterator[Pieces]:
    """The capture's pieces, analysed and filtered (:class:`tcpscope.api.Scan`), with the
    progress line for a large file. A bad filter or field is an error before the file is
    read, as tshark reports them; so is a device or a socket instead of a file, as tshark
    reads neither. The command line is a process of its own: a large file or a pipe first
    tunes the allocator for large arrays (``tcpscope.tune_allocator``), which the library
    does only when asked. ``reading``: see :class:`Reading`. Several ``paths`` (or a
    directory) are one capture, the files one after the other (``capture.files``).
    ``focus``: the numbers of the only frames the command uses (``Scan.focus``);
    ``streams``: the only ``tcp.stream`` numbers it uses (``Scan.streams``)."""
    from tcpscope.api import scan
    from tcpscope.cli.progress import Progress

    several = [paths] if isinstance(paths, str) else list(paths)
    for one in several:
        _refuse_special(one)
    path: str | list[str] = several[0] if len(several) == 1 else several
    if len(several) > 1 and "-" in several:
        from tcpscope.errors import TcpscopeError

        raise TcpscopeError("standard input (-) cannot be one of several capture files")
    with Progress(several[0]) as progress:
        if reading is None:
            pieces = scan(path, fields, display_filter=display_filter, analyze=analyze)
        else:
            flt = None
            if display_filter is not None and reading.adjust is not None:  # selected after the adjustment
                from tcpscope.filter import compile_filter

                flt = compile_filter(display_filter)
            pieces = scan(path, fields, display_filter=display_filter if flt is None else None,
                          analyze=True if flt is not None else analyze, desegment=reading.desegment)
        pieces.progress = lambda done: progress.stage("decoding", done)
        pieces.focus = focus
        pieces.sequence_analysis = reading is None or reading.sequence_analysis
        pieces.streams = streams
        _tune_for(several[0])
        if reading is None:
            yield _CollectedFromSecond(pieces)
        else:
            from tcpscope.cli.dropin_read import ReadPieces

            yield ReadPieces(pieces, reading, flt)  # (tshark's command line: collected from the start)


class _CollectedFromSecond:
    """A command's pieces, the garbage collector back on before the second one is made
    (:func:`tcpscope.cli.start_up_uncollected`: off while the command starts)."""

    def __init__(self, pieces: Pieces) -> None:
        self._pieces = pieces

    @property
    def whole(self) -> bool | None:
        return self._pieces.whole

    @property
    def frames(self) -> int:
        return self._pieces.frames

    @property
    def warnings(self) -> tuple[str, ...]:
        return self._pieces.warnings

    def __iter__(self) -> Iterator[PacketView]:
        for i, piece in enumerate(self._pieces):
            yield piece
            if i == 0:
                collect_again()


def _refuse_special(path: str) -> None:
    """A device or a socket is not a capture (tshark: "is a special file or socket or other
    non-regular file"); a FIFO is read as a pipe."""
    import os
    import stat

    from tcpscope.errors import TcpscopeError

    try:
        mode = os.stat(path).st_mode if path != "-" else stat.S_IFIFO
    except OSError:
        return  # the reader says why
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISDIR(mode)):
        raise TcpscopeError(f'The file "{path}" is a "special file" or socket or other non-regular file.')


def selected_streams(command: str, path: str, display_filter: str) -> Iterator[Array]:
    """For each piece of the capture, in order, the ``tcp.stream`` numbers of the frames
    ``display_filter`` selects that have one (what ``-Y`` picks for ``follow`` and
    ``explain``, which then read the capture again: not a pipe)."""
    import numpy as np

    from tcpscope._jit import job
    from tcpscope.errors import TcpscopeError

    if path == "-":
        raise TcpscopeError(f"{command}: -Y reads the capture twice, which a pipe cannot give: use --stream N")
    with scan_capture(path, display_filter) as scan:
        for piece in scan:
            with job(piece.job):
                tcp = piece.table.layer("tcp")
                if len(tcp) == 0 or len(piece.frames) == 0:
                    continue
                stream = np.asarray(tcp.cols["stream"], dtype=np.int64)
                chosen = np.zeros(piece.table.n, dtype=np.bool_)
                chosen[piece.frames] = True
                yield stream[chosen[tcp.pkt] & (stream >= 0)]


def _tune_for(path: str) -> None:
    """Tune the allocator for large arrays before reading a large file or a pipe (which
    may bring any number of bytes)."""
    import os
    import stat

    from tcpscope.cli.progress import MIN_BYTES

    try:
        st = None if path == "-" else os.stat(path)
    except OSError:
        return
    if st is None or not stat.S_ISREG(st.st_mode) or st.st_size >= MIN_BYTES:
        import tcpscope

        tcpscope.tune_allocator()


def finish(warnings: Sequence[str]) -> int:
    """Print the reader's warnings after the output, as tshark does; exit status 2 if any."""
    for message in warnings:
        print(f"tcpscope: {message}", file=sys.stderr)
    return EXIT_ERROR if warnings else 0
