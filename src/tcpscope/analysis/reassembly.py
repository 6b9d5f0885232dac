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

#: The digest of :mod:`tcpscope.constants` this module's kernels were compiled for (tests/test_constants.py).
CONSTANTS_DIGEST = "9f669131f1707517"

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


# per key state: the last sequence number placed and its offset, the furthest end seen,
# and where its intervals are in the pool: first row, count, rows reserved
K_LAST32, K_LAST64, K_EXTENT, K_FIRST, K_COUNT, K_ROOM = 0, 1, 2, 3, 4, 5
K_N = 6


@kernel
def _reassemble(group: Any, ukeys: Any, seq: Any, seglen: Any, cap: Any, st: Any, pool: Any, used: int,  # noqa: PLR0913, PLR0917 -- a numba kernel: arrays one by one
                out: Any, cut: Any) -> tuple[int, int]:
    """Place the segments (sorted by key, in arrival order within one; ``group[g]`` is where
    the segments of key ``ukeys[g]`` start) against that key's intervals (``st`` rows: see
    ``K_*``; the intervals in ``pool``), writing the new bytes to ``out`` (segment, bytes
    skipped, length, offset) and each segment's snap-length cut to ``cut`` (offset, size).
    A key's intervals are written back in place when they fit, else after row ``used``
    of the pool (which has room for every key's). Returns the count of ``out`` rows and
    the pool rows used."""
    k = 0
    for g in range(group.shape[0] - 1):
        key = ukeys[g]
        first, last = group[g], group[g + 1]
        m = st[key, K_COUNT]
        room = m + (last - first) + 1
        lo = np.empty(room, dtype=np.int64)
        hi = np.empty(room, dtype=np.int64)
        at = st[key, K_FIRST]
        for i in range(m):
            lo[i] = pool[at + i, 0]
            hi[i] = pool[at + i, 1]
        for s in range(first, last):
            pos = st[key, K_LAST64] + _signed32(seq[s] - st[key, K_LAST32])
            if pos > st[key, K_LAST64]:
                st[key, K_LAST64] = pos
                st[key, K_LAST32] = seq[s]
            if seglen[s] > 0:
                st[key, K_EXTENT] = max(st[key, K_EXTENT], pos + seglen[s])
            cut[s, 0] = pos + cap[s]
            cut[s, 1] = seglen[s] - cap[s]
            if cap[s] > 0:
                k = _new_bytes(lo, hi, m, pos, pos + cap[s], s, out, k)
                m = _add_interval(lo, hi, m, pos, pos + cap[s])
        if m > st[key, K_ROOM]:
            st[key, K_FIRST] = used
            st[key, K_ROOM] = 2 * m
            used += 2 * m
        at = st[key, K_FIRST]
        for i in range(m):
            pool[at + i, 0] = lo[i]
            pool[at + i, 1] = hi[i]
        st[key, K_COUNT] = m
    return k, used


#: Pool rows beyond twice the live ones before the pool is compacted.
COMPACT_SLACK = 4096


class Reassembler:
    """Streams reassembled a piece of a capture at a time (module docstring).

    Feed analysed tables of consecutive frames to :meth:`feed`; each returns the bytes
    that piece brings. The state kept between pieces is, per stream and direction (a row
    of ``K_*`` columns indexed by ``stream * 2 + direction``, stream numbers being
    dense), where the unwrapping of sequence numbers stands, the furthest end seen and
    the intervals of offsets covered (one when nothing is missing), kept in a pool of
    rows compacted when half of it is stale: a few dozen bytes per stream, whatever its
    length.
    """

    def __init__(self) -> None:
        self._st = _fresh_state(0)
        self._pool = np.zeros((0, 2), dtype=np.int64)
        self._used = 0

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
        self._grow_keys(int(ukeys[-1]) + 1 if ukeys.shape[0] else 0)
        self._grow_pool(2 * int((self._st[ukeys, K_COUNT] + np.diff(group) + 1).sum()))
        out = np.zeros((int(self._st[ukeys, K_COUNT].sum()) + 2 * rows.shape[0], 4), dtype=np.int64)
        cut = np.zeros((rows.shape[0], 2), dtype=np.int64)
        k, used = _reassemble.run(rows.shape[0], group, ukeys, seq, seglen, cap, self._st, self._pool, self._used,
                                  out, cut)
        self._used = int(used)
        return Piece(self._ranges(table, rows, key, out[: int(k)]), self._cuts(key, cut))

    def _grow_keys(self, keys: int) -> None:
        """Room for ``keys`` keys."""
        if keys > self._st.shape[0]:
            st = _fresh_state(max(keys, 2 * self._st.shape[0]))
            st[: self._st.shape[0]] = self._st
            self._st = st

    def _grow_pool(self, rows: int) -> None:
        """Room for ``rows`` more pool rows (the pool compacted first when more than half of
        it is stale)."""
        live = int(self._st[:, K_COUNT].sum())
        if self._used > 2 * live + COMPACT_SLACK:
            self._compact()
        if self._used + rows > self._pool.shape[0]:
            pool = np.zeros((max(self._used + rows, 2 * self._pool.shape[0]), 2), dtype=np.int64)
            pool[: self._used] = self._pool[: self._used]
            self._pool = pool

    def _compact(self) -> None:
        """The live intervals moved to the front of the pool, each key's room its count."""
        st = self._st
        has = np.flatnonzero(st[:, K_COUNT] > 0)
        counts = st[has, K_COUNT]
        first = np.cumsum(counts) - counts
        take = np.repeat(st[has, K_FIRST] - first, counts) + np.arange(int(counts.sum()), dtype=np.int64)
        pool = np.zeros_like(self._pool)
        pool[: take.shape[0]] = self._pool[take]
        self._pool = pool
        st[:, K_ROOM] = 0
        st[has, K_FIRST] = first
        st[has, K_ROOM] = counts
        self._used = int(take.shape[0])

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
        st = self._st
        keys = np.flatnonzero((st[:, K_COUNT] > 0) | (st[:, K_EXTENT] > 0))
        counts = st[keys, K_COUNT]
        at = np.repeat(st[keys, K_FIRST], counts) + np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
            np.cumsum(counts) - counts, counts)
        owner = np.repeat(keys, counts)
        lo, hi = self._pool[at, 0], self._pool[at, 1]
        # the hole before each interval (from the previous one's end, or from 0) and after the last
        first = np.ones(lo.shape[0], dtype=np.bool_)
        first[1:] = owner[1:] != owner[:-1]
        before = np.where(first, 0, np.concatenate([[0], hi[:-1]]))
        last_hi = np.zeros(keys.shape[0], dtype=np.int64)
        last_hi[counts > 0] = hi[np.cumsum(counts)[counts > 0] - 1]
        key = np.concatenate([owner, keys])
        start = np.concatenate([before, last_hi])
        end = np.concatenate([lo, st[keys, K_EXTENT]])
        keep = end > start
        order = np.lexsort((start[keep], key[keep]))
        key, start, end = key[keep][order], start[keep][order], end[keep][order]
        return Gaps(stream=key >> 1, direction=(key & 1).astype(np.int8), offset=start, size=end - start)


def _fresh_state(keys: int) -> Array:
    """State rows of keys not seen yet: offset 0 at relative sequence number 1."""
    st = np.zeros((keys, K_N), dtype=np.int64)
    st[:, K_LAST32] = 1
    return st


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
