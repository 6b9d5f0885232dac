"""The packet list written by the kernel (views.packet_list ``kernel_bytes``) is the
column-wise list (``packet_text``, which tests/views/test_golden_list.py compares with
tshark line by line), byte for byte, compiled and not: on captures that hold between them
every part of a line (HTTP, TLS and DNS above TCP with their marks, analysis prefixes and
duplicate ACKs, every plain option and SACK blocks, the rarer options, cut and malformed
headers, MPTCP, AccECN, urgent pointers, frames without TCP, time precisions, a capture
without time stamps' precision of microseconds), on some frames of a capture (a display
filter's), and on a capture read a piece at a time."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from compare import CAPTURES

from tcpscope.analysis import TcpAnalyzer, analyze
from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect
from tcpscope.pipeline.stream import pieces
from tcpscope.table.packets import PacketTable
from tcpscope.views.packet_list import kernel_bytes, packet_bytes, packet_text

SOME = ["craft-tcp-badopts.pcap", "craft-tcp-options.pcap", "craft-tcp-header.pcap", "craft-tcp-accecn.pcap",
        "craft-pcapng-snaplen.pcapng", "craft-pcapng-fcs.pcapng", "craft-pcapng-tsresol.pcapng",
        "zeek-tcp-retransmit-fast009.pcap", "zeek-tcp-option-sack.pcap", "zeek-tcp-rst-inject-rae.pcap",
        "zeek-communityid-ipv6.pcap", "zeek-ipv6-hbh-routing0.pcap", "zeek-linux_dlt_sll2.pcap", "tls-dns.pcap",
        "http-eth.pcap", "zeek-http-pipelined-requests.pcap", "bad/bad-tcp-offset.pcap"]


@pytest.fixture(params=["never", "always"])
def jit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("TCPSCOPE_JIT", request.param)
    yield request.param


def _text(table: PacketTable, frames: np.ndarray | None = None) -> bytes:
    lines = packet_text(table, frames).tolist()
    return ("\n".join(lines) + "\n").encode() if lines else b""


@pytest.mark.parametrize("name", SOME)
def test_kernel_writes_the_column_wise_list(name: str, jit: str) -> None:
    table = analyze(dissect(read_records(CAPTURES / name)))
    assert kernel_bytes(table) == _text(table)
    assert packet_bytes(table) == _text(table)  # (the small-capture path, or the kernel under "always")


def test_kernel_on_some_frames(jit: str) -> None:
    table = analyze(dissect(read_records(CAPTURES / "tls-dns.pcap")))
    frames = np.arange(1, table.n, 3, dtype=np.int64)
    assert kernel_bytes(table, frames) == _text(table, frames)
    assert kernel_bytes(table, frames[:0]) == b""


def test_kernel_on_pieces() -> None:
    """A piece numbers its frames and times from the capture's first, and its HTTP framing
    is the one carried over the pieces."""
    records = read_records(CAPTURES / "http-eth.pcap")
    analyzer = TcpAnalyzer(http=True)
    got = b"".join(kernel_bytes(analyzer.feed(piece)) for piece in pieces(records, 7))
    assert got == _text(analyze(dissect(records)))


@pytest.mark.parametrize("name", ["tls-dns.pcap", "zeek-http-pipelined-requests.pcap"])
def test_claimed_ids_are_the_claimed_rows(name: str) -> None:
    """The kernel's claimed rows as pool ids (``claimed_ids``), put together as the kernel
    does (the segment's own text or the analysis prefixes, then the text and the suffix),
    are the Protocol and Info of the list's string columns (``claimed_rows``), row for row."""
    from tcpscope.views.info_columns import claimed_rows, tcp_info_column
    from tcpscope.views.info_parts import claimed_ids, tcp_parts

    table = analyze(dissect(read_records(CAPTURES / name)))
    parts = tcp_parts(table)
    pool: dict[str, int] = {}

    def ids_of(texts: np.ndarray) -> np.ndarray:
        return np.array([pool.setdefault(t, len(pool)) for t in texts.tolist()], dtype=np.int64)

    got = claimed_ids(table, parts, ids_of)
    tinfo = tcp_info_column(table)
    want = claimed_rows(table, tinfo)
    texts = np.array([*pool, ""], dtype=object)  # (-1: the empty text)
    rows = np.flatnonzero(want.claimed)
    assert rows.shape[0] and np.array_equal(got.claimed, want.claimed)
    assert np.array_equal(got.own, ~got.pfx & got.claimed)
    assert texts[got.proto[rows]].tolist() == want.proto[rows].tolist()
    head = np.where(got.own[rows], tinfo.text[rows], tinfo.prefix[rows]).tolist()
    text, suffix = texts[got.text[rows]].tolist(), texts[got.suffix[rows]].tolist()
    info = [h + t + s for h, t, s in zip(head, text, suffix, strict=True)]
    assert info == want.info[rows].tolist()
