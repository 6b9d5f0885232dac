"""The columns of a table export (Parquet, Arrow IPC, Feather, CSV) and their types.

A column is named by its Wireshark field name and keeps the field's type: an FT_UINT16
(``tcp.srcport``) is ``uint16``, an FT_UINT32 or FT_FRAMENUM ``uint32``, a time
``timestamp[ns, UTC]`` (FT_ABSOLUTE_TIME) or ``duration[ns]`` (FT_RELATIVE_TIME), a flag
(FT_NONE, present or not) ``bool``, an address its text (or its bytes, ``binary_addresses``).
``PacketView.to_arrow`` gives every integer as int64 (the API's schema, which issue 19
will rework); the export casts each piece to the schema below, the same in every piece
and every file, whatever layers a piece happens to have.

A field listed in :data:`LIST_FIELDS` (the TCP options that repeat in one segment) is a
list of all its values in each frame; any other field holds its first value, as
``tshark -T fields -E occurrence=f`` prints it (``ip.src`` of the outer header in a tunnel).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tcpscope.table.schema import FieldDef, FieldType

if TYPE_CHECKING:
    import pyarrow

__all__ = ["DEFAULT_FIELDS", "LIST_FIELDS", "arrow_schema", "conform", "field_defs", "value_type"]

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

#: Fields exported as a list of every value in the frame: the options a segment may carry
#: several of (SACK blocks, option kinds).
LIST_FIELDS: frozenset[str] = frozenset({
    "tcp.options.sack_le", "tcp.options.sack_re", "tcp.option_kind", "tcp.option_len",
})


def field_defs(names: Sequence[str]) -> list[FieldDef]:
    """The registry's definitions of ``names`` (a FieldError names the unknown ones)."""
    from tcpscope.views.columns import full_registry

    return full_registry().require(names)


def _integer_type(ft: FieldType) -> pyarrow.DataType:
    """An integer field's Arrow type: its own width and sign (FT_UINT24 in 32 bits)."""
    import pyarrow as pa

    bits = 32 if ft.bits == 24 else ft.bits
    types = {8: (pa.uint8(), pa.int8()), 16: (pa.uint16(), pa.int16()), 32: (pa.uint32(), pa.int32()),
             64: (pa.uint64(), pa.int64())}
    return types[bits][int(ft.is_signed)]


def value_type(fd: FieldDef, binary_addresses: bool = False) -> pyarrow.DataType:
    """The Arrow type of one value of ``fd`` in an export."""
    import pyarrow as pa

    ft = fd.ftype
    if ft is FieldType.NONE or ft is FieldType.BOOLEAN:
        return pa.bool_()
    if ft.is_integer:
        return _integer_type(ft)
    if ft is FieldType.ABSOLUTE_TIME:
        return pa.timestamp("ns", tz="UTC")
    if ft is FieldType.RELATIVE_TIME:
        return pa.duration("ns")
    if ft is FieldType.DOUBLE:
        return pa.float64()
    if ft in (FieldType.BYTES, FieldType.PROTOCOL):
        return pa.binary()
    if binary_addresses and ft is FieldType.IPv4:
        return pa.binary(4)
    if binary_addresses and ft is FieldType.IPv6:
        return pa.binary(16)
    return pa.string()


def arrow_schema(defs: Sequence[FieldDef], binary_addresses: bool = False) -> pyarrow.Schema:
    """The schema of every piece of an export of ``defs``."""
    import pyarrow as pa

    def column(fd: FieldDef) -> pyarrow.Field:
        t = value_type(fd, binary_addresses)
        return pa.field(fd.name, pa.list_(t) if fd.name in LIST_FIELDS else t)

    return pa.schema([column(fd) for fd in defs])


def conform(table: pyarrow.Table, schema: pyarrow.Schema) -> pyarrow.Table:
    """A piece's table (``PacketView.to_arrow``) in the export's ``schema``: each column
    cast to its field's type; an address given as bytes when the schema says binary."""
    import pyarrow as pa

    columns = []
    for name, target in zip(schema.names, schema.types, strict=True):
        col = table.column(name)
        if pa.types.is_fixed_size_binary(target):
            col = _address_bytes(col, target.byte_width)
        columns.append(col.cast(target))
    return pa.table(columns, schema=schema)


def _address_bytes(col: pyarrow.ChunkedArray, width: int) -> pyarrow.Array:
    """IPv4 or IPv6 addresses as text turned into their 4 or 16 bytes, each distinct
    address parsed once (a capture has few addresses and many frames)."""
    import pyarrow as pa

    coded = col.combine_chunks().dictionary_encode()
    packed = [ipaddress.ip_address(text).packed for text in coded.dictionary.to_pylist()]
    return pa.array(packed, type=pa.binary(width)).take(coded.indices)
