"""The package imports and the command answers."""

from __future__ import annotations

from pathlib import Path

from tcpscope.cli.main import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "http-get.pcap"


def test_fields_on_example(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["fields", str(EXAMPLE), "-e", "frame.number", "-e", "tcp.flags.str"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "1\t··········S·"
    assert len(lines) == 12
