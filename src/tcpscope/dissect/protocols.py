"""Names of the protocols a frame can hold, as ``frame.protocols`` spells them.

The dissectors record, for each frame, the protocols they met in order; the table here
gives each name a small code so that record is a pair of numpy arrays.
"""

from __future__ import annotations

__all__ = ["ETHERTYPE_NAMES", "IP_PROTO_NAMES", "PROTO_CODE", "PROTO_NAMES"]

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
    # above TCP, named by the TLS and DNS framing (tcpscope.analysis.tls_frames)
    "tls",
    "dns",
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

#: EtherTypes (etypes.h, etype_vals) with the names tshark shows for them.
ETHERTYPE_NAMES: dict[int, str] = {
    0x0800: "IPv4",
    0x0806: "ARP",
    0x8035: "RARP",
    0x8100: "802.1Q Virtual LAN",
    0x86DD: "IPv6",
    0x8847: "MPLS label switched packet",
    0x8848: "MPLS multicast label switched packet",
    0x88A8: "802.1ad Provider Bridge (Q-in-Q)",
    0x88E7: "802.1ah Provider Backbone Bridge (mac-in-mac)",
    0x9100: "QinQ: old non-standard 802.1ad",
}
