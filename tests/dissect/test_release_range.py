"""Dissecting some frames of a memory-mapped capture releases the pages of those frames'
bytes only: the pages of the pieces around them are being read by other threads (the
writer of the piece before, the look-ahead decoder of the next chunk)."""

from __future__ import annotations

import mmap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tcpscope.capture import read_records
from tcpscope.capture.records import Records
from tcpscope.dissect.pipeline import dissect

CAPTURES = Path(__file__).resolve().parents[1] / "golden" / "captures"


class SpyMap(mmap.mmap):
    """A read-only map of a file that notes the ranges it is told to drop."""

    dropped: list[tuple[int, int]]

    def madvise(self, option: int, start: int = 0, length: int | None = None) -> None:
        if length is None:
            length = len(self) - start
        if option == mmap.MADV_DONTNEED:
            self.dropped.append((start, start + length))
        super().madvise(option, start, length)


def _spied(path: Path) -> tuple[Records, SpyMap]:
    records = read_records(path)
    with path.open("rb") as fh:
        spy = SpyMap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    spy.dropped = []
    return replace(records, data=np.frombuffer(spy, dtype=np.uint8), keepalive=spy), spy


@pytest.mark.skipif(not hasattr(mmap, "MADV_DONTNEED"), reason="no madvise here")
@pytest.mark.parametrize("fast", [True, False])
def test_a_piece_releases_only_its_own_bytes(fast: bool) -> None:
    records, spy = _spied(CAPTURES / "own-zero-window.pcap")
    n = len(records)
    lo, hi = n // 3, 2 * n // 3
    piece = records.frames(lo, hi)
    table = dissect(piece, fast=fast)
    assert table.n == hi - lo
    start, stop = int(records.offset[lo]), int(records.offset[hi - 1] + records.caplen[hi - 1])
    assert spy.dropped, "the piece's pages were never released"
    for a, b in spy.dropped:
        assert start <= a < b <= stop, f"released [{a}, {b}) outside the piece's bytes [{start}, {stop})"
    del table, piece, records
