"""Field values as the kernels of :mod:`tcpscope.table.render` take them: a :class:`Column` per field.

A column is a field's values (:class:`~tcpscope.table.values.Values`) as a few numpy
arrays and a :class:`Kind` saying how they become text; values that no kernel renders
(doubles, strings that are not numpy unicode, bytes outside the capture) are made into
text here once, by :func:`~tcpscope.table.text.format_values`, and copied by the kernels.

Kinds and the text they make (epan/print.c ``get_node_field_value`` via ``format_values``):

* ``ONE``: ``1`` (FT_NONE); ``BOOL``: ``1``/``0``;
* ``DEC``/``HEX``/``OCT``: an int64 in decimal, ``0x`` and at least ``width`` hex digits
  (Python's ``{x:0{width}x}``, sign included in the width), or ``0`` and octal;
* ``IPV4``: dotted quad of a 32-bit value; ``IPV6``: glibc ``inet_ntop`` (RFC 5952, plus
  its ``::a.b.c.d`` and ``::ffff:a.b.c.d`` forms); ``ETHER``: six colon-separated pairs;
* ``TIME``: int64 ns as seconds with nine decimals, a negative time keeping its sign;
* ``SPAN``: lowercase hex of ``buf[start:start + length]``;
* ``UCS4``: a numpy unicode string (code points, trailing NULs dropped) as UTF-8;
* ``PRE``: bytes rendered beforehand by ``format_values`` (doubles, other strings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tcpscope.table.render import Kind
from tcpscope.table.schema import Base, FieldDef, FieldType
from tcpscope.table.text import abstime_text, format_values, hex_digits
from tcpscope.table.values import Values

__all__ = ["Column", "Kind", "column_of", "readonly"]


# Empty stand-ins, so every kernel call has the same argument types (one compiled version).
_NO_INTS = np.zeros(0, dtype=np.int64)
_NO_PAIRS = np.zeros((0, 2), dtype=np.int64)
_NO_ROWS = np.zeros((0, 16), dtype=np.uint8)
_NO_UCS = np.zeros((0, 1), dtype=np.uint32)


def readonly(a: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """A read-only view: capture bytes are a read-only memory map, and the kernels see one type."""
    v = a.view()
    v.flags.writeable = False
    return v


_NO_BUF = readonly(np.zeros(0, dtype=np.uint8))


@dataclass(frozen=True, slots=True)
class Column:
    """One field's values, ready for the kernels.

    ``pkt`` is the frame of each value (non-decreasing). The value arrays not used by
    ``kind`` are empty: ``ints`` (any integer dtype; converted to int64 a chunk at a time),
    ``pairs`` (``[start, length]`` spans of ``buf``, the capture's bytes, or for PRE
    ``[offset, length]`` of the text in ``buf``), ``rows`` (IPv6 and Ethernet addresses),
    ``ucs`` (code points of strings).
    """

    kind: Kind
    pkt: NDArray[np.integer[Any]]
    ints: NDArray[Any] = field(default_factory=lambda: _NO_INTS)
    pairs: NDArray[np.int64] = field(default_factory=lambda: _NO_PAIRS)
    rows: NDArray[np.uint8] = field(default_factory=lambda: _NO_ROWS)
    ucs: NDArray[np.uint32] = field(default_factory=lambda: _NO_UCS)
    buf: NDArray[np.uint8] = field(default_factory=lambda: _NO_BUF)
    width: int = 0

    def __len__(self) -> int:
        return int(self.pkt.shape[0])


def _contig(a: NDArray[Any], dtype: Any) -> NDArray[Any]:
    out: NDArray[Any] = np.require(a, dtype=dtype, requirements=["C", "A", "W"])
    return out


def _pre(fd: FieldDef, v: Values, buffers: tuple[NDArray[np.uint8], ...]) -> tuple[NDArray[np.int64], NDArray[np.uint8]]:
    """Text made by ``format_values`` as ``[offset, length]`` pairs into one UTF-8 buffer."""
    encoded = [t.encode("utf-8", "surrogateescape") for t in format_values(fd, v, buffers)]
    lens = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    pairs = np.zeros((len(encoded), 2), dtype=np.int64)
    if encoded:
        pairs[1:, 0] = np.cumsum(lens)[:-1]
        pairs[:, 1] = lens
    return pairs, readonly(np.frombuffer(b"".join(encoded), dtype=np.uint8))


def _integer_column(fd: FieldDef, pkt: NDArray[np.integer[Any]], data: NDArray[Any]) -> Column:
    """An integer field's column, in its base: hex (``width`` digits at least), octal or decimal."""
    if fd.base in (Base.HEX, Base.HEX_DEC):
        return Column(Kind.HEX, pkt, ints=data, width=hex_digits(fd))
    if fd.base is Base.OCT:
        return Column(Kind.OCT, pkt, ints=data)
    return Column(Kind.DEC, pkt, ints=data)


def column_of(fd: FieldDef, v: Values, buffers: tuple[NDArray[np.uint8], ...] = ()) -> Column:
    """The :class:`Column` of field ``fd``'s values ``v`` (same text as ``format_values``)."""
    ft = fd.ftype
    data = v.data
    pkt = v.pkt
    if ft is FieldType.NONE:
        return Column(Kind.ONE, pkt)
    if ft is FieldType.BOOLEAN and data.ndim == 1 and data.dtype.kind in "biu":
        return Column(Kind.BOOL, pkt, ints=(data != 0).view(np.uint8))  # 1 byte a value, not 8
    if ft.is_integer and data.ndim == 1 and data.dtype.kind in "biu":
        return _integer_column(fd, pkt, data)
    if ft is FieldType.IPv4 and data.ndim == 1 and data.dtype.kind in "iu":
        return Column(Kind.IPV4, pkt, ints=data)
    if ft is FieldType.IPv6 and data.shape[1:] == (16,):
        return Column(Kind.IPV6, pkt, rows=_contig(data, np.uint8))
    if ft is FieldType.ETHER and data.shape[1:] == (6,):
        return Column(Kind.ETHER, pkt, rows=_contig(data, np.uint8))
    if (ft is FieldType.RELATIVE_TIME or (ft is FieldType.ABSOLUTE_TIME and fd.base not in (Base.LOCAL, Base.UTC))) \
            and data.ndim == 1 and data.dtype.kind in "iu":
        return Column(Kind.TIME, pkt, ints=data)
    if ft is FieldType.ABSOLUTE_TIME and fd.base in (Base.LOCAL, Base.UTC) and data.ndim == 1:
        data, ft = abstime_text(data.astype(np.int64), fd.base is Base.UTC), FieldType.STRING  # dates as text
    if ft is FieldType.STRING and data.dtype.kind == "U" and data.ndim == 1:
        chars = max(1, data.dtype.itemsize // 4)
        ucs = _contig(data, data.dtype).view(np.uint32).reshape(-1, chars) if data.dtype.itemsize else \
            np.zeros((data.shape[0], 1), dtype=np.uint32)
        return Column(Kind.UCS4, pkt, ucs=ucs)
    if ft in (FieldType.BYTES, FieldType.PROTOCOL) and data.shape[1:] == (2,):
        # spans of the capture's bytes are rendered by the kernels; others (rare) beforehand
        spans = _contig(data, np.int64)
        empty_bytes = ft is FieldType.BYTES and spans.shape[0] > 0 and bool((spans[:, 1] == 0).any())  # <MISSING>
        if buffers and (v.buf is None or v.buf is buffers[0]) and (spans.shape[0] == 0 or int(spans.min()) >= 0) \
                and not empty_bytes:
            return Column(Kind.SPAN, pkt, pairs=spans, buf=buffers[0])
    pairs, text = _pre(fd, v, buffers)
    return Column(Kind.PRE, pkt, pairs=pairs, buf=text)
