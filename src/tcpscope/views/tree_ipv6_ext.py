"""The IPv6 extension headers' trees (RFC 8200 §4), as packet-ipv6.c adds them inside the
IPv6 tree (labels from its ``hf_register_info`` and ``proto_tree_add_*`` calls, written
down here in our own words).

* Hop-by-Hop and Destination Options (§4.3, §4.6): next header, length (in 8-byte units
  after the first 8, then in bytes), and each option: its type with the type's three
  parts (action, may-change bit, low-order bits), its length and data (Pad1, PadN,
  Router Alert of RFC 2711);
* Routing (§4.4): next header, length, type, segments left, then by type: type 0 (RFC
  2460, deprecated by RFC 5095: tshark adds a note) its reserved word and addresses
  ``Address[1..n]``, type 2 (RFC 6275 §6.4) its reserved word and home address, Segment
  Routing (type 4, RFC 8754) last entry, flags, tag and segments ``Address[0..n]``;
* Fragment (§4.5): next header, reserved octet, offset, reserved bits, more-fragments
  bit and identification.

Each header's tree sits inside the IPv6 tree (``Protocol.nested``). The registry has no
field for their parts and the dissection keeps no row for most of them: a header is found
by walking the next-header chain of the frame's IPv6 headers (the ``n``-th of its kind in
the frame for layer ``n``), and read from its bytes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from tcpscope.table.packets import PacketTable
from tcpscope.views.tree import Item, Node, Protocol, bit_pattern
from tcpscope.views.tree_ip import ip_protocol_name

__all__ = ["DSTOPTS", "EXTENSIONS", "FRAGHDR", "HOPOPTS", "OUTSIDE_SPAN", "ROUTING", "extension_payload"]

_HOPOPTS, _ROUTING, _FRAGMENT, _DSTOPTS, _AH = 0, 43, 44, 60, 51
_NAMES = {_HOPOPTS: "ipv6.hopopts", _ROUTING: "ipv6.routing", _FRAGMENT: "ipv6.fraghdr", _DSTOPTS: "ipv6.dstopts"}
#: The extension headers with a tree, by their name in ``frame.protocols``.
EXTENSIONS = frozenset(_NAMES.values())
#: The headers whose bytes the IPv6 item does not hold: packet-ipv6.c sets the IPv6
#: item's length to end where a fragment header starts (the rest is the fragment's).
OUTSIDE_SPAN = frozenset({"ipv6.fraghdr"})
#: ipv6_opt_type_vals: the option types of the test captures.
_OPTIONS = {0x00: "Pad1", 0x01: "PadN", 0x05: "Router Alert", 0xC2: "Jumbo Payload",
            # the option types for experiments (RFC 4727 §5.1.2: each action and change bit, low bits 0x1e)
            **{t: f"Experimental (0x{t:02X})" for t in range(0x1E, 0x100, 0x20)}}
_EXPERIMENTAL = tuple(range(0x1E, 0x100, 0x20))
_PAD1, _PADN, _ROUTER_ALERT = 0x00, 0x01, 0x05
#: ipv6_opt_action_vals: what a node does with an option type it does not know (the top two bits).
_ACTIONS = {0: "Skip and continue", 1: "Discard packet", 2: "Discard packet and send ICMP Parameter Problem",
            3: "Discard packet and send ICMP Parameter Problem for unicast destinations"}
#: rtalertvals (RFC 2711, RFC 3175).
_ALERTS = {0: "MLD", 1: "RSVP", 2: "Active Networks"}
#: routing_header_type: the routing types.
_ROUTING_TYPES = {0: "Source Route", 1: "Nimrod", 2: "Type 2 Routing", 3: "RPL Source Route", 4: "Segment Routing"}
_SOURCE_ROUTE, _TYPE2, _SRH = 0, 2, 4
#: How many options (addresses) of one header are written at most.
_MAX_PARTS = 8

def _header_length(b: bytes, at: int, kind: int) -> int:
    """An extension header's length in bytes: 8 for a fragment header, (len + 2) words of
    4 for AH (RFC 4302), else (len + 1) units of 8."""
    if kind == _FRAGMENT:
        return 8
    if kind == _AH:
        return (b[at + 1] + 2) * 4
    return (b[at + 1] + 1) * 8


def _ipv6_starts(table: PacketTable, frame: int) -> list[int]:
    """Where the frame's IPv6 headers start in it, outermost first."""
    layer = table.layer("ipv6")
    if not len(layer):
        return []
    a, b = np.searchsorted(layer.pkt, [frame, frame + 1])  # (a layer table's rows are in frame order)
    offset = int(table.records.offset[frame])
    return sorted(int(s) - offset for s in np.asarray(layer.cols["_start"])[a:b].tolist())


def _locate(b: bytes, starts: list[int], kind: int, layer: int) -> tuple[int, int]:
    """Where the frame's ``layer``-th extension header of ``kind`` starts, and where its
    datagram ends (-1, -1: not captured): the next-header chains of the frame's IPv6
    headers (they start at ``starts``), outermost first."""
    seen = 0
    for s in starts:
        nxt, at = b[s + 6] if s + 6 < len(b) else -1, s + 40
        end = s + 40 + int.from_bytes(b[s + 4:s + 6], "big")
        while nxt in (_HOPOPTS, _ROUTING, _FRAGMENT, _DSTOPTS, _AH) and at + 2 <= len(b):
            if nxt == kind:
                seen += 1
                if seen == layer:
                    return at, end
            nxt, at = b[at], at + _header_length(b, at, nxt)
    return -1, -1


def _find(item: Item, kind: int) -> int:
    """Where the extension header shown starts in its frame (-1: not captured)."""
    return _locate(item.frame_bytes(), _ipv6_starts(item.table, item.frame), kind, item.where.layer)[0]


def extension_payload(table: PacketTable, frame: int, name: str, layer: int) -> tuple[int, int] | None:
    """Where the payload after a frame's ``layer``-th extension header ``name`` starts and
    ends in the capture's buffer (what the Data protocol after it shows); None if the
    header was not captured."""
    kind = next(k for k, n in _NAMES.items() if n == name)
    r = table.records
    off = int(r.offset[frame])
    buf = table.buffers[0] if table.buffers else table.data
    b = bytes(buf[off:off + int(r.caplen[frame])])
    at, end = _locate(b, _ipv6_starts(table, frame), kind, layer)
    if at < 0 or at + 2 > len(b):
        return None
    return off + at + _header_length(b, at, kind), off + end


class _Header:
    """The extension header being shown: the frame's bytes and where the header starts."""

    def __init__(self, item: Item, kind: int) -> None:
        self.frame = item.frame_bytes()
        self.start = _find(item, kind)
        self.registry = item.registry

    def byte(self, at: int) -> int:
        return self.frame[self.start + at]

    def word(self, at: int, width: int) -> int:
        return int.from_bytes(self.frame[self.start + at:self.start + at + width], "big")

    def hex(self, at: int, width: int) -> str:
        return self.frame[self.start + at:self.start + at + width].hex()

    def address(self, at: int) -> str:
        return ipaddress.IPv6Address(self.frame[self.start + at:self.start + at + 16]).compressed


def _colons(hexed: str) -> str:
    return ":".join(hexed[i:i + 2] for i in range(0, len(hexed), 2))


def _node(kind: int, key: str, label: Callable[[_Header], str], value: Callable[[_Header], str],
          at: tuple[int, int, int] | Callable[[_Header], tuple[int, int, int]] | None) -> Node:
    """An item read from the header: its line, JSON value and bytes (offset and length in the
    header, bitmask; None for a generated item)."""
    def where(item: Item) -> tuple[int, int, int] | None:
        h = _Header(item, kind)
        if at is None:
            return None
        off, length, mask = at(h) if callable(at) else at
        return h.start + off, length, mask

    return Node("", label=lambda item: label(_Header(item, kind)), key=key,
                value=lambda item: value(_Header(item, kind)), generated=at is None, raw=where)


def _only(kind: int, node: Node, when: Callable[[_Header], bool], children: tuple[Node, ...] = ()) -> Node:
    """The node shown only in the headers where ``when`` holds, with ``children``."""
    return replace(node, when=lambda item: when(_Header(item, kind)), children=children)


def _fixed(kind: int, prefix: str) -> tuple[Node, ...]:
    """Next header and length, in the header's units and in bytes."""
    return (
        _node(kind, f"{prefix}.nxt", lambda h: f"Next Header: {ip_protocol_name(h.registry, h.byte(0))} ({h.byte(0)})",
              lambda h: str(h.byte(0)), (0, 1, 0)),
        _node(kind, f"{prefix}.len", lambda h: f"Length: {h.byte(1)}", lambda h: str(h.byte(1)), (1, 1, 0)),
        # (the byte count reads the same byte: its item holds it, as a generated one does not)
        replace(_node(kind, f"{prefix}.len_oct", lambda h: f"Length: {(h.byte(1) + 1) * 8} bytes",
                      lambda h: str((h.byte(1) + 1) * 8), (1, 1, 0)), generated=True),
    )


def _option_at(h: _Header, k: int) -> int:
    """Where the ``k``-th option of an options header is in it (-1: none)."""
    end = (h.byte(1) + 1) * 8
    at = 2
    for _ in range(k):
        if at >= end:
            return -1
        at += 1 if h.byte(at) == _PAD1 else 2 + h.byte(at + 1)
    return at if at < end and h.start + at < len(h.frame) else -1


def _option(kind: int, k: int) -> Node:
    """The ``k``-th option: its type (and the type's parts), length and data."""
    def at(h: _Header) -> int:
        return _option_at(h, k)

    def code(h: _Header) -> int:
        return h.byte(at(h))

    def length(h: _Header) -> int:
        return 1 if code(h) == _PAD1 else 2 + h.byte(at(h) + 1)

    def part(key: str, title: str, mask: int, shown: Callable[[int], str], value: Callable[[int], str]) -> Node:
        def bits(h: _Header) -> int:
            return (code(h) & mask) >> ((mask & -mask).bit_length() - 1)

        return _node(kind, key, lambda h: f"{bit_pattern(code(h), mask, 8)} = {title}: {shown(bits(h))}",
                     lambda h: value(bits(h)), lambda h: (at(h), 1, mask))

    type_item = _node(kind, "ipv6.opt.type", lambda h: f"Type: {_OPTIONS.get(code(h), 'Unknown')} (0x{code(h):02x})",
                      lambda h: f"0x{code(h):02x}", lambda h: (at(h), 1, 0))
    # (a Pad1's type has no subtree: its item is added before the type's parts are read)
    pad1_type = _only(kind, type_item, lambda h: code(h) == _PAD1)
    type_line = _only(kind, type_item, lambda h: code(h) != _PAD1, (
        part("ipv6.opt.type.action", "Action", 0xC0, lambda v: f"{_ACTIONS[v]} ({v})", str),
        part("ipv6.opt.type.change", "May Change", 0x20, lambda v: "Yes" if v else "No", str),
        part("ipv6.opt.type.rest", "Low-Order Bits", 0x1F, lambda v: f"0x{v:02x}", lambda v: f"0x{v:02x}"),
    ))

    def is_(*codes: int) -> Callable[[_Header], bool]:
        return lambda h: code(h) in codes

    def data(h: _Header) -> str:
        return h.hex(at(h) + 2, length(h) - 2)

    return _only(kind, _node(kind, "ipv6.opt", lambda h: _OPTIONS.get(code(h), "Unknown IPv6 Option"),
                             lambda h: "", lambda h: (at(h), length(h), 0)), lambda h: at(h) >= 0, (
        pad1_type,
        type_line,
        _only(kind, _node(kind, "ipv6.opt.pad1", lambda h: "Pad1", lambda h: "", lambda h: (at(h), 1, 0)),
              lambda h: code(h) == _PAD1),
        _only(kind, _node(kind, "ipv6.opt.length", lambda h: f"Length: {h.byte(at(h) + 1)}",
                          lambda h: str(h.byte(at(h) + 1)), lambda h: (at(h) + 1, 1, 0)), lambda h: code(h) != _PAD1),
        _only(kind, _node(kind, "ipv6.opt.padn", lambda h: f"PadN: {data(h) or '<none>'}",
                          lambda h: _colons(data(h)), lambda h: (at(h) + 2, length(h) - 2, 0)), is_(_PADN)),
        _only(kind, _node(kind, "ipv6.opt.experimental", lambda h: f"Experimental Option: {data(h)}",
                          lambda h: _colons(data(h)), lambda h: (at(h) + 2, length(h) - 2, 0)), is_(*_EXPERIMENTAL)),
        _only(kind, _node(kind, "ipv6.opt.router_alert",
                          lambda h: f"Router Alert: {_ALERTS.get(h.word(at(h) + 2, 2), 'Unknown')} "
                                    f"({h.word(at(h) + 2, 2)})",
                          lambda h: str(h.word(at(h) + 2, 2)), lambda h: (at(h) + 2, 2, 0)), is_(_ROUTER_ALERT)),
    ))


def _options_header(kind: int, title: str) -> Protocol:
    name = _NAMES[kind]

    def span(item: Item) -> tuple[int, int]:
        h = _Header(item, kind)
        return h.start, (h.byte(1) + 1) * 8

    return Protocol(name, "", lambda item: title if _Header(item, kind).start >= 0 else None, (
        *_fixed(kind, name),
        *(_option(kind, k) for k in range(_MAX_PARTS)),
    ), span=span, nested=True)


HOPOPTS = _options_header(_HOPOPTS, "IPv6 Hop-by-Hop Option")
DSTOPTS = _options_header(_DSTOPTS, "Destination Options for IPv6")

_R = _ROUTING


def _rtype(h: _Header) -> int:
    return h.byte(2)


def _is_type(t: int) -> Callable[[_Header], bool]:
    return lambda h: _rtype(h) == t


def _deprecated() -> Node:
    """The note tshark adds under a type 0 routing header's type (RFC 5095 deprecates it)."""
    text = "Routing header type is deprecated"
    return Node("", label=lambda item: f"Expert Info (Note/Deprecated): {text}", key="_ws.expert", generated=True,
                value=lambda item: "", when=lambda item: _rtype(_Header(item, _R)) == _SOURCE_ROUTE, children=(
        Node("", label=lambda item: "", key="ipv6.routing.deprecated", value=lambda item: "", hidden=True),
        Node("", label=lambda item: text, key="_ws.expert.message", value=lambda item: text, generated=True),
        Node("", label=lambda item: "Severity level: Note", key="_ws.expert.severity",
             value=lambda item: "4194304", generated=True),
        Node("", label=lambda item: "Group: Deprecated", key="_ws.expert.group", value=lambda item: "234881024",
             generated=True),
    ))


def _addresses(key: str, rtype: int, first: int, count: Callable[[_Header], int]) -> tuple[Node, ...]:
    """Up to :data:`_MAX_PARTS` addresses of a routing header of type ``rtype``, from its
    byte 8, numbered from ``first``."""
    def one(k: int) -> Node:
        at = 8 + 16 * k
        return _only(_R, _node(_R, key, lambda h: f"Address[{first + k}]: {h.address(at)}",
                               lambda h: h.address(at), (at, 16, 0)),
                     lambda h: _rtype(h) == rtype and k < count(h) and h.start + at + 16 <= len(h.frame))

    return tuple(one(k) for k in range(_MAX_PARTS))


def _routing_span(item: Item) -> tuple[int, int]:
    h = _Header(item, _R)
    return h.start, (h.byte(1) + 1) * 8


def _routing_head(item: Item) -> str | None:
    h = _Header(item, _R)
    if h.start < 0:
        return None
    return f"Routing Header for IPv6 ({_ROUTING_TYPES.get(_rtype(h), 'Unknown')})"


ROUTING = Protocol("ipv6.routing", "", _routing_head, (
    *_fixed(_R, "ipv6.routing"),
    _only(_R, _node(_R, "ipv6.routing.type", lambda h: f"Type: {_ROUTING_TYPES.get(_rtype(h), 'Unknown')} "
                                                       f"({_rtype(h)})",
                    lambda h: str(_rtype(h)), (2, 1, 0)), lambda h: True,
          (_deprecated(),)),
    _node(_R, "ipv6.routing.segleft", lambda h: f"Segments Left: {h.byte(3)}", lambda h: str(h.byte(3)),
          (3, 1, 0)),
    *(_only(_R, _node(_R, f"ipv6.routing.{part}.reserved", lambda h: f"Reserved: {h.hex(4, 4)}",
                      lambda h: _colons(h.hex(4, 4)), (4, 4, 0)), _is_type(t))
      for part, t in (("src", _SOURCE_ROUTE), ("mipv6", _TYPE2))),
    *_addresses("ipv6.routing.src.addr", _SOURCE_ROUTE, 1, lambda h: h.byte(1) // 2),
    _only(_R, _node(_R, "ipv6.routing.mipv6.home_address", lambda h: f"Home Address: {h.address(8)}",
                    lambda h: h.address(8), (8, 16, 0)), _is_type(_TYPE2)),
    _only(_R, _node(_R, "ipv6.routing.srh.last_entry", lambda h: f"Last Entry: {h.byte(4)}",
                    lambda h: str(h.byte(4)), (4, 1, 0)), _is_type(_SRH)),
    _only(_R, _node(_R, "ipv6.routing.srh.flags", lambda h: f"Flags: 0x{h.byte(5):02x}",
                    lambda h: f"0x{h.byte(5):02x}", (5, 1, 0)), _is_type(_SRH)),
    _only(_R, _node(_R, "ipv6.routing.srh.tag", lambda h: f"Tag: {h.hex(6, 2)}",
                    lambda h: _colons(h.hex(6, 2)), (6, 2, 0)), _is_type(_SRH)),
    *_addresses("ipv6.routing.srh.addr", _SRH, 0, lambda h: h.byte(4) + 1),
), span=_routing_span, nested=True)

_F = _FRAGMENT


def _frag_bits(key: str, title: str, mask: int, shown: Callable[[int], str]) -> Node:
    def bits(h: _Header) -> int:
        return (h.word(2, 2) & mask) >> ((mask & -mask).bit_length() - 1)

    return _node(_F, key, lambda h: f"{bit_pattern(h.word(2, 2), mask, 16)} = {title}: {shown(bits(h))}",
                 lambda h: str(bits(h)), (2, 2, mask))


def _fragment_head(item: Item) -> str | None:
    return "Fragment Header for IPv6" if _Header(item, _F).start >= 0 else None


FRAGHDR = Protocol("ipv6.fraghdr", "", _fragment_head, (
    _node(_F, "ipv6.fraghdr.nxt", lambda h: f"Next header: {ip_protocol_name(h.registry, h.byte(0))} ({h.byte(0)})",
          lambda h: str(h.byte(0)), (0, 1, 0)),
    _node(_F, "ipv6.fraghdr.reserved_octet", lambda h: f"Reserved octet: 0x{h.byte(1):02x}",
          lambda h: f"0x{h.byte(1):02x}", (1, 1, 0)),
    _frag_bits("ipv6.fraghdr.offset", "Offset", 0xFFF8, lambda v: f"{v} ({v * 8} bytes)"),
    _frag_bits("ipv6.fraghdr.reserved_bits", "Reserved bits", 0x0006, str),
    _frag_bits("ipv6.fraghdr.more", "More Fragments", 0x0001, lambda v: "Yes" if v else "No"),
    _node(_F, "ipv6.fraghdr.ident", lambda h: f"Identification: 0x{h.word(4, 4):08x}",
          lambda h: f"0x{h.word(4, 4):08x}", (4, 4, 0)),
), span=lambda item: (_Header(item, _F).start, 8), nested=True)
