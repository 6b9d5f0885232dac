"""The details trees written by the compiled kernels (``tree_frames.show_bytes``) are the
Python writer's (``show_text``, which tests/views/test_show_golden.py compares with tshark
frame by frame), byte for byte, compiled and not: on every golden capture, on some frames
of a capture (a display filter's), with a frame shown before them, and with the TCP
preferences that change lines (absolute numbers, no timestamps)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from compare import CAPTURES, capture_files
from test_show_golden import _ours

import tcpscope
from tcpscope.errors import TcpscopeError
from tcpscope.table.packets import PacketTable
from tcpscope.views.columns import full_registry
from tcpscope.views.tree_frames import show_bytes, show_text
from tcpscope.views.tree_kernel import NO_NUMBER, Pool, gather, join_headers
from tcpscope.views.tree_prefs import TcpTreePrefs

NAMES = [c.relative_to(CAPTURES).as_posix() for c in capture_files()]

pytestmark = pytest.mark.usefixtures("utc")


@pytest.fixture(params=["never", "always"])
def jit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("TCPSCOPE_JIT", request.param)
    yield request.param


def _python(table: PacketTable, frames: np.ndarray, **kw: object) -> bytes:
    return "".join(t.text + "\n" for t in show_text(table, frames, full_registry(), **kw)).encode()  # type: ignore[arg-type]


def _pieces(path: Path) -> list[tuple[PacketTable, np.ndarray]]:
    try:
        return [(p.table, p.frames) for p in tcpscope.scan(path)]
    except TcpscopeError:  # (a capture no frame of which is read: nothing to compare)
        return []


#: Captures whose trees hold between them every kind of item the kernels write (options
#: and SACK blocks, AccECN, cut and bad headers, IPv6, HTTP, TLS and DNS spliced in), run
#: compiled too; every capture runs as it does by default (small: uncompiled).
SOME = ["craft-tcp-badopts.pcap", "craft-tcp-options.pcap", "craft-tcp-header.pcap", "craft-tcp-accecn.pcap",
        "zeek-tcp-option-sack.pcap", "zeek-communityid-ipv6.pcap", "tls-dns.pcap", "http-eth.pcap",
        "bad/bad-tcp-offset.pcap"]


@pytest.mark.parametrize("name", NAMES)
def test_compiled_writer_is_the_python_writer(name: str) -> None:
    """(The Python writer's trees are test_show_golden's, made once a process for both.)"""
    ours = _ours(name)
    python = "".join(ours[k] for k in sorted(ours)).encode()
    assert b"".join(show_bytes(table, frames, full_registry()) for table, frames in _pieces(CAPTURES / name)) == python


@pytest.mark.parametrize("name", SOME)
def test_compiled_writer_compiled(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TCPSCOPE_JIT", "always")
    for table, frames in _pieces(CAPTURES / name):
        assert show_bytes(table, frames, full_registry()) == _python(table, frames)


def test_some_frames_after_one_shown(jit: str) -> None:
    (table, frames), = _pieces(CAPTURES / "http-eth.pcap")
    some = frames[1::3]
    before = int(table.ts_ns[0])
    got = show_bytes(table, some, full_registry(), before, True)
    assert got == _python(table, some, before=before, names=True)
    assert show_bytes(table, some[:0], full_registry()) == b""


@pytest.mark.parametrize("prefs", [TcpTreePrefs(relative=False), TcpTreePrefs(timestamps=False)],
                         ids=["absolute", "no-timestamps"])
def test_tcp_preferences(prefs: TcpTreePrefs, jit: str) -> None:
    for name in ("zeek-tcp-option-sack.pcap", "craft-tcp-options.pcap"):
        (table, frames), = _pieces(CAPTURES / name)
        assert show_bytes(table, frames, full_registry(), tcp=prefs) == _python(table, frames, tcp=prefs)


def test_join_writes_numbers_and_skips_missing_items(jit: str) -> None:
    """Items without a line are left out; numbers keep their sign; a header may have none."""
    pool = Pool()
    a, b, c = pool.one("x: "), pool.one("\n"), pool.one("é\n")
    at = np.array([[0, 2, 3, 3]], dtype=np.int64)
    head = np.array([a, c, a], dtype=np.int64)
    number = np.array([-42, NO_NUMBER, 0], dtype=np.int64)
    tail = np.array([b, -1, b], dtype=np.int64)
    data, offsets = join_headers(at, np.where(np.arange(3) == 1, -1, head), number, tail, pool.arrays())
    assert data.tobytes() == b"x: -42\nx: 0\n" and offsets.tolist() == [0, 7, 12, 12]
    data, offsets = join_headers(at, head, number, tail, pool.arrays())
    assert data.tobytes().decode() == "x: -42\né\nx: 0\n"
    assert gather(np.array([c, a, -1, b], dtype=np.int64), pool.arrays()).decode() == "é\nx: \n"
