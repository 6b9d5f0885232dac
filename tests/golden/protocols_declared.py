"""``frame.protocols`` against tshark's: which differences are declared, and why.

A difference is explained when tshark goes on where tcpscope stops because tshark has a
dissector tcpscope has not (:func:`explained`): past the protocols both list, tshark names
one that tcpscope does not dissect (``http``, ``stp``, a link type ..., or ``tls`` over
UDP) and tcpscope lists at most ``data`` there; or TCP's payload went to TCP reassembly on
behalf of such a protocol (HTTP on port 80: tshark lists nothing after ``tcp``, tcpscope
``data``). Every other difference is declared frame by frame in :data:`DECLARED`, and a
declared frame that comes to match is reported as stale.
"""

from __future__ import annotations

from collections.abc import Sequence

from http_declared import PROTOCOLS as HTTP_PROTOCOLS

from tcpscope.dissect.protocols import PROTO_NAMES

#: Protocols above TCP that tcpscope's analysis frames (issue 18): a difference there is not
#: explained by a missing dissector
FRAMED_ABOVE_TCP = frozenset({"http"})

__all__ = ["DECLARED", "explained", "protocol_diffs"]

_NO_PACKET = "a pcapng block that is not a packet: tshark hands its bytes to data"
_QINQ = "an 802.1ad tag followed by an 802.1ah type: tcpscope reads an I-tag"
_IPV6_NOT_6 = "an EtherType 0x86dd or raw IPv6 link frame whose version is not 6"
_NO_NEXT = "IPv6 with no next header: the bytes after it are not data in tshark"

#: Protocols tcpscope dissects above TCP only (DTLS over UDP is not dissected)
_ABOVE_TCP_ONLY = frozenset({"tls"})

#: capture -> frame -> why its frame.protocols differs, for what :func:`explained` does not cover
DECLARED: dict[str, dict[int, str]] = {
    "craft-encap-vlan.pcap": {11: _QINQ},
    "craft-ipv6-ext.pcap": {9: _NO_NEXT, 26: _IPV6_NOT_6},
    "craft-link-raw229.pcap": {1: _IPV6_NOT_6, 3: _IPV6_NOT_6},
    "craft-link-sll2.pcap": {11: "a Linux cooked v2 frame of a Netlink interface: tshark hands it to data"},
    "craft-pcapng-records.pcapng": {1: _NO_PACKET, 3: _NO_PACKET, 5: _NO_PACKET},
    "craft-pcapng-sections.pcapng": {3: _NO_PACKET, 9: _NO_PACKET, 14: _NO_PACKET},
    "craft-tcp-truncated.pcap": {40: "a snap-length cut segment on port 443: tshark's TLS reads it unreassembled"},
}


def explained(tshark: str, ours: str) -> bool:
    """Whether a protocol tcpscope does not dissect accounts for the difference."""
    t, s = tshark.split(":") if tshark else [], ours.split(":") if ours else []
    k = 0
    while k < min(len(t), len(s)) and t[k] == s[k]:
        k += 1
    rest = s[k:]
    if rest not in ([], ["data"]):
        return False
    if k < len(t):  # tshark goes on with a protocol tcpscope does not have (there)
        return ((t[k] not in PROTO_NAMES and t[k] not in FRAMED_ABOVE_TCP)
                or (t[k] in _ABOVE_TCP_ONLY and k > 0 and t[k - 1] != "tcp"))
    return k > 0 and t[k - 1] == "tcp" and rest == ["data"]  # the payload held by reassembly


def protocol_diffs(name: str, tshark: Sequence[str], ours: Sequence[str]) -> list[str]:
    """The frame.protocols cells of capture ``name`` that differ unexplained and undeclared,
    and the declared ones that no longer differ."""
    declared = {**DECLARED.get(name, {}), **HTTP_PROTOCOLS.get(name, {})}
    out = []
    for n, (a, b) in enumerate(zip(tshark, ours, strict=True), start=1):
        if n in declared:
            if a == b:
                out.append(f"frame {n}: frame.protocols declared ({declared[n]}) but equal to tshark's: stale")
        elif a != b and not explained(a, b):
            out.append(f"frame {n}: frame.protocols: tshark {a!r}, tcpscope {b!r}")
    return out
