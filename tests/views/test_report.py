"""tcpscope analyze: the report a newcomer runs first, compared whole with reports written
by hand from the captures (``golden_reports/``; README.md there gives, capture by capture,
the tshark facts each line rests on).

Each golden is compared exactly (every line, every space, and the exit status) with what
``tcpscope analyze`` prints from the whole capture in one piece, in pieces of three frames (the analysis and
the sums carried from piece to piece), through a pipe read in small batches, and with
:func:`~tcpscope.views.report.report_lines` over the loaded table. The capture is named by
its bare file name (the test runs in its folder, the pipe is a FIFO of the same name) so
that the report's first line is the same in every way.
"""

from __future__ import annotations

import io
import os
import threading
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import NamedTuple

import pytest

import tcpscope
from tcpscope.capture import pipe
from tcpscope.cli.main import main
from tcpscope.pipeline import stream
from tcpscope.views import report
from tcpscope.views.report import report_lines

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden_reports"
CAPTURES = ROOT / "tests" / "golden" / "captures"
FILTER = "tcp.len > 0 || tcp.flags.reset == 1"


class Golden(NamedTuple):
    """A golden report's capture, the display filter if any (``-Y`` and the filter), the
    exit status (2 when the reader warns, as tshark's), and the most connections the
    report lists one by one (``views.report.LIST_AT_MOST``; None: as shipped)."""

    capture: Path
    args: tuple[str, ...] = ()
    status: int = 0
    list_at_most: int | None = None


def _limit(g: Golden, monkeypatch: pytest.MonkeyPatch) -> None:
    """A capture of a few connections summarized as one of thousands would be."""
    if g.list_at_most is not None:
        monkeypatch.setattr(report, "LIST_AT_MOST", g.list_at_most)


REPORTS: dict[str, Golden] = {
    "http-get": Golden(ROOT / "examples" / "http-get.pcap"),
    "http-get-first10": Golden(GOLDEN / "http-get-first10.pcap"),
    "http-eth": Golden(CAPTURES / "http-eth.pcap"),
    "http-eth-filtered": Golden(CAPTURES / "http-eth.pcap", ("-Y", FILTER)),
    "http-eth-summary": Golden(CAPTURES / "http-eth.pcap", list_at_most=2),
    "own-port-reuse": Golden(CAPTURES / "own-port-reuse.pcap"),
    "lossy-seed7-first40": Golden(GOLDEN / "lossy-seed7-first40.pcap"),
    "zeek-tcp-missing-syn": Golden(CAPTURES / "zeek-tcp-missing-syn.pcap"),
    "zeek-tcp-rst-inject-rae": Golden(CAPTURES / "zeek-tcp-rst-inject-rae.pcap"),
    "zeek-tcp-handshake-reorder": Golden(CAPTURES / "zeek-tcp-handshake-reorder.pcap"),
    "zeek-http-get_nosyn": Golden(CAPTURES / "zeek-http-get_nosyn.pcap"),
    "zeek-communityid-ipv6": Golden(CAPTURES / "zeek-communityid-ipv6.pcap"),
    "zeek-tcp-fin_retransmission": Golden(CAPTURES / "zeek-tcp-fin_retransmission.pcap"),
    "zeek-tcp-syn-then-rst": Golden(CAPTURES / "zeek-tcp-syn-then-rst.pcap"),
    "craft-pcap-4gib-record": Golden(CAPTURES / "bad" / "craft-pcap-4gib-record.pcap", status=2),
}
NAMES = sorted(REPORTS)


def _golden(name: str) -> str:
    return (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")


def _analyze(*args: str) -> tuple[str, int]:
    """What ``tcpscope analyze ARGS`` prints on standard output, and its exit status."""
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        status = main(["analyze", *args])
    return out.getvalue(), status


def test_every_golden_has_its_capture_and_its_reasoning() -> None:
    """No golden report without a capture, none left out, each one explained in README.md."""
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == NAMES
    readme = (GOLDEN / "README.md").read_text(encoding="utf-8")
    for name, g in REPORTS.items():
        assert g.capture.is_file()
        limit = [] if g.list_at_most is None else [f"(LIST_AT_MOST {g.list_at_most})"]
        assert f"## {name}: {' '.join([g.capture.name, *g.args, *limit])}\n" in readme


@pytest.mark.parametrize("name", NAMES)
def test_the_report_is_the_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    g = REPORTS[name]
    _limit(g, monkeypatch)
    monkeypatch.chdir(g.capture.parent)
    assert _analyze(g.capture.name, *g.args) == (_golden(name), g.status)


@pytest.mark.parametrize("name", NAMES)
def test_the_report_lines_of_the_whole_table_are_the_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    g = REPORTS[name]
    _limit(g, monkeypatch)
    monkeypatch.chdir(g.capture.parent)
    whole = tcpscope.open(g.capture.name)
    view = whole.filter(g.args[1]) if g.args else whole
    assert "\n".join(report_lines(view.table, view.frames)) + "\n" == _golden(name)


@pytest.mark.parametrize("name", NAMES)
def test_the_report_in_pieces_of_three_frames_is_the_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three frames a piece: a handshake, a close, a finding's frames fall in different
    pieces, so every sum (the conversations, the findings, the opening and closing events
    that name earlier frames) is carried between them."""
    g = REPORTS[name]
    _limit(g, monkeypatch)
    monkeypatch.chdir(g.capture.parent)
    monkeypatch.setattr(stream, "PIECE_FRAMES", 3)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 3)
    assert _analyze(g.capture.name, *g.args) == (_golden(name), g.status)


@pytest.mark.parametrize("name", NAMES)
def test_the_report_through_a_pipe_is_the_golden(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The capture written into a FIFO 211 bytes at a time, read in batches of about 300
    bytes and analysed four frames a piece, as they come."""
    g = REPORTS[name]
    _limit(g, monkeypatch)
    monkeypatch.setattr(pipe, "BATCH_BYTES", 300)
    monkeypatch.setattr(pipe, "READ_BYTES", 97)
    monkeypatch.setattr(pipe, "QUIET_S", 0.0)
    monkeypatch.setattr(stream, "PIECE_FRAMES", 4)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 4)
    monkeypatch.chdir(tmp_path)
    fifo = tmp_path / g.capture.name
    os.mkfifo(fifo)
    data = g.capture.read_bytes()

    def feed() -> None:
        with open(fifo, "wb", buffering=0) as fh:
            for i in range(0, len(data), 211):
                try:
                    fh.write(data[i : i + 211])
                except BrokenPipeError:  # the reader stopped at the damage, as tshark does
                    return

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        got = _analyze(g.capture.name, *g.args)
    finally:
        feeder.join(timeout=30)
    assert got == (_golden(name), g.status)
