"""``tcpscope fields -e tcp`` (and ``frame``, ``eth``, ``vlan``, ``sll``, ``mpls``, ``ip``, ``ipv6``,
``gre``) prints the
protocol's tree label, as ``tshark -T fields`` does: on every frame of every capture that
``tcpscope show`` prints as tshark does (tests/views/test_show_golden.py), each protocol's
value equals the top lines of that protocol in tshark's recorded tree, joined by commas
(tshark's aggregator) when the frame has several headers of it. Where tshark is installed,
it is also asked directly on a few captures."""

from __future__ import annotations

import os
import subprocess

import pytest
from compare import CAPTURES, run_tcpscope
from show_declared import DECLARED
from test_golden_list import declared_lines
from test_show_golden import NAMES, _golden, pending_reason, split_frames

#: The -e protocols, and how their tree's top line starts (an IEEE 802.3 frame's Ethernet
#: line has packet-eth.c's words for it).
HEADS: dict[str, str | tuple[str, ...]] = {
    "frame": "Frame ", "eth": ("Ethernet II", "IEEE 802.3 Ethernet"), "vlan": "802.1Q Virtual LAN",
    "sll": "Linux cooked capture", "mpls": "MultiProtocol Label Switching Header",
    "ip": "Internet Protocol Version 4",
    "ipv6": "Internet Protocol Version 6", "gre": "Generic Routing Encapsulation",
    "tcp": "Transmission Control Protocol"}
ARGS = [arg for name in HEADS for arg in ("-e", name)]


pytestmark = pytest.mark.usefixtures("utc")


def _labels(frame_text: str) -> list[str]:
    """A frame's -e values for the protocols of HEADS, from its tree's unindented lines."""
    tops = [line for line in frame_text.splitlines() if line and not line.startswith(" ")]
    return [",".join(t for t in tops if t.startswith(head)) for head in HEADS.values()]


@pytest.mark.parametrize("name", [n for n in NAMES if not n.startswith("bad/")])
def test_protocol_fields_print_the_tree_labels(name: str) -> None:
    declared = declared_lines(DECLARED)
    frames = split_frames(_golden(name))
    rows = run_tcpscope("fields", name, *ARGS).stdout.splitlines()
    checked = 0
    for n, text in frames.items():
        if pending_reason(text) is None and (name, n) not in declared:
            assert rows[n - 1].split("\t") == _labels(text), f"{name} frame {n}"
            checked += 1
    assert checked or not frames or all(pending_reason(t) or (name, n) in declared for n, t in frames.items())


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["http-get.pcap", "zeek-http-qinq-0.pcap", "own-ipv6.pcap", "craft-tcp-truncated.pcap",
                                  "craft-link-sll2.pcap", "craft-encap-mpls.pcap"])
def test_protocol_fields_match_tshark_live(name: str, tshark: str) -> None:
    env = {**os.environ, "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    want = subprocess.run([tshark, "-n", "-r", name, "-T", "fields", *ARGS], cwd=CAPTURES, env=env,
                          capture_output=True, check=False)
    assert run_tcpscope("fields", name, *ARGS).stdout == want.stdout.decode("utf-8")
