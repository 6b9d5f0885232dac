"""The TCP analysis fields equal tshark's, cell by cell, on every test capture, except the
cells ``analysis_fields.KNOWN_DIFFS`` declares (which must differ exactly there)."""

from __future__ import annotations

import os
import subprocess

import pytest
from analysis_fields import ANALYSIS_FIELDS, KNOWN_DIFFS
from compare import EXPECTED, capture_files, field_diffs, run_cli, stem, undeclared_diffs

CAPTURES = capture_files()
FIELD_ARGS = [a for f in ANALYSIS_FIELDS for a in ("-e", f)]


def known_cells(name: str) -> set[tuple[str, int]]:
    """The cells ``analysis_fields.KNOWN_DIFFS`` declares for capture ``name``."""
    return {(f, n) for d in KNOWN_DIFFS if d.capture == name for f, frames in d.cells for n in frames}


@pytest.mark.parametrize("cap", CAPTURES, ids=[stem(c) for c in CAPTURES])
def test_analysis_fields_match_golden(cap) -> None:  # type: ignore[no-untyped-def]
    golden = EXPECTED / f"{stem(cap)}.analysis.tsv"
    got = run_cli("fields", str(cap), "-E", "header=y", *FIELD_ARGS)
    assert undeclared_diffs(golden.read_text(encoding="utf-8"), got, known_cells(cap.name)) == []


@pytest.mark.parametrize("name", ["lossy-seed7.pcap", "zeek-tcp-reassembly.pcap", "zeek-tcp-rst-inject-rae.pcap"])
def test_compiled_kernel_agrees(name, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The numba-compiled kernel gives the same answers as the Python one."""
    monkeypatch.setenv("TCPSCOPE_JIT", "always")
    cap = next(c for c in CAPTURES if c.name == name)
    got = run_cli("fields", str(cap), "-E", "header=y", *FIELD_ARGS)
    assert field_diffs((EXPECTED / f"{stem(cap)}.analysis.tsv").read_text(encoding="utf-8"), got) == []


@pytest.mark.tshark
@pytest.mark.parametrize("cap", CAPTURES, ids=[stem(c) for c in CAPTURES])
def test_analysis_fields_match_live_tshark(cap, tshark) -> None:  # type: ignore[no-untyped-def]
    res = subprocess.run([tshark, "-r", str(cap), "-T", "fields", "-E", "header=y", *FIELD_ARGS],
                         capture_output=True, check=False, env={**os.environ, "LC_ALL": "C.UTF-8"})
    got = run_cli("fields", str(cap), "-E", "header=y", *FIELD_ARGS)
    assert undeclared_diffs(res.stdout.decode("utf-8"), got, known_cells(cap.name)) == []
