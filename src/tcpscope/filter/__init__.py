"""Wireshark 4.0 display filters over whole packet tables.

``compile_filter(text)`` runs tshark's pipeline (epan/dfilter/dfilter.c
``dfilter_compile_real``): macro expansion, scanning, parsing to a syntax tree,
the semantic check against the field registry, then compilation; the result's
:meth:`Filter.mask` gives one boolean per frame, evaluated column by column.
``select(table, text)`` gives the selected frame indexes. A filter tshark rejects
raises :class:`~tcpscope.errors.FilterError` whose text is what tshark prints after
``tshark: `` (message, then the filter and a caret line when tshark shows them, and
tshark's capture-filter hint when the text is a valid capture filter).

The names below live in :mod:`tcpscope.filter.front` and are imported on first use,
so that reading the field registry (:mod:`tcpscope.filter.registry`) does not load
the filter compiler: ``tcpscope fields`` without ``-Y`` starts faster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tcpscope.filter.front import (
        Filter,
        FilterError,
        FilterSemanticError,
        FilterSyntaxError,
        compile_filter,
        parse_filter,
        select,
        to_text,
    )

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


def __getattr__(name: str) -> Any:
    if name in __all__:
        from tcpscope.filter import front

        return getattr(front, name)
    raise AttributeError(f"module 'tcpscope.filter' has no attribute {name!r}")
