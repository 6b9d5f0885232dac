"""Field values written straight into a byte buffer: the bulk twin of :mod:`tcpscope.table.text`.

:func:`~tcpscope.table.text.format_values` makes one Python string per value, which is
right for a few values and far too slow for a million frames times sixty fields. Here
a field's values become a :class:`Column` (arrays and a *kind* code, no Python objects
per value) and the helpers below render one value at a time into a ``uint8`` buffer.
They run inside compiled kernels (kept in this module, so numba's cache, which
watches the kernel's source file, sees any change to a helper), or as plain Python
for small inputs and tests (see :mod:`tcpscope._jit`); the bytes are the UTF-8 encoding of what
``format_values`` returns, which the tests check value for value.

Each helper takes ``dry``: then it writes nothing and only returns how many bytes the
value takes. Two kernels use them: :func:`measure_rows` measures every value and row
of a chunk of ``-T fields`` output, :func:`write_rows` then writes them in place.

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
from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tcpscope._jit import helper, kernel
from tcpscope.table.schema import Base, FieldDef, FieldType
from tcpscope.table.text import format_values, hex_digits
from tcpscope.table.values import Values

__all__ = ["Column", "Kind", "column_of", "measure_rows", "write_rows"]


class Kind(IntEnum):
    """How a column's values become text (see the module docstring)."""

    ONE = 0
    BOOL = 1
    DEC = 2
    HEX = 3
    OCT = 4
    IPV4 = 5
    IPV6 = 6
    ETHER = 7
    TIME = 8
    SPAN = 9
    UCS4 = 10
    PRE = 11


_HEXDIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8).copy()
# Tables and unsigned constants for the digit loops (numba folds globals in as constants;
# unsigned division by a constant compiles to a multiplication, signed needs sign fix-ups).
_DIGITS2 = np.frombuffer("".join(f"{i:02d}" for i in range(100)).encode(), dtype=np.uint8).copy()
_POW10 = np.array([10**i for i in range(19)], dtype=np.int64)
_OCTET_TXT = np.frombuffer("".join(f"{i:<3d}" for i in range(256)).encode(), dtype=np.uint8).copy()
_OCTET_LEN = np.array([len(str(i)) for i in range(256)], dtype=np.int64)
_U1, _U2, _U10, _U48, _U100 = np.uint64(1), np.uint64(2), np.uint64(10), np.uint64(48), np.uint64(100)
# Empty stand-ins, so every kernel call has the same argument types (one compiled version).
_NO_INTS = np.zeros(0, dtype=np.int64)
_NO_PAIRS = np.zeros((0, 2), dtype=np.int64)
_NO_ROWS = np.zeros((0, 16), dtype=np.uint8)
_NO_UCS = np.zeros((0, 1), dtype=np.uint32)


def _readonly(a: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """A read-only view: capture bytes are a read-only memory map, and the kernels see one type."""
    v = a.view()
    v.flags.writeable = False
    return v


_NO_BUF = _readonly(np.zeros(0, dtype=np.uint8))


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
    return pairs, _readonly(np.frombuffer(b"".join(encoded), dtype=np.uint8))


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
        if fd.base in (Base.HEX, Base.HEX_DEC):
            return Column(Kind.HEX, pkt, ints=data, width=hex_digits(fd))
        if fd.base is Base.OCT:
            return Column(Kind.OCT, pkt, ints=data)
        return Column(Kind.DEC, pkt, ints=data)
    if ft is FieldType.IPv4 and data.ndim == 1 and data.dtype.kind in "iu":
        return Column(Kind.IPV4, pkt, ints=data)
    if ft is FieldType.IPv6 and data.shape[1:] == (16,):
        return Column(Kind.IPV6, pkt, rows=_contig(data, np.uint8))
    if ft is FieldType.ETHER and data.shape[1:] == (6,):
        return Column(Kind.ETHER, pkt, rows=_contig(data, np.uint8))
    if ft in (FieldType.RELATIVE_TIME, FieldType.ABSOLUTE_TIME) and data.ndim == 1 and data.dtype.kind in "iu":
        return Column(Kind.TIME, pkt, ints=data)
    if ft is FieldType.STRING and data.dtype.kind == "U" and data.ndim == 1:
        chars = max(1, data.dtype.itemsize // 4)
        ucs = _contig(data, data.dtype).view(np.uint32).reshape(-1, chars) if data.dtype.itemsize else \
            np.zeros((data.shape[0], 1), dtype=np.uint32)
        return Column(Kind.UCS4, pkt, ucs=ucs)
    if ft in (FieldType.BYTES, FieldType.PROTOCOL) and data.shape[1:] == (2,):
        # spans of the capture's bytes are rendered by the kernels; others (rare) beforehand
        spans = _contig(data, np.int64)
        if buffers and (v.buf is None or v.buf is buffers[0]) and (spans.shape[0] == 0 or int(spans.min()) >= 0):
            return Column(Kind.SPAN, pkt, pairs=spans, buf=buffers[0])
    pairs, text = _pre(fd, v, buffers)
    return Column(Kind.PRE, pkt, pairs=pairs, buf=text)


# ---- helpers run by the kernels: (out, p, ..., dry) -> bytes taken --------------------------


@helper
def _put_udec(out: NDArray[np.uint8], p: int, x: Any, dry: bool) -> int:
    """A non-negative int64 in decimal: length by comparisons, digits two at a time (unsigned)."""
    n = 1
    while n < 19 and x >= _POW10[n]:
        n += 1
    if dry:
        return n
    u = np.uint64(x)
    q = p + n
    while u >= _U100:
        d = (u % _U100) * _U2
        u = u // _U100
        q -= 2
        out[q] = _DIGITS2[d]
        out[q + 1] = _DIGITS2[d + _U1]
    if u >= _U10:
        out[q - 2] = _DIGITS2[u * _U2]
        out[q - 1] = _DIGITS2[u * _U2 + _U1]
    else:
        out[q - 1] = _U48 + u
    return n


@helper
def _put_dec(out: NDArray[np.uint8], p: int, x: Any, dry: bool) -> int:
    """An int64 in decimal, as Python's ``str``."""
    if x >= 0:
        return _put_udec(out, p, x, dry)
    if x == -9223372036854775807 - 1:  # its magnitude is not an int64
        if not dry:
            out[p] = 45
            _put_udec(out, p + 1, 922337203685477580, dry)
            out[p + 19] = 56
        return 20
    if not dry:
        out[p] = 45
    return 1 + _put_udec(out, p + 1, -x, dry)


@helper
def _put_hex(out: NDArray[np.uint8], p: int, x: Any, width: int, dry: bool) -> int:
    """``0x`` and ``format(x, f"0{width}x")``: the sign, zeros, then the digits."""
    neg = x < 0
    top = 0
    if neg:
        if x == -9223372036854775807 - 1:
            top = 8  # 0x8000000000000000: the leading digit, then fifteen zeros
            x = 0
        else:
            x = -x
    nd = 1
    t = x >> 4
    while t > 0:
        nd += 1
        t >>= 4
    if top:
        nd = 16
    sign = 1 if neg else 0
    pad = max(width - sign - nd, 0)
    n = 2 + sign + pad + nd
    if not dry:
        out[p] = 48
        out[p + 1] = 120
        q = p + 2
        if neg:
            out[q] = 45
            q += 1
        for _ in range(pad):
            out[q] = 48
            q += 1
        e = q + nd - 1
        for _ in range(nd):
            out[e] = _HEXDIGITS[x & 15]
            x >>= 4
            e -= 1
        if top:
            out[q] = 48 + top
    return n


@helper
def _put_oct(out: NDArray[np.uint8], p: int, x: Any, dry: bool) -> int:
    """``0`` and Python's ``format(x, "o")``."""
    neg = x < 0
    top = 0
    if neg:
        if x == -9223372036854775807 - 1:
            top = 1  # 0o1000000000000000000000: a one, then twenty-one zeros
            x = 0
        else:
            x = -x
    nd = 1
    t = x >> 3
    while t > 0:
        nd += 1
        t >>= 3
    if top:
        nd = 22
    n = 1 + (1 if neg else 0) + nd
    if not dry:
        out[p] = 48
        q = p + 1
        if neg:
            out[q] = 45
            q += 1
        e = q + nd - 1
        for _ in range(nd):
            out[e] = 48 + (x & 7)
            x >>= 3
            e -= 1
        if top:
            out[q] = 49
    return n


@helper
def _put_ipv4(out: NDArray[np.uint8], p: int, x: Any, dry: bool) -> int:
    """Dotted quad, each octet's text from a table."""
    n = 0
    for shift in (24, 16, 8, 0):
        o = (x >> shift) & 255
        if shift != 24:
            if not dry:
                out[p + n] = 46
            n += 1
        ln = _OCTET_LEN[o]
        if not dry:
            for j in range(ln):
                out[p + n + j] = _OCTET_TXT[3 * o + j]
        n += ln
    return n


@helper
def _put_hex16(out: NDArray[np.uint8], p: int, w: Any, dry: bool) -> int:
    """A 16-bit group without leading zeros (``%x``)."""
    nd = 4 if w >= 4096 else 3 if w >= 256 else 2 if w >= 16 else 1
    if not dry:
        for j in range(nd):
            out[p + nd - 1 - j] = _HEXDIGITS[(w >> (4 * j)) & 15]
    return nd


@helper
def _put_ipv6(out: NDArray[np.uint8], row: NDArray[np.uint8], p: int, dry: bool) -> int:
    """glibc ``inet_ntop6``: the longest run (first of equals) of two or more zero groups is ``::``."""
    best_base = -1
    best_len = 0
    cur_base = -1
    cur_len = 0
    for i in range(8):
        w = (np.int64(row[2 * i]) << 8) | np.int64(row[2 * i + 1])
        if w == 0:
            if cur_base == -1:
                cur_base = i
                cur_len = 1
            else:
                cur_len += 1
        elif cur_base != -1:
            if best_base == -1 or cur_len > best_len:
                best_base = cur_base
                best_len = cur_len
            cur_base = -1
    if cur_base != -1 and (best_base == -1 or cur_len > best_len):
        best_base = cur_base
        best_len = cur_len
    if best_base != -1 and best_len < 2:
        best_base = -1
    n = 0
    for i in range(8):
        if best_base != -1 and best_base <= i < best_base + best_len:
            if i == best_base:
                if not dry:
                    out[p + n] = 58
                n += 1
            continue
        if i != 0:
            if not dry:
                out[p + n] = 58
            n += 1
        w6 = (np.int64(row[10]) << 8) | np.int64(row[11])
        if i == 6 and best_base == 0 and (best_len == 6 or (best_len == 5 and w6 == 0xFFFF)):
            v4 = (np.int64(row[12]) << 24) | (np.int64(row[13]) << 16) | (np.int64(row[14]) << 8) | np.int64(row[15])
            n += _put_ipv4(out, p + n, v4, dry)
            return n
        w = (np.int64(row[2 * i]) << 8) | np.int64(row[2 * i + 1])
        n += _put_hex16(out, p + n, w, dry)
    if best_base != -1 and best_base + best_len == 8:
        if not dry:
            out[p + n] = 58
        n += 1
    return n


@helper
def _put_ether(out: NDArray[np.uint8], row: NDArray[np.uint8], p: int, dry: bool) -> int:
    if not dry:
        for j in range(6):
            b = np.int64(row[j])
            out[p + 3 * j] = _HEXDIGITS[b >> 4]
            out[p + 3 * j + 1] = _HEXDIGITS[b & 15]
            if j < 5:
                out[p + 3 * j + 2] = 58
    return 17


@helper
def _put_time(out: NDArray[np.uint8], p: int, ns: Any, dry: bool) -> int:
    """Seconds, a dot and nine decimals; a negative time starts with ``-``."""
    n = 0
    if ns < 0:
        if not dry:
            out[p] = 45
        n = 1
        if ns == -9223372036854775807 - 1:
            secs = 9223372036
            frac = 854775808
        else:
            secs = (-ns) // 1_000_000_000
            frac = (-ns) % 1_000_000_000
    else:
        secs = ns // 1_000_000_000
        frac = ns % 1_000_000_000
    n += _put_udec(out, p + n, secs, dry)
    if not dry:
        out[p + n] = 46
        u = np.uint64(frac)
        q = p + n + 10
        for _ in range(4):
            d = (u % _U100) * _U2
            u = u // _U100
            q -= 2
            out[q] = _DIGITS2[d]
            out[q + 1] = _DIGITS2[d + _U1]
        out[q - 1] = _U48 + u
    return n + 10


@helper
def _put_span(out: NDArray[np.uint8], p: int, buf: NDArray[np.uint8], start: Any, length: Any, dry: bool) -> int:
    """Lowercase hex of ``buf[start:start + length]`` (Python slice bounds, ``start >= 0``)."""
    size = buf.shape[0]
    end = min(start + length, size)
    start = min(start, size)
    if end <= start:
        return 0
    if not dry:
        for j in range(start, end):
            b = np.int64(buf[j])
            out[p + 2 * (j - start)] = _HEXDIGITS[b >> 4]
            out[p + 2 * (j - start) + 1] = _HEXDIGITS[b & 15]
    n: int = 2 * (end - start)
    return n


@helper
def _put_ucs4(out: NDArray[np.uint8], p: int, row: NDArray[np.uint32], dry: bool) -> int:
    """UTF-8 of the code points of ``row`` up to its last non-NUL one."""
    last = row.shape[0]
    while last > 0 and row[last - 1] == 0:
        last -= 1
    n = 0
    for j in range(last):
        c = np.int64(row[j])
        if c < 0x80:
            if not dry:
                out[p + n] = c
            n += 1
        elif c < 0x800:
            if not dry:
                out[p + n] = 0xC0 | (c >> 6)
                out[p + n + 1] = 0x80 | (c & 0x3F)
            n += 2
        elif c < 0x10000:
            if not dry:
                out[p + n] = 0xE0 | (c >> 12)
                out[p + n + 1] = 0x80 | ((c >> 6) & 0x3F)
                out[p + n + 2] = 0x80 | (c & 0x3F)
            n += 3
        else:
            if not dry:
                out[p + n] = 0xF0 | (c >> 18)
                out[p + n + 1] = 0x80 | ((c >> 12) & 0x3F)
                out[p + n + 2] = 0x80 | ((c >> 6) & 0x3F)
                out[p + n + 3] = 0x80 | (c & 0x3F)
            n += 4
    return n


@helper
def _render_range(kind: int, j0: int, j1: int, ints: NDArray[np.int64], ib: int, pairs: NDArray[np.int64], pb: int,
                  rows: NDArray[np.uint8], rb: int, ucs: NDArray[np.uint32], ub: int, buf: NDArray[np.uint8],
                  pre: NDArray[np.uint8], width: int, out: NDArray[np.uint8], at: NDArray[np.int64],
                  dry: bool) -> None:
    """Values ``j0:j1`` of one field: each one's length into ``at[j]`` (``dry``), or its text at ``out[at[j]:]``.

    Value ``j`` is ``ints[j + ib]``, ``pairs[j + pb]``, ``rows[j + rb]`` or ``ucs[j + ub]``
    as ``kind`` says. A negative ``at[j]`` skips the value (an occurrence not shown).
    The kind is tested once, outside the loops, so that each loop stays small.
    """
    if kind == 2:
        for j in range(j0, j1):
            if dry:
                at[j] = _put_dec(out, 0, ints[j + ib], True)
            elif at[j] >= 0:
                _put_dec(out, at[j], ints[j + ib], False)
    elif kind <= 1:  # BOOL, ONE
        for j in range(j0, j1):
            if dry:
                at[j] = 1
            elif at[j] >= 0:
                out[at[j]] = 49 if kind == 0 or ints[j + ib] != 0 else 48
    elif kind == 3:
        for j in range(j0, j1):
            if dry:
                at[j] = _put_hex(out, 0, ints[j + ib], width, True)
            elif at[j] >= 0:
                _put_hex(out, at[j], ints[j + ib], width, False)
    elif kind == 4:
        for j in range(j0, j1):
            if dry:
                at[j] = _put_oct(out, 0, ints[j + ib], True)
            elif at[j] >= 0:
                _put_oct(out, at[j], ints[j + ib], False)
    elif kind == 5:
        for j in range(j0, j1):
            if dry:
                at[j] = _put_ipv4(out, 0, ints[j + ib], True)
            elif at[j] >= 0:
                _put_ipv4(out, at[j], ints[j + ib], False)
    elif kind == 6:
        for j in range(j0, j1):
            if dry:
                at[j] = _put_ipv6(out, rows[j + rb], 0, True)
            elif at[j] >= 0:
                _put_ipv6(out, rows[j + rb], at[j], False)
    elif kind == 7:
        for j in range(j0, j1):
            if dry:
                at[j] = 17
            elif at[j] >= 0:
                _put_ether(out, rows[j + rb], at[j], False)
    elif kind == 8:
        for j in range(j0, j1):
            if dry:
                at[j] = _put_time(out, 0, ints[j + ib], True)
            elif at[j] >= 0:
                _put_time(out, at[j], ints[j + ib], False)
    elif kind == 9:
        for j in range(j0, j1):
            if dry:
                at[j] = _put_span(out, 0, buf, pairs[j + pb, 0], pairs[j + pb, 1], True)
            elif at[j] >= 0:
                _put_span(out, at[j], buf, pairs[j + pb, 0], pairs[j + pb, 1], False)
    elif kind == 10:
        for j in range(j0, j1):
            if dry:
                at[j] = _put_ucs4(out, 0, ucs[j + ub], True)
            elif at[j] >= 0:
                _put_ucs4(out, at[j], ucs[j + ub], False)
    else:  # PRE: ``pairs`` are [offset, length] into ``pre``
        for j in range(j0, j1):
            if dry:
                at[j] = pairs[j + pb, 1]
            elif at[j] >= 0:
                a = pairs[j + pb, 0]
                d = at[j]
                for q in range(pairs[j + pb, 1]):
                    out[d + q] = pre[a + q]


@helper
def _shown(occ: int, occ_k: int, vrow: NDArray[np.int64], j: int, fs: int, fe: int, rank: int) -> bool:
    """Whether value ``j`` (the ``rank``-th of its row, field values ``fs:fe``) is printed."""
    if occ == 0:
        return True
    if occ == 1:
        return rank == 0
    if occ == 2:
        return j + 1 >= fe or vrow[j + 1] != vrow[j]
    return rank == occ_k


@kernel
def measure_rows(kinds: NDArray[np.int64], widths: NDArray[np.int64], fstart: NDArray[np.int64],
                 base: NDArray[np.int64], vrow: NDArray[np.int64], ints: NDArray[np.int64],
                 pairs: NDArray[np.int64], rows: NDArray[np.uint8], ucs: NDArray[np.uint32],
                 buf: NDArray[np.uint8], pre: NDArray[np.uint8], occ: int, occ_k: int, na: int, nq: int,
                 vlen: NDArray[np.int64], rowlen: NDArray[np.int64]) -> None:
    """Add every printed value's bytes (with its quotes and aggregator) to its row's length.

    Field ``k``'s values are ``fstart[k]:fstart[k + 1]``, in rows ``vrow`` (non-decreasing
    within a field); ``base[k]`` holds the offsets of its data in ``ints``, ``pairs``,
    ``rows``, ``ucs`` (see :func:`_render_range`). ``vlen`` receives each value's length;
    ``rowlen`` must start as the separators' and newline's bytes.
    Occurrence ``occ``: 0 all, 1 first, 2 last, 3 the ``occ_k``-th (from 0).
    """
    nowhere = np.zeros(0, dtype=np.uint8)  # measuring writes nothing
    for k in range(kinds.shape[0]):
        fs = fstart[k]
        fe = fstart[k + 1]
        _render_range(kinds[k], fs, fe, ints, base[4 * k], pairs, base[4 * k + 1], rows, base[4 * k + 2],
                      ucs, base[4 * k + 3], buf, pre, widths[k], nowhere, vlen, True)
        rank = 0
        for j in range(fs, fe):
            r = vrow[j]
            rank = rank + 1 if j > fs and vrow[j - 1] == r else 0
            if _shown(occ, occ_k, vrow, j, fs, fe, rank):
                rowlen[r] += vlen[j] + 2 * nq + (na if rank > 0 and occ == 0 else 0)


@kernel
def write_rows(kinds: NDArray[np.int64], widths: NDArray[np.int64], fstart: NDArray[np.int64],
               base: NDArray[np.int64], vrow: NDArray[np.int64], ints: NDArray[np.int64],
               pairs: NDArray[np.int64], rows: NDArray[np.uint8], ucs: NDArray[np.uint32],
               buf: NDArray[np.uint8], pre: NDArray[np.uint8], occ: int, occ_k: int,
               agg: NDArray[np.uint8], quote: NDArray[np.uint8], sep: NDArray[np.uint8], newline: NDArray[np.uint8],
               vlen: NDArray[np.int64], rowstart: NDArray[np.int64], out: NDArray[np.uint8],
               at: NDArray[np.int64], block: int) -> None:
    """Write the rows measured by :func:`measure_rows`; row ``r`` goes at ``out[rowstart[r]:rowstart[r + 1]]``.

    Field by field, each printed value goes at its row's cursor (the cell bytes written
    so far, plus one separator per earlier field). A one-byte separator is laid first
    under the whole chunk: the bytes no cell covers are then exactly the separators.
    Rows are written ``block`` at a time, so that the bytes being written stay in cache.
    """
    nf = kinds.shape[0]
    nrows = rowstart.shape[0] - 1
    na = agg.shape[0]
    nq = quote.shape[0]
    ns = sep.shape[0]
    if ns == 1:
        out[rowstart[0]:rowstart[nrows]] = sep[0]
    cursor = rowstart[:nrows].copy()
    fcur = fstart[:nf].copy()
    for s0 in range(0, nrows, block):
        s1 = min(nrows, s0 + block)
        for k in range(nf):
            fs = fstart[k]
            fe = fstart[k + 1]
            j0 = fcur[k]
            j1 = j0
            rank = 0
            while j1 < fe and vrow[j1] < s1:
                j = j1
                r = vrow[j]
                rank = rank + 1 if j > j0 and vrow[j - 1] == r else 0
                at[j] = -1
                if _shown(occ, occ_k, vrow, j, fs, fe, rank):
                    p = cursor[r] + k * ns
                    if rank > 0 and occ == 0:
                        for q in range(na):
                            out[p + q] = agg[q]
                        p += na
                    for q in range(nq):
                        out[p + q] = quote[q]
                        out[p + nq + vlen[j] + q] = quote[q]
                    at[j] = p + nq
                    cursor[r] = p + 2 * nq + vlen[j] - k * ns
                j1 += 1
            fcur[k] = j1
            _render_range(kinds[k], j0, j1, ints, base[4 * k], pairs, base[4 * k + 1], rows, base[4 * k + 2],
                          ucs, base[4 * k + 3], buf, pre, widths[k], out, at, False)
            if ns != 1 and k < nf - 1:
                for r in range(s0, s1):
                    for q in range(ns):
                        out[cursor[r] + k * ns + q] = sep[q]
        for r in range(s0, s1):
            e = rowstart[r + 1] - newline.shape[0]
            for q in range(newline.shape[0]):
                out[e + q] = newline[q]
