"""The ICMP and ICMPv6 trees, as packet-icmp.c and packet-icmpv6.c add them (labels from
their ``hf_register_info`` and ``proto_tree_add_*`` calls, written down here in our own words).

Both start with type, code and checksum (RFC 792, RFC 4443 §2.1); tshark verifies the
checksum: the Internet checksum over the message (for ICMPv6 after the pseudo-header of
RFC 8200 §8.1: source, destination, upper-layer length and next header 58) sums to
0xffff. Written after that, by type:

* ICMP echo request and reply (RFC 792): the identifier and sequence number, each read
  both big- and little-endian, as tshark shows them;
* ICMPv6 echo (RFC 4443 §4.1): identifier and sequence number; router solicitation
  (RFC 4861 §4.1): the reserved word and the options (source/target link-layer address);
  MLDv2 report (RFC 3810 §5.2): its records (type, auxiliary data length, number of
  sources, multicast address).

Not written yet (the frames of the test captures that have them are declared in
tests/views/show_declared.py): the echo data tshark nests in the ICMP tree (its
timestamp, the Data subtree), the request/response links and times of echo replies, and
the other message types. ICMP's parts have no column: they are read from the message's
bytes, and their fields' types are :data:`tcpscope.dissect.tree_fields.TREE_FIELDS`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import replace
from typing import Literal

import numpy as np

from tcpscope.views.tree import Item, Node, Protocol
from tcpscope.views.tree_link import header_start, shown_mac

__all__ = ["ICMP", "ICMPV6"]

#: icmp_type_str: the names of ICMP types.
_ICMP_TYPES = {0: "Echo (ping) reply", 3: "Destination unreachable", 4: "Source quench (flow control)",
               5: "Redirect", 8: "Echo (ping) request", 11: "Time-to-live exceeded", 12: "Parameter problem",
               13: "Timestamp request", 14: "Timestamp reply"}
_ICMP_ECHO = (0, 8)
#: icmpv6_type_val: the names of ICMPv6 types.
_ICMPV6_TYPES = {1: "Destination Unreachable", 2: "Packet Too Big", 3: "Time Exceeded", 4: "Parameter Problem",
                 128: "Echo (ping) request", 129: "Echo (ping) reply", 133: "Router Solicitation",
                 134: "Router Advertisement", 135: "Neighbor Solicitation", 136: "Neighbor Advertisement",
                 143: "Multicast Listener Report Message v2"}
_ECHO6, _RS, _MLDV2 = (128, 129), 133, 143
#: mldr_record_type_val: the MLDv2 record types.
_RECORD_TYPES = {1: "Include", 2: "Exclude", 3: "Changed to include", 4: "Changed to exclude",
                 5: "Allow new sources", 6: "Block old sources"}
#: option_vals: the neighbor discovery option types.
_OPTION_TYPES = {1: "Source link-layer address", 2: "Target link-layer address"}
_LINK_OPTIONS = {1: "icmpv6.opt.src_linkaddr", 2: "icmpv6.opt.target_linkaddr"}
#: How many options (records) of one message are written at most.
_MAX_PARTS = 8
_STATUS = {0: "Bad", 1: "Good", 2: "Unverified"}

class _Message:
    """The message being shown: its bytes (as captured) and the IP header it is carried in."""

    def __init__(self, item: Item, table: str) -> None:
        self.frame = item.frame_bytes()
        self.start = header_start(table)(item)
        self.offset = int(item.table.records.offset[item.frame])
        self.ip, self.ip_start = _carrier(item, self.start)
        self.names = item.names  # (MAC addresses with their names)

    def word(self, at: int, width: int, order: Literal["big", "little"] = "big") -> int:
        s = self.start + at
        return int.from_bytes(self.frame[s:s + width], order)

    def bytes_at(self, at: int, width: int) -> bytes:
        return self.frame[self.start + at:self.start + at + width]

    def end(self) -> int:
        """The message's end in the frame: the end of its IP datagram, as far as captured."""
        b, s = self.frame, self.ip_start
        if self.ip == "ip":
            total = s + int.from_bytes(b[s + 2:s + 4], "big")
        else:
            total = s + 40 + int.from_bytes(b[s + 4:s + 6], "big")
        return min(total, len(b))


def _carrier(item: Item, start: int) -> tuple[str, int]:
    """The IP header the message follows: the last IPv4 or IPv6 header of the frame before it."""
    best = ("ip", -1)
    offset = int(item.table.records.offset[item.frame])
    for name in ("ip", "ipv6"):
        layer = item.table.layer(name)
        if not len(layer):
            continue
        # (a layer table's rows are in frame order)
        a, b = np.searchsorted(layer.pkt, [item.frame, item.frame + 1])
        for s in (np.asarray(layer.cols["_start"])[a:b] - offset).tolist():
            if best[1] < int(s) < start:
                best = (name, int(s))
    return best


def _sum16(data: bytes) -> int:
    """The ones' complement sum of 16-bit words (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    total = int(np.frombuffer(data, dtype=">u2").astype(np.int64).sum())
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def _checksum_ok(m: _Message, v6: bool) -> bool:
    """The Internet checksum over the message (after ICMPv6's pseudo-header) is 0xffff."""
    body = m.frame[m.start:m.end()]
    if v6:
        s = m.ip_start
        pseudo = m.frame[s + 8:s + 40] + len(body).to_bytes(4, "big") + b"\0\0\0\x3a"
        body = pseudo + body
    return _sum16(body) == 0xFFFF


def _node(key: str, label: Callable[[_Message], str], value: Callable[[_Message], str],
          at: tuple[int, int] | Callable[[_Message], tuple[int, int]] | None) -> Node:
    """An item read from the message (its protocol: the key's first part): its line, JSON
    value and bytes (offset and length in the message; None for a generated item)."""
    table = key.split(".", maxsplit=1)[0]

    def where(item: Item) -> tuple[int, int, int] | None:
        if at is None:
            return None
        m = _Message(item, table)
        off, length = at(m) if callable(at) else at
        return m.start + off, length, 0

    return Node("", label=lambda item: label(_Message(item, table)), key=key,
                value=lambda item: value(_Message(item, table)), generated=at is None, raw=where)


def _only(node: Node, when: Callable[[_Message], bool], children: tuple[Node, ...] = ()) -> Node:
    """The node shown only in the messages where ``when`` holds, with ``children``."""
    table = str(node.key).split(".")[0]
    return replace(node, when=lambda item: when(_Message(item, table)), children=children)


def _common(proto: str, types: dict[int, str], type_line: Callable[[int, str], str]) -> tuple[Node, ...]:
    """Type, code, checksum and its status."""
    v6 = proto == "icmpv6"

    def status(m: _Message) -> int:
        return 1 if _checksum_ok(m, v6) else 0

    return (
        _node(f"{proto}.type", lambda m: f"Type: {type_line(m.word(0, 1), types.get(m.word(0, 1), 'Unknown'))}",
              lambda m: str(m.word(0, 1)), (0, 1)),
        _node(f"{proto}.code", lambda m: f"Code: {m.word(1, 1)}", lambda m: str(m.word(1, 1)), (1, 1)),
        _node(f"{proto}.checksum",
              lambda m: f"Checksum: 0x{m.word(2, 2):04x} [{'correct' if status(m) else 'incorrect'}]",
              lambda m: f"0x{m.word(2, 2):04x}", (2, 2)),
        _node(f"{proto}.checksum.status", lambda m: f"Checksum Status: {_STATUS[status(m)]}",
              lambda m: str(status(m)), None),
    )


def _both_orders(title: str, key: str, at: int) -> tuple[Node, ...]:
    """A 16-bit number read big-endian, then little-endian, as tshark shows ICMP's echo numbers."""
    def line(order: Literal["big", "little"]) -> Callable[[_Message], str]:
        return lambda m: f"{title} ({order[0].upper()}E): {m.word(at, 2, order)} (0x{m.word(at, 2, order):04x})"

    def echo(m: _Message) -> bool:
        return m.word(0, 1) in _ICMP_ECHO

    return (_only(_node(key, line("big"), lambda m: str(m.word(at, 2)), (at, 2)), echo),
            _only(_node(f"{key}_le", line("little"), lambda m: str(m.word(at, 2, "little")), (at, 2)), echo))


def _icmp_span(item: Item) -> tuple[int, int]:
    m = _Message(item, "icmp")
    return m.start, m.end() - m.start


ICMP = Protocol("icmp", "icmp", lambda item: "Internet Control Message Protocol", (
    *_common("icmp", _ICMP_TYPES, lambda v, name: f"{v} ({name})"),
    *_both_orders("Identifier", "icmp.ident", 4),
    *_both_orders("Sequence Number", "icmp.seq", 6),
), span=_icmp_span)


def _is(*types: int) -> Callable[[_Message], bool]:
    return lambda m: m.word(0, 1) in types


def _colons(b: bytes) -> str:
    """Bytes as tshark writes an FT_BYTES or FT_ETHER value: hex pairs joined by colons."""
    return ":".join(f"{x:02x}" for x in b)


def _option_at(m: _Message, k: int) -> int:
    """Where the ``k``-th option of a router solicitation is in the message (-1: none)."""
    at, end = 8, m.end() - m.start
    for _ in range(k):
        length = m.word(at + 1, 1) * 8 if at + 2 <= end else 0
        if length == 0:
            return -1
        at += length
    return at if at + 2 <= end and m.word(at + 1, 1) else -1


def _option(k: int) -> Node:
    """The ``k``-th neighbor discovery option: its type, length and (a link-layer address option) address."""
    def at(m: _Message) -> int:
        return _option_at(m, k)

    def kind(m: _Message) -> int:
        return m.word(at(m), 1)

    def mac(m: _Message) -> str:
        return _colons(m.bytes_at(at(m) + 2, 6))

    def head(m: _Message) -> str:
        name = _OPTION_TYPES.get(kind(m), "Unknown")
        return f"ICMPv6 Option ({name} : {mac(m)})" if kind(m) in _LINK_OPTIONS else f"ICMPv6 Option ({name})"

    def is_link(m: _Message) -> bool:
        return kind(m) in _LINK_OPTIONS

    def link_key(item: Item) -> str:
        return _LINK_OPTIONS[kind(_Message(item, "icmpv6"))]

    link = _only(_node("icmpv6.opt.linkaddr", lambda m: f"Link-layer address: {shown_mac(m.names, mac(m))}", mac,
                       lambda m: (at(m) + 2, 6)), is_link)
    return _only(_node("icmpv6.opt", head, lambda m: "", lambda m: (at(m), m.word(at(m) + 1, 1) * 8)),
                 lambda m: m.word(0, 1) == _RS and at(m) >= 0, (
        _node("icmpv6.opt.type", lambda m: f"Type: {_OPTION_TYPES.get(kind(m), 'Unknown')} ({kind(m)})",
              lambda m: str(kind(m)), lambda m: (at(m), 1)),
        _node("icmpv6.opt.length",
              lambda m: f"Length: {m.word(at(m) + 1, 1)} ({m.word(at(m) + 1, 1) * 8} bytes)",
              lambda m: str(m.word(at(m) + 1, 1)), lambda m: (at(m) + 1, 1)),
        link,
        replace(link, key=link_key, hidden=True),
    ))


def _record_at(m: _Message, k: int) -> int:
    """Where the ``k``-th record of an MLDv2 report is in the message (-1: none): each is 20
    bytes, its sources' addresses and its auxiliary data words long."""
    if k >= m.word(6, 2):
        return -1
    at = 8
    for _ in range(k):
        at += 20 + 16 * m.word(at + 2, 2) + 4 * m.word(at + 1, 1)
    return at


def _record(k: int) -> Node:
    """The ``k``-th multicast address record of an MLDv2 report (its sources not written yet)."""
    def at(m: _Message) -> int:
        return _record_at(m, k)

    def address(m: _Message) -> str:
        return ipaddress.IPv6Address(m.bytes_at(at(m) + 4, 16)).compressed

    def kind(m: _Message) -> str:
        return _RECORD_TYPES.get(m.word(at(m), 1), "Unknown")

    def length(m: _Message) -> int:
        return 20 + 16 * m.word(at(m) + 2, 2) + 4 * m.word(at(m) + 1, 1)

    return _only(_node("icmpv6.mldr.mar", lambda m: f"Multicast Address Record {kind(m)}: {address(m)}",
                       lambda m: "", lambda m: (at(m), length(m))),
                 lambda m: m.word(0, 1) == _MLDV2 and at(m) >= 0, (
        _node("icmpv6.mldr.mar.record_type", lambda m: f"Record Type: {kind(m)} ({m.word(at(m), 1)})",
              lambda m: str(m.word(at(m), 1)), lambda m: (at(m), 1)),
        _node("icmpv6.mldr.mar.aux_data_len", lambda m: f"Aux Data Len: {m.word(at(m) + 1, 1)}",
              lambda m: str(m.word(at(m) + 1, 1)), lambda m: (at(m) + 1, 1)),
        _node("icmpv6.mldr.mar.nb_sources", lambda m: f"Number of Sources: {m.word(at(m) + 2, 2)}",
              lambda m: str(m.word(at(m) + 2, 2)), lambda m: (at(m) + 2, 2)),
        _node("icmpv6.mldr.mar.multicast_address", lambda m: f"Multicast Address: {address(m)}", address,
              lambda m: (at(m) + 4, 16)),
    ))


def _reserved(width: int, when: Callable[[_Message], bool]) -> Node:
    return _only(_node("icmpv6.reserved", lambda m: f"Reserved: {m.bytes_at(4, width).hex()}",
                       lambda m: _colons(m.bytes_at(4, width)), (4, width)), when)


def _icmpv6_span(item: Item) -> tuple[int, int]:
    m = _Message(item, "icmpv6")
    return m.start, m.end() - m.start


ICMPV6 = Protocol("icmpv6", "icmpv6", lambda item: "Internet Control Message Protocol v6", (
    *_common("icmpv6", _ICMPV6_TYPES, lambda v, name: f"{name} ({v})"),
    _only(_node("icmpv6.echo.identifier", lambda m: f"Identifier: 0x{m.word(4, 2):04x}",
                lambda m: f"0x{m.word(4, 2):04x}", (4, 2)), _is(*_ECHO6)),
    _only(_node("icmpv6.echo.sequence_number", lambda m: f"Sequence: {m.word(6, 2)}", lambda m: str(m.word(6, 2)),
                (6, 2)), _is(*_ECHO6)),
    _reserved(4, _is(_RS)),
    *(_option(k) for k in range(_MAX_PARTS)),
    _reserved(2, _is(_MLDV2)),
    _only(_node("icmpv6.mldr.nb_mcast_records", lambda m: f"Number of Multicast Address Records: {m.word(6, 2)}",
                lambda m: str(m.word(6, 2)), (6, 2)), _is(_MLDV2)),
    *(_record(k) for k in range(_MAX_PARTS)),
), span=_icmpv6_span)
