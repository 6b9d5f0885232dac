"""``tcpscope conv --format parquet -o OUT``: the conversations table as Parquet, one row
per TCP conversation, the columns of ``Conversations.to_arrow`` with their types made
exact: ports ``uint16``, stream and frame numbers ``uint32``, times in nanoseconds
(``*_ns``) ``duration[ns]``. The table has a row per conversation, so it is written at
once, under a temporary name renamed when complete (:mod:`tcpscope.export.output`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tcpscope.export.output import output_file

if TYPE_CHECKING:
    import pyarrow

__all__ = ["write_conversations"]


def _exact_type(name: str, current: pyarrow.DataType) -> pyarrow.DataType:
    """A conversation column's type in the export, from its name (see the module docstring)."""
    import pyarrow as pa

    if name.startswith("port"):
        return pa.uint16()
    if name in ("stream", "first_frame"):
        return pa.uint32()
    if name.endswith("_ns") and pa.types.is_integer(current):
        return pa.duration("ns")
    return current


def write_conversations(conversations: Any, path: str) -> None:
    """Write ``conversations`` (anything with ``to_arrow()``, as
    ``views.conversations.Conversations``) to ``path`` as Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = conversations.to_arrow()
    table = table.cast(pa.schema([f.with_type(_exact_type(f.name, f.type)) for f in table.schema]))
    with output_file(path) as out:
        pq.write_table(table, out)
