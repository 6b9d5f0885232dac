"""The packet list equals ``tshark -r`` for every line whose top protocol is TCP.

Lines that an application protocol rewrites (HTTP, TLS, ... and the
"[TCP segment of a reassembled PDU]" marker of reassembly) are pending until the
reassembly issue; they are counted, not compared. A few TCP lines carry a mark left by
an application dissector's exception, listed in :data:`APP_LAYER_MARKS`.
"""

from __future__ import annotations

import pytest
from compare import EXPECTED, capture_files, run_cli, stem

CAPTURES = capture_files()

#: TCP lines where tshark's HTTP or JXTA dissector, fed a payload cut by the snapshot
#: length, appends "[Packet size limited during capture]" (docs/deviations.md).
APP_LAYER_MARKS = {
    ("zeek-communityid-tcp.pcap", 4),
    ("zeek-tcp-timestamp.pcap", 85),
    ("zeek-tcp-timestamp.pcap", 119),
    ("zeek-tcp-timestamp.pcap", 147),
}


def _protocol(line: str) -> str:
    rest = line.split(" \u2192 ", 1)[1]
    return rest.split()[1]


@pytest.mark.parametrize("cap", CAPTURES, ids=[stem(c) for c in CAPTURES])
def test_tcp_lines_match_tshark(cap) -> None:  # type: ignore[no-untyped-def]
    expected = (EXPECTED / f"{stem(cap)}.list.txt").read_text(encoding="utf-8").splitlines()
    got = run_cli("list", str(cap)).splitlines()
    assert len(got) == len(expected)
    bad = []
    for number, (a, b) in enumerate(zip(expected, got, strict=True), start=1):
        if _protocol(a) != "TCP" or "[TCP segment of a reassembled PDU]" in a:
            continue
        if (cap.name, number) in APP_LAYER_MARKS:
            assert a == b + "[Packet size limited during capture]"
            continue
        if a != b:
            bad.append(f"tshark   {a}\ntcpscope {b}")
    assert bad == []
