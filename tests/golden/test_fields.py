"""``tcpscope fields`` against the golden files of tshark, exactly.

For every capture under ``captures/`` (``bad/`` included) the output of ``tcpscope fields``
for every field of ``fieldsets.all_fields()`` must equal tshark's as recorded: the header,
the number of frames, the number of cells of each frame and every cell, except the cells
``fieldsets.KNOWN_DIFFS`` declares (which must differ exactly there). tcpscope must also
exit with tshark's status and print its message (``tcpscope:`` for ``tshark:``,
"tcpscope" for "TShark"). ``test_every_field.py`` checks, with one run of the installed
tshark per capture, that the golden files are what it prints today.
"""

from __future__ import annotations

import pytest
from compare import run_problems, run_tcpscope
from fieldsets import KNOWN_DIFFS, all_fields, declared_cells
from golden_io import EXPECTED, TsharkRun, capture_names, golden_path, read_golden

CAPTURE_NAMES = capture_names()
SHOW = 25


def check(name: str, expected: TsharkRun, got: TsharkRun) -> None:
    """``got`` (tcpscope's run on capture ``name``) is ``expected`` (tshark's), but for the
    declared cells."""
    wrong = run_problems(expected, got, declared_cells(KNOWN_DIFFS, name, all_fields()))
    more = len(wrong) - SHOW
    assert not wrong, (f"{name}: {len(wrong)} differences from tshark\n  " + "\n  ".join(wrong[:SHOW])
                       + (f"\n  ... and {more} more" if more > 0 else ""))


def fields_args(name: str) -> list[str]:
    """``fields NAME -E header=y -e F ...`` for every golden field."""
    return ["fields", name, "-E", "header=y", *(a for f in all_fields() for a in ("-e", f))]


@pytest.mark.parametrize("name", CAPTURE_NAMES)
def test_golden(name: str) -> None:
    """tcpscope prints what the golden file recorded from tshark."""
    check(name, read_golden(name), run_tcpscope(*fields_args(name)))


def test_golden_files_cover_every_capture() -> None:
    """Every capture has its golden files (fields and analysis) and every golden file a capture."""
    fields = {p.relative_to(EXPECTED).as_posix()[: -len(".fields.tsv")] for p in EXPECTED.rglob("*.fields.tsv")}
    analysis = {p.name[: -len(".analysis.tsv")] for p in EXPECTED.glob("*.analysis.tsv")}
    assert fields == set(CAPTURE_NAMES)
    assert analysis == {n.replace("/", "__") for n in CAPTURE_NAMES}
    assert all(golden_path(n).read_text(encoding="utf-8") or read_golden(n).status for n in CAPTURE_NAMES), \
        "a golden file without even a header, from a run tshark did not fail"


@pytest.mark.tshark
def test_golden_files_are_from_the_installed_tshark(tshark_version: str) -> None:
    """``expected/TSHARK_VERSION`` names the installed tshark (the live test of the golden
    files, ``test_every_field.test_golden_files_are_current``, says which file is stale)."""
    assert (EXPECTED / "TSHARK_VERSION").read_text().strip() == tshark_version
