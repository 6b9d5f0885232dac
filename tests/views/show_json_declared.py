"""The frames of ``tcpscope show -T json`` that differ from ``tshark -T json``, declared
one by one by reason, among the frames whose ``-V`` text already equals tshark's.

``DECLARED[reason][capture]`` holds frame numbers (``"4 6 8-12"``); tests/views/test_show_json.py
compares every other such frame of the recorded prefix whole (as parsed JSON, repeated
keys kept in order, with and without the ``*_raw`` arrays) and fails on a declared frame
that has come to match (stale). docs/deviations.md lists the reasons.
"""

from __future__ import annotations

__all__ = ["DECLARED"]

TLS_JSON = "the TLS tree in -T json: views/tree_tls.py writes the text tree only (the JSON has the protocol's label)"

DNS_JSON = ("the DNS tree in -T json: views/tree_dns.py writes the text tree only (the JSON has the protocol's"
            " label)")

DECLARED: dict[str, dict[str, str]] = {
    DNS_JSON: {
        "craft-encap-gre.pcap": "4",
        "craft-encap-ipip.pcap": "2 4 6 9",
        "craft-encap-mpls.pcap": "2",
        "craft-ipv4-options.pcap": "25",
        "craft-ipv6-ext.pcap": "1 5 29",
        "craft-link-loop.pcap": "2-4",
        "craft-link-null-be.pcap": "2-4 6",
        "craft-link-null-le.pcap": "2-4 6",
        "craft-link-raw101.pcap": "2 4",
        "craft-link-raw14.pcap": "2 4",
        "craft-link-raw228.pcap": "2 4",
        "craft-link-raw229.pcap": "2 4",
        "craft-link-sll.pcap": "6",
        "craft-link-sll2.pcap": "6",
        "zeek-pcapng-multi-interface.pcapng": "1-2",
    },
    TLS_JSON: {
        "tls-dns.pcap": "16-17 57-58 69-72",
    },
}
