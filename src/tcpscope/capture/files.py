"""Several capture files read as one capture: rotated files (``tcpdump -C``/``-G``), or any
files named in order, as ``mergecap -a`` concatenates them.

Each file is read on its own (memory-mapped, as one file is) and handed on as a batch of
records numbered and timed as frames of the whole: the first frame's number follows the
previous file's last, the capture's first time is the first file's, and the time before a
file's first frame is the previous file's last. The stream after this layer
(``pipeline.stream``) carries the analysis from batch to batch as it does for a pipe, so a
connection that spans two files is one connection, numbered as tshark numbers it in the
merged file, and memory holds one file's map and the analysis state, not every file.

A directory stands for its files (not those whose names start with a dot, not its
subdirectories) in the order of their names, where a run of digits compares as the number
it writes: ``tcpdump -C 1 -w x`` names its files ``x``, ``x1``, ``x2`` ... ``x10``, which
plain sorting would put out of order (``-G``'s time-stamped names sort the same both ways).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from tcpscope.capture.reader import read_records
from tcpscope.capture.records import Records
from tcpscope.errors import CaptureNotFoundError, CaptureWarning

__all__ = ["capture_files", "read_file_batches"]

_DIGITS = re.compile(r"(\d+)")


def _name_order(name: str) -> list[tuple[int, int | str]]:
    """A file name's sort key: its runs of digits as numbers, the rest as text."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(name) if part]


def capture_files(path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[str] | None:
    """The files a capture argument stands for, in order, when it stands for several or is
    a directory (see the module docstring); None for one file (or a pipe) read as before.
    A directory without files is an error, in tshark's words for any directory."""
    if isinstance(path, (str, os.PathLike)):
        name = os.fspath(path)
        if not os.path.isdir(name):
            return None
        files = sorted((e.name for e in os.scandir(name) if e.is_file() and not e.name.startswith(".")),
                       key=_name_order)
        if not files:  # nothing to read: tshark's words for a directory
            raise CaptureNotFoundError(name, f'"{name}" is a directory (folder), not a file.')
        return [os.path.join(name, f) for f in files]
    names = [os.fspath(p) for p in path]
    if len(names) == 1:
        return capture_files(names[0]) or None
    out: list[str] = []
    for name in names:
        out += capture_files(name) or [name]
    return out


def read_file_batches(paths: Sequence[str]) -> Iterator[tuple[Records, bool]]:
    """The records of ``paths`` as ``(batch, last)`` pairs, one batch per file, numbered and
    timed as frames of their concatenation; each file's reader warnings stay with the
    batches after it, so that the last batch carries them all."""
    frames = 0
    ts_first: int | None = None
    ts_before: int | None = None
    warnings: tuple[CaptureWarning, ...] = ()
    for i, path in enumerate(paths):
        records = read_records(path)
        n = len(records)
        if n and ts_first is None:
            ts_first = int(records.ts_ns[0])
        warnings = warnings + records.warnings
        yield replace(records, first_frame=frames, ts_first=ts_first if frames else None, ts_before=ts_before,
                      read_warnings=warnings), i == len(paths) - 1
        frames += n
        if n:
            ts_before = int(records.ts_ns[-1])
