"""The host-name fields of IPv4 and IPv6 (packet-ip.c and packet-ipv6.c ``*_host``).

tshark adds beside each address, hidden, the host's name: ``ip.src_host``,
``ip.dst_host`` and ``ip.host`` (source, then destination), and the same of IPv6. Network
name resolution is off in tshark by default (and under ``-n``), and the name is then the
address as text: tcpscope gives that text always (it asks no DNS server and reads no
hosts file; docs/deviations.md, "Host names").
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef, FieldType
from tcpscope.table.text import format_values
from tcpscope.table.values import Values

__all__ = ["HOST_OF", "host_fields"]

#: Each host-name field, by the address field it names, with its title.
HOST_OF: Mapping[str, tuple[str, str]] = {
    "ip.src": ("ip.src_host", "Source Host"),
    "ip.dst": ("ip.dst_host", "Destination Host"),
    "ip.addr": ("ip.host", "Source or Destination Host"),
    "ipv6.src": ("ipv6.src_host", "Source Host"),
    "ipv6.dst": ("ipv6.dst_host", "Destination Host"),
    "ipv6.addr": ("ipv6.host", "Source or Destination Host"),
}


def _as_text(address: FieldDef) -> FieldDef:
    """The host-name field of ``address``: its values, written as text."""
    name, title = HOST_OF[address.name]

    def get(t: PacketTable) -> Values:
        v = address.get(t)
        if not len(v):
            return Values.empty(str)
        return Values(v.pkt, np.asarray(format_values(address, v), dtype=str), v.layer)

    return FieldDef(name, FieldType.STRING, get, title,
                    description=f"The host name of {address.description[0].lower()}{address.description[1:]} "
                                "(without network name resolution, the address as text).")


def host_fields(fields: tuple[FieldDef, ...]) -> tuple[FieldDef, ...]:
    """The host-name fields of the address fields among ``fields``, in ``HOST_OF``'s order."""
    by_name = {d.name: d for d in fields}
    return tuple(_as_text(by_name[a]) for a in HOST_OF if a in by_name)
