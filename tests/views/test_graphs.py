"""The stream graphs' data (:mod:`tcpscope.views.graphs`) against tcptrace and tshark.

``tcptrace -S -zxy`` writes each connection's time-sequence graph (an xplot file per
direction, times from the connection's first frame, sequence numbers from its ISN): the
segments with data (white, or red when retransmitted), the ACK line's steps (green) and
the window line's (yellow) must be exactly our segments, ACK and window series, to the
microsecond tcptrace prints. The RTT series is tshark's ``tcp.analysis.ack_rtt``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from make_golden_stats import CAPTURES

import tcpscope
from tcpscope.views.graphs import DirectionGraphs, Series, all_graphs, stream_graphs

#: Captures of at most 13 connections (tcptrace names them a2b ... y2z), with losses,
#: retransmissions, zero windows, resets and a reused port
TCPTRACE = ("http-get.pcap", "lossy-seed7.pcap", "own-lossy-seed11.pcap", "own-port-reuse.pcap",
            "own-zero-window.pcap", "zeek-tcp-retransmit-fast009.pcap")

needs_tcptrace = pytest.mark.skipif(shutil.which("tcptrace") is None, reason="tcptrace is not installed")


def _xplot(path: Path) -> dict[str, set[tuple[str, int, int]]]:
    """An xplot file's vertical lines by colour: (time, from, to)."""
    colour, out = "", {}
    for line in path.read_text().splitlines():
        words = line.split()
        if len(words) == 1:
            colour = words[0]
        elif words and words[0] == "line" and words[1] == words[3]:
            out.setdefault(colour, set()).add((words[1], int(words[2]), int(words[4])))
    return out


def _at(t: int, first: int) -> str:
    return f"{(t - first) / 1e9:.6f}"


def _steps(series: Series, first: int, climbing: bool) -> set[tuple[str, int]]:
    """Where a line moves to a new value (the ACK line only climbs)."""
    out, prev = set(), None
    for t, v in zip(series.time_ns.tolist(), series.value.tolist(), strict=True):
        if prev is not None and v != prev and (v > prev or not climbing):
            out.add((_at(t, first), v))
        prev = v if prev is None or not climbing else max(prev, v)
    return out


@needs_tcptrace
@pytest.mark.parametrize("name", TCPTRACE)
def test_time_sequence_as_tcptrace_draws_it(name: str, tmp_path: Path) -> None:
    graphs = all_graphs(tcpscope.open(CAPTURES / name).table)
    subprocess.run(["tcptrace", "-S", "-zxy", str(CAPTURES / name)], cwd=tmp_path, capture_output=True, check=True)
    assert len(graphs) <= 13
    for k, (stream, pair) in enumerate(sorted(graphs.items())):
        first = min(int(g.segments.time_ns[0]) for g in pair if len(g.segments))
        a, b = chr(ord("a") + 2 * k), chr(ord("a") + 2 * k + 1)
        for g, file in zip(pair, (f"{a}2{b}_tsg.xpl", f"{b}2{a}_tsg.xpl"), strict=True):
            lines = _xplot(tmp_path / file)
            data = {(t, lo, hi) for colour in ("white", "red") for t, lo, hi in lines.get(colour, ()) if hi > lo}
            ours = {(_at(t, first), s, e) for t, s, e in zip(g.segments.time_ns.tolist(), g.segments.value.tolist(),
                                                             g.segment_end.tolist(), strict=True) if e > s}
            assert ours == data, (stream, g.direction)
            for colour, series, climbing in (("green", g.acks, True), ("yellow", g.window_edge, False)):
                theirs = {(t, hi) for t, lo, hi in lines.get(colour, ()) if hi != lo}
                assert _steps(series, first, climbing) == theirs, (stream, g.direction, colour)


def test_rtt_is_tsharks_ack_rtt() -> None:
    name = "lossy-seed7.pcap"
    graphs = all_graphs(tcpscope.open(CAPTURES / name).table)
    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed")
    out = subprocess.run(["tshark", "-r", str(CAPTURES / name), "-Y", "tcp.analysis.ack_rtt", "-T", "fields",
                          "-e", "frame.number", "-e", "tcp.stream", "-e", "tcp.analysis.ack_rtt"],
                         capture_output=True, text=True, check=True).stdout
    theirs = {(int(f), int(s), round(float(r) * 1e9)) for f, s, r in (line.split("\t") for line in out.splitlines())}
    ours = {(f, s, v) for s, pair in graphs.items() for g in pair
            for f, v in zip(g.rtt.frame.tolist(), g.rtt.value.tolist(), strict=True)}
    assert ours == theirs


def test_one_stream_is_its_part_of_all() -> None:
    table = tcpscope.open(CAPTURES / "own-port-reuse.pcap").table
    every = all_graphs(table)
    for stream, pair in every.items():
        for mine, whole in zip(stream_graphs(table, stream), pair, strict=True):
            assert _flat(mine) == _flat(whole)
    assert [len(g.segments) for g in stream_graphs(table, 999)] == [0, 0]


def _flat(g: DirectionGraphs) -> list[list[int]]:
    out = [g.segment_end.tolist(), g.segment_len.tolist()]
    for s in (g.segments, g.acks, g.window_edge, g.rtt, g.receive_window):
        out += [s.time_ns.tolist(), s.frame.tolist(), s.value.tolist()]
    return out


def test_throughput_and_moving_average() -> None:
    client, server = stream_graphs(tcpscope.open(CAPTURES / "lossy-seed7.pcap").table, 0)
    starts, sent = server.throughput(100_000_000)
    assert int(sent.sum()) == int(server.segment_len.sum()) > 0
    assert np.all(np.diff(starts) == 100_000_000) and starts[0] == server.segments.time_ns[0]
    t = server.segments.time_ns
    whole = int(t[-1] - t[0]) + 1
    average = server.moving_average(whole)
    assert average.value[-1] == int(server.segment_len.sum()) * 8 * 1_000_000_000 // whole
    assert len(average) == len(server.segments)
    assert client.throughput(0)[0].shape == (0,)
