"""Compile a checked filter to one boolean per frame, whole columns at a time.

``to_mask`` and ``to_col`` dispatch (functools.singledispatch) on the plan nodes of
:mod:`tcpscope.filter.plan`; an unknown node reaches the explicit fallback, which
raises :class:`UnsupportedFilter`. The semantics are those of tshark's DFVM
(epan/dfilter/dfvm.c, gencode.c):

* a field's values are all its occurrences in the frame (``read_tree``), restricted
  to the ``#`` layers (``filter_finfo_fvalues``); a relation whose field is absent is
  false (the load jumps past it);
* ``==`` holds when some pair of values satisfies it, ``!=`` (ALL_NE) only when every
  pair does (``cmp_test``); ``any``/``all`` force the quantifier;
* ``in`` tests member after member and stops at the first that holds
  (``gen_relation_in``): with ``all``, one member must hold for every value;
* arithmetic combines every pair of operand values and drops failed results;
  slices never remove a value, they leave it empty when out of range.
"""

from __future__ import annotations

from functools import singledispatch

import numpy as np

from tcpscope._types import Mask
from tcpscope.filter.column import Col, pairs
from tcpscope.filter.fastpath import fast_exists, fast_in, fast_relation, rows_of
from tcpscope.filter.ops import ORDER_OPS, compare_const, contains_const, contains_pairs, matches, pair_signs
from tcpscope.filter.plan import (
    PAnd,
    PConst,
    PExists,
    PField,
    PIn,
    PNot,
    PNotZero,
    POr,
    PRegex,
    PRel,
    PSliceExists,
    PValue,
)
from tcpscope.filter.regex import compile_regex
from tcpscope.filter.values import (
    is_zero,
    reduce_pairs,
    reduce_values,
    to_col,
    value_lengths,
)
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldType

__all__ = ["UnsupportedFilter", "to_mask"]


class UnsupportedFilter(TypeError):
    """A plan node the compiler has no rule for (a bug: the checker should not make it)."""


@singledispatch
def to_mask(node: object, table: PacketTable) -> Mask:
    raise UnsupportedFilter(f"no mask rule for {type(node).__name__}")


@to_mask.register
def _(node: PExists, table: PacketTable) -> Mask:
    if node.layers is None:
        rows = rows_of(node.fd, table)
        if rows is not None:
            return fast_exists(rows, table.n)
    col = to_col(PField(node.fd, node.fd.ftype, node.layers), table)
    return col.defined


@to_mask.register
def _(node: PNot, table: PacketTable) -> Mask:
    return ~to_mask(node.operand, table)


@to_mask.register
def _(node: PAnd, table: PacketTable) -> Mask:
    left = to_mask(node.left, table)
    if not left.any():
        return left
    return left & to_mask(node.right, table)


@to_mask.register
def _(node: POr, table: PacketTable) -> Mask:
    left = to_mask(node.left, table)
    if left.all():
        return left
    return left | to_mask(node.right, table)


@to_mask.register
def _(node: PSliceExists, table: PacketTable) -> Mask:
    col = to_col(node.value, table)
    return reduce_values(col, value_lengths(col) != 0, False, table.n)


@to_mask.register
def _(node: PNotZero, table: PacketTable) -> Mask:
    col = to_col(node.value, table)
    # NOT_ALL_ZERO: true unless every value is zero (an empty list counts as all zero)
    return col.defined & ~reduce_values(col, is_zero(col), True, table.n)


def _compare_const(col: Col, op: str, value: object, ctype: FieldType) -> Mask:
    """compare_const, with tshark's reading of a negative constant against unsigned values.

    An unsigned value is compared by ``uint_cmp_order``, which reads the constant's bits as
    unsigned (``tcp.port == -1`` is ``== 4294967295``); an arithmetic result below zero has
    become FT_INT32 (``uint_subtract``, ``uint_unary_minus``) and compares as signed.
    """
    boolean = ctype is FieldType.BOOLEAN
    if (isinstance(value, int) and value < 0 and col.kind == "num" and ctype.is_integer
            and not ctype.is_signed and not boolean):
        wrapped = value % (2**64 if ctype.bits == 64 else 2**32)
        return np.where(col.data >= 0, compare_const(col, op, wrapped), compare_const(col, op, value))
    return compare_const(col, op, value, boolean)


def _relation(rel: PRel, left: Col, table: PacketTable) -> Mask:
    """The frames where ``rel`` holds, its left side's values being ``left``."""
    op, all_, right, ctype = rel.op, rel.all_, rel.right, rel.ctype
    n = table.n
    boolean = ctype is FieldType.BOOLEAN
    if isinstance(right, PRegex):
        hits = matches(left, compile_regex(right.pattern))
        return reduce_values(left, hits, all_, n)
    if isinstance(right, PConst):
        if op == "contains":
            assert isinstance(right.value, bytes)
            return reduce_values(left, contains_const(left, right.value), all_, n)
        return reduce_values(left, _compare_const(left, op, right.value, ctype), all_, n)
    rcol = to_col(right, table)
    pkt, ai, bi = pairs(left, rcol, n)
    ok = contains_pairs(left, ai, rcol, bi) if op == "contains" else ORDER_OPS[op](pair_signs(left, ai, rcol, bi, boolean))
    return reduce_pairs(pkt, ok, left.defined & rcol.defined, all_, n)


@to_mask.register
def _(node: PRel, table: PacketTable) -> Mask:
    if isinstance(node.left, PField) and node.left.layers is None and isinstance(node.right, PConst):
        rows = rows_of(node.left.fd, table)
        if rows is not None:
            got = fast_relation(rows, node, table.n)
            if got is not None:
                return got
    left = to_col(node.left, table)
    if not left.defined.any():
        return left.defined
    return _relation(node, left, table)


@to_mask.register
def _(node: PIn, table: PacketTable) -> Mask:
    if isinstance(node.left, PField) and node.left.layers is None and all(
            isinstance(lo, PConst) and (hi is None or isinstance(hi, PConst)) for lo, hi in node.members):
        rows = rows_of(node.left.fd, table)
        if rows is not None:
            consts = [(lo.value, None if hi is None else hi.value) for lo, hi in node.members]  # type: ignore[union-attr]
            got = fast_in(rows, node.left.ftype, consts, node.all_, table.n)
            if got is not None:
                return got
    left = to_col(node.left, table)
    out = np.zeros(table.n, dtype=np.bool_)
    if not left.defined.any():
        return out
    for lo, hi in node.members:
        if hi is None:
            out |= _relation(PRel("eq", node.all_, node.left, lo, node.ctype), left, table)
            continue
        ge = _member_test(left, lo, "ge", node, table)
        le = _member_test(left, hi, "le", node, table)
        both_defined = ge[1] & le[1]
        ok = ge[0] & le[0]
        out |= reduce_values(left.with_defined(left.defined & both_defined), ok, node.all_, table.n)
    return out


def _member_test(left: Col, bound: PValue, op: str, node: PIn, table: PacketTable) -> tuple[Mask, Mask]:
    """Per value of ``left``: does it satisfy ``op`` against the bound (one value per frame)?"""
    boolean = node.ctype is FieldType.BOOLEAN
    if isinstance(bound, PConst):
        return _compare_const(left, op, bound.value, node.ctype), np.ones(table.n, dtype=np.bool_)
    bcol = to_col(bound, table)
    # the bound register holds exactly one value in tshark (dfvm.c asserts it): take the first
    first = np.full(table.n, -1, dtype=np.int64)
    first[bcol.pkt[::-1]] = np.arange(len(bcol) - 1, -1, -1)
    rows = first[left.pkt]
    ok = np.zeros(len(left), dtype=np.bool_)
    have = rows >= 0
    if have.any():
        ok[have] = ORDER_OPS[op](pair_signs(left, np.flatnonzero(have), bcol, rows[have], boolean))
    return ok, bcol.defined & (first >= 0)

