"""``tcpscope fields`` against tshark, cell by cell: the golden files, and the installed tshark live.

For every capture under ``captures/`` the output of ``tcpscope fields`` for every field of
``fieldsets.compared_fields()`` must equal tshark's, frame by frame and field by field,
except the cells ``fieldsets.KNOWN_DIFFS`` declares (which must differ exactly there).
Where tshark printed an error, tcpscope must print the same text (``tcpscope:`` for
``tshark:``, "tcpscope" for "TShark") and exit with the same status. Pending fields
(``fieldsets.PENDING``) are compared as expected failures.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from fieldsets import KNOWN_DIFFS, PENDING, all_fields, compared_fields
from golden_io import (
    CAPTURES,
    EXPECTED,
    Golden,
    capture_names,
    golden_path,
    parse_fields_output,
    read_golden,
    run_tshark,
)

from tcpscope.cli.main import main

CAPTURE_NAMES = capture_names()
SHOW = 25


def run_tcpscope(name: str, fields: Sequence[str], capsys: pytest.CaptureFixture[str],
                 monkeypatch: pytest.MonkeyPatch) -> tuple[str, str, int]:
    """``tcpscope fields NAME -E header=y -e F ...`` from the captures directory, through the CLI."""
    monkeypatch.chdir(CAPTURES)
    args = ["fields", name, "-E", "header=y"]
    for f in fields:
        args += ["-e", f]
    capsys.readouterr()
    status = main(args)
    out, err = capsys.readouterr()
    return out, err, status


def as_tcpscope(stderr: str) -> str:
    """tshark's complaint as tcpscope words it."""
    return stderr.replace("tshark: ", "tcpscope: ").replace("TShark", "tcpscope")


def mismatches(name: str, expected: Golden, got_text: str, fields: Sequence[str]) -> list[tuple[str, int, str, str]]:
    """(field, frame, expected, got) for every cell of ``fields`` that differs."""
    if not expected.fields:  # tshark could not open the file: it printed nothing, not even the header
        return [] if got_text == "" else [("<output>", 0, "", got_text[:200])]
    header, rows = parse_fields_output(got_text)
    assert header == tuple(fields), f"{name}: tcpscope printed the header {header}"
    col = {f: i for i, f in enumerate(expected.fields)}
    out: list[tuple[str, int, str, str]] = []
    if len(rows) != len(expected.rows):
        out.append(("<frames>", 0, str(len(expected.rows)), str(len(rows))))
    for k, (want, got) in enumerate(zip(expected.rows, rows, strict=False)):
        for j, f in enumerate(fields):
            w = want[col[f]] if col[f] < len(want) else ""
            g = got[j] if j < len(got) else ""
            if w != g:
                out.append((f, k + 1, w, g))
    return out


def known_cells(name: str) -> set[tuple[str, int]]:
    return {(f, n) for d in KNOWN_DIFFS if d.capture == name for f, frames in d.cells for n in frames}


def check(name: str, expected: Golden, out: str, err: str, status: int, fields: Sequence[str]) -> None:
    bad = mismatches(name, expected, out, fields)
    allowed = known_cells(name)
    unexpected = [m for m in bad if (m[0], m[1]) not in allowed]
    if unexpected:
        lines = [f"  {f} frame {n}: expected {w!r}, got {g!r}" for f, n, w, g in unexpected[:SHOW]]
        more = len(unexpected) - SHOW
        pytest.fail(f"{name}: {len(unexpected)} cells differ from tshark\n" + "\n".join(lines)
                    + (f"\n  ... and {more} more" if more > 0 else ""))
    stale = allowed - {(m[0], m[1]) for m in bad}
    assert not stale, f"{name}: declared differences now match tshark, update KNOWN_DIFFS: {sorted(stale)}"
    if expected.status is not None:
        assert status == expected.status, f"{name}: exit status {status}, tshark's {expected.status}"
        assert err == as_tcpscope(expected.stderr or ""), f"{name}: tcpscope said {err!r}"
    else:
        assert (status, err) == (0, ""), f"{name}: status {status}, stderr {err!r}"


@pytest.mark.parametrize("name", CAPTURE_NAMES)
def test_golden(name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """tcpscope prints what the golden file recorded from tshark."""
    expected = read_golden(name)
    assert expected.fields in ((), all_fields()), f"{name}: golden file is stale, run tests/golden/make_golden.py"
    fields = compared_fields()
    out, err, status = run_tcpscope(name, fields, capsys, monkeypatch)
    check(name, expected, out, err, status, fields)


def _with_pending_values() -> list[str]:
    names = []
    for name in CAPTURE_NAMES:
        if not golden_path(name).exists():
            continue  # test_golden_files_cover_every_capture says so
        g = read_golden(name)
        cols = [g.fields.index(f) for f in PENDING if f in g.fields]
        if any(row[c] for row in g.rows for c in cols if c < len(row)):
            names.append(name)
    return names


@pytest.mark.xfail(strict=True, reason="pending fields: " + "; ".join(f"{f}: {r}" for f, r in PENDING.items()))
@pytest.mark.parametrize("name", _with_pending_values())
def test_pending_fields(name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The pending fields still differ; when one matches, drop it from ``fieldsets.PENDING``."""
    expected = read_golden(name)
    fields = list(PENDING)
    out, err, status = run_tcpscope(name, fields, capsys, monkeypatch)
    assert status == 0, err
    assert mismatches(name, expected, out, fields) == []


def test_golden_files_cover_every_capture() -> None:
    """Every capture has a golden file and every golden file a capture."""
    have = {p.relative_to(EXPECTED).as_posix()[: -len(".fields.tsv")] for p in EXPECTED.rglob("*.fields.tsv")}
    assert have == set(CAPTURE_NAMES)


def test_golden_version_is_recorded() -> None:
    assert (EXPECTED / "TSHARK_VERSION").read_text().startswith("TShark (Wireshark) ")


@pytest.mark.tshark
def test_golden_version_matches_installed(tshark: str) -> None:
    """The golden files come from the installed tshark (else the live tests are the authority)."""
    from golden_io import tshark_version

    recorded = (EXPECTED / "TSHARK_VERSION").read_text().strip()
    if tshark_version(tshark) != recorded:
        pytest.skip(f"golden files are from {recorded}; the live comparison checks this tshark")


@pytest.mark.tshark
@pytest.mark.parametrize("name", CAPTURE_NAMES)
def test_live(name: str, tshark: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """tcpscope prints what the installed tshark prints, run now."""
    fields = compared_fields()
    run = run_tshark(name, fields, tshark)
    header, rows = parse_fields_output(run.stdout)
    live = Golden(header, rows, run.stderr if (run.status or run.stderr) else None,
                  run.status if (run.status or run.stderr) else None)
    out, err, status = run_tcpscope(name, fields, capsys, monkeypatch)
    check(name, live, out, err, status, fields)
