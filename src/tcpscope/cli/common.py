"""What every subcommand shares: reading a capture, applying ``-Y``, reporting warnings.

Heavy modules are imported inside the functions, so ``tcpscope --help`` and small
captures start fast.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from tcpscope._types import Index, Mask
from tcpscope.capture.records import Records
from tcpscope.cli import EXIT_ERROR
from tcpscope.errors import CaptureWarning
from tcpscope.table.packets import PacketTable

if TYPE_CHECKING:
    from tcpscope.filter.front import Filter
    from tcpscope.views.stream import TableStream

__all__ = ["EXIT_ERROR", "Loaded", "capture_stream", "compile_display_filter", "finish", "load", "read_capture"]


@dataclass(frozen=True)
class Loaded:
    """A capture read, dissected and (unless told otherwise) analysed, with the selected frames."""

    table: PacketTable
    frames: Index
    warnings: tuple[CaptureWarning, ...]
    #: the display filter's per-frame answer (None without -Y): what tap-style views count
    mask: Mask | None = None


def compile_display_filter(text: str | None) -> Filter | None:
    """The compiled ``-Y`` filter (None without one). Commands compile it before they read
    the file, so that a bad filter is reported first, as tshark does."""
    if not text:
        return None
    from tcpscope.filter import compile_filter

    return compile_filter(text)


def read_capture(path: str) -> Records:
    """The capture's records; a large capture first sets the allocator for large arrays."""
    from tcpscope.capture import read_records

    _tune_for(path)
    return read_records(path)


@contextmanager
def capture_stream(path: str, flt: Filter | None, analyze: bool | Literal["accecn"] = True,
                   ) -> Iterator[TableStream]:
    """The capture's pieces, analysed and filtered by ``flt`` (``views.stream.TableStream``),
    a batch at a time when they come through a pipe (``capture.read_batches``), with the
    progress line for a large file; kernels run compiled until the block ends once the
    capture is large. A large file or a pipe first sets the allocator for large arrays."""
    from tcpscope._jit import job
    from tcpscope.capture import read_batches
    from tcpscope.cli.progress import Progress
    from tcpscope.views.stream import TableStream

    _tune_for(path)
    with Progress(path) as progress, job(0):
        yield TableStream(read_batches(path), analyze, select=flt.mask if flt is not None else None,
                          progress=lambda done: progress.stage("decoding", done))


def _tune_for(path: str) -> None:
    """Set the allocator for large arrays before reading a large file or a pipe (which may
    bring any number of bytes)."""
    import os
    import stat

    from tcpscope.cli.progress import MIN_BYTES

    try:
        st = None if path == "-" else os.stat(path)
    except OSError:
        return
    if st is None or not stat.S_ISREG(st.st_mode) or st.st_size >= MIN_BYTES:
        from tcpscope._malloc import tune_for_large_arrays

        tune_for_large_arrays()


def load(path: str, display_filter: str | None = None, analyze: bool | Collection[str] = True) -> Loaded:
    """Read, dissect and analyse ``path``; select the frames ``display_filter`` keeps.

    ``analyze`` may name the fields the caller will read: the analysis then runs only
    if they or the filter's fields need it (``needs_analysis``).
    """
    import numpy as np

    from tcpscope.cli.progress import Progress
    from tcpscope.dissect.pipeline import dissect

    flt = compile_display_filter(display_filter)
    with Progress(path) as progress:
        progress.stage("reading", 0.0)
        records = read_capture(path)
        progress.stage("decoding", 0.25)
        table = dissect(records)
        if not isinstance(analyze, bool):
            from tcpscope.filter.registry import needs_analysis

            names = [*analyze, *(flt.field_names() if flt is not None else ())]
            analyze = needs_analysis(names, table)
        if analyze:
            from tcpscope.analysis import analyze as run_analysis

            progress.stage("analysing", 0.7)
            table = run_analysis(table)
        progress.stage("output", 0.95)
    if flt is not None:
        mask = np.asarray(flt.mask(table), dtype=np.bool_)
        return Loaded(table, np.flatnonzero(mask).astype(np.int64), records.warnings, mask)
    return Loaded(table, np.arange(table.n, dtype=np.int64), records.warnings)


def finish(warnings: Sequence[CaptureWarning]) -> int:
    """Print the reader's warnings after the output, as tshark does; exit status 2 if any."""
    for w in warnings:
        print(f"tcpscope: {w.message}", file=sys.stderr)
    return EXIT_ERROR if warnings else 0
