"""The common case, fast: a header field compared with a constant, straight off its layer rows.

Most filters are ``field op constant`` on integer or IPv4 fields that are one column
of a layer table (``tcp.len``), or two columns of each row (``ip.addr`` is src and
dst, ``tcp.port`` is srcport and dstport). For those the compiler need not build the
field's ``Values`` (which interleaves the two columns and drops absent ones): it
compares each column where it is present and folds the rows into frames. The
semantics are the general ones of :mod:`tcpscope.filter.compiler`: any/all over the
values present, false where the field is absent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tcpscope._types import Array, Index, Mask
from tcpscope.filter.plan import PConst, PField, PRel
from tcpscope.table.access import ColumnGetter, InterleavedGetter
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef, FieldType

__all__ = ["Rows", "fast_exists", "fast_in", "fast_relation", "rows_of"]

FT = FieldType
_OPS = ("eq", "ne", "gt", "ge", "lt", "le")


@dataclass(frozen=True, slots=True)
class Rows:
    """A field as layer rows: frame per row, and (values, present-or-None) per column."""

    pkt: Index
    cols: tuple[tuple[Array, Mask | None], ...]


def rows_of(fd: FieldDef, table: PacketTable) -> Rows | None:
    """The rows behind a column or interleaved field, or None for any other getter."""
    g = fd.get
    if isinstance(g, ColumnGetter):
        lt = table.layer(g.layer)
        if len(lt) == 0 or g.col not in lt.cols:
            return Rows(np.zeros(0, dtype=np.int64), ())
        data = lt.cols[g.col]
        if g.convert is not None:
            data = g.convert(data)
        return Rows(lt.pkt, ((data, None if g.present is None else g.present(lt)),))
    if isinstance(g, InterleavedGetter):
        lt = table.layer(g.layer)
        if len(lt) == 0:
            return Rows(np.zeros(0, dtype=np.int64), ())
        return Rows(lt.pkt, (
            (lt.cols[g.a], None if g.present_a is None else g.present_a(lt)),
            (lt.cols[g.b], None if g.present_b is None else g.present_b(lt)),
        ))
    return None


def _cmp(data: Array, op: str, value: int) -> Mask:
    if data.dtype.kind in "iu":
        info = np.iinfo(data.dtype)
        if not info.min <= value <= info.max:
            data = data.astype(np.int64) if value.bit_length() < 63 else data.astype(object)
    if op == "eq":
        return np.asarray(data == value)
    if op == "ne":
        return np.asarray(data != value)
    if op == "gt":
        return np.asarray(data > value)
    if op == "ge":
        return np.asarray(data >= value)
    if op == "lt":
        return np.asarray(data < value)
    return np.asarray(data <= value)


def _fold(rows: Rows, row_mask: Mask, n: int) -> Mask:
    """Rows to frames: a frame is true if one of its rows is."""
    pkt = rows.pkt
    m = pkt.shape[0]
    if m == n and m and pkt[0] == 0 and pkt[-1] == n - 1 and bool((pkt[1:] != pkt[:-1]).all()):
        return row_mask.copy()  # one row per frame, every frame: the rows are the frames
    out = np.zeros(n, dtype=np.bool_)
    out[pkt[row_mask]] = True
    return out


def fast_exists(rows: Rows, n: int) -> Mask:
    """Frames where the field has at least one value."""
    if not rows.cols:
        return np.zeros(n, dtype=np.bool_)
    present: Mask | None = None
    for _, p in rows.cols:
        if p is None:
            present = np.ones(rows.pkt.shape[0], dtype=np.bool_)
            break
        present = p if present is None else present | p
    assert present is not None
    return _fold(rows, present, n)


def fast_relation(rows: Rows, rel: PRel, n: int) -> Mask | None:
    """``field op constant`` over the rows (the field's), or None when this path does not apply."""
    if rel.op not in _OPS or not isinstance(rel.left, PField) or not isinstance(rel.right, PConst):
        return None
    test = _tester(rel.left.ftype, rel.op, rel.right.value)
    if test is None:
        return None
    return _combine(rows, [test], rel.all_, n)


def fast_in(rows: Rows, ftype: FieldType, members: list[tuple[object, object | None]], all_: bool,
            n: int) -> Mask | None:
    """``field in {constants and constant ranges}``: member after member, or-ed (gen_relation_in)."""
    out = np.zeros(n, dtype=np.bool_)
    for lo, hi in members:
        tests = [_tester(ftype, "eq", lo)] if hi is None else [_tester(ftype, "ge", lo), _tester(ftype, "le", hi)]
        if any(t is None for t in tests):
            return None
        out |= _combine(rows, tests, all_, n)  # type: ignore[arg-type]
    return out


def _tester(ftype: FieldType, op: str, value: object) -> Callable[[Array], Mask] | None:
    """A vectorized ``value op constant`` for one column of the field, if this path handles it."""
    if ftype in (FT.ETHER, FT.IPv6) and op in ("eq", "ne"):
        width = 6 if ftype is FT.ETHER else 16
        raw = value[0] if isinstance(value, tuple) else value
        if not isinstance(raw, bytes) or len(raw) != width:
            return None
        if isinstance(value, tuple) and value[1] != 128:
            return None
        const = np.frombuffer(raw, dtype=np.uint8)

        def test_bytes(d: Array) -> Mask:
            eq = np.asarray((np.asarray(d, dtype=np.uint8).reshape(-1, width) == const).all(axis=1))
            return eq if op == "eq" else ~eq

        return test_bytes
    if ftype is FT.IPv4:
        if not isinstance(value, tuple) or not isinstance(value[0], int):
            return None
        addr, mask = int(value[0]), int(value[1])
        if mask != 0xFFFFFFFF:
            def test(d: Array) -> Mask:
                return _cmp(np.bitwise_and(d, np.uint32(mask)), op, addr & mask)
        else:
            def test(d: Array) -> Mask:
                return _cmp(d, op, addr)
    elif ftype.is_integer and isinstance(value, int):
        v = value
        if ftype is FT.BOOLEAN:
            v = int(v != 0)

            def test(d: Array) -> Mask:
                return _cmp(np.asarray(d != 0, dtype=np.int8), op, v)
        else:
            if v < 0 and not ftype.is_signed:
                v %= 2**64 if ftype.bits == 64 else 2**32

            def test(d: Array) -> Mask:
                return _cmp(d, op, v)
    else:
        return None
    return test


def _combine(rows: Rows, tests: list[Callable[[Array], Mask]], all_: bool, n: int) -> Mask:
    """Per frame: some present value passes every test (any), or every present value does (all)."""
    if not rows.cols:
        return np.zeros(n, dtype=np.bool_)
    m = rows.pkt.shape[0]
    hit = np.zeros(m, dtype=np.bool_)
    bad = np.zeros(m, dtype=np.bool_)
    present_any = np.zeros(m, dtype=np.bool_)
    for data, present in rows.cols:
        ok = tests[0](data)
        for more in tests[1:]:
            ok = ok & more(data)
        if present is None:
            present_any[:] = True
            if all_:
                bad |= ~ok
            else:
                hit |= ok
        else:
            present_any |= present
            if all_:
                bad |= present & ~ok
            else:
                hit |= present & ok
    if not all_:
        return _fold(rows, hit, n)
    return _fold(rows, present_any, n) & ~_fold(rows, bad, n)
