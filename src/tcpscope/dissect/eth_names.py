"""The Ethernet fields of names and manufacturer prefixes (packet-eth.c ``dissect_address_data``).

tshark adds under each address, hidden: its name (``eth.dst_resolved``, as
:func:`tcpscope.table.manuf.resolve_macs` gives it), its first three bytes as a number
(``eth.dst.oui``, FT_UINT24 shown in decimal by ``-T fields``) and, only when manuf names
that prefix exactly, the prefix's long name (``eth.dst.oui_resolved``); and the same
again as ``eth.addr*`` items, the destination's before the source's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tcpscope._types import Array
from tcpscope.table.access import Getter, column, interleaved, where
from tcpscope.table.manuf import manuf_longnames, resolve_macs
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import Base, FieldDef, FieldType
from tcpscope.table.values import Values

__all__ = ["ETH_NAME_FIELDS"]


def _oui(a: np.ndarray) -> Array:
    b = np.asarray(a, dtype=np.uint8).reshape(-1, 6).astype(np.int64)
    return (b[:, 0] << 16) | (b[:, 1] << 8) | b[:, 2]


def _names(a: np.ndarray) -> Array:
    return resolve_macs(np.asarray(a, dtype=np.uint8))


def _converted(get: Getter, convert: Callable[[np.ndarray], Array]) -> Getter:
    """``get``'s values, each converted."""

    def conv(t: PacketTable) -> Values:
        v = get(t)
        return Values(v.pkt, convert(v.data), v.layer) if len(v) else Values.empty(str)

    return conv


def _known_oui(get: Getter) -> Getter:
    """The long names of ``get``'s addresses' prefixes, where manuf names them."""

    def known(t: PacketTable) -> Values:
        v = get(t)
        if not len(v):
            return Values.empty(str)
        named, names = manuf_longnames(_oui(v.data))
        return Values(v.pkt[named], names[named], None if v.layer is None else v.layer[named])

    return known


_DST = column("eth", "dst", where("has_dst"))
_SRC = column("eth", "src", where("has_src"))
_ADDR = interleaved("eth", "dst", "src", where("has_dst"), where("has_src"))

ETH_NAME_FIELDS: tuple[FieldDef, ...] = (
    FieldDef("eth.dst_resolved", FieldType.STRING, _converted(_DST, _names), "Destination (resolved)",
             description="The destination address's name (Wireshark's manuf and wka names, as tshark resolves them)."),
    FieldDef("eth.src_resolved", FieldType.STRING, _converted(_SRC, _names), "Source (resolved)",
             description="The source address's name (Wireshark's manuf and wka names, as tshark resolves them)."),
    FieldDef("eth.addr_resolved", FieldType.STRING, _converted(_ADDR, _names), "Address (resolved)",
             description="The name of the destination or the source address."),
    FieldDef("eth.dst.oui", FieldType.UINT24, _converted(_DST, _oui), "Destination OUI", Base.DEC,
             description="The destination address's first three bytes: its Organizationally Unique Identifier."),
    FieldDef("eth.src.oui", FieldType.UINT24, _converted(_SRC, _oui), "Source OUI", Base.DEC,
             description="The source address's first three bytes: its Organizationally Unique Identifier."),
    FieldDef("eth.addr.oui", FieldType.UINT24, _converted(_ADDR, _oui), "Address OUI", Base.DEC,
             description="The Organizationally Unique Identifier of the destination or the source address."),
    FieldDef("eth.dst.oui_resolved", FieldType.STRING, _known_oui(_DST), "Destination OUI (resolved)",
             description="The manufacturer the IEEE assigned the destination address's OUI to (where manuf names it)."),
    FieldDef("eth.src.oui_resolved", FieldType.STRING, _known_oui(_SRC), "Source OUI (resolved)",
             description="The manufacturer the IEEE assigned the source address's OUI to (where manuf names it)."),
    FieldDef("eth.addr.oui_resolved", FieldType.STRING, _known_oui(_ADDR), "Address OUI (resolved)",
             description="The manufacturer of the destination's or the source's OUI (where manuf names it)."),
)
