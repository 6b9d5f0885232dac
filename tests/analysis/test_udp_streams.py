"""``udp.stream``, ``udp.time_relative`` and ``udp.time_delta`` (tcpscope.analysis.udp):
packet-udp.c's rules on a hand-made capture, tshark's values on generated ones, and a
capture fed in pieces numbered and timed as the whole."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from compare import run_tcpscope
from tcp_craft import NS, Frame, write_pcap
from udp_craft import udp4, udp_capture

import tcpscope
from tcpscope.analysis import TcpAnalyzer, analyze
from tcpscope.analysis.udp import UDP_COLUMNS
from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect

FIELDS = ("frame.number", "udp.stream", "udp.time_relative", "udp.time_delta")


def _fields(path: Path) -> list[tuple[object, ...]]:
    table = tcpscope.open(str(path)).packets.select(*FIELDS).to_arrow().to_pylist()
    return [tuple(row[f] for f in FIELDS) for row in table]


def test_streams_in_order_of_first_appearance_and_times_of_datagrams_with_a_payload(tmp_path: Path) -> None:
    """A new number per unordered endpoint pair, in order of first appearance; the times
    count from the conversation's first datagram (even an empty one) and from its previous
    datagram with a payload; an empty datagram (length 8) has no times; a length under 8
    ends the dissection before the lookup."""
    t0 = 1_700_000_000 * NS
    cap = write_pcap(tmp_path / "u.pcap", [
        Frame(t0, udp4("10.0.0.1", "10.0.0.2", (5000, 53), b"")),          # stream 0, created empty
        Frame(t0 + 1 * NS, udp4("10.0.0.2", "10.0.0.1", (53, 5000), b"x")),  # 0, the other direction
        Frame(t0 + 2 * NS, udp4("10.0.0.3", "10.0.0.1", (53, 5000), b"x")),  # 1
        Frame(t0 + 3 * NS, udp4("10.0.0.1", "10.0.0.2", (5000, 53), b"")),   # 0, empty: no times
        Frame(t0 + 4 * NS, udp4("10.0.0.1", "10.0.0.2", (5000, 53), b"x", ulen=7)),  # bogus length: no conversation
        Frame(t0 + 6 * NS, udp4("10.0.0.1", "10.0.0.2", (5000, 53), b"yy")),  # 0
    ])
    def s(n: int) -> timedelta:
        return timedelta(seconds=n)

    assert _fields(cap) == [
        (1, 0, None, None),
        (2, 0, s(1), s(1)),
        (3, 1, s(0), s(0)),
        (4, 0, None, None),
        (5, None, None, None),
        (6, 0, s(6), s(5)),
    ]


@pytest.mark.parametrize("piece", [1, 7, 64])
def test_pieces_number_and_time_like_the_whole(tmp_path: Path, piece: int) -> None:
    records = read_records(str(udp_capture(tmp_path / "u.pcap", n=300, seed=piece)))
    whole = analyze(dissect(records)).layer("udp")
    analyzer = TcpAnalyzer()
    parts = []
    for lo in range(0, len(records), piece):
        parts.append(analyzer.feed(dissect(records.frames(lo, min(len(records), lo + piece)))).layer("udp").cols)
    for name in UDP_COLUMNS:
        got = np.concatenate([np.asarray(c[name]) for c in parts if name in c])
        assert np.array_equal(got, np.asarray(whole.cols[name])), name
    assert analyzer.udp.conversations == int(np.asarray(whole.cols["stream"]).max()) + 1


@pytest.mark.tshark
@pytest.mark.parametrize("seed", [1, 2])
def test_streams_and_times_match_tshark(tmp_path: Path, seed: int, tshark: str) -> None:
    cap = udp_capture(tmp_path / "u.pcap", n=400, seed=seed)
    args = [a for f in FIELDS for a in ("-e", f)]
    want = subprocess.run([tshark, "-r", str(cap), "-T", "fields", *args], capture_output=True, check=True).stdout
    got = run_tcpscope("fields", str(cap), *args)
    assert (got.stdout, got.status) == (want.decode("utf-8"), 0)
