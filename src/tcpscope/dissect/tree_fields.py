"""The fields only the details tree shows: their names and types, for ``-T json``.

The details tree of a few protocols reads its items from the frame's bytes, not from a
column of the packet table (ICMP and ICMPv6 messages, IPv6 extension headers, IEEE 802.2
LLC). Each such item still has a Wireshark field behind it, whose type fixes the last
member of its ``*_raw`` array in ``tshark -T json``; this is the one home of those types.
The tree adds each item's label, bitmask and parent; the value is the frame's bytes.

They are tree-only: they have no column, so ``tcpscope fields -e`` and display filters
refuse their names, as before they were declared here (a field is usable there once a
dissector writes its column and :mod:`tcpscope.dissect.fields` declares it).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from tcpscope.table.schema import FieldType

__all__ = ["TREE_FIELDS"]

FT = FieldType

#: packet-icmp.c and packet-icmpv6.c: the message's header, echo, router solicitation,
#: MLDv2 report and neighbor discovery options.
_ICMP: dict[str, FieldType] = {
    **{f"{p}.{k}": t for p in ("icmp", "icmpv6") for k, t in (
        ("type", FT.UINT8), ("code", FT.UINT8), ("checksum", FT.UINT16), ("checksum.status", FT.UINT8))},
    "icmp.ident": FT.UINT16, "icmp.ident_le": FT.UINT16, "icmp.seq": FT.UINT16, "icmp.seq_le": FT.UINT16,
    "icmpv6.echo.identifier": FT.UINT16, "icmpv6.echo.sequence_number": FT.UINT16, "icmpv6.reserved": FT.BYTES,
    "icmpv6.mldr.nb_mcast_records": FT.UINT16, "icmpv6.mldr.mar": FT.NONE,
    "icmpv6.mldr.mar.record_type": FT.UINT8, "icmpv6.mldr.mar.aux_data_len": FT.UINT8,
    "icmpv6.mldr.mar.nb_sources": FT.UINT16, "icmpv6.mldr.mar.multicast_address": FT.IPv6,
    "icmpv6.opt": FT.NONE, "icmpv6.opt.type": FT.UINT8, "icmpv6.opt.length": FT.UINT8,
    "icmpv6.opt.linkaddr": FT.ETHER, "icmpv6.opt.src_linkaddr": FT.ETHER, "icmpv6.opt.target_linkaddr": FT.ETHER,
}

#: packet-ipv6.c: hop-by-hop, destination options, routing and fragment headers (and the
#: expert item of a deprecated routing type, which the tree adds under the header).
_IPV6_EXTENSIONS: dict[str, FieldType] = {
    **{f"{p}.{k}": t for p in ("ipv6.hopopts", "ipv6.dstopts", "ipv6.routing") for k, t in (
        ("nxt", FT.UINT8), ("len", FT.UINT8), ("len_oct", FT.UINT16))},
    "ipv6.opt": FT.NONE, "ipv6.opt.type": FT.UINT8, "ipv6.opt.type.action": FT.UINT8,
    "ipv6.opt.type.change": FT.BOOLEAN, "ipv6.opt.type.rest": FT.UINT8,
    "ipv6.opt.length": FT.UINT8, "ipv6.opt.padn": FT.BYTES, "ipv6.opt.pad1": FT.NONE,
    "ipv6.opt.router_alert": FT.UINT16, "ipv6.opt.experimental": FT.BYTES,
    "ipv6.routing.type": FT.UINT8, "ipv6.routing.segleft": FT.UINT8,
    "ipv6.routing.src.reserved": FT.BYTES, "ipv6.routing.src.addr": FT.IPv6,
    "ipv6.routing.mipv6.reserved": FT.BYTES, "ipv6.routing.mipv6.home_address": FT.IPv6,
    "ipv6.routing.srh.last_entry": FT.UINT8, "ipv6.routing.srh.flags": FT.UINT8,
    "ipv6.routing.srh.tag": FT.BYTES, "ipv6.routing.srh.addr": FT.IPv6,
    "ipv6.fraghdr.nxt": FT.UINT8, "ipv6.fraghdr.reserved_octet": FT.UINT8,
    "ipv6.fraghdr.offset": FT.UINT16, "ipv6.fraghdr.reserved_bits": FT.UINT16,
    "ipv6.fraghdr.more": FT.BOOLEAN, "ipv6.fraghdr.ident": FT.UINT32,
    "ipv6.routing.deprecated": FT.NONE, "_ws.expert": FT.NONE, "_ws.expert.severity": FT.UINT32,
    "_ws.expert.group": FT.UINT32,
}

#: packet-llc.c and epan/xdlc.c: the LLC header and its SNAP header. (``llc.control.ftype``
#: is an FT_UINT8 in a U frame's one-byte control field, an FT_UINT16 in the two bytes of
#: an I or S frame's: the tree gives it its type there.)
_LLC: dict[str, FieldType] = {
    "llc.dsap": FT.UINT8, "llc.dsap.sap": FT.UINT8, "llc.dsap.ig": FT.BOOLEAN,
    "llc.ssap": FT.UINT8, "llc.ssap.sap": FT.UINT8, "llc.ssap.cr": FT.BOOLEAN,
    "llc.control": FT.UINT16, "llc.control.n_r": FT.UINT16, "llc.control.n_s": FT.UINT16,
    "llc.control.p": FT.BOOLEAN, "llc.control.f": FT.BOOLEAN, "llc.control.s_ftype": FT.UINT16,
    "llc.control.u_modifier_cmd": FT.UINT8, "llc.control.u_modifier_resp": FT.UINT8,
    "llc.control.ftype": FT.UINT8, "llc.oui": FT.UINT24, "llc.type": FT.UINT16, "llc.pid": FT.UINT16,
}

#: Every tree-only field, by name.
TREE_FIELDS: Mapping[str, FieldType] = MappingProxyType({**_ICMP, **_IPV6_EXTENSIONS, **_LLC})
