"""The record walks go through a file a window at a time: any window gives the same records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tcpscope.capture.pcap as pcap_mod
import tcpscope.capture.pcapng_blocks as pcapng_mod
from tcpscope.capture import read_records
from tcpscope.capture.records import Records
from tcpscope.errors import CaptureError

CAPTURES = Path(__file__).resolve().parent.parent / "golden" / "captures"
FILES = sorted(p for p in CAPTURES.rglob("*") if p.is_file() and ".pcap" in p.name and not p.name.endswith(".gz"))


def _read(path: Path) -> Records | str:
    try:
        return read_records(str(path))
    except CaptureError as exc:
        return f"{type(exc).__name__}: {exc}"


def _same(a: Records | str, b: Records | str) -> None:
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    for col in ("offset", "caplen", "wirelen", "ts_ns", "iface", "linktype", "interface_id", "has_ts", "fcs_len"):
        assert np.array_equal(getattr(a, col), getattr(b, col)), col
    assert a.warnings == b.warnings
    assert (a.ts_nsecs is None) == (b.ts_nsecs is None)


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(CAPTURES).as_posix() for p in FILES])
@pytest.mark.parametrize("window", [64, 1000])
def test_small_windows_read_the_same_records(path: Path, window: int, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _read(path)
    monkeypatch.setattr(pcap_mod, "_WINDOW", window)
    monkeypatch.setattr(pcapng_mod, "WINDOW", window)
    _same(whole, _read(path))


PCAPNG = [p for p in FILES if ".pcapng" in p.name]


@pytest.mark.parametrize("path", PCAPNG, ids=[p.relative_to(CAPTURES).as_posix() for p in PCAPNG])
@pytest.mark.parametrize("jit", ["never", "always"])
def test_pcapng_columns_grow(path: Path, jit: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The block walk's output columns start with room for one block and grow as it goes,
    compiled or not, with a window smaller than most blocks."""
    monkeypatch.setenv("TCPSCOPE_JIT", jit)
    whole = _read(path)
    monkeypatch.setattr(pcapng_mod, "MIN_ROOM", 1)
    monkeypatch.setattr(pcapng_mod, "BYTES_PER_ROW", 1 << 40)
    monkeypatch.setattr(pcapng_mod, "WINDOW", 100)
    _same(whole, _read(path))


PCAP = [p for p in FILES if ".pcapng" not in p.name]


@pytest.mark.parametrize("path", PCAP, ids=[p.relative_to(CAPTURES).as_posix() for p in PCAP])
@pytest.mark.parametrize("jit", ["never", "always"])
def test_pcap_columns_grow(path: Path, jit: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pcap record walk's columns too, from room for one record, and the index keeps
    only its records (before, each column was a view of a reservation for a file of bare
    16-byte headers: 2.5 times the file's size, 2 KB a frame of 850 bytes)."""
    monkeypatch.setenv("TCPSCOPE_JIT", jit)
    whole = _read(path)
    if not isinstance(whole, str) and not whole.warnings:  # (damage may end the index before the walk's end)
        for col in (whole.offset, whole.caplen, whole.wirelen, whole.ts_ns):
            assert (col.base if col.base is not None else col).nbytes <= 5 * 8 * len(whole)
    monkeypatch.setattr(pcap_mod, "_MIN_ROOM", 1)
    monkeypatch.setattr(pcap_mod, "_BYTES_PER_ROW", 1 << 40)
    monkeypatch.setattr(pcap_mod, "_WINDOW", 100)
    _same(whole, _read(path))
