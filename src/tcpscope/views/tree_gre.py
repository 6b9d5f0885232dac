"""The GRE tree, as packet-gre.c adds it (labels from its ``hf_register_info`` and
``proto_tree_add_*`` calls, written down here in our own words).

The header (RFC 2784, RFC 2890): flags and version, protocol type, then as the flags
say a checksum and offset (C or R bit), a key (K) and a sequence number (S). tshark
verifies the checksum when the C bit is set (the Internet checksum over the GRE header
and its payload sums to 0xffff). The routing information of the R bit is not written
(frames with it are declared). The registry has no field for GRE's parts: they are read
from the header's bytes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tcpscope.views.tree import Item, Node, Protocol, bit_pattern
from tcpscope.views.tree_link import header_start

__all__ = ["GRE"]

#: gre_typevals: the protocol types of the test captures.
_TYPES = {0x0800: "IP", 0x86DD: "IPv6", 0x6558: "Transparent Ethernet bridging", 0x8847: "MPLS label switched packet",
          0x883E: "WCCP"}
_C, _R, _K, _S = 0x8000, 0x4000, 0x2000, 0x1000
_VERSIONS = {0: "GRE", 1: "Enhanced GRE"}


def _start(item: Item) -> int:
    return header_start("gre")(item)


def _word(item: Item, at: int, width: int) -> int:
    start = _start(item) + at
    return int.from_bytes(item.frame_bytes()[start:start + width], "big")


def _flags(item: Item) -> int:
    return _word(item, 0, 2)


def _proto(item: Item) -> int:
    return _word(item, 2, 2)


def _gre_head(item: Item) -> str:
    v = _proto(item)
    return f"Generic Routing Encapsulation ({_TYPES.get(v, f'0x{v:04x} - unknown')})"


def _flag(title: str, mask: int, shown: Callable[[int], str], key: str) -> Node:
    def label(item: Item) -> str:
        v = (_flags(item) & mask) >> ((mask & -mask).bit_length() - 1)
        return f"{bit_pattern(_flags(item), mask, 16)} = {title}: {shown(v)}"

    def value(item: Item) -> str:
        return str((_flags(item) & mask) >> ((mask & -mask).bit_length() - 1))

    return Node("", label=label, key=key, value=value, raw=(0, 2, mask))


def _yes_no(v: int) -> str:
    return "Yes" if v else "No"


def _optional_at(item: Item, bit: int) -> int:
    """Where an optional field is: after the 4 fixed bytes and the optional fields before it."""
    f = _flags(item)
    at = 4
    if bit == _C:
        return at
    at += 4 if f & (_C | _R) else 0
    if bit == _K:
        return at
    return at + (4 if f & _K else 0)


def _has(bits: int) -> Callable[[Item], bool]:
    return lambda item: bool(_flags(item) & bits)


def _checksum_ok(item: Item) -> bool:
    """The Internet checksum over the GRE header and payload sums to 0xffff."""
    data = item.frame_bytes()[_start(item):int(item.get("frame.len"))]
    if len(data) % 2:
        data += b"\0"
    total = int(np.frombuffer(data, dtype=">u2").astype(np.int64).sum())
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total == 0xFFFF


def _checksum(item: Item) -> str:
    v = _word(item, 4, 2)
    if not _flags(item) & _C:
        return f"Checksum: 0x{v:04x} [unverified]"
    return f"Checksum: 0x{v:04x} [{'correct' if _checksum_ok(item) else 'incorrect'}]"


def _status(item: Item) -> int:
    return 2 if not _flags(item) & _C else 1 if _checksum_ok(item) else 0


_STATUS = {0: "Bad", 1: "Good", 2: "Unverified"}


def _field(title: str, key: str, place: tuple[int, int], width: int, shown: Callable[[int], str]) -> Node:
    """An optional field of ``width`` bytes, at ``place``: the flag bit of the optional
    part it is in, and its offset in that part."""
    bit, at = place

    def where(item: Item) -> int:
        return _optional_at(item, bit) + at

    return Node("", label=lambda item: f"{title}: {shown(_word(item, where(item), width))}", key=key,
                value=lambda item: shown(_word(item, where(item), width)), when=_has(bit if bit != _C else _C | _R),
                raw=lambda item: (_start(item) + where(item), width, 0))


def _gre_span(item: Item) -> tuple[int, int]:
    f = _flags(item)
    return _start(item), 4 + 4 * (bool(f & (_C | _R)) + bool(f & _K) + bool(f & _S))


GRE = Protocol("gre", "gre", _gre_head, (
    Node("", label=lambda item: f"Flags and Version: 0x{_flags(item):04x}", key="gre.flags_and_version",
         value=lambda item: f"0x{_flags(item):04x}", raw=(0, 2, 0), children=(
             _flag("Checksum Bit", _C, _yes_no, "gre.flags.checksum"),
             _flag("Routing Bit", _R, _yes_no, "gre.flags.routing"),
             _flag("Key Bit", _K, _yes_no, "gre.flags.key"),
             _flag("Sequence Number Bit", _S, _yes_no, "gre.flags.sequence_number"),
             _flag("Strict Source Route Bit", 0x0800, _yes_no, "gre.flags.strict_source_route"),
             _flag("Recursion control", 0x0700, str, "gre.flags.recursion_control"),
             _flag("Flags (Reserved)", 0x00F8, str, "gre.flags.reserved"),
             _flag("Version", 0x0007, lambda v: f"{_VERSIONS.get(v, 'Unknown')} ({v})", "gre.flags.version"),
         )),
    Node("", label=lambda item: f"Protocol Type: {_TYPES.get(_proto(item), 'Unknown')} (0x{_proto(item):04x})",
         key="gre.proto", value=lambda item: f"0x{_proto(item):04x}", raw=(2, 2, 0)),
    Node("", label=_checksum, key="gre.checksum", value=lambda item: f"0x{_word(item, 4, 2):04x}",
         when=_has(_C | _R), raw=(4, 2, 0)),
    Node("", label=lambda item: f"Checksum Status: {_STATUS[_status(item)]}", key="gre.checksum.status",
         value=lambda item: str(_status(item)), when=_has(_C | _R), generated=True),
    _field("Offset", "gre.offset", (_C, 2), 2, str),
    _field("Key", "gre.key", (_K, 0), 4, lambda v: f"0x{v:08x}"),
    _field("Sequence Number", "gre.sequence_number", (_S, 0), 4, str),
), span=_gre_span)
