"""The comparison helpers of the golden tests can fail: every way an output can differ from
tshark's (its header, a frame, a cell, a column, a line end) is reported, only a declared
cell is forgiven, and a declared cell that no longer differs is reported too."""

from __future__ import annotations

import pytest
from compare import diffs, field_diffs, run_problems, undeclared_diffs
from fieldsets import KnownDiff, declared_cells
from golden_io import TsharkRun, columns

TSHARK = "f\tg\n1\t2\n3\t4\n"


def test_the_issues_example_differs() -> None:
    """A header renamed and a frame cut to one cell (issue 15's example)."""
    assert field_diffs("f\tg\n1\t2\n", "x\ty\n1\n") == [
        "header: tshark ['f\\tg'], tcpscope ['x\\ty']",
        "frame 1: 2 cells expected, 1 printed",
    ]


def test_equal_outputs_have_no_difference() -> None:
    assert field_diffs(TSHARK, TSHARK) == []
    assert field_diffs("", "") == []


@pytest.mark.parametrize(("got", "why"), [
    ("f\n1\n3\n", "a dropped column"),
    ("f\tg\n1\t2\n", "a dropped frame"),
    ("f\tg\n1\t2\n3\n", "a truncated frame"),
    ("f\tg\n1\t2\n3\t4\t\n", "an extra (empty) cell"),
    ("f\tg\n1\t2\n3\t4\n5\t6\n", "an extra frame"),
    ("f\th\n1\t2\n3\t4\n", "a header changed"),
    ("f\tg\n1\t2\n3\t5\n", "a cell changed"),
    ("f\tg\n1\t2\n3\t\n", "a cell emptied"),
    ("f\tg\n1\t2\n3\t4", "no newline at the end"),
    ("f\tg\r\n1\t2\r\n3\t4\r\n", "carriage returns"),
    ("", "nothing printed"),
])
def test_every_difference_is_reported(got: str, why: str) -> None:
    assert field_diffs(TSHARK, got), why
    assert field_diffs(got, TSHARK), f"{why}, the other way round"


def test_no_difference_means_equal_texts() -> None:
    """Each difference is found beside a declared one too (nothing hides behind a cell)."""
    for got in ("f\tg\n1\t2\n3\t5", "f\tg\n1\t2\n3\t5\n\n", "f\tg\r\n1\t2\n3\t5\n"):
        assert undeclared_diffs(TSHARK, got, {("g", 2)}), repr(got)
    assert undeclared_diffs(TSHARK, "f\tg\n1\t2\n3\t5\n", {("g", 2)}) == []


def test_a_cell_is_named_by_field_and_frame() -> None:
    assert [d.cell for d in diffs(TSHARK, "f\tg\n1\t2\n3\t5\n")] == [("g", 2)]
    assert field_diffs(TSHARK, "f\tg\n1\t2\n3\t5\n") == ["frame 2 g: tshark '4' tcpscope '5'"]


def test_only_declared_cells_are_forgiven() -> None:
    got = "f\tg\n1\t2\n3\t5\n"
    assert undeclared_diffs(TSHARK, got, {("g", 2)}) == []
    assert undeclared_diffs(TSHARK, got, {("g", 1)}) == [
        "frame 2 g: tshark '4' tcpscope '5'",
        "frame 1 g: declared as a known difference but equal to tshark's",
    ]


def test_a_row_or_header_difference_cannot_be_declared() -> None:
    """Declaring every cell forgives no dropped column, truncated frame or changed header."""
    every_cell = {(f, n) for f in "fg" for n in (1, 2)}
    for got in ("f\n1\n3\n", "f\tg\n1\t2\n3\n", "f\th\n1\t2\n3\t4\n", "f\tg\n1\t2\n"):
        assert any("declared" not in d for d in undeclared_diffs(TSHARK, got, every_cell)), got


def test_a_run_differs_by_status_and_message() -> None:
    tshark = TsharkRun(TSHARK, 'tshark: The file "x" appears to have been cut short.\n', 2)
    same = TsharkRun(TSHARK, 'tcpscope: The file "x" appears to have been cut short.\n', 2)
    assert run_problems(tshark, same) == []
    assert run_problems(tshark, TsharkRun(TSHARK, same.stderr, 0)) == ["exit status: tshark 2, tcpscope 0"]
    assert len(run_problems(tshark, TsharkRun(TSHARK, "", 2))) == 1
    assert len(run_problems(tshark, TsharkRun("f\tg\n1\t2\n", same.stderr, 2))) == 1


def test_columns_cut_an_output_as_tshark_would_print_it() -> None:
    assert columns("f\tg\th\n1\t2\t3\n", ("h", "f")) == "h\tf\n3\t1\n"
    assert columns("", ("f",)) == ""
    with pytest.raises(IndexError):
        columns("f\tg\n1\n", ("g",))


def test_declared_cells_are_those_of_the_capture_and_fields() -> None:
    known = (KnownDiff("a.pcap", (("f", (1, 2)), ("g", (3,))), "why"), KnownDiff("b.pcap", (("f", (4,)),), "why"))
    assert declared_cells(known, "a.pcap", ("f",)) == {("f", 1), ("f", 2)}
    assert declared_cells(known, "a.pcap", ("f", "g", "h")) == {("f", 1), ("f", 2), ("g", 3)}
    assert declared_cells(known, "c.pcap", ("f",)) == set()


def test_a_prefix_is_the_first_records_of_the_capture() -> None:
    """``prefix`` cuts a large pcap after its first PREFIX_FRAMES records, and leaves a small one whole."""
    from compare import CAPTURES, PREFIX_FRAMES, prefix

    from tcpscope.capture import read_records

    big = CAPTURES / "lossy-seed7.pcap"
    cut = prefix(big)
    assert cut != big and big.read_bytes().startswith(cut.read_bytes())
    assert len(read_records(str(cut))) == PREFIX_FRAMES
    small = CAPTURES / "http-eth.pcap"
    assert prefix(small) == small
