"""The packet list's text columns written for the table exports
(:func:`tcpscope.views.info_kernel.list_texts`: Info by the line writer's own helper, as
Arrow strings) are the column-wise list's (``packet_columns``, which
tests/views/test_golden_list.py compares with tshark), cell for cell, compiled and not,
on the captures the line writer is tested on, on some frames, and a piece at a time."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from compare import CAPTURES
from test_list_kernel import SOME

from tcpscope.analysis import TcpAnalyzer, analyze
from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect
from tcpscope.pipeline.stream import pieces
from tcpscope.table.packets import PacketTable
from tcpscope.views.info_kernel import list_texts
from tcpscope.views.packet_list import packet_columns


@pytest.fixture(params=["never", "always"])
def jit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("TCPSCOPE_JIT", request.param)
    yield request.param


def _columns(table: PacketTable, frames: np.ndarray | None = None) -> list[list[str]]:
    c = packet_columns(table, frames)
    return [c.source.tolist(), c.destination.tolist(), c.protocol.tolist(), c.info.tolist()]


def _texts(table: PacketTable, frames: np.ndarray | None = None) -> list[list[str]]:
    return [a.to_pylist() for a in list_texts(table, frames)]


@pytest.mark.parametrize("name", SOME)
def test_the_columns_are_the_lists(name: str, jit: str) -> None:
    table = analyze(dissect(read_records(CAPTURES / name)))
    assert _texts(table) == _columns(table)


def test_some_frames(jit: str) -> None:
    table = analyze(dissect(read_records(CAPTURES / "tls-dns.pcap")))
    frames = np.arange(1, table.n, 3, dtype=np.int64)
    assert _texts(table, frames) == _columns(table, frames)
    assert _texts(table, frames[:0]) == [[], [], [], []]


def test_pieces() -> None:
    """HTTP's texts come from the framing carried over the pieces."""
    records = read_records(CAPTURES / "http-eth.pcap")
    analyzer = TcpAnalyzer(http=True)
    got: list[list[str]] = [[], [], [], []]
    for piece in pieces(records, 7):
        for column, part in zip(got, _texts(analyzer.feed(piece)), strict=True):
            column.extend(part)
    assert got == _columns(analyze(dissect(records)))
