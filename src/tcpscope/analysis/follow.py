"""tshark's Follow TCP Stream: which bytes ``tshark -q -z follow,tcp,MODE,N`` prints, and in what chunks.

This is not the receiver's view of the stream (:mod:`tcpscope.analysis.reassembly` is):
it reproduces the rules of tshark 4.0.17's follower (``follow_tcp_tap_listener`` and
``check_follow_fragments`` in packet-tcp.c), quirks included, so that ``tcpscope follow``
prints what tshark prints. Per direction (a *node*; node 0 sent the first segment fed to
the follower) it keeps the next expected relative sequence number and a list of held
segments, and for each segment fed, in frame order:

1. held segments of the *other* node are released while this segment's ACK lets them
   (see :func:`_release`);
2. the node's first segment sets the next expected number;
3. a segment that starts before it and ends after it keeps only its new tail;
4. a segment with no captured bytes left, or wholly old, is dropped (retransmissions,
   pure ACKs, keep-alives);
5. a segment that starts at the next expected number is a chunk; the number moves on by
   its TCP length (bytes the snapshot length cut are skipped without a word), and held
   segments that now fit are released;
6. a segment after a hole is held.

A held segment after a hole is printed once the hole is filled, or once the other node
acknowledges past its start: a marker chunk "[N bytes missing in capture file]" (with a
NUL byte, counted in its size) stands for the hole. Held segments nobody acknowledges
are never printed. Chunks are never merged: one per segment that brought new bytes.

Sequence numbers are tshark's relative ones, compared modulo 2**32.

:class:`FollowFeed` collects the segments of one follow a piece of a capture at a time
(their payload bytes copied: a stream's bytes, not the capture's); :func:`follow_chunks`
runs the rules over them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tcpscope._jit import helper, kernel
from tcpscope._types import Array, Index, Mask
from tcpscope.constants import ACK, SYN
from tcpscope.table.packets import PacketTable

__all__ = ["Chunks", "FollowFeed", "FollowSegments", "fed_rows", "follow_chunks", "gather_payload"]

#: The digest of :mod:`tcpscope.constants` this module's kernels were compiled for (tests/test_constants.py).
CONSTANTS_DIGEST = "9f669131f1707517"

_MOD = 0xFFFFFFFF
_HALF = 0x80000000


def fed_rows(table: PacketTable) -> Mask:
    """The ``tcp`` rows tshark's follower is given: those whose dissection reached the
    end of the header with a known segment length (not an unreassembled IP fragment, a
    segment no shorter than its header, the header and its options captured, a data
    offset of at least 20), in a conversation (``tcp.stream``)."""
    c = table.layer("tcp").cols
    return (
        (np.asarray(c["stream"]) >= 0)
        & (np.asarray(c["reach"]) >= 4)
        & np.asarray(c["has_len"], dtype=np.bool_)
        & ~np.asarray(c["bogus_hlen"], dtype=np.bool_)
        & ~np.asarray(c["opt_exception"], dtype=np.bool_)
    )


def gather_payload(table: PacketTable, rows: Index) -> tuple[Array, Index, Index]:
    """The captured payload of the ``tcp`` rows ``rows`` (at most their TCP length),
    copied into one byte array: the bytes, each row's start in them and its count."""
    tcp = table.layer("tcp")
    c = tcp.cols
    cap = np.minimum(np.asarray(c["payload_cap"], dtype=np.int64)[rows],
                     np.maximum(np.asarray(c["len"], dtype=np.int64)[rows], 0))
    off = np.asarray(c["payload_off"], dtype=np.int64)[rows]
    buf = np.asarray(c["_buf"], dtype=np.int64)[rows]
    starts = np.zeros(rows.shape[0] + 1, dtype=np.int64)
    np.cumsum(cap, out=starts[1:])
    out = np.empty(int(starts[-1]), dtype=np.uint8)
    for b in np.flatnonzero(np.bincount(buf)).tolist():  # the buffers used (np.unique imports numpy.ma: start-up)
        sel = np.flatnonzero((buf == b) & (cap > 0))
        if sel.shape[0] == 0:
            continue
        # (span by span: index arrays of every byte cost 16 bytes a payload byte, and the
        # HTTP framing gathers each piece's whole payload)
        _copy_spans.run(sel.shape[0], np.asarray(table.buffers[b]), off[sel], cap[sel], out, starts[sel])
    return out, starts[:-1], cap


@kernel
def _copy_spans(src: Any, off: Any, length: Any, dst: Any, at: Any) -> None:
    """Copy ``src[off[i]:off[i] + length[i]]`` to ``dst[at[i]:...]`` for each span ``i``."""
    for i in range(off.shape[0]):
        dst[at[i]:at[i] + length[i]] = src[off[i]:off[i] + length[i]]


@dataclass(frozen=True)
class FollowSegments:
    """The segments fed to one follower, in frame order: the node (0/1) of each, its
    relative sequence number (SYN counted: where its data starts), TCP length, captured
    payload (``payload[start:start + cap]``), the ACK it carries (relative when the ACK
    flag is set, the raw header value otherwise), its frame number and time (ns)."""

    node: Array
    seq: Index
    seglen: Index
    start: Index
    cap: Index
    ack: Index
    frame: Index
    ts: Index
    payload: Array

    def __len__(self) -> int:
        return int(self.node.shape[0])


@dataclass(frozen=True)
class Chunks:
    """What the follower prints, in order: each chunk's node, frame number and time (ns;
    0 for a marker), and its bytes ``payload[start:start + length]``; a marker (``missing``
    > 0: that many bytes missing) has no bytes in ``payload`` (``start`` -1) and
    ``length`` is its text's, NUL included."""

    node: Array
    frame: Index
    ts: Index
    start: Index
    length: Index
    missing: Index
    payload: Array

    def __len__(self) -> int:
        return int(self.node.shape[0])

    def data(self, i: int) -> bytes:
        """The bytes chunk ``i`` prints (a marker's text and NUL)."""
        if self.missing[i] > 0:
            return marker_text(int(self.missing[i]))
        s = int(self.start[i])
        return bytes(self.payload[s:s + int(self.length[i])])


def marker_text(missing: int) -> bytes:
    """The marker chunk for a hole of ``missing`` bytes: its text and a NUL byte."""
    return f"[{missing} bytes missing in capture file]".encode() + b"\x00"


class FollowFeed:
    """The segments of one follow, collected a piece of a capture at a time (module docstring).

    ``add`` takes an analysed piece and which of its ``tcp`` rows belong to the follow
    (the caller's choice: a ``tcp.stream``); only the rows :func:`fed_rows` allows are
    kept. The first one kept names the nodes (``first``: its piece and ``tcp`` row); a
    segment is node 0's when it comes from the same end as that one (its ``_flow``).
    """

    def __init__(self) -> None:
        self._parts: list[FollowSegments] = []
        self._node0: int | None = None  # the _flow of node 0's segments
        self.first: tuple[PacketTable, int] | None = None

    def add(self, table: PacketTable, rows: Mask) -> None:
        """Keep the segments of ``rows`` (a mask over ``table``'s ``tcp`` rows) that are fed."""
        tcp = table.layer("tcp")
        if len(tcp) == 0:
            return
        sel = np.flatnonzero(rows & fed_rows(table)).astype(np.int64)
        if sel.shape[0] == 0:
            return
        c = tcp.cols
        flow = np.asarray(c["_flow"], dtype=np.int64)[sel]
        if self._node0 is None:
            self._node0 = int(flow[0])
            self.first = (table, int(sel[0]))
        flags = np.asarray(c["flags"], dtype=np.int64)[sel]
        seq = (np.asarray(c["seq"], dtype=np.int64)[sel] + ((flags & SYN) != 0)) & _MOD
        ack = np.where((flags & ACK) != 0, np.asarray(c["ack"], dtype=np.int64)[sel],
                       np.asarray(c["ack_raw"], dtype=np.int64)[sel])
        payload, start, cap = gather_payload(table, sel)
        pkt = tcp.pkt[sel]
        self._parts.append(FollowSegments(
            node=(flow != self._node0).astype(np.int8), seq=seq,
            seglen=np.asarray(c["len"], dtype=np.int64)[sel], start=start, cap=cap, ack=ack,
            frame=pkt + 1 + table.records.first_frame, ts=table.ts_ns[pkt].astype(np.int64), payload=payload))

    def segments(self) -> FollowSegments:
        """Every segment collected, as one :class:`FollowSegments`."""
        parts = self._parts
        if not parts:
            z = np.zeros(0, dtype=np.int64)
            return FollowSegments(node=np.zeros(0, np.int8), seq=z, seglen=z, start=z, cap=z, ack=z, frame=z, ts=z,
                                  payload=np.zeros(0, np.uint8))
        if len(parts) == 1:
            return parts[0]
        shift = np.cumsum([0] + [p.payload.shape[0] for p in parts[:-1]])
        cat = np.concatenate
        return FollowSegments(
            node=cat([p.node for p in parts]), seq=cat([p.seq for p in parts]),
            seglen=cat([p.seglen for p in parts]),
            start=cat([p.start + s for p, s in zip(parts, shift.tolist(), strict=True)]),
            cap=cat([p.cap for p in parts]), ack=cat([p.ack for p in parts]),
            frame=cat([p.frame for p in parts]), ts=cat([p.ts for p in parts]),
            payload=cat([p.payload for p in parts]))


# ---- the rules, as a compiled kernel over the segments of one follow ----


@helper
def _before(a: int, b: int) -> bool:
    """a < b modulo 2**32 (``LT_SEQ``: the signed 32-bit difference is negative)."""
    return ((a - b) & _MOD) >= _HALF


@helper
def _emit(out: Any, k: int, node: int, seg: int, start: int, length: int) -> int:  # noqa: PLR0913, PLR0917 -- a numba helper: one value per column
    """Append a data chunk: ``length`` bytes from ``start`` in the payload, shown with
    segment ``seg``'s frame and time. Returns the chunk count."""
    out[k, 0] = node
    out[k, 1] = seg
    out[k, 2] = start
    out[k, 3] = length
    out[k, 4] = 0
    return k + 1


# held segments: the segment, its node, its sequence number, its captured count, whether still held
H_SEG, H_NODE, H_SEQ, H_SIZE, H_HELD = 0, 1, 2, 3, 4


@helper
def _release(held: Any, nheld: int, d: int, nxt: Any, start: Any, out: Any, k: int,  # noqa: PLR0913, PLR0917 -- a numba helper: arrays one by one
             ack: int, ack_seg: int, use_ack: bool) -> tuple[int, int]:
    """Release one held segment of node ``d`` (``check_follow_fragments``), or do nothing.

    The held segments are scanned in arrival order, keeping the lowest start seen; the
    first that starts at or before the next expected number is released: if it starts
    before, only its bytes past that number (if any) become a chunk, and the number
    moves to its end; if it starts there, all of it, the number moving on by its
    captured size. If none qualifies and ``use_ack`` (a segment of the other node is
    being fed) and that segment's ACK is past the lowest start, the bytes up to it are
    declared missing: a marker chunk shown with the acknowledging frame (``ack_seg``),
    and the number jumps to the lowest start. Returns the new chunk count and what
    happened: :data:`RELEASED`, :data:`MARKED` or :data:`NOTHING`."""
    lowest = -1
    for i in range(nheld):
        if held[i, H_HELD] == 0 or held[i, H_NODE] != d:
            continue
        s = held[i, H_SEQ]
        if lowest < 0 or _before(s, lowest):
            lowest = s
        if _before(nxt[d], s):
            continue
        size = held[i, H_SIZE]
        seg = held[i, H_SEG]
        held[i, H_HELD] = 0
        if s == nxt[d]:
            k = _emit(out, k, d, seg, start[seg], size)
            nxt[d] = (nxt[d] + size) & _MOD
        elif _before(nxt[d], (s + size) & _MOD):
            skip = (nxt[d] - s) & _MOD
            k = _emit(out, k, d, seg, start[seg] + skip, size - skip)
            nxt[d] = (s + size) & _MOD
        return k, RELEASED
    if use_ack and lowest >= 0 and _before(lowest, ack):
        out[k, 0] = d
        out[k, 1] = ack_seg
        out[k, 2] = -1
        out[k, 3] = 0
        out[k, 4] = (lowest - nxt[d]) & _MOD
        nxt[d] = lowest
        return k + 1, MARKED
    return k, NOTHING


#: what :func:`_release` did
NOTHING, RELEASED, MARKED = 0, 1, 2


@helper
def _compact(held: Any, nheld: int) -> int:
    """Drop the released segments from the held list, keeping the order. Returns its length."""
    j = 0
    for i in range(nheld):
        if held[i, H_HELD] != 0:
            held[j, :] = held[i, :]
            j += 1
    return j


@helper
def _release_all(held: Any, nheld: int, d: int, nxt: Any, start: Any, out: Any, k: int,  # noqa: PLR0913, PLR0917 -- a numba helper: arrays one by one
                 live: Any, ack: int, ack_seg: int, use_ack: bool) -> int:
    """:func:`_release` node ``d``'s held segments until it releases nothing. Returns the chunk count."""
    while live[d] > 0:
        k, what = _release(held, nheld, d, nxt, start, out, k, ack, ack_seg, use_ack)
        if what == NOTHING:
            break
        if what == RELEASED:
            live[d] -= 1
    return k


@kernel
def _follow(node: Any, seq: Any, seglen: Any, start: Any, cap: Any, ack: Any, out: Any) -> int:  # noqa: PLR0913, PLR0917 -- a numba kernel: arrays one by one
    """The follower's rules over every segment (module docstring); chunks go to ``out``
    (node, segment, payload start, length, missing count). Returns the chunk count."""
    n = node.shape[0]
    nxt = np.zeros(2, dtype=np.int64)
    written = np.zeros(2, dtype=np.int64)
    live = np.zeros(2, dtype=np.int64)  # held segments per node
    held = np.zeros((max(n, 1), 5), dtype=np.int64)
    nheld = 0
    k = 0
    for i in range(n):
        d = node[i]
        # 1. the other node's held segments, as far as this segment's ACK releases them
        k = _release_all(held, nheld, 1 - d, nxt, start, out, k, live, ack[i], i, True)
        s = seq[i]
        length = seglen[i]
        have = cap[i]
        first = start[i]
        # 2. the node's first segment sets the next expected number
        if written[d] == 0 and nxt[d] == 0:
            nxt[d] = s
        # 3. a segment overlapping the expected number keeps its new tail
        if _before(s, nxt[d]) and _before(nxt[d], (s + length) & _MOD):
            skip = (nxt[d] - s) & _MOD
            have = max(have - skip, 0)
            first += skip
            length = (s + length - nxt[d]) & _MOD
            s = nxt[d]
        # 4. nothing new captured: dropped
        if have <= 0 or _before(s, nxt[d]):
            continue
        if s == nxt[d]:
            # 5. in order: a chunk, then whatever held segments now fit
            k = _emit(out, k, d, i, first, have)
            nxt[d] = (nxt[d] + length) & _MOD
            written[d] += have
            k = _release_all(held, nheld, d, nxt, start, out, k, live, 0, i, False)
        else:
            # 6. after a hole: held
            if nheld > 64 and (live[0] + live[1]) * 2 < nheld:
                nheld = _compact(held, nheld)
            held[nheld, H_SEG] = i
            held[nheld, H_NODE] = d
            held[nheld, H_SEQ] = s
            held[nheld, H_SIZE] = have
            held[nheld, H_HELD] = 1
            nheld += 1
            live[d] += 1
    return k


def follow_chunks(segs: FollowSegments) -> Chunks:
    """What tshark's follower prints for these segments (module docstring)."""
    n = len(segs)
    out = np.zeros((2 * n, 5), dtype=np.int64)
    k = int(_follow.run(n, np.asarray(segs.node, dtype=np.int64), segs.seq, segs.seglen, segs.start, segs.cap,
                        segs.ack, out))
    out = out[:k]
    seg = out[:, 1]
    missing = out[:, 4]
    marker = missing > 0
    length = out[:, 3].copy()
    if marker.any():
        length[marker] = [len(marker_text(int(m))) for m in missing[marker]]
    return Chunks(node=out[:, 0].astype(np.int8), frame=segs.frame[seg],
                  ts=np.where(marker, 0, segs.ts[seg]), start=np.where(marker, -1, out[:, 2]),
                  length=length, missing=missing, payload=segs.payload)
