"""The packet list's columns as fields (``_ws.col.Info`` and friends), as tshark 4.0 names them.

``tshark -T fields -e _ws.col.Info`` prints a frame's Info column; these definitions give
the same to ``tcpscope fields`` and the Python API. They live with the views because the
columns are views, and extend the registry of the earlier stages.

The texts have one home, the packet list's column kernels
(:func:`tcpscope.views.packet_list.packet_columns`), which give numpy's variable-width
strings: :func:`list_column` hands them on as they are (the table exports take them into
Arrow string arrays from there, no Python string a row); the fields' own values (filters,
``tcpscope fields``, the API) are the same texts as fixed-width numpy strings, which those
read as code points.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.filter.registry import FieldRegistry, registry
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import Base, FieldDef, FieldType
from tcpscope.table.values import Values

if TYPE_CHECKING:
    from tcpscope.views.packet_list import ListColumns

__all__ = ["COLUMN_FIELDS", "COLUMN_PARTS", "full_registry", "list_column"]

#: Each ``_ws.col.*`` field's column of :class:`~tcpscope.views.packet_list.ListColumns`.
COLUMN_PARTS: dict[str, str] = {
    "_ws.col.No.": "number", "_ws.col.Time": "time", "_ws.col.Source": "source",
    "_ws.col.Destination": "destination", "_ws.col.Protocol": "protocol", "_ws.col.Length": "length",
    "_ws.col.Info": "info",
}

#: The last table whose columns were made, the frames they were made for, and the columns
#: (see :func:`_columns_of`)
_LAST: list[tuple[weakref.ref[PacketTable], Index | None, ListColumns]] = []


def _columns_of(t: PacketTable, frames: Index | None) -> ListColumns:
    """The packet list's columns of ``frames`` of table ``t`` (None: every frame): made
    once for the ``_ws.col.*`` fields of the same table and frames (asked for one after
    the other), not once per field (the table is held weakly, and its columns go when it
    goes)."""
    if _LAST and _LAST[0][0]() is t and _LAST[0][1] is frames:
        return _LAST[0][2]
    from tcpscope.views.packet_list import packet_columns  # only when a column is asked for

    cols = packet_columns(t, frames)
    _LAST[:] = [(weakref.ref(t), frames, cols)]
    weakref.finalize(t, _LAST.clear)  # the columns go with their table
    return cols


def list_column(t: PacketTable, name: str, frames: Index | None = None) -> Values:
    """The ``_ws.col.*`` field ``name`` of ``frames`` of ``t`` (None: every frame), a value
    per frame: numbers as int64, texts as numpy's variable-width strings (``StringDType``),
    as the packet list's kernels made them."""
    data = getattr(_columns_of(t, frames), COLUMN_PARTS[name])
    pkt = np.arange(t.n, dtype=np.int64) if frames is None else np.asarray(frames, dtype=np.int64)
    return Values(pkt, data)


def _fixed(texts: Array) -> Array:
    """Variable-width texts as fixed-width numpy strings as wide as the longest (one cast)."""
    width = int(np.strings.str_len(texts).max(initial=0))
    return texts.astype(f"U{max(width, 1)}")


def _column(name: str, ftype: FieldType) -> Callable[[PacketTable], Values]:
    def get(t: PacketTable) -> Values:
        v = list_column(t, name)
        return Values(v.pkt, v.data.astype(np.int64) if ftype is FieldType.UINT32 else _fixed(v.data))

    return get


COLUMN_FIELDS: tuple[FieldDef, ...] = (
    FieldDef("_ws.col.No.", FieldType.UINT32, _column("_ws.col.No.", FieldType.UINT32), "No.", Base.DEC,
             description="The packet list's No. column: the frame's number."),
    FieldDef("_ws.col.Time", FieldType.STRING, _column("_ws.col.Time", FieldType.STRING), "Time",
             description="The packet list's Time column: seconds since the first frame."),
    FieldDef("_ws.col.Source", FieldType.STRING, _column("_ws.col.Source", FieldType.STRING), "Source",
             description="The packet list's Source column: the innermost source address."),
    FieldDef("_ws.col.Destination", FieldType.STRING, _column("_ws.col.Destination", FieldType.STRING),
             "Destination",
             description="The packet list's Destination column: the innermost destination address."),
    FieldDef("_ws.col.Protocol", FieldType.STRING, _column("_ws.col.Protocol", FieldType.STRING), "Protocol",
             description="The packet list's Protocol column: the innermost protocol."),
    FieldDef("_ws.col.Length", FieldType.UINT32, _column("_ws.col.Length", FieldType.UINT32), "Length", Base.DEC,
             description="The packet list's Length column: the frame's length on the wire."),
    FieldDef("_ws.col.Info", FieldType.STRING, _column("_ws.col.Info", FieldType.STRING), "Info",
             description="The packet list's Info column: a summary of the innermost protocol."),
)


@lru_cache(maxsize=1)
def full_registry() -> FieldRegistry:
    """Every field of every stage, the packet-list columns included."""
    return registry().extended(COLUMN_FIELDS)
