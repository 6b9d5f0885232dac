"""TLS records and DNS over TCP (tcpscope.analysis.tls_frames, tls, dns): the TLS and DNS
fields, the Protocol column and frame.protocols of the captures with TLS or DNS over TCP
cell by cell against tshark 4.0.17 (recorded in tests/golden/expected/*.app-fields.tsv
by tests/golden/make_golden_app.py, and live where tshark is installed); the framing
compiled and not, and
a capture in pieces framed as whole; hostile bytes read in bounded time, never raising.
(The packet list's lines are compared by tests/views/test_golden_list.py.)"""

from __future__ import annotations

import itertools
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from compare import CAPTURES, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from make_golden_app import APP_FIELDS, CAPTURES_ABOVE_TCP, KIND
from tcp_craft import ACK, NS, PSH, SYN, Frame, tcp4, write_pcap
from tls_dns_craft import EXCHANGES, recorded, tshark_outputs, write_exchange

import tcpscope
from tcpscope.analysis import TcpAnalyzer
from tcpscope.analysis.tls import TlsSession
from tcpscope.capture import read_records
from tcpscope.dissect.dns import parse_dns
from tcpscope.dissect.pipeline import dissect
from tcpscope.pipeline.stream import pieces
from tcpscope.views.packet_list import packet_lines

CAPTURE = CAPTURES / "tls-dns.pcap"
T0 = 1_700_000_000 * NS
_X509 = "tshark dissects the certificates' X.509 items (x509sat, x509ce)"
_CUT = "a snap-length cut segment on port 443: tshark's TLS reads it without reassembly (SSL Continuation Data)"
#: capture -> (frame, field) cells that differ, and why (docs/deviations.md)
DECLARED = {
    "tls-dns.pcap": {(13, "frame.protocols"): _X509},
    "craft-tcp-truncated.pcap": {(40, "_ws.col.Protocol"): _CUT, (40, "frame.protocols"): _CUT},
}


def _args() -> list[str]:
    return [a for f in APP_FIELDS for a in ("-e", f)]


def cell_diffs(want: list[str], got: list[str], declared: dict[tuple[int, str], str]) -> list[str]:
    """Every cell that differs undeclared, and every declared cell that agrees (stale)."""
    out = []
    if len(want) != len(got):
        out.append(f"{len(want)} rows from tshark, {len(got)} from tcpscope")
    header = want[0].split("\t")
    for a, b in zip(want[1:], got[1:], strict=False):
        ca, cb = a.split("\t"), b.split("\t")
        for name, x, y in zip(header, ca, cb, strict=True):
            cell = (int(ca[0]), name)
            if cell in declared:
                if x == y:
                    out.append(f"frame {cell[0]} {name}: declared ({declared[cell]}) but equal: stale")
            elif x != y:
                out.append(f"frame {cell[0]} {name}: tshark {x!r}, tcpscope {y!r}")
    return out


def _ours(name: str) -> list[str]:
    return run_cli("fields", str(CAPTURES / name), *_args(), "-E", "header=y").splitlines()


def _golden(name: str) -> list[str]:
    return (CAPTURES.parent / "expected" / f"{name}.{KIND}").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("name", CAPTURES_ABOVE_TCP)
def test_fields_match_tshark_golden(name: str) -> None:
    assert cell_diffs(_golden(name), _ours(name), DECLARED.get(name, {})) == []


@pytest.mark.tshark
@pytest.mark.parametrize("name", CAPTURES_ABOVE_TCP)
def test_fields_match_tshark_live(name: str, tshark: str) -> None:
    want = subprocess.run([tshark, "-r", str(CAPTURES / name), "-T", "fields", "-E", "header=y", *_args()],
                          capture_output=True, check=True).stdout.decode("utf-8").splitlines()
    assert cell_diffs(want, _ours(name), DECLARED.get(name, {})) == []


def test_a_changed_cell_fails() -> None:
    """The comparison can fail: a corrupted cell is reported, a declared cell that agrees is stale."""
    want = _golden("tls-dns.pcap")
    bad = [*want[:125], want[125].replace("0x0002", "0x0003"), *want[126:]]
    assert any("dns.id" in d for d in cell_diffs(want, bad, {}))
    fixed = [line.replace(":x509sat:x509sat:x509ce:x509ce:x509ce", "") for line in want]
    assert any("stale" in d for d in cell_diffs(fixed, fixed, DECLARED["tls-dns.pcap"]))


def _crafted(name: str, tmp_path: Path) -> tuple[list[str], list[str]]:
    """tcpscope's packet list and fields of a crafted exchange (tls_dns_craft)."""
    path = write_exchange(name, tmp_path / f"{name}.pcap")
    listing = run_cli("list", str(path)).splitlines()
    return listing, run_cli("fields", str(path), *_args(), "-E", "header=y").splitlines()


@pytest.mark.parametrize("name", sorted(EXCHANGES))
def test_crafted_exchanges_match_tshark_recorded(name: str, tmp_path: Path) -> None:
    """Records and messages split, joined, fenced, cut in their header, of every content
    type: the list line by line and the fields cell by cell, as tshark printed them."""
    listing, fields = _crafted(name, tmp_path)
    want = recorded()
    assert listing == want[name, "list"]
    assert cell_diffs(want[name, "fields"], fields, {}) == []


@pytest.mark.tshark
@pytest.mark.parametrize("name", sorted(EXCHANGES))
def test_crafted_exchanges_match_tshark_live(name: str, tmp_path: Path, tshark: str) -> None:
    listing, fields = _crafted(name, tmp_path)
    want_list, want_fields = tshark_outputs(tshark, tmp_path / f"{name}.pcap")
    assert listing == want_list
    assert cell_diffs(want_fields, fields, {}) == []


@pytest.mark.parametrize("mode", ["never", "always"])
def test_pieces_and_kernel_modes_frame_as_whole(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The list read 5 frames at a time (the state carried by one analyzer), compiled or
    not, is the list of the whole capture."""
    monkeypatch.setenv("TCPSCOPE_JIT", mode)
    whole = run_cli("list", str(CAPTURE)).splitlines()
    analyzer = TcpAnalyzer(http=True)
    got = [line for piece in pieces(read_records(CAPTURE), 5)
           for line in packet_lines(analyzer.feed(piece))]
    assert got == whole


_NAME = b"\x07example\x03com\x00"


@settings(max_examples=150, deadline=None)
@given(st.one_of(
    st.binary(max_size=600),
    st.builds(lambda tail: b"\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + _NAME + b"\x00\x01\x00\x01" + tail,
              st.binary(max_size=80)),
    st.builds(lambda n: b"\x00\x01\x01\x00\xff\xff\x00\x00\x00\x00\x00\x00" + b"\xc0\x0c" * n, st.integers(0, 3000)),
))
def test_hostile_dns_is_bounded(data: bytes) -> None:
    """Any bytes: a message or a malformed flag, never an exception, in bounded time
    (pointer loops, counts larger than the message)."""
    began = time.perf_counter()
    msg = parse_dns(data)
    assert time.perf_counter() - began < 1
    assert msg.malformed or msg.text is None or msg.text.startswith(("Standard", "Unknown", "Inverse"))


def test_dns_pointer_loop_is_malformed() -> None:
    loop = b"\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01"
    assert parse_dns(loop).malformed


def test_dns_answer_text() -> None:
    """tshark's Info of a response: the question, then each answer's type and address."""
    msg = (b"\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + _NAME + b"\x00\x01\x00\x01"
           + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\x01\x02\x03\x04")
    got = parse_dns(msg)
    assert got.text == "Standard query response 0x1234 A example.com A 1.2.3.4"
    assert [r.ttl for r in got.records] == [3600]


@settings(max_examples=150, deadline=None)
@given(ct=st.integers(20, 25), body=st.binary(max_size=400), side=st.integers(0, 1))
def test_hostile_tls_records_never_raise(ct: int, body: bytes, side: int) -> None:
    """Any record body of any content type is read into a text, never an exception."""
    text = TlsSession().record(5, side, ((ct << 16) | 0x0303, len(body)), body)[1]
    assert isinstance(text, str)


def _stream(port: int, chunks: list[bytes]) -> list[Frame]:
    """A handshake to ``port``, then each chunk as a client segment, in order."""
    c, s = ("10.0.0.1", "10.0.0.2", 40000, port), ("10.0.0.2", "10.0.0.1", port, 40000)
    frames = [Frame(T0, tcp4(*c, 1000, flags=SYN)), Frame(T0 + 1000, tcp4(*s, 5000, ack=1001, flags=SYN | ACK)),
              Frame(T0 + 2000, tcp4(*c, 1001, ack=5001))]
    seq = 1001
    for k, chunk in enumerate(chunks):
        frames.append(Frame(T0 + (k + 3) * 1000, tcp4(*c, seq, ack=5001, flags=PSH | ACK, payload=chunk)))
        seq += len(chunk)
    return frames


_RECORDS = st.builds(lambda ct, ver, body: bytes([ct]) + ver.to_bytes(2, "big") + len(body).to_bytes(2, "big") + body,
                     st.sampled_from([20, 21, 22, 23, 24, 25, 0, 99]), st.sampled_from([0x0301, 0x0303, 0x0304]),
                     st.binary(max_size=300))


@settings(max_examples=30, deadline=None)
@given(port=st.sampled_from([443, 53]), data=st.lists(st.one_of(_RECORDS, st.binary(max_size=400)), max_size=6),
       cut=st.integers(1, 700))
def test_hostile_streams_are_framed_in_bounded_time(port: int, data: list[bytes], cut: int,
                                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    """Records of any type and version, lengths that lie, binary between them, cut at any
    point: the list is written (TLS, DNS or TCP lines), never an exception, in bounded time."""
    payload = b"".join(data)
    chunks = [payload[i:i + cut] for i in range(0, len(payload), cut)]
    path = write_pcap(tmp_path_factory.mktemp("hostile") / "h.pcap", _stream(port, chunks))
    began = time.perf_counter()
    lines = list(packet_lines(TcpAnalyzer(http=True).feed(dissect(read_records(path)))))
    assert time.perf_counter() - began < 5
    assert len(lines) == 3 + len(chunks)


@settings(max_examples=25, deadline=None)
@given(port=st.sampled_from([443, 53]), sizes=st.lists(st.integers(0, 2000), min_size=1, max_size=6),
       cuts=st.lists(st.integers(1, 3000), min_size=1, max_size=8))
def test_any_segmentation_gives_the_same_pdus(port: int, sizes: list[int], cuts: list[int],
                                              tmp_path_factory: pytest.TempPathFactory) -> None:
    """The same records (or DNS messages) cut into segments anywhere are read whole, in
    order, each in the frame that completes it: their lengths are the lengths sent."""
    if port == 443:
        pdus = [bytes([23, 3, 3]) + n.to_bytes(2, "big") + b"\xab" * n for n in sizes]
        want = sizes
    else:
        pdus = [(n + 12).to_bytes(2, "big") + bytes([0, 1, 0x81, 0x80]) + bytes(8) + b"\x00" * n for n in sizes]
        want = [n + 12 for n in sizes]
    payload = b"".join(pdus)
    bounds = sorted({0, len(payload), *(c % max(len(payload), 1) for c in cuts)})
    chunks = [payload[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    path = write_pcap(tmp_path_factory.mktemp("cuts") / "c.pcap", _stream(port, chunks))
    table = tcpscope.open(path).table
    layer = table.layer("_tls" if port == 443 else "_dns")
    assert np.asarray(layer.cols["length"]).tolist() == want
