"""The compile choice belongs to each piece of work (``tcpscope._jit``), and a cache
directory numba cannot write is no error."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import threading
from itertools import zip_longest
from pathlib import Path

import pytest

import tcpscope
from tcpscope import _jit
from tcpscope._jit import compiles, job
from tcpscope.pipeline import stream

ROOT = Path(__file__).resolve().parent.parent
#: 48 frames: above the threshold set below, so that its pieces run compiled
LARGE = ROOT / "tests" / "golden" / "captures" / "http-eth.pcap"
#: 12 frames: below it
SMALL = ROOT / "examples" / "http-get.pcap"


@pytest.fixture
def choices(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, bool]]:
    """A threshold of 40 frames, pieces of 5, kernels run as Python whatever the choice
    (the choice is under test, not numba); records ``(thread, capture, compiles)`` each
    time a piece is dissected and each time a piece's values are read."""
    monkeypatch.setenv("TCPSCOPE_JIT", "auto")
    monkeypatch.setenv("TCPSCOPE_JIT_THRESHOLD", "40")
    monkeypatch.setattr(_jit.Kernel, "compiled", lambda self: self.py)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 5)
    seen: list[tuple[str, str, bool]] = []
    dissect = stream.dissect

    def dissect_spy(records):  # type: ignore[no-untyped-def]
        seen.append((threading.current_thread().name, Path(records.name).name, compiles(1)))
        return dissect(records)

    monkeypatch.setattr(stream, "dissect", dissect_spy)
    return seen


def test_a_job_compiles_its_small_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TCPSCOPE_JIT", "auto")
    assert not compiles(10)
    with job(10**6):
        assert compiles(10)
    assert not compiles(10)


def test_interleaved_scans_and_a_thread_keep_their_own_choice(choices: list[tuple[str, str, bool]]) -> None:
    """A large scan and a small one taken a step each in turn, a third on another thread
    meanwhile: every piece of the large one, and the work on it, runs compiled; no piece
    of the small ones does; the caller's choice is its own between steps and after."""
    def on_thread() -> None:
        for piece in tcpscope.scan(SMALL, ["frame.number", "tcp.analysis.ack_rtt"]):
            piece.to_arrow()

    worker = threading.Thread(target=on_thread, name="worker")
    worker.start()
    large = tcpscope.scan(LARGE, ["frame.number", "tcp.analysis.ack_rtt"])
    small = tcpscope.scan(SMALL, ["frame.number", "tcp.analysis.ack_rtt"])
    work: list[tuple[str, bool]] = []
    for big_piece, small_piece in zip_longest(large, small):
        assert not compiles(1)
        for name, piece in (("large", big_piece), ("small", small_piece)):
            if piece is not None:
                with job(piece.job):
                    work.append((name, compiles(1)))
                piece.to_arrow()
    worker.join()
    assert not compiles(1) and _jit._job.get() == 0
    assert work.count(("large", True)) == 10 and work.count(("small", False)) == 3
    assert len(work) == 13
    threads = {(thread, cap) for thread, cap, _ in choices}
    assert threads == {("MainThread", LARGE.name), ("MainThread", SMALL.name), ("worker", SMALL.name)}
    assert all(compiled == (cap == LARGE.name) for _, cap, compiled in choices)


def test_the_pieces_values_are_read_under_their_choice(choices: list[tuple[str, str, bool]],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """``PacketView`` reads a piece's values under the piece's job, not the caller's."""
    from tcpscope import api

    read: list[bool] = []
    column = api.arrow_column

    def column_spy(*args):  # type: ignore[no-untyped-def]
        read.append(compiles(1))
        return column(*args)

    monkeypatch.setattr(api, "arrow_column", column_spy)
    for piece in tcpscope.scan(LARGE, ["frame.number"]):
        piece.to_arrow()
    for piece in tcpscope.scan(SMALL, ["frame.number"]):
        piece.to_arrow()
    assert read == [True] * 10 + [False] * 3


def test_a_scan_abandoned_part_way_leaves_the_choice_as_it_was(choices: list[tuple[str, str, bool]]) -> None:
    pieces = iter(tcpscope.scan(LARGE, ["frame.number"]))
    next(pieces)
    next(pieces)
    assert not compiles(1)
    with job(7):
        del pieces  # closed here, inside another job
        gc.collect()
        assert _jit._job.get() == 7
    assert not compiles(1) and _jit._job.get() == 0
    assert [c for _, _, c in choices] == [True, True]


@pytest.mark.slow
def test_no_writable_cache_compiles_without_one(tmp_path: Path) -> None:
    """Neither ``NUMBA_CACHE_DIR``, the source tree nor the home's cache can be written
    (each blocked by a file where a directory must go, which stops root too): the
    capture is read by compiled kernels without a cache, and one line says so. (Any
    command on a large capture would say the same; reading alone compiles in seconds.)"""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "tcpscope", src / "tcpscope", ignore=shutil.ignore_patterns("__pycache__"))
    for package in [src / "tcpscope", *(p for p in (src / "tcpscope").rglob("*") if p.is_dir())]:
        (package / "__pycache__").write_text("not a directory\n")
    blocked = tmp_path / "file"
    blocked.write_text("not a directory\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "XDG_"))}
    env.update(PYTHONPATH=str(src), HOME=str(blocked / "home"), NUMBA_CACHE_DIR=str(blocked / "numba"),
               TCPSCOPE_JIT="always", PYTHONDONTWRITEBYTECODE="1")
    read = "import sys, tcpscope.capture as c; print(c.read_records(sys.argv[1]).wirelen.sum())"
    done = subprocess.run([sys.executable, "-c", read, str(SMALL)], env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{sum(tcpscope.open(SMALL).packets['frame.len'])}\n"
    assert done.stderr.splitlines() == [
        "tcpscope: no writable cache for compiled kernels (NUMBA_CACHE_DIR, the source tree, ~/.cache/numba): "
        "compiling them again in every run"]
