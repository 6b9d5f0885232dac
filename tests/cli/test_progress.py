"""Progress shows on a terminal for big captures and never when piped."""

from __future__ import annotations

import io
from pathlib import Path

from tcpscope.cli import progress as P


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quiet_when_not_a_terminal(tmp_path: Path) -> None:
    f = tmp_path / "big.pcap"
    f.write_bytes(b"\0" * 16)
    out = io.StringIO()
    with P.Progress(str(f), out) as p:
        p.stage("decoding", 0.5)
    assert out.getvalue() == ""


def test_quiet_for_small_files_on_a_terminal(tmp_path: Path) -> None:
    f = tmp_path / "small.pcap"
    f.write_bytes(b"\0" * 16)
    out = FakeTTY()
    with P.Progress(str(f), out) as p:
        p.stage("decoding", 0.5)
    assert out.getvalue() == ""


def test_shown_and_cleared_for_big_files_on_a_terminal(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(P, "MIN_BYTES", 1)
    f = tmp_path / "big.pcap"
    f.write_bytes(b"\0" * 16)
    out = FakeTTY()
    with P.Progress(str(f), out) as p:
        p.stage("decoding", 0.5)
    text = out.getvalue()
    assert "decoding" in text and "[###############---------------]" in text
    assert text.endswith("\r")
