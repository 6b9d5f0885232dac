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

A node's column is items in a :class:`~tcpscope.views.tree_kernel.Pool` (see that module):
a line written once per distinct value is one entry named by many headers. Two writers
read the columns: :func:`header_texts`, Python strings joined per header (every line the
registry's text), and :func:`header_bytes`, where a plain integer line is its constant
head, the number, and its tail, and the compiled kernels write each header's bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import Base, FieldDef, FieldType
from tcpscope.views.tree import (
    NARROW_TYPES,
    Columns,
    ExpertLines,
    FieldStore,
    Item,
    Node,
    Part,
    Protocol,
    Where,
    indent,
    line_text,
    render_node,
)
from tcpscope.views.tree_kernel import NO_NUMBER, Pool, join_headers

__all__ = ["Headers", "header_bytes", "header_texts"]


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
        """Header ``r``'s :class:`Where` (made alone, unless they all are)."""
        if self._wheres:
            return self._wheres[0][r]
        return Where(int(self.frames[r]), int(self.layers[r]), {t: int(a[r]) for t, a in self.rows.items()})

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


@dataclass
class _Column:
    """One node's lines in each header: header ``r``'s items are ``at[r]`` up to
    ``at[r + 1]``, each pool entry ``head`` (-1: no line), then ``number`` in decimal
    (:data:`~tcpscope.views.tree_kernel.NO_NUMBER`: none) and pool entry ``tail`` (-1: none)."""

    at: NDArray[np.int64]
    head: NDArray[np.int64]
    number: NDArray[np.int64] | None = None
    tail: NDArray[np.int64] | None = None

    @classmethod
    def one_each(cls, head: NDArray[np.int64], number: NDArray[np.int64] | None = None,
                 tail: NDArray[np.int64] | None = None) -> _Column:
        """A column of one item a header."""
        return cls(np.arange(head.shape[0] + 1, dtype=np.int64), head, number, tail)

    def shown(self) -> NDArray[np.bool_]:
        """The headers where the column has a line."""
        lines = np.zeros(self.head.shape[0] + 1, dtype=np.int64)
        np.cumsum(self.head >= 0, out=lines[1:])
        return np.asarray(lines[self.at[1:]] > lines[self.at[:-1]], dtype=np.bool_)

    def keep(self, where: NDArray[np.bool_]) -> None:
        """No line in the headers outside ``where``."""
        items = np.repeat(where, np.diff(self.at))
        self.head = np.where(items, self.head, -1)


def _texts_column(pool: Pool, texts: list[str | None]) -> _Column:
    """A column of one text (or none) a header."""
    head = np.full(len(texts), -1, dtype=np.int64)
    have = [r for r, t in enumerate(texts) if t]
    head[have] = pool.texts([texts[r] for r in have])  # type: ignore[misc]  # (not None: filtered)
    return _Column.one_each(head)


@dataclass(frozen=True)
class _Walk:
    """One protocol's headers being rendered: the values, the headers, where expert items
    are found, the pool of texts and the columns written so far; ``numbers``: a plain
    integer line as its head, its number and its tail (the compiled writer), else the
    registry's text (the Python writer)."""

    store: FieldStore
    heads: Headers
    experts: ExpertLines
    pool: Pool
    numbers: bool
    columns: list[_Column]
    whens: dict[int, NDArray[np.bool_]] = field(default_factory=dict)

    def holds(self, node: Node) -> NDArray[np.bool_]:
        """Where a node's condition holds, in every header (asked once per condition)."""
        when = node.when
        assert when is not None
        got = self.whens.get(id(when))
        if got is None:
            store, heads = self.store, self.heads
            if self.numbers and node.when_columns is not None:
                got = np.asarray(node.when_columns(Columns(store, heads.frames, heads.layers, heads.rows, node.field)),
                                 dtype=np.bool_)
            else:
                got = np.array([when(Item(store, where, None, -1)) for where in heads.wheres()], dtype=np.bool_)
            self.whens[id(when)] = got
        return got


def _per_header(node: Node) -> bool:
    """Whether a node is rendered header by header: it repeats, places lines among its
    expert items, or is a text-only group whose children do."""
    return bool(node.rows or node.each or node.follow or (not node.field and node.label is None))


def _lines(walk: _Walk, node: Node, live: NDArray[np.bool_], idx: NDArray[np.int64], pad: str) -> _Column:
    """The node's own line in each live header, indented by ``pad`` and ended by a newline
    (none elsewhere, or where its label gives none)."""
    store, heads, pool = walk.store, walk.heads, walk.pool
    n = heads.frames.shape[0]
    live_rows = np.flatnonzero(live)
    if not live_rows.shape[0]:
        return _Column.one_each(np.full(n, -1, dtype=np.int64))
    if walk.numbers and node.columns is not None:
        return _parts_column(walk, node, live_rows, idx, pad)
    if walk.numbers and node.line_key is not None:
        return _keyed_lines(walk, node, live_rows, idx, pad)
    rows = live_rows.tolist()
    f = store.field(node.field) if node.field else None
    if node.constant or (f is not None and f.fd.ftype is FieldType.NONE and node.label is None):
        text = line_text(node, Item(store, heads.where(rows[0]), f, int(idx[rows[0]])))
        return _Column.one_each(np.where(live, -1 if text is None else pool.one(f"{pad}{text}\n"), -1))
    if f is not None and _plain(node, f.fd):  # the registry's text as it is: no call per header
        head = f"{pad}[{f.fd.title}: " if node.generated else f"{pad}{f.fd.title}: "
        seconds = f.fd.ftype is FieldType.RELATIVE_TIME or (f.fd.ftype is FieldType.ABSOLUTE_TIME
                                                            and f.fd.base not in (Base.LOCAL, Base.UTC))
        tail = (" seconds" if seconds else "") + node.unit + ("]" if node.generated else "") + "\n"
        at = idx[live_rows]
        if walk.numbers and _decimal(f.fd) and f.values.data.ndim == 1:  # the number written by the kernel
            number = np.full(n, NO_NUMBER, dtype=np.int64)
            number[live_rows] = f.values.data[at].astype(np.int64)
            return _Column.one_each(np.where(live, pool.one(head), -1), number,
                                    np.full(n, pool.one(tail), dtype=np.int64))
        texts, ats = f.texts(), at.tolist()
        out: list[str | None] = [None] * n
        if f.fd.base is Base.HEX_DEC:  # the hex, then the number in decimal
            for r, i in zip(rows, ats, strict=True):
                out[r] = f"{head}{texts[i]} ({f.raw(i)}){tail}"
        else:
            for r, i in zip(rows, ats, strict=True):
                out[r] = f"{head}{texts[i]}{tail}"
        return _texts_column(pool, out)
    narrow = f is not None and (node.of_value or (node.label is None and f.fd.ftype in NARROW_TYPES))
    if narrow and f is not None and f.values.data.ndim <= 2:
        return _value_lines(walk, node, live_rows, idx, pad)
    wheres = heads.wheres()
    out = [None] * n
    for r, i in zip(rows, idx[live_rows].tolist() if f is not None else [-1] * len(rows), strict=True):
        text = line_text(node, Item(store, wheres[r], f, i))
        out[r] = None if text is None else f"{pad}{text}\n"
    return _texts_column(pool, out)


def _parts_column(walk: _Walk, node: Node, live_rows: NDArray[np.int64], idx: NDArray[np.int64], pad: str) -> _Column:
    """:func:`_lines` of a node with a label of many headers at once (``Node.columns``):
    its parts as items, each header's line in one item a part; the headers it leaves to
    the node's label get their line from it, as one item."""
    assert node.columns is not None and not node.mask
    store, heads, pool = walk.store, walk.heads, walk.pool
    parts, rest = node.columns(_columns_of(walk, node, live_rows))
    m = live_rows.shape[0]
    parts = [Part(pad + ("[" if node.generated else "")), *parts, Part(("]" if node.generated else "") + "\n")]
    head = np.empty((m, len(parts)), dtype=np.int64)
    number = np.full((m, len(parts)), NO_NUMBER, dtype=np.int64)
    for j, part in enumerate(parts):
        if part.pick is not None:
            ids = np.array([pool.one(c) for c in part.choices] + [-1], dtype=np.int64)
            head[:, j] = ids[part.pick]  # (-1 picks the last: none)
        else:
            head[:, j] = pool.one(part.text)
        if part.where is not None:
            head[~part.where, j] = -1
        if part.number is not None:
            number[:, j] = part.number
    if rest is not None and rest.any():  # the rest by the node's label, as :func:`_lines` writes them
        head[rest] = -1
        f = store.field(node.field) if node.field else None
        texts = [line_text(node, Item(store, heads.where(r), f, int(idx[r]))) for r in live_rows[rest].tolist()]
        head[np.flatnonzero(rest), 0] = [-1 if t is None else pool.one(f"{pad}{t}\n") for t in texts]
    n, k = heads.frames.shape[0], len(parts)
    all_head = np.full((n, k), -1, dtype=np.int64)
    all_number = np.full((n, k), NO_NUMBER, dtype=np.int64)
    all_head[live_rows], all_number[live_rows] = head, number
    return _Column(np.arange(0, n * k + 1, k, dtype=np.int64), all_head.reshape(-1), all_number.reshape(-1))


def _keyed_lines(walk: _Walk, node: Node, live_rows: NDArray[np.int64], idx: NDArray[np.int64], pad: str) -> _Column:
    """:func:`_lines` of a node whose line depends on a key of its own (``Node.line_key``):
    written by its label once per distinct key, in the headers ``live_rows``."""
    assert node.line_key is not None
    store, heads = walk.store, walk.heads
    key = np.asarray(node.line_key(_columns_of(walk, node, live_rows)))
    _, first, inv = np.unique(key, axis=0 if key.ndim > 1 else None, return_index=True, return_inverse=True)
    f = store.field(node.field) if node.field else None
    rows = live_rows[first].tolist()
    lines = [line_text(node, Item(store, heads.where(r), f, int(idx[r]))) for r in rows]
    ids = np.array([-1 if t is None else walk.pool.one(f"{pad}{t}\n") for t in lines], dtype=np.int64)
    head = np.full(heads.frames.shape[0], -1, dtype=np.int64)
    head[live_rows] = ids[inv.reshape(-1)]
    return _Column.one_each(head)


def _columns_of(walk: _Walk, node: Node, live_rows: NDArray[np.int64]) -> Columns:
    """What a label of many headers sees of the headers ``live_rows``."""
    heads = walk.heads
    return Columns(walk.store, heads.frames[live_rows], heads.layers[live_rows],
                   {t: a[live_rows] for t, a in heads.rows.items()}, node.field)


def _value_lines(walk: _Walk, node: Node, live_rows: NDArray[np.int64], idx: NDArray[np.int64], pad: str) -> _Column:
    """:func:`_lines` of a node whose line depends on its value alone (and, for a flag, the
    flags field's bits): written once per distinct value, in the headers ``live_rows``."""
    store, heads = walk.store, walk.heads
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
    rows, ats = live_rows.tolist(), at.tolist()
    lines = [line_text(node, Item(store, heads.where(rows[j]), f, ats[j])) for j in first.tolist()]
    ids = np.array([-1 if t is None else walk.pool.one(f"{pad}{t}\n") for t in lines], dtype=np.int64)
    head = np.full(heads.frames.shape[0], -1, dtype=np.int64)
    head[live_rows] = ids[inv.reshape(-1)]
    return _Column.one_each(head)


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


def _decimal(fd: FieldDef) -> bool:
    """Whether the registry writes the field's values in decimal (an integer of base DEC,
    NONE or PT: ``str`` of the int64 value, :func:`tcpscope.table.text.format_values`)."""
    return fd.ftype.is_integer and fd.ftype is not FieldType.BOOLEAN and fd.base in (Base.DEC, Base.PT, Base.NONE)


def _emit(walk: _Walk, node: Node, alive: NDArray[np.bool_], depth: int) -> NDArray[np.bool_]:
    """Append the columns of ``node``'s subtree for the headers ``alive``; returns where it
    shows a line."""
    store, heads, columns = walk.store, walk.heads, walk.columns
    n = heads.frames.shape[0]
    if node.hidden:  # (an item of the JSON only)
        return np.zeros(n, dtype=np.bool_)
    if node.when is not None:  # the headers where the node applies (an option kind's items)
        alive = alive & walk.holds(node)
        node = replace(node, when=None, when_columns=None)
    if node.rows:  # each row of the table inside the header (TCP options), a column at a time too
        return _rows(walk, node, alive, depth)
    if _per_header(node):
        if _experts_only(node):  # (its lines show only in the frames with one of its expert items)
            alive = _with_experts(store, node, heads, alive)
        column = _one_by_one(walk, node, alive, depth)
        columns.append(column)
        return column.shown()
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
    own = _lines(walk, node, live, idx, "    " * depth)
    shown = own.shown()
    columns.append(own)
    below = np.zeros(n, dtype=np.bool_)
    for child in node.children:
        below |= _emit(walk, child, shown, depth + 1)
    if not node.field and not node.key:  # a text-only subtree with nothing in it is not added
        shown &= below
        own.keep(shown)
    return shown | special


def _rows(walk: _Walk, node: Node, alive: NDArray[np.bool_], depth: int) -> NDArray[np.bool_]:
    """A node repeated for each row of ``node.rows`` inside each header, in row order."""
    n = walk.heads.frames.shape[0]
    sub, host = walk.heads.inside(walk.store.table, node.rows, alive)
    inner = _Walk(walk.store, sub, walk.experts, walk.pool, walk.numbers, [])
    _emit(inner, replace(node, rows=""), np.ones(host.shape[0], dtype=np.bool_), depth)
    column = _merged(inner.columns, host, n)
    walk.columns.append(column)
    return column.shown()


def _merged(columns: list[_Column], host: NDArray[np.int64], n: int) -> _Column:
    """The columns of rows inside headers (an option's lines) as one column of the headers:
    in header ``r``, each of its rows in order (``host``: the header of each row), each
    row's columns in order."""
    if not columns:
        return _Column.one_each(np.full(n, -1, dtype=np.int64))
    rows = np.arange(host.shape[0], dtype=np.int64)
    of_row = np.concatenate([np.repeat(rows, np.diff(c.at)) for c in columns])
    of_column = np.concatenate([np.full(c.head.shape[0], k, dtype=np.int64) for k, c in enumerate(columns)])
    order = np.lexsort((of_column, of_row, host[of_row]))  # (stable: a column's items keep their order)

    def joined(part: list[NDArray[np.int64]]) -> NDArray[np.int64]:
        return np.concatenate(part)[order]

    head = joined([c.head for c in columns])
    number = None if all(c.number is None for c in columns) else joined(
        [np.full(c.head.shape[0], NO_NUMBER, dtype=np.int64) if c.number is None else c.number for c in columns])
    tail = None if all(c.tail is None for c in columns) else joined(
        [np.full(c.head.shape[0], -1, dtype=np.int64) if c.tail is None else c.tail for c in columns])
    at = np.searchsorted(host[of_row][order], np.arange(n + 1, dtype=np.int64)).astype(np.int64)
    return _Column(at, head, number, tail)


def _one_by_one(walk: _Walk, node: Node, which: NDArray[np.bool_], depth: int) -> _Column:
    """The node's subtree in the headers ``which``, each rendered on its own."""
    texts: list[str | None] = [None] * walk.heads.frames.shape[0]
    for r in np.flatnonzero(which).tolist():
        texts[r] = indent(list(render_node(walk.store, node, walk.heads.where(r), depth, walk.experts)))
    return _texts_column(walk.pool, texts)


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


def _walk(store: FieldStore, proto: Protocol, heads: Headers, experts: ExpertLines, numbers: bool) -> tuple[_Walk, NDArray[np.bool_]]:
    """The columns of a protocol's headers (the top line's first), and the headers where
    the protocol adds an item."""
    walk = _Walk(store, heads, experts, Pool(), numbers, [])
    n = heads.frames.shape[0]
    if numbers and (proto.columns is not None or proto.line_key is not None):
        top = Node("", label=proto.label, columns=proto.columns, line_key=proto.line_key)
        every, none = np.arange(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
        write = _parts_column if proto.columns is not None else _keyed_lines
        walk.columns.append(write(walk, top, every, none, ""))
        alive = walk.columns[0].shown()
    else:
        tops = [proto.label(Item(store, where, None, -1)) for where in heads.wheres()]
        alive = np.array([t is not None for t in tops], dtype=np.bool_)
        walk.columns.append(_texts_column(walk.pool, [None if t is None else f"{t}\n" for t in tops]))
    for node in proto.children:
        _emit(walk, node, alive, 1)
    return walk, alive


def header_texts(store: FieldStore, proto: Protocol, heads: Headers, experts: ExpertLines) -> list[str | None]:
    """Each header's tree text (its top line and items, lines ending in newlines), or None
    where the protocol adds no item: the Python writer, every line the registry's text."""
    walk, alive = _walk(store, proto, heads, experts, numbers=False)
    strings = walk.pool.strings()
    out: list[str | None] = []
    spans = [(c.at.tolist(), c.head.tolist()) for c in walk.columns]
    for r, a in enumerate(alive.tolist()):
        out.append("".join(strings[k] for at, head in spans for k in head[at[r]:at[r + 1]] if k >= 0) if a else None)
    return out


def header_bytes(store: FieldStore, proto: Protocol, heads: Headers, experts: ExpertLines) -> tuple[NDArray[np.uint8], NDArray[np.int64], NDArray[np.bool_]]:
    """:func:`header_texts` written by the compiled kernels: the headers' texts one after
    the other (UTF-8), where each starts (and the end), and where the protocol adds an item."""
    walk, alive = _walk(store, proto, heads, experts, numbers=True)
    n = heads.frames.shape[0]
    for c in walk.columns:
        c.keep(alive)
    sizes = [c.head.shape[0] for c in walk.columns]
    bases = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=bases[1:])
    at = np.stack([c.at + b for c, b in zip(walk.columns, bases[:-1].tolist(), strict=True)]) if walk.columns \
        else np.zeros((0, n + 1), dtype=np.int64)
    head = np.concatenate([c.head for c in walk.columns])
    number = np.concatenate([np.full(c.head.shape[0], NO_NUMBER, dtype=np.int64) if c.number is None else c.number
                             for c in walk.columns])
    tail = np.concatenate([np.full(c.head.shape[0], -1, dtype=np.int64) if c.tail is None else c.tail
                           for c in walk.columns])
    data, offsets = join_headers(at, head, number, tail, walk.pool.arrays())
    return data, offsets, alive
