"""The MPLS tree, as packet-mpls.c adds it: one "MultiProtocol Label Switching Header"
item per label stack entry, its four bit fields drawn over the entry's 32 bits
(label 20 bits, experimental bits 3, bottom of stack 1, TTL 8).

``frame.protocols`` names ``mpls`` once for a whole label stack, the layer table has a
row per entry: :data:`STACKED` tells :func:`tcpscope.views.tree_frames.frame_stacks` to
show every entry down to the bottom of the stack for one such name. The registry has no
field for the entry's parts: they are read from the layer table's columns.
"""

from __future__ import annotations

from collections.abc import Callable

from tcpscope.views.tree import Item, Node, Protocol, bit_pattern
from tcpscope.views.tree_link import header_start

__all__ = ["MPLS", "STACKED"]

#: Protocols named once in frame.protocols for a run of headers, each with the layer
#: table column that marks the last one.
STACKED = {"mpls": "bottom"}

_LABEL, _EXP, _BOTTOM, _TTL = 0xFFFFF000, 0x00000E00, 0x00000100, 0x000000FF
#: The special-purpose labels (0 to 15, RFC 3032, RFC 6790, RFC 5586, RFC 7274) by name;
#: the others of that range are reserved. (1 and 7 are checked against tshark's trees.)
_SPECIAL = {0: "IPv4 Explicit-Null", 1: "Router Alert", 2: "IPv6 Explicit-Null", 3: "Implicit-Null",
            7: "Entropy Label Indicator (ELI)", 13: "Generic Associated Channel Label (GAL)", 14: "OAM Alert",
            15: "Extension"}
_LAST_SPECIAL = 15


def _label_text(v: int) -> str:
    """A label in the header's line: a special-purpose one with its name."""
    if v > _LAST_SPECIAL:
        return str(v)
    return f"{v} ({_SPECIAL.get(v, 'Reserved - Unknown')})"


def _label_line(v: int) -> str:
    """A label in its own line: a special-purpose one by name, else with its hex."""
    if v > _LAST_SPECIAL:
        return f"{v} (0x{v:05x})"
    return f"{_SPECIAL.get(v, 'Unknown')} ({v})"


def _part(item: Item, column: str) -> int:
    return int(item.column("mpls", column))


def _mpls_head(item: Item) -> str:
    return (f"MultiProtocol Label Switching Header, Label: {_label_text(_part(item, 'label'))}, "
            f"Exp: {_part(item, 'exp')}, "
            f"S: {_part(item, 'bottom')}, TTL: {_part(item, 'ttl')}")


def _entry(item: Item) -> int:
    """The entry's 32 bits, put together again from its parts."""
    return (_part(item, "label") << 12) | (_part(item, "exp") << 9) | (_part(item, "bottom") << 8) | _part(item, "ttl")


def _line(title: str, column: str, mask: int, shown: Callable[[int], str] = str) -> Node:
    def label(item: Item) -> str:
        return f"{bit_pattern(_entry(item), mask, 32)} = {title}: {shown(_part(item, column))}"

    return Node("", label=label, key=f"mpls.{column}", value=lambda item: str(_part(item, column)), raw=(0, 4, mask))


MPLS = Protocol("mpls", "mpls", _mpls_head, (
    _line("MPLS Label", "label", _LABEL, _label_line),
    _line("MPLS Experimental Bits", "exp", _EXP),
    _line("MPLS Bottom Of Label Stack", "bottom", _BOTTOM),
    _line("MPLS TTL", "ttl", _TTL),
), span=lambda item: (header_start("mpls")(item), 4))
