"""The http.* fields: against tshark on crafted exchanges (pipelining, HEAD, a split POST,
bodies up to the FIN, chunked bodies, Continuations), a capture read in pieces as whole,
the API and filters on them, and hostile messages kept in bounded memory.

The golden captures are compared cell by cell in tests/golden/test_every_field.py.
"""

from __future__ import annotations

import gzip
import subprocess
import time
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from compare import CAPTURES, run_tcpscope
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tcp_craft import write_pcap
from test_http import _CHUNKED, EXCHANGES, _write, exchange

import tcpscope
import tcpscope.pipeline.stream as stream_module
from tcpscope.analysis.http_fields import HTTP_FIELDS, LAYER, message_table
from tcpscope.analysis.http_messages import CARRY_LIMIT, INFLATE_LIMIT, decode_body
from tcpscope.table.packets import PacketTable
from tcpscope.table.text import format_values

pytestmark = pytest.mark.usefixtures("utc")

#: The fields tshark and tcpscope both have (http.response_in is never there in one pass)
FIELDS = [f.name for f in HTTP_FIELDS if f.name != "http"]


def _fields_text(path: Path, fields: list[str]) -> str:
    got = run_tcpscope("fields", str(path), "-E", "occurrence=a", *(a for f in fields for a in ("-e", f)))
    assert (got.status, got.stderr) == (0, ""), got.stderr
    return got.stdout


@cache
def _tshark_fields(tshark: str) -> frozenset[str]:
    """The field names tshark knows (``tshark -G fields``, asked once)."""
    listed = subprocess.run([tshark, "-G", "fields"], capture_output=True, text=True, check=True).stdout
    return frozenset(line.split("\t")[2] for line in listed.splitlines() if line.startswith("F\t"))


@pytest.mark.tshark
@pytest.mark.parametrize("name", sorted(EXCHANGES))
def test_crafted_exchanges_fields_as_tshark(name: str, tmp_path: Path, tshark: str) -> None:
    """Every http.* cell and frame.protocols of every frame is tshark's."""
    path = _write(tmp_path, name)
    known = _tshark_fields(tshark)
    fields = [f for f in FIELDS if f in known] + ["frame.protocols"]
    want = subprocess.run([tshark, "-r", str(path), "-T", "fields", "-E", "occurrence=a",
                           *(a for f in fields for a in ("-e", f))], capture_output=True, check=True)
    theirs = want.stdout.decode("utf-8").split("\n")
    ours = _fields_text(path, fields).split("\n")
    assert len(ours) == len(theirs)
    wrong = [f"frame {n} {f}: tshark {a!r} tcpscope {b!r}"
             for n, (x, y) in enumerate(zip(theirs, ours, strict=True), start=1)
             for f, a, b in zip(fields, x.split("\t"), y.split("\t"), strict=x != "") if a != b]
    assert wrong == []


def test_pipelined_matching_is_tshark_s(tmp_path: Path) -> None:
    """Tail-based matching (reference/pdu-framing.md §3.5): the first response of two
    pipelined requests answers the second; the next has no request; HEAD's answer has no
    body whatever its Content-Length."""
    cap = tcpscope.open(_write(tmp_path, "pipelined"))
    pk = cap.packets
    by_frame = {int(f): v for f, v in zip(pk.values("http.request_in").pkt + 1,
                                          pk.values("http.request_in").data.tolist(), strict=True)}
    assert by_frame == {5: 4, 8: 7, 12: 11}
    prev = pk.values("http.prev_request_in")
    assert dict(zip((prev.pkt + 1).tolist(), prev.data.tolist(), strict=True)) == {4: 4, 5: 4, 6: 4, 11: 7, 12: 7}
    assert cap.filter("http.response.code == 404").packets["frame.number"].tolist() == [6]
    assert cap.filter("http.request.method == \"HEAD\"").packets["frame.number"].tolist() == [7]
    assert cap.filter("http.file_data contains \"a=1\"").packets["frame.number"].tolist() == [11]


def _cells(table: PacketTable, first: int) -> set[tuple[str, int, str]]:
    out = set()
    for fd in HTTP_FIELDS:
        v = fd.get(table)
        for f, text in zip(v.pkt.tolist(), format_values(fd, v, message_table(table).buffers), strict=True):
            out.add((fd.name, first + f, text))
    return out


@pytest.mark.parametrize("name", ["http-eth.pcap", "zeek-http-pipelined-requests.pcap", "zeek-http-100-continue.pcap"])
def test_pieces_give_the_fields_of_the_whole(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read 3 frames at a time (messages and bodies across pieces), every http.* value is
    the one the capture read whole gives."""
    whole = tcpscope.open(CAPTURES / name).packets.table
    want = _cells(whole, 0)
    monkeypatch.setattr(stream_module, "PIECE_FRAMES_ANALYSED", 3)
    got: set[tuple[str, int, str]] = set()
    for piece in tcpscope.scan(CAPTURES / name, ["frame.number", "http.file_data"]):
        got |= _cells(piece.table, piece.table.records.first_frame)
    assert got == want
    assert any(name == "http.file_data" for name, _, _ in want)


# ---- hostile messages ----

_HOSTILE = st.one_of(
    st.builds(lambda n: b"GET / HTTP/1.1\r\n" + b"X-Bomb: " + b"a" * n + b"\r\n\r\n", st.integers(0, 20000)),
    st.builds(lambda n: b"GET / HTTP/1.1\r\n" + b"Host: v\r\n" * n + b"\r\n", st.integers(0, 2000)),
    st.builds(lambda v: f"HTTP/1.1 200 OK\r\nContent-Length: {v}\r\n\r\nxx".encode(), st.integers(0, 2**62)),
    st.builds(lambda n: _CHUNKED + b"1\r\nx\r\n" * n, st.integers(0, 2000)),
    st.builds(lambda n: _CHUNKED + b"ffffffff\r\n" + b"y" * n, st.integers(0, 3000)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(_HOSTILE, min_size=1, max_size=3), cut=st.integers(200, 1400))
# a Content-Length past 2**31 - 1 on every run, not only when the draws give one (the
# message is read as having none)
@example(data=[b"HTTP/1.1 200 OK\r\nContent-Length: 4294967296\r\n\r\nxx"], cut=200)
def test_hostile_messages_stay_bounded(data: list[bytes], cut: int, tmp_path: Path) -> None:
    """Header bombs, huge Content-Length, endless chunks: the messages are read in bounded
    time, each holding no more bytes than came in (nothing is reserved for a length the
    message claims)."""
    payload = b"".join(data)
    steps = [(1, payload[i:i + cut]) for i in range(0, len(payload), cut)]
    path = write_pcap(tmp_path / "hostile.pcap", exchange(80, [(0, b"GET / HTTP/1.1\r\n\r\n"), *steps]))
    began = time.perf_counter()
    table = message_table(tcpscope.open(path).packets.table)
    values = [fd.get(table) for fd in HTTP_FIELDS]
    assert time.perf_counter() - began < 10
    lt = table.layer(LAYER)
    sizes = np.asarray(lt.cols["end"]) - np.asarray(lt.cols["start"]) if len(lt) else np.zeros(0)
    assert int(sizes.sum()) <= len(payload) + 64
    assert all(len(v.pkt) <= 2 * (len(payload) + 100) for v in values)


def test_carried_and_inflated_bytes_are_capped() -> None:
    """A decompression bomb inflates to INFLATE_LIMIT bytes at most; the carry limit is
    the stated one."""
    bomb = gzip.compress(b"\0" * (INFLATE_LIMIT + 1000))
    got = decode_body(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n", bomb)
    assert got is not None and len(got) == INFLATE_LIMIT
    assert CARRY_LIMIT == 64 << 20
