"""``-z io,stat`` (:mod:`tcpscope.views.iostat`) against tshark, every character.

Golden files from ``tests/golden/make_golden_iostat.py``: for every golden capture the
whole-capture table with three columns; for the short captures ten more tables (intervals
from 0.1 to 10 s, several columns, every statistic, a filter that wraps, eleven columns);
and tshark's message for the arguments it refuses. A table that differs is declared in
:data:`DECLARED` with its reason; a declared one that comes to match fails as stale.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from compare import run_cli, run_tcpscope
from make_golden_iostat import REFUSED, SHORT, iostat_path, read_cases
from make_golden_stats import CAPTURES, EXPECTED, capture_names
from opened import opened

import tcpscope
from tcpscope.views.iostat import IoStat, IoStatError, io_stat, parse_io_stat_arg

#: (capture, argument) -> why tcpscope's table differs from tshark's
DECLARED: dict[tuple[str, str], str] = {}

NAMES = capture_names()


def test_golden_version() -> None:
    assert (EXPECTED / "TSHARK_VERSION").read_text().startswith("TShark (Wireshark) 4.0.17 ")


@pytest.mark.parametrize("name", NAMES)
def test_io_stat_tables(name: str) -> None:
    expected = read_cases(Path(iostat_path(name)).read_text(encoding="utf-8"))
    cap = opened(name)
    wrong = set()
    for arg, text in expected.items():
        ours = "" if cap is None else io_stat(cap.table, *parse_io_stat_arg(arg))
        if ours != text:
            wrong.add((name, arg))
            if (name, arg) not in DECLARED:
                assert ours == text, arg
    assert {k for k in DECLARED if k[0] == name} - wrong == set(), "declared differences that now match"


def test_refused_as_tshark_words_it() -> None:
    expected = read_cases((EXPECTED / "iostat-refused.txt").read_text(encoding="utf-8"))
    assert list(expected) == list(REFUSED)
    for arg, message in expected.items():
        with pytest.raises(IoStatError) as exc:
            IoStat(*parse_io_stat_arg(arg))
        assert f"tshark: {exc.value}\n" == message, arg


def test_subcommand_prints_theopened() -> None:
    name = "lossy-seed7.pcap"
    arg = "io,stat,0.25,MIN(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt,MAX(tcp.analysis.ack_rtt)" \
          "tcp.analysis.ack_rtt,SUM(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt,COUNT(tcp.analysis.ack_rtt)" \
          "tcp.analysis.ack_rtt"
    assert name in SHORT
    columns = [x for c in parse_io_stat_arg(arg)[1] for x in ("--column", c or "")]
    out = run_cli("iostat", str(CAPTURES / name), "-i", "0.25", *columns)
    assert out == read_cases(Path(iostat_path(name)).read_text(encoding="utf-8"))[arg]


def _row_numbers(text: str) -> list[list[str]]:
    return [re.findall(r"\d+", line) for line in text.splitlines() if "<>" in line]


def test_subcommand_display_filter_counts_only_its_frames() -> None:
    """``-Y`` as part of every column's filter (tshark's ``-Y`` leaves statistics alone)."""
    path = str(CAPTURES / "lossy-seed7.pcap")
    narrowed = run_cli("iostat", path, "-i", "0.5", "-Y", "ip.src == 10.77.0.1", "--column", "tcp")
    both = run_cli("iostat", path, "-i", "0.5", "--column", "ip.src == 10.77.0.1 && tcp")
    assert _row_numbers(narrowed) == _row_numbers(both)
    assert _row_numbers(narrowed) != _row_numbers(run_cli("iostat", path, "-i", "0.5", "--column", "tcp"))


def test_subcommand_bad_interval_is_one_line() -> None:
    run = run_tcpscope("iostat", "http-get.pcap", "-i", "x")
    assert (run.status, run.stdout) == (2, "")
    assert run.stderr == 'tcpscope: invalid "-z io,stat,<interval>[,<filter>][,<filter>]..." argument\n'


def test_pieces_sum_as_the_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fed a piece at a time, the table is the one of the whole capture."""
    from tcpscope.pipeline import stream

    cap = opened("lossy-seed7.pcap")
    assert cap is not None
    args = ("0.05", ["tcp", "MIN(tcp.window_size)tcp.window_size", "AVG(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt",
                     "SUM(tcp.len)tcp.len", "MAX(tcp.len)tcp.len", "COUNT(tcp.len)tcp.len>100"])
    whole = io_stat(cap.table, *args)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 300)
    pieces = IoStat(*args)
    count = 0
    for piece in tcpscope.scan(CAPTURES / "lossy-seed7.pcap", ["frame.number"]):
        pieces.feed(piece.table)
        count += 1
    assert count > 5
    assert pieces.text() == whole
