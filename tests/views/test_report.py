"""tcpscope analyze: the report a newcomer runs first, compared whole with reports written
by hand from the captures (``golden_reports/``; README.md there gives, capture by capture,
the tshark facts each line rests on).

Each golden is compared exactly (every line, every space) with what ``tcpscope analyze``
prints from the whole capture in one piece, in pieces of three frames (the analysis and
the sums carried from piece to piece), through a pipe read in small batches, and with
:func:`~tcpscope.views.report.report_lines` over the loaded table. The capture is named by
its bare file name (the test runs in its folder, the pipe is a FIFO of the same name) so
that the report's first line is the same in every way.
"""

from __future__ import annotations

import io
import os
import threading
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from compare import run_cli

from tcpscope.capture import pipe
from tcpscope.cli.common import load
from tcpscope.cli.main import main
from tcpscope.views import stream
from tcpscope.views.report import report_lines

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden_reports"
CAPTURES = ROOT / "tests" / "golden" / "captures"

FILTER = "tcp.len > 0 || tcp.flags.reset == 1"
#: each golden report: the capture it was written from, and the display filter if any
REPORTS: dict[str, tuple[Path, tuple[str, ...]]] = {
    "http-get": (ROOT / "examples" / "http-get.pcap", ()),
    "http-get-first10": (GOLDEN / "http-get-first10.pcap", ()),
    "http-eth": (CAPTURES / "http-eth.pcap", ()),
    "http-eth-filtered": (CAPTURES / "http-eth.pcap", ("-Y", FILTER)),
    "own-port-reuse": (CAPTURES / "own-port-reuse.pcap", ()),
    "lossy-seed7-first40": (GOLDEN / "lossy-seed7-first40.pcap", ()),
    "zeek-tcp-missing-syn": (CAPTURES / "zeek-tcp-missing-syn.pcap", ()),
    "zeek-tcp-rst-inject-rae": (CAPTURES / "zeek-tcp-rst-inject-rae.pcap", ()),
    "zeek-tcp-handshake-reorder": (CAPTURES / "zeek-tcp-handshake-reorder.pcap", ()),
    "zeek-http-get_nosyn": (CAPTURES / "zeek-http-get_nosyn.pcap", ()),
    "zeek-communityid-ipv6": (CAPTURES / "zeek-communityid-ipv6.pcap", ()),
    "zeek-tcp-fin_retransmission": (CAPTURES / "zeek-tcp-fin_retransmission.pcap", ()),
    "zeek-tcp-syn-then-rst": (CAPTURES / "zeek-tcp-syn-then-rst.pcap", ()),
}
NAMES = sorted(REPORTS)


def _golden(name: str) -> str:
    return (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")


def test_every_golden_has_its_capture_and_its_reasoning() -> None:
    """No golden report without a capture, none left out, each one explained in README.md."""
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == NAMES
    readme = (GOLDEN / "README.md").read_text(encoding="utf-8")
    for name, (cap, args) in REPORTS.items():
        assert cap.is_file()
        assert f"## {name}: {' '.join([cap.name, *args])}\n" in readme


@pytest.mark.parametrize("name", NAMES)
def test_the_report_is_the_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cap, args = REPORTS[name]
    monkeypatch.chdir(cap.parent)
    assert run_cli("analyze", cap.name, *args) == _golden(name)


@pytest.mark.parametrize("name", NAMES)
def test_the_report_lines_of_the_whole_table_are_the_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cap, args = REPORTS[name]
    monkeypatch.chdir(cap.parent)
    loaded = load(cap.name, args[1] if args else None, analyze=True)
    assert "\n".join(report_lines(loaded.table, loaded.frames)) + "\n" == _golden(name)


@pytest.mark.parametrize("name", NAMES)
def test_the_report_in_pieces_of_three_frames_is_the_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three frames a piece: a handshake, a close, a finding's frames fall in different
    pieces, so every sum (the conversations, the findings, the opening and closing events
    named by ``tcp.analysis.acks_frame`` across pieces) is carried between them."""
    cap, args = REPORTS[name]
    monkeypatch.chdir(cap.parent)
    monkeypatch.setattr(stream, "PIECE_FRAMES", 3)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 3)
    assert run_cli("analyze", cap.name, *args) == _golden(name)


@pytest.mark.parametrize("name", NAMES)
def test_the_report_through_a_pipe_is_the_golden(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The capture written into a FIFO 211 bytes at a time, read in batches of about 300
    bytes and analysed four frames a piece, as they come."""
    cap, args = REPORTS[name]
    monkeypatch.setattr(pipe, "BATCH_BYTES", 300)
    monkeypatch.setattr(pipe, "READ_BYTES", 97)
    monkeypatch.setattr(pipe, "QUIET_S", 0.0)
    monkeypatch.setattr(stream, "PIECE_FRAMES", 4)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 4)
    monkeypatch.chdir(tmp_path)
    fifo = tmp_path / cap.name
    os.mkfifo(fifo)
    data = cap.read_bytes()

    def feed() -> None:
        with open(fifo, "wb", buffering=0) as fh:
            for i in range(0, len(data), 211):
                fh.write(data[i : i + 211])

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    out = io.StringIO()
    try:
        with redirect_stdout(out):
            status = main(["analyze", cap.name, *args])
    finally:
        feeder.join(timeout=30)
    assert status == 0
    assert out.getvalue() == _golden(name)
