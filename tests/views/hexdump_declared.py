"""The frames whose ``tshark -x`` dump tcpscope does not reproduce whole, declared one by one.

``DECLARED[capture]`` holds the frame numbers (``"4 6 8-12"``) of frames to which a
dissector tcpscope does not have yet added a data source of its own: TCP reassembly on
behalf of a protocol tcpscope does not frame ("Reassembled TCP" of SMTP and of crafted
payloads no dissector tcpscope has takes).
tcpscope prints the frame's own bytes (and its reassembled IP datagrams and HTTP's
sources); tests/views/test_hexdump.py checks that tshark prints exactly those under their
titles, followed by the other sources' blocks only, and fails on a declared frame that
has come to match (stale). Counted in docs/deviations.md ("Bytes pane").
"""

from __future__ import annotations

__all__ = ["DECLARED", "REASON", "UNPRODUCED"]

REASON = "TCP reassembly's data source for a PDU of a protocol tcpscope does not dissect"

#: The data sources those frames have that tcpscope does not produce
UNPRODUCED = frozenset({"Reassembled TCP"})

DECLARED: dict[str, str] = {
    "craft-pcapng-be.pcapng": "5",
    "zeek-communityid-ipv6.pcap": "14",
    "zeek-tcp-reassembly.pcap": "110",
}
