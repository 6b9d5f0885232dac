"""Names of the protocols a frame can hold, as ``frame.protocols`` spells them.

The dissectors record, for each frame, the protocols they met in order; the table here
gives each name a small code so that record is a pair of numpy arrays.
"""

from __future__ import annotations

__all__ = ["IP_PROTO_NAMES", "PROTO_CODE", "PROTO_NAMES"]

PROTO_NAMES: tuple[str, ...] = (
    "eth",
    "ethertype",
    "vlan",
    "sll",
    "null",
    "raw",
    "ip",
    "ipv6",
    "ipv6.hopopts",
    "ipv6.routing",
    "ipv6.fraghdr",
    "ipv6.dstopts",
    "tcp",
    "udp",
    "data",
    "mpls",
    "gre",
    "arp",
    "icmp",
    "icmpv6",
    "llc",
    "ah",
    "ieee8021ad",
    "ieee8021ah",
    "mptcp",
)

PROTO_CODE: dict[str, int] = {name: i for i, name in enumerate(PROTO_NAMES)}

#: IP protocol numbers (ipproto.c) with the names tshark shows for them.
IP_PROTO_NAMES: dict[int, str] = {
    0: "IPv6 Hop-by-Hop Option",
    1: "ICMP",
    2: "IGMP",
    4: "IPIP",
    6: "TCP",
    17: "UDP",
    41: "IPv6",
    43: "IPv6 Routing",
    44: "IPv6 Fragment",
    47: "GRE",
    50: "ESP",
    51: "AH",
    58: "ICMPv6",
    59: "IPv6 No Next Header",
    60: "IPv6 Destination Options",
    89: "OSPF IGP",
    103: "PIM",
    112: "VRRP",
    132: "SCTP",
    137: "MPLS in IP",
}
