"""The display filter front end: compile a filter's text to a :class:`Filter` (see :mod:`tcpscope.filter`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from tcpscope._types import Index, Mask
from tcpscope.errors import FilterError
from tcpscope.filter.ast import Test
from tcpscope.filter.checker import check
from tcpscope.filter.compiler import to_mask
from tcpscope.filter.errors import FilterSemanticError, FilterSyntaxError
from tcpscope.filter.macros import expand
from tcpscope.filter.parser import parse
from tcpscope.filter.plan import PTest, plan_fields
from tcpscope.filter.printer import to_text
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef, FieldType

__all__ = [
    "Filter",
    "FilterError",
    "FilterSemanticError",
    "FilterSyntaxError",
    "compile_filter",
    "parse_filter",
    "select",
    "to_text",
]


@dataclass(frozen=True, slots=True)
class Filter:
    """A compiled display filter: its text, syntax tree and checked plan."""

    text: str
    tree: Test | None
    plan: PTest | None

    def mask(self, table: PacketTable) -> Mask:
        """One boolean per frame of ``table``: does the frame pass the filter?"""
        if self.plan is None:
            return np.ones(table.n, dtype=np.bool_)
        return np.asarray(to_mask(self.plan, table), dtype=np.bool_)

    def select(self, table: PacketTable) -> Index:
        """The indexes (0-based) of the frames that pass."""
        return np.flatnonzero(self.mask(table)).astype(np.int64)

    def field_names(self) -> frozenset[str]:
        """The fields and protocols the filter reads."""
        return frozenset() if self.plan is None else plan_fields(self.plan)

    def __bool__(self) -> bool:
        raise TypeError("a Filter has no truth value; use .mask(table)")


def _registry(reg: Mapping[str, FieldDef] | None) -> Mapping[str, FieldDef]:
    if reg is not None:
        return reg
    from tcpscope.filter.registry import registry

    return registry()


def parse_filter(text: str, reg: Mapping[str, FieldDef] | None = None) -> Test | None:
    """The syntax tree of a filter (macros expanded), or FilterSyntaxError."""
    fields = _registry(reg)
    expanded = expand(text, lambda name: name in fields
                      and fields[name].ftype not in (FieldType.PROTOCOL, FieldType.NONE))
    return parse(expanded, fields.__contains__)


def compile_filter(text: str, reg: Mapping[str, FieldDef] | None = None) -> Filter:
    """Compile ``text`` as tshark -Y does; FilterError (with tshark's wording) if it does not."""
    fields = _registry(reg)
    try:
        expanded = expand(text, lambda name: name in fields
                          and fields[name].ftype not in (FieldType.PROTOCOL, FieldType.NONE))
        tree = parse(expanded, fields.__contains__)
        plan = None if tree is None else check(tree, fields, expanded)
    except (FilterSyntaxError, FilterSemanticError) as exc:
        from tcpscope.filter.capfilter import capture_filter_note

        note = capture_filter_note(text)
        raise (exc.with_note(note) if note else exc) from None
    return Filter(expanded, tree, plan)


def select(table: PacketTable, text: str, reg: Mapping[str, FieldDef] | None = None) -> Index:
    """Indexes (0-based) of the frames of ``table`` that ``text`` selects."""
    return compile_filter(text, reg).select(table)
