"""``tshark -V``: each frame's details tree, every protocol of the frame in turn.

A frame's protocols are those of ``frame.protocols``, outermost first; each one with a
tree here (:data:`PROTOCOLS`) prints it, the ``n``-th header of a protocol in the frame
reading the ``n``-th row of its layer table. ``ethertype`` adds no tree (packet-ethertype.c
adds its items to the Ethernet tree). A protocol without a tree here yet is reported by
:func:`frame_tree` as missing, so the caller (and the differential tests) know the frame's
text is incomplete.

The expert items of a frame sit where their protocol's tree places them (a node's
``experts``), each as tshark prints one (``proto_tree_add_expert``'s subtree): the item's
``_ws.expert`` text, then its message, severity and group.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from tcpscope.dissect.experts import EXPERTS, SHORT_NAMES, field_name
from tcpscope.table.layers import Layer
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef, FieldType
from tcpscope.table.values import Values
from tcpscope.views.hexdump import hex_dump
from tcpscope.views.tree import FieldStore, Item, Protocol, Where, indent
from tcpscope.views.tree_columns import Headers, header_texts
from tcpscope.views.tree_http import HTTP, http_text
from tcpscope.views.tree_ip import IPV4, IPV6
from tcpscope.views.tree_link import ETH, FRAME, NULL, RAW, VLAN
from tcpscope.views.tree_tcp import DATA, TCP

__all__ = ["PROTOCOLS", "FrameTree", "label_fields", "show_text"]

#: The protocols with a tree, by their name in ``frame.protocols``.
PROTOCOLS: dict[str, Protocol] = {p.name: p for p in (FRAME, ETH, RAW, NULL, VLAN, IPV4, IPV6, TCP, DATA, HTTP)}
#: Protocols that add no tree of their own.
SILENT = frozenset({"ethertype"})

_EXPERT_HEAD = re.compile(r"Expert Info \(([^/]*)/(.*?)\): ")


@dataclass(frozen=True, slots=True)
class FrameTree:
    """One frame's text as ``tshark -V`` prints it, and the protocols it lacks a tree for."""

    text: str
    missing: tuple[str, ...]


class _Experts:
    """The expert items of the frames shown: their field names and texts, per frame."""

    def __init__(self, store: FieldStore) -> None:
        ex = store.table.layer("_expert")
        self._first = np.searchsorted(ex.pkt, np.arange(store.table.n + 1)) if len(ex) else None
        self._names = [field_name(int(c)) for c in np.asarray(ex.cols["code"]).tolist()] if len(ex) else []
        self._store = store
        self._codes = np.asarray(ex.cols["code"]).tolist() if len(ex) else []

    def malformed_protocol(self, frame: int) -> str:
        """The protocol named by the frame's "Malformed Packet" item (its short name)."""
        if self._first is None:
            return ""
        for i in range(int(self._first[frame]), int(self._first[frame + 1])):
            if self._names[i] == "_ws.malformed.expert":
                return EXPERTS[int(self._codes[i])].protocol
        return ""

    def lines(self, names: tuple[str, ...], where: Where, depth: int) -> Iterator[tuple[str, list[tuple[int, str]]]]:
        if self._first is None:
            return
        f = where.frame
        a, b = int(self._first[f]), int(self._first[f + 1])
        label = self._store.field("_ws.expert")
        message = self._store.field("_ws.expert.message")
        for k, i in enumerate(range(a, b)):
            if self._names[i] not in names:
                continue
            head = label.texts()[label.find(where, k)]
            text = message.texts()[message.find(where, k)]
            m = _EXPERT_HEAD.match(head)
            severity, group = (m.group(1), m.group(2)) if m else ("", "")
            yield self._names[i], [(depth, f"[{head}]"), (depth + 1, f"[{text}]"),
                                   (depth + 1, f"[Severity level: {severity}]"), (depth + 1, f"[Group: {group}]")]


def _data_text(store: FieldStore, where: Where) -> str | None:
    """The Data protocol (packet-data.c) after TCP: its line, the hex of its bytes (print.c
    dumps the data protocol's bytes under its line), the bytes and their length. Nothing
    when no byte of the payload was captured; None after another protocol (not written yet)."""
    item = Item(store, where, None, -1)
    hexed = item.text_of("tcp.payload")
    if hexed is None:
        return None
    data = bytes.fromhex(hexed)
    if not data:
        return ""
    shown = hexed if len(data) <= 36 else hexed[:72] + "\u2026"
    return (f"Data ({len(data)} bytes)\n\n{hex_dump(data)}"
            f"    Data: {shown}\n    [Length: {len(data)}]\n")


def _stacks(store: FieldStore, frames: Sequence[int]) -> tuple[dict[int, list[tuple[str, int]]], dict[int, list[str]]]:
    """Each frame's protocols with a tree, in order, with their layer numbers; and the
    protocols it has no tree for (or whose header was not read)."""
    protos = store.field("frame.protocols")
    table = store.table
    stacks: dict[int, list[tuple[str, int]]] = {}
    missing: dict[int, list[str]] = {}
    for frame in frames:
        i = protos.find(Where(frame, 0, {}))
        names = protos.raw(i).split(":") if i >= 0 and protos.raw(i) else []
        seen: dict[str, int] = {}
        stack = stacks[frame] = [("frame", 0)]
        lacks = missing[frame] = []
        for name in names:
            seen[name] = seen.get(name, 0) + 1
            if name in SILENT:
                continue
            proto = PROTOCOLS.get(name)
            if proto is None:
                lacks.append(name)
            elif proto.table and not _has_row(table.layer(proto.table), frame, seen[name]):
                lacks.append(name)  # in the frame's protocols, with no header read
            else:
                stack.append((name, seen[name]))
    return stacks, missing


def _has_row(lt: Layer, frame: int, layer: int) -> bool:
    row = int(np.searchsorted(lt.pkt, frame)) + layer - 1
    return row < len(lt) and int(lt.pkt[row]) == frame and int(lt.layer[row]) == layer


def _headers(table: PacketTable, proto: Protocol, where: list[tuple[int, int]]) -> Headers:
    frames = np.array([f for f, _ in where], dtype=np.int64)
    layers = np.array([la for _, la in where], dtype=np.int64)
    if not proto.table:
        return Headers(frames, layers, {})
    lt = table.layer(proto.table)
    return Headers(frames, layers, {proto.table: np.searchsorted(lt.pkt, frames) + layers - 1})


def show_text(table: PacketTable, frames: NDArray[np.int64], registry: Mapping[str, FieldDef],
              before: int | None = None) -> Iterator[FrameTree]:
    """The trees of ``frames`` (0-based, increasing) of ``table``; ``before``: the time stamp
    of the frame shown last before them (an earlier piece of the capture).

    Each protocol's headers are rendered together (:func:`tcpscope.views.tree_columns.header_texts`),
    then each frame's text is its protocols' texts in the frame's order."""
    store = FieldStore(table, frames, registry, before)
    experts = _Experts(store)
    order = frames.tolist()
    stacks, missing = _stacks(store, order)
    places: dict[str, list[tuple[int, int]]] = {}
    for frame in order:
        for name, layer in stacks[frame]:
            places.setdefault(name, []).append((frame, layer))
    texts: dict[tuple[str, int, int], str | None] = {}
    for name, where in places.items():
        proto = PROTOCOLS[name]
        if proto is DATA:
            got = [_data_text(store, Where(f, la, _rows_of(table, f))) for f, la in where]
        elif proto is HTTP:
            got = [http_text(table, f, la) for f, la in where]
        else:
            got = header_texts(store, proto, _headers(table, proto, where), experts.lines)
        texts.update(zip(((name, f, la) for f, la in where), got, strict=True))
    for frame in order:
        parts, lacks = [], list(missing[frame])
        for name, layer in stacks[frame]:
            text = texts[name, frame, layer]
            if text is None and PROTOCOLS[name] in (DATA, HTTP):
                lacks.append(name)
            elif text:
                parts.append(text)
        parts.append(_exception(store, experts, frame))
        yield FrameTree("".join(parts), tuple(lacks))


def _exception(store: FieldStore, experts: _Experts, frame: int) -> str:
    """What show_exception (epan/show_exception.c) adds after the trees of a frame whose
    dissection stopped on an exception: for a read past the frame's reported length, a
    ``[Malformed Packet: PROTO]`` item with its expert item (the protocol whose dissector
    was running); for a read past the captured bytes, ``[Packet size limited during
    capture: PROTO truncated]`` (the innermost protocol); else nothing."""
    table = store.table
    if table.malformed[frame]:
        found = list(experts.lines(("_ws.malformed.expert",), Where(frame, 0, {}), 1))
        code = experts.malformed_protocol(frame)
        tail = ": length of contained item exceeds length of containing item" if _flag(table, "contained", frame) else ""
        return f"[Malformed Packet: {code}{tail}]\n" + indent([line for _, lines in found for line in lines])
    if _flag(table, "short", frame):
        protos = store.field("frame.protocols")
        i = protos.find(Where(frame, 0, {}))
        names = protos.raw(i).split(":") if i >= 0 and protos.raw(i) else []
        last = SHORT_NAMES.get(names[-1], names[-1]) if names else ""
        return f"[Packet size limited during capture: {last} truncated]\n"
    return ""


def _flag(table: PacketTable, column: str, frame: int) -> bool:
    got = table.frame_cols.get(column)
    return got is not None and bool(got[frame])


def _rows_of(table: PacketTable, frame: int) -> dict[str, int]:
    """The row of the frame's (last) TCP header: where the Data after it reads the payload."""
    lt = table.layer("tcp")
    row = int(np.searchsorted(lt.pkt, frame, side="right")) - 1
    return {"tcp": row} if row >= 0 and int(lt.pkt[row]) == frame else {}


def frames_text(trees: Sequence[FrameTree]) -> str:
    """Frames' trees as ``tshark -V`` separates them: a blank line after each."""
    return "".join(t.text + "\n" for t in trees)


def _labels(proto: Protocol, registry: Mapping[str, FieldDef]) -> Callable[[PacketTable], Values]:
    """The getter of a protocol's labels: the top line of its tree for each of its headers."""

    def get(table: PacketTable) -> Values:
        store = FieldStore(table, np.arange(table.n, dtype=np.int64), registry)
        head = proto.label
        if not proto.table:  # the frame itself: one label a frame
            pkt = np.arange(table.n, dtype=np.int64)
            texts = [head(Item(store, Where(f, 0, {}), None, -1)) or "" for f in pkt.tolist()]
            return Values(pkt, np.array(texts, dtype=np.str_))
        lt = table.layer(proto.table)
        found = [head(Item(store, Where(f, layer, {proto.table: r}), None, -1))
                 for r, (f, layer) in enumerate(zip(lt.pkt.tolist(), lt.layer.tolist(), strict=True))]
        keep = np.array([t is not None for t in found], dtype=np.bool_)  # a header with no item: no value
        labels = np.array([t for t in found if t is not None], dtype=np.str_).reshape(-1)
        return Values(lt.pkt[keep], labels, lt.layer[keep])

    return get


def label_fields(fields: Sequence[FieldDef], registry: Mapping[str, FieldDef]) -> list[FieldDef]:
    """``fields`` with each protocol that has a tree here (``tcp``, ``ip``, ``eth``, ``frame``
    ...) made the text tshark prints for it with ``-T fields``: the top line of its tree
    (print.c prints an FT_PROTOCOL item's label). Other fields are left as they are."""
    out = []
    for fd in fields:
        proto = PROTOCOLS.get(fd.name)
        if fd.ftype is FieldType.PROTOCOL and proto is not None and proto.in_fields and (proto.table or proto is FRAME):
            fd = replace(fd, ftype=FieldType.STRING, get=_labels(proto, registry))
        out.append(fd)
    return out
