"""``tcpscope conv --format parquet -o OUT``: the conversations table as Parquet, one row
per TCP conversation, the columns of ``Conversations.to_arrow`` in their exact types
(ports ``uint16``, stream and frame numbers ``uint32``, times in nanoseconds (``*_ns``)
``duration[ns]``). The table has a row per conversation, so it is written at
once, under a temporary name renamed when complete (:mod:`tcpscope.export.output`)."""

from __future__ import annotations

from typing import Any

from tcpscope.export.output import output_file

__all__ = ["write_conversations"]


def write_conversations(conversations: Any, path: str) -> None:
    """Write ``conversations`` (anything with ``to_arrow()``, as
    ``views.conversations.Conversations``) to ``path`` as Parquet."""
    import pyarrow.parquet as pq

    table = conversations.to_arrow()
    with output_file(path) as out:
        pq.write_table(table, out)
