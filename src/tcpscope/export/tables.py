"""Table exports: Parquet, Arrow IPC, Feather and CSV, one row per frame, written a piece
at a time (each piece of the scan becomes a Parquet row group or an IPC record batch),
so memory stays that of a few pieces whatever the capture's length; a piece is written
while the next is made (:func:`write_tables`).

* ``parquet``: Parquet with snappy compression (what pandas, Polars and DuckDB read by
  default), dictionary-encoded only in its text columns (:func:`_dictionary_columns`);
* ``arrow``: the Arrow IPC file format, uncompressed (``pyarrow.ipc.open_file``,
  ``polars.read_ipc``, DuckDB's arrow extension);
* ``feather``: Feather version 2, which is the same IPC file format compressed with LZ4 as
  ``pyarrow.feather.write_feather`` writes it (``pandas.read_feather``);
* ``csv``: a header of field names, then a line per frame; a list column's values joined
  by ``,`` (as tshark's ``-E aggregator``), bytes as hex (as tshark prints them),
  times as ISO 8601 in UTC, durations in nanoseconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, BinaryIO, Protocol

import numpy as np

from tcpscope.export.columns import conform

if TYPE_CHECKING:
    import pyarrow

    from tcpscope.api import PacketView

__all__ = ["TABLE_FORMATS", "write_tables"]

#: The table formats, each a writer's name.
TABLE_FORMATS: tuple[str, ...] = ("parquet", "arrow", "feather", "csv")


class _Writer(Protocol):
    def write_table(self, table: pyarrow.Table) -> None: ...

    def close(self) -> None: ...


def _writer(fmt: str, out: BinaryIO, schema: pyarrow.Schema) -> _Writer:
    """The pyarrow writer of ``fmt`` over ``out``."""
    import pyarrow as pa

    writer: _Writer
    if fmt == "parquet":
        import pyarrow.parquet as pq

        writer = pq.ParquetWriter(out, schema, use_dictionary=_dictionary_columns(schema))
    elif fmt == "arrow":
        writer = pa.ipc.new_file(out, schema)
    elif fmt == "feather":
        writer = pa.ipc.new_file(out, schema, options=pa.ipc.IpcWriteOptions(compression="lz4"))
    else:
        from pyarrow import csv

        writer = csv.CSVWriter(out, _csv_schema(schema))
    return writer


def _dictionary_columns(schema: pyarrow.Schema) -> list[str]:
    """The columns worth a Parquet dictionary: text (addresses, flags, the packet list's
    columns), whose values repeat. Numbers (sequence numbers, times, lengths) mostly do
    not: encoding them as a dictionary first, as pyarrow does by default, took a third
    of the writing time on the bench capture's first 150,000 frames (0.17 s against
    0.11 s of CPU) for a file 3% larger."""
    import pyarrow as pa

    def text(t: pyarrow.DataType) -> bool:
        return bool(pa.types.is_string(t) or pa.types.is_large_string(t)
                    or (pa.types.is_list(t) and text(t.value_type)))

    return [f.name for f in schema if text(f.type)]


def write_tables(pieces: Iterable[PacketView], schema: pyarrow.Schema, fmt: str, out: BinaryIO) -> int:
    """Write every piece's frames as rows of ``schema`` in format ``fmt``; returns the rows.

    Each piece is written (encoded, compressed: pyarrow lets go of the GIL meanwhile) by
    a thread of its own while the next piece is read, dissected and converted; one piece
    at most waits for it, so memory stays that of a few pieces. A writing error is raised
    here, at the next piece or at the end."""
    from concurrent.futures import Future, ThreadPoolExecutor

    writer = _writer(fmt, out, schema)
    rows = 0
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tcpscope-write") as pool:
            written: Future[None] | None = None
            for piece in pieces:
                table = conform(piece, schema)
                if fmt == "csv":
                    table = _csv_table(table)
                if written is not None:
                    written.result()  # the piece before is written (or its error raised)
                written = pool.submit(writer.write_table, table)
                rows += table.num_rows
                del table, piece
            if written is not None:
                written.result()
    finally:
        writer.close()
    return rows


def _csv_type(t: pyarrow.DataType) -> pyarrow.DataType:
    """What a column of type ``t`` becomes in CSV: text for lists and bytes."""
    import pyarrow as pa

    if pa.types.is_list(t) or pa.types.is_binary(t) or pa.types.is_fixed_size_binary(t):
        return pa.string()
    return t


def _csv_schema(schema: pyarrow.Schema) -> pyarrow.Schema:
    import pyarrow as pa

    return pa.schema([pa.field(f.name, _csv_type(f.type)) for f in schema])


def _csv_table(table: pyarrow.Table) -> pyarrow.Table:
    """A conformed piece with its lists and bytes as text (see the module docstring)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for col in table.columns:
        t = col.type
        if pa.types.is_list(t):
            inner = _hex(col.combine_chunks().flatten()) if _is_bytes(t.value_type) else None
            lists = col.combine_chunks()
            if inner is not None:
                lists = pa.ListArray.from_arrays(lists.offsets, inner, mask=lists.is_null())
            col = pc.binary_join(lists.cast(pa.list_(pa.string())), ",")
        elif _is_bytes(t):
            col = _hex(col.combine_chunks())
        columns.append(col)
    return pa.table(columns, names=table.column_names)


def _is_bytes(t: pyarrow.DataType) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_binary(t) or pa.types.is_fixed_size_binary(t))


#: The two hex digits of every byte value.
_HEX_DIGITS = np.frombuffer(b"".join(b"%02x" % i for i in range(256)), dtype=np.uint8).reshape(256, 2)


def _hex(values: pyarrow.Array) -> pyarrow.Array:
    """Bytes as lowercase hex text, all at once: each byte's two digits from a table."""
    import pyarrow as pa

    from tcpscope.views.arrow_buffers import arrow_values

    if pa.types.is_fixed_size_binary(values.type):
        values = values.cast(pa.binary())
    binary = values.cast(pa.large_binary())
    if binary.offset:  # a slice: a copy of its own, whose buffers start at its first value
        binary = binary.take(arrow_values(np.arange(len(binary)), pa.int64()))
    validity, offset_buffer, data_buffer = binary.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64)[:len(binary) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, dtype=np.uint8)
    digits = _HEX_DIGITS[data[offsets[0]:offsets[-1]]].reshape(-1)
    text = pa.Array.from_buffers(pa.large_string(), len(binary),
                                 [validity, pa.py_buffer((offsets - offsets[0]) * 2), pa.py_buffer(digits)])
    return text.cast(pa.string())
