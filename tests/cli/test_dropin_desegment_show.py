"""The details tree with ``-o tcp.desegment_tcp_streams:FALSE``: tcpscope's trees of every
frame, TCP handing each segment on alone (``tcpscope.scan(desegment=False)``), compared
whole with ``tshark -n -V -o tcp.desegment_tcp_streams:FALSE`` on the captures of the
per-segment list (HTTP, TLS, DNS, the lossy ones).

tshark's trees are the ``tshark -n -V`` golden files with the frames that differ without
reassembly replaced by those ``make_golden_dropin.py --desegment-show`` recorded (with
tshark's version); http-get.pcap is compared with the tshark installed too. A frame is
compared as tests/views/test_show_golden.py compares it (its helpers): the frames of
layers without a tree are left out, the frames declared there differ here too unless
listed in :data:`EQUAL_HERE`, and the frames that differ here only are declared one by
one in :data:`DECLARED` (docs/deviations.md, "tshark's command line"); a declared frame
that matches fails as stale.
"""

from __future__ import annotations

import json
import lzma
import os
import subprocess
from functools import cache

import pytest
from compare import CAPTURES
from make_golden_dropin import DATA, DESEGMENT_CAPTURES, DESEGMENT_SHOW_ARGS
from make_golden_show import VERSION_FILE
from show_declared import DECLARED as SHOW_DECLARED
from test_golden_list import declared_lines
from test_show_golden import _golden, frame_diffs, split_frames

import tcpscope
from tcpscope.views.columns import full_registry
from tcpscope.views.tree_frames import show_text

RECORDED = json.loads(lzma.decompress((DATA / "desegment_show.json.xz").read_bytes()))

DNS_CUT = ("a DNS message the segment's end cuts: tshark dissects what it has ([BoundErrorUnreassembled Packet]) "
           "and marks the next segment [Continuation to #N]; tcpscope shows TCP's lines")
HEAD_CHUNKED = ("a response to HEAD that says Transfer-Encoding: chunked (no body, RFC 9112 6.3): without reassembly"
                " tcpscope's tree adds the cut chunked body's 'HTTP chunked response' line (the tree does not know the"
                " request's method; the framing does)")

#: reason -> capture -> the frames that differ without reassembly only
DECLARED: dict[str, dict[str, str]] = {
    DNS_CUT: {"tls-dns.pcap": "127 129 131 133"},
    HEAD_CHUNKED: {"zeek-http-methods.pcap": "611 621"},
}

#: The frames test_show_golden.py declares that equal tshark's without reassembly (the
#: reassembled message, or its retransmission, is what differs there)
EQUAL_HERE = {("zeek-http-100-continue.pcap", 63), ("zeek-http-methods.pcap", 100), ("zeek-http-methods.pcap", 164),
              ("zeek-http-methods.pcap", 260), ("zeek-tcp-reassembly.pcap", 110), ("craft-tcp-options.pcap", 5),
              ("lossy-seed7.pcap", 1406)}


def _declared() -> dict[tuple[str, int], str]:
    shared = {k: v for k, v in declared_lines(SHOW_DECLARED).items() if k[0] in DESEGMENT_CAPTURES and k not in EQUAL_HERE}
    return {**shared, **declared_lines(DECLARED)}


@cache
def _ours(name: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for piece in tcpscope.scan(CAPTURES / name, desegment=False):
        first = piece.table.records.first_frame
        for f, tree in zip(piece.frames.tolist(), show_text(piece.table, piece.frames, full_registry()), strict=True):
            out[first + f + 1] = tree.text + "\n"
    return out


def _expected(name: str) -> dict[int, str]:
    frames = split_frames(_golden(name))
    frames.update({int(n): text for n, text in RECORDED["frames"][name].items()})
    return frames


pytestmark = pytest.mark.usefixtures("utc")


def test_recorded_for_every_capture() -> None:
    assert tuple(RECORDED["args"]) == DESEGMENT_SHOW_ARGS and set(RECORDED["frames"]) == set(DESEGMENT_CAPTURES)
    assert RECORDED["tshark"] == VERSION_FILE.read_text().strip()
    assert {name for name, _ in EQUAL_HERE} | {name for d in DECLARED.values() for name in d} <= set(DESEGMENT_CAPTURES)


@pytest.mark.parametrize("name", DESEGMENT_CAPTURES)
def test_trees_alone_as_tshark(name: str) -> None:
    problems, _pending = frame_diffs(name, _expected(name), _ours(name), _declared())
    assert problems == []


@pytest.mark.tshark
def test_trees_alone_as_tshark_live(tshark: str) -> None:
    name = "http-get.pcap"
    env = {**os.environ, "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    want = subprocess.run([tshark, "-r", name, *DESEGMENT_SHOW_ARGS], cwd=CAPTURES, env=env, capture_output=True,
                          check=False)
    problems, _ = frame_diffs(name, split_frames(want.stdout.decode("utf-8")), _ours(name), _declared())
    assert problems == []
