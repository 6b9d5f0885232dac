"""The Linux cooked capture tree (v1 and v2), as packet-sll.c adds it (labels from its
``hf_register_info`` and ``proto_tree_add_*`` calls, written down here in our own words).

The header (v1, 16 bytes): packet type, link-layer address type, address length, 8
bytes of address, protocol. v2 (20 bytes): protocol, 2 reserved bytes, interface index,
address type, packet type (1 byte), address length, 8 bytes of address. An Ethernet-sized
address (length 6) is shown as ``Source`` and the rest of its 8 bytes as ``Unused``. The
protocol is an EtherType, or below 0x0600 one of Linux's own protocol numbers
(``sll.ltype``), or after a GRE address type a GRE protocol type (``sll.gretype``).
Items the registry has no field for read the header's bytes.

A header cut short: dissect_sll reads the fixed fields before it adds its item (v1: up
to the address length; v2: up to the address length too, which is after the packet
type), so a frame without them has no item at all; then each item is added only if its
bytes are there (the first one that is not raises the exception that ends the frame:
``[Malformed Packet: SLL]``).
"""

from __future__ import annotations

from collections.abc import Callable

from tcpscope.views.tree import Item, Node, Protocol
from tcpscope.views.tree_link import header_start, shown_mac

__all__ = ["SLL"]

#: sll_hatype_vals: the address types of the test captures (ARPHRD_*).
_HATYPES = {1: "Ethernet", 772: "Loopback", 778: "GRE over IP", 824: "Netlink"}
#: ltype_vals: Linux's protocol numbers below 0x0600.
_LTYPES = {1: "Novell 802.3", 2: "AX.25", 4: "802.2 LLC", 0x0C: "CAN", 0x0D: "CAN FD"}
#: The GRE protocol type names after a GRE address type (gre_typevals).
_GRE_TYPES = {0x0800: "IP", 0x86DD: "IPv6", 0x6558: "Transparent Ethernet bridging"}
_ARPHRD_IPGRE, _ARPHRD_NETLINK = 778, 824


def _version(item: Item) -> int:
    return int(item.column("sll", "version"))


def _at(v1: int, v2: int) -> Callable[[Item], int]:
    """A field's offset in the header, by version."""
    return lambda item: v1 if _version(item) == 1 else v2


_PKTTYPE, _HATYPE, _HALEN = _at(0, 10), _at(2, 8), _at(4, 11)
_ADDRESS, _UNUSED, _PROTOCOL = _at(6, 12), _at(12, 18), _at(14, 0)


def _number(item: Item, at: Callable[[Item], int], width: int) -> int:
    start = header_start("sll")(item) + at(item)
    return int.from_bytes(item.frame_bytes()[start:start + width], "big")


def _bytes(at: Callable[[Item], int], width: Callable[[Item], int]) -> Callable[[Item], tuple[int, int, int]]:
    def where(item: Item) -> tuple[int, int, int]:
        return header_start("sll")(item) + at(item), width(item), 0

    return where


def _pkttype_width(item: Item) -> int:
    return 2 if _version(item) == 1 else 1


def _available(item: Item) -> int:
    """The header's bytes there are: captured, and within the frame's length."""
    end = min(len(item.frame_bytes()), int(item.get("frame.len")))
    return end - header_start("sll")(item)


def _fits(at: Callable[[Item], int], width: Callable[[Item], int]) -> Callable[[Item], bool]:
    return lambda item: at(item) + width(item) <= _available(item)


def _sll_head(item: Item) -> str | None:
    """The header's line; none for a cut header, or a Netlink one (the netlink dissector
    takes the whole frame and adds its own item)."""
    if _available(item) < (6 if _version(item) == 1 else 12) or _number(item, _HATYPE, 2) == _ARPHRD_NETLINK:
        return None
    return f"Linux cooked capture v{_version(item)}"


def _hatype(item: Item) -> str:
    v = int(item.value)
    return f"Link-layer address type: {_HATYPES.get(v, 'Unknown')} ({v})"


def _halen(item: Item) -> int:
    return _number(item, _HALEN, 2 if _version(item) == 1 else 1)


def _source(item: Item) -> str:
    return f"Source: {shown_mac(item.names, _mac(item))}"


def _mac(item: Item) -> str:
    start = header_start("sll")(item) + _ADDRESS(item)
    return ":".join(f"{b:02x}" for b in item.frame_bytes()[start:start + 6])


def _unused_bytes(item: Item) -> bytes:
    start = header_start("sll")(item) + _UNUSED(item)
    return item.frame_bytes()[start:start + 2]


def _protocol_key(item: Item) -> str:
    v = int(item.value)
    if _number(item, _HATYPE, 2) == _ARPHRD_IPGRE:
        return "sll.gretype"
    return "sll.ltype" if v < 0x0600 else "sll.etype"


def _protocol(item: Item) -> str:
    v = int(item.value)
    key = _protocol_key(item)
    names = _GRE_TYPES if key == "sll.gretype" else _LTYPES if key == "sll.ltype" else (
        item.registry["eth.type"].strings or {})  # (EtherType names: the registry has them for eth.type)
    return f"Protocol: {names.get(v, 'Unknown')} (0x{v:04x})"


def _ifindex(item: Item) -> str:
    return f"Interface index: {_number(item, _at(0, 4), 4)}"


def _in(version: int, at: Callable[[Item], int], width: Callable[[Item], int]) -> Callable[[Item], bool]:
    """An item of the given version whose bytes are there."""
    fits = _fits(at, width)
    return lambda item: _version(item) == version and fits(item)


def _two(item: Item) -> int:
    return 2


def _protocol_node(version: int) -> Node:
    return Node("sll.etype", label=_protocol, key=_protocol_key, value=lambda item: f"0x{int(item.value):04x}",
                when=_in(version, _PROTOCOL, _two), raw=_bytes(_PROTOCOL, _two))


def _sll_span(item: Item) -> tuple[int, int]:
    return header_start("sll")(item), 16 if _version(item) == 1 else 20


def _four(item: Item) -> int:
    return 4


def _six(item: Item) -> int:
    return 6



def _has_mac(item: Item) -> bool:
    """An Ethernet-sized address, its bytes there."""
    return _halen(item) == 6 and _fits(_ADDRESS, _six)(item)


def _has_unused(item: Item) -> bool:
    return _halen(item) == 6 and _fits(_UNUSED, _two)(item)


SLL = Protocol("sll", "sll", _sll_head, (
    _protocol_node(2),
    Node("sll.hatype", label=_ifindex, key="sll.ifindex", value=lambda item: _ifindex(item).rsplit(" ", 1)[1],
         when=_in(2, _at(0, 4), _four), raw=_bytes(_at(0, 4), _four)),
    Node("sll.pkttype", when=_in(1, _PKTTYPE, _pkttype_width), raw=_bytes(_PKTTYPE, _pkttype_width)),
    Node("sll.hatype", label=_hatype, raw=_bytes(_HATYPE, _two), when=_fits(_HATYPE, _two)),
    Node("sll.pkttype", when=_in(2, _PKTTYPE, _pkttype_width), raw=_bytes(_PKTTYPE, _pkttype_width)),
    Node("sll.hatype", label=lambda item: f"Link-layer address length: {_halen(item)}", key="sll.halen",
         value=lambda item: str(_halen(item)), raw=_bytes(_HALEN, _pkttype_width), when=_fits(_HALEN, _pkttype_width)),
    Node("sll.hatype", label=_source, key="sll.src.eth", value=_mac, when=_has_mac, raw=_bytes(_ADDRESS, _six)),
    Node("sll.hatype", label=lambda item: f"Unused: {_unused_bytes(item).hex()}", key="sll.unused",
         value=lambda item: ":".join(f"{b:02x}" for b in _unused_bytes(item)), when=_has_unused,
         raw=_bytes(_UNUSED, _two)),
    _protocol_node(1),
), span=_sll_span)
