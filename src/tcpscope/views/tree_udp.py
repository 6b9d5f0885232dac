"""The UDP tree, as packet-udp.c adds it (labels from its ``hf_register_info`` and
``proto_tree_add_*`` calls, written down here in our own words).

The ports (with LBL traceroute's expert item under the port in its range), the length
(a length under 8 ends the tree there, as the dissection), the checksum (not verified,
tshark's default: a zero checksum is "ignored" over IPv4 and "illegal" over IPv6, its
status then under the checksum's line), then the conversation's items: ``[Stream
index: N]`` and, for a datagram with a payload, ``[Timestamps]`` (tcpscope.analysis.udp),
and the payload's line.
"""

from __future__ import annotations

from collections.abc import Callable

from tcpscope.views.tree import Item, Node, Protocol
from tcpscope.views.tree_link import header_start

__all__ = ["UDP"]

#: LBL traceroute's ports (packet-udp.c's expert item): 33434 + 3 attempts per hop, 10 hops
_TRACEROUTE = range(32768 + 666 + 1, 32768 + 666 + 30 + 1)


def _udp_head(item: Item) -> str | None:
    """The header's line; none when the header was not all captured (packet-udp.c reads
    the ports and the length before adding its item)."""
    if not item.has("udp.srcport"):
        return None
    return f"User Datagram Protocol, Src Port: {item.get('udp.srcport')}, Dst Port: {item.get('udp.dstport')}"


def _length(item: Item) -> str:
    """The length, with packet-udp.c's word on a bogus one: under 8, or past the IP payload."""
    n = int(item.value)
    if item.column("udp", "length_short"):
        return f"Length: {n} (bogus, must be >= 8)"
    if item.column("udp", "length_past_ip"):
        return f"Length: {n} (bogus, payload length {int(item.column('udp', 'rep'))})"
    return f"Length: {n}"


def _checksum(item: Item) -> str:
    sent = int(item.value)
    if sent:
        return f"Checksum: 0x{sent:04x} [unverified]"
    illegal = item.get("udp.checksum.status") == 4
    return f"Checksum: 0x0000 [zero-value {'illegal' if illegal else 'ignored'}]"


def _zero(item: Item) -> bool:
    """A zero checksum: its status is a child of its line, not a sibling."""
    return bool(item.get("udp.checksum") == 0)


def _payload(item: Item) -> str:
    """The payload's line: the bytes captured after the header, at most the length's."""
    n = min(len(item.text) // 2, int(item.column("udp", "ulen")) - 8)
    return f"UDP payload ({n} byte{'' if n == 1 else 's'})"


def _in_range(name: str) -> Callable[[Item], bool]:
    def traceroute(item: Item) -> bool:
        port = item.get(name)
        return port is not None and int(port) in _TRACEROUTE

    return traceroute


def _port(name: str, at: int, before: str = "") -> tuple[Node, Node]:
    """A port's line, with the traceroute items under it when the port is in its range
    (and the port ``before`` is not: both items then go under the first, not yet told
    apart)."""
    mine = _in_range(name)
    first = _in_range(before) if before else (lambda item: False)

    def here(item: Item) -> bool:
        return mine(item) and not first(item)

    return (Node(name, raw=(at, 2, 0), when=lambda item: not here(item)),
            Node(name, raw=(at, 2, 0), when=here, experts=("udp.possible_traceroute",)))


def _payload_bytes(item: Item) -> tuple[int, int, int]:
    return header_start("udp")(item) + 8, len(item.text) // 2, 0


def _malformed(item: Item) -> str:
    return "Malformed Packet"


#: The hidden item an expert item of the Malformed group adds after it (JSON only).
_MALFORMED = Node("", label=_malformed, key="_ws.malformed", value=_malformed, hidden=True, constant=True)


def _udp_span(item: Item) -> tuple[int, int]:
    return header_start("udp")(item), 8


UDP = Protocol("udp", "udp", _udp_head, (
    *_port("udp.srcport", 0),
    *_port("udp.dstport", 2, "udp.srcport"),
    Node("udp.srcport", key="udp.port", hidden=True, raw=(0, 2, 0)),
    Node("udp.dstport", key="udp.port", hidden=True, raw=(2, 2, 0)),
    Node("udp.length", label=_length, experts=("udp.length.bad", "udp.length.bad_zero"), raw=(4, 2, 0), follow=(
        ("udp.length.bad", (_MALFORMED,)),)),
    Node("udp.checksum", label=_checksum, experts=("udp.checksum.zero",), raw=(6, 2, 0), follow=(
        ("", (Node("udp.checksum.status", generated=True, when=_zero, raw=(6, 2, 0)),)),)),
    Node("udp.checksum.status", generated=True, when=lambda item: not _zero(item)),
    Node("udp.stream", generated=True),
    Node("", label=lambda item: "Timestamps", generated=True, constant=True, children=(
        Node("udp.time_relative", generated=True),
        Node("udp.time_delta", generated=True),
    )),
    Node("udp.payload", label=_payload, raw=_payload_bytes),
), span=_udp_span)
