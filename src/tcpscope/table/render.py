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

Why the kernels take a dozen arrays each rather than records: grouped into NamedTuples
(``Chunk``, ``Layout``), the compiled loops counted references on every array at every
helper call, and ``fields`` with 65 fields on the 720k-packet bench capture took 0.85 s
more CPU to render (1.11 s -> 1.96 s). The complexity rules are excepted line by line
for these functions, with that reason.

Each helper takes ``dry``: then it writes nothing and only returns how many bytes the
value takes. Two kernels use them: :func:`measure_rows` measures every value and row
of a chunk of ``-T fields`` output, :func:`write_rows` then writes them in place.

:class:`Kind` says how a field's values become text (the kernels switch on it). It is
defined here, where the kernels are, and :mod:`tcpscope.table.columns` takes it from here:
numba's cache watches only the kernels' own file, and freezes the integers they compare
``kind`` with, so a kind changed anywhere else would leave stale kernels in the cache.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tcpscope._jit import helper, helper_compiled_as, kernel

__all__ = ["Kind", "measure_rows", "write_rows"]


class Kind(IntEnum):
    """How a column's values become text (:mod:`tcpscope.table.columns`' docstring)."""

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


# The kinds as the kernels compare them: plain ints, which numba freezes as constants
# (and which cost an uncompiled kernel no attribute lookup).
_ONE, _BOOL, _DEC, _HEX, _OCT = Kind.ONE.value, Kind.BOOL.value, Kind.DEC.value, Kind.HEX.value, Kind.OCT.value
_IPV4, _IPV6, _ETHER, _TIME = Kind.IPV4.value, Kind.IPV6.value, Kind.ETHER.value, Kind.TIME.value
_SPAN, _UCS4 = Kind.SPAN.value, Kind.UCS4.value

_HEXDIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8).copy()
# Tables and unsigned constants for the digit loops (numba folds globals in as constants;
# unsigned division by a constant compiles to a multiplication, signed needs sign fix-ups).
_DIGITS2 = np.frombuffer("".join(f"{i:02d}" for i in range(100)).encode(), dtype=np.uint8).copy()
_POW10 = np.array([10**i for i in range(19)], dtype=np.int64)
_OCTET_TXT = np.frombuffer("".join(f"{i:<3d}" for i in range(256)).encode(), dtype=np.uint8).copy()
_OCTET_LEN = np.array([len(str(i)) for i in range(256)], dtype=np.int64)
_U1, _U2, _U10, _U48, _U100 = np.uint64(1), np.uint64(2), np.uint64(10), np.uint64(48), np.uint64(100)


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
def _put_ipv6(out: NDArray[np.uint8], row: NDArray[np.uint8], p: int, dry: bool) -> int:  # noqa: PLR0912 -- compiled helper: one branch per zero-run case of RFC 5952
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


def _put_span_loop(out: NDArray[np.uint8], p: int, buf: NDArray[np.uint8], start: Any, length: Any, dry: bool) -> int:  # noqa: PLR0913, PLR0917 -- compiled helper: numba takes arrays, not records
    """Lowercase hex of ``buf[start:start + length]`` (Python slice bounds, ``start >= 0``):
    :func:`_put_span` as compiled kernels run it, a byte at a time."""
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


@helper_compiled_as(_put_span_loop)
def _put_span(out: NDArray[np.uint8], p: int, buf: NDArray[np.uint8], start: Any, length: Any, dry: bool) -> int:  # noqa: PLR0913, PLR0917 -- compiled helper: numba takes arrays, not records
    """Lowercase hex of ``buf[start:start + length]`` (Python slice bounds, ``start >= 0``),
    the whole span at once with numpy: uncompiled, a loop of Python per byte took more
    than half of a small capture's ``-T fields`` with payloads. Compiled kernels run
    :func:`_put_span_loop` (no temporary arrays)."""
    size = buf.shape[0]
    end = min(start + length, size)
    start = min(start, size)
    if end <= start:
        return 0
    n: int = 2 * (end - start)
    if not dry:
        span = buf[start:end]
        out[p:p + n:2] = _HEXDIGITS[span >> 4]
        out[p + 1:p + n:2] = _HEXDIGITS[span & 15]
    return n


def _put_ucs4_loop(out: NDArray[np.uint8], p: int, row: NDArray[np.uint32], dry: bool) -> int:
    """UTF-8 of the code points of ``row`` up to its last non-NUL one: :func:`_put_ucs4` as
    compiled kernels run it, a code point at a time."""
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


@helper_compiled_as(_put_ucs4_loop)
def _put_ucs4(out: NDArray[np.uint8], p: int, row: NDArray[np.uint32], dry: bool) -> int:
    """UTF-8 of the code points of ``row`` up to its last non-NUL one, through Python's
    codecs (uncompiled: the loop took a sixth of a small capture's ``-T fields``). The
    encoding is the loop's: a surrogate code point becomes its three bytes, as the loop
    writes it; past U+10FFFF, which the codecs refuse, the loop writes it."""
    filled = np.flatnonzero(row)
    last = int(filled[-1]) + 1 if filled.size else 0
    try:
        text = row[:last].astype("<u4").tobytes().decode("utf-32-le", "surrogatepass").encode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        n: int = _put_ucs4_loop(out, p, row, dry)
        return n
    if not dry:
        out[p:p + len(text)] = np.frombuffer(text, dtype=np.uint8)
    return len(text)


@helper
def _render_range(kind: int, j0: int, j1: int, ints: NDArray[np.int64], ib: int, pairs: NDArray[np.int64], pb: int,  # noqa: PLR0912, PLR0913, PLR0915, PLR0917 -- compiled helper, see the module docstring's note on records
                  rows: NDArray[np.uint8], rb: int, ucs: NDArray[np.uint32], ub: int, buf: NDArray[np.uint8],
                  pre: NDArray[np.uint8], width: int, out: NDArray[np.uint8], at: NDArray[np.int64],
                  dry: bool) -> None:
    """Values ``j0:j1`` of one field: each one's length into ``at[j]`` (``dry``), or its text at ``out[at[j]:]``.

    Value ``j`` is ``ints[j + ib]``, ``pairs[j + pb]``, ``rows[j + rb]`` or ``ucs[j + ub]``
    as ``kind`` says. A negative ``at[j]`` skips the value (an occurrence not shown).
    The kind is tested once, outside the loops, so that each loop stays small.
    """
    if kind == _DEC:
        for j in range(j0, j1):
            if dry:
                at[j] = _put_dec(out, 0, ints[j + ib], True)
            elif at[j] >= 0:
                _put_dec(out, at[j], ints[j + ib], False)
    elif kind in (_BOOL, _ONE):
        for j in range(j0, j1):
            if dry:
                at[j] = 1
            elif at[j] >= 0:
                out[at[j]] = 49 if kind == _ONE or ints[j + ib] != 0 else 48
    elif kind == _HEX:
        for j in range(j0, j1):
            if dry:
                at[j] = _put_hex(out, 0, ints[j + ib], width, True)
            elif at[j] >= 0:
                _put_hex(out, at[j], ints[j + ib], width, False)
    elif kind == _OCT:
        for j in range(j0, j1):
            if dry:
                at[j] = _put_oct(out, 0, ints[j + ib], True)
            elif at[j] >= 0:
                _put_oct(out, at[j], ints[j + ib], False)
    elif kind == _IPV4:
        for j in range(j0, j1):
            if dry:
                at[j] = _put_ipv4(out, 0, ints[j + ib], True)
            elif at[j] >= 0:
                _put_ipv4(out, at[j], ints[j + ib], False)
    elif kind == _IPV6:
        for j in range(j0, j1):
            if dry:
                at[j] = _put_ipv6(out, rows[j + rb], 0, True)
            elif at[j] >= 0:
                _put_ipv6(out, rows[j + rb], at[j], False)
    elif kind == _ETHER:
        for j in range(j0, j1):
            if dry:
                at[j] = 17
            elif at[j] >= 0:
                _put_ether(out, rows[j + rb], at[j], False)
    elif kind == _TIME:
        for j in range(j0, j1):
            if dry:
                at[j] = _put_time(out, 0, ints[j + ib], True)
            elif at[j] >= 0:
                _put_time(out, at[j], ints[j + ib], False)
    elif kind == _SPAN:
        for j in range(j0, j1):
            if dry:
                at[j] = _put_span(out, 0, buf, pairs[j + pb, 0], pairs[j + pb, 1], True)
            elif at[j] >= 0:
                _put_span(out, at[j], buf, pairs[j + pb, 0], pairs[j + pb, 1], False)
    elif kind == _UCS4:
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
def _shown(occ: int, occ_k: int, vrow: NDArray[np.int64], j: int, fs: int, fe: int, rank: int) -> bool:  # noqa: PLR0913, PLR0917 -- compiled helper: numba takes arrays, not records
    """Whether value ``j`` (the ``rank``-th of its row, field values ``fs:fe``) is printed."""
    if occ == 0:
        return True
    if occ == 1:
        return rank == 0
    if occ == 2:
        return j + 1 >= fe or vrow[j + 1] != vrow[j]
    return rank == occ_k


@kernel
def measure_rows(kinds: NDArray[np.int64], widths: NDArray[np.int64], fstart: NDArray[np.int64],  # noqa: PLR0913, PLR0917 -- compiled kernel, see the module docstring's note on records
                 base: NDArray[np.int64], vrow: NDArray[np.int64], ints: NDArray[np.int64],
                 pairs: NDArray[np.int64], rows: NDArray[np.uint8], ucs: NDArray[np.uint32],
                 buf: NDArray[np.uint8], pre: NDArray[np.uint8], occ: int, occ_k: int, na: int, nq: int,
                 vlen: NDArray[np.int64], rowlen: NDArray[np.int64]) -> None:
    """Add every printed value's bytes (with its cell's quotes and aggregator) to its row's length.

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
                # a cell's quotes once around all its values (tshark's print.c)
                rowlen[r] += vlen[j] + (2 * nq if occ != 0 or rank == 0 else na)


@kernel
def write_rows(kinds: NDArray[np.int64], widths: NDArray[np.int64], fstart: NDArray[np.int64],  # noqa: PLR0912, PLR0913, PLR0917 -- compiled kernel, see the module docstring's note on records
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
                    if nq > 0 and (occ != 0 or rank == 0):  # the cell's opening quote (its values quoted together)
                        for q in range(nq):
                            out[p + q] = quote[q]
                        p += nq
                    at[j] = p
                    p += vlen[j]
                    if nq > 0 and (occ != 0 or j + 1 >= fe or vrow[j + 1] != r):  # and its closing one
                        for q in range(nq):
                            out[p + q] = quote[q]
                        p += nq
                    cursor[r] = p - k * ns
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
