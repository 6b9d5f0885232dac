"""The packet details tree, as ``tshark -V`` prints it: one description per protocol, one renderer.

A protocol's tree is data (:class:`Protocol`, :class:`Node`): each node names a field of
the registry (:func:`tcpscope.views.columns.full_registry`), which knows the field's
title, type, display base and value names, and adds only what the tree needs: a label
where tshark writes one of its own, the bitmask whose bit pattern prefixes the line, a
unit, whether the item is generated (shown in ``[brackets]``), the expert items placed
under it, and its children. Values are formatted by the registry's formatter, the one
``tcpscope fields`` prints with (:func:`tcpscope.table.text.format_values`); the tree
only wraps that text the way ``proto_item_fill_display_label`` (epan/proto.c) does:

* an integer with value names: ``Protocol: TCP (6)``, ``Type: IPv4 (0x0800)``;
* BASE_HEX_DEC ``0x9723 (38691)``, BASE_DEC_HEX ``38691 (0x9723)``;
* a boolean: its true/false words (``Set``, ``Not set``);
* a time difference: its seconds and `` seconds``; an FT_NONE item: its title alone;
* a bitmask: the field's bits, ``.`` outside the mask, in groups of four, then `` = ``
  (``.... ..1. .... .... .... .... = LG bit: ...``).

Where a value sits: a field read from a layer table's column (most of them) is found by
the row of the header being shown; any other by its frame and layer number. A node
whose field has no value in the header is not shown (nor its children), as tshark adds
no item for a field its dissector did not reach.

Values are gathered and formatted once per field for all the frames shown
(:class:`FieldStore`). :func:`render_node` shows one node in one header;
:mod:`tcpscope.views.tree_columns` walks the same descriptions over all the headers of a
protocol at once, with the same :func:`line_text`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tcpscope.filter.extra_fields import frame_protocols
from tcpscope.table.access import ColumnGetter, InterleavedGetter
from tcpscope.table.layers import Layer
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import Base, FieldDef, FieldType
from tcpscope.table.text import format_reltime, format_values
from tcpscope.table.values import Values
from tcpscope.views.tree_prefs import TcpTreePrefs

__all__ = [
    "NARROW_TYPES",
    "ColumnLabel",
    "Columns",
    "ExpertLines",
    "FieldStore",
    "Item",
    "Label",
    "Node",
    "Part",
    "Protocol",
    "Where",
    "bit_pattern",
    "cut_to_frames",
    "display",
    "indent",
    "line_text",
    "render_node",
]

#: A label of tshark's own: the whole line (without brackets and indentation) from the
#: item being shown, or None to leave the item out.
Label = Callable[["Item"], "str | None"]


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of a line written for many headers at once: a text (the same in every
    header, or one of ``choices`` picked by ``pick``: -1 none), then ``number`` in decimal
    (none where :data:`tcpscope.views.tree_kernel.NO_NUMBER`, or no numbers at all), in
    the headers ``where`` (every header: None)."""

    text: str = ""
    number: NDArray[np.int64] | None = None
    where: NDArray[np.bool_] | None = None
    choices: Sequence[str] = ()
    pick: NDArray[np.int64] | None = None


#: A label of many headers at once (:class:`Columns`): each header's line as parts in
#: order, and the headers it leaves to the node's label (None: none). It must write what
#: the label writes; the compiled writer uses it, the Python writer the label
#: (tests/views/test_tree_kernel.py compares them).
ColumnLabel = Callable[["Columns"], "tuple[list[Part], NDArray[np.bool_] | None]"]
#: What a line depends on, in many headers at once (:class:`Columns`): a number (or a row
#: of numbers) per header, equal where the lines are; the compiled writer then writes the
#: line once per distinct key, by the node's label.
LineKey = Callable[["Columns"], NDArray[np.int64]]
#: A node's condition (``Node.when``) in many headers at once, for the compiled writer.
ColumnWhen = Callable[["Columns"], NDArray[np.bool_]]


@dataclass(frozen=True, slots=True, eq=False)  # (compared and hashed by identity: a cache key)
class Node:
    """One item of a protocol's tree.

    * ``field``: the registry field whose value the item shows ("" for a text-only subtree);
    * ``label``: tshark's own text for the line (default: the title and the value's display);
    * ``mask``/``bits``: the bitmask and the width its pattern is drawn in (default: the
      type's width); ``bits_of`` turns the value into the bits the pattern shows
      (``ip.hdr_len`` holds bytes, its nibble holds words);
    * ``unit``: text after the value (BASE_UNIT_STRING);
    * ``generated``: shown in brackets (a value tshark computes, not read from the packet);
    * ``experts``: the expert items (their field names) shown under this node, after its
      children, in the order they were raised; ``follow``: nodes shown right after the
      first item of an expert (the RTO lines after the retransmission's), or after them
      all (name "");
    * ``bits_from``: the field whose value the bit pattern shows (a flag's pattern shows
      the bits of the whole flags field under its mask);
    * ``rows``: repeat this node once per row of that layer table inside the header shown
      (TCP options), the children reading that row; ``each``: repeat it once per value of
      that field in the header, the children reading the ``k``-th value of every field
      (a SACK option's edges); a node with neither field nor label adds no line of its
      own, only its children's;
    * ``when``: shown only where this holds of the item (an option kind's own items);
    * ``of_value``: the label depends on the value alone, so a line is written once per
      distinct value (as every default line of a narrow field is); ``constant``: the label
      is the same text wherever the node is shown;
    * ``children``: the subtree;
    * what ``tshark -T json`` writes beside the text (:mod:`tcpscope.views.tree_json`):
      ``key``, tshark's field of the item where the node borrows another field's value
      (``eth.addr`` under ``eth.dst``), or a function of the item (an option's field); a
      node with a key and no field is an item of its own (its label and value read
      from elsewhere: an MPLS entry's parts), shown even without children;
      ``value``, the JSON value where it is not the field's text; ``hidden``: an item
      tshark adds with no line (``ip.addr``, ``tcp.port``), in the JSON only; ``raw``:
      where the item's bytes are, from the header's first byte (offset, length, hf
      bitmask), or a function of the item giving them from the frame's first byte.
    """

    field: str
    label: Label | None = None
    mask: int = 0
    bits: int = 0
    bits_of: Callable[[int], int] | None = None
    unit: str = ""
    generated: bool = False
    experts: tuple[str, ...] = ()
    follow: tuple[tuple[str, tuple[Node, ...]], ...] = ()
    bits_from: str = ""
    rows: str = ""
    each: str = ""
    when: Callable[[Item], bool] | None = None
    children: tuple[Node, ...] = ()
    of_value: bool = False
    constant: bool = False
    key: str | Callable[[Item], str] = ""
    value: Callable[[Item], str] | None = None
    hidden: bool = False
    raw: tuple[int, int, int] | Callable[[Item], tuple[int, int, int] | None] | None = None
    columns: ColumnLabel | None = None
    line_key: LineKey | None = None
    when_columns: ColumnWhen | None = None


@dataclass(frozen=True, slots=True)
class Protocol:
    """A protocol's tree: its name in ``frame.protocols``, the layer table of its headers
    ("" for the frame itself), the label of its top line, and its items. ``in_fields``:
    whether ``-T fields`` prints that label for the protocol (a protocol item added with no
    label of its own prints its abbreviation there: ``null``, ``raw``). ``span``: where
    the header's bytes are in the frame (first byte, length), for ``-T json -x`` and the
    bytes pane's highlighting."""

    name: str
    table: str
    label: Label
    children: tuple[Node, ...]
    in_fields: bool = True
    span: Callable[[Item], tuple[int, int]] | None = None
    #: the header's tree sits inside the tree of the protocol before it (IPv6's extension
    #: headers inside IPv6's), as the last of its items
    nested: bool = False
    #: the top line written for many headers at once, or what it depends on (see
    #: ``Node.columns`` and ``Node.line_key``)
    columns: ColumnLabel | None = None
    line_key: LineKey | None = None


class FieldStore:
    """The values of the fields a tree shows, for the frames being shown, each field
    gathered and formatted once (lazily, on first use).

    ``frames``: the 0-based frames of ``table`` that will be shown (increasing).
    ``names``: whether MAC addresses are shown with their names, as tshark resolves them
    by default (False: as ``tshark -n`` shows them). ``tcp``: the TCP preferences the
    tree follows (:class:`TcpTreePrefs`).
    """

    def __init__(self, table: PacketTable, frames: NDArray[np.int64], registry: Mapping[str, FieldDef],  # noqa: PLR0913 -- the tree's settings, each named
                 before: int | None = None, names: bool = False, *, tcp: TcpTreePrefs | None = None) -> None:
        self.table = table
        self.names = names
        self.tcp = TcpTreePrefs() if tcp is None else tcp
        self.frames = frames
        self.registry = registry
        self._fields: dict[str, _Field] = {}
        self._shown = np.zeros(table.n, dtype=np.bool_)
        self._shown[frames] = True
        # the time since the frame shown before (the first: since ``before``, the time of
        # the frame shown last in an earlier piece, else none)
        ts = table.ts_ns[frames].astype(np.int64)
        delta = np.zeros(table.n, dtype=np.int64)
        if frames.shape[0]:
            delta[frames[1:]] = ts[1:] - ts[:-1]
            delta[frames[0]] = 0 if before is None else int(ts[0]) - before
        self.displayed_delta = delta
        self._experts: dict[int, set[str]] | None = None
        self._expert_masks: dict[tuple[str, ...], NDArray[np.bool_]] = {}
        #: lines already written, by node and value (see ``Node.of_value``)
        self.lines: dict[tuple[Node, Any], str | None] = {}
        self._cut: dict[str, tuple[PacketTable, NDArray[np.int64]] | None] = {}
        self._inside: dict[str, tuple[list[int], list[int]] | None] = {}
        self._pylists: dict[tuple[str, str], list[Any]] = {}

    def column_list(self, table: str, column: str) -> list[Any]:
        """A column of a layer table as a Python list (made once: a label that reads it
        row by row then costs no numpy item a row)."""
        got = self._pylists.get((table, column))
        if got is None:
            got = self._pylists[table, column] = np.asarray(self.table.layer(table).cols[column]).tolist()
        return got

    def rows_inside(self, name: str, where: Where) -> list[int]:
        """The rows of layer table ``name`` inside the header at ``where`` (see
        :func:`_rows_inside`), from the layer's rows grouped by header once."""
        if name not in self._inside:
            self._inside[name] = _grouped(self.table, name)
        got = self._inside[name]
        if got is None:
            return _rows_inside(self.table, name, where)
        prow = where.rows.get(name.rsplit(".", 1)[0])
        if prow is None:
            return []
        order, starts = got
        return order[starts[prow]:starts[prow + 1]]

    def shown_rows(self, name: str) -> tuple[PacketTable, NDArray[np.int64]] | None:
        """The table with layer ``name`` cut to the rows of the frames shown, and those
        rows' numbers in the whole layer; None when the frames shown hold all its rows.
        A field read from a layer's columns is then gathered from these rows alone, so
        that one frame's tree costs what its rows cost."""
        if name not in self._cut:
            self._cut[name] = cut_to_frames(self.table, name, self.frames)
        return self._cut[name]

    def has_expert(self, frame: int, name: str) -> bool:
        """Whether frame ``frame`` has an expert item of field ``name``."""
        if self._experts is None:
            from tcpscope.dissect.experts import field_name

            cut = self.shown_rows("_expert")
            ex = self.table.layer("_expert") if cut is None else cut[0].layer("_expert")
            self._experts = {}
            if len(ex):
                for f, code in zip(ex.pkt.tolist(), np.asarray(ex.cols["code"]).tolist(), strict=True):
                    self._experts.setdefault(f, set()).add(field_name(int(code)))
        return name in self._experts.get(frame, ())

    def expert_frames(self, names: tuple[str, ...]) -> NDArray[np.bool_]:
        """Per frame of the table, whether it has an expert item of a field in ``names``."""
        got = self._expert_masks.get(names)
        if got is None:
            from tcpscope.dissect.experts import EXPERTS, field_name

            ex = self.table.layer("_expert")
            got = np.zeros(self.table.n, dtype=np.bool_)
            if len(ex):
                codes = np.array([c for c in range(len(EXPERTS)) if field_name(c) in names], dtype=np.int64)
                got[ex.pkt[np.isin(np.asarray(ex.cols["code"]), codes)]] = True
            self._expert_masks[names] = got
        return got

    def field(self, name: str) -> _Field:
        got = self._fields.get(name)
        if got is None:
            got = self._fields[name] = _Field(self, self.registry[name])
        return got


def cut_to_frames(table: PacketTable, name: str, frames: NDArray[np.int64]) -> tuple[PacketTable, NDArray[np.int64]] | None:
    """``table`` with layer ``name`` cut to the rows of ``frames`` (increasing; the frame
    columns stay whole, so frame numbers are unchanged), and those rows' numbers in the
    whole layer; None when ``frames`` hold all its rows. What reads each row (or each
    frame's rows) alone then costs what those rows cost."""
    lt = table.layer(name)
    a = np.searchsorted(lt.pkt, frames, side="left")
    b = np.searchsorted(lt.pkt, frames, side="right")
    sizes = b - a
    total = int(sizes.sum())
    if total >= len(lt):
        return None
    rows = np.repeat(a - np.cumsum(sizes) + sizes, sizes) + np.arange(total, dtype=np.int64)
    cut = Layer(lt.name, lt.pkt[rows], lt.depth[rows], lt.layer[rows], _RowsOf(lt.cols, rows))
    return table.with_layer(cut), rows


class _RowsOf(Mapping[str, NDArray[np.generic]]):
    """A layer's columns at some of its rows, each column cut when first read."""

    def __init__(self, cols: Mapping[str, NDArray[np.generic]], rows: NDArray[np.int64]) -> None:
        self._cols = cols
        self._rows = rows
        self._got: dict[str, NDArray[np.generic]] = {}

    def __getitem__(self, name: str) -> NDArray[np.generic]:
        got = self._got.get(name)
        if got is None:
            got = self._got[name] = self._cols[name][self._rows]
        return got

    def __contains__(self, name: object) -> bool:
        return name in self._cols

    def __iter__(self) -> Iterator[str]:
        return iter(self._cols)

    def __len__(self) -> int:
        return len(self._cols)


#: Fields computed from each row of one layer alone (not plain column getters), by the
#: layer: the expert items' texts, made from each ``_expert`` row's code and arguments
#: (tcpscope.analysis.fields).
_ROW_BY_ROW = {"_ws.expert": "_expert", "_ws.expert.message": "_expert"}

#: Fields computed for the frames shown alone (not the whole table): frame.protocols
#: reads each frame's protocol rows and HTTP messages.
_FOR_FRAMES: dict[str, Callable[[PacketTable, NDArray[np.int64]], NDArray[np.str_]]] = {
    "frame.protocols": frame_protocols}

#: Layer numbers a frame may have of one protocol, at most (a key's stride).
_LAYERS = 1 << 16


class _Field:
    """One field's values in the frames shown: where each frame's (or row's) values are,
    their Python values and their text."""

    def __init__(self, store: FieldStore, fd: FieldDef) -> None:
        table = store.table
        self.fd = fd
        getter = fd.get
        # (a plain column getter, or one that reads each row of a layer alone, reads only
        # the rows of the frames shown)
        layer = getter.layer if isinstance(getter, ColumnGetter | InterleavedGetter) else _ROW_BY_ROW.get(fd.name)
        cut = None if layer is None else store.shown_rows(layer)
        source, whole = (table, None) if cut is None else cut
        values = getter(source) if fd.name not in _FOR_FRAMES else Values(store.frames,
                                                                            _FOR_FRAMES[fd.name](table, store.frames))
        keep = store._shown[values.pkt] if len(values) else np.zeros(0, dtype=np.bool_)
        self.table_name = ""
        self.row_of: NDArray[np.int64] | None = None
        if isinstance(getter, ColumnGetter):
            lt = source.layer(getter.layer)
            if len(lt) and getter.col in lt.cols:
                rows = (np.arange(len(lt), dtype=np.int64) if getter.present is None
                        else np.flatnonzero(getter.present(lt)))
                self.table_name = getter.layer
                at = np.full(len(table.layer(getter.layer)), -1, dtype=np.int64)
                kept = np.flatnonzero(keep)
                at[rows[kept] if whole is None else whole[rows[kept]]] = np.arange(kept.shape[0], dtype=np.int64)
                self.row_of = at
        self.values = values.take(keep)
        self._buffers = table.buffers
        self._texts: list[str] | None = None
        self._pylist: list[Any] | None = None
        pkt = self.values.pkt
        self._first = np.searchsorted(pkt, np.arange(table.n + 1, dtype=np.int64)) if len(self.values) else None
        self._layers = None if self.values.layer is None else self.values.layer
        # the same as Python lists, for :meth:`find` (made on first use: an item of a list
        # costs less than a numpy one)
        self._row_list: list[int] | None = None
        self._first_list: list[int] | None = None
        self._layer_list: list[int] | None = None

    def texts(self) -> list[str]:
        if self._texts is None:
            self._texts = format_values(self.fd, self.values, self._buffers)
        return self._texts

    def raw(self, i: int) -> Any:
        if self._pylist is None:
            data = self.values.data
            self._pylist = data.tolist() if data.ndim == 1 else [bytes(r) for r in np.asarray(data, dtype=np.uint8)] \
                if data.dtype == np.uint8 else data.tolist()
        return self._pylist[i]

    def find(self, where: Where, k: int | None = None) -> int:
        """The index of the ``k``-th value shown at ``where`` (its header's row, else its
        frame and layer number; ``k`` default: the repeat being shown), or -1."""
        if self.row_of is not None:
            row = where.rows.get(self.table_name)
            if row is not None:  # one value a row: the row's, whatever the repeat
                if self._row_list is None:
                    self._row_list = self.row_of.tolist()
                return self._row_list[row] if not k else -1
        if k is None:
            k = where.k
        if self._first is None:
            return -1
        if self._first_list is None:
            self._first_list = self._first.tolist()
        a, b = self._first_list[where.frame], self._first_list[where.frame + 1]
        if self._layers is None or where.layer == 0:
            return a + k if a + k < b else -1
        if self._layer_list is None:
            self._layer_list = self._layers.tolist()
        layers = self._layer_list
        for i in range(a, b):
            if layers[i] == where.layer:
                if k == 0:
                    return i
                k -= 1
        return -1

    def find_many(self, frames: NDArray[np.int64], layers: NDArray[np.int64],
                  rows: Mapping[str, NDArray[np.int64]]) -> NDArray[np.int64]:
        """:meth:`find` (first value) for many headers at once: their frames, layer numbers
        and rows."""
        if self.row_of is not None and self.table_name in rows:
            return self.row_of[rows[self.table_name]]
        if self._first is None:
            return np.full(frames.shape[0], -1, dtype=np.int64)
        a, b = self._first[frames], self._first[frames + 1]
        first = np.where(a < b, a, -1)
        if self._layers is None:
            return first
        keys = self.values.pkt * _LAYERS + self._layers
        want = frames * _LAYERS + layers
        if keys.shape[0] > 1 and not bool(np.all(keys[1:] >= keys[:-1])):  # (not in order: one at a time)
            return np.array([self.find(Where(int(f), int(la), {})) for f, la in zip(frames.tolist(), layers.tolist(),
                                                                                   strict=True)], dtype=np.int64)
        pos = np.minimum(np.searchsorted(keys, want), max(keys.shape[0] - 1, 0))
        hit = (keys[pos] == want) if keys.shape[0] else np.zeros(frames.shape[0], dtype=np.bool_)
        return np.where(layers == 0, first, np.where(hit, pos, -1))

    def count(self, where: Where) -> int:
        """How many values are shown at ``where``."""
        n = 0
        while self.find(where, n) >= 0:
            n += 1
            if self.row_of is not None and self.table_name in where.rows:
                break
        return n


@dataclass(frozen=True, slots=True)
class Where:
    """Which header is being shown: the frame, its layer number among the headers of its
    protocol, and the row of each layer table on the way (the header's, an option's)."""

    frame: int
    layer: int
    rows: Mapping[str, int]
    k: int = 0


class Columns:
    """What a :data:`ColumnLabel` sees: the headers where the node is shown (``n`` of them)
    and, for each field, its value in each."""

    def __init__(self, store: FieldStore, frames: NDArray[np.int64], layers: NDArray[np.int64],
                 rows: Mapping[str, NDArray[np.int64]], own: str) -> None:
        self._store = store
        self._frames, self._layers, self._rows = frames, layers, rows
        self.n = int(frames.shape[0])
        self._own = own

    @property
    def tcp_prefs(self) -> TcpTreePrefs:
        """The TCP preferences the tree follows (see :class:`FieldStore`)."""
        return self._store.tcp

    @property
    def table(self) -> PacketTable:
        return self._store.table

    @property
    def frames(self) -> NDArray[np.int64]:
        """Each header's frame (0-based, in :attr:`table`)."""
        return self._frames

    def column(self, table: str, column: str) -> NDArray[Any]:
        """A column of layer table ``table`` at each header's row of it."""
        return np.asarray(self._store.table.layer(table).cols[column])[self._rows[table]]

    def values(self, name: str = "") -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
        """Where an integer field (the node's own by default) has a value in each header,
        and the value (0 where none)."""
        f = self._store.field(name or self._own)
        at = f.find_many(self._frames, self._layers, self._rows)
        has = at >= 0
        data = np.asarray(f.values.data)
        got = data[np.where(has, at, 0)].astype(np.int64) if data.shape[0] else np.zeros(self.n, dtype=np.int64)
        return has, np.where(has, got, 0)

    def key(self, name: str) -> NDArray[np.int64]:
        """A field's value in each header as a number that tells values apart (-1 where it
        has none): an integer as it is, an address's bytes packed into one number."""
        f = self._store.field(name)
        at = f.find_many(self._frames, self._layers, self._rows)
        data = np.asarray(f.values.data)
        if not data.shape[0]:
            return np.full(self.n, -1, dtype=np.int64)
        got = data[np.where(at >= 0, at, 0)]
        if got.ndim > 1:  # (one row of bytes a value: its distinct rows numbered)
            got = np.unique(got, axis=0, return_inverse=True)[1].reshape(-1)
        return np.where(at >= 0, got.astype(np.int64), -1)

    def expert(self, name: str) -> NDArray[np.bool_]:
        """Whether each header's frame has an expert item of field ``name``."""
        return self._store.expert_frames((name,))[self._frames]


class Item:
    """What a label sees: the field's value at this node, and the other fields of the same header."""

    def __init__(self, store: FieldStore, where: Where, field: _Field | None, index: int) -> None:
        self._store = store
        self.where = where
        self._field = field
        self._index = index

    @property
    def frame(self) -> int:
        return self.where.frame

    @property
    def table(self) -> PacketTable:
        return self._store.table

    @property
    def registry(self) -> Mapping[str, FieldDef]:
        return self._store.registry

    @property
    def names(self) -> bool:
        """Whether MAC addresses are shown with their names (see :class:`FieldStore`)."""
        return self._store.names

    @property
    def tcp_prefs(self) -> TcpTreePrefs:
        """The TCP preferences the tree follows (see :class:`FieldStore`)."""
        return self._store.tcp

    def delta_displayed(self) -> str:
        """The time since the frame shown before this one (frame.time_delta_displayed)."""
        return format_reltime(int(self._store.displayed_delta[self.where.frame]))

    @property
    def has_field(self) -> bool:
        """Whether the item shows a field's value (not a text-only item)."""
        return self._field is not None

    @property
    def value(self) -> Any:
        assert self._field is not None
        return self._field.raw(self._index)

    @property
    def text(self) -> str:
        """The registry formatter's text of the value (what ``tcpscope fields`` prints)."""
        assert self._field is not None
        return self._field.texts()[self._index]

    @property
    def fd(self) -> FieldDef:
        assert self._field is not None
        return self._field.fd

    def display(self) -> str:
        """The value as tshark's label shows it by default (see :func:`display`)."""
        return display(self.fd, self.value, self.text)

    def get(self, name: str, k: int | None = None) -> Any:
        """Field ``name``'s ``k``-th value in this header (None if it has none)."""
        f = self._store.field(name)
        i = f.find(self.where, k)
        return None if i < 0 else f.raw(i)

    def text_of(self, name: str, k: int | None = None) -> str | None:
        """Field ``name``'s ``k``-th value in this header as the formatter writes it."""
        f = self._store.field(name)
        i = f.find(self.where, k)
        return None if i < 0 else f.texts()[i]

    def shown(self, name: str, k: int | None = None) -> str | None:
        """Field ``name``'s ``k``-th value in this header as tshark's label shows it."""
        f = self._store.field(name)
        i = f.find(self.where, k)
        return None if i < 0 else display(f.fd, f.raw(i), f.texts()[i])

    def has(self, name: str) -> bool:
        return self._store.field(name).find(self.where) >= 0

    def count(self, name: str) -> int:
        return self._store.field(name).count(self.where)

    def shown_expert(self, name: str) -> bool:
        """Whether the frame has an expert item of field ``name``."""
        return self._store.has_expert(self.where.frame, name)

    def rows_in(self, table: str) -> list[int]:
        """The rows of layer table ``table`` inside the header shown (a TCP header's options)."""
        return self._store.rows_inside(table, self.where)

    def frame_bytes(self) -> bytes:
        """The frame's captured bytes."""
        r = self._store.table.records
        start = int(r.offset[self.where.frame])
        buf = self._store.table.buffers[0] if self._store.table.buffers else self._store.table.data
        return bytes(buf[start:start + int(r.caplen[self.where.frame])])

    def column_list(self, table: str, column: str) -> list[Any]:
        """A whole column of layer table ``table``, as a Python list (see
        :meth:`FieldStore.column_list`), for labels that read the rows of :meth:`rows_in`."""
        return self._store.column_list(table, column)

    def column(self, table: str, column: str) -> Any:
        """A column of the layer table row being shown (for labels that need a raw header value)."""
        row = self.where.rows[table]
        return self._store.table.layer(table).cols[column][row].item()


def _number(fd: FieldDef, v: int, text: str) -> str:
    """An integer in the field's base, as the label shows it (BASE_HEX_DEC: both)."""
    if fd.base is Base.HEX_DEC:
        return f"{text} ({v})"
    if fd.base is Base.DEC_HEX:
        return f"{v} (0x{v:0{len(text) - 2 if text.startswith('0x') else 2}x})"
    return text if fd.base in (Base.HEX, Base.OCT) else str(v)


def display(fd: FieldDef, value: Any, text: str) -> str:
    """A value as tshark's label shows it by default (proto_item_fill_display_label)."""
    ft = fd.ftype
    if ft is FieldType.BOOLEAN:
        return fd.true_false[0] if value else fd.true_false[1]
    if ft.is_integer:
        v = int(value)
        shown = _number(fd, v, text)
        if fd.strings is not None:
            name = fd.strings.get(v)
            if fd.base is Base.NONE:  # value names alone (BASE_NONE with VALS)
                return name if name is not None else "Unknown"
            return f"{name if name is not None else 'Unknown'} ({shown})"
        return shown
    if ft is FieldType.RELATIVE_TIME or (ft is FieldType.ABSOLUTE_TIME and fd.base not in (Base.LOCAL, Base.UTC)):
        return f"{text} seconds"
    return text


@lru_cache(maxsize=4096)
def bit_pattern(value: int, mask: int, bits: int) -> str:
    """The bits of ``value`` (already shifted into ``mask``) under ``mask``, ``.`` elsewhere,
    in groups of four from the left (proto.c's ``decode_bitfield_value``)."""
    out = []
    for i in range(bits - 1, -1, -1):
        bit = 1 << i
        out.append(("1" if value & bit else "0") if mask & bit else ".")
        if i and i % 4 == 0:
            out.append(" ")
    return "".join(out)


def _shift(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


def line_text(node: Node, item: Item) -> str | None:
    """The text of one item's line, without indentation."""
    if node.label is not None:
        text = node.label(item)
        if text is None:
            return None
    elif node.field and item.fd.ftype is FieldType.NONE:
        text = item.fd.title
    else:
        text = f"{item.fd.title}: {item.display()}{node.unit}"
    if node.mask:
        width = node.bits or item.fd.ftype.bits
        if node.bits_from:
            bits = int(item.get(node.bits_from))
        else:
            v = int(item.value)
            bits = (node.bits_of(v) if node.bits_of is not None else v) << _shift(node.mask)
        text = f"{bit_pattern(bits, node.mask, width)} = {text}"
    return f"[{text}]" if node.generated else text


NARROW_TYPES = frozenset({FieldType.BOOLEAN, FieldType.UINT8, FieldType.UINT16})


def _caches(node: Node, item: Item) -> bool:
    """Whether a node's line is a function of its value alone, of few distinct values:
    a default line of a narrow field, or a label said to depend on the value alone."""
    if not node.field or node.bits_from:
        return False
    return node.of_value or (node.label is None and item.fd.ftype in NARROW_TYPES)


def _cached_line(store: FieldStore, node: Node, item: Item) -> str | None:
    value = item.value
    if isinstance(value, list):  # (byte spans: not a key)
        return line_text(node, item)
    key = (node, value)
    got = store.lines.get(key, _MISSING)
    if got is _MISSING:
        got = store.lines[key] = line_text(node, item)
    return got  # type: ignore[return-value]  # str | None, never the marker


_MISSING = object()


#: The expert items of the given fields raised in the header shown, in order: each
#: item's field name and its lines at the given depth.
ExpertLines = Callable[[tuple[str, ...], "Where", int], Iterator[tuple[str, list[tuple[int, str]]]]]


def _grouped(table: PacketTable, name: str) -> tuple[list[int], list[int]] | None:
    """The rows of layer table ``name`` grouped by the row of its parent table they are
    inside (same frame, same layer number): the rows in that order and where each parent
    row's start; None when a row's parent is not where the frame's n-th header is (the
    parent's layer numbers not 1, 2, ... in its frame)."""
    lt = table.layer(name)
    parent = table.layer(name.rsplit(".", 1)[0])
    if len(lt) == 0 or len(parent) == 0:
        return [], [0] * (len(parent) + 1)
    prow = np.searchsorted(parent.pkt, lt.pkt) + lt.layer.astype(np.int64) - 1
    inside = (prow >= 0) & (prow < len(parent))
    if not inside.all():
        return None
    if not bool(np.all((parent.pkt[prow] == lt.pkt) & (parent.layer[prow] == lt.layer))):
        return None
    order = np.argsort(prow, kind="stable")
    starts = np.zeros(len(parent) + 1, dtype=np.int64)
    np.cumsum(np.bincount(prow, minlength=len(parent)), out=starts[1:])
    return order.tolist(), starts.tolist()


def _rows_inside(table: PacketTable, name: str, where: Where) -> list[int]:
    """The rows of layer table ``name`` (``tcp.option``) that belong to the header shown
    (the row of its parent table, ``tcp``, in ``where``): same frame, same layer number."""
    lt = table.layer(name)
    parent = table.layer(name.rsplit(".", 1)[0])
    prow = where.rows.get(parent.name)
    if prow is None or len(lt) == 0:
        return []
    f, layer = int(parent.pkt[prow]), int(parent.layer[prow])
    lo, hi = np.searchsorted(lt.pkt, [f, f + 1]).tolist()
    return [r for r in range(lo, hi) if int(lt.layer[r]) == layer]


def render_node(store: FieldStore, node: Node, where: Where, depth: int,
                experts: ExpertLines) -> Iterator[tuple[int, str]]:
    """The lines of ``node`` (and its subtree) at ``where``: (depth, text) pairs."""
    if node.hidden:
        return
    if node.rows:
        for r in store.rows_inside(node.rows, where):
            sub = Where(where.frame, where.layer, {**where.rows, node.rows: r})
            yield from _render_one(store, node, sub, depth, experts)
        return
    if node.each:
        for k in range(store.field(node.each).count(where)):
            yield from _render_one(store, node, Where(where.frame, where.layer, where.rows, k), depth, experts)
        return
    yield from _render_one(store, node, where, depth, experts)


def _render_one(store: FieldStore, node: Node, where: Where, depth: int,
                experts: ExpertLines) -> Iterator[tuple[int, str]]:
    if node.field:
        f = store.field(node.field)
        i = f.find(where)
        if i < 0:
            return
        item = Item(store, where, f, i)
    else:
        item = Item(store, where, None, -1)
    if node.when is not None and not node.when(item):
        return
    if not node.field and node.label is None:  # only the children's lines
        for child in node.children:
            yield from render_node(store, child, where, depth, experts)
        return
    text = _cached_line(store, node, item) if _caches(node, item) else line_text(node, item)
    if text is None:
        return
    below = [line for child in node.children for line in render_node(store, child, where, depth + 1, experts)]
    if node.experts:
        follow = dict(node.follow)
        for name, lines in experts(node.experts, where, depth + 1):
            below.extend(lines)
            for extra in follow.pop(name, ()):
                below.extend(render_node(store, extra, where, depth + 1, experts))
        for extra in follow.get("", ()):
            below.extend(render_node(store, extra, where, depth + 1, experts))
    if not node.field and not node.key and not below:  # a text-only subtree with nothing in it is not added
        return
    yield depth, text
    yield from below


def indent(lines: Sequence[tuple[int, str]]) -> str:
    """The tree's lines as tshark -V prints them: four spaces a level."""
    return "".join(f"{'    ' * d}{t}\n" for d, t in lines)
