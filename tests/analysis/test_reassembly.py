"""Stream reassembly (``tcpscope.analysis.reassembly``): the receiver's view of each direction.

Hypothesis builds one connection whose client sends a random byte string in segments
cut anywhere, with copies of random parts of it (retransmissions, overlaps, keep-alive
bytes; a copy may carry other bytes than the first: the first copy wins), parts never
sent (gaps), segments cut by the snapshot length, all in any order, from any initial
sequence number (wrap-around included). The reassembled bytes and gaps must be what a
byte-by-byte simulation of "first captured copy wins" gives, the same whole and a few
frames a piece at a time, compiled and not.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from compare import CAPTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tcp_craft import ACK, NS, PSH, SYN, Frame, tcp4, write_pcap

import tcpscope
import tcpscope.pipeline.stream as stream_mod
from tcpscope.analysis import reassembly
from tcpscope.analysis.follow import FollowFeed, follow_chunks
from tcpscope.analysis.reassembly import Reassembler, range_bytes, reassemble
from tcpscope.table.packets import PacketTable

CLIENT, SERVER = ("10.0.0.1", 40000), ("10.0.0.2", 80)
T0 = 1_700_000_000 * NS


@pytest.fixture(params=["never", "always"])
def jit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TCPSCOPE_JIT", request.param)
    return str(request.param)


class Plan:
    """A connection to build: the client's initial sequence number and its segments in
    arrival order, each (stream offset, bytes sent, bytes captured)."""

    def __init__(self, isn: int, segments: list[tuple[int, bytes, int]]) -> None:
        self.isn = isn
        self.segments = segments

    def frames(self) -> list[Frame]:
        isn_s = 7_000
        out = [
            Frame(T0, tcp4(*_addr(CLIENT, SERVER), self.isn, flags=SYN)),
            Frame(T0 + 1000, tcp4(*_addr(SERVER, CLIENT), isn_s, ack=self.isn + 1, flags=SYN | ACK)),
            Frame(T0 + 2000, tcp4(*_addr(CLIENT, SERVER), self.isn + 1, ack=isn_s + 1)),
        ]
        for k, (offset, data, captured) in enumerate(self.segments):
            packet = tcp4(*_addr(CLIENT, SERVER), self.isn + 1 + offset, ack=isn_s + 1, flags=PSH | ACK, payload=data)
            cut = len(data) - captured
            out.append(Frame(T0 + (k + 3) * 1000, packet[: len(packet) - cut], orig_len=len(packet)))
        return out

    def expected(self) -> tuple[bytes, list[tuple[int, int]], int]:
        """By simulation: the bytes from offset 0 (first captured copy wins; None where
        none), and the gaps as (offset, size), and the extent."""
        end = max((o + len(d) for o, d, _ in self.segments), default=0)
        got: list[int | None] = [None] * end
        for offset, data, captured in self.segments:
            for i in range(captured):
                if got[offset + i] is None:
                    got[offset + i] = data[i]
        gaps = []
        i = 0
        while i < end:
            if got[i] is None:
                j = i
                while j < end and got[j] is None:
                    j += 1
                gaps.append((i, j - i))
                i = j
            else:
                i += 1
        return bytes(b for b in got if b is not None), gaps, end


def _addr(a: tuple[str, int], b: tuple[str, int]) -> tuple[str, str, int, int]:
    return a[0], b[0], a[1], b[1]


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    data = draw(st.binary(min_size=1, max_size=2500))
    n = len(data)
    cuts = sorted(draw(st.sets(st.integers(1, n - 1), max_size=12))) if n > 1 else []
    bounds = [0, *cuts, n]
    parts = [(a, b) for a, b in itertools.pairwise(bounds) if b - a <= 1400]
    # parts longer than a frame would hold are split in two
    for a, b in itertools.pairwise(bounds):
        if b - a > 1400:
            parts += [(a, a + 1400), (a + 1400, b)]
    # some parts never sent (gaps), some sent again or overlapped by another copy
    lost = draw(st.sets(st.integers(0, len(parts) - 1), max_size=2))
    segments = [(a, data[a:b], b - a) for k, (a, b) in enumerate(parts) if k not in lost]
    for _ in range(draw(st.integers(0, 4))):
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(a + 1, min(n, a + 1400)))
        other = draw(st.booleans())
        copy = bytes(x ^ 0x5A for x in data[a:b]) if other else data[a:b]
        segments.append((a, copy, b - a))
    # some segments cut by the snapshot length
    cut_at = draw(st.sets(st.integers(0, len(segments) - 1), max_size=2)) if segments else set()
    segments = [(a, d, draw(st.integers(0, len(d) - 1)) if k in cut_at else len(d))
                for k, (a, d, _) in enumerate(segments)]
    order = draw(st.permutations(range(len(segments))))
    isn = draw(st.one_of(st.integers(0, 2**32 - 1), st.sampled_from([2**32 - 1, 2**32 - 700, 0])))
    return Plan(isn, [segments[k] for k in order])


def _client_direction(table: PacketTable) -> int:
    tcp = table.layer("tcp")
    return int(np.asarray(tcp.cols["_flow"])[0])


def _check(plan: Plan, path: Path) -> None:
    expected, gaps, _ = plan.expected()
    table = tcpscope.open(path).table
    client = _client_direction(table)
    whole = reassemble(table)
    mine = whole.ranges.take(np.flatnonzero(whole.ranges.direction == client))
    assert (np.diff(mine.offset) > 0).all()
    assert range_bytes(table, mine) == expected
    got_gaps = [(int(o), int(s)) for o, s, d in zip(whole.gaps.offset, whole.gaps.size, whole.gaps.direction,
                                                    strict=True) if d == client]
    assert got_gaps == gaps
    cut = sorted((int(o), int(s)) for o, s in zip(whole.cuts.offset, whole.cuts.size, strict=True))
    assert cut == sorted((o + c, len(d) - c) for o, d, c in plan.segments if c < len(d))
    # two frames a piece, the pool of intervals compacted at every piece: the same bytes and gaps
    pieces: list[tuple[int, bytes]] = []
    r = Reassembler()
    with mock.patch.object(stream_mod, "PIECE_FRAMES_ANALYSED", 2), mock.patch.object(reassembly, "COMPACT_SLACK", 0):
        for piece in tcpscope.scan(path):
            ranges = r.feed(piece.table).ranges
            for i in np.flatnonzero(ranges.direction == client).tolist():
                pieces.append((int(ranges.offset[i]), range_bytes(piece.table, ranges.take(np.array([i])))))
    assert b"".join(b for _, b in sorted(pieces)) == expected
    g = r.gaps()
    assert [(int(o), int(s)) for o, s, d in zip(g.offset, g.size, g.direction, strict=True) if d == client] == gaps


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plans())
def test_any_segmentation_and_order(plan: Plan, tmp_path_factory: pytest.TempPathFactory, jit: str) -> None:
    path = write_pcap(tmp_path_factory.mktemp("r") / "plan.pcap", plan.frames())
    _check(plan, path)


def _segments_in_order(data: bytes, size: int) -> Iterator[tuple[int, bytes, int]]:
    for a in range(0, len(data), size):
        yield a, data[a:a + size], len(data[a:a + size])


def test_wraps_past_two_to_the_32(tmp_path: Path, jit: str) -> None:
    """Offsets keep growing when the sequence numbers wrap."""
    data = bytes(range(256)) * 20
    plan = Plan(2**32 - 3000, list(_segments_in_order(data, 1000)))
    _check(plan, write_pcap(tmp_path / "wrap.pcap", plan.frames()))


def test_ranges_point_into_the_frames(tmp_path: Path) -> None:
    """A range's frame offset is where its bytes are in the frame's captured bytes."""
    plan = Plan(100, [(0, b"hello ", 6), (6, b"world", 5)])
    table = tcpscope.open(write_pcap(tmp_path / "p.pcap", plan.frames())).table
    ranges = reassemble(table).ranges
    for i in range(len(ranges)):
        frame = table.frame_bytes(int(ranges.frame[i]) - 1)
        at = int(ranges.frame_offset[i])
        assert frame[at:at + int(ranges.length[i])] == [b"hello ", b"world"][i]
    assert ranges.offset.tolist() == [0, 6]
    assert ranges.stream.tolist() == [0, 0]


@pytest.mark.parametrize("name", ["lossy-seed7.pcap", "own-zero-window.pcap", "tls-dns.pcap"])
def test_test_captures_have_no_missed_bytes_but_known_ones(name: str, jit: str) -> None:
    """The lossy link's losses were all retransmitted, keep-alive bytes are old bytes: each
    direction's bytes are whole (no gap), and compiled equals uncompiled."""
    path = CAPTURES / name
    table = tcpscope.open(path).table
    whole = reassemble(table)
    assert len(whole.gaps) == 0
    # with nothing missed, tshark's follow prints the same bytes, node by node
    for s in np.unique(whole.ranges.stream).tolist():
        followed = _follow_bytes(table, s)
        for d in (0, 1):
            sel = np.flatnonzero((whole.ranges.stream == s) & (whole.ranges.direction == d))
            assert range_bytes(table, whole.ranges.take(sel)) in followed | {b""}


def _follow_bytes(table: PacketTable, stream: int) -> set[bytes]:
    """Each node's bytes as tshark's follow prints them (markers left out)."""
    tcp = table.layer("tcp")
    feed = FollowFeed()
    feed.add(table, np.asarray(tcp.cols["stream"]) == stream)
    chunks = follow_chunks(feed.segments())
    return {b"".join(chunks.data(i) for i in range(len(chunks)) if chunks.node[i] == n and chunks.missing[i] == 0)
            for n in (0, 1)}


def test_reassembled_ip_datagrams() -> None:
    """Segments in reassembled IPv4 datagrams: their bytes are in the table's second buffer,
    with no offset in a frame, and read as the follow prints them."""
    table = tcpscope.open(CAPTURES / "craft-ipv4-frags.pcap").table
    whole = reassemble(table)
    assert len(whole.ranges) == 5
    assert (whole.ranges.buf == 1).all()
    assert (whole.ranges.frame_offset == -1).all()
    for i in range(len(whole.ranges)):
        assert range_bytes(table, whole.ranges.take(np.array([i]))) in _follow_bytes(table, int(whole.ranges.stream[i]))


def test_snap_length_cuts_are_noted_and_missed() -> None:
    """Segments cut by the snapshot length: each cut is noted where it is, and the cut
    bytes no other copy brought are gaps."""
    table = tcpscope.open(CAPTURES / "craft-tcp-truncated.pcap").table
    whole = reassemble(table)
    cuts = list(zip(whole.cuts.stream.tolist(), whole.cuts.offset.tolist(), whole.cuts.size.tolist(), strict=True))
    assert cuts == [(4, 4, 20)]
    gaps = list(zip(whole.gaps.stream.tolist(), whole.gaps.offset.tolist(), whole.gaps.size.tolist(), strict=True))
    assert (4, 4, 20) in gaps
