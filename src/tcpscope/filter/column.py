"""Filter values over a whole capture: every value of an expression, with its frame.

A :class:`Col` is what a DFVM register holds, for all frames at once: one row per
value (``pkt`` is its frame index, non-decreasing) and ``defined``, the frames where
every field the expression reads is present (dfvm.c jumps past a relation when a
field load fails, so a relation is false there before its operator is looked at).
A defined frame may still have no values (an arithmetic pair that failed, a
division by zero): then an ``any`` test is false and an ``all`` test true, as
dfvm.c ``cmp_test`` returns ``want_all`` for an empty list.

Value kinds: ``num`` (integers, booleans, times in ns, as int64), ``flt`` (float64),
``ip4`` (int64 address plus a netmask per value), ``ip6`` ((m, 16) uint8 plus a
prefix per value), ``str`` (numpy unicode) and ``raw`` (byte strings: per value a
buffer number, a start and a length into ``bufs``; protocols also carry ``ext``,
the bytes of their whole tvb that ``contains`` and ``matches`` search).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from tcpscope._types import Array, Index, Mask

__all__ = ["Col", "materialize", "pairs", "raw_from_bytes", "raw_from_fixed", "raw_from_rows", "raw_prefix", "raw_values"]


@dataclass(frozen=True, slots=True)
class Col:
    """All values of one filter expression over all frames (see the module docstring)."""

    kind: str
    pkt: Index
    data: Array
    defined: Mask
    aux: Array | None = None  # ip4 netmask, ip6 prefix
    buf: NDArray[np.int8] | None = None  # raw: buffer number per value
    ext: Index | None = None  # raw protocols: bytes searched by contains/matches
    bufs: tuple[NDArray[np.uint8], ...] = ()

    def __len__(self) -> int:
        return int(self.pkt.shape[0])

    def take(self, keep: Mask | Index) -> Col:
        return replace(
            self,
            pkt=self.pkt[keep],
            data=self.data[keep],
            aux=None if self.aux is None else self.aux[keep],
            buf=None if self.buf is None else self.buf[keep],
            ext=None if self.ext is None else self.ext[keep],
        )

    def with_defined(self, defined: Mask) -> Col:
        return replace(self, defined=defined)


def raw_from_fixed(pkt: Index, rows: NDArray[np.uint8], defined: Mask) -> Col:
    """Fixed-width byte values ((m, w) uint8: Ethernet, IPv6) as ``raw`` values."""
    m, w = rows.shape if rows.ndim == 2 else (rows.shape[0], 0)
    flat = np.ascontiguousarray(rows, dtype=np.uint8).reshape(-1)
    span = np.stack([np.arange(m, dtype=np.int64) * w, np.full(m, w, dtype=np.int64)], axis=1)
    return Col("raw", pkt, span, defined, buf=np.zeros(m, dtype=np.int8), bufs=(flat,))


def raw_from_bytes(pkt: Index, values: list[bytes], defined: Mask) -> Col:
    """A list of byte strings as ``raw`` values (for small, computed value sets)."""
    lengths = np.array([len(v) for v in values], dtype=np.int64)
    starts = np.zeros(len(values), dtype=np.int64)
    if len(values) > 1:
        starts[1:] = np.cumsum(lengths)[:-1]
    flat = np.frombuffer(b"".join(values), dtype=np.uint8).copy() if values else np.zeros(0, np.uint8)
    span = np.stack([starts, lengths], axis=1) if len(values) else np.zeros((0, 2), dtype=np.int64)
    return Col("raw", pkt, span, defined, buf=np.zeros(len(values), dtype=np.int8), bufs=(flat,))


def materialize(col: Col, rows: Index | None = None) -> list[bytes]:
    """The byte strings of some ``raw`` values (Python objects: only for small sets)."""
    idx = np.arange(len(col)) if rows is None else rows
    out: list[bytes] = []
    assert col.buf is not None
    for i in idx.tolist():
        b = col.bufs[int(col.buf[i])]
        s, n = int(col.data[i, 0]), int(col.data[i, 1])
        out.append(bytes(b[s:s + n]))
    return out


def raw_values(col: Col, rows: Index, width: int) -> NDArray[np.uint8]:
    """The first ``width`` bytes of the given ``raw`` values as an (k, width) array.

    Callers pass only values at least ``width`` long.
    """
    out = np.zeros((rows.shape[0], width), dtype=np.uint8)
    if rows.shape[0] == 0 or width == 0:
        return out
    assert col.buf is not None
    bufids = col.buf[rows]
    starts = col.data[rows, 0]
    cols = np.arange(width, dtype=np.int64)
    for b in np.unique(bufids).tolist():
        sel = np.flatnonzero(bufids == b)
        idx = starts[sel, None] + cols[None, :]
        out[sel] = col.bufs[b][idx]
    return out


def raw_prefix(col: Col, rows: Index, width: int) -> NDArray[np.uint8]:
    """The first ``width`` bytes of the given ``raw`` values, zero-padded past their ends."""
    out = np.zeros((rows.shape[0], width), dtype=np.uint8)
    if rows.shape[0] == 0 or width == 0:
        return out
    assert col.buf is not None
    bufids = col.buf[rows]
    starts = col.data[rows, 0]
    lengths = col.data[rows, 1]
    cols = np.arange(width, dtype=np.int64)
    inside = cols[None, :] < lengths[:, None]
    for b in np.unique(bufids).tolist():
        sel = np.flatnonzero(bufids == b)
        idx = starts[sel, None] + cols[None, :]
        ok = inside[sel]
        block = np.zeros((sel.shape[0], width), dtype=np.uint8)
        block[ok] = col.bufs[b][idx[ok]]
        out[sel] = block
    return out


def raw_from_rows(pkt: Index, rows: NDArray[np.uint8], lengths: Index, defined: Mask) -> Col:
    """Values given as the first ``lengths[i]`` bytes of ``rows[i]``."""
    m, w = rows.shape
    flat = np.ascontiguousarray(rows, dtype=np.uint8).reshape(-1)
    span = np.stack([np.arange(m, dtype=np.int64) * w, lengths.astype(np.int64)], axis=1)
    return Col("raw", pkt, span, defined, buf=np.zeros(m, dtype=np.int8), bufs=(flat,))


def pairs(a: Col, b: Col, n: int) -> tuple[Index, Index, Index]:
    """Every pair of values of ``a`` and ``b`` in the same frame: (frame, a row, b row)."""
    both = a.defined & b.defined
    ka = np.flatnonzero(both[a.pkt])
    kb = np.flatnonzero(both[b.pkt])
    if ka.shape[0] == 0 or kb.shape[0] == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    cb = np.bincount(b.pkt[kb], minlength=n)
    first_b = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(cb, out=first_b[1:])
    reps = cb[a.pkt[ka]]
    ai = np.repeat(ka, reps)
    # offset of each pair within its run of b values
    run_start = np.repeat(np.cumsum(reps) - reps, reps)
    within = np.arange(ai.shape[0], dtype=np.int64) - run_start
    bi = kb[first_b[a.pkt[ai]] + within]
    return a.pkt[ai], ai, bi
