"""Small builders of field getters: how a field's values are read from the packet table.

A :class:`~tcpscope.table.schema.FieldDef` holds a getter ``PacketTable -> Values``;
these functions make the common ones, so a stage can declare a field in one line:
a layer column where a presence rule holds, a bit of a flags column, two columns
interleaved (``ip.addr``), a frame column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tcpscope.table.layers import Layer
from tcpscope.table.packets import PacketTable
from tcpscope.table.values import Values, concat_by_frame, interleave

__all__ = ["ColumnGetter", "Getter", "InterleavedGetter", "bit", "both", "column", "frame_values", "interleaved", "merged",
           "not_", "reach_at_least", "spans_values", "where"]

Getter = Callable[[PacketTable], Values]
Presence = Callable[[Layer], NDArray[np.bool_]] | None


def reach_at_least(k: int, column: str = "reach") -> Callable[[Layer], NDArray[np.bool_]]:
    """Rows whose header was read at least up to step ``k`` (see each dissector's reach codes)."""

    def rule(layer: Layer) -> NDArray[np.bool_]:
        return np.asarray(layer.cols[column], dtype=np.int64) >= k

    return rule


def not_(column: str) -> Callable[[Layer], NDArray[np.bool_]]:
    """Rows where a boolean column is false."""

    def rule(layer: Layer) -> NDArray[np.bool_]:
        return ~np.asarray(layer.cols[column], dtype=np.bool_)

    return rule


def where(column: str) -> Callable[[Layer], NDArray[np.bool_]]:
    """Rows where a boolean column is true."""

    def rule(layer: Layer) -> NDArray[np.bool_]:
        return np.asarray(layer.cols[column], dtype=np.bool_)

    return rule


def both(a: Callable[[Layer], NDArray[np.bool_]], b: Callable[[Layer], NDArray[np.bool_]]
         ) -> Callable[[Layer], NDArray[np.bool_]]:
    return lambda layer: a(layer) & b(layer)


def _present(layer: Layer, present: Presence) -> NDArray[np.bool_] | None:
    if present is None or len(layer) == 0:
        return None
    return present(layer)


@dataclass(frozen=True, slots=True)
class ColumnGetter:
    """The values of one column of a layer table, on the rows where ``present`` holds.

    A plain-data getter (not a closure), so that a consumer such as the display-filter
    compiler can read the layer columns directly instead of building ``Values``.
    """

    layer: str
    col: str
    present: Presence = None
    convert: Callable[[NDArray[np.generic]], NDArray[np.generic]] | None = None

    def __call__(self, table: PacketTable) -> Values:
        lt = table.layer(self.layer)
        if len(lt) == 0 or self.col not in lt.cols:
            return Values.empty()
        v = lt.values(self.col, _present(lt, self.present))
        if self.convert is not None:
            v = Values(v.pkt, self.convert(v.data), v.layer, v.buf)
        return v


def column(layer: str, col: str, present: Presence = None,
           convert: Callable[[NDArray[np.generic]], NDArray[np.generic]] | None = None) -> Getter:
    """The values of one column of a layer table, on the rows where ``present`` holds."""
    return ColumnGetter(layer, col, present, convert)


def bit(layer: str, col: str, mask: int, present: Presence = None) -> Getter:
    """A one-bit boolean carved out of a flags column (e.g. ``tcp.flags.syn``)."""
    return column(layer, col, present, lambda a: ((a.astype(np.int64) & mask) != 0).astype(np.int64))


@dataclass(frozen=True, slots=True)
class InterleavedGetter:
    """Two columns of each row, a then b (``ip.addr``, ``tcp.port``), each where it is present."""

    layer: str
    a: str
    b: str
    present_a: Presence
    present_b: Presence

    def __call__(self, table: PacketTable) -> Values:
        lt = table.layer(self.layer)
        if len(lt) == 0:
            return Values.empty()
        va = lt.values(self.a)
        vb = lt.values(self.b)
        pa = _present(lt, self.present_a)
        pb = _present(lt, self.present_b)
        both_v = interleave(va, vb)
        m = len(lt)
        keep = np.ones(2 * m, dtype=np.bool_)
        if pa is not None:
            keep[0::2] = pa
        if pb is not None:
            keep[1::2] = pb
        return both_v.take(keep)


def interleaved(layer: str, a: str, b: str, present_a: Presence, present_b: Presence) -> Getter:
    """Two columns of each row, a then b (``ip.addr``, ``tcp.port``), each where it is present."""
    return InterleavedGetter(layer, a, b, present_a, present_b)


def merged(*getters: tuple[str, Getter]) -> Getter:
    """Values of several layers merged in protocol-stack order (``ip.version`` from IPv6 and IPv4)."""

    def get(table: PacketTable) -> Values:
        parts = []
        for layer, g in getters:
            lt = table.layer(layer)
            v = g(table)
            if len(v) == 0:
                continue
            # stack position of each value: the depth of the row it came from
            rows = _rows_of(lt, v)
            parts.append((v, lt.depth[rows].astype(np.int64)))
        return concat_by_frame(parts)

    return get


def _rows_of(lt: Layer, v: Values) -> NDArray[np.int64]:
    """Row numbers of ``v``'s values in ``lt`` (values are a subset of rows, in row order)."""
    order = np.searchsorted(lt.pkt, v.pkt, side="left")
    # several rows of one frame: walk forward to the matching layer number
    return order + (v.layers() - 1)


def frame_values(compute: Callable[[PacketTable], NDArray[np.generic]],
                 present: Callable[[PacketTable], NDArray[np.bool_]] | None = None) -> Getter:
    """A per-frame value (``frame.len``); ``present`` masks frames that lack it."""

    def get(table: PacketTable) -> Values:
        data = compute(table)
        pkt = np.arange(table.n, dtype=np.int64)
        if present is not None:
            m = present(table)
            return Values(pkt[m], data[m])
        return Values(pkt, data)

    return get


def spans_values(t: PacketTable, pkt: NDArray[np.int64], spans: NDArray[np.int64], bufs: NDArray[np.int64],
                 layer: NDArray[np.integer[Any]]) -> Values:
    """Values over byte spans ``[start, start + length)`` (the rows of ``spans``) of buffer
    ``bufs`` (0: the capture); spans in reassembled buffers are copied into one new buffer,
    as a Values has one."""
    span = np.stack([spans[:, 0], np.clip(spans[:, 1], 0, None)], axis=1)
    if not bufs.any():
        return Values(pkt, span, layer.astype(np.int32))
    pieces = []
    new_start = np.zeros(pkt.shape[0], dtype=np.int64)
    at = 0
    for b in np.unique(bufs).tolist():
        sel = np.flatnonzero(bufs == b)
        lens = span[sel, 1]
        rep = np.repeat(span[sel, 0] - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
        idx = rep + np.arange(int(lens.sum()))
        pieces.append(t.buffers[b][idx])
        new_start[sel] = at + np.concatenate(([0], np.cumsum(lens)[:-1]))
        at += int(lens.sum())
    span = np.stack([new_start, span[:, 1]], axis=1)
    return Values(pkt, span, layer.astype(np.int32), np.concatenate(pieces) if pieces else None)
