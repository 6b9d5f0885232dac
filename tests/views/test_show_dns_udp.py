"""DNS over UDP (tcpscope.dissect.dns, views/tree_dns.py) equals tshark on a capture built
here: the packet list line by line, the ``dns.*`` fields and ``frame.protocols`` cell by
cell, and the ``-V`` and ``-T json -x`` trees of every frame, compared with tshark live.

The messages: queries (one with the AD bit and an EDNS0 COOKIE option), responses with A,
AAAA, CNAME, NS and PTR records, an error response, a response to no query, a second query
with the same id after the first was answered, and messages cut short after the flags,
inside the counts, inside a question and inside a record (tshark's ``[Malformed Packet]``).
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from tcp_craft import NS, Frame, write_pcap
from test_show_golden import frame_diffs, split_frames
from test_show_json import by_number, json_diffs, parse
from udp_craft import udp4

import tcpscope
from tcpscope.cli.main import main
from tcpscope.views.columns import full_registry
from tcpscope.views.packet_list import packet_lines
from tcpscope.views.tree_frames import show_text
from tcpscope.views.tree_json import frame_details, tshark_json

pytestmark = [pytest.mark.usefixtures("utc"), pytest.mark.tshark]

FIELDS = ("frame.protocols", "dns.id", "dns.flags.response", "dns.flags.rcode", "dns.qry.name", "dns.qry.type",
          "dns.a", "dns.aaaa", "dns.resp.ttl", "dns.length")


def _name(text: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in text.split(".") if p) + b"\0"


def _message(ident: int, flags: int, questions: list[tuple[str, int]], records: list[bytes], extra: int = 0) -> bytes:
    head = struct.pack("!HHHHHH", ident, flags, len(questions), len(records) - extra, 0, extra)
    return head + b"".join(_name(n) + struct.pack("!HH", t, 1) for n, t in questions) + b"".join(records)


def _rr(name: bytes, rtype: int, ttl: int, data: bytes, rclass: int = 1) -> bytes:
    return name + struct.pack("!HHIH", rtype, rclass, ttl, len(data)) + data


_AT_QUESTION = b"\xc0\x0c"  # a compression pointer to the first question's name
_COOKIE = _rr(b"\0", 41, 0, struct.pack("!HH", 10, 8) + bytes(range(8)), rclass=1232)


def _messages() -> list[bytes]:
    query = _message(0x1234, 0x0100, [("www.example.com", 1)], [])
    answer = _message(0x1234, 0x8180, [("www.example.com", 1)], [
        _rr(_AT_QUESTION, 5, 3600, _name("host.example.net")), _rr(_name("host.example.net"), 1, 59, bytes([192, 0, 2, 7])),
        _rr(_name("host.example.net"), 1, 90061, bytes([192, 0, 2, 8]))])
    cookie = _message(0x2222, 0x0120, [("example.org", 28)], [_COOKIE], extra=1)
    aaaa = _message(0x2222, 0x8180, [("example.org", 28)], [
        _rr(_AT_QUESTION, 28, 61, bytes.fromhex("20010db8000000000000000000000001")), _rr(b"\0", 41, 0, b"", 1232)],
        extra=1)
    ptr = _message(0x3333, 0x0100, [("7.2.0.192.in-addr.arpa", 12)], [])
    ptr_answer = _message(0x3333, 0x8580, [("7.2.0.192.in-addr.arpa", 12)], [
        _rr(_AT_QUESTION, 12, 300, _name("host.example.net")), _rr(_AT_QUESTION, 2, 300, _name("ns1.example.net"))])
    nxdomain = _message(0x4444, 0x8183, [("nothing.example", 1)], [])
    unsolicited = _message(0x5555, 0x8180, [("www.example.com", 1)], [])
    again = _message(0x1234, 0x0100, [("www.example.com", 1)], [])
    return [query, answer, cookie, aaaa, ptr, ptr_answer, nxdomain, unsolicited, again,
            query[:3], query[:6], query[:16], answer[:-2]]


def _capture(tmp_path: Path) -> Path:
    frames = []
    for i, msg in enumerate(_messages()):
        client = (40000 + i % 3, 53)
        ports = client if msg[2] & 0x80 == 0 else client[::-1]
        src, dst = ("10.0.0.1", "10.0.0.53") if ports[1] == 53 else ("10.0.0.53", "10.0.0.1")
        frames.append(Frame(1_700_000_000 * NS + i * 12_345_678, udp4(src, dst, ports, msg)))
    return write_pcap(tmp_path / "dns.pcap", frames)


def _tshark(tshark: str, cap: Path, *args: str) -> str:
    return subprocess.run([tshark, "-n", "-r", str(cap), *args], capture_output=True, check=True,
                          env={"LC_ALL": "C.UTF-8", "TZ": "UTC", "PATH": "/usr/bin:/bin"}).stdout.decode("utf-8")


def test_dns_over_udp_list_and_fields_match_tshark(tmp_path: Path, tshark: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    cap = _capture(tmp_path)
    table = tcpscope.open(str(cap)).table
    assert list(packet_lines(table)) == _tshark(tshark, cap).splitlines()
    fields = [a for f in FIELDS for a in ("-e", f)]
    want = _tshark(tshark, cap, "-T", "fields", "-E", "header=y", *fields)
    assert main(["fields", str(cap), "-E", "header=y", *fields]) == 0
    assert capsys.readouterr().out == want
    assert "\tudp:dns\t" not in want and "ip:udp:dns\t0x1234\t" in want


def test_dns_over_udp_json_matches_tshark(tmp_path: Path, tshark: str) -> None:
    cap = _capture(tmp_path)
    table = tcpscope.open(str(cap)).table
    frames = np.arange(table.n, dtype=np.int64)
    ours = by_number(parse(tshark_json(frame_details(table, frames, full_registry()), True)))
    want = by_number(parse(_tshark(tshark, cap, "-T", "json", "-x")))
    assert json_diffs("dns.pcap", want, ours, frozenset(want), {}) == []


def test_dns_over_udp_tree_matches_tshark(tmp_path: Path, tshark: str) -> None:
    cap = _capture(tmp_path)
    table = tcpscope.open(str(cap)).table
    frames = np.arange(table.n, dtype=np.int64)
    trees = list(show_text(table, frames, full_registry()))
    ours = {f + 1: t.text + "\n" for f, t in zip(frames.tolist(), trees, strict=True)}
    # frame 9: a query whose id was answered before opens a new transaction (no retransmission lines)
    assert [f + 1 for f, t in zip(frames.tolist(), trees, strict=True) if t.missing] == []
    problems, pending = frame_diffs("dns.pcap", split_frames(_tshark(tshark, cap, "-V")), ours, {})
    assert (problems, sum(pending.values())) == ([], 0)
