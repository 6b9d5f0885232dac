"""The packet list's columns as fields (``_ws.col.Info`` and friends), as tshark 4.0 names them.

``tshark -T fields -e _ws.col.Info`` prints a frame's Info column; these definitions give
the same to ``tcpscope fields`` and the Python API. They live with the views because the
columns are views, and extend the registry of the earlier stages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from tcpscope.filter.registry import FieldRegistry, registry
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import Base, FieldDef, FieldType
from tcpscope.table.values import Values

if TYPE_CHECKING:
    from tcpscope.views.packet_list import PacketRow

__all__ = ["COLUMN_FIELDS", "full_registry"]


def _column(pick: Callable[[PacketRow], object], ftype: FieldType) -> Callable[[PacketTable], Values]:
    def get(t: PacketTable) -> Values:
        from tcpscope.views.packet_list import packet_rows  # only when a column is asked for

        rows = list(packet_rows(t))
        vals = [pick(r) for r in rows]
        data = np.asarray(vals, dtype=np.int64) if ftype is FieldType.UINT32 else np.asarray(vals, dtype=str)
        return Values(np.arange(t.n, dtype=np.int64), data)

    return get


COLUMN_FIELDS: tuple[FieldDef, ...] = (
    FieldDef("_ws.col.No.", FieldType.UINT32, _column(lambda r: r.number, FieldType.UINT32), "No.", Base.DEC,
             description="The packet list's No. column: the frame's number."),
    FieldDef("_ws.col.Time", FieldType.STRING, _column(lambda r: r.time, FieldType.STRING), "Time",
             description="The packet list's Time column: seconds since the first frame."),
    FieldDef("_ws.col.Source", FieldType.STRING, _column(lambda r: r.source, FieldType.STRING), "Source",
             description="The packet list's Source column: the innermost source address."),
    FieldDef("_ws.col.Destination", FieldType.STRING, _column(lambda r: r.destination, FieldType.STRING),
             "Destination",
             description="The packet list's Destination column: the innermost destination address."),
    FieldDef("_ws.col.Protocol", FieldType.STRING, _column(lambda r: r.protocol, FieldType.STRING), "Protocol",
             description="The packet list's Protocol column: the innermost protocol."),
    FieldDef("_ws.col.Length", FieldType.UINT32, _column(lambda r: r.length, FieldType.UINT32), "Length", Base.DEC,
             description="The packet list's Length column: the frame's length on the wire."),
    FieldDef("_ws.col.Info", FieldType.STRING, _column(lambda r: r.info, FieldType.STRING), "Info",
             description="The packet list's Info column: a summary of the innermost protocol."),
)


@lru_cache(maxsize=1)
def full_registry() -> FieldRegistry:
    """Every field of every stage, the packet-list columns included."""
    return registry().extended(COLUMN_FIELDS)
