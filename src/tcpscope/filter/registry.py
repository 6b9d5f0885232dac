"""The field registry: every Wireshark field tcpscope knows, by name.

It gathers the field declarations of the stages before it (dissectors, TCP analysis)
into one mapping that the filter checker, ``tcpscope fields``, the details view and
the exports all read, so every stage names a field the same way.

The HTTP, TLS and DNS blocks are declared in modules that bring those protocols'
framing with them, which a capture read for its TCP/IP fields never needs: the registry
names each such block by its module and the protocols its fields belong to
(:class:`LazyFields`), and imports it only when a field of those protocols is looked up,
or every field is listed. A block's fields stay declared in their own module alone.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from tcpscope.analysis.fields import ACE_FIELDS, ANALYSIS_FIELDS, may_use_accecn
from tcpscope.analysis.lifecycle_fields import LIFECYCLE_FIELDS
from tcpscope.dissect.fields import DISSECT_FIELDS
from tcpscope.errors import FieldError
from tcpscope.filter.extra_fields import FILTER_FIELDS
from tcpscope.filter.option_fields import OPTION_FIELDS
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef

__all__ = ["APP_BLOCK", "HTTP_BLOCK", "FieldRegistry", "LazyFields", "analysis_need", "names_framed", "needs_analysis",
           "registry"]


@dataclass(frozen=True)
class LazyFields:
    """A block of fields declared as ``attribute`` of ``module``, every one of a protocol
    in ``protocols`` (the first part of its name), imported when first needed."""

    module: str
    attribute: str
    protocols: frozenset[str]

    def load(self) -> tuple[FieldDef, ...]:
        fields = tuple(getattr(importlib.import_module(self.module), self.attribute))
        # a field outside the block's protocols could not be found before its block loads
        stray = [f.name for f in fields if f.name.split(".", 1)[0] not in self.protocols]
        if stray:
            raise ValueError(f"{self.module}.{self.attribute} declares {stray}, outside {sorted(self.protocols)}")
        return fields


#: The HTTP fields (http.*), framed above TCP by the analysis.
HTTP_BLOCK = LazyFields("tcpscope.analysis.http_fields", "HTTP_FIELDS", frozenset({"http"}))
#: The TLS records' and DNS messages' fields (tls.*, dns.*), framed above TCP by the analysis.
APP_BLOCK = LazyFields("tcpscope.analysis.tls_fields", "APP_FIELDS", frozenset({"tls", "dns"}))


class FieldRegistry(Mapping[str, FieldDef]):
    """Fields by Wireshark name; later stages extend it with :meth:`extended`.

    Its fields are listed in the order given, a :class:`LazyFields` block's where the
    block stands; a block is loaded when a name of its protocols is looked up and not
    found among the fields loaded so far, or when the fields are listed or counted.
    """

    def __init__(self, fields: Iterable[FieldDef | LazyFields]) -> None:
        self._parts = tuple(fields)
        self._by_name: dict[str, FieldDef] = {}
        self._pending: dict[str, LazyFields] = {}  # a protocol's block, not loaded yet
        self._loaded: dict[LazyFields, tuple[FieldDef, ...]] = {}
        for part in self._parts:
            if isinstance(part, LazyFields):
                self._pending.update(dict.fromkeys(part.protocols, part))
            else:
                self._add(part)

    def _add(self, f: FieldDef) -> None:
        if f.name in self._by_name:
            raise ValueError(f"field {f.name} declared twice")
        self._by_name[f.name] = f

    def _load(self, block: LazyFields) -> None:
        fields = block.load()
        for f in fields:
            self._add(f)
        self._loaded[block] = fields
        for protocol in block.protocols:
            del self._pending[protocol]

    def _load_all(self) -> None:
        for block in dict.fromkeys(self._pending.values()):
            self._load(block)

    def __getitem__(self, name: str) -> FieldDef:
        found = self._by_name.get(name)
        if found is None:
            block = self._pending.get(name.split(".", 1)[0])
            if block is None:
                raise KeyError(name)
            self._load(block)
            return self._by_name[name]
        return found

    def __iter__(self) -> Iterator[str]:
        self._load_all()
        for part in self._parts:
            if isinstance(part, LazyFields):
                yield from (f.name for f in self._loaded[part])
            else:
                yield part.name

    def __len__(self) -> int:
        self._load_all()
        return len(self._by_name)

    def extended(self, fields: Iterable[FieldDef]) -> FieldRegistry:
        return FieldRegistry([*self._parts, *fields])

    def require(self, names: Iterable[str]) -> list[FieldDef]:
        """The definitions of ``names``; unknown names raise one :class:`FieldError` listing them all."""
        names = list(names)
        bad = [n for n in names if n not in self]
        if bad:
            raise FieldError(bad)
        return [self[n] for n in names]

    def protocols(self) -> set[str]:
        return {n.split(".", 1)[0] for n in self}


@lru_cache(maxsize=1)
def registry() -> FieldRegistry:
    """The registry of every field of every stage."""
    return FieldRegistry([*DISSECT_FIELDS, *ANALYSIS_FIELDS, *LIFECYCLE_FIELDS, *FILTER_FIELDS, *OPTION_FIELDS,
                          APP_BLOCK, HTTP_BLOCK])


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
        if names_framed([name]) and _needs_framing(name):
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


#: The protocols of the blocks the registry loads lazily.
_FRAMED_PROTOCOLS = HTTP_BLOCK.protocols | APP_BLOCK.protocols


def names_framed(names: Iterable[str]) -> bool:
    """Whether any of ``names`` is a field of a protocol framed above TCP (HTTP, TLS, DNS:
    the lazily loaded blocks), ``frame.protocols``, which names them, or an expert text
    (HTTP's chats are among them). Only then need
    the framing modules be asked what ``names`` need of them (they are slow to import)."""
    return any(n == "frame.protocols" or n.split(".", 1)[0] in _FRAMED_PROTOCOLS or n.startswith("_ws.expert")
               for n in names)


def _needs_framing(name: str) -> bool:
    from tcpscope.analysis.tls_frames import needs_framing

    return needs_framing([name])
