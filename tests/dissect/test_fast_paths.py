"""The compiled fast paths (whole frames, TCP options) give exactly the vectorized dissectors' tables.

Rows of the fast path carry stack depths of their own (1, 2, 3); what must agree is the
order of the rows within each frame, so depths are compared as ranks within the frame.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from compare import capture_files, stem

import tcpscope.dissect.tcp as tcp_mod
from tcpscope.capture import read_records
from tcpscope.dissect import pipeline
from tcpscope.dissect.kernels import SimpleOptions, simple_options
from tcpscope.dissect.pipeline import dissect
from tcpscope.errors import CaptureError
from tcpscope.table.packets import PacketTable

CAPTURES = capture_files()


def _all_slow(*args: Any) -> SimpleOptions:
    """:func:`simple_options` (same arguments), with every segment sent the slow way."""
    fast = simple_options(*args)
    none = np.zeros(0, dtype=np.int64)
    return SimpleOptions(np.zeros_like(fast.simple), np.full_like(fast.ws, -1), none, none.astype(np.uint8),
                         none.astype(np.uint8), none, none.astype(np.int16), none, none, none, none, none,
                         none.astype(np.int8), none.astype(np.int16))


def _depth_ranks(t: PacketTable) -> dict[str, np.ndarray]:
    """Each layer's depths as dense ranks among the depths of the frame (all layers)."""
    names = sorted(t.layers)
    pkt = np.concatenate([t.layers[k].pkt for k in names])
    depth = np.concatenate([t.layers[k].depth.astype(np.int64) for k in names])
    key = pkt * 100_000 + depth
    uniq = np.unique(key)
    first = np.searchsorted(uniq // 100_000, uniq // 100_000, side="left")
    rank = (np.arange(uniq.shape[0]) - first)[np.searchsorted(uniq, key)]
    out, at = {}, 0
    for k in names:
        m = len(t.layers[k])
        out[k] = rank[at : at + m]
        at += m
    return out


def _same_tables(a: PacketTable, b: PacketTable) -> None:
    assert sorted(a.layers) == sorted(b.layers)
    ra, rb = _depth_ranks(a), _depth_ranks(b)
    assert np.array_equal(a.malformed, b.malformed)
    for k in a.frame_cols:
        assert np.array_equal(a.frame_cols[k], b.frame_cols[k]), k
    for name in a.layers:
        la, lb = a.layers[name], b.layers[name]
        assert np.array_equal(la.pkt, lb.pkt), name
        assert np.array_equal(ra[name], rb[name]), name
        assert np.array_equal(la.layer, lb.layer), name
        assert sorted(la.cols) == sorted(lb.cols), name
        for col in la.cols:
            x, y = np.asarray(la.cols[col]), np.asarray(lb.cols[col])
            assert x.dtype.newbyteorder("=") == y.dtype.newbyteorder("="), (name, col)
            assert np.array_equal(x, y), (name, col)


def _records(cap: Path):  # type: ignore[no-untyped-def]
    try:
        return read_records(str(cap))
    except CaptureError:
        pytest.skip("not a readable capture")


@pytest.mark.parametrize("cap", CAPTURES, ids=[stem(c) for c in CAPTURES])
def test_fast_frames_equal_vectorized_walk(cap: Path) -> None:
    _same_tables(dissect(_records(cap)), dissect(_records(cap), fast=False))


@pytest.mark.parametrize("cap", CAPTURES, ids=[stem(c) for c in CAPTURES])
def test_option_kernel_equals_vectorized_walk(cap: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fast = dissect(_records(cap), fast=False)
    monkeypatch.setattr(tcp_mod, "simple_options", _all_slow)
    _same_tables(fast, dissect(_records(cap), fast=False))


def test_kernel_takes_the_common_segments() -> None:
    """Options of a plain handshake and data (MSS, SACK_PERM, TS, NOP, WS) are all simple."""
    #       NOP NOP TS(10)                              -> simple
    a = bytes([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2])
    #       MSS(4) in a non-SYN segment                 -> not simple (an expert note)
    b = bytes([2, 4, 5, 0xB4]) + bytes(8)
    #       SACK with one block, NOP NOP before it
    c = bytes([1, 1, 5, 10, 0, 0, 0, 5, 0, 0, 0, 9])
    width = 44
    flat = np.zeros(3 * width, dtype=np.uint8)
    for r, opt in enumerate((a, b, c)):
        flat[r * width : r * width + len(opt)] = np.frombuffer(opt, dtype=np.uint8)
    hlen = np.array([32, 32, 32], dtype=np.int64)
    got = simple_options(flat, width, hlen, hlen, hlen, np.array([0x10, 0x10, 0x10], dtype=np.uint16))
    assert got.simple.tolist() == [True, False, True]
    assert got.kind.tolist() == [1, 1, 8, 1, 1, 5]
    assert got.v1.tolist() == [0, 0, 1, 0, 0, 0] and got.v2.tolist() == [0, 0, 2, 0, 0, 0]
    assert got.sack_le.tolist() == [5] and got.sack_re.tolist() == [9] and got.sack_seg.tolist() == [2]


# the larger captures (above PY_ROWS frames), and every link type and VLAN tagging once compiled
BIG = [c for c in CAPTURES if c.stat().st_size > 40_000 or c.name.startswith("craft-link-")
       or "vlan" in c.name or "qinq" in c.name]


@pytest.mark.parametrize("cap", BIG, ids=[stem(c) for c in BIG])
def test_compiled_fast_paths_equal_vectorized_walk(cap: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Captures above ``PY_ROWS`` frames take the fast paths only compiled: check them so."""
    monkeypatch.setenv("TCPSCOPE_JIT", "always")
    _same_tables(dissect(_records(cap)), dissect(_records(cap), fast=False))


@pytest.mark.parametrize("cap", BIG, ids=[stem(c) for c in BIG])
def test_compiled_option_kernel_equals_vectorized_walk(cap: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TCPSCOPE_JIT", "always")
    fast = dissect(_records(cap), fast=False)
    monkeypatch.setattr(tcp_mod, "simple_options", _all_slow)
    _same_tables(fast, dissect(_records(cap), fast=False))


@pytest.mark.parametrize("cap", BIG, ids=[stem(c) for c in BIG])
def test_chunks_with_the_compiled_pass_ahead_equal_one_pass(cap: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A capture of several chunks: the next chunk's compiled pass runs on a second thread
    while this one's rows are added; the table is the one a single chunk gives."""
    monkeypatch.setenv("TCPSCOPE_JIT", "always")
    whole = dissect(_records(cap))
    monkeypatch.setattr(pipeline, "CHUNK_FRAMES", 97)
    calls: list[bool] = []
    walk_chunks = pipeline._walk_chunks

    def spy(*args, ahead: bool):  # type: ignore[no-untyped-def]
        calls.append(ahead)
        walk_chunks(*args, ahead=ahead)

    monkeypatch.setattr(pipeline, "_walk_chunks", spy)
    _same_tables(whole, dissect(_records(cap)))
    assert calls == [len(_records(cap)) > 97]
