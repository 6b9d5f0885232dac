"""The ARP tree, as packet-arp.c adds it (labels from its ``hf_register_info``, written
down here in our own words), for the header tcpscope reads whole: Ethernet hardware
addresses and IPv4 protocol addresses (``arp`` rows with ``complete``).

The top line names the operation (``request``, ``reverse reply``), or for a gratuitous
request or reply, an announcement or a probe packet-arp.c's words for it; then the
header's fields, the generated ``[Is gratuitous]``, ``[Is probe]`` and ``[Is
announcement]`` items where they hold, and the four addresses. A header of another kind
(other address types or sizes, cut short) has no tree here yet: its frame reports ARP as
missing.
"""

from __future__ import annotations

from tcpscope.views.tree import Item, Node, Protocol
from tcpscope.views.tree_link import header_start

__all__ = ["ARP"]

#: op_vals for the top line (the registry's arp.opcode names the same operations)
_REQUEST, _REPLY = 1, 2


def _arp_head(item: Item) -> str | None:
    """The top line: ``Address Resolution Protocol (<operation>)``, the operation's name
    replaced for a gratuitous request or reply, an announcement and a probe."""
    if not item.has("arp.opcode"):
        return None
    op = int(item.get("arp.opcode"))
    name = item.shown("arp.opcode") or ""
    words = name.rsplit(" (", 1)[0] if name.endswith(")") else f"opcode 0x{op:04x}"
    if item.has("arp.isannouncement"):
        words = "ARP Announcement"
    elif item.has("arp.isprobe"):
        words = "ARP Probe"
    elif item.has("arp.isgratuitous"):
        words = "request/gratuitous ARP" if op == _REQUEST else "reply/gratuitous ARP"
    return f"Address Resolution Protocol ({words})"


def _arp_span(item: Item) -> tuple[int, int]:
    return header_start("arp")(item), 28


ARP = Protocol("arp", "arp", _arp_head, (
    Node("arp.hw.type", raw=(0, 2, 0)),
    Node("arp.proto.type", raw=(2, 2, 0)),
    Node("arp.hw.size", raw=(4, 1, 0)),
    Node("arp.proto.size", raw=(5, 1, 0)),
    Node("arp.opcode", raw=(6, 2, 0)),
    Node("arp.isgratuitous", generated=True),
    Node("arp.isprobe", generated=True),
    Node("arp.isannouncement", generated=True),
    Node("arp.src.hw_mac", raw=(8, 6, 0)),
    Node("arp.src.proto_ipv4", raw=(14, 4, 0)),
    Node("arp.dst.hw_mac", raw=(18, 6, 0)),
    Node("arp.dst.proto_ipv4", raw=(24, 4, 0)),
), span=_arp_span)
