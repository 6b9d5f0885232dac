"""TCP stream reassembly: each direction's bytes as its receiver saw them, as ranges of captured bytes.

For every connection (``tcp.stream``) and direction, the bytes are placed by sequence
number, whatever order the segments came in:

* **offsets**: a byte's stream offset is its relative sequence number minus 1 (tshark's
  relative numbers: offset 0 is the byte after the SYN, or, without a SYN, the first
  byte of the first segment seen), unwrapped past 2**32 (each segment is placed within
  2**31 of the furthest one seen before it), so offsets are int64 and may be negative
  for data from before the first segment seen;
* **first copy wins** (Wireshark's default): a byte already captured in an earlier
  frame is never replaced; a retransmission, an overlapping segment or a keep-alive
  contributes only the bytes not seen before, if any;
* **out of order**: a segment that came early or late is put in its place by offset,
  as tshark's out-of-order analysis places it;
* **gaps**: the offsets no captured byte covers between offset 0 and the end of the
  furthest segment with data seen (its TCP length, captured or not), with their size:
  the missed bytes (:meth:`Reassembler.gaps`). Segments without data do not extend it
  (the ACK after a FIN is one past the last byte);
* **snapshot length**: the bytes of a segment's TCP length that the snapshot length cut
  are noted (:attr:`Piece.cuts`) and count as missed, unless a later copy fills them.

The segments read are those tshark's TCP taps see (:func:`tcpscope.analysis.follow.fed_rows`:
a complete header with a known length, in a conversation). Nothing is copied: a range
is a place in the piece's table (the frame, the buffer and offset of its bytes, their
stream offset), and :func:`range_bytes` fetches them.

How this differs from what ``tshark -z follow,tcp`` prints (:mod:`tcpscope.analysis.follow`):
follow holds the data after a hole until the hole is filled or the peer acknowledges
past it, and drops it at the end of the capture otherwise; here it is placed at once and
the hole is a gap. Follow advances past a snap-length cut silently; here the cut bytes
are a gap. Follow compares sequence numbers modulo 2**32 and can lose data across a
wrap or when several connections share its state; here offsets are unwrapped per
stream. Follow prints one chunk per frame, in the order it released them; here ranges
are sorted by offset.

:class:`Reassembler` works a piece of a capture at a time (state per stream and
direction: the intervals covered so far, usually one); :func:`reassemble` does a whole
table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tcpscope._jit import helper, kernel
from tcpscope._types import Array, Index
from tcpscope.analysis.follow import fed_rows
from tcpscope.constants import SYN
from tcpscope.table.packets import PacketTable

__all__ = ["Gaps", "Piece", "Ranges", "Reassembler", "Reassembly", "range_bytes", "reassemble"]

_MOD = 0xFFFFFFFF


@dataclass(frozen=True)
class Ranges:
    """Byte ranges of streams, one row each: the stream (``tcp.stream``) and direction (the
    ``tcp`` row's ``_flow``: 0 for Wireshark's flow 1, the endpoint whose address compares
    greater), the frame number, the ``tcp`` row in the table, the buffer holding the bytes
    (``table.buffers[buf]``; 0 is the capture) and their offset there, their offset in the
    frame's captured bytes (-1 when they are in a reassembled IP datagram's buffer), how
    many, and their stream offset."""

    stream: Index
    direction: Array
    frame: Index
    row: Index
    buf: Array
    start: Index
    frame_offset: Index
    length: Index
    offset: Index

    def __len__(self) -> int:
        return int(self.stream.shape[0])

    def take(self, idx: Index) -> Ranges:
        return Ranges(*(getattr(self, f)[idx] for f in _RANGE_FIELDS))


_RANGE_FIELDS = ("stream", "direction", "frame", "row", "buf", "start", "frame_offset", "length", "offset")


@dataclass(frozen=True)
class Gaps:
    """Missed bytes: stream, direction, stream offset and size of each hole."""

    stream: Index
    direction: Array
    offset: Index
    size: Index

    def __len__(self) -> int:
        return int(self.stream.shape[0])


@dataclass(frozen=True)
class Piece:
    """What one piece of a capture adds: ``ranges``, the bytes new to their stream, sorted
    by stream, direction and offset (a later piece may bring bytes before them: a hole
    filled), and ``cuts``, the bytes the snapshot length cut from segments of this piece
    (a :class:`Gaps` table: where and how many)."""

    ranges: Ranges
    cuts: Gaps


@dataclass(frozen=True)
class Reassembly:
    """A whole table's streams: every range sorted by stream, direction and offset, the
    gaps left at the end and the snap-length cuts."""

    ranges: Ranges
    gaps: Gaps
    cuts: Gaps


def range_bytes(table: PacketTable, ranges: Ranges) -> bytes:
    """The bytes of ``ranges`` (of this table), one after the other."""
    parts = []
    for i in range(len(ranges)):
        s = int(ranges.start[i])
        parts.append(np.asarray(table.buffers[int(ranges.buf[i])])[s:s + int(ranges.length[i])].tobytes())
    return b"".join(parts)


# ---- the kernel: covered intervals per stream and direction ----


@helper
def _signed32(x: int) -> int:
    """The 32-bit difference ``x`` as a signed number."""
    x &= _MOD
    return x - (_MOD + 1) if x > 0x7FFFFFFF else x


@helper
def _add_interval(lo: Any, hi: Any, m: int, a: int, b: int) -> int:
    """Merge ``[a, b)`` into the sorted, disjoint, non-touching intervals ``lo``/``hi``
    (``m`` of them). Returns the new count."""
    i = 0
    while i < m and hi[i] < a:
        i += 1
    j = i
    while j < m and lo[j] <= b:
        j += 1
    # intervals i .. j-1 touch [a, b): they become one
    if j > i:
        a = min(a, lo[i])
        b = max(b, hi[j - 1])
    shift = 1 - (j - i)
    if shift > 0:
        for k in range(m - 1, j - 1, -1):
            lo[k + shift] = lo[k]
            hi[k + shift] = hi[k]
    elif shift < 0:
        for k in range(j, m):
            lo[k + shift] = lo[k]
            hi[k + shift] = hi[k]
    lo[i] = a
    hi[i] = b
    return m + shift


@helper
def _new_bytes(lo: Any, hi: Any, m: int, a: int, b: int, seg: int, out: Any, k: int) -> int:  # noqa: PLR0913, PLR0917 -- a numba helper: arrays one by one
    """The parts of ``[a, b)`` no interval covers, as ranges of segment ``seg`` (its
    bytes from ``a``) in ``out``: (segment, bytes skipped, length, offset). Returns the count."""
    x = a
    j = 0
    while j < m and hi[j] <= x:
        j += 1
    while x < b:
        if j < m and lo[j] <= x:
            x = max(x, hi[j])
            j += 1
            continue
        y = min(b, lo[j]) if j < m else b
        out[k, 0] = seg
        out[k, 1] = x - a
        out[k, 2] = y - x
        out[k, 3] = x
        k += 1
        x = y
    return k


# per key state: the last sequence number placed and its offset, the furthest end seen
K_LAST32, K_LAST64, K_EXTENT = 0, 1, 2


@kernel
def _reassemble(group: Any, seq: Any, seglen: Any, cap: Any, keystate: Any, old_off: Any, old_ivl: Any,  # noqa: PLR0913, PLR0917 -- a numba kernel: arrays one by one
                new_off: Any, new_ivl: Any, out: Any, cut: Any) -> int:
    """Place the segments (sorted by key, in arrival order within one; ``group[g]`` is where
    key ``g``'s segments start) against each key's intervals (``old_ivl[old_off[g]:old_off[g+1]]``),
    writing the new bytes to ``out``, each segment's snap-length cut to ``cut`` (offset,
    size) and the new intervals to ``new_ivl`` (``new_off`` filled). Returns the count of
    ``out`` rows."""
    k = 0
    ngroups = group.shape[0] - 1
    at = 0
    for g in range(ngroups):
        first, last = group[g], group[g + 1]
        m = old_off[g + 1] - old_off[g]
        cap_g = m + (last - first) + 1
        lo = np.empty(cap_g, dtype=np.int64)
        hi = np.empty(cap_g, dtype=np.int64)
        for i in range(m):
            lo[i] = old_ivl[old_off[g] + i, 0]
            hi[i] = old_ivl[old_off[g] + i, 1]
        for s in range(first, last):
            pos = keystate[g, K_LAST64] + _signed32(seq[s] - keystate[g, K_LAST32])
            if pos > keystate[g, K_LAST64]:
                keystate[g, K_LAST64] = pos
                keystate[g, K_LAST32] = seq[s]
            if seglen[s] > 0:
                keystate[g, K_EXTENT] = max(keystate[g, K_EXTENT], pos + seglen[s])
            cut[s, 0] = pos + cap[s]
            cut[s, 1] = seglen[s] - cap[s]
            if cap[s] > 0:
                k = _new_bytes(lo, hi, m, pos, pos + cap[s], s, out, k)
                m = _add_interval(lo, hi, m, pos, pos + cap[s])
        new_off[g] = at
        for i in range(m):
            new_ivl[at, 0] = lo[i]
            new_ivl[at, 1] = hi[i]
            at += 1
    new_off[ngroups] = at
    return k


class Reassembler:
    """Streams reassembled a piece of a capture at a time (module docstring).

    Feed analysed tables of consecutive frames to :meth:`feed`; each returns the bytes
    that piece brings. The state kept between pieces is, per stream and direction, the
    intervals of offsets covered (one when nothing is missing), the furthest end seen and
    where the unwrapping of sequence numbers stands.
    """

    def __init__(self) -> None:
        self._keys = np.zeros(0, dtype=np.int64)  # stream * 2 + direction, sorted
        self._state = np.zeros((0, 3), dtype=np.int64)
        self._off = np.zeros(1, dtype=np.int64)
        self._ivl = np.zeros((0, 2), dtype=np.int64)

    def feed(self, table: PacketTable) -> Piece:
        """The bytes ``table`` adds to its streams, and its snap-length cuts."""
        tcp = table.layer("tcp")
        if len(tcp) == 0:
            return Piece(_empty_ranges(), _empty_gaps())
        c = tcp.cols
        rows = np.flatnonzero(fed_rows(table)).astype(np.int64)
        key = np.asarray(c["stream"], dtype=np.int64)[rows] * 2 + np.asarray(c["_flow"], dtype=np.int64)[rows]
        order = np.argsort(key, kind="stable")
        rows, key = rows[order], key[order]
        flags = np.asarray(c["flags"], dtype=np.int64)[rows]
        seq = (np.asarray(c["seq"], dtype=np.int64)[rows] + ((flags & SYN) != 0)) & _MOD
        seglen = np.maximum(np.asarray(c["len"], dtype=np.int64)[rows], 0)
        cap = np.minimum(np.asarray(c["payload_cap"], dtype=np.int64)[rows], seglen)
        ukeys, group_start = np.unique(key, return_index=True)
        group = np.append(group_start, key.shape[0]).astype(np.int64)
        keystate, old_off, old_ivl = self._state_of(ukeys)
        new_off = np.zeros(ukeys.shape[0] + 1, dtype=np.int64)
        new_ivl = np.zeros((old_ivl.shape[0] + rows.shape[0], 2), dtype=np.int64)
        out = np.zeros((old_ivl.shape[0] + 2 * rows.shape[0], 4), dtype=np.int64)
        cut = np.zeros((rows.shape[0], 2), dtype=np.int64)
        k = int(_reassemble.run(rows.shape[0], group, seq, seglen, cap, keystate, old_off, old_ivl,
                                new_off, new_ivl, out, cut))
        self._store(ukeys, keystate, new_off, new_ivl[: int(new_off[-1])])
        seg_key = key
        return Piece(self._ranges(table, rows, seg_key, out[:k]), self._cuts(seg_key, cut))

    def _state_of(self, ukeys: Index) -> tuple[Array, Index, Array]:
        """The carried state of keys ``ukeys``: fresh for new ones (offset 0 at relative sequence 1)."""
        n = ukeys.shape[0]
        keystate = np.zeros((n, 3), dtype=np.int64)
        keystate[:, K_LAST32] = 1
        pos = np.searchsorted(self._keys, ukeys)
        known = (pos < self._keys.shape[0]) & (self._keys[np.minimum(pos, max(self._keys.shape[0] - 1, 0))] == ukeys) \
            if self._keys.shape[0] else np.zeros(n, dtype=np.bool_)
        keystate[known] = self._state[pos[known]]
        counts = np.zeros(n, dtype=np.int64)
        counts[known] = (self._off[pos[known] + 1] - self._off[pos[known]])
        old_off = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=old_off[1:])
        take = np.concatenate([np.arange(self._off[p], self._off[p + 1]) for p in pos[known].tolist()] or
                              [np.zeros(0, dtype=np.int64)]).astype(np.int64)
        return keystate, old_off, self._ivl[take]

    def _store(self, ukeys: Index, keystate: Array, new_off: Index, new_ivl: Array) -> None:
        """Replace the state of keys ``ukeys`` (the others stay as they were)."""
        keep = ~np.isin(self._keys, ukeys)
        old_counts = np.diff(self._off)
        kept_rows = np.repeat(keep, old_counts)
        keys = np.concatenate([self._keys[keep], ukeys])
        state = np.concatenate([self._state[keep], keystate])
        counts = np.concatenate([old_counts[keep], np.diff(new_off)])
        ivl = [self._ivl[kept_rows], new_ivl]
        owner = np.concatenate([np.repeat(np.arange(int(keep.sum())), old_counts[keep]),
                                np.repeat(np.arange(ukeys.shape[0]) + int(keep.sum()), np.diff(new_off))])
        order = np.argsort(keys, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.shape[0])
        ivl_order = np.argsort(rank[owner], kind="stable")
        self._keys = keys[order]
        self._state = state[order]
        self._off = np.zeros(keys.shape[0] + 1, dtype=np.int64)
        np.cumsum(counts[order], out=self._off[1:])
        self._ivl = np.concatenate(ivl)[ivl_order]

    @staticmethod
    def _ranges(table: PacketTable, rows: Index, seg_key: Index, out: Array) -> Ranges:
        tcp = table.layer("tcp")
        c = tcp.cols
        seg = out[:, 0]
        r = rows[seg]
        pkt = tcp.pkt[r]
        buf = np.asarray(c["_buf"], dtype=np.int8)[r]
        start = np.asarray(c["payload_off"], dtype=np.int64)[r] + out[:, 1]
        frame_offset = np.where(buf == 0, start - np.asarray(table.records.offset, dtype=np.int64)[pkt], -1)
        key = seg_key[seg]
        ranges = Ranges(stream=key >> 1, direction=(key & 1).astype(np.int8), frame=pkt + 1 + table.records.first_frame,
                        row=r, buf=buf, start=start, frame_offset=frame_offset, length=out[:, 2], offset=out[:, 3])
        return ranges.take(np.lexsort((ranges.offset, key)))

    @staticmethod
    def _cuts(seg_key: Index, cut: Array) -> Gaps:
        has = cut[:, 1] > 0
        key = seg_key[has]
        return Gaps(stream=key >> 1, direction=(key & 1).astype(np.int8), offset=cut[has, 0], size=cut[has, 1])

    def gaps(self) -> Gaps:
        """The holes so far: per stream and direction, the offsets from 0 to the furthest
        end seen that no captured byte covers."""
        counts = np.diff(self._off)
        owner = np.repeat(np.arange(self._keys.shape[0]), counts)
        lo, hi = self._ivl[:, 0], self._ivl[:, 1]
        # each interval's hole before it: from the previous interval's end, or from 0
        first = np.zeros(lo.shape[0], dtype=np.bool_)
        first[self._off[:-1][counts > 0]] = True
        before = np.where(first, 0, np.concatenate([[0], hi[:-1]]))
        gap_key = [owner, np.flatnonzero(counts >= 0)]
        gap_at = [before, np.where(counts > 0, hi[np.maximum(self._off[1:] - 1, 0)] if lo.shape[0] else 0, 0)]
        gap_end = [lo, self._state[:, K_EXTENT]]
        key_idx = np.concatenate(gap_key)
        at = np.concatenate(gap_at)
        end = np.concatenate(gap_end)
        keep = end > at
        order = np.lexsort((at[keep], key_idx[keep]))
        keys = self._keys[key_idx[keep]][order]
        return Gaps(stream=keys >> 1, direction=(keys & 1).astype(np.int8), offset=at[keep][order],
                    size=(end - at)[keep][order])


def _empty_ranges() -> Ranges:
    z = np.zeros(0, dtype=np.int64)
    return Ranges(z, np.zeros(0, np.int8), z, z, np.zeros(0, np.int8), z, z, z, z)


def _empty_gaps() -> Gaps:
    z = np.zeros(0, dtype=np.int64)
    return Gaps(z, np.zeros(0, np.int8), z, z)


def reassemble(table: PacketTable) -> Reassembly:
    """Every stream of an analysed table reassembled (module docstring)."""
    r = Reassembler()
    piece = r.feed(table)
    return Reassembly(piece.ranges, r.gaps(), piece.cuts)
