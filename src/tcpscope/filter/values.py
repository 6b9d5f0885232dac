"""Evaluate value expressions of a checked filter to :class:`~tcpscope.filter.column.Col`.

``to_col`` dispatches on the value nodes of :mod:`tcpscope.filter.plan`: fields (with
``#`` layers, dfvm.c ``filter_finfo_fvalues``), slices (ftypes.c ``slice_func``: a
range out of bounds stops the slice but keeps the value), conversions to bytes,
functions (dfunctions.c and DFVM_LENGTH), arithmetic over every pair of values
(dfvm.c ``mk_binary_internal``: failed results such as a division by zero are
dropped) and unary minus. ``reduce_values`` / ``reduce_pairs`` turn per-value
results into one boolean per frame with tshark's any/all rule.
"""

from __future__ import annotations

from dataclasses import replace
from functools import singledispatch

import numpy as np

from tcpscope._types import Array, Index, Mask
from tcpscope.filter.ast import ArithOp, DRange
from tcpscope.filter.column import Col, materialize, pairs, raw_from_bytes, raw_from_fixed, raw_from_rows, raw_prefix
from tcpscope.filter.plan import PArith, PConst, PField, PFunc, PNeg, PRef, PSlice, PToBytes
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldType
from tcpscope.table.text import format_ether, format_ipv4, format_ipv6

__all__ = ["const_col", "is_zero", "reduce_pairs", "reduce_values", "to_col", "to_raw", "value_lengths"]

FT = FieldType
_WIRE = {FT.CHAR: 1, FT.UINT8: 1, FT.UINT16: 2, FT.UINT24: 3, FT.UINT32: 4, FT.UINT64: 8, FT.INT8: 1,
         FT.INT16: 2, FT.INT32: 4, FT.INT64: 8, FT.FRAMENUM: 4, FT.IPv4: 4, FT.IPv6: 16, FT.ETHER: 6,
         FT.DOUBLE: 8}


def reduce_values(col: Col, ok: Mask, all_: bool, n: int) -> Mask:
    """Per frame: some value ok (any) / no value failing (all), on defined frames only."""
    if all_:
        bad = np.zeros(n, dtype=np.bool_)
        bad[col.pkt[~ok]] = True
        return col.defined & ~bad
    hit = np.zeros(n, dtype=np.bool_)
    hit[col.pkt[ok]] = True
    return hit & col.defined


def reduce_pairs(pkt: Index, ok: Mask, defined: Mask, all_: bool, n: int) -> Mask:
    if all_:
        bad = np.zeros(n, dtype=np.bool_)
        bad[pkt[~ok]] = True
        return defined & ~bad
    hit = np.zeros(n, dtype=np.bool_)
    hit[pkt[ok]] = True
    return hit & defined


def const_col(node: PConst, n: int) -> Col:
    """A constant as one value in every frame (for functions and arithmetic)."""
    pkt = np.arange(n, dtype=np.int64)
    defined = np.ones(n, dtype=np.bool_)
    v = node.value
    if isinstance(v, bytes):
        if node.ftype is FT.STRING:
            return Col("str", pkt, np.full(n, v.decode("utf-8", "surrogateescape")), defined)
        return raw_from_fixed(pkt, np.tile(np.frombuffer(v, dtype=np.uint8), (n, 1)), defined)
    if isinstance(v, tuple):
        if isinstance(v[0], bytes):
            data = np.tile(np.frombuffer(v[0], dtype=np.uint8), (n, 1))
            return Col("ip6", pkt, data, defined, aux=np.full(n, v[1], dtype=np.int64))
        return Col("ip4", pkt, np.full(n, v[0], dtype=np.int64), defined, aux=np.full(n, v[1], dtype=np.int64))
    if isinstance(v, float):
        return Col("flt", pkt, np.full(n, v, dtype=np.float64), defined)
    return Col("num", pkt, np.full(n, v, dtype=np.int64), defined)


@singledispatch
def to_col(node: object, table: PacketTable) -> Col:
    from tcpscope.filter.compiler import UnsupportedFilter

    raise UnsupportedFilter(f"no value rule for {type(node).__name__}")


def _layer_keep(layers: tuple[DRange, ...], lay: Array, pkt: Index, n: int) -> Mask:
    """dfvm.c ``drange_contains_layer`` for every value; negatives count from the top layer."""
    top = np.zeros(n, dtype=np.int64)
    np.maximum.at(top, pkt, lay)
    length = top[pkt]
    keep = np.zeros(lay.shape[0], dtype=np.bool_)
    for r in layers:
        lower = np.full(lay.shape[0], r.start, dtype=np.int64)
        if r.start < 0:
            lower = lower + length + 1
        if r.length is not None:
            upper = lower + r.length - 1
        elif r.end is not None:
            upper = np.full(lay.shape[0], r.end, dtype=np.int64)
        else:
            upper = np.full(lay.shape[0], np.iinfo(np.int64).max, dtype=np.int64)
        keep |= (lay >= lower) & (lay <= upper)
    return keep


@to_col.register
def _(node: PField, table: PacketTable) -> Col:
    from tcpscope.filter.extra_fields import span_values

    n = table.n
    fd = node.fd
    spans = span_values(fd.name, table)
    if spans is not None:
        pkt, span, buf, ext, lay = spans
        col = Col("raw", pkt, span, np.zeros(n, dtype=np.bool_), buf=buf, ext=ext, bufs=table.buffers)
    else:
        v = fd.get(table)
        pkt = v.pkt.astype(np.int64, copy=False)
        lay = v.layers().astype(np.int64)
        col = _typed(node.ftype, pkt, v.data, v.buf, table)
    if node.layers is not None and len(col):
        col = col.take(_layer_keep(node.layers, lay.astype(np.int64), col.pkt, n))
    defined = np.zeros(n, dtype=np.bool_)
    defined[col.pkt] = True
    return col.with_defined(defined)


def _typed(ft: FieldType, pkt: Index, data: Array, buf: Array | None, table: PacketTable) -> Col:
    n = table.n
    none = np.zeros(n, dtype=np.bool_)
    if ft is FT.DOUBLE:
        return Col("flt", pkt, data.astype(np.float64), none)
    if ft is FT.IPv4:
        return Col("ip4", pkt, data.astype(np.int64), none, aux=np.full(pkt.shape[0], 0xFFFFFFFF, dtype=np.int64))
    if ft is FT.IPv6:
        return Col("ip6", pkt, np.asarray(data, dtype=np.uint8).reshape(-1, 16), none,
                   aux=np.full(pkt.shape[0], 128, dtype=np.int64))
    if ft is FT.ETHER:
        return raw_from_fixed(pkt, np.asarray(data, dtype=np.uint8).reshape(-1, 6), none)
    if ft is FT.STRING:
        return Col("str", pkt, np.asarray(data).astype(np.str_), none)
    if ft is FT.NONE:  # a label: only its presence matters (its data may be anything)
        return Col("num", pkt, np.zeros(pkt.shape[0], dtype=np.int64), none)
    if ft in (FT.BYTES, FT.PROTOCOL):
        span = np.asarray(data, dtype=np.int64).reshape(-1, 2)
        bufs = (buf,) if buf is not None else table.buffers[:1]
        return Col("raw", pkt, span, none, buf=np.zeros(pkt.shape[0], dtype=np.int8), bufs=bufs)
    return Col("num", pkt, data.astype(np.int64), none)


@to_col.register
def _(node: PRef, table: PacketTable) -> Col:
    z = np.zeros(0, dtype=np.int64)
    return Col("num", z, z, np.zeros(table.n, dtype=np.bool_))


@to_col.register
def _(node: PConst, table: PacketTable) -> Col:
    return const_col(node, table.n)


def to_raw(col: Col) -> Col:
    """Any value as its bytes (``convert_to_bytes``; a protocol keeps only its own length)."""
    if col.kind == "raw":
        return replace(col, ext=None)
    if col.kind == "ip4":
        rows = col.data.astype(">u4").view(np.uint8).reshape(-1, 4)
        return raw_from_fixed(col.pkt, rows, col.defined)
    if col.kind == "ip6":
        return raw_from_fixed(col.pkt, col.data, col.defined)
    if col.kind == "str":
        return raw_from_bytes(col.pkt, [s.encode("utf-8", "surrogateescape") for s in col.data.tolist()],
                              col.defined)
    raise TypeError(f"{col.kind} values have no bytes")


@to_col.register
def _(node: PToBytes, table: PacketTable) -> Col:
    return to_raw(to_col(node.inner, table))


def _slice(col: Col, ranges: tuple[DRange, ...]) -> Col:
    """ftypes.c ``fvalue_slice`` on every value: ranges in order, stop at the first failure."""
    raw = to_raw(col)
    start0 = raw.data[:, 0]
    flen = raw.data[:, 1]
    m = len(raw)
    failed = np.zeros(m, dtype=np.bool_)
    pieces: list[tuple[Index, Index, Mask]] = []
    for r in ranges:
        s = np.full(m, r.start, dtype=np.int64)
        if r.start < 0:
            s = s + flen
            failed |= s < 0
        if r.length is not None:
            ln = np.full(m, r.length, dtype=np.int64)
            failed |= s + ln > flen
        elif r.end is not None:
            e = np.full(m, r.end, dtype=np.int64)
            if r.end < 0:
                e = e + flen
                failed |= e < s
            else:
                failed |= e >= flen
            ln = e - s + 1
        else:
            ln = flen - s
            failed |= ln <= 0
        pieces.append((s, ln, ~failed.copy()))
    if len(pieces) == 1:
        s, ln, ok = pieces[0]
        span = np.stack([np.where(ok, start0 + s, start0), np.where(ok, ln, 0)], axis=1)
        return replace(raw, data=span)
    values = []
    allbytes = materialize(raw)
    for i, whole in enumerate(allbytes):
        out = b""
        for s, ln, ok in pieces:
            if not ok[i]:
                break
            out += whole[int(s[i]):int(s[i]) + int(ln[i])]
        values.append(out)
    return raw_from_bytes(raw.pkt, values, raw.defined)


@to_col.register
def _(node: PSlice, table: PacketTable) -> Col:
    return _slice(to_col(node.inner, table), node.ranges)


def value_lengths(col: Col) -> Index:
    """``fvalue_length`` of every value (bytes of a string, wire size of a number)."""
    if col.kind == "raw":
        return np.asarray(col.data[:, 1], dtype=np.int64)
    if col.kind == "str":
        return np.array([len(s.encode("utf-8", "surrogateescape")) for s in col.data.tolist()], dtype=np.int64)
    width = {"ip4": 4, "ip6": 16, "flt": 8}.get(col.kind, 0)
    return np.full(len(col), width, dtype=np.int64)


def is_zero(col: Col) -> Mask:
    """``fvalue_is_zero`` of every value."""
    if col.kind in ("num", "flt", "ip4"):
        return np.asarray(col.data == 0)
    if col.kind == "ip6":
        return np.asarray(~col.data.any(axis=1))
    if col.kind == "str":
        return np.asarray(col.data == "")
    return np.array([not any(v) for v in materialize(col)], dtype=np.bool_)


@to_col.register
def _(node: PFunc, table: PacketTable) -> Col:
    n = table.n
    name = node.name
    args = [to_col(a, table) for a in node.args]
    a = args[0]
    if name == "len":
        lengths = value_lengths(a)
        if a.kind == "num":
            lengths = np.full(len(a), _WIRE.get(node.args[0].ftype, 0), dtype=np.int64)
        return Col("num", a.pkt, lengths, a.defined)
    if name == "count":
        pkt = np.flatnonzero(a.defined).astype(np.int64)
        return Col("num", pkt, np.bincount(a.pkt, minlength=n)[pkt].astype(np.int64), a.defined)
    if name in ("lower", "upper"):
        conv = np.char.lower if name == "lower" else np.char.upper
        data = conv(a.data.astype(np.str_)) if len(a) else a.data
        return replace(a, data=data)
    if name == "string":
        return replace(_stringify(a), defined=a.defined)
    if name == "abs":
        if a.kind in ("num", "flt"):
            return replace(a, data=np.abs(a.data))
        return a
    return _extreme(args, name == "max", n)


def _stringify(col: Col) -> Col:
    """dfunctions.c ``df_func_string``: the filter text of each value."""
    if col.kind == "num":
        return Col("str", col.pkt, col.data.astype(np.str_), col.defined)
    if col.kind == "flt":
        return Col("str", col.pkt, np.array([repr(float(x)) for x in col.data.tolist()]), col.defined)
    if col.kind == "ip4":
        return Col("str", col.pkt, np.array([format_ipv4(int(x)) for x in col.data.tolist()], dtype=np.str_),
                   col.defined)
    if col.kind == "ip6":
        return Col("str", col.pkt, np.array([format_ipv6(bytes(r)) for r in col.data], dtype=np.str_),
                   col.defined)
    return Col("str", col.pkt, np.array([format_ether(v) for v in materialize(col)], dtype=np.str_), col.defined)


def _extreme(args: list[Col], biggest: bool, n: int) -> Col:
    """max()/min(): one value per frame over every value of every argument (dfunctions.c)."""
    parts = [c for c in args if len(c)]
    if not parts:
        return Col("num", np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(n, dtype=np.bool_))
    kind = parts[0].kind
    if kind == "raw":
        parts = [replace(c, data=np.stack([c.data[:, 0], c.data[:, 1]], axis=1)) for c in parts]
        values = [v for c in parts for v in materialize(c)]
        pkt = np.concatenate([c.pkt for c in parts])
        # bytes order: shorter first, then memcmp (ftype-bytes.c cmp_order)
        order_key = np.array(sorted(range(len(values)), key=lambda i: (len(values[i]), values[i])), dtype=np.int64)
        rank = np.empty(len(values), dtype=np.int64)
        rank[order_key] = np.arange(len(values))
        best = _pick(pkt, rank, biggest)
        defined = np.zeros(n, dtype=np.bool_)
        defined[pkt] = True
        return raw_from_bytes(pkt[best], [values[i] for i in best.tolist()], defined)
    pkt = np.concatenate([c.pkt for c in parts])
    data = np.concatenate([c.data for c in parts])
    aux = None if parts[0].aux is None else np.concatenate([c.aux for c in parts if c.aux is not None])
    if kind == "ip6":
        keys = np.lexsort(tuple(data[:, j] for j in range(15, -1, -1)))
        rank = np.empty(data.shape[0], dtype=np.int64)
        rank[keys] = np.arange(data.shape[0])
    elif kind == "str":
        rank = np.unique(data, return_inverse=True)[1].reshape(-1).astype(np.int64)
    else:
        rank = np.unique(data, return_inverse=True)[1].reshape(-1).astype(np.int64)
    best = _pick(pkt, rank, biggest)
    defined = np.zeros(n, dtype=np.bool_)
    defined[pkt] = True
    return Col(kind, pkt[best], data[best], defined, aux=None if aux is None else aux[best])


def _pick(pkt: Index, rank: Index, biggest: bool) -> Index:
    """For each frame, the position of its largest (or smallest) ranked value."""
    order = np.lexsort((-rank if biggest else rank, pkt))
    first = np.ones(order.shape[0], dtype=np.bool_)
    first[1:] = pkt[order][1:] != pkt[order][:-1]
    out: Index = order[first]
    return out


_INT_LIMITS = (-(2**31), 2**32 - 1)


def _bytes_and(node: PArith, left: Col, table: PacketTable) -> Col:
    """ftype-bytes.c ``bytes_bitwise_and``: byte by byte, as long as the shorter operand."""
    right = to_col(node.right, table)
    if right.kind != "raw":
        right = to_raw(right)
    pkt, ai, bi = pairs(left, right, table.n)
    la, lb = left.data[ai, 1], right.data[bi, 1]
    k = np.minimum(la, lb)
    width = int(k.max()) if k.shape[0] else 0
    rows = raw_prefix(left, ai, width) & raw_prefix(right, bi, width)
    return raw_from_rows(pkt, rows, k, left.defined & right.defined)


@to_col.register
def _(node: PArith, table: PacketTable) -> Col:
    left = to_col(node.left, table)
    if left.kind == "raw":
        if node.op is not ArithOp.AND:
            raise TypeError(f"byte strings cannot {node.op.value}")
        return _bytes_and(node, left, table)
    pkt, a, b, defined, aux = _arith_operands(node, left, table)
    kind = left.kind
    res, ok = _arith_values(node.op, kind == "flt", a, b)
    if kind == "num" and node.ftype.is_integer and node.ftype.bits <= 32:
        ok &= (res >= _INT_LIMITS[0]) & (res <= _INT_LIMITS[1])
    keep = np.flatnonzero(ok)
    out_aux = None if aux is None else aux[keep]
    return Col(kind, pkt[keep], np.asarray(res)[keep], defined, aux=out_aux)


def _arith_operands(node: PArith, left: Col, table: PacketTable
                    ) -> tuple[Index, Array, Array, Mask, Array | None]:
    """The pairs of operands of ``node`` (a constant repeated, or each pair of values in a
    frame): their frames, the left and right values, the frames where both sides are
    defined, and the left side's netmasks."""
    if isinstance(node.right, PConst) and left.kind in ("num", "flt", "ip4"):
        rv = node.right.value
        a = left.data
        if left.kind == "ip4" and isinstance(rv, tuple):
            b: Array = np.full(a.shape[0], int(rv[0]) & int(rv[1]), dtype=np.int64)
        else:
            assert isinstance(rv, int | float)
            b = np.full(a.shape[0], rv)
        return left.pkt, a, b, left.defined, left.aux
    right = to_col(node.right, table)
    pkt, ai, bi = pairs(left, right, table.n)
    if right.kind == "ip4":
        assert right.aux is not None
        b = right.data[bi] & right.aux[bi]
    else:
        b = right.data[bi]
    aux = None if left.aux is None else left.aux[ai]
    return pkt, left.data[ai], b, left.defined & right.defined, aux


def _arith_values(op: ArithOp, floats: bool, a: Array, b: Array) -> tuple[Array, Mask]:
    """``a op b`` for each pair, and which pairs have a value: a division or remainder by
    zero has none; integers divide truncating toward zero, as C does."""
    ok = np.ones(a.shape[0], dtype=np.bool_)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if op is ArithOp.ADD:
            res = a + b
        elif op is ArithOp.SUB:
            res = a - b
        elif op is ArithOp.MUL:
            res = a * b
        elif op is ArithOp.AND:
            res = a & b
        elif floats:
            res = a / b if op is ArithOp.DIV else np.fmod(a, b)
            ok = b != 0
        else:
            ok = b != 0
            safe_b = np.where(ok, b, 1)
            q = np.trunc(a / safe_b).astype(np.int64) if a.shape[0] else a
            res = q if op is ArithOp.DIV else a - q * safe_b
    return res, ok


@to_col.register
def _(node: PNeg, table: PacketTable) -> Col:
    col = to_col(node.inner, table)
    if col.kind in ("num", "flt"):
        return replace(col, data=-col.data)
    raise TypeError(f"unary minus of {col.kind} values is not supported")
