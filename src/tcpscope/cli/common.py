"""What every subcommand shares: reading a capture through the public API, reporting warnings.

Each command reads its capture as a Python user does, with :func:`tcpscope.api.scan` (a
piece at a time, ``-Y`` applied), so that the two cannot drift apart. Heavy modules are
imported inside the functions, so ``tcpscope --help`` and small captures start fast.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

from tcpscope.cli import EXIT_ERROR

if TYPE_CHECKING:
    from tcpscope._types import Array
    from tcpscope.api import Scan

__all__ = ["EXIT_ERROR", "finish", "scan_capture", "selected_streams"]


@contextmanager
def scan_capture(path: str, display_filter: str | None, fields: Sequence[str] | None = None,
                 analyze: bool | Literal["needed"] = True) -> Iterator[Scan]:
    """The capture's pieces, analysed and filtered (:class:`tcpscope.api.Scan`), with the
    progress line for a large file. A bad filter or field is an error before the file is
    read, as tshark reports them. The command line is a process of its own: a large file
    or a pipe first tunes the allocator for large arrays (``tcpscope.tune_allocator``),
    which the library does only when asked."""
    from tcpscope.api import scan
    from tcpscope.cli.progress import Progress

    with Progress(path) as progress:
        pieces = scan(path, fields, display_filter=display_filter, analyze=analyze)
        pieces.progress = lambda done: progress.stage("decoding", done)
        _tune_for(path)
        yield pieces


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
