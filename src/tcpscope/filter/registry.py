"""The field registry: every Wireshark field tcpscope knows, by name.

It gathers the field declarations of the stages before it (dissectors, TCP analysis)
into one mapping that the filter checker, ``tcpscope fields``, the details view and
the exports all read, so every stage names a field the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Literal

from tcpscope.analysis.fields import ACE_FIELDS, ANALYSIS_FIELDS, may_use_accecn
from tcpscope.analysis.http_fields import HTTP_FIELDS
from tcpscope.analysis.lifecycle_fields import LIFECYCLE_FIELDS
from tcpscope.analysis.tls_fields import APP_FIELDS
from tcpscope.analysis.tls_frames import needs_framing
from tcpscope.dissect.fields import DISSECT_FIELDS
from tcpscope.errors import FieldError
from tcpscope.filter.extra_fields import FILTER_FIELDS
from tcpscope.filter.option_fields import OPTION_FIELDS
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef

__all__ = ["FieldRegistry", "analysis_need", "needs_analysis", "registry"]


class FieldRegistry(Mapping[str, FieldDef]):
    """Fields by Wireshark name; later stages extend it with :meth:`extended`."""

    def __init__(self, fields: Iterable[FieldDef]) -> None:
        self._by_name: dict[str, FieldDef] = {}
        for f in fields:
            if f.name in self._by_name:
                raise ValueError(f"field {f.name} declared twice")
            self._by_name[f.name] = f

    def __getitem__(self, name: str) -> FieldDef:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def extended(self, fields: Iterable[FieldDef]) -> FieldRegistry:
        return FieldRegistry([*self._by_name.values(), *fields])

    def require(self, names: Iterable[str]) -> list[FieldDef]:
        """The definitions of ``names``; unknown names raise one :class:`FieldError` listing them all."""
        names = list(names)
        bad = [n for n in names if n not in self._by_name]
        if bad:
            raise FieldError(bad)
        return [self._by_name[n] for n in names]

    def protocols(self) -> set[str]:
        return {n.split(".", 1)[0] for n in self._by_name}


@lru_cache(maxsize=1)
def registry() -> FieldRegistry:
    """The registry of every field of every stage."""
    return FieldRegistry([*DISSECT_FIELDS, *ANALYSIS_FIELDS, *LIFECYCLE_FIELDS, *FILTER_FIELDS, *OPTION_FIELDS,
                          *APP_FIELDS, *HTTP_FIELDS])


@lru_cache(maxsize=1)
def _dissected_names() -> frozenset[str]:
    """Fields read from the dissectors' tables alone (frame.protocols names HTTP, which
    the analysis frames)."""
    return frozenset(f.name for f in (*DISSECT_FIELDS, *FILTER_FIELDS, *OPTION_FIELDS)) - {"frame.protocols"}


def analysis_need(names: Iterable[str]) -> bool | Literal["accecn"]:
    """Does reading the fields ``names`` need the TCP analysis?

    Fields of the dissectors (protocols, option items and such) do not; the analysis
    fields do, and so does any name outside the registry (the packet list's columns
    show the expert prefixes). ``"accecn"``: only to know whether a conversation uses
    AccECN (the fields in ``ACE_FIELDS``; see :func:`needs_analysis`).
    """
    plain = _dissected_names()
    ace = False
    for name in names:
        if needs_framing([name]):
            return True  # the TLS and DNS framing runs with the analysis
        if name in ACE_FIELDS:
            ace = True
        elif name not in plain:
            return True
    return "accecn" if ace else False


def needs_analysis(names: Iterable[str], table: PacketTable) -> bool:
    """Does reading the fields ``names`` of ``table`` need the TCP analysis (the AccECN
    fields only when some conversation of ``table`` may use AccECN)?"""
    need = analysis_need(names)
    return need is True or (need == "accecn" and may_use_accecn(table))
