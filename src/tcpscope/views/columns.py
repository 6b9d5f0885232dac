"""The packet list's columns as fields (``_ws.col.Info`` and friends), as tshark 4.0 names them.

``tshark -T fields -e _ws.col.Info`` prints a frame's Info column; these definitions give
the same to ``tcpscope fields`` and the Python API. They live with the views because the
columns are views, and extend the registry of the earlier stages.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from tcpscope.filter.registry import FieldRegistry, registry
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import Base, FieldDef, FieldType
from tcpscope.table.values import Values

__all__ = ["COLUMN_FIELDS", "full_registry"]


#: The last table whose rows were made, and its rows' parts (see :func:`_rows_of`)
_LAST: list[tuple[weakref.ref[PacketTable], tuple[list[object], ...]]] = []


def _rows_of(t: PacketTable) -> tuple[list[object], ...]:
    """The packet list's columns of table ``t``, each a list over its frames: made once
    for the seven ``_ws.col.*`` fields of the same table (asked for one after the other),
    not once per field (the table is held weakly, and its rows go when it goes)."""
    if _LAST and _LAST[0][0]() is t:
        return _LAST[0][1]
    from tcpscope.views.packet_list import packet_rows  # only when a column is asked for

    parts = tuple(list(c) for c in zip(*((r.number, r.time, r.source, r.destination, r.protocol, r.length, r.info)
                                         for r in packet_rows(t)), strict=True)) or tuple([] for _ in range(7))
    _LAST[:] = [(weakref.ref(t), parts)]
    weakref.finalize(t, _LAST.clear)  # the rows go with their table
    return parts


def _column(part: int, ftype: FieldType) -> Callable[[PacketTable], Values]:
    def get(t: PacketTable) -> Values:
        vals = _rows_of(t)[part]
        data = np.asarray(vals, dtype=np.int64) if ftype is FieldType.UINT32 else np.asarray(vals, dtype=str)
        return Values(np.arange(t.n, dtype=np.int64), data)

    return get


COLUMN_FIELDS: tuple[FieldDef, ...] = (
    FieldDef("_ws.col.No.", FieldType.UINT32, _column(0, FieldType.UINT32), "No.", Base.DEC,
             description="The packet list's No. column: the frame's number."),
    FieldDef("_ws.col.Time", FieldType.STRING, _column(1, FieldType.STRING), "Time",
             description="The packet list's Time column: seconds since the first frame."),
    FieldDef("_ws.col.Source", FieldType.STRING, _column(2, FieldType.STRING), "Source",
             description="The packet list's Source column: the innermost source address."),
    FieldDef("_ws.col.Destination", FieldType.STRING, _column(3, FieldType.STRING),
             "Destination",
             description="The packet list's Destination column: the innermost destination address."),
    FieldDef("_ws.col.Protocol", FieldType.STRING, _column(4, FieldType.STRING), "Protocol",
             description="The packet list's Protocol column: the innermost protocol."),
    FieldDef("_ws.col.Length", FieldType.UINT32, _column(5, FieldType.UINT32), "Length", Base.DEC,
             description="The packet list's Length column: the frame's length on the wire."),
    FieldDef("_ws.col.Info", FieldType.STRING, _column(6, FieldType.STRING), "Info",
             description="The packet list's Info column: a summary of the innermost protocol."),
)


@lru_cache(maxsize=1)
def full_registry() -> FieldRegistry:
    """Every field of every stage, the packet-list columns included."""
    return registry().extended(COLUMN_FIELDS)
