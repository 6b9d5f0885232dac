"""The columns of a table export (Parquet, Arrow IPC, Feather, CSV) and their types.

A column is named by its Wireshark field name and has the field's one type, the Python
API's (:mod:`tcpscope.table.schema`, their single home): an FT_UINT16 (``tcp.srcport``)
is ``uint16``, an FT_UINT32 or FT_FRAMENUM ``uint32``, a time ``timestamp[ns, UTC]``
(FT_ABSOLUTE_TIME) or ``duration[ns]`` (FT_RELATIVE_TIME), a flag (FT_NONE, present or
not) ``bool``, an address its text (or its bytes, ``binary_addresses``). Every piece and
every file of an export has the same schema, whatever layers a piece happens to have.

A field of :data:`~tcpscope.table.schema.REPEATED_FIELDS` (``tcp.port``, the TCP options
that repeat in one segment) is a list of all its values in each frame; any other field
holds its first value, as ``tshark -T fields -E occurrence=f`` prints it (``ip.src`` of
the outer header in a tunnel).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tcpscope.table.schema import REPEATED_FIELDS, FieldDef
from tcpscope.table.schema import arrow_schema as schema_of

if TYPE_CHECKING:
    import pyarrow

    from tcpscope._types import Index
    from tcpscope.api import PacketView
    from tcpscope.table.packets import PacketTable
    from tcpscope.views.info_kernel import ListTexts

__all__ = ["DEFAULT_FIELDS", "LIST_FIELDS", "arrow_schema", "conform", "field_defs"]

#: Without ``-e``: the packet list's columns, the addresses and ports, the TCP header's
#: fields and the analysis fields (``tcp.stream`` among them), for every frame.
DEFAULT_FIELDS: tuple[str, ...] = (
    # the packet list
    "frame.number", "frame.time_epoch", "frame.time_relative", "frame.time_delta", "frame.len", "frame.cap_len",
    "frame.interface_id", "_ws.col.Source", "_ws.col.Destination", "_ws.col.Protocol", "_ws.col.Info",
    # addresses
    "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    # the TCP header
    "tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.seq", "tcp.seq_raw", "tcp.nxtseq", "tcp.ack", "tcp.ack_raw",
    "tcp.hdr_len", "tcp.len", "tcp.flags", "tcp.flags.str", "tcp.window_size_value", "tcp.window_size",
    "tcp.window_size_scalefactor", "tcp.checksum", "tcp.urgent_pointer", "tcp.options.mss_val",
    "tcp.options.wscale.shift", "tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr",
    "tcp.options.sack_le", "tcp.options.sack_re", "tcp.option_kind", "tcp.time_relative", "tcp.time_delta",
    "tcp.completeness",
    # the analysis
    "tcp.analysis.flags", "tcp.analysis.acks_frame", "tcp.analysis.ack_rtt", "tcp.analysis.initial_rtt",
    "tcp.analysis.bytes_in_flight", "tcp.analysis.push_bytes_sent", "tcp.analysis.retransmission",
    "tcp.analysis.fast_retransmission", "tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order",
    "tcp.analysis.lost_segment", "tcp.analysis.ack_lost_segment", "tcp.analysis.duplicate_ack",
    "tcp.analysis.duplicate_ack_num", "tcp.analysis.duplicate_ack_frame", "tcp.analysis.window_update",
    "tcp.analysis.window_full", "tcp.analysis.zero_window", "tcp.analysis.zero_window_probe",
    "tcp.analysis.zero_window_probe_ack", "tcp.analysis.keep_alive", "tcp.analysis.keep_alive_ack",
    "tcp.analysis.reused_ports", "tcp.analysis.rto", "tcp.analysis.rto_frame",
)

#: The fields exported as a list of every value in the frame: the schema's repeated fields.
LIST_FIELDS: frozenset[str] = REPEATED_FIELDS


def field_defs(names: Sequence[str]) -> list[FieldDef]:
    """The registry's definitions of ``names`` (a FieldError names the unknown ones)."""
    from tcpscope.views.columns import full_registry

    return full_registry().require(names)


def arrow_schema(defs: Sequence[FieldDef], binary_addresses: bool = False) -> pyarrow.Schema:
    """The schema of every piece of an export of ``defs`` (the API's, :func:`tcpscope.table.schema.arrow_schema`)."""
    return schema_of(defs, None, binary_addresses)


def conform(piece: PacketView, schema: pyarrow.Schema) -> pyarrow.Table:
    """A piece's frames as rows of the export's ``schema`` (made by :func:`arrow_schema`):
    each column as ``PacketView.to_arrow`` makes it (its list columns and its addresses as
    text or bytes, as the schema has them), but the packet list's columns (``_ws.col.*``):
    Info, Source, Destination and Protocol as the list's line writer writes them, straight
    into Arrow's string arrays (:func:`tcpscope.views.info_kernel.list_texts`), the others
    from the list's column kernels (:func:`tcpscope.views.columns.list_column`). Every
    column is made from its buffers, so that pyarrow never imports pandas."""
    import pyarrow as pa

    from tcpscope._jit import job
    from tcpscope.views.arrow_buffers import arrow_text_column, arrow_values
    from tcpscope.views.arrow_columns import arrow_column
    from tcpscope.views.columns import COLUMN_PARTS, list_column

    table, frames = piece.table, piece.frames
    pos = np.full(table.n, -1, dtype=np.int64)
    pos[frames] = np.arange(frames.shape[0])
    some = None if frames.shape[0] == table.n else frames
    tcp = table.layer("tcp")
    written = "stream" in tcp.cols or not len(tcp)  # (the line writer reads the analysis)
    texts: ListTexts | None = None
    arrays = []
    with job(piece.job):
        for fd, field in zip(field_defs(schema.names), schema, strict=True):
            if fd.name in WRITTEN_COLUMNS and written:
                if texts is None:
                    texts = _list_texts(table, some)
                arrays.append(getattr(texts, WRITTEN_COLUMNS[fd.name]))
            elif fd.name in COLUMN_PARTS:
                data = list_column(table, fd.name, some).data
                arrays.append(arrow_text_column(data) if data.dtype.kind in "UT" else arrow_values(data, field.type))
            else:
                arrays.append(arrow_column(fd, piece.values(fd.name), pos, field, table))
    return pa.Table.from_arrays(arrays, schema=schema)


#: The packet list's columns written by its line writer's Info helper, and their parts
#: of :class:`~tcpscope.views.info_kernel.ListTexts`
WRITTEN_COLUMNS: dict[str, str] = {"_ws.col.Source": "source", "_ws.col.Destination": "destination",
                                   "_ws.col.Protocol": "protocol", "_ws.col.Info": "info"}


def _list_texts(table: PacketTable, frames: Index | None) -> ListTexts:
    from tcpscope.views.info_kernel import list_texts

    return list_texts(table, frames)
