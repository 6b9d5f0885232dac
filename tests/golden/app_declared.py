"""The TLS and DNS fields' cells where tcpscope differs from tshark on the golden captures:
DNS over UDP, which tcpscope does not dissect yet (docs/deviations.md). Read by
test_every_field.py with the other known differences; written from ``tshark -r CAPTURE
-Y "dns && !tcp" -T fields -e frame.number -e dns.*`` on every golden capture.
"""

from __future__ import annotations

from fieldsets import KnownDiff

__all__ = ["APP_KNOWN_DIFFS"]

_DNS_UDP = "DNS over UDP: not dissected (only DNS over TCP is)"

APP_KNOWN_DIFFS: tuple[KnownDiff, ...] = (
    KnownDiff("craft-encap-8023.pcap", (
        ("dns.id", (2,)),
        ("dns.flags.response", (2,)),
    ), _DNS_UDP),
    KnownDiff("craft-encap-gre.pcap", (
        ("dns.id", (4,)),
        ("dns.flags.response", (4,)),
    ), _DNS_UDP),
    KnownDiff("craft-encap-ipip.pcap", (
        ("dns.id", (2, 4, 6, 9)),
        ("dns.flags.response", (2, 4, 6, 9)),
    ), _DNS_UDP),
    KnownDiff("craft-encap-mpls.pcap", (
        ("dns.id", (2,)),
        ("dns.flags.response", (2,)),
    ), _DNS_UDP),
    KnownDiff("craft-encap-vlan.pcap", (
        ("dns.id", (3,)),
        ("dns.flags.response", (3,)),
    ), _DNS_UDP),
    KnownDiff("craft-ipv6-ext.pcap", (
        ("dns.id", (1, 3, 5, 19, 22, 24, 29)),
        ("dns.flags.response", (1, 3, 5, 19, 22, 24, 29)),
    ), _DNS_UDP),
    KnownDiff("craft-link-loop.pcap", (
        ("dns.id", (2, 3, 4)),
        ("dns.flags.response", (2, 3, 4)),
    ), _DNS_UDP),
    KnownDiff("craft-link-null-be.pcap", (
        ("dns.id", (2, 3, 4, 6, 10)),
        ("dns.flags.response", (2, 3, 4, 6, 10)),
    ), _DNS_UDP),
    KnownDiff("craft-link-null-le.pcap", (
        ("dns.id", (2, 3, 4, 6, 10)),
        ("dns.flags.response", (2, 3, 4, 6, 10)),
    ), _DNS_UDP),
    KnownDiff("craft-link-raw101.pcap", (
        ("dns.id", (2, 4)),
        ("dns.flags.response", (2, 4)),
    ), _DNS_UDP),
    KnownDiff("craft-link-raw14.pcap", (
        ("dns.id", (2, 4)),
        ("dns.flags.response", (2, 4)),
    ), _DNS_UDP),
    KnownDiff("craft-link-raw228.pcap", (
        ("dns.id", (2, 4)),
        ("dns.flags.response", (2, 4)),
    ), _DNS_UDP),
    KnownDiff("craft-link-raw229.pcap", (
        ("dns.id", (2, 4)),
        ("dns.flags.response", (2, 4)),
    ), _DNS_UDP),
    KnownDiff("craft-link-sll.pcap", (
        ("dns.id", (6,)),
        ("dns.flags.response", (6,)),
    ), _DNS_UDP),
    KnownDiff("craft-link-sll2.pcap", (
        ("dns.id", (6,)),
        ("dns.flags.response", (6,)),
    ), _DNS_UDP),
    KnownDiff("craft-pcapng-sections.pcapng", (
        ("dns.id", (13, 16, 18)),
        ("dns.flags.response", (13, 16, 18)),
    ), _DNS_UDP),
    KnownDiff("zeek-pcapng-multi-interface.pcapng", (
        ("dns.id", (1, 2, 3, 4, 5, 6)),
        ("dns.flags.response", (1, 2, 3, 4, 5, 6)),
        ("dns.flags.rcode", (2, 4, 6)),
        ("dns.qry.name", (1, 2, 3, 4, 5, 6)),
        ("dns.qry.type", (1, 2, 3, 4, 5, 6)),
        ("dns.a", (2, 4)),
        ("dns.aaaa", (6,)),
        ("dns.resp.ttl", (2, 4, 6)),
    ), _DNS_UDP),
)
