"""``tcpscope fields`` runs the TCP analysis only when the fields or the filter read it."""

from __future__ import annotations

import numpy as np
import pytest
from compare import CAPTURES, capture_files, run_cli

from tcpscope.analysis.fields import ACE_FIELDS, may_use_accecn
from tcpscope.api import scan
from tcpscope.capture import read_records
from tcpscope.constants import AE, CWR, ECE
from tcpscope.dissect.pipeline import dissect
from tcpscope.errors import CaptureError
from tcpscope.filter import compile_filter
from tcpscope.filter.registry import analysis_need, needs_analysis

ACE = sorted(ACE_FIELDS)


def _table(name: str):  # type: ignore[no-untyped-def]
    return dissect(read_records(str(CAPTURES / name)))


def test_dissector_fields_need_no_analysis() -> None:
    t = _table("http-eth.pcap")
    assert not needs_analysis(["ip.src", "tcp.options.mss_val", "tcp.payload", "frame.time", "tcp"], t)
    assert needs_analysis(["ip.src", "tcp.stream"], t)
    assert needs_analysis(["_ws.col.Info"], t)  # the Info column shows the expert prefixes


def test_analysis_need_without_a_table() -> None:
    assert analysis_need(["ip.src", "tcp.payload", "frame.time"]) is False
    assert analysis_need(["ip.src", *ACE]) == "accecn"
    assert analysis_need(["tcp.flags.str", "tcp.stream"]) is True
    assert analysis_need(["_ws.col.Info"]) is True


def test_ace_fields_need_analysis_only_with_accecn() -> None:
    assert not may_use_accecn(_table("http-eth.pcap"))
    assert not needs_analysis(ACE, _table("http-eth.pcap"))
    accecn = _table("craft-tcp-accecn.pcap")
    assert may_use_accecn(accecn)
    assert needs_analysis(["tcp.flags.str"], accecn)


def test_filter_names_its_fields() -> None:
    f = compile_filter('ip.addr == 10.0.0.1 && (tcp.analysis.flags || len(tcp.payload) > 3) && !udp')
    assert f.field_names() == {"ip.addr", "tcp.analysis.flags", "tcp.payload", "udp"}
    assert compile_filter("").field_names() == frozenset()


def test_scan_analyses_for_the_fields_and_the_filter() -> None:
    """What ``tcpscope fields`` reads with: ``analyze="needed"``."""
    path = str(CAPTURES / "http-eth.pcap")

    def analysed(fields: list[str], display_filter: str | None) -> bool:
        piece = next(iter(scan(path, fields, display_filter=display_filter, analyze="needed")))
        return "stream" in piece.table.layer("tcp").cols

    assert not analysed(["ip.src"], None)
    assert analysed(["ip.src"], "tcp.stream == 0")
    assert analysed(["tcp.stream"], None)


def _has_ecn(name: str) -> bool:
    """Does a TCP segment of the capture set AE, CWR or ECE, or carry an AccECN option?"""
    try:
        t = _table(name)
    except CaptureError:
        return False
    if may_use_accecn(t):
        return True
    flags = np.asarray(t.layer("tcp").cols.get("flags", np.zeros(0, np.int64))).astype(np.int64)
    return bool((flags & (AE | CWR | ECE)).any())


#: The captures whose ACE fields can read anything but zero: a segment sets one of the three
#: ECN bits or carries an AccECN option (test_ecn_captures_are_listed keeps the list whole).
#: Elsewhere every ACE field is 0 or empty with the analysis or without it.
ECN_CAPTURES = ["bad/craft-gzip-middle.pcap.gz", "craft-tcp-accecn.pcap", "craft-tcp-header.pcap",
                "craft-tcp-options.pcap", "craft-tcp-truncated.pcap", "zeek-tcp-rst-inject-rae.pcap",
                "zeek-tcp-tcp-fast-open.pcap", "zeek-tcp-truncated-header.pcap"]


def test_ecn_captures_are_listed() -> None:
    names = [c.relative_to(CAPTURES).as_posix() for c in capture_files()]
    assert [n for n in names if _has_ecn(n)] == ECN_CAPTURES


@pytest.mark.parametrize("name", [*ECN_CAPTURES, "http-eth.pcap"])
def test_ace_fields_same_without_analysis(name: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Where the analysis is skipped, the ACE fields print what they print after it: on every
    capture with ECN bits or AccECN options, and on one with neither."""
    args = ["fields", str(CAPTURES / name), *(x for f in ACE for x in ("-e", f))]
    skipped = run_cli(*args)
    import tcpscope.filter.registry as reg

    monkeypatch.setattr(reg, "needs_analysis", lambda names, table: True)
    assert run_cli(*args) == skipped
