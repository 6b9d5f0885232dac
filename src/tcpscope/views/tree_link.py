"""The trees of the frame and the link layers, as packet-frame.c, packet-eth.c and
packet-raw.c add them (labels from their ``hf_register_info`` and ``proto_tree_add_*``
calls, written down here in our own words).

MAC addresses are shown with their names as tshark resolves them by default
(:func:`shown_mac`), or as ``tshark -n`` shows them (:class:`tcpscope.views.tree.FieldStore`'s
``names``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from tcpscope.table.manuf import has_names, resolve_mac
from tcpscope.views.tree import Columns, Item, Label, Node, Protocol

__all__ = ["ENCAPSULATIONS", "ETH", "FRAME", "NULL", "RAW", "VLAN", "header_start", "mac_name", "shown_mac"]

#: Wiretap's encapsulation of each pcap link type: its number and name (wtap.c
#: ``encap_table_base``), for "Encapsulation type".
ENCAPSULATIONS: dict[int, tuple[int, str]] = {
    0: (15, "NULL/Loopback"),
    1: (1, "Ethernet"),
    12: (7, "Raw IP"),
    14: (7, "Raw IP"),
    101: (7, "Raw IP"),
    108: (174, "OpenBSD loopback"),
    113: (25, "Linux cooked-mode capture v1"),
    147: (45, "USER 0"),
    228: (129, "Raw IPv4"),
    229: (130, "Raw IPv6"),
    276: (210, "Linux cooked-mode capture v2"),
}


def shown_mac(names: bool, text: str) -> str:
    """A MAC address (``00:1b:21:12:34:56``) as a tree's line shows it: with names (tshark's
    default), its name and the address in parentheses (``IntelCor_12:34:56
    (00:1b:21:12:34:56)``, also where the name is the address itself); without (``-n``),
    the address alone, as also where Wireshark's manuf file is absent (docs/deviations.md)."""
    if not names or not has_names():
        return text
    return f"{mac_name(text)} ({text})"


@lru_cache(maxsize=4096)
def mac_name(text: str) -> str:
    """The name of a MAC address written with colons (:func:`tcpscope.table.manuf.resolve_mac`)."""
    return resolve_mac(bytes.fromhex(text.replace(":", "")))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _frame_head(item: Item) -> str:
    wire, cap = int(item.get("frame.len")), int(item.get("frame.cap_len"))
    where = ""
    if item.has("frame.interface_id"):  # a pcapng record: its interface, by name and index
        where = f" on interface {_interface_name(item)}, id {item.get('frame.interface_id')}"
    return (f"Frame {item.get('frame.number')}: {_plural(wire, 'byte')} on wire ({wire * 8} bits), "
            f"{_plural(cap, 'byte')} captured ({cap * 8} bits){where}")


def _interface_name(item: Item) -> str:
    """The if_name of the frame's interface, or ``unknown``."""
    records = item.table.records
    name = records.interfaces[int(records.iface[item.frame])].name
    return name if name is not None else "unknown"


def _section(item: Item) -> str:
    """The frame's pcapng section, counting from 1: the sections' interfaces are numbered
    from 0 in each, so a frame's section is told by where its section's first interface is
    among all of them."""
    records = item.table.records
    ids = records.interface_id
    if ids is None:
        return "Section number: 1"
    firsts = np.unique(records.iface.astype(np.int64) - ids.astype(np.int64))
    mine = int(records.iface[item.frame]) - int(ids[item.frame])
    return f"Section number: {int(np.searchsorted(firsts, mine)) + 1}"


def _interface(item: Item) -> str:
    return f"Interface id: {item.value} ({_interface_name(item)})"


def _interface_name_line(item: Item) -> str:
    return f"Interface name: {_interface_name(item)}"


def _encapsulation(item: Item) -> str:
    linktype = int(item.table.records.linktype[item.frame])
    number, name = ENCAPSULATIONS.get(linktype, (0, "Unknown"))
    return f"Encapsulation type: {name} ({number})"


def _encapsulation_key(c: Columns) -> NDArray[np.int64]:
    """What :func:`_encapsulation` depends on: the frame's link type."""
    return np.asarray(c.table.records.linktype[c.frames], dtype=np.int64)


def _bytes_and_bits(title: str) -> Label:
    def label(item: Item) -> str:
        n = int(item.value)
        return f"{title}: {_plural(n, 'byte')} ({n * 8} bits)"

    return label


def _shift(item: Item) -> str:
    return "Time shift for this packet: 0.000000000 seconds"


def _delta_displayed(item: Item) -> str:
    return f"Time delta from previous displayed frame: {item.delta_displayed()} seconds"


def _section_number(item: Item) -> str:
    return _section(item).rsplit(" ", 1)[1]


def _encap_number(item: Item) -> str:
    return str(ENCAPSULATIONS.get(int(item.table.records.linktype[item.frame]), (0, ""))[0])


def _frame_span(item: Item) -> tuple[int, int]:
    return 0, int(item.get("frame.cap_len"))


FRAME = Protocol("frame", "", _frame_head, (
    Node("frame.interface_id", label=_section, key="frame.section_number", value=_section_number),
    Node("frame.interface_id", label=_interface, children=(
        Node("frame.interface_id", label=_interface_name_line, key="frame.interface_name",
             value=_interface_name),)),
    Node("frame.number", label=_encapsulation, line_key=_encapsulation_key, key="frame.encap_type", value=_encap_number),
    Node("frame.time"),
    Node("frame.time", label=_shift, generated=True, constant=True, key="frame.offset_shift",
         value=lambda item: "0.000000000"),
    Node("frame.time_epoch"),
    Node("frame.time_delta", generated=True),
    Node("frame.time_delta", label=_delta_displayed, generated=True, key="frame.time_delta_displayed",
         value=lambda item: item.delta_displayed()),
    Node("frame.time_relative", generated=True),
    Node("frame.number"),
    Node("frame.len", label=_bytes_and_bits("Frame Length"), of_value=True),
    Node("frame.cap_len", label=_bytes_and_bits("Capture Length"), of_value=True),
    Node("frame.marked", generated=True),
    Node("frame.ignored", generated=True),
    Node("frame.protocols", generated=True),
), span=_frame_span)


def _eth_head_key(c: Columns) -> NDArray[np.int64]:
    """What :func:`_eth_head` depends on: a length where the type is, the addresses."""
    return np.stack([c.key("eth.len") >= 0, c.key("eth.src"), c.key("eth.dst")], axis=1).astype(np.int64)


def _eth_head(item: Item) -> str:
    """``Ethernet II, Src: ..., Dst: ...``; for an IEEE 802.3 frame (a length where the type
    is, then LLC) packet-eth.c's words, with a space after them."""
    if item.has("eth.len"):
        return "IEEE 802.3 Ethernet "
    src, dst = item.text_of("eth.src"), item.text_of("eth.dst")
    return f"Ethernet II, Src: {shown_mac(item.names, src or '')}, Dst: {shown_mac(item.names, dst or '')}"


def _address(item: Item) -> str:
    return f"{item.fd.title}: {shown_mac(item.names, item.text)}"


def _plain_address(item: Item) -> str:
    return f"Address: {shown_mac(item.names, item.text)}"


_LG = {True: "Locally administered address (this is NOT the factory default)",
       False: "Globally unique address (factory default)"}
_IG = {True: "Group address (multicast/broadcast)", False: "Individual address (unicast)"}


def _lg(item: Item) -> str:
    return f"LG bit: {_LG[bool(item.value)]}"


def _ig(item: Item) -> str:
    return f"IG bit: {_IG[bool(item.value)]}"


def _resolved(item: Item) -> str:
    """A resolved-name item's value: the address's name; under ``-n`` (or without
    Wireshark's manuf file) the address itself."""
    return mac_name(item.text) if item.names and has_names() else item.text


def _address_tree(side: str, at: int) -> Node:
    """An address and its subtree; the items with no line (the resolved name, the OUI and
    the ``eth.addr``/``eth.lg``/``eth.ig`` of either side) are in the JSON only."""
    six, three = (at, 6, 0), (at, 3, 0)
    return Node(f"eth.{side}", label=_address, of_value=True, raw=six, children=(
        Node(f"eth.{side}", key=f"eth.{side}_resolved", value=_resolved, hidden=True, raw=six),
        Node(f"eth.{side}.oui", hidden=True, raw=three),
        Node(f"eth.{side}.oui_resolved", hidden=True, raw=six),
        Node(f"eth.{side}", label=_plain_address, of_value=True, key="eth.addr", raw=six),
        Node(f"eth.{side}", key="eth.addr_resolved", value=_resolved, hidden=True, raw=six),
        Node(f"eth.{side}.oui", key="eth.addr.oui", hidden=True, raw=three),
        Node(f"eth.{side}.oui_resolved", key="eth.addr.oui_resolved", hidden=True, raw=six),
        Node(f"eth.{side}.lg", label=_lg, of_value=True, mask=0x020000, bits=24, raw=(at, 3, 0x020000)),
        Node(f"eth.{side}.lg", key="eth.lg", hidden=True, raw=(at, 3, 0x020000)),
        Node(f"eth.{side}.ig", label=_ig, of_value=True, mask=0x010000, bits=24, raw=(at, 3, 0x010000)),
        Node(f"eth.{side}.ig", key="eth.ig", hidden=True, raw=(at, 3, 0x010000)),
    ))


def header_start(table: str) -> Callable[[Item], int]:
    """The first byte of the header shown, in its frame."""
    def start(item: Item) -> int:
        return int(item.column(table, "_start")) - int(item.table.records.offset[item.frame])

    return start


def _fixed_span(table: str, length: int) -> Callable[[Item], tuple[int, int]]:
    first = header_start(table)

    def span(item: Item) -> tuple[int, int]:
        return first(item), length

    return span


ETH = Protocol("eth", "eth", _eth_head, line_key=_eth_head_key, children=(
    _address_tree("dst", 0),
    _address_tree("src", 6),
    Node("eth.type", raw=(12, 2, 0)),
    Node("eth.len", raw=(12, 2, 0)),
), span=_fixed_span("eth", 14))


def _raw_head(item: Item) -> str:
    return "Raw packet data"


RAW = Protocol("raw", "", _raw_head, (), in_fields=False, span=_frame_span)


def _vlan_head(item: Item) -> str:
    if not item.has("vlan.id"):
        return "802.1Q Virtual LAN"
    return (f"802.1Q Virtual LAN, PRI: {item.get('vlan.priority')}, DEI: {int(item.get('vlan.dei'))}, "
            f"ID: {item.get('vlan.id')}")


VLAN = Protocol("vlan", "vlan", _vlan_head, (
    Node("vlan.priority", mask=0xE000, bits=16, raw=(0, 2, 0xE000)),
    Node("vlan.dei", mask=0x1000, bits=16, raw=(0, 2, 0x1000)),
    Node("vlan.id", mask=0x0FFF, bits=16, raw=(0, 2, 0x0FFF)),
    Node("vlan.etype", raw=(2, 2, 0)),
), span=_fixed_span("vlan", 4))


def _null_head(item: Item) -> str:
    return "Null/Loopback"


NULL = Protocol("null", "null", _null_head, (Node("null.family", raw=(0, 4, 0)),), in_fields=False,
                span=_fixed_span("null", 4))
