"""Relations between filter values, vectorized over every value (epan/ftypes ``cmp_*``).

Each comparison follows its ftype's ``cmp_order`` / ``cmp_contains`` / ``cmp_matches``:
integers numerically, booleans by truthiness (``boolean_cmp_order``), IPv4 under the
shorter of the two netmasks and IPv6 under the shorter prefix (so
``ip.addr == 10.0.0.0/8`` is a subnet test), byte strings by length first and then
``memcmp`` (ftype-bytes.c), strings by ``strcmp``. ``contains`` looks for the
needle anywhere in the value (an empty needle is never contained); ``matches`` runs
the PCRE2 pattern over the value's bytes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from tcpscope._jit import kernel
from tcpscope._types import Array, Index, Mask
from tcpscope.filter.column import Col, materialize, raw_values

__all__ = ["ORDER_OPS", "compare_const", "contains_const", "matches", "pair_signs", "sign_const"]

ORDER_OPS: dict[str, Callable[[Array], Mask]] = {
    "eq": lambda s: s == 0, "ne": lambda s: s != 0, "gt": lambda s: s > 0,
    "ge": lambda s: s >= 0, "lt": lambda s: s < 0, "le": lambda s: s <= 0,
}
_BITMASK = np.array([0x00, 0x80, 0xC0, 0xE0, 0xF0, 0xF8, 0xFC, 0xFE, 0xFF], dtype=np.uint8)


def _sign(a: Array, b: object) -> Array:
    gt: Array = np.asarray(a > b, dtype=np.int8)
    lt: Array = np.asarray(a < b, dtype=np.int8)
    return gt - lt


def _lex_sign(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> Array:
    """memcmp sign of equal-width rows."""
    if a.shape[1] == 0:
        return np.zeros(a.shape[0], dtype=np.int8)
    diff = a != b
    first = np.argmax(diff, axis=1)
    rows = np.arange(a.shape[0])
    out = _sign(a[rows, first].astype(np.int16), b[rows, first].astype(np.int16))
    out[~diff.any(axis=1)] = 0
    return out


def _ip6_masks(prefix: Array) -> NDArray[np.uint8]:
    bits = np.clip(prefix[:, None].astype(np.int64) - 8 * np.arange(16)[None, :], 0, 8)
    out: NDArray[np.uint8] = _BITMASK[bits]
    return out


def sign_const(col: Col, value: object, ctype_bool: bool = False) -> Array:
    """cmp_order of every value of ``col`` against one constant: -1, 0 or 1 per value."""
    k = col.kind
    if k == "num":
        assert isinstance(value, int)
        if ctype_bool:
            return _sign((col.data != 0).astype(np.int8), np.int8(value != 0))
        if value > np.iinfo(np.int64).max or value < np.iinfo(np.int64).min:
            return np.full(len(col), -1 if value > 0 else 1, dtype=np.int8)
        return _sign(col.data, np.int64(value))
    if k == "flt":
        assert isinstance(value, int | float)
        return _sign(col.data, np.float64(value))
    if k == "ip4":
        assert isinstance(value, tuple)
        addr, mask = int(value[0]), int(value[1])
        assert col.aux is not None
        m = np.minimum(col.aux, mask)
        return _sign(col.data & m, addr & m)
    if k == "ip6":
        assert isinstance(value, tuple) and isinstance(value[0], bytes)
        assert col.aux is not None
        masks = _ip6_masks(np.minimum(col.aux, int(value[1])))
        c = np.frombuffer(value[0], dtype=np.uint8)[None, :]
        return _lex_sign(col.data & masks, c & masks)
    if k == "str":
        assert isinstance(value, bytes)
        s = value.decode("utf-8", "surrogateescape")
        return _sign(col.data, np.str_(s))
    if k == "raw":
        assert isinstance(value, bytes)
        return _raw_sign_const(col, value)
    raise TypeError(f"cannot order {k} values")


def _raw_sign_const(col: Col, value: bytes) -> Array:
    lengths = col.data[:, 1]
    out = _sign(lengths, np.int64(len(value)))
    same = np.flatnonzero(lengths == len(value))
    if same.shape[0]:
        rows = raw_values(col, same, len(value))
        c = np.frombuffer(value, dtype=np.uint8)[None, :]
        out[same] = _lex_sign(rows, np.broadcast_to(c, rows.shape))
    return out


def compare_const(col: Col, op: str, value: object, ctype_bool: bool = False) -> Mask:
    """``op`` (eq ne gt ge lt le) of every value against a constant."""
    if col.kind == "num" and not ctype_bool and isinstance(value, int) and abs(value) < 2**62:
        v = np.int64(value)
        d = col.data
        if op == "eq":
            return np.asarray(d == v)
        if op == "ne":
            return np.asarray(d != v)
        if op == "gt":
            return np.asarray(d > v)
        if op == "ge":
            return np.asarray(d >= v)
        if op == "lt":
            return np.asarray(d < v)
        return np.asarray(d <= v)
    return ORDER_OPS[op](sign_const(col, value, ctype_bool))


def pair_signs(a: Col, ai: Index, b: Col, bi: Index, ctype_bool: bool = False) -> Array:
    """How value ``ai[k]`` of ``a`` orders against value ``bi[k]`` of ``b``, for every k:
    -1, 0 or 1 (compare with :data:`ORDER_OPS`); ``ctype_bool`` compares numbers as true
    or false."""
    k = a.kind
    if k != b.kind:
        raise TypeError(f"cannot compare {a.kind} with {b.kind} values")
    if k in ("num", "flt", "str"):
        x, y = a.data[ai], b.data[bi]
        if ctype_bool:
            x, y = (x != 0).astype(np.int8), (y != 0).astype(np.int8)
        return _sign(x, y)
    if k == "ip4":
        assert a.aux is not None and b.aux is not None
        m = np.minimum(a.aux[ai], b.aux[bi])
        return _sign(a.data[ai] & m, b.data[bi] & m)
    if k == "ip6":
        assert a.aux is not None and b.aux is not None
        masks = _ip6_masks(np.minimum(a.aux[ai], b.aux[bi]))
        return _lex_sign(a.data[ai] & masks, b.data[bi] & masks)
    la, lb = a.data[ai, 1], b.data[bi, 1]
    sign = _sign(la, lb)
    for length in np.unique(la[la == lb]).tolist():
        sel = np.flatnonzero((la == length) & (lb == length))
        sign[sel] = _lex_sign(raw_values(a, ai[sel], length), raw_values(b, bi[sel], length))
    return sign


@kernel
def _find_kernel(buf: NDArray[np.uint8], starts: Index, lengths: Index, needle: NDArray[np.uint8],
                 out: NDArray[np.bool_]) -> None:
    m = needle.shape[0]
    for i in range(starts.shape[0]):
        s = starts[i]
        n = lengths[i]
        found = False
        for j in range(n - m + 1):
            ok = True
            for k in range(m):
                if buf[s + j + k] != needle[k]:
                    ok = False
                    break
            if ok:
                found = True
                break
        out[i] = found


def _raw_extent(col: Col) -> Index:
    return col.data[:, 1] if col.ext is None else col.ext


def contains_const(col: Col, needle: bytes) -> Mask:
    """``cmp_contains`` of every value against a constant needle."""
    out = np.zeros(len(col), dtype=np.bool_)
    if not needle:
        return out
    if col.kind == "str":
        s = needle.decode("utf-8", "surrogateescape")
        return np.asarray(np.char.find(col.data.astype(np.str_), s) >= 0)
    if col.kind != "raw":
        raise TypeError(f"{col.kind} values have no contains")
    assert col.buf is not None
    lengths = _raw_extent(col)
    nd = np.frombuffer(needle, dtype=np.uint8).copy()
    cand = np.flatnonzero(lengths >= len(needle))
    if cand.shape[0] == 0:
        return out
    # cheap filter on the first byte present anywhere would need a scan too; run the kernel
    for b in np.unique(col.buf[cand]).tolist():
        sel = cand[col.buf[cand] == b]
        res = np.zeros(sel.shape[0], dtype=np.bool_)
        starts = np.ascontiguousarray(col.data[sel, 0])
        lens = np.ascontiguousarray(lengths[sel])
        _find_kernel.run(int(lens.sum()), col.bufs[b], starts, lens, nd, res)
        out[sel] = res
    return out


def contains_pairs(a: Col, ai: Index, b: Col, bi: Index) -> Mask:
    """``contains`` between pairs of values (both sides fields: rare, done value by value)."""
    if a.kind == "str":
        xs = a.data[ai].tolist()
        ys = b.data[bi].tolist()
        return np.array([bool(y) and y in x for x, y in zip(xs, ys, strict=True)], dtype=np.bool_)
    ea = a if a.ext is None else Col("raw", a.pkt, np.stack([a.data[:, 0], a.ext], axis=1), a.defined,
                                     buf=a.buf, bufs=a.bufs)
    xs_b = materialize(ea, ai)
    ys_b = materialize(b, bi)
    return np.array([bool(y) and y in x for x, y in zip(xs_b, ys_b, strict=True)], dtype=np.bool_)


def matches(col: Col, predicate: Callable[[bytes], bool]) -> Mask:
    """``cmp_matches`` of every value (the regex runs once per distinct string value)."""
    if len(col) == 0:
        return np.zeros(0, dtype=np.bool_)
    if col.kind == "str":
        uniq, inv = np.unique(col.data, return_inverse=True)
        hits = np.array([predicate(str(u).encode("utf-8", "surrogateescape")) for u in uniq.tolist()],
                        dtype=np.bool_)
        return hits[inv.reshape(-1)]
    if col.kind != "raw":
        raise TypeError(f"{col.kind} values cannot be matched")
    ea = col if col.ext is None else Col("raw", col.pkt, np.stack([col.data[:, 0], col.ext], axis=1),
                                         col.defined, buf=col.buf, bufs=col.bufs)
    return np.array([predicate(v) for v in materialize(ea)], dtype=np.bool_)
