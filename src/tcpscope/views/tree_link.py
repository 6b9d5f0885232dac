"""The trees of the frame and the link layers, as packet-frame.c, packet-eth.c and
packet-raw.c add them (labels from their ``hf_register_info`` and ``proto_tree_add_*``
calls, written down here in our own words).

Addresses are printed as ``tshark -n`` prints them; :func:`resolve_mac` is where a
resolved name (``IntelCor_12:34:56``) goes once tcpscope resolves MAC vendor names.
"""

from __future__ import annotations

import numpy as np

from tcpscope.views.tree import Item, Label, Node, Protocol

__all__ = ["ENCAPSULATIONS", "ETH", "FRAME", "NULL", "RAW", "VLAN", "resolve_mac"]

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


def resolve_mac(text: str) -> str:
    """A MAC address as the tree shows it: ``tshark -n`` prints the address itself (the
    hook where a vendor-resolved name will go)."""
    return text


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


def _bytes_and_bits(title: str) -> Label:
    def label(item: Item) -> str:
        n = int(item.value)
        return f"{title}: {_plural(n, 'byte')} ({n * 8} bits)"

    return label


def _shift(item: Item) -> str:
    return "Time shift for this packet: 0.000000000 seconds"


def _delta_displayed(item: Item) -> str:
    return f"Time delta from previous displayed frame: {item.delta_displayed()} seconds"


FRAME = Protocol("frame", "", _frame_head, (
    Node("frame.interface_id", label=_section),
    Node("frame.interface_id", label=_interface, children=(Node("frame.interface_id", label=_interface_name_line),)),
    Node("frame.number", label=_encapsulation),
    Node("frame.time"),
    Node("frame.time", label=_shift, generated=True, constant=True),
    Node("frame.time_epoch"),
    Node("frame.time_delta", generated=True),
    Node("frame.time_delta", label=_delta_displayed, generated=True),
    Node("frame.time_relative", generated=True),
    Node("frame.number"),
    Node("frame.len", label=_bytes_and_bits("Frame Length"), of_value=True),
    Node("frame.cap_len", label=_bytes_and_bits("Capture Length"), of_value=True),
    Node("frame.marked", generated=True),
    Node("frame.ignored", generated=True),
    Node("frame.protocols", generated=True),
))


def _eth_head(item: Item) -> str:
    src, dst = item.text_of("eth.src"), item.text_of("eth.dst")
    return f"Ethernet II, Src: {resolve_mac(src or '')}, Dst: {resolve_mac(dst or '')}"


def _address(item: Item) -> str:
    return f"{item.fd.title}: {resolve_mac(item.text)}"


def _plain_address(item: Item) -> str:
    return f"Address: {resolve_mac(item.text)}"


_LG = {True: "Locally administered address (this is NOT the factory default)",
       False: "Globally unique address (factory default)"}
_IG = {True: "Group address (multicast/broadcast)", False: "Individual address (unicast)"}


def _lg(item: Item) -> str:
    return f"LG bit: {_LG[bool(item.value)]}"


def _ig(item: Item) -> str:
    return f"IG bit: {_IG[bool(item.value)]}"


def _address_tree(side: str) -> Node:
    return Node(f"eth.{side}", label=_address, of_value=True, children=(
        Node(f"eth.{side}", label=_plain_address, of_value=True),
        Node(f"eth.{side}.lg", label=_lg, of_value=True, mask=0x020000, bits=24),
        Node(f"eth.{side}.ig", label=_ig, of_value=True, mask=0x010000, bits=24),
    ))


ETH = Protocol("eth", "eth", _eth_head, (
    _address_tree("dst"),
    _address_tree("src"),
    Node("eth.type"),
))


def _raw_head(item: Item) -> str:
    return "Raw packet data"


RAW = Protocol("raw", "", _raw_head, (), in_fields=False)


def _vlan_head(item: Item) -> str:
    if not item.has("vlan.id"):
        return "802.1Q Virtual LAN"
    return (f"802.1Q Virtual LAN, PRI: {item.get('vlan.priority')}, DEI: {int(item.get('vlan.dei'))}, "
            f"ID: {item.get('vlan.id')}")


VLAN = Protocol("vlan", "vlan", _vlan_head, (
    Node("vlan.priority", mask=0xE000, bits=16),
    Node("vlan.dei", mask=0x1000, bits=16),
    Node("vlan.id", mask=0x0FFF, bits=16),
    Node("vlan.etype"),
))


def _null_head(item: Item) -> str:
    return "Null/Loopback"


NULL = Protocol("null", "null", _null_head, (Node("null.family"),), in_fields=False)
