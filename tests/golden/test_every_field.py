"""The installed tshark, run once per capture: the golden files are what it prints today,
and tcpscope prints every field of its registry that tshark 4.0 also has as tshark does.

For each capture under ``captures/`` (``bad/`` included) tshark runs once, ``-T fields
-E header=y`` with the union of the golden files' fields and every field below (in UTC,
from a fresh HOME: ``golden_io.run_tshark``). From that one run:

* the golden files' columns must equal ``expected/<capture>.fields.tsv`` and
  ``.analysis.tsv``, and its standard error and exit status the recorded ones: the offline
  tests (``test_fields.py``, ``tests/analysis/test_golden_analysis.py``) compare tcpscope
  with files that this tshark would write again;
* tcpscope's output for every field must equal tshark's, header, rows and cells, except the
  cells declared as known differences, and so must its exit status and message.

The fields are the registry's names that ``tshark -G fields`` lists, as fields or as the
TCP options' protocols (``tcp.options.mss`` ..., printed as their bytes), except:

* protocols (FT_PROTOCOL: ``tcp``, ``ip``, ``data``, ...): tshark prints the details tree's
  label, tcpscope the bytes (docs/deviations.md, "Protocols as -e fields");
* the ``_ws.col.*`` columns: compared line by line in tests/views/test_golden_list.py;
* ``frame.protocols`` is compared on its own: equal, except where a protocol tcpscope does not
  dissect explains the difference and the frames declared in protocols_declared.py;
* ``_ws.expert*``: compared through ``-z expert`` in tests/views/test_expert.py.

``frame.time`` is also compared in a zone with summer time, on three captures.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pytest
from analysis_fields import ANALYSIS_FIELDS
from analysis_fields import KNOWN_DIFFS as ANALYSIS_KNOWN_DIFFS
from app_declared import APP_KNOWN_DIFFS
from compare import EXPECTED, field_diffs, run_problems, run_tcpscope
from fieldsets import KNOWN_DIFFS, KnownDiff, all_fields, declared_cells
from golden_io import TsharkRun, capture_names, columns, parse_fields_output, read_golden, run_tshark
from http_declared import KNOWN_DIFFS as HTTP_KNOWN_DIFFS
from protocols_declared import protocol_diffs

from tcpscope.filter.option_fields import OPTION_ITEM_KINDS
from tcpscope.filter.registry import registry
from tcpscope.table.schema import FieldType
from tcpscope.table.text import abstime_text

DECLARED: tuple[KnownDiff, ...] = (*KNOWN_DIFFS, *ANALYSIS_KNOWN_DIFFS, *APP_KNOWN_DIFFS, *HTTP_KNOWN_DIFFS)
NOW = ("recorded", "tshark now")
PROTOCOLS = "frame.protocols"


@lru_cache(maxsize=1)
def every_field(tshark: str) -> tuple[str, ...]:
    """The registry's fields that tshark knows, less those the module's docstring leaves out."""
    listed = subprocess.run([tshark, "-G", "fields"], capture_output=True, text=True, check=True).stdout
    known = {line.split("\t")[2] for line in listed.splitlines() if line.startswith(("F\t", "P\t"))}
    return tuple(sorted(
        name for name, fd in registry().items()
        if name in known and fd.ftype is not FieldType.PROTOCOL and not name.startswith("_ws.")))


def _union(*sets: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f for fields in sets for f in fields))


@dataclass(frozen=True)
class Live:
    """One capture's run of the installed tshark, with the fields it was asked for."""

    name: str
    every: tuple[str, ...]
    run: TsharkRun

    def only(self, fields: tuple[str, ...]) -> TsharkRun:
        """The run as if tshark had been asked for ``fields`` only."""
        return TsharkRun(columns(self.run.stdout, fields), self.run.stderr, self.run.status)


@pytest.fixture(scope="module", params=capture_names())
def live(request: pytest.FixtureRequest, tshark: str) -> Live:
    """tshark on one capture, run once for the tests below (pytest runs the tests of one
    capture together, so only one capture's output is held at a time)."""
    every = every_field(tshark)
    name: str = request.param
    return Live(name, every, run_tshark(name, _union(all_fields(), ANALYSIS_FIELDS, every), tshark))


@contextmanager
def zone(tz: str) -> Iterator[None]:
    """This process in time zone ``tz`` (``frame.time`` is a local time), then back."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = tz
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.mark.tshark
def test_golden_files_are_current(live: Live) -> None:
    """The golden files hold what the installed tshark prints now (else run make_golden*.py)."""
    golden = read_golden(live.name)
    fields = live.only(all_fields())
    wrong = [f"fields.tsv: {d}" for d in field_diffs(golden.stdout, fields.stdout, NOW)]
    if (golden.stderr, golden.status) != (fields.stderr, fields.status):
        wrong.append(f"stderr, status: recorded {golden.stderr!r} {golden.status}, now {fields.stderr!r} {fields.status}")
    analysis = (EXPECTED / f"{live.name.replace('/', '__')}.analysis.tsv").read_text(encoding="utf-8")
    wrong += [f"analysis.tsv: {d}" for d in field_diffs(analysis, live.only(ANALYSIS_FIELDS).stdout, NOW)]
    assert not wrong, "\n".join(wrong[:20])


@pytest.mark.tshark
def test_every_field_matches_tshark(live: Live) -> None:
    """tcpscope prints every field as tshark does: header, rows, cells, status and message."""
    args = [a for f in live.every for a in ("-e", f)]
    with zone("UTC"):
        got = run_tcpscope("fields", live.name, "-E", "header=y", *args)
    rest = tuple(f for f in live.every if f != PROTOCOLS)
    mine = TsharkRun(columns(got.stdout, rest), got.stderr, got.status)
    wrong = run_problems(live.only(rest), mine, declared_cells(DECLARED, live.name, rest))
    if not wrong and live.run.stdout:
        theirs = parse_fields_output(live.only((PROTOCOLS,)).stdout)[1]
        ours = parse_fields_output(columns(got.stdout, (PROTOCOLS,)))[1]
        wrong = protocol_diffs(live.name, [r[0] for r in theirs], [r[0] for r in ours])
    assert not wrong, f"{len(wrong)} differences:\n" + "\n".join(wrong[:20])


@pytest.mark.tshark
def test_every_field_has_the_time_and_the_options(tshark: str) -> None:
    """The sweep holds the fields scripts use often (the local date, the options and each
    option's bytes, the payload), which tcpscope writes with their own code."""
    often = {"frame.time", "tcp.options", *OPTION_ITEM_KINDS, "tcp.options.unknown", "tcp.payload"}
    assert often <= set(every_field(tshark))


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["zeek-http-get.pcap", "own-lossy-seed11.pcap", "zeek-pcapng-multi-interface.pcapng"])
def test_frame_time_in_a_zone_with_summer_time(name: str, tshark: str) -> None:
    want = run_tshark(name, ("frame.time",), tshark, tz="America/New_York")
    with zone("America/New_York"):
        got = run_tcpscope("fields", name, "-E", "header=y", "-e", "frame.time")
    assert run_problems(want, got) == []
    assert got.stdout.count("\n") > 1


def test_frame_time_text() -> None:
    """abs_time_to_str_ex: month name, day padded to two columns, nine decimals, the zone."""
    ns = np.array([1_795_820_753_245_181_000, 0, 1_362_692_526_869_344_000], dtype=np.int64)
    assert abstime_text(ns, utc=True).tolist() == ["Nov 27, 2026 23:05:53.245181000 UTC",
                                                   "Jan  1, 1970 00:00:00.000000000 UTC",
                                                   "Mar  7, 2013 21:42:06.869344000 UTC"]
