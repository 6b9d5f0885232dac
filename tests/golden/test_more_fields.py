"""Fields beyond the foundation issue's list that tshark scripts use often, against live tshark.

``frame.time`` (a local date with its zone, under two time zones), ``tcp.options`` and the
per-kind option items (``tcp.options.mss``, ``tcp.options.nop``, ...), and ``tcp.payload``,
on every committed capture. The two captures with out-of-range fractions of a second are
left out of ``frame.time`` (docs/deviations.md, "Out-of-range fractions of a second").
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from golden_io import CAPTURES, capture_names

from tcpscope.cli.main import main
from tcpscope.filter.option_fields import OPTION_ITEM_KINDS

OPTION_FIELDS = ("tcp.options", *OPTION_ITEM_KINDS, "tcp.options.unknown", "tcp.payload")
ODD_TIMES = {"craft-pcap-odd-usec.pcap", "craft-pcap-odd-nsec.pcap"}


def _both(name: str, fields: tuple[str, ...], tshark: str, tz: str, capsys: pytest.CaptureFixture[str],
          monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """tshark's output (a child process) and tcpscope's (in this process) under time zone ``tz``."""
    args = [a for f in fields for a in ("-e", f)]
    path = str(CAPTURES / name)
    want = subprocess.run([tshark, "-n", "-r", path, "-T", "fields", *args], capture_output=True, text=True,
                          env={**os.environ, "TZ": tz}, check=False).stdout
    monkeypatch.setenv("TZ", tz)
    time.tzset()
    try:
        capsys.readouterr()
        main(["fields", path, *args])
        got = capsys.readouterr().out
    finally:
        monkeypatch.undo()
        time.tzset()
    return want, got


@pytest.mark.tshark
@pytest.mark.parametrize("name", capture_names())
def test_more_fields_match_tshark(name: str, tshark: str, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    fields = OPTION_FIELDS if name in ODD_TIMES else ("frame.time", *OPTION_FIELDS)
    want, got = _both(name, fields, tshark, "UTC", capsys, monkeypatch)
    assert got == want


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["zeek-http-get.pcap", "own-lossy-seed11.pcap", "zeek-pcapng-multi-interface.pcapng"])
def test_frame_time_in_a_zone_with_summer_time(name: str, tshark: str, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    want, got = _both(name, ("frame.time",), tshark, "America/New_York", capsys, monkeypatch)
    assert got == want and got


def test_frame_time_text() -> None:
    """abs_time_to_str_ex: month name, day padded to two columns, nine decimals, the zone."""
    import numpy as np

    from tcpscope.table.text import abstime_text

    ns = np.array([1_795_820_753_245_181_000, 0, 1_362_692_526_869_344_000], dtype=np.int64)
    assert abstime_text(ns, utc=True).tolist() == ["Nov 27, 2026 23:05:53.245181000 UTC",
                                             "Jan  1, 1970 00:00:00.000000000 UTC",
                                             "Mar  7, 2013 21:42:06.869344000 UTC"]
