"""The details tree for the page: a frame's items as data (``views.tree_json``, the tree
``tcpscope show -T json`` writes), as nested JSON nodes.

Each node has the line ``tshark -V`` shows (``label``), its field's name (``key``, shown on
hover), where its bytes are in the frame (``start``, -1 for none, and ``length``: the bytes
pane highlights them) and the display filter "Apply as Filter" applies (``filter``, None
where there is none: a text-only item). Hidden items (those tshark adds with no line) are
left out, as Wireshark's tree shows none.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tcpscope.views.tree_json import Detail

__all__ = ["detail_nodes", "item_filter"]

#: The ftenum numbers of an item without a value (FT_NONE) and of a protocol (FT_PROTOCOL).
FT_NONE = 0
FT_PROTOCOL = 1
#: A value the filter language reads as it is (a number, an address, bytes as hex pairs).
_BARE = re.compile(r"[0-9A-Za-z_.:/-]+")


def item_filter(item: Detail, fields: Collection[str]) -> str | None:
    """Wireshark's "Apply as Filter: Selected" for ``item``: a protocol or a field without
    a value is its name, a field with one ``name == value`` (the value quoted unless it is
    a bare number, address or byte string); None for an item that names no field of
    ``fields``."""
    if item.key not in fields:
        return None
    if item.ftype in (FT_NONE, FT_PROTOCOL) or item.value == "":
        return item.key
    value = item.value if _BARE.fullmatch(item.value) else '"' + item.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{item.key} == {value}"


def detail_nodes(items: tuple[Detail, ...], fields: Collection[str]) -> list[dict[str, Any]]:
    """``items`` and their children as ``{label, key, start, length, filter, children}``."""
    return [{"label": d.label, "key": d.key, "start": d.start, "length": d.length, "filter": item_filter(d, fields),
             "children": detail_nodes(d.children, fields)} for d in items if not d.hidden]
