"""``tcpscope -r FILE -o tcp.desegment_tcp_streams:FALSE``: HTTP, TLS and DNS framed a TCP
segment at a time, compared with the tshark installed on the golden captures that carry
them (the lossy ones too).

For every segment with a payload, the Protocol and Info columns and the HTTP fields of
``tshark -o tcp.desegment_tcp_streams:FALSE -T fields`` are compared cell for cell; the
frames that differ are declared below with their reason (docs/deviations.md, "tshark's
command line"), and a declaration that no longer differs fails as stale. The recorded
goldens of the same preference are in ``dropin_data`` (``test_dropin.py``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest
from dropin_run import run_dropin
from make_golden_dropin import CAPTURES, tshark_argv

#: The command line: the segments with a payload, their columns and HTTP fields.
LINE = ("tshark -r {cap} -o tcp.desegment_tcp_streams:FALSE -Y 'tcp.len > 0' -T fields -e frame.number "
        "-e _ws.col.Protocol -e _ws.col.Info -e http.request.method -e http.response.code -e http.content_type")

#: Captures with HTTP, TLS or DNS over TCP, lost segments, snapshot-length cuts and
#: protocols tcpscope does not dissect.
DESEGMENT_CAPTURES = (
    "http-get.pcap", "http-eth.pcap", "own-port-reuse.pcap", "lossy-seed7.pcap", "own-lossy-seed11.pcap",
    "tls-dns.pcap", "zeek-http-100-continue.pcap", "zeek-http-get.pcap", "zeek-http-methods.pcap",
    "zeek-http-pipelined-requests.pcap", "zeek-tcp-missing-syn.pcap", "zeek-tcp-reassembly.pcap",
    "scapy-http_chunk.pcap.gz", "scapy-http_tcp_psh.pcap.gz", "scapy-http_content_length.pcap",
    "craft-tcp-options.pcap", "craft-tcp-truncated.pcap", "zeek-communityid-tcp.pcap", "zeek-tcp-payload-syn.pcap",
)

# the reasons, each listed in docs/deviations.md ("tshark's command line")
DNS_CUT = ("a DNS message the segment's end cuts: tshark dissects what it has ([BoundErrorUnreassembled Packet]) "
           "and marks the next segment [Continuation to #N]; tcpscope shows TCP's lines")
TLS13_HEADER = ("a TLS 1.3 segment that starts with bytes that look like a record header: tshark tries the record "
                "(Info empty), tcpscope writes Continuation Data")
BODY_DISSECTOR = ("a body dissector tcpscope does not run on a cut body: PNG's exception "
                  "([BoundErrorUnreassembled Packet]) and GIF's version name")
CONTINUATION_MEDIA = "a Continuation that holds a Content-Type header and a body: tshark adds the media type"
OPTIONS = "OPTIONS * (an asterisk request target) is not framed as a request (as without the preference)"
SNAPLEN = ("a segment cut by the snapshot length is handed on by tshark ([Packet size limited during capture]); "
           "tcpscope does not frame it")
SYN_DATA = "data on a SYN is handed to HTTP by tshark; tcpscope does not frame it"
CUT_REQUEST = ("a request line the segment's end cuts: tshark reads its fields (http.request.method) and shows TCP's "
               "line; tcpscope notes only that the conversation had a request (its later segments: Continuation)")

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
    ("scapy-http_tcp_psh.pcap.gz", 11): CONTINUATION_MEDIA,
    ("zeek-http-methods.pcap", 34): OPTIONS,
    ("craft-tcp-truncated.pcap", 40): SNAPLEN,
    ("zeek-communityid-tcp.pcap", 4): SNAPLEN,
    ("zeek-communityid-tcp.pcap", 6): SNAPLEN,
    ("zeek-communityid-tcp.pcap", 8): SNAPLEN,
    ("zeek-tcp-payload-syn.pcap", 1): SYN_DATA,
    ("zeek-tcp-reassembly.pcap", 4): CUT_REQUEST,
}


def _rows(text: str) -> dict[int, str]:
    return {int(line.split("\t", 1)[0]): line for line in text.splitlines() if line}


@pytest.mark.tshark
@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
@pytest.mark.parametrize("capture", DESEGMENT_CAPTURES)
def test_segments_alone_as_tshark(capture: str) -> None:
    inv = tshark_argv(LINE, capture, "")
    with tempfile.TemporaryDirectory() as home:
        proc = subprocess.run(["tshark", *inv.argv], cwd=CAPTURES, capture_output=True, check=False,
                              env={**os.environ, "HOME": home, "LC_ALL": "C.UTF-8"})
    assert proc.returncode == 0, proc.stderr.decode()
    got = run_dropin(LINE, capture, "")
    assert got.status == 0 and got.stderr == "", got.stderr
    want, ours = _rows(proc.stdout.decode()), _rows(str(got.stdout))
    assert ours.keys() == want.keys(), f"{capture}: other frames selected"
    differ = {frame for frame, line in want.items() if ours[frame] != line}
    declared = {frame for (cap, frame) in DECLARED if cap == capture}
    assert differ == declared, f"{capture}: differ {sorted(differ)}, declared {sorted(declared)}: " + "\n".join(
        f"{want[f]!r}\n{ours[f]!r}" for f in sorted(differ ^ declared) if f in want)
