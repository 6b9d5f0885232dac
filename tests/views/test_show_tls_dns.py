"""The TLS and DNS trees (views/tree_tls*.py, views/tree_dns*.py) on tls-dns.pcap, beside the
whole-frame comparisons of test_show_golden.py and test_show_json.py (which compare every
frame of the capture but 13, whose certificates tshark shows as X.509 trees): the rules
those do not reach, a record or message not whole in the segment, a PDU whose header is
split between segments, a hello body with an item not written."""

from __future__ import annotations

import os
import subprocess
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from compare import CAPTURES
from hypothesis import given, settings
from hypothesis import strategies as st
from make_golden_show_json import FRAMES
from tcp_craft import ACK, NS, PSH, SYN, Frame, tcp4, write_pcap
from test_show_json import by_number, parse

import tcpscope
from tcpscope.views.columns import full_registry
from tcpscope.views.tree_dns_tcp import _messages
from tcpscope.views.tree_frames import show_text
from tcpscope.views.tree_json import frame_details, tshark_json
from tcpscope.views.tree_pdu_reassembled import UNWRITTEN, _Segment, _walk, completing_pdu
from tcpscope.views.tree_tcp_reassembled import Reassembly
from tcpscope.views.tree_tls_handshake import handshake_body

pytestmark = pytest.mark.usefixtures("utc")

NAME = "tls-dns.pcap"


def _tree(n: int) -> tuple[str, tuple[str, ...]]:
    for piece in tcpscope.scan(CAPTURES / NAME):
        first = piece.table.records.first_frame
        if first <= n - 1 < first + piece.table.n:
            tree = next(show_text(piece.table, np.array([n - 1 - first], dtype=np.int64), full_registry()))
            return tree.text, tree.missing
    raise AssertionError(f"no frame {n}")


def test_messages_not_whole_in_the_bytes_are_not_written() -> None:
    query = bytes.fromhex("000101000001000000000000036269670874637073636f706504746573740000100001")
    whole = len(query).to_bytes(2, "big") + query
    assert _messages(whole) == [(0, len(query))]
    assert _messages(whole + whole) == [(0, len(query)), (len(whole), len(query))]
    assert _messages(whole[:-1]) is None  # cut short
    assert _messages((len(query) + 5).to_bytes(2, "big") + query) is None  # its length says more
    assert _messages(b"\x00\x04" + query[:4]) is None  # shorter than a header


def test_a_reassembled_record_shows_its_segments() -> None:
    """Frame 32 completes a record begun in frame 18, over eleven more segments (frame 20, 23
    and 31 are the other side's ACKs)."""
    got = next(iter(tcpscope.scan(CAPTURES / NAME))).table
    reasm = completing_pdu(got, 31)
    assert reasm is not None and reasm is not UNWRITTEN
    assert [f + 1 for f, _ in reasm.frames] == [18, 19, 21, 22, 24, 25, 26, 27, 28, 29, 30, 32]
    assert len(reasm.data) == 5 + int.from_bytes(reasm.data[3:5], "big") == sum(n for _, n in reasm.frames)
    assert completing_pdu(got, 29) is None  # the middle of the record


class _Buffers:
    """A stand-in table for the walk: its one buffer."""

    def __init__(self, data: bytes) -> None:
        self.buffers = (np.frombuffer(data, dtype=np.uint8),)


def test_a_pdu_whose_header_is_split_is_not_written() -> None:
    """DNS: a message's 2-byte length split between two segments; then one whole in the
    second segment's rest and the third; and the walk stops at a gap in the sequence."""
    msg = bytes(12)
    stream = b"\x00\x0c" + msg + b"\x00\x0c" + msg
    cut = [0, 1, 2 + 12 + 2 + 5, len(stream)]
    segs = [_Segment(row, 10 + row, 0, a, b - a, a + 1, b - a) for row, (a, b) in enumerate(pairwise(cut))]
    out: dict[int, tuple[bool, Reassembly]] = {}
    _walk(_Buffers(stream), segs, False, out)  # type: ignore[arg-type]  # (a stand-in for the table)
    assert out[1] == (False, UNWRITTEN)
    assert out[2] == (False, Reassembly([(11, 7), (12, 7)], b"\x00\x0c" + msg))
    gap = [*segs[:2], segs[2]._replace(seq=segs[2].seq + 1)]  # (a segment not framed in between)
    out.clear()
    _walk(_Buffers(stream), gap, False, out)  # type: ignore[arg-type]
    assert list(out) == [1]


def test_a_segment_beginning_a_longer_record_has_the_protocols_line_alone() -> None:
    """Frame 18 begins an Application Data record of 0x4018 bytes in 1,448: the empty
    "Transport Layer Security" line tshark adds when it asks TCP for more."""
    text, missing = _tree(18)
    assert missing == ()
    assert text.endswith("    TCP segment data (1448 bytes)\nTransport Layer Security\n")


def _client_hello(extensions: bytes) -> bytes:
    suites = bytes.fromhex("0a0a1301")  # a GREASE value, then TLS_AES_128_GCM_SHA256
    return (bytes.fromhex("0303") + bytes(32) + b"\x00" + len(suites).to_bytes(2, "big") + suites + b"\x01\x00"
            + len(extensions).to_bytes(2, "big") + extensions)


def test_a_client_hello_body_names_grease_and_leaves_it_out_of_ja3() -> None:
    versions = bytes.fromhex("002b" "0003" "02" "0304")
    items = handshake_body(1, _client_hello(versions), 0)
    assert items is not None
    labels = [i.label for i in items]
    suites = next(i for i in items if i.key == "tls.handshake.ciphersuites")
    assert [c.label for c in suites.children] == ["Cipher Suite: Reserved (GREASE) (0x0a0a)",
                                                  "Cipher Suite: TLS_AES_128_GCM_SHA256 (0x1301)"]
    assert "[JA3 Fullstring: 771,4865,43,,]" in labels
    assert items[1].children[0].label == "GMT Unix Time: Jan  1, 1970 00:00:00.000000000 UTC"


def test_a_hello_with_an_extension_not_written_has_no_body() -> None:
    assert handshake_body(1, _client_hello(bytes.fromhex("fe00" "0000")), 0) is None  # no name here
    assert handshake_body(1, _client_hello(bytes.fromhex("002b" "0009" "02" "0304")), 0) is None  # past its end
    assert handshake_body(11, b"\x00\x00\x00", 0) is None  # a Certificate: not written


@pytest.mark.tshark
def test_json_past_the_recorded_prefix_matches_tshark_live(tshark: str) -> None:
    """``-T json -x`` of the frames after test_show_json's 100-frame prefix, which hold the
    TLS records reassembled in frames 106 and 114, the two DNS queries of frame 125 and
    the DNS responses reassembled in frames 129 and 133, parsed, beside tshark's."""
    env = {**os.environ, "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    want = by_number(parse(subprocess.run([tshark, "-r", NAME, "-n", "-T", "json", "-x"], cwd=CAPTURES, env=env,
                                          capture_output=True, check=True).stdout.decode("utf-8")))
    cap = tcpscope.open(CAPTURES / NAME)
    frames = np.arange(cap.table.n, dtype=np.int64)
    got = by_number(parse(tshark_json(frame_details(cap.table, frames, full_registry()), raw=True)))
    after = [n for n in got if n > FRAMES]
    assert {106, 114, 125, 129, 133} <= set(after)
    assert {n: got[n] for n in after} == {n: want[n] for n in after}


def _ext(kind: int, body: bytes) -> bytes:
    return kind.to_bytes(2, "big") + _vec(2, body)


def _vec(width: int, body: bytes) -> bytes:
    return len(body).to_bytes(width, "big") + body


def _browser_hellos() -> tuple[bytes, bytes]:
    """A Client Hello as browsers send one (GREASE values, server_name, status_request,
    session_ticket, padding and the other common extensions), and a TLS 1.2 server's
    Server Hello, ECDHE Server Key Exchange and Server Hello Done."""
    exts = b"".join([
        _ext(0x0A0A, b""), _ext(0, _vec(2, b"\x00" + _vec(2, b"example.com"))), _ext(23, b""),
        _ext(65281, b"\x00"), _ext(10, _vec(2, bytes.fromhex("4a4a001d00170018"))), _ext(11, _vec(1, b"\x00")),
        _ext(35, b""), _ext(16, _vec(2, _vec(1, b"h2") + _vec(1, b"http/1.1"))), _ext(5, b"\x01\x00\x00\x00\x00"),
        _ext(13, _vec(2, bytes.fromhex("040308040401"))), _ext(18, b""),
        _ext(51, _vec(2, bytes.fromhex("2a2a000100") + bytes.fromhex("001d") + _vec(2, bytes(32)))),
        _ext(45, _vec(1, b"\x01")), _ext(43, _vec(1, bytes.fromhex("5a5a03040303"))),
        _ext(27, _vec(1, bytes.fromhex("0002"))), _ext(28, (16385).to_bytes(2, "big")),
        _ext(34, _vec(2, bytes.fromhex("04030503"))), _ext(0x1A1A, b"\x00"), _ext(21, bytes(20))])
    hello = (bytes.fromhex("0303") + bytes(range(32)) + _vec(1, bytes(range(32)))
             + _vec(2, bytes.fromhex("1a1a130113021303c02bc02f")) + _vec(1, b"\x00") + _vec(2, exts))
    client = b"\x16\x03\x01" + _vec(2, b"\x01" + _vec(3, hello))
    sexts = b"".join([_ext(65281, b"\x00"), _ext(11, _vec(1, b"\x00")), _ext(23, b""), _ext(35, b""),
                      _ext(16, _vec(2, _vec(1, b"h2")))])
    shello = bytes.fromhex("0303") + bytes(range(1, 33)) + _vec(1, b"") + bytes.fromhex("c02f00") + _vec(2, sexts)
    ske = bytes.fromhex("03001d") + _vec(1, bytes(range(32))) + bytes.fromhex("0804") + _vec(2, bytes(64))
    server = b"".join(b"\x16\x03\x03" + _vec(2, bytes([kind]) + _vec(3, body))
                      for kind, body in ((2, shello), (12, ske), (14, b"")))
    return client, server


def _finishes() -> tuple[bytes, bytes]:
    """The client's Client Key Exchange, Change Cipher Spec and Finished; the server's New
    Session Ticket, Change Cipher Spec and Finished."""
    ccs_finished = b"\x14\x03\x03\x00\x01\x01" + b"\x16\x03\x03" + _vec(2, bytes(40))
    client = b"\x16\x03\x03" + _vec(2, b"\x10" + _vec(3, _vec(1, bytes(range(32)))))
    ticket = b"\x04" + _vec(3, (7200).to_bytes(4, "big") + _vec(2, bytes(range(100))))
    return client + ccs_finished, b"\x16\x03\x03" + _vec(2, ticket) + ccs_finished


@pytest.mark.tshark
def test_browser_hellos_match_tshark_live(tshark: str, tmp_path: Path) -> None:
    """The extensions of tls-dns.pcap's hellos and those a browser adds, the key exchanges
    and a session ticket, text and JSON."""
    client, server = _browser_hellos()
    client2, server2 = _finishes()
    c, s = "10.0.0.1", "10.0.0.2"
    a, b = 1 + len(client), 1 + len(server)
    segments = [tcp4(c, s, 40000, 443, 0, flags=SYN), tcp4(s, c, 443, 40000, 0, ack=1, flags=SYN | ACK),
                tcp4(c, s, 40000, 443, 1, ack=1), tcp4(c, s, 40000, 443, 1, ack=1, flags=PSH | ACK, payload=client),
                tcp4(s, c, 443, 40000, 1, ack=a, flags=PSH | ACK, payload=server),
                tcp4(c, s, 40000, 443, a, ack=b, flags=PSH | ACK, payload=client2),
                tcp4(s, c, 443, 40000, b, ack=a + len(client2), flags=PSH | ACK, payload=server2)]
    path = write_pcap(tmp_path / "hellos.pcap", [Frame(NS * 1_700_000_000 + k * 1000, d) for k, d in enumerate(segments)])
    _equal_to_tshark(tshark, path, ("Server Name: example.com", "EC Diffie-Hellman Server Params",
                                    "Session Ticket Lifetime Hint: 7200 seconds (2 hours)"))


def _equal_to_tshark(tshark: str, path: Path, shown: tuple[str, ...]) -> None:
    """``show``'s text and JSON (with the bytes) of every frame of ``path`` are tshark's
    ``-n -V`` and ``-n -T json -x``; tshark's text shows each of ``shown`` (the items the
    capture was made for, so that the comparison is not of trees both leave out)."""
    env = {**os.environ, "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    text = subprocess.run([tshark, "-r", str(path), "-n", "-V"], env=env, capture_output=True, check=True).stdout.decode()
    assert all(item in text for item in shown)
    want = by_number(parse(subprocess.run([tshark, "-r", str(path), "-n", "-T", "json", "-x"], env=env,
                                          capture_output=True, check=True).stdout.decode()))
    cap = tcpscope.open(path)
    frames = np.arange(cap.table.n, dtype=np.int64)
    assert "".join(t.text + "\n" for t in show_text(cap.table, frames, full_registry())) == text
    assert by_number(parse(tshark_json(frame_details(cap.table, frames, full_registry()), raw=True))) == want


def _bodies() -> list[tuple[int, bytes]]:
    """The plain handshake messages of :func:`_browser_hellos` and :func:`_finishes`: type
    and body."""
    out, data = [], b"".join((*_browser_hellos(), *_finishes()))
    while data:
        size = int.from_bytes(data[3:5], "big")
        record, data = data[5:5 + size], data[5 + size:]
        if size > 1 and record[0] in (1, 2, 4, 12, 14, 16):  # (not a Change Cipher Spec nor a Finished)
            out.append((record[0], record[4:]))
    return out


@settings(max_examples=300, deadline=None)
@given(which=st.integers(0, 5), at=st.integers(0, 400), byte=st.integers(0, 255), cut=st.integers(0, 400))
def test_a_mutated_handshake_body_is_items_or_none(which: int, at: int, byte: int, cut: int) -> None:
    """A hello or key exchange with one byte changed and cut anywhere: items, or None."""
    kind, body = _bodies()[which]
    body = (body[:at] + bytes([byte]) + body[at + 1:])[:cut]
    got = handshake_body(kind, body, 0)
    assert got is None or all(i.label for i in got)


def _dns_name(text: str) -> bytes:
    return b"".join(_vec(1, label.encode()) for label in text.split(".")) + b"\x00"


def _rr(owner: bytes, kind: int, data: bytes, ttl: int = 300, klass: int = 1) -> bytes:
    return owner + kind.to_bytes(2, "big") + klass.to_bytes(2, "big") + ttl.to_bytes(4, "big") + _vec(2, data)


def _dns_conversation() -> tuple[bytes, bytes]:
    """Two queries in one segment, and their responses: the first with answers (MX, CNAME,
    TXT, SRV), authority (NS, SOA) and additional records (A, AAAA, OPT), the second a No such
    name with its zone's SOA."""
    def header(ident: int, flags: int, *counts: int) -> bytes:
        return b"".join(v.to_bytes(2, "big") for v in (ident, flags, *counts))

    here, ns = b"\xc0\x0c", _dns_name("ns1.example.com")
    soa = _rr(here, 6, ns + _dns_name("hostmaster.example.com")
              + b"".join(v.to_bytes(4, "big") for v in (2024010101, 7200, 3600, 1209600, 300)))
    answers = [_rr(here, 15, (10).to_bytes(2, "big") + _dns_name("mail.example.com")),
               _rr(here, 5, _dns_name("www.example.org")), _rr(here, 16, b"\x05hello\x05world"),
               _rr(_dns_name("_sip._tcp.example.com"), 33, bytes.fromhex("000a003c13c4") + _dns_name("sip.example.com")),
               _rr(here, 33, bytes.fromhex("000100020bb8") + b"\x00")]
    extra = [_rr(ns, 1, bytes([192, 0, 2, 1])), _rr(ns, 28, bytes(15) + b"\x01"), _rr(b"\x00", 41, b"", 0, 1232)]
    question = _dns_name("example.com") + bytes.fromhex("000f0001")
    nope = _dns_name("nope.example.com") + bytes.fromhex("00010001")
    queries = _vec(2, header(7, 0x0100, 1, 0, 0, 0) + question) + _vec(2, header(8, 0x0100, 1, 0, 0, 0) + nope)
    responses = (_vec(2, header(7, 0x8180, 1, len(answers), 2, len(extra)) + question + b"".join(answers) + _rr(here, 2, ns) + soa
                      + b"".join(extra))
                 + _vec(2, header(8, 0x8183, 1, 0, 1, 0) + nope + soa.replace(here, _dns_name("example.com"), 1)))
    return queries, responses


@pytest.mark.tshark
def test_dns_over_tcp_matches_tshark_live(tshark: str, tmp_path: Path) -> None:
    """DNS over TCP: two queries in a segment, a response reassembled from two segments
    (its last 10 bytes in the second), a response whole in the third, text and JSON."""
    queries, responses = _dns_conversation()
    c, s = "10.0.0.1", "10.0.0.2"
    cut = int.from_bytes(responses[:2], "big") + 2 - 10
    ack = 1 + len(queries)
    segments = [tcp4(c, s, 40001, 53, 0, flags=SYN), tcp4(s, c, 53, 40001, 0, ack=1, flags=SYN | ACK),
                tcp4(c, s, 40001, 53, 1, ack=1), tcp4(c, s, 40001, 53, 1, ack=1, flags=PSH | ACK, payload=queries),
                tcp4(s, c, 53, 40001, 1, ack=ack, payload=responses[:cut]),
                tcp4(s, c, 53, 40001, 1 + cut, ack=ack, flags=PSH | ACK, payload=responses[cut:cut + 10]),
                tcp4(s, c, 53, 40001, 1 + cut + 10, ack=ack, flags=PSH | ACK, payload=responses[cut + 10:])]
    path = write_pcap(tmp_path / "dns.pcap", [Frame(NS * 1_700_000_000 + k * 1000, d) for k, d in enumerate(segments)])
    _equal_to_tshark(tshark, path, ("[2 Reassembled TCP Segments (", "Minimum TTL: 300 (5 minutes)", "Service: _sip"))
