"""The TCP analysis fed a capture in pieces gives every frame what one pass over the whole gives.

Each piece is dissected on its own (``Records.frames``) and given to one
:class:`~tcpscope.analysis.TcpAnalyzer`; the analysis columns of its TCP rows must equal
those of the same frames analysed in one table. Pieces cut IPv4 fragments from the
frames that complete them, which changes what is dissected: captures where the pieces'
TCP rows differ from the whole's are left out. The state retires what it can at every
piece (``tcpscope.analysis.state``, ``eager``; on a real stream only once its rows have
doubled), so that a retirement that changed any frame's analysis would show here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from compare import capture_files, prefix, stem

from tcpscope.analysis import ANALYSIS_COLUMNS, TcpAnalyzer, analyze
from tcpscope.analysis.keys import IdTable
from tcpscope.analysis.state import SequenceState
from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect
from tcpscope.errors import CaptureError

CAPTURES = capture_files()
INPUT_COLUMNS = ("srcport", "dstport", "seq_raw", "ack_raw", "flags", "len", "reach")


def _records(cap: Path):  # type: ignore[no-untyped-def]
    try:
        return read_records(str(cap))
    except CaptureError:
        pytest.skip("not a readable capture")


@pytest.mark.parametrize("piece", [7, 64])
@pytest.mark.parametrize("cap", CAPTURES, ids=[stem(c) for c in CAPTURES])
def test_pieces_analyse_like_the_whole(cap: Path, piece: int) -> None:
    """On the first records of a large capture (compare.prefix); the compiled test below
    takes the large ones whole."""
    pieces_analyse_like_the_whole(prefix(cap), piece)


def pieces_analyse_like_the_whole(cap: Path, piece: int) -> None:
    records = _records(cap)
    whole = analyze(dissect(records)).layer("tcp")
    if len(whole) == 0:
        pytest.skip("no TCP")
    analyzer = TcpAnalyzer()
    analyzer.state = SequenceState(eager=True)
    parts = []
    for lo in range(0, len(records), piece):
        t = analyzer.feed(dissect(records.frames(lo, min(len(records), lo + piece))))
        tcp = t.layer("tcp")
        parts.append((tcp.pkt + lo, tcp.cols))
    pkt = np.concatenate([p for p, _ in parts])
    same_rows = pkt.shape[0] == whole.pkt.shape[0] and np.array_equal(pkt, whole.pkt)
    if same_rows:
        same_rows = all(np.array_equal(np.concatenate([np.asarray(c[k]) for _, c in parts if k in c]),
                                       np.asarray(whole.cols[k])) for k in INPUT_COLUMNS)
    if not same_rows:
        pytest.skip("the pieces dissect differently (IP reassembly across pieces)")
    for name in ANALYSIS_COLUMNS:
        got = np.concatenate([np.asarray(c[name]) for _, c in parts if name in c])
        assert np.array_equal(got, np.asarray(whole.cols[name])), name
    assert analyzer.state.conversations == int(np.asarray(whole.cols["stream"]).max()) + 1


def test_id_table_keeps_ids_across_calls_and_growth() -> None:
    t = IdTable()
    first = t.ids(np.array([5, 6, 5]), np.array([1, 1, 1]))
    assert first.tolist() == [0, 1, 0]
    many = t.ids(np.arange(1000), np.full(1000, 9))  # grows the table several times
    assert many.tolist() == list(range(2, 1002))
    assert t.ids(np.array([6, 5, 999]), np.array([1, 1, 9])).tolist() == [1, 0, 1001]
    assert t.count == 1002


BIG = [c for c in CAPTURES if c.stat().st_size > 200_000]


@pytest.mark.parametrize("cap", BIG, ids=[stem(c) for c in BIG])
def test_compiled_pieces_analyse_like_the_whole(cap: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TCPSCOPE_JIT", "always")
    pieces_analyse_like_the_whole(cap, 1000)
