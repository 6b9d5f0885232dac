"""The analysis state stays bounded on a stream of short connections, and retiring its rows
changes nothing on it (``tcpscope.analysis.state``).

The stream is ``bench/short_connections.py``'s: ten-packet connections one after the
other, the client's ports coming back with new initial sequence numbers. Fed a piece at
a time to one :class:`~tcpscope.analysis.TcpAnalyzer`, every analysis column must equal
the one-pass analysis of the whole capture (which retires nothing), and the state's
arrays (their bytes, not the process's memory, so that the test is deterministic) must
stop growing once the capture is longer than the time a closed conversation is kept.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tcpscope._jit import job
from tcpscope.analysis import ANALYSIS_COLUMNS, TcpAnalyzer, analyze
from tcpscope.analysis.layout import A_REUSED_PORTS
from tcpscope.analysis.state import CLOSED_QUIET_NS, SequenceState
from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect

ROOT = Path(__file__).resolve().parents[2]
PIECE = 4096


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("short_connections", ROOT / "bench" / "short_connections.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _stream(tmp_path: Path, packets: int, gap_us: int, ports: int) -> Path:
    path = tmp_path / f"short-{packets}-{gap_us}-{ports}.pcap"
    with open(path, "wb") as fh:
        _generator().write(fh, packets, gap_us, ports)
    return path


def _in_pieces(path: Path, analyzer: TcpAnalyzer, piece: int) -> tuple[dict[str, np.ndarray], list[tuple[int, int]]]:
    """The analysis columns of every tcp row, fed ``piece`` frames at a time, and after
    each piece the state's bytes and its conversation slots in use."""
    records = read_records(str(path))
    parts: list[dict[str, np.ndarray]] = []
    sizes = []
    with job(len(records)):
        for lo in range(0, len(records), piece):
            table = analyzer.feed(dissect(records.frames(lo, min(len(records), lo + piece))))
            parts.append({k: np.asarray(v) for k, v in table.layer("tcp").cols.items()})
            sizes.append((analyzer.state.nbytes, analyzer.state.slots))
    return {name: np.concatenate([p[name] for p in parts]) for name in ANALYSIS_COLUMNS}, sizes


def _whole(path: Path) -> dict[str, np.ndarray]:
    records = read_records(str(path))
    with job(len(records)):
        tcp = analyze(dissect(records)).layer("tcp")
    return {name: np.asarray(tcp.cols[name]) for name in ANALYSIS_COLUMNS}


# 30,000 packets 40 ms apart (3,000 connections): 1,200 s of capture, five times what a
# closed conversation is kept. 300 ports come back every 120 s, before their conversation
# retires (the new SYN replaces it); 1,000 ports every 400 s, after (the retired record
# decides).
PACKETS, GAP_US, CONNECTIONS = 30_000, 40_000, 3_000


@pytest.mark.parametrize("ports", [300, 1000])
def test_pieces_with_retirement_analyse_like_the_whole(tmp_path: Path, ports: int) -> None:
    path = _stream(tmp_path, PACKETS, GAP_US, ports)
    analyzer = TcpAnalyzer()
    got, sizes = _in_pieces(path, analyzer, PIECE)
    want = _whole(path)
    for name in ANALYSIS_COLUMNS:
        assert np.array_equal(got[name], want[name]), name
    assert analyzer.state.conversations == CONNECTIONS == int(want["stream"].max()) + 1
    assert int(np.count_nonzero(want["aflags"] & A_REUSED_PORTS)) == CONNECTIONS - ports  # on every reuse
    # the arrays stop growing: the second half of the capture adds no byte to the state
    half = len(sizes) // 2
    assert max(b for b, _ in sizes[half:]) == sizes[half][0], sizes
    # and what is in use is what the last 2 MSL brought, at most doubled (the retire rule)
    live_conversations = CLOSED_QUIET_NS // (10 * GAP_US * 1000) + PIECE // 10
    assert analyzer.state.slots <= 2 * live_conversations


def test_state_without_retirement_grows(tmp_path: Path) -> None:
    """The same stream with nothing ever retired and no port used twice: the state grows
    with the capture (so the bound above is retirement's doing)."""
    path = _stream(tmp_path, PACKETS, GAP_US, CONNECTIONS)
    analyzer = TcpAnalyzer()
    never = 1 << 62
    analyzer.state = SequenceState(closed_quiet_ns=never, idle_quiet_ns=never)
    _, sizes = _in_pieces(path, analyzer, PIECE)
    assert sizes[-1][1] == CONNECTIONS and sizes[-1][0] > sizes[len(sizes) // 4][0]


def test_revived_conversation_keeps_stream_and_numbers(tmp_path: Path) -> None:
    """docs/deviations.md, "Retired conversations": a frame of a conversation retired
    (here every conversation, at the end of every piece) gets its stream number, relative
    numbers and window back; only the rest of the analysis starts over."""
    path = _stream(tmp_path, 200, 1000, 5)
    analyzer = TcpAnalyzer()
    at_once = -(1 << 62)  # shorter than any quiet, even one that goes back in time
    analyzer.state = SequenceState(closed_quiet_ns=at_once, idle_quiet_ns=at_once, eager=True)
    got, _ = _in_pieces(path, analyzer, 3)
    want = _whole(path)
    for name in ("stream", "seq", "ack", "nxtseq", "window_size", "window_size_scalefactor"):
        assert np.array_equal(got[name], want[name]), name
    assert not np.array_equal(got["time_relative"], want["time_relative"])  # what the deviation costs


@pytest.mark.tshark
def test_stream_through_the_cli_matches_tshark(tmp_path: Path, tshark: str) -> None:
    """The CLI's pieces (16,384 frames: 655 s here) retire the conversations of the first
    87 s before the second piece, where their ports come back (2,000 ports: after 800 s);
    its analysis fields are still tshark's, byte for byte."""
    import subprocess

    from compare import run_cli

    path = _stream(tmp_path, PACKETS, GAP_US, 2000)
    fields = ("frame.number", "tcp.stream", "tcp.completeness", "tcp.seq", "tcp.ack", "tcp.time_relative",
              "tcp.analysis.acks_frame", "tcp.analysis.ack_rtt", "tcp.analysis.bytes_in_flight",
              "tcp.analysis.flags", "tcp.analysis.reused_ports", "_ws.expert.message")
    args = [a for f in fields for a in ("-e", f)]
    want = subprocess.run([tshark, "-n", "-r", str(path), "-T", "fields", "-E", "header=y", *args],
                          capture_output=True, text=True, check=True).stdout
    got = run_cli("fields", str(path), "-E", "header=y", *args)
    assert len(want.splitlines()) == PACKETS + 1
    bad = [(w, g) for w, g in zip(want.splitlines(), got.splitlines(), strict=True) if w != g]
    assert bad == [], bad[:3]
