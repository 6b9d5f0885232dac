"""The TCP analysis fields equal tshark's golden files exactly (header, frames, cells of each
frame, every cell) on every test capture, except the cells ``analysis_fields.KNOWN_DIFFS``
declares (which must differ exactly there). That the golden files are what the installed
tshark prints today is checked once per capture by ``tests/golden/test_every_field.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from analysis_fields import ANALYSIS_FIELDS, KNOWN_DIFFS
from compare import EXPECTED, capture_files, field_diffs, run_cli, stem, undeclared_diffs
from fieldsets import declared_cells

CAPTURES = capture_files()
FIELD_ARGS = [a for f in ANALYSIS_FIELDS for a in ("-e", f)]


def golden(cap: Path) -> str:
    return (EXPECTED / f"{stem(cap)}.analysis.tsv").read_text(encoding="utf-8")


@pytest.mark.parametrize("cap", CAPTURES, ids=[stem(c) for c in CAPTURES])
def test_analysis_fields_match_golden(cap: Path) -> None:
    got = run_cli("fields", str(cap), "-E", "header=y", *FIELD_ARGS)
    assert undeclared_diffs(golden(cap), got, declared_cells(KNOWN_DIFFS, cap.name, ANALYSIS_FIELDS)) == []


@pytest.mark.parametrize("name", ["lossy-seed7.pcap", "zeek-tcp-reassembly.pcap", "zeek-tcp-rst-inject-rae.pcap"])
def test_compiled_kernel_agrees(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The numba-compiled kernel gives the same answers as the Python one."""
    monkeypatch.setenv("TCPSCOPE_JIT", "always")
    cap = next(c for c in CAPTURES if c.name == name)
    got = run_cli("fields", str(cap), "-E", "header=y", *FIELD_ARGS)
    assert field_diffs(golden(cap), got) == []
