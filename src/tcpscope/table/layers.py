"""Protocol layer tables: one row per header of one protocol, in frame order.

A frame of Ethernet / IPv4 / TCP gives one row to each of the ``eth``, ``ip`` and
``tcp`` tables; a 4-in-4 tunnel gives two rows to ``ip``; a frame without TCP gives
none to ``tcp``. Every table has

* ``pkt``: the frame index of the row (non-decreasing),
* ``depth``: the header's position in the frame's protocol stack (0 = link layer),
* ``layer``: 1 for the outermost header of this protocol in the frame, 2 for the next,

and one numpy column per header field, named as the Wireshark field without its
protocol prefix (``ip.src`` is column ``src`` of table ``ip``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from tcpscope.table.values import Values

__all__ = ["Layer", "LayerBuilder", "frame_depth_order"]


@dataclass(frozen=True, slots=True)
class Layer:
    """The rows of one protocol across a capture (see the module docstring)."""

    name: str
    pkt: NDArray[np.int64]
    depth: NDArray[np.int16]
    layer: NDArray[np.int32]
    cols: Mapping[str, NDArray[np.generic]]

    def __len__(self) -> int:
        return int(self.pkt.shape[0])

    def col(self, name: str) -> NDArray[np.generic]:
        return self.cols[name]

    def values(self, column: str, where: NDArray[np.bool_] | None = None) -> Values:
        """The column as field values; ``where`` keeps only the rows where the field exists."""
        data = self.cols[column]
        if where is None or bool(where.all()):  # the usual case: no copies
            return Values(self.pkt, data, self.layer)
        return Values(self.pkt[where], data[where], self.layer[where])

    def first_row(self, n: int) -> NDArray[np.int64]:
        """For each of ``n`` frames, the index of its first (outermost) row, or -1."""
        out = np.full(n, -1, dtype=np.int64)
        rows = np.arange(self.pkt.shape[0], dtype=np.int64)
        out[self.pkt[::-1]] = rows[::-1]
        return out

    def last_row(self, n: int) -> NDArray[np.int64]:
        """For each of ``n`` frames, the index of its last (innermost) row, or -1."""
        out = np.full(n, -1, dtype=np.int64)
        out[self.pkt] = np.arange(self.pkt.shape[0], dtype=np.int64)
        return out

    @staticmethod
    def empty(name: str) -> Layer:
        return Layer(
            name,
            np.zeros(0, dtype=np.int64),
            np.zeros(0, dtype=np.int16),
            np.zeros(0, dtype=np.int32),
            {},
        )


@dataclass
class LayerBuilder:
    """Collects chunks of rows as the dissectors walk deeper, then sorts them by frame."""

    name: str
    chunks: list[tuple[NDArray[np.int64], int, dict[str, NDArray[np.generic]]]] = field(
        default_factory=list
    )

    def add(self, pkt: NDArray[np.int64], depth: int, cols: dict[str, NDArray[np.generic]]) -> None:
        if pkt.shape[0]:
            self.chunks.append((pkt, depth, cols))

    def build(self, numbered: bool = True) -> Layer:
        """The rows in frame order (then stack depth, then the order they were added).

        ``numbered=False`` leaves every row's ``layer`` at 1, for a caller that numbers
        the rows itself (TCP options count per option protocol).

        The builder is used up: each chunk column is released as soon as it is merged,
        so that building the largest tables (TCP options, millions of rows) holds about
        one copy of them rather than three.
        """
        chunks, self.chunks = self.chunks, []
        if not chunks:
            return Layer.empty(self.name)
        if len(chunks) == 1:  # nothing to merge: the chunk's arrays are the table's
            pkt, depth_value, cols = chunks[0]
            return Layer(self.name, pkt, np.full(pkt.shape[0], depth_value, dtype=np.int16),
                         _layer_numbers(pkt) if numbered else np.ones(pkt.shape[0], dtype=np.int32),
                         {k: _native(v) for k, v in cols.items()})
        protos: dict[str, NDArray[np.generic]] = {}
        for _, _, cols in chunks:
            for k, v in cols.items():
                protos.setdefault(k, v[:0])
        pkt = np.concatenate([c[0] for c in chunks])
        depth = np.concatenate([np.full(c[0].shape[0], c[1], dtype=np.int16) for c in chunks])
        runs: list[list[tuple[int, int, int]] | NDArray[np.int64]] | None = None
        order = frame_depth_order(pkt, depth)
        if order is not None:
            pkt = pkt[order]
            depth = depth[order]
            runs = _placements(order, [c[0].shape[0] for c in chunks])
            del order
        merged: dict[str, NDArray[np.generic]] = {}
        for k, proto in protos.items():
            parts = [cols.pop(k) if k in cols else np.zeros((p.shape[0], *proto.shape[1:]), dtype=proto.dtype)
                     for p, _, cols in chunks]
            if runs is None:
                col = np.concatenate(parts)
            else:
                col = np.empty((pkt.shape[0], *proto.shape[1:]), dtype=np.result_type(*parts))
                for part, placed in zip(parts, runs, strict=True):
                    if isinstance(placed, list):
                        for src, dst, length in placed:
                            col[dst:dst + length] = part[src:src + length]
                    else:
                        col[placed] = part
            del parts
            merged[k] = _native(col)
        layer = _layer_numbers(pkt) if numbered else np.ones(pkt.shape[0], dtype=np.int32)
        return Layer(self.name, pkt, depth, layer, merged)


def frame_depth_order(pkt: NDArray[np.int64], depth: NDArray[np.int16]) -> NDArray[np.intp] | None:
    """The order that sorts rows by (frame, depth), stably, as ``np.lexsort((depth, pkt))``
    does; None when they are in that order already.

    Rows come in chunks that are each in frame order: one stable argsort (timsort) of a
    combined key merges such runs quickly.
    """
    d = depth.astype(np.int64) - int(depth.min())
    key = pkt * (int(d.max()) + 1) + d
    del d
    if bool((key[1:] >= key[:-1]).all()):
        return None
    order: NDArray[np.intp] = np.argsort(key, kind="stable")
    return order


#: A chunk cut into more runs than this is scattered row by row instead.
_MAX_RUNS = 64


def _placements(order: NDArray[np.intp], sizes: list[int]) -> list[list[tuple[int, int, int]] | NDArray[np.int64]]:
    """Where each chunk's rows go in the sorted table. A chunk's rows keep their order, so
    the rows of other chunks that fall between them cut it into runs: a few runs are
    given as (row in the chunk, row in the table, length) and copied whole; a chunk cut
    into many gets the table row of each of its rows."""
    n = order.shape[0]
    dest = np.empty(n, dtype=np.int64)
    dest[order] = np.arange(n, dtype=np.int64)
    out: list[list[tuple[int, int, int]] | NDArray[np.int64]] = []
    start = 0
    for size in sizes:
        d = dest[start:start + size]
        cut = np.flatnonzero(d[1:] != d[:-1] + 1) + 1
        if cut.shape[0] >= _MAX_RUNS:
            out.append(d)
        else:
            first = np.concatenate(([0], cut))
            lengths = np.diff(np.concatenate((first, [size])))
            out.append(list(zip(first.tolist(), d[first].tolist(), lengths.tolist(), strict=True)))
        start += size
    return out


def _native(a: NDArray[np.generic]) -> NDArray[np.generic]:
    """``a`` contiguous and in the machine's byte order (headers are read as big-endian
    structures; the compiled kernels and Arrow take native numbers only)."""
    if a.dtype.byteorder not in ("=", "|"):
        return a.astype(a.dtype.newbyteorder("="))
    return np.ascontiguousarray(a)


def _layer_numbers(pkt: NDArray[np.int64]) -> NDArray[np.int32]:
    """1, 2, ... within each run of equal frame indexes (``pkt`` sorted)."""
    m = pkt.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.int32)
    if bool((pkt[1:] != pkt[:-1]).all()):  # one row per frame: the common case
        return np.ones(m, dtype=np.int32)
    idx = np.arange(m, dtype=np.int64)
    start = np.empty(m, dtype=np.bool_)
    start[0] = True
    start[1:] = pkt[1:] != pkt[:-1]
    run_start = np.maximum.accumulate(np.where(start, idx, 0))
    return (idx - run_start + 1).astype(np.int32)
