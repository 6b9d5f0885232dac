"""The packet list rows of some frames (``packet_rows(table, frames)``) equal those frames'
rows of the whole list, and their TCP Info is read from those frames' rows alone (a spy
on the tcp rows handed to ``tcp_info_column``, not a timing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tcpscope
from tcpscope.views import info_columns
from tcpscope.views.packet_list import packet_rows

CAPTURES = Path(__file__).parents[1] / "golden" / "captures"
#: TCP options and SACK blocks, analysis prefixes, HTTP, malformed and short frames
NAMES = ["own-lossy-seed11.pcap", "zeek-tcp-option-sack.pcap", "http-get.pcap", "craft-tcp-badopts.pcap",
         "craft-tcp-truncated.pcap", "zeek-http-pipelined-requests.pcap"]


@pytest.mark.parametrize("name", NAMES)
def test_some_rows_equal_the_whole_lists(name: str) -> None:
    table = tcpscope.open(CAPTURES / name).table
    whole = list(packet_rows(table))
    rng = np.random.default_rng(7)
    for size in (1, 5, max(1, table.n // 3)):
        frames = np.sort(rng.choice(table.n, size=min(size, table.n), replace=False)).astype(np.int64)
        assert list(packet_rows(table, frames)) == [whole[i] for i in frames.tolist()]


def test_tcp_info_reads_the_frames_rows_only(monkeypatch: pytest.MonkeyPatch) -> None:
    table = tcpscope.open(CAPTURES / "own-lossy-seed11.pcap").table
    seen: list[np.ndarray] = []
    real = info_columns.tcp_info_column

    def spy(t: Any) -> Any:
        seen.append(np.asarray(t.layer("tcp").pkt))
        return real(t)

    monkeypatch.setattr(info_columns, "tcp_info_column", spy)
    frames = np.array([10, 11, 400], dtype=np.int64)
    list(packet_rows(table, frames))
    assert len(seen) == 1
    assert set(seen[0].tolist()) <= {10, 11, 400}
