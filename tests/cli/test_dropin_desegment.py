"""``tcpscope -r FILE -o tcp.desegment_tcp_streams:FALSE``: HTTP, TLS and DNS framed a TCP
segment at a time, compared with tshark on the golden captures that carry them (the lossy
ones too).

For every segment with a payload, the Protocol and Info columns and the HTTP fields of
``tshark -o tcp.desegment_tcp_streams:FALSE -T fields`` (``make_golden_dropin.py
--desegment`` recorded them with tshark's version; two captures are compared with the
tshark installed too) are compared cell for cell; the frames that differ are declared
below with their reason (docs/deviations.md, "tshark's command line"), and a declaration
that no longer differs fails as stale.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tempfile

import pytest
from dropin_run import run_dropin
from make_golden_dropin import DATA, DESEGMENT_CAPTURES, DESEGMENT_LINE, tshark_stdout

RECORDED = json.loads(gzip.decompress((DATA / "desegment.json.gz").read_bytes()))
#: The captures compared with the tshark installed as well (the recording is today's): HTTP, TLS, DNS
LIVE = ("http-get.pcap", "tls-dns.pcap")

# the reasons, each listed in docs/deviations.md ("tshark's command line")
DNS_CUT = ("a DNS message the segment's end cuts: tshark dissects what it has ([BoundErrorUnreassembled Packet]) "
           "and marks the next segment [Continuation to #N]; tcpscope shows TCP's lines")
TLS13_HEADER = ("a TLS 1.3 segment that starts with bytes that look like a record header: tshark tries the record "
                "(Info empty), tcpscope writes Continuation Data")
BODY_DISSECTOR = ("a body dissector tcpscope does not run on a cut body: PNG's exception "
                  "([BoundErrorUnreassembled Packet]) and GIF's version name")
SNAPLEN = ("a segment cut by the snapshot length is handed on by tshark ([Packet size limited during capture]); "
           "tcpscope does not frame it")
SYN_DATA = "data on a SYN is handed to HTTP by tshark; tcpscope does not frame it"

#: (capture, frame) -> why that segment's line differs
DECLARED: dict[tuple[str, int], str] = {
    ("tls-dns.pcap", 78): TLS13_HEADER,
    ("tls-dns.pcap", 127): DNS_CUT,
    ("tls-dns.pcap", 129): DNS_CUT,
    ("tls-dns.pcap", 131): DNS_CUT,
    ("tls-dns.pcap", 133): DNS_CUT,
    ("zeek-http-pipelined-requests.pcap", 15): BODY_DISSECTOR,
    ("zeek-http-pipelined-requests.pcap", 17): BODY_DISSECTOR,
    ("zeek-http-pipelined-requests.pcap", 21): BODY_DISSECTOR,
    ("craft-tcp-truncated.pcap", 40): SNAPLEN,
    ("zeek-communityid-tcp.pcap", 4): SNAPLEN,
    ("zeek-communityid-tcp.pcap", 6): SNAPLEN,
    ("zeek-communityid-tcp.pcap", 8): SNAPLEN,
    ("zeek-tcp-payload-syn.pcap", 1): SYN_DATA,
}


def _rows(text: str) -> dict[int, str]:
    return {int(line.split("\t", 1)[0]): line for line in text.split("\n") if line}  # (a body holds \x0b, \x1c ...)


def _compare(capture: str, tshark: str) -> None:
    got = run_dropin(DESEGMENT_LINE, capture, "")
    assert got.status == 0 and got.stderr == "", got.stderr
    want, ours = _rows(tshark), _rows(str(got.stdout))
    assert ours.keys() == want.keys(), f"{capture}: other frames selected"
    differ = {frame for frame, line in want.items() if ours[frame] != line}
    declared = {frame for (cap, frame) in DECLARED if cap == capture}
    assert differ == declared, f"{capture}: differ {sorted(differ)}, declared {sorted(declared)}: " + "\n".join(
        f"{want[f]!r}\n{ours[f]!r}" for f in sorted(differ ^ declared) if f in want)


def test_recorded_for_every_capture() -> None:
    assert RECORDED["line"] == DESEGMENT_LINE and set(RECORDED["stdout"]) == set(DESEGMENT_CAPTURES)
    assert RECORDED["tshark"] == (DATA / "TSHARK_VERSION").read_text().strip()
    assert {cap for cap, _ in DECLARED} <= set(DESEGMENT_CAPTURES)


@pytest.mark.parametrize("capture", DESEGMENT_CAPTURES)
def test_segments_alone_as_tshark(capture: str) -> None:
    _compare(capture, RECORDED["stdout"][capture])


@pytest.mark.tshark
@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
@pytest.mark.parametrize("capture", LIVE)
def test_segments_alone_as_tshark_live(capture: str) -> None:
    with tempfile.TemporaryDirectory() as home:
        _compare(capture, tshark_stdout(DESEGMENT_LINE, capture, {**os.environ, "HOME": home, "LC_ALL": "C.UTF-8"}))
