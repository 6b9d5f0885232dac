"""Field values written straight into a byte buffer: the bulk twin of :mod:`tcpscope.table.text`.

:func:`~tcpscope.table.text.format_values` makes one Python string per value, which is
right for a few values and far too slow for a million frames times sixty fields. Here
a field's values become a :class:`~tcpscope.table.columns.Column` (arrays and a *kind*
code, no Python objects per value) and the helpers below render one value at a time
into a ``uint8`` buffer.
They run inside compiled kernels (kept in this module, so numba's cache, which
watches the kernel's source file, sees any change to a helper), or as plain Python
for small inputs and tests (see :mod:`tcpscope._jit`); the bytes are the UTF-8 encoding of what
``format_values`` returns, which the tests check value for value.

Each helper takes ``dry``: then it writes nothing and only returns how many bytes the
value takes. Two kernels use them: :func:`measure_rows` measures every value and row
of a chunk of ``-T fields`` output, :func:`write_rows` then writes them in place.

The kind codes are those of :class:`~tcpscope.table.columns.Kind`, as plain integers
(``KIND_*``): numba compiles a comparison with a global integer to one with a constant.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from tcpscope._jit import helper, kernel
from tcpscope.table.columns import Kind

__all__ = ["Chunk", "Layout", "measure_rows", "write_rows"]

_HEXDIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8).copy()
# Tables and unsigned constants for the digit loops (numba folds globals in as constants;
# unsigned division by a constant compiles to a multiplication, signed needs sign fix-ups).
_DIGITS2 = np.frombuffer("".join(f"{i:02d}" for i in range(100)).encode(), dtype=np.uint8).copy()
_POW10 = np.array([10**i for i in range(19)], dtype=np.int64)
_OCTET_TXT = np.frombuffer("".join(f"{i:<3d}" for i in range(256)).encode(), dtype=np.uint8).copy()
_OCTET_LEN = np.array([len(str(i)) for i in range(256)], dtype=np.int64)
_U1, _U2, _U10, _U48, _U100 = np.uint64(1), np.uint64(2), np.uint64(10), np.uint64(48), np.uint64(100)

# The kind codes of :class:`Kind`, as plain integers that numba folds in as constants.
KIND_ONE, KIND_BOOL, KIND_DEC, KIND_HEX, KIND_OCT, KIND_IPV4, KIND_IPV6, KIND_ETHER, KIND_TIME, KIND_SPAN, \
    KIND_UCS4, KIND_PRE = (int(k) for k in Kind)


class Chunk(NamedTuple):
    """A chunk of rows' values, every field's concatenated into one array per kind of data.

    Field ``k``'s values are ``fstart[k]:fstart[k + 1]``, in rows ``vrow`` (non-decreasing
    within a field); ``kinds[k]`` is its :class:`Kind` code and ``widths[k]`` its hex
    width. Its value ``j`` is ``ints[j + base[4 * k]]``, ``pairs[j + base[4 * k + 1]]``,
    ``rows[j + base[4 * k + 2]]`` or ``ucs[j + base[4 * k + 3]]`` as its kind says. SPAN
    pairs point into the capture's bytes ``buf``, PRE pairs into the text ``pre``.
    """

    kinds: NDArray[np.int64]
    widths: NDArray[np.int64]
    fstart: NDArray[np.int64]
    base: NDArray[np.int64]
    vrow: NDArray[np.int64]
    ints: NDArray[np.int64]
    pairs: NDArray[np.int64]
    rows: NDArray[np.uint8]
    ucs: NDArray[np.uint32]
    buf: NDArray[np.uint8]
    pre: NDArray[np.uint8]


class Layout(NamedTuple):
    """How values are laid out as ``-T fields`` text (all text as UTF-8 bytes)."""

    occ: int  #: the occurrence shown: 0 all, 1 first, 2 last, 3 the ``occ_k``-th (from 0)
    occ_k: int
    agg: NDArray[np.uint8]  #: between a row's values of one field (occurrence 0)
    quote: NDArray[np.uint8]  #: before and after each value
    sep: NDArray[np.uint8]  #: between fields
    newline: NDArray[np.uint8]  #: at the end of each row
    block: int  #: rows written at a time (:func:`write_rows`)


class Target(NamedTuple):
    """Where the values of a range go: ``out`` and each value's offset in it ``at[j]``
    (negative: not shown), or, when ``dry``, each value's length into ``at[j]``."""

    out: NDArray[np.uint8]
    at: NDArray[np.int64]
    dry: bool


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
def _zero_run(row: NDArray[np.uint8]) -> tuple[int, int]:
    """The first longest run of two or more zero groups of an IPv6 address: (first group,
    groups), or (-1, 0) when there is none."""
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
    return best_base, best_len


@helper
def _put_ipv6(out: NDArray[np.uint8], row: NDArray[np.uint8], p: int, dry: bool) -> int:
    """glibc ``inet_ntop6``: the longest run (first of equals) of two or more zero groups is ``::``."""
    best_base, best_len = _zero_run(row)
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
def _put_span(out: NDArray[np.uint8], p: int, data: NDArray[np.uint8], dry: bool) -> int:
    """Lowercase hex of ``data``."""
    if not dry:
        for j in range(data.shape[0]):
            b = np.int64(data[j])
            out[p + 2 * j] = _HEXDIGITS[b >> 4]
            out[p + 2 * j + 1] = _HEXDIGITS[b & 15]
    n: int = 2 * data.shape[0]
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


# ---- one field's values, ``j0:j1``, of one kind: each value's length into ``to.at[j]`` (dry),
# or its text at ``to.out[to.at[j]:]`` (a negative ``to.at[j]`` skips the value, an occurrence
# not shown). Each kind has its own small loop, so that the kind is tested once per range.


@helper
def _ones_range(v: Chunk, k: int, j0: int, j1: int, to: Target) -> None:
    """ONE: ``1``; BOOL: ``1`` or ``0``."""
    b = v.base[4 * k]
    always = v.kinds[k] == KIND_ONE
    for j in range(j0, j1):
        if to.dry:
            to.at[j] = 1
        elif to.at[j] >= 0:
            to.out[to.at[j]] = 49 if always or v.ints[j + b] != 0 else 48


@helper
def _dec_range(v: Chunk, k: int, j0: int, j1: int, to: Target) -> None:
    b = v.base[4 * k]
    for j in range(j0, j1):
        if to.dry:
            to.at[j] = _put_dec(to.out, 0, v.ints[j + b], True)
        elif to.at[j] >= 0:
            _put_dec(to.out, to.at[j], v.ints[j + b], False)


@helper
def _hex_range(v: Chunk, k: int, j0: int, j1: int, to: Target) -> None:
    b = v.base[4 * k]
    width = v.widths[k]
    for j in range(j0, j1):
        if to.dry:
            to.at[j] = _put_hex(to.out, 0, v.ints[j + b], width, True)
        elif to.at[j] >= 0:
            _put_hex(to.out, to.at[j], v.ints[j + b], width, False)


@helper
def _oct_range(v: Chunk, k: int, j0: int, j1: int, to: Target) -> None:
    b = v.base[4 * k]
    for j in range(j0, j1):
        if to.dry:
            to.at[j] = _put_oct(to.out, 0, v.ints[j + b], True)
        elif to.at[j] >= 0:
            _put_oct(to.out, to.at[j], v.ints[j + b], False)


@helper
def _ipv4_range(v: Chunk, k: int, j0: int, j1: int, to: Target) -> None:
    b = v.base[4 * k]
    for j in range(j0, j1):
        if to.dry:
            to.at[j] = _put_ipv4(to.out, 0, v.ints[j + b], True)
        elif to.at[j] >= 0:
            _put_ipv4(to.out, to.at[j], v.ints[j + b], False)


@helper
def _ipv6_range(v: Chunk, k: int, j0: int, j1: int, to: Target) -> None:
    b = v.base[4 * k + 2]
    for j in range(j0, j1):
        if to.dry:
            to.at[j] = _put_ipv6(to.out, v.rows[j + b], 0, True)
        elif to.at[j] >= 0:
            _put_ipv6(to.out, v.rows[j + b], to.at[j], False)


@helper
def _ether_range(v: Chunk, k: int, j0: int, j1: int, to: Target) -> None:
    b = v.base[4 * k + 2]
    for j in range(j0, j1):
        if to.dry:
            to.at[j] = 17
        elif to.at[j] >= 0:
            _put_ether(to.out, v.rows[j + b], to.at[j], False)


@helper
def _time_range(v: Chunk, k: int, j0: int, j1: int, to: Target) -> None:
    b = v.base[4 * k]
    for j in range(j0, j1):
        if to.dry:
            to.at[j] = _put_time(to.out, 0, v.ints[j + b], True)
        elif to.at[j] >= 0:
            _put_time(to.out, to.at[j], v.ints[j + b], False)


@helper
def _span_range(v: Chunk, k: int, j0: int, j1: int, to: Target) -> None:
    """SPAN: ``pairs`` are [start, length] into the capture's bytes ``buf`` (Python slice
    bounds, ``start >= 0``)."""
    b = v.base[4 * k + 1]
    for j in range(j0, j1):
        start = v.pairs[j + b, 0]
        data = v.buf[start : start + max(v.pairs[j + b, 1], 0)]
        if to.dry:
            to.at[j] = _put_span(to.out, 0, data, True)
        elif to.at[j] >= 0:
            _put_span(to.out, to.at[j], data, False)


@helper
def _ucs4_range(v: Chunk, k: int, j0: int, j1: int, to: Target) -> None:
    b = v.base[4 * k + 3]
    for j in range(j0, j1):
        if to.dry:
            to.at[j] = _put_ucs4(to.out, 0, v.ucs[j + b], True)
        elif to.at[j] >= 0:
            _put_ucs4(to.out, to.at[j], v.ucs[j + b], False)


@helper
def _pre_range(v: Chunk, k: int, j0: int, j1: int, to: Target) -> None:
    """PRE: ``pairs`` are [offset, length] into the text rendered beforehand, ``pre``."""
    b = v.base[4 * k + 1]
    for j in range(j0, j1):
        if to.dry:
            to.at[j] = v.pairs[j + b, 1]
        elif to.at[j] >= 0:
            a = v.pairs[j + b, 0]
            d = to.at[j]
            for q in range(v.pairs[j + b, 1]):
                to.out[d + q] = v.pre[a + q]


@helper
def _render_range(v: Chunk, k: int, j0: int, j1: int, to: Target) -> None:
    """Values ``j0:j1`` of field ``k``, by the loop of its kind (the codes of :class:`Kind`)."""
    kind = v.kinds[k]
    if kind <= KIND_BOOL:
        _ones_range(v, k, j0, j1, to)
    elif kind == KIND_DEC:
        _dec_range(v, k, j0, j1, to)
    elif kind == KIND_HEX:
        _hex_range(v, k, j0, j1, to)
    elif kind == KIND_OCT:
        _oct_range(v, k, j0, j1, to)
    elif kind == KIND_IPV4:
        _ipv4_range(v, k, j0, j1, to)
    elif kind == KIND_IPV6:
        _ipv6_range(v, k, j0, j1, to)
    elif kind == KIND_ETHER:
        _ether_range(v, k, j0, j1, to)
    elif kind == KIND_TIME:
        _time_range(v, k, j0, j1, to)
    elif kind == KIND_SPAN:
        _span_range(v, k, j0, j1, to)
    elif kind == KIND_UCS4:
        _ucs4_range(v, k, j0, j1, to)
    else:
        _pre_range(v, k, j0, j1, to)


@helper
def _shown(lay: Layout, vrow: NDArray[np.int64], j: int, fe: int, rank: int) -> bool:
    """Whether value ``j`` (the ``rank``-th of its row; its field's values end at ``fe``) is printed."""
    if lay.occ == 0:
        return True
    if lay.occ == 1:
        return rank == 0
    if lay.occ == 2:
        return j + 1 >= fe or vrow[j + 1] != vrow[j]
    return rank == lay.occ_k


@kernel
def measure_rows(v: Chunk, lay: Layout, vlen: NDArray[np.int64], rowlen: NDArray[np.int64]) -> None:
    """Add every printed value's bytes (with its quotes and aggregator) to its row's length.

    ``vlen`` receives each value's length; ``rowlen`` must start as the separators' and
    newline's bytes.
    """
    na = lay.agg.shape[0]
    nq = lay.quote.shape[0]
    to = Target(np.zeros(0, dtype=np.uint8), vlen, True)  # measuring writes nothing
    for k in range(v.kinds.shape[0]):
        fs = v.fstart[k]
        fe = v.fstart[k + 1]
        _render_range(v, k, fs, fe, to)
        rank = 0
        for j in range(fs, fe):
            r = v.vrow[j]
            rank = rank + 1 if j > fs and v.vrow[j - 1] == r else 0
            if _shown(lay, v.vrow, j, fe, rank):
                rowlen[r] += vlen[j] + 2 * nq + (na if rank > 0 and lay.occ == 0 else 0)


@helper
def _put_frame(out: NDArray[np.uint8], p: int, lay: Layout, length: int, aggregated: bool) -> int:
    """The frame of a value of ``length`` bytes at ``out[p:]``: the aggregator first when
    ``aggregated`` (a row's second and later values, all shown), then the value between
    two quotes. Returns where the value itself goes."""
    if aggregated:
        for q in range(lay.agg.shape[0]):
            out[p + q] = lay.agg[q]
        p += lay.agg.shape[0]
    nq = lay.quote.shape[0]
    for q in range(nq):
        out[p + q] = lay.quote[q]
        out[p + nq + length + q] = lay.quote[q]
    at: int = p + nq
    return at


@kernel
def write_rows(v: Chunk, lay: Layout, vlen: NDArray[np.int64], rowstart: NDArray[np.int64],
               out: NDArray[np.uint8]) -> None:
    """Write the rows measured by :func:`measure_rows`; row ``r`` goes at ``out[rowstart[r]:rowstart[r + 1]]``.

    Field by field, each printed value goes at its row's cursor (the cell bytes written
    so far, plus one separator per earlier field). A one-byte separator is laid first
    under the whole chunk: the bytes no cell covers are then exactly the separators.
    Rows are written ``lay.block`` at a time, so that the bytes being written stay in cache.
    """
    nf = v.kinds.shape[0]
    nrows = rowstart.shape[0] - 1
    nq = lay.quote.shape[0]
    ns = lay.sep.shape[0]
    if ns == 1:
        out[rowstart[0]:rowstart[nrows]] = lay.sep[0]
    cursor = rowstart[:nrows].copy()
    fcur = v.fstart[:nf].copy()
    to = Target(out, np.empty(v.vrow.shape[0], dtype=np.int64), False)
    for s0 in range(0, nrows, lay.block):
        s1 = min(nrows, s0 + lay.block)
        for k in range(nf):
            fe = v.fstart[k + 1]
            j0 = fcur[k]
            j1 = j0
            rank = 0
            while j1 < fe and v.vrow[j1] < s1:
                j = j1
                r = v.vrow[j]
                rank = rank + 1 if j > j0 and v.vrow[j - 1] == r else 0
                to.at[j] = -1
                if _shown(lay, v.vrow, j, fe, rank):
                    to.at[j] = _put_frame(out, cursor[r] + k * ns, lay, vlen[j], rank > 0 and lay.occ == 0)
                    cursor[r] = to.at[j] + vlen[j] + nq - k * ns
                j1 += 1
            fcur[k] = j1
            _render_range(v, k, j0, j1, to)
            if ns != 1 and k < nf - 1:
                for r in range(s0, s1):
                    out[cursor[r] + k * ns : cursor[r] + (k + 1) * ns] = lay.sep
        for r in range(s0, s1):
            out[rowstart[r + 1] - lay.newline.shape[0] : rowstart[r + 1]] = lay.newline
