"""Dissecting some frames of a memory-mapped capture leaves the map alone: the frames'
bytes are read into a buffer of the piece's own, and no page of the map is dropped (the
pieces around it are read by other threads: the writer of the piece before, the
look-ahead decoder of the next chunk)."""

from __future__ import annotations

import mmap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tcpscope.capture import read_records
from tcpscope.capture.records import Records
from tcpscope.capture.source import FileMap
from tcpscope.dissect.pipeline import dissect

CAPTURES = Path(__file__).resolve().parents[1] / "golden" / "captures"


class SpyMap(FileMap):
    """A capture file's map that notes the ranges it is told to drop."""

    dropped: list[tuple[int, int]]

    def madvise(self, option: int, start: int = 0, length: int | None = None) -> None:
        if length is None:
            length = len(self) - start
        if option == getattr(mmap, "MADV_DONTNEED", None):
            self.dropped.append((start, start + length))
        super().madvise(option, start, length)


def _spied(path: Path) -> tuple[Records, SpyMap]:
    records = read_records(path)
    with path.open("rb") as fh:
        spy = SpyMap.of(fh)
    spy.dropped = []
    return replace(records, data=np.frombuffer(spy, dtype=np.uint8), keepalive=spy), spy


@pytest.mark.parametrize("fast", [True, False])
def test_a_piece_leaves_the_map_alone(fast: bool) -> None:
    records, spy = _spied(CAPTURES / "own-zero-window.pcap")
    n = len(records)
    lo, hi = n // 3, 2 * n // 3
    table = dissect(records.frames(lo, hi), fast=fast)
    assert table.n == hi - lo
    assert spy.dropped == []
    assert table.records.keepalive is not spy
    whole = dissect(records, fast=fast)
    assert all(table.frame_bytes(i) == whole.frame_bytes(lo + i) for i in range(table.n))
    rows = (whole.layer("tcp").pkt >= lo) & (whole.layer("tcp").pkt < hi)
    for name in ("srcport", "seq_raw", "window_size_value", "checksum"):
        assert np.array_equal(table.layer("tcp").col(name), whole.layer("tcp").col(name)[rows])



def test_pieces_kept_together_keep_their_own_bytes() -> None:
    path = CAPTURES / "own-zero-window.pcap"
    records = read_records(path)
    raw = path.read_bytes()
    n = len(records)
    bounds = [(lo, min(n, lo + 100)) for lo in range(0, n, 100)]
    held = [dissect(records.frames(lo, hi)) for lo, hi in bounds]
    for (lo, _), table in zip(bounds, held, strict=True):
        for i in range(table.n):
            start = int(records.offset[lo + i])
            assert table.frame_bytes(i) == raw[start : start + int(records.caplen[lo + i])]
