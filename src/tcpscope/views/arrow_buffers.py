"""numpy arrays made Arrow arrays from their buffers (``pyarrow.Array.from_buffers``).

``pyarrow.array`` imports pandas the first time it is called, whatever its input (its
pandas shim checks every input for a pandas object): 0.35-0.45 s of CPU for a command
that never uses pandas (``tcpscope export``, bench/README.md). Arrow's layouts are
simple enough to hand it the buffers instead:

* a number, a time (int64 nanoseconds) or an index: its values, one after the other, in
  the type's width;
* a boolean: one bit a value, the first value in the lowest bit of the first byte
  (``np.packbits(..., bitorder="little")``);
* a text: where each value ends (int32 offsets, the first 0), then the UTF-8 bytes;
* any of them with nulls: a validity bitmap of the same bit order, 1 for a value.

pyarrow is imported by the functions only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tcpscope._types import Array, Index

if TYPE_CHECKING:
    import pyarrow

__all__ = ["arrow_repeated_texts", "arrow_scattered", "arrow_text_column", "arrow_texts", "arrow_values"]


def _bits(flags: Array) -> pyarrow.Buffer:
    import pyarrow as pa

    return pa.py_buffer(np.packbits(np.asarray(flags, dtype=np.bool_), bitorder="little"))


def _width_dtype(typ: pyarrow.DataType) -> np.dtype[np.generic]:
    """The numpy dtype of one value of a fixed-width Arrow type: an integer's own, a
    float's, int64 for a time stamp or a duration."""
    import pyarrow as pa

    size = typ.bit_width // 8
    if pa.types.is_signed_integer(typ) or pa.types.is_temporal(typ):
        return np.dtype(f"i{size}")
    if pa.types.is_unsigned_integer(typ):
        return np.dtype(f"u{size}")
    if pa.types.is_floating(typ):
        return np.dtype(f"f{size}")
    raise TypeError(f"not a fixed-width number type: {typ}")


def arrow_values(data: Array, typ: pyarrow.DataType, valid: Array | None = None) -> pyarrow.Array:
    """``data`` as an Arrow array of the number, time or boolean type ``typ`` (cast to its
    width as ``astype`` casts), null where ``valid`` is false."""
    import pyarrow as pa

    n = int(np.shape(data)[0])
    if pa.types.is_boolean(typ):
        values = _bits(np.asarray(data) != 0)
    else:
        values = pa.py_buffer(np.ascontiguousarray(np.asarray(data).astype(_width_dtype(typ), copy=False)))
    if valid is None or bool(np.all(valid)):
        return pa.Array.from_buffers(typ, n, [None, values])
    return pa.Array.from_buffers(typ, n, [_bits(valid), values], null_count=n - int(np.count_nonzero(valid)))


def arrow_scattered(data: Array, rows: Index, m: int, typ: pyarrow.DataType) -> pyarrow.Array:
    """An array of ``m`` values of the number, time or boolean type ``typ``: ``data`` at
    ``rows`` (distinct), null elsewhere; put in place by numpy, cast as :func:`arrow_values` casts."""
    import pyarrow as pa

    out = np.zeros(m, dtype=np.bool_ if pa.types.is_boolean(typ) else _width_dtype(typ))
    out[rows] = data != 0 if pa.types.is_boolean(typ) else data.astype(out.dtype, copy=False)
    if rows.shape[0] == m:
        return arrow_values(out, typ)
    valid = np.zeros(m, dtype=np.bool_)
    valid[rows] = True
    return arrow_values(out, typ, valid)


def arrow_texts(texts: Sequence[str] | Array) -> pyarrow.Array:
    """``texts`` (Python strings, or a numpy array of them) as an Arrow ``string`` array,
    each encoded once: for a few texts (distinct values, which a column then takes)."""
    import pyarrow as pa

    encoded = [t.encode() for t in (texts.tolist() if isinstance(texts, np.ndarray) else texts)]
    ends = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum(np.array([len(e) for e in encoded], dtype=np.int64), out=ends[1:])
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(ends), pa.py_buffer(b"".join(encoded))])


def arrow_text_column(texts: Array) -> pyarrow.Array:
    """A numpy array of texts (fixed or variable width, a value a row) as an Arrow
    ``string`` array, encoded all at once (no Python string a value). A text's trailing
    NUL characters are dropped (numpy's fixed-width bytes pad with them)."""
    import pyarrow as pa

    n = int(texts.shape[0])
    raw = np.strings.encode(texts, "utf-8") if n else np.zeros(0, dtype="S1")
    width = raw.dtype.itemsize
    sizes = np.strings.str_len(raw).astype(np.int64)
    ends = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(sizes, out=ends[1:])
    data = raw.view(np.uint8).reshape(n, width)[np.arange(width)[None, :] < sizes[:, None]]
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(ends), pa.py_buffer(np.ascontiguousarray(data))])


def arrow_repeated_texts(texts: Array) -> pyarrow.Array:
    """A numpy array of fixed-width texts whose values repeat (``tcp.flags.str``: a few
    distinct ones) as an Arrow ``string`` array: each distinct text found by its bytes
    (``np.unique`` of a view, no string comparison) and encoded once, the column taken
    from them by Arrow."""
    import pyarrow as pa

    if texts.shape[0] == 0:
        return arrow_texts([])
    data = np.ascontiguousarray(texts)
    _keys, first, inverse = np.unique(data.view(f"V{data.dtype.itemsize}"), return_index=True, return_inverse=True)
    return arrow_texts(data[first]).take(arrow_values(inverse.reshape(-1), pa.int64()))
