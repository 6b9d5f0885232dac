"""The columns of ``PacketView`` in Arrow, numpy and pandas: a field's values (long format,
:class:`~tcpscope.table.values.Values`) made into one column of the field's one type
(:func:`tcpscope.table.schema.arrow_field`), whatever the values are.

pyarrow and pandas are imported by the functions that use them only; the columns are
made from their buffers (:mod:`tcpscope.views.arrow_buffers`), never with
``pyarrow.array``, which imports pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from tcpscope._types import Index
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef, FieldType
from tcpscope.table.text import format_values
from tcpscope.table.values import Values
from tcpscope.views.arrow_buffers import arrow_repeated_texts, arrow_scattered, arrow_texts, arrow_values

if TYPE_CHECKING:
    import pandas
    import pyarrow

__all__ = ["arrow_column", "masked", "nullable_pandas"]


def arrow_column(fd: FieldDef, v: Values, pos: Index, field: pyarrow.Field, table: PacketTable) -> pyarrow.Array:
    """The column ``field`` (``fd``'s, a list or not) from the values ``v`` of ``fd`` over
    ``table``; ``pos[i]`` is the row of the table's frame i, -1 for a frame left out. A row
    holds a list of every value of its frame (empty without one), or its frame's first
    value (null without one); a flag (FT_NONE) says whether the frame has the field."""
    import pyarrow as pa

    m = int(pos.max(initial=-1)) + 1
    rows = pos[v.pkt]
    keep = rows >= 0
    v, rows = v.take(keep), rows[keep]
    as_list = pa.types.is_list(field.type)
    if not as_list and rows.shape[0]:  # the first occurrence in each row
        first = _first_in_row(rows)
        if first is not None:
            v, rows = v.take(first), rows[first]
    if fd.ftype is FieldType.NONE:
        out = np.zeros(m, dtype=np.bool_)
        out[rows] = True
        return arrow_values(out, pa.bool_())
    if not as_list and fd.ftype in _NUMBERS:  # scattered into place in numpy: no index array for Arrow to take by
        return arrow_scattered(np.asarray(v.data), rows, m, field.type)
    flat = _arrow_values(fd, v, table, field.type.value_type if as_list else field.type)
    if as_list:
        offsets = np.zeros(m + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows, minlength=m), out=offsets[1:])
        return pa.ListArray.from_arrays(arrow_values(offsets, pa.int32()), flat, type=field.type)
    at = np.full(m, -1, dtype=np.int64)
    at[rows] = np.arange(rows.shape[0])
    return flat.take(arrow_values(at, pa.int64(), valid=at >= 0))


#: The types whose values are fixed-width numbers in Arrow (made by :func:`arrow_values`)
_NUMBERS = frozenset({FieldType.BOOLEAN, FieldType.RELATIVE_TIME, FieldType.ABSOLUTE_TIME, FieldType.DOUBLE,
                      *(ft for ft in FieldType if ft.is_integer)})


def _first_in_row(rows: Index) -> NDArray[np.bool_] | None:
    """Which values are the first of their row; None when every one is. Values come in
    frame order (a pass over the differences); in any other order, ``np.unique`` (a sort)."""
    step = np.diff(rows)
    if (step >= 0).all():
        return None if (step > 0).all() else np.concatenate(([True], step > 0))
    first = np.zeros(rows.shape[0], dtype=np.bool_)
    first[np.unique(rows, return_index=True)[1]] = True
    return first


def _arrow_values(fd: FieldDef, v: Values, table: PacketTable, typ: pyarrow.DataType) -> pyarrow.Array:
    """The values ``v`` of ``fd`` as an Arrow array of ``typ`` (its :func:`value_type`)."""
    import pyarrow as pa

    ft = fd.ftype
    data = np.asarray(v.data)
    if ft is FieldType.BOOLEAN or ft.is_integer or ft in (FieldType.RELATIVE_TIME, FieldType.ABSOLUTE_TIME):
        return arrow_values(data, typ)
    if ft in (FieldType.BYTES, FieldType.PROTOCOL):
        return _spans(v, table)
    if ft is FieldType.DOUBLE:
        return arrow_values(data, typ)
    if pa.types.is_fixed_size_binary(typ):  # an address as its bytes, in network order
        raw = data.astype(">u4") if ft is FieldType.IPv4 else data.astype(np.uint8)
        return pa.FixedSizeBinaryArray.from_buffers(typ, len(v), [None, pa.py_buffer(np.ascontiguousarray(raw))])
    if ft in (FieldType.IPv4, FieldType.IPv6, FieldType.ETHER) and len(v):
        return _addresses(fd, v)
    if ft is FieldType.STRING and data.dtype.kind == "U":  # text already (tcp.flags.str): few distinct values
        return arrow_repeated_texts(data)
    return arrow_texts(format_values(fd, v, table.buffers))


def _addresses(fd: FieldDef, v: Values) -> pyarrow.Array:
    """Addresses as text, each distinct one formatted once and the column taken from
    them by Arrow (a capture's addresses repeat: no Python string a value)."""
    import pyarrow as pa

    data = np.ascontiguousarray(v.data)
    keys = data.view(f"V{data.itemsize * data[0].size}").reshape(-1) if data.ndim > 1 else data
    _uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    texts = arrow_texts(format_values(fd, v.take(first)))
    return texts.take(arrow_values(inverse.reshape(-1), pa.int64()))


def _spans(v: Values, table: PacketTable) -> pyarrow.Array:
    """Byte spans (``[start, length]`` of the frame bytes) as an Arrow ``binary`` array:
    one gather of every span's bytes and their offsets, Arrow's own layout."""
    import pyarrow as pa

    buf = v.buf if v.buf is not None else table.buffers[0]
    spans = np.asarray(v.data, dtype=np.int64).reshape(-1, 2)
    lens = spans[:, 1]
    offsets = np.zeros(lens.shape[0] + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    idx = np.repeat(spans[:, 0] - offsets[:-1], lens) + np.arange(int(offsets[-1]))
    data = np.asarray(buf)[idx]
    arr = pa.Array.from_buffers(pa.large_binary(), lens.shape[0], [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return arr.cast(pa.binary())


def masked(col: pyarrow.Array) -> np.ma.MaskedArray[Any, np.dtype[Any]]:
    """An Arrow column as a numpy masked array, masked where null: numbers, booleans and
    times in their numpy dtype (a timestamp as ``datetime64[ns]`` in UTC), anything else
    (text, bytes, lists) as Python objects (``PacketView.__getitem__``)."""
    import pyarrow as pa

    mask = np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=np.bool_)
    t = col.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_temporal(t):
        filler = pa.scalar(False if pa.types.is_boolean(t) else 0, type=t)
        data = col.fill_null(filler).to_numpy(zero_copy_only=False)
    else:
        data = np.empty(len(col), dtype=object)
        data[:] = col.to_pylist()
    return np.ma.MaskedArray(data, mask=mask)


def nullable_pandas(table: pyarrow.Table) -> pandas.DataFrame:
    """``table`` in pandas, numbers, booleans and text in pandas' nullable dtypes
    (``UInt16``, ``boolean``, ``string``: never ``float64`` with NaN for a missing
    integer), times as ``datetime64[ns, UTC]`` and ``timedelta64[ns]`` (``PacketView.to_pandas``)."""
    import pandas as pd
    import pyarrow as pa

    nullable = {pa.bool_(): pd.BooleanDtype(), pa.float64(): pd.Float64Dtype(), pa.string(): pd.StringDtype(),
                pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(), pa.uint32(): pd.UInt32Dtype(),
                pa.uint64(): pd.UInt64Dtype(), pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(),
                pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype()}
    return table.to_pandas(types_mapper=nullable.get)
