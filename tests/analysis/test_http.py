"""HTTP/1.x framing (tcpscope.analysis.http): crafted exchanges (pipelining, HEAD, a split
request line, a body until the FIN, alone or with data, chunks, headers over three
segments, Continuation) whose packet list must equal tshark 4.0.17's (recorded here, and
live where tshark is installed), the kernel compiled against uncompiled on the test
captures, a capture in pieces framed as whole, and hostile bytes framed in bounded time
and memory."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from compare import CAPTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tcp_craft import ACK, FIN, NS, PSH, SYN, Frame, tcp4, write_pcap

from tcpscope.analysis import TcpAnalyzer, analyze
from tcpscope.analysis.http import HttpFramer, frame_http
from tcpscope.analysis.http_framing import LINE_KEEP
from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect
from tcpscope.pipeline.stream import pieces
from tcpscope.table.packets import PacketTable
from tcpscope.views.packet_list import packet_lines

CLIENT, SERVER = "10.0.0.1", "10.0.0.2"
T0 = 1_700_000_000 * NS


@pytest.fixture(params=["never", "always"])
def jit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TCPSCOPE_JIT", request.param)
    return str(request.param)


def exchange(port: int, steps: list[tuple[int, bytes]], fin: bool = False) -> list[Frame]:
    """A connection to ``port``: the handshake, then each step (0: client to server, 1:
    server to client; 2 and 3 likewise but not captured: a hole) as one segment, each
    acknowledged by the peer's next segment; with ``fin`` the server's last segment
    carries FIN."""
    ends = [(CLIENT, SERVER, 40000, port), (SERVER, CLIENT, port, 40000)]
    nxt = [1001, 5001]
    frames = [Frame(T0, tcp4(*ends[0], 1000, flags=SYN)),
              Frame(T0 + 10_000_000, tcp4(*ends[1], 5000, ack=1001, flags=SYN | ACK)),
              Frame(T0 + 20_000_000, tcp4(*ends[0], 1001, ack=5001))]
    last = max((k for k, (d, _) in enumerate(steps) if d == 1), default=-1)
    for k, (step, payload) in enumerate(steps):
        d = step % 2
        flags = PSH | ACK | (FIN if fin and k == last else 0)
        if step < 2:
            frames.append(Frame(T0 + (k + 3) * 10_000_000, tcp4(*ends[d], nxt[d], ack=nxt[1 - d], flags=flags,
                                                                 payload=payload)))
        nxt[d] += len(payload) + (1 if flags & FIN else 0)
    return frames


def _response(code: str, body: bytes, ctype: str | None = None, length: int | None = None, version: str = "1.1",
              ) -> bytes:
    head = f"HTTP/{version} {code}\r\n"
    if ctype is not None:
        head += f"Content-Type: {ctype}\r\n"
    if length is not None:
        head += f"Content-Length: {length}\r\n"
    return (head + "\r\n").encode() + body


_NOT_FOUND = _response("404 Not Found", b"abc", "text/html; charset=utf-8", 3)
_POST = b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 8\r\n\r\n"
_CHUNKED = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"

#: name: (port, steps, FIN on the server's last segment)
EXCHANGES: dict[str, tuple[int, list[tuple[int, bytes]], bool]] = {
    "pipelined": (80, [
        (0, b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"),
        (1, _response("200 OK", b"hello", "text/plain", 5) + _NOT_FOUND[:30]),
        (1, _NOT_FOUND[30:]),
        (0, b"HEAD /c HTTP/1.1\r\nHost: h\r\n\r\n"),
        (1, _response("200 OK", b"", "text/html", 1000)),
        (0, _POST[:10]),
        (0, _POST[10:]),
        (0, b"a=1&b=22"),
        (1, _response("204 No Content", b"")),
    ], False),
    "until-fin": (80, [
        (0, b"GET / HTTP/1.0\r\n\r\n"),
        (1, _response("200 OK", b"0123456789", "text/plain", version="1.0")),
        (1, b"more bytes"),
        (1, b"the end"),
    ], True),
    "chunked": (8080, [
        (0, b"GET /c HTTP/1.1\r\nHost: h\r\n\r\n"),
        (1, _CHUNKED + b"5\r\nhello\r\n"),
        (1, b"6;x=y\r\n world\r\n"),
        (1, b"0\r\n\r\n"),
        (0, b"GET /d HTTP/1.1\r\nHost: h\r\n\r\n"),
        (1, _response("304 Not Modified", b"")),
    ], False),
    "fin-alone": (80, [
        (0, b"GET / HTTP/1.0\r\n\r\n"),
        (1, _response("200 OK", b"abc", "text/plain", version="1.0")),
        (1, b""),
    ], True),
    "continuation": (80, [
        (1, b"\x00\x01 binary before any request"),
        (0, b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n"),
        (1, _response("200 OK", b"ok", "text/plain", 2)),
        (1, b"\x00\x01 binary once a request was seen"),
        (0, b"\xff\xfe"),
    ], False),
    "headers-split": (80, [
        (0, b"GET /long HTTP/1.1\r\nHo"),
        (0, b"st: h\r\nAccept: */*\r\n"),
        (0, b"\r\n"),
        (1, _response("200 OK", b"x" * 40, "application/octet-stream", 40)[:50]),
        (1, _response("200 OK", b"x" * 40, "application/octet-stream", 40)[50:70]),
        (1, _response("200 OK", b"x" * 40, "application/octet-stream", 40)[70:]),
    ], False),
    "keep-alive": (80, [  # (each response's headers ask for an exact length in its first segment)
        (0, b"GET /a HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
        (1, _response("200 OK", b"a" * 100, "text/plain", 100)[:80]),
        (1, _response("200 OK", b"a" * 100, "text/plain", 100)[80:]),
        (0, b"GET /b HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
        (1, _response("200 OK", b"b" * 100, "text/plain", 100)[:80]),
        (1, _response("200 OK", b"b" * 100, "text/plain", 100)[80:]),
    ], False),
    "holes": (80, [
        (0, b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n"),
        (1, _response("200 OK", b"a" * 3000, "text/plain", 3000)[:1000]),
        (3, _response("200 OK", b"a" * 3000, "text/plain", 3000)[1000:2000]),
        (1, _response("200 OK", b"a" * 3000, "text/plain", 3000)[2000:]),
        (0, b"GET /b HTTP/1.1\r\nHost: h\r\n\r\n"),
        (1, _response("200 OK", b"hello", "text/plain", 5)),
        (0, b"GET /c HTTP/1.1\r\nHost: h\r\n\r\n"),
        (3, _response("200 OK", b"", "text/plain", 40)),
        (1, b"Note: not a header\r\nsome text\r\nmore text"),
        (0, b"GET /d HTTP/1.1\r\nHost: h\r\n\r\n"),
        (1, _CHUNKED + b"5\r\nhello\r\n"),
        (3, b"6\r\n world\r\n0\r\n\r\n"),
        (1, _NOT_FOUND),
    ], False),
}

#: What tshark 4.0.17 prints for each exchange's frames after the handshake (tshark -r).
TSHARK = {
    "pipelined": [
        "    4 0.030000000     10.0.0.1 → 10.0.0.2     HTTP 96 GET /a HTTP/1.1 GET /b HTTP/1.1 ",
        "    5 0.040000000     10.0.0.2 → 10.0.0.1     HTTP 139 HTTP/1.1 200 OK  (text/plain)HTTP/1.1 404 Not Found ",
        "    6 0.050000000     10.0.0.2 → 10.0.0.1     HTTP 98 HTTP/1.1 404 Not Found  (text/html)",
        "    7 0.060000000     10.0.0.1 → 10.0.0.2     HTTP 69 HEAD /c HTTP/1.1 ",
        "    8 0.070000000     10.0.0.2 → 10.0.0.1     HTTP 106 HTTP/1.1 200 OK ",
        "    9 0.080000000     10.0.0.1 → 10.0.0.2     TCP 50 40000 → 80 [PSH, ACK] Seq=86 Ack=224 Win=65535 Len=10"
        " [TCP segment of a reassembled PDU]",
        "   10 0.090000000     10.0.0.1 → 10.0.0.2     TCP 127 POST /p HTTP/1.1  [TCP segment of a reassembled PDU]",
        "   11 0.100000000     10.0.0.1 → 10.0.0.2     HTTP 48 POST /p HTTP/1.1  (application/x-www-form-urlencoded)",
        "   12 0.110000000     10.0.0.2 → 10.0.0.1     HTTP 67 HTTP/1.1 204 No Content ",
    ],
    "until-fin": [
        "    4 0.030000000     10.0.0.1 → 10.0.0.2     HTTP 58 GET / HTTP/1.0 ",
        "    5 0.040000000     10.0.0.2 → 10.0.0.1     TCP 95 HTTP/1.0 200 OK  [TCP segment of a reassembled PDU]",
        "    6 0.050000000     10.0.0.2 → 10.0.0.1     TCP 50 80 → 40000 [PSH, ACK] Seq=56 Ack=19 Win=65535 Len=10"
        " [TCP segment of a reassembled PDU]",
        "    7 0.060000000     10.0.0.2 → 10.0.0.1     HTTP 47 HTTP/1.0 200 OK  (text/plain)",
    ],
    "chunked": [
        "    4 0.030000000     10.0.0.1 → 10.0.0.2     HTTP 68 GET /c HTTP/1.1 ",
        "    5 0.040000000     10.0.0.2 → 10.0.0.1     TCP 123 HTTP/1.1 200 OK  [TCP segment of a reassembled PDU]",
        "    6 0.050000000     10.0.0.2 → 10.0.0.1     TCP 55 HTTP/1.1 200 OK  [TCP segment of a reassembled PDU]",
        "    7 0.060000000     10.0.0.2 → 10.0.0.1     HTTP 45 HTTP/1.1 200 OK  (text/plain)",
        "    8 0.070000000     10.0.0.1 → 10.0.0.2     HTTP 68 GET /d HTTP/1.1 ",
        "    9 0.080000000     10.0.0.2 → 10.0.0.1     HTTP 69 HTTP/1.1 304 Not Modified ",
    ],
    "fin-alone": [
        "    4 0.030000000     10.0.0.1 → 10.0.0.2     HTTP 58 GET / HTTP/1.0 ",
        "    5 0.040000000     10.0.0.2 → 10.0.0.1     TCP 88 HTTP/1.0 200 OK  [TCP segment of a reassembled PDU]",
        "    6 0.050000000     10.0.0.2 → 10.0.0.1     HTTP 40 HTTP/1.0 200 OK  (text/plain)",
    ],
    "continuation": [
        "    4 0.030000000     10.0.0.2 → 10.0.0.1     TCP 68 80 → 40000 [PSH, ACK] Seq=1 Ack=1 Win=65535 Len=28",
        "    5 0.040000000     10.0.0.1 → 10.0.0.2     HTTP 68 GET /x HTTP/1.1 ",
        "    6 0.050000000     10.0.0.2 → 10.0.0.1     HTTP 106 HTTP/1.1 200 OK  (text/plain)",
        "    7 0.060000000     10.0.0.2 → 10.0.0.1     HTTP 73 Continuation",
        "    8 0.070000000     10.0.0.1 → 10.0.0.2     HTTP 42 Continuation",
    ],
    "headers-split": [
        "    4 0.030000000     10.0.0.1 → 10.0.0.2     TCP 62 GET /long HTTP/1.1  [TCP segment of a reassembled PDU]",
        "    5 0.040000000     10.0.0.1 → 10.0.0.2     TCP 60 GET /long HTTP/1.1  [TCP segment of a reassembled PDU]",
        "    6 0.050000000     10.0.0.1 → 10.0.0.2     HTTP 42 GET /long HTTP/1.1 ",
        "    7 0.060000000     10.0.0.2 → 10.0.0.1     TCP 90 HTTP/1.1 200 OK  [TCP segment of a reassembled PDU]",
        "    8 0.070000000     10.0.0.2 → 10.0.0.1     TCP 60 HTTP/1.1 200 OK  [TCP segment of a reassembled PDU]",
        "    9 0.080000000     10.0.0.2 → 10.0.0.1     HTTP 89 HTTP/1.1 200 OK ",
    ],
    "keep-alive": [
        "    4 0.030000000     10.0.0.1 → 10.0.0.2     HTTP 83 GET /a HTTP/1.0 ",
        "    5 0.040000000     10.0.0.2 → 10.0.0.1     TCP 120 HTTP/1.1 200 OK  [TCP segment of a reassembled PDU]",
        "    6 0.050000000     10.0.0.2 → 10.0.0.1     HTTP 126 HTTP/1.1 200 OK  (text/plain)",
        "    7 0.060000000     10.0.0.1 → 10.0.0.2     HTTP 83 GET /b HTTP/1.0 ",
        "    8 0.070000000     10.0.0.2 → 10.0.0.1     TCP 120 HTTP/1.1 200 OK  [TCP segment of a reassembled PDU]",
        "    9 0.080000000     10.0.0.2 → 10.0.0.1     HTTP 126 HTTP/1.1 200 OK  (text/plain)",
    ],
    "holes": [
        '    4 0.030000000     10.0.0.1 → 10.0.0.2     HTTP 68 GET /a HTTP/1.1 ',
        '    5 0.040000000     10.0.0.2 → 10.0.0.1     TCP 1040 HTTP/1.1 200 OK  [TCP segment of a reassembled PDU]',
        '    6 0.060000000     10.0.0.2 → 10.0.0.1     TCP 1107 [TCP Previous segment not captured] 80 → 40000 [PSH, ACK] Seq=2001 Ack=29 Win=65535 Len=1067 [TCP segment of a reassembled PDU]',
        '    7 0.070000000     10.0.0.1 → 10.0.0.2     HTTP 68 [TCP ACKed unseen segment] GET /b HTTP/1.1 ',
        '    8 0.080000000     10.0.0.2 → 10.0.0.1     HTTP 109 HTTP/1.1 200 OK  (text/plain)',
        '    9 0.090000000     10.0.0.1 → 10.0.0.2     HTTP 68 GET /c HTTP/1.1 ',
        '   10 0.110000000     10.0.0.2 → 10.0.0.1     HTTP 80 [TCP Previous segment not captured] Continuation',
        '   11 0.120000000     10.0.0.1 → 10.0.0.2     HTTP 68 [TCP ACKed unseen segment] GET /d HTTP/1.1 ',
        '   12 0.130000000     10.0.0.2 → 10.0.0.1     TCP 123 HTTP/1.1 200 OK  [TCP segment of a reassembled PDU]',
        '   13 0.150000000     10.0.0.2 → 10.0.0.1     HTTP 128 [TCP Previous segment not captured] HTTP/1.1 404 Not Found  (text/html)',
    ],
}


def _write(tmp_path: Path, name: str) -> Path:
    port, steps, fin = EXCHANGES[name]
    return write_pcap(tmp_path / f"{name}.pcap", exchange(port, steps, fin))


def _table(path: Path) -> PacketTable:
    return analyze(dissect(read_records(path)))


def _ours(path: Path) -> list[str]:
    return list(packet_lines(_table(path)))


@pytest.mark.parametrize("name", sorted(EXCHANGES))
def test_crafted_exchanges_list_as_tshark(name: str, tmp_path: Path, jit: str) -> None:
    """Every line after the handshake is tshark's, byte for byte."""
    assert _ours(_write(tmp_path, name))[3:] == TSHARK[name]


@pytest.mark.tshark
@pytest.mark.parametrize("name", sorted(EXCHANGES))
def test_crafted_exchanges_live(name: str, tmp_path: Path, tshark: str) -> None:
    """The recorded lines are what the installed tshark prints, and so is every line."""
    path = _write(tmp_path, name)
    want = subprocess.run([tshark, "-r", str(path)], capture_output=True, check=True).stdout.decode().splitlines()
    assert want[3:] == TSHARK[name]
    assert _ours(path) == want


HTTP_CAPTURES = ["http-eth.pcap", "scapy-http_chunk.pcap.gz", "zeek-http-100-continue.pcap",
                 "zeek-http-methods.pcap", "zeek-http-pipelined-requests.pcap", "lossy-seed7.pcap"]


def _framing(table: PacketTable) -> list[tuple[int, int, str]]:
    got = frame_http(table)
    return list(zip(got.row.tolist(), got.show.tolist(), got.text, strict=True))


@pytest.mark.parametrize("name", HTTP_CAPTURES)
def test_compiled_frames_as_uncompiled(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel gives the same framing compiled and not, and claims frames."""
    table = _table(CAPTURES / name)
    monkeypatch.setenv("TCPSCOPE_JIT", "never")
    plain = _framing(table)
    monkeypatch.setenv("TCPSCOPE_JIT", "always")
    assert _framing(table) == plain
    assert plain


@pytest.mark.parametrize("name", ["http-eth.pcap", "zeek-http-100-continue.pcap", "scapy-http_chunk.pcap.gz"])
@pytest.mark.parametrize("size", [1, 3, 7])
def test_pieces_frame_as_whole(name: str, size: int) -> None:
    """A capture framed a few frames at a time, the state carried by one HttpFramer,
    gives each frame what the whole capture gives it."""
    records = read_records(CAPTURES / name)
    whole = {(int(f), s, t) for f, s, t in _frames(_table(CAPTURES / name), frame_http)}
    analyzer, framer = TcpAnalyzer(), HttpFramer()
    got: set[tuple[int, int, str]] = set()
    for piece in pieces(records, size):
        table = analyzer.feed(piece)
        got |= {(int(f) + piece.records.first_frame, s, t) for f, s, t in _frames(table, framer.feed)}
    assert got == whole


def _frames(table: PacketTable, frame: object) -> list[tuple[int, int, str]]:
    got = frame(table)  # type: ignore[operator]  # frame_http or an HttpFramer's feed
    pkt = table.layer("tcp").pkt[got.row]
    return list(zip(pkt.tolist(), got.show.tolist(), got.text, strict=True))


# ---- hostile bytes ----

_HOSTILE = st.one_of(
    st.binary(max_size=3000),
    st.builds(lambda n: b"GET / HTTP/1.1\r\n" + b"X-Bomb: " + b"a" * n + b"\r\n", st.integers(0, 5000)),
    st.builds(lambda n: b"GET / HTTP/1.1\r\n" + b"H: v\r\n" * n, st.integers(0, 400)),
    st.builds(lambda v: f"HTTP/1.1 200 OK\r\nContent-Length: {v}\r\n\r\nxx".encode(),
              st.one_of(st.integers(0, 2**70), st.just(-1))),
    st.builds(lambda n: _CHUNKED + b"1\r\nx\r\n" * n, st.integers(0, 500)),
    st.builds(lambda h: _CHUNKED + h + b"\r\n", st.binary(max_size=40)),
)


def _hostile(data: list[bytes], cut: int, tmp_path: Path) -> None:
    """Binary data, header bombs, huge or negative lengths, endless chunks: framing ends,
    claims what it claims with a known kind, and keeps per direction only its fixed
    state (a header line's first LINE_KEEP bytes, whatever the line's length)."""
    payload = b"".join(data)
    steps = [(1, payload[i:i + cut]) for i in range(0, len(payload), cut)]
    path = write_pcap(tmp_path / "hostile.pcap", exchange(80, [(0, b"GET / HTTP/1.1\r\n\r\n"), *steps]))
    table = _table(path)
    framer = HttpFramer()
    began = time.perf_counter()
    got = framer.feed(table)
    assert time.perf_counter() - began < 5
    assert set(got.show.tolist()) <= {1, 2, 3}
    assert framer._lines.shape[1] == LINE_KEEP  # the bound under test
    assert np.all(framer._st.line >= 0)  # line lengths are counts, not buffers


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(_HOSTILE, min_size=1, max_size=4), cut=st.integers(1, 1400))
def test_hostile_bytes_are_framed_in_bounded_time(data: list[bytes], cut: int, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TCPSCOPE_JIT", "always")
    _hostile(data, cut, tmp_path)


#: Uncompiled, the same kernels run in Python at about 1 s an example: fewer examples
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(_HOSTILE, min_size=1, max_size=4), cut=st.integers(1, 1400))
def test_hostile_bytes_are_framed_uncompiled(data: list[bytes], cut: int, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TCPSCOPE_JIT", "never")
    _hostile(data, cut, tmp_path)
