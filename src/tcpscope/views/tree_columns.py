"""The trees of many headers at once: each node's line for every header of a protocol,
a column at a time.

The same tree descriptions and the same line rule as :func:`tcpscope.views.tree.render_node`
(which shows one header), walked in the other direction: for each node, where its value
is found in every header (numpy lookups), which headers show it (its parent's do and it
has a value there), and its line in each, written once per distinct value when the line
depends on the value alone (``Node.of_value``, the default lines of narrow fields). The
headers' texts are the columns joined row by row. Nodes that repeat or depend on other
items per header (TCP options, SACK blocks, expert items) are rendered header by header
through :func:`~tcpscope.views.tree.render_node`, only in the headers that have them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import Base, FieldDef, FieldType
from tcpscope.views.tree import (
    NARROW_TYPES,
    ExpertLines,
    FieldStore,
    Item,
    Node,
    Protocol,
    Where,
    indent,
    line_text,
    render_node,
)

__all__ = ["Headers", "header_texts"]


@dataclass(frozen=True)
class Headers:
    """Headers of one protocol: each one's frame, layer number, and row of each layer table
    on the way (its protocol's table; an option's table too)."""

    frames: NDArray[np.int64]
    layers: NDArray[np.int64]
    rows: Mapping[str, NDArray[np.int64]]
    #: each header's :class:`Where`, made on first use (one Python object a header: the
    #: labels of many nodes read it)
    _wheres: list[list[Where]] = field(default_factory=list)

    def where(self, r: int) -> Where:
        return self.wheres()[r]

    def wheres(self) -> list[Where]:
        """Every header's :class:`Where`, in order."""
        if not self._wheres:
            rows = [(t, a.tolist()) for t, a in self.rows.items()]
            self._wheres.append([Where(f, la, {t: a[r] for t, a in rows})
                                 for r, (f, la) in enumerate(zip(self.frames.tolist(), self.layers.tolist(),
                                                                 strict=True))])
        return self._wheres[0]

    def inside(self, table: PacketTable, name: str, alive: NDArray[np.bool_]) -> tuple[Headers, NDArray[np.int64]]:
        """The rows of layer table ``name`` (TCP options) inside the headers ``alive``, as
        headers of their own, and the header each one is inside."""
        lt = table.layer(name)
        parent = name.rsplit(".", 1)[0]
        mine = self.rows[parent]
        at = np.full(len(table.layer(parent)), -1, dtype=np.int64)
        at[mine[alive]] = np.flatnonzero(alive)
        # a row's parent header: the parent table's row of the same frame and layer number
        ptable = table.layer(parent)
        prow = np.searchsorted(ptable.pkt, lt.pkt) + lt.layer.astype(np.int64) - 1
        prow = np.clip(prow, 0, max(len(ptable) - 1, 0))
        ok = (ptable.pkt[prow] == lt.pkt) & (ptable.layer[prow] == lt.layer) if len(ptable) else prow < 0
        owner = np.where(ok, at[prow], -1)
        keep = np.flatnonzero(owner >= 0)
        host = owner[keep]
        rows = {t: a[host] for t, a in self.rows.items()}
        rows[name] = keep.astype(np.int64)
        return Headers(self.frames[host], self.layers[host], rows), host


_Column = list[str]


@dataclass(frozen=True)
class _Walk:
    """One protocol's headers being rendered: the values, the headers, where expert items
    are found, and the columns written so far (each a text per header)."""

    store: FieldStore
    heads: Headers
    experts: ExpertLines
    columns: list[_Column]
    whens: dict[int, NDArray[np.bool_]] = field(default_factory=dict)

    def holds(self, when: Callable[[Item], bool]) -> NDArray[np.bool_]:
        """Where a node's condition holds, in every header (asked once per condition)."""
        got = self.whens.get(id(when))
        if got is None:
            store = self.store
            got = self.whens[id(when)] = np.array(
                [when(Item(store, where, None, -1)) for where in self.heads.wheres()], dtype=np.bool_)
        return got


def _per_header(node: Node) -> bool:
    """Whether a node is rendered header by header: it repeats, places lines among its
    expert items, or is a text-only group whose children do."""
    return bool(node.rows or node.each or node.follow or (not node.field and node.label is None))


def _lines(store: FieldStore, node: Node, heads: Headers, live: NDArray[np.bool_],  # noqa: PLR0913, PLR0917 -- the walk's state, then the indentation
            idx: NDArray[np.int64], pad: str) -> list[str | None]:
    """The node's own line in each live header, indented by ``pad`` and ended by a newline
    (None elsewhere, or where its label gives none)."""
    n = heads.frames.shape[0]
    out: list[str | None] = [None] * n
    live_rows = np.flatnonzero(live)
    if not live_rows.shape[0]:
        return out
    rows = live_rows.tolist()
    f = store.field(node.field) if node.field else None
    if node.constant or (f is not None and f.fd.ftype is FieldType.NONE and node.label is None):
        text = line_text(node, Item(store, heads.where(rows[0]), f, int(idx[rows[0]])))
        line = None if text is None else f"{pad}{text}\n"
        for r in rows:
            out[r] = line
        return out
    if f is not None and _plain(node, f.fd):  # the registry's text as it is: no call per header
        texts, at = f.texts(), idx[live_rows].tolist()
        head = f"{pad}[{f.fd.title}: " if node.generated else f"{pad}{f.fd.title}: "
        seconds = f.fd.ftype is FieldType.RELATIVE_TIME or (f.fd.ftype is FieldType.ABSOLUTE_TIME
                                                            and f.fd.base not in (Base.LOCAL, Base.UTC))
        tail = (" seconds" if seconds else "") + node.unit + ("]" if node.generated else "") + "\n"
        if f.fd.base is Base.HEX_DEC:  # the hex, then the number in decimal
            for r, i in zip(rows, at, strict=True):
                out[r] = f"{head}{texts[i]} ({f.raw(i)}){tail}"
            return out
        if len(rows) == n:
            return [f"{head}{texts[i]}{tail}" for i in at]
        for r, i in zip(rows, at, strict=True):
            out[r] = f"{head}{texts[i]}{tail}"
        return out
    narrow = f is not None and (node.of_value or (node.label is None and f.fd.ftype in NARROW_TYPES))
    if narrow and f is not None and f.values.data.ndim <= 2:
        column = _value_lines(store, node, heads, live_rows, idx, pad)
        if len(rows) == n:
            return column
        for r, t in zip(rows, column, strict=True):
            out[r] = t
        return out
    wheres = heads.wheres()
    for r, i in zip(rows, idx[live_rows].tolist() if f is not None else [-1] * len(rows), strict=True):
        text = line_text(node, Item(store, wheres[r], f, i))
        out[r] = None if text is None else f"{pad}{text}\n"
    return out


def _value_lines(store: FieldStore, node: Node, heads: Headers, live_rows: NDArray[np.int64],  # noqa: PLR0913, PLR0917 -- as _lines
                 idx: NDArray[np.int64], pad: str) -> list[str | None]:
    """:func:`_lines` of a node whose line depends on its value alone (and, for a flag, the
    flags field's bits): written once per distinct value, in the headers ``live_rows``."""
    f = store.field(node.field)
    data = f.values.data
    at = idx[live_rows]
    keys = data[at] if data.ndim == 1 else np.ascontiguousarray(data[at]).view(f"V{data.shape[1] * data.itemsize}")
    if node.bits_from:  # a flag's line: its bit and the flags field's bits under its mask
        bits = store.field(node.bits_from)
        where = bits.find_many(heads.frames[live_rows], heads.layers[live_rows],
                               {t: a[live_rows] for t, a in heads.rows.items()})
        keys = keys.astype(np.int64) * (1 << 32) + np.asarray(bits.values.data, dtype=np.int64)[where]
    _, first, inv = np.unique(keys.reshape(-1), return_index=True, return_inverse=True)
    rows, ats, wheres = live_rows.tolist(), at.tolist(), heads.wheres()
    lines = [line_text(node, Item(store, wheres[rows[j]], f, ats[j])) for j in first.tolist()]
    padded = [None if t is None else f"{pad}{t}\n" for t in lines]
    return [padded[k] for k in inv.reshape(-1).tolist()]


#: Integer bases whose label shows the number as ``tcpscope fields`` prints it.
_AS_PRINTED = frozenset({Base.DEC, Base.PT, Base.NONE, Base.HEX, Base.HEX_DEC})


def _plain(node: Node, fd: FieldDef) -> bool:
    """Whether the node's line is the field's title and its ``fields`` text (with `` seconds``
    for a time difference), as :func:`tcpscope.views.tree.display` would write it."""
    if node.label is not None or node.mask or fd.strings is not None:
        return False
    ft = fd.ftype
    if ft.is_integer:
        return fd.base in _AS_PRINTED and ft is not FieldType.BOOLEAN
    return ft in (FieldType.RELATIVE_TIME, FieldType.ABSOLUTE_TIME, FieldType.IPv4, FieldType.IPv6, FieldType.ETHER,
                  FieldType.STRING)


def _emit(walk: _Walk, node: Node, alive: NDArray[np.bool_], depth: int) -> NDArray[np.bool_]:
    """Append the columns of ``node``'s subtree for the headers ``alive``; returns where it
    shows a line."""
    store, heads, columns = walk.store, walk.heads, walk.columns
    n = heads.frames.shape[0]
    if node.hidden:  # (an item of the JSON only)
        return np.zeros(n, dtype=np.bool_)
    if node.when is not None:  # the headers where the node applies (an option kind's items)
        alive = alive & walk.holds(node.when)
        node = replace(node, when=None)
    if node.rows:  # each row of the table inside the header (TCP options), a column at a time too
        return _rows(walk, node, alive, depth)
    if _per_header(node):
        if _experts_only(node):  # (its lines show only in the frames with one of its expert items)
            alive = _with_experts(store, node, heads, alive)
        column = _one_by_one(walk, node, alive, depth)
        columns.append(column)
        return np.array([bool(t) for t in column], dtype=np.bool_)
    special = np.zeros(n, dtype=np.bool_)
    if node.experts:  # the headers whose frame has an item this node shows: one by one
        special = _with_experts(store, node, heads, alive)
        if special.any():
            columns.append(_one_by_one(walk, node, special, depth))
            alive = alive & ~special
    if node.field:
        idx = store.field(node.field).find_many(heads.frames, heads.layers, heads.rows)
        live = alive & (idx >= 0)
    else:
        idx = np.full(n, -1, dtype=np.int64)
        live = alive.copy()
    own = _lines(store, node, heads, live, idx, "    " * depth)
    shown = np.array([t is not None for t in own], dtype=np.bool_)
    at = len(columns)
    columns.append([])
    below = np.zeros(n, dtype=np.bool_)
    for child in node.children:
        below |= _emit(walk, child, shown, depth + 1)
    if not node.field and not node.key:  # a text-only subtree with nothing in it is not added
        shown &= below
    columns[at] = [t if s and t is not None else "" for t, s in zip(own, shown.tolist(), strict=True)]
    return shown | special


def _rows(walk: _Walk, node: Node, alive: NDArray[np.bool_], depth: int) -> NDArray[np.bool_]:
    """A node repeated for each row of ``node.rows`` inside each header, in row order."""
    n = walk.heads.frames.shape[0]
    sub, host = walk.heads.inside(walk.store.table, node.rows, alive)
    inner = _Walk(walk.store, sub, walk.experts, [])
    _emit(inner, replace(node, rows=""), np.ones(host.shape[0], dtype=np.bool_), depth)
    column = [""] * n
    for r, text in zip(host.tolist(), ("".join(parts) for parts in zip(*inner.columns, strict=True)), strict=True):
        column[r] += text
    walk.columns.append(column)
    return np.array([bool(t) for t in column], dtype=np.bool_)


def _one_by_one(walk: _Walk, node: Node, which: NDArray[np.bool_], depth: int) -> _Column:
    """The node's subtree in the headers ``which``, each rendered on its own."""
    column = [""] * walk.heads.frames.shape[0]
    wheres = walk.heads.wheres()
    for r in np.flatnonzero(which).tolist():
        column[r] = indent(list(render_node(walk.store, node, wheres[r], depth, walk.experts)))
    return column


def _experts_only(node: Node) -> bool:
    """Whether a node shows lines only where its frame has one of its expert items: a
    text-only subtree (no field, no JSON key) whose children and followers all have no
    line (:func:`tcpscope.views.tree.render_node` adds it only with something under it)."""
    if node.field or node.key or not node.experts or node.rows or node.each:
        return False
    below = [*node.children, *(n for _, nodes in node.follow for n in nodes)]
    return all(n.hidden for n in below)


def _with_experts(store: FieldStore, node: Node, heads: Headers, alive: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The live headers whose frame has an expert item this node shows."""
    return alive & store.expert_frames(node.experts)[heads.frames]


def header_texts(store: FieldStore, proto: Protocol, heads: Headers, experts: ExpertLines) -> list[str | None]:
    """Each header's tree text (its top line and items, lines ending in newlines), or None
    where the protocol adds no item."""
    tops = [proto.label(Item(store, where, None, -1)) for where in heads.wheres()]
    alive = np.array([t is not None for t in tops], dtype=np.bool_)
    columns: list[_Column] = [[f"{t}\n" if t is not None else "" for t in tops]]
    walk = _Walk(store, heads, experts, columns)
    for node in proto.children:
        _emit(walk, node, alive, 1)
    texts = ["".join(parts) for parts in zip(*columns, strict=True)]
    return [t if a else None for t, a in zip(texts, alive.tolist(), strict=True)]
