"""glibc's allocator is tuned for large arrays only when asked: by the command line, or
by a program that calls ``tcpscope.tune_allocator()``; never by the library itself."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import pytest

import tcpscope
from tcpscope import _malloc
from tcpscope.cli import progress
from tcpscope.cli.main import main

CAPTURE = Path(__file__).resolve().parent.parent / "examples" / "http-get.pcap"


@pytest.fixture
def tuned(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per call that would set glibc's thresholds (the call itself is mocked)."""
    calls: list[int] = []

    def tune(mmap_threshold: int = 4 << 20, trim_threshold: int = 8 << 20) -> bool:
        calls.append(mmap_threshold)
        return True

    monkeypatch.setattr(_malloc, "tune_for_large_arrays", tune)
    return calls


def test_open_and_scan_leave_the_allocator_alone(tuned: list[int]) -> None:
    tcpscope.open(CAPTURE).packets.to_arrow()
    for piece in tcpscope.scan(CAPTURE):
        piece.to_arrow()
    assert tuned == []


def test_a_program_opts_in(tuned: list[int]) -> None:
    assert tcpscope.tune_allocator()
    assert tuned == [4 << 20]


def test_the_command_line_tunes_it_for_a_large_file_only(tuned: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    with redirect_stdout(io.StringIO()):
        main(["fields", str(CAPTURE), "-e", "frame.number"])
        assert tuned == []
        monkeypatch.setattr(progress, "MIN_BYTES", 0)  # every file is large
        main(["fields", str(CAPTURE), "-e", "frame.number"])
    assert tuned == [4 << 20]
