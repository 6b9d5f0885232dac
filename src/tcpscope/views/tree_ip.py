"""The IPv4 and IPv6 trees, as packet-ip.c and packet-ipv6.c add them (labels from its ``hf_register_info`` and
``proto_tree_add_*`` calls, written down here in our own words)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from tcpscope.table.schema import FieldDef
from tcpscope.views.tree import Columns, Item, Label, Node, Protocol, display
from tcpscope.views.tree_link import header_start

__all__ = ["IPV4", "IPV6", "ip_protocol_name"]

#: dscp_short_vals and ecn_short_vals: the names in the DS field's line.
_DSCP_SHORT = {0x00: "CS0", 0x01: "LE", 0x08: "CS1", 0x0A: "AF11", 0x0C: "AF12", 0x0E: "AF13", 0x10: "CS2",
               0x12: "AF21", 0x14: "AF22", 0x16: "AF23", 0x18: "CS3", 0x1A: "AF31", 0x1C: "AF32", 0x1E: "AF33",
               0x20: "CS4", 0x22: "AF41", 0x24: "AF42", 0x26: "AF43", 0x28: "CS5", 0x2C: "VOICE-ADMIT",
               0x2E: "EF PHB", 0x30: "CS6", 0x38: "CS7"}
_ECN_SHORT = {0: "Not-ECT", 1: "ECT(1)", 2: "ECT(0)", 3: "CE"}
#: The flag bits' names, high bit first, as the Flags line lists the set ones.
_FLAG_NAMES = ((4, "Reserved bit"), (2, "Don't fragment"), (1, "More fragments"))


#: The protocol numbers whose name in the tree (ipproto_val) is longer than the short
#: name the registry keeps for filters and columns.
_LONG_NAMES = {43: "Routing Header for IPv6", 44: "Fragment Header for IPv6", 47: "Generic Routing Encapsulation",
               50: "Encap Security Payload", 51: "Authentication Header", 59: "No Next Header for IPv6",
               60: "Destination Options for IPv6"}


def ip_protocol_name(registry: Mapping[str, FieldDef], v: int) -> str:
    """An IP protocol number's name in the tree (a next header's, in IPv6's extension headers)."""
    return _LONG_NAMES.get(v) or (registry["ip.proto"].strings or {}).get(v, "Unknown")


def _protocol(item: Item) -> str:
    """An IP protocol number's line, with the tree's name for it."""
    v = int(item.value)
    name = _LONG_NAMES.get(v) or (item.fd.strings or {}).get(v, "Unknown")
    return f"{item.fd.title}: {name} ({v})"


def _ip_head(item: Item) -> str | None:
    """The header's line; none when its addresses were not captured (dissect_ip reads the
    whole fixed header before it adds its item)."""
    src, dst = item.text_of("ip.src"), item.text_of("ip.dst")
    if src is None or dst is None:
        return None
    return f"Internet Protocol Version 4, Src: {src}, Dst: {dst}"


def _version(item: Item) -> str:
    return f"Version: {item.column('ip', 'version')}"


def _version_key(c: Columns) -> NDArray[np.int64]:
    """What :func:`_version`'s line (with its bits) depends on."""
    return np.stack([c.column("ip", "version").astype(np.int64), c.key("ip.version")], axis=1)


def _ip_head_key(c: Columns) -> NDArray[np.int64]:
    """What :func:`_ip_head` depends on: the addresses."""
    return np.stack([c.key("ip.src"), c.key("ip.dst")], axis=1)


def _hdr_len(item: Item) -> str:
    n = int(item.value)
    return f"Header Length: {n} bytes ({n // 4})"


def _dsfield(item: Item) -> str:
    tos = int(item.value)
    return (f"Differentiated Services Field: {item.text} (DSCP: {_DSCP_SHORT.get(tos >> 2, 'Unknown')}, "
            f"ECN: {_ECN_SHORT[tos & 3]})")


def _flags(item: Item) -> str:
    v = int(item.value)
    names = "".join(f", {name}" for bit, name in _FLAG_NAMES if v & bit)
    return f"Flags: 0x{v:x}{names}"


def _fragment_offset(item: Item) -> str:
    """The offset in bytes; the field's 13 bits count units of 8 bytes."""
    return f"Fragment Offset: {int(item.value) * 8}"


def _address(side: str, at: int) -> tuple[Node, ...]:
    """An address, then the items with no line of their own that repeat it (JSON only)."""
    four = (at, 4, 0)
    return (Node(f"ip.{side}", raw=four), Node(f"ip.{side}", key="ip.addr", hidden=True, raw=four),
            Node(f"ip.{side}", key=f"ip.{side}_host", hidden=True, raw=four),
            Node(f"ip.{side}", key="ip.host", hidden=True, raw=four))


def _ip_span(item: Item) -> tuple[int, int]:
    hdr = item.get("ip.hdr_len")
    return header_start("ip")(item), 20 if hdr is None else int(hdr)


IPV4 = Protocol("ip", "ip", _ip_head, line_key=_ip_head_key, children=(
    Node("ip.version", label=_version, line_key=_version_key, mask=0xF0, bits=8, raw=(0, 1, 0)),
    Node("ip.hdr_len", label=_hdr_len, of_value=True, mask=0x0F, bits=8, bits_of=lambda v: v // 4, raw=(0, 1, 0)),
    Node("ip.dsfield", label=_dsfield, of_value=True, raw=(1, 1, 0), children=(
        Node("ip.dsfield.dscp", mask=0xFC, bits=8, raw=(1, 1, 0xFC)),
        Node("ip.dsfield.ecn", mask=0x03, bits=8, raw=(1, 1, 0x03)),
    )),
    Node("ip.len", raw=(2, 2, 0)),
    Node("ip.id", raw=(4, 2, 0)),
    Node("ip.flags", label=_flags, of_value=True, mask=0xE0, bits=8, raw=(6, 1, 0xE0), children=(
        Node("ip.flags.rb", mask=0x80, bits=8, raw=(6, 1, 0x80)),
        Node("ip.flags.df", mask=0x40, bits=8, raw=(6, 1, 0x40)),
        Node("ip.flags.mf", mask=0x20, bits=8, raw=(6, 1, 0x20)),
    )),
    Node("ip.frag_offset", label=_fragment_offset, of_value=True, mask=0x1FFF, bits=16, raw=(6, 2, 0x1FFF)),
    Node("ip.ttl", experts=("ip.ttl.too_small", "ip.ttl.lncb"), raw=(8, 1, 0)),
    Node("ip.proto", label=_protocol, of_value=True, raw=(9, 1, 0)),
    Node("ip.checksum", unit=" [validation disabled]", raw=(10, 2, 0)),
    Node("ip.checksum.status", generated=True),
    *_address("src", 12),
    *_address("dst", 16),
), span=_ip_span)


def _ipv6_head(item: Item) -> str:
    return f"Internet Protocol Version 6, Src: {item.text_of('ipv6.src')}, Dst: {item.text_of('ipv6.dst')}"


def _tclass(item: Item) -> str:
    tc = int(item.value)
    return (f"Traffic Class: 0x{tc:02x} (DSCP: {_DSCP_SHORT.get(tc >> 2, 'Unknown')}, "
            f"ECN: {_ECN_SHORT[tc & 3]})")


def _part_of_ds(field: str) -> Label:
    """A part of the traffic class, named as the IPv4 DS field's part of the same name is."""
    def label(item: Item) -> str:
        fd = item.registry[field]
        v = int(item.value) >> 2 if field.endswith("dscp") else int(item.value) & 3
        return f"{fd.title}: {display(fd, v, str(v))}"

    return label


def _flow(item: Item) -> str:
    return f"Flow Label: 0x{int(item.value):05x}"


def _address6(side: str, at: int) -> tuple[Node, ...]:
    """An address, then the items with no line of their own that repeat it (JSON only)."""
    sixteen = (at, 16, 0)
    return (Node(f"ipv6.{side}", raw=sixteen), Node(f"ipv6.{side}", key="ipv6.addr", hidden=True, raw=sixteen),
            Node(f"ipv6.{side}", key=f"ipv6.{side}_host", hidden=True, raw=sixteen),
            Node(f"ipv6.{side}", key="ipv6.host", hidden=True, raw=sixteen))


IPV6 = Protocol("ipv6", "ipv6", _ipv6_head, (
    Node("ipv6.version", mask=0xF0, bits=8, raw=(0, 1, 0)),
    Node("ipv6.version", key="ip.version", hidden=True, raw=(0, 1, 0xF0)),
    Node("ipv6.tclass", label=_tclass, of_value=True, mask=0x0FF00000, bits=32, raw=(0, 4, 0x0FF00000), children=(
        Node("ipv6.tclass", label=_part_of_ds("ip.dsfield.dscp"), of_value=True, mask=0x0FC00000, bits=32,
             bits_of=lambda v: v >> 2, key="ipv6.tclass.dscp", value=lambda item: str(int(item.value) >> 2),
             raw=(0, 4, 0x0FC00000)),
        Node("ipv6.tclass", label=_part_of_ds("ip.dsfield.ecn"), of_value=True, mask=0x00300000, bits=32,
             bits_of=lambda v: v & 3, key="ipv6.tclass.ecn", value=lambda item: str(int(item.value) & 3),
             raw=(0, 4, 0x00300000)),
    )),
    Node("ipv6.flow", label=_flow, of_value=True, mask=0x0FFFFF, bits=24, raw=(1, 3, 0x0FFFFF)),
    Node("ipv6.plen", raw=(4, 2, 0)),
    Node("ipv6.nxt", label=_protocol, of_value=True, raw=(6, 1, 0)),
    Node("ipv6.hlim", raw=(7, 1, 0)),
    *_address6("src", 8),
    *_address6("dst", 24),
), span=lambda item: (header_start("ipv6")(item), 40))
