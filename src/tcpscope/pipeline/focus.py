"""A focused pass: the whole capture numbered, only some conversations dissected and analysed.

``tcpscope follow --stream N`` shows one conversation, ``show --frame N`` one frame. What
either shows depends on the frames before it in three ways only: the ``tcp.stream``
numbers (every TCP header of the capture, in order: port reuse), the conversation's own
frames (the TCP analysis of a key reads that key's headers only, and the framing of
HTTP, TLS and DNS above it that conversation's), and the frames a frame's own
dissection or numbering reads beyond TCP: the fragments of its IP datagram, the UDP
conversations (``udp.stream``), time stamps (``frame.time_delta``, which the record index
holds for every frame). So:

1. :func:`number_capture` numbers every TCP header: the plain ones from the
   headers-only pass (:mod:`tcpscope.pipeline.headers`), the other frames' from their
   whole dissection (each such frame dissected with the other frames blanked out:
   :func:`sparse_tables`), the numbers by :class:`~tcpscope.analysis.numbering.StreamNumbers`;
2. :func:`focus_frames` chooses the frames to dissect: every frame of the chosen
   conversations' keys (an earlier conversation on the same key decides port reuse and
   the SYN's flag), and the *other* frames when their dissection may hold state a frame
   shown reads (an IP fragment in the capture; UDP, ICMP or DNS in a frame shown), up to
   the last frame needed;
3. :func:`sparse_tables` dissects those frames with the others blanked out (a record of
   no bytes, as a pcapng block that is not a packet), in ranges of the capture so that
   frame numbers and time stamps stay the capture's; the caller analyses them with a
   :class:`~tcpscope.analysis.TcpAnalyzer` whose ``numbers`` are the capture's
   (:class:`Numbered.streams_of`).

The analysis here never retires a conversation (its state is that of the chosen keys
only): where the whole-capture analysis revives a conversation retired after minutes
of quiet with a fresh state (docs/deviations.md, "Retired conversations"), this pass
gives tshark's values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.analysis.conversations import endpoint_pairs
from tcpscope.analysis.keys import KeyIds
from tcpscope.analysis.numbering import StreamNumbers
from tcpscope.capture.records import LINKTYPE_NONE, Records
from tcpscope.capture.source import FileMap
from tcpscope.dissect.pipeline import FRAG_SPANS
from tcpscope.pipeline.headers import plain_headers
from tcpscope.table.packets import PacketTable

__all__ = ["GAP_FRAMES", "Numbered", "focus_frames", "number_capture", "sparse_tables"]

#: Blanked frames between two frames dissected above which they go in tables of their own
#: (a blanked frame costs about 0.2 us to dissect, a table a few milliseconds).
GAP_FRAMES = 1 << 14
#: The share of the frames the headers-only pass must read for a focused pass to be worth
#: it: with more *other* frames, each would be dissected twice.
MIN_PLAIN_SHARE = 0.75


@dataclass(frozen=True)
class Numbered:
    """Every TCP header of a capture with its ``tcp.stream``, in frame order: ``frame``
    (0-based), ``key`` (a dense id per conversation key) and ``stream`` per header; the
    frames the headers-only pass did not read (``other``, increasing), and whether one of
    them holds an IP fragment (``fragments``: then no range is cut, see :func:`sparse_tables`);
    ``n``: the capture's frames."""

    frame: Index
    key: Index
    stream: Index
    other: Index
    fragments: bool
    n: int

    def streams_of(self, table: PacketTable) -> Array:
        """The ``tcp.stream`` of each ``tcp`` row of ``table`` (a table of
        :func:`sparse_tables`, whose rows are those of the same frames here)."""
        tcp = table.layer("tcp")
        frame = tcp.pkt.astype(np.int64) + table.records.first_frame
        at = np.searchsorted(self.frame, frame, side="left")
        first = np.r_[True, frame[1:] != frame[:-1]] if frame.shape[0] else np.zeros(0, np.bool_)
        starts = np.flatnonzero(first)
        rank = np.arange(frame.shape[0]) - np.repeat(starts, np.diff(np.r_[starts, frame.shape[0]]))
        rows = at + rank
        if rows.shape[0] and (int(rows.max()) >= self.frame.shape[0] or (self.frame[rows] != frame).any()):
            raise AssertionError("a focused table's TCP headers differ from the numbered ones")
        out: Array = self.stream[rows]
        return out


def _gathered(records: Records, keep: Index) -> tuple[Array, Index]:
    """The bytes of frames ``keep`` of ``records`` one after the other, and where each
    starts: read from the file (``pread``, a run of consecutive frames at a time; never
    through its map) or taken from the bytes in memory."""
    size = records.caplen[keep]
    starts = np.cumsum(size) - size
    mm = records.keepalive
    if not isinstance(mm, FileMap):
        src = np.repeat(records.offset[keep] - starts, size) + np.arange(int(size.sum()), dtype=np.int64)
        return np.asarray(records.data[src], dtype=np.uint8), starts
    out = np.zeros(int(size.sum()), dtype=np.uint8)
    ends = records.offset[keep] + size
    # runs of frames whose bytes follow each other in the file
    cut = np.flatnonzero(records.offset[keep][1:] - ends[:-1] > 4096) + 1
    for lo, hi in zip(np.r_[0, cut].tolist(), np.r_[cut, keep.shape[0]].tolist(), strict=True):
        first, last = int(records.offset[keep[lo]]), int(ends[hi - 1])
        buf = mm.pread(first, last)
        for j in range(lo, hi):
            a = int(records.offset[keep[j]]) - first
            got = buf[a:a + int(size[j])]
            out[int(starts[j]):int(starts[j]) + got.shape[0]] = got
    return out, starts


def _blanked(records: Records, lo: int, hi: int, keep: Index) -> Records:
    """Frames ``lo:hi`` of ``records`` with every frame but ``keep`` (indexes into
    ``records``) blanked: no bytes, no link type (nothing to dissect), its number, time
    and lengths kept; the kept frames' bytes in a buffer of their own."""
    part = records.frames(lo, hi)
    local = keep - lo
    data, starts = _gathered(records, keep)
    offset = np.zeros(hi - lo, dtype=np.int64)
    offset[local] = starts
    caplen = np.zeros(hi - lo, dtype=np.int64)
    caplen[local] = part.caplen[local]
    linktype = np.full(hi - lo, LINKTYPE_NONE, dtype=np.int32)
    linktype[local] = part.linktype[local]
    return replace(part, data=data, keepalive=data, offset=offset, caplen=caplen, linktype=linktype)


def sparse_tables(records: Records, keep: Index, cut: bool,
                  pieces: Callable[[Records], Iterator[PacketTable]]) -> Iterator[PacketTable]:
    """The frames ``keep`` of ``records`` (increasing indexes) dissected, the frames
    between them blanked (:func:`_blanked`), through ``pieces`` (``pipeline.stream.pieces``
    with its size), in ranges of the capture: from a kept frame to the next one more than
    :data:`GAP_FRAMES` frames on a new range starts when ``cut`` (never when a frame may
    hold an IP fragment: a datagram's fragments must be in one range)."""
    if keep.shape[0] == 0:
        return
    bounds = np.flatnonzero(np.diff(keep) > GAP_FRAMES) + 1 if cut else np.zeros(0, dtype=np.int64)
    for a, b in zip(np.r_[0, bounds].tolist(), np.r_[bounds, keep.shape[0]].tolist(), strict=True):
        chosen = keep[a:b]
        yield from pieces(_blanked(records, int(chosen[0]), int(chosen[-1]) + 1, chosen))


def _other_rows(table: PacketTable, ids: KeyIds) -> tuple[Index, Index, Array, Array, Array, Array, Array]:
    """The ``tcp`` rows of a table of *other* frames as the numbering reads them: frame
    (of the capture, 0-based), key, flow, flags, raw sequence and acknowledgment numbers,
    and whether counted (``analysis.numbering``; a header without its IP addresses is not)."""
    tcp = table.layer("tcp")
    if len(tcp) == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z, z, z, z, np.zeros(0, dtype=np.int8)
    lo, hi, found = endpoint_pairs(table, ids)
    c = tcp.cols
    reach = np.asarray(c["reach"])
    counted = np.where(reach < 2, 0, np.where(np.asarray(c["len"]) >= 0, 2, 1)).astype(np.int8)
    counted[found.ip_row < 0] = 0
    return (tcp.pkt.astype(np.int64) + table.records.first_frame, ids.pairs.ids(lo, hi), found.flow,
            np.asarray(c["flags"], dtype=np.int64), np.asarray(c["seq_raw"], dtype=np.int64),
            np.asarray(c["ack_raw"], dtype=np.int64), counted)


def number_capture(records: Records, pieces: Callable[[Records], Iterator[PacketTable]]) -> Numbered | None:
    """Every TCP header of ``records`` (a whole capture) numbered (module docstring, step 1);
    None when the headers-only pass reads too few frames for a focused pass to gain
    (:data:`MIN_PLAIN_SHARE`)."""
    ids = KeyIds()
    plain = plain_headers(records, ids)
    n = len(records)
    m = plain.frames.shape[0]
    if n and m < MIN_PLAIN_SHARE * n:
        return None
    parts = [(plain.frames, plain.key, plain.flow, plain.flags, plain.seq, plain.ack, np.full(m, 2, dtype=np.int8))]
    other = np.flatnonzero(~plain.plain).astype(np.int64)
    fragments = False
    for table in sparse_tables(records, other, True, pieces):
        parts.append(_other_rows(table, ids))
        spans = table.frame_cols.get(FRAG_SPANS)
        fragments |= spans is not None and spans.shape[0] > 0
    if fragments:  # (the ranges cut above may have split a datagram: again, uncut)
        parts = parts[:1] + [_other_rows(t, ids) for t in sparse_tables(records, other, False, pieces)]
    cols = [np.concatenate([p[k] for p in parts]) for k in range(7)] if len(parts) > 1 else list(parts[0])
    if len(parts) > 1:  # (in frame order: each frame's headers in the order of its layers)
        order = np.argsort(cols[0], kind="stable")
        cols = [c[order] for c in cols]
    frame, key, flow_, flags, seq, ack, counted = cols
    stream = StreamNumbers().number(key, flow_, flags, seq, ack, counted)
    return Numbered(frame, key, stream, other, fragments, n)


def focus_frames(numbered: Numbered, frames: Sequence[int] = (), streams: Sequence[int] = ()) -> Index:
    """The frames (0-based, increasing) a focused pass dissects to show the frames numbered
    ``frames`` (from 1) and the conversations ``streams``: every frame of their keys, up to
    the last of them that these need, and the *other* frames when one of them may matter
    (module docstring, step 2): all of them when the capture holds an IP fragment (a
    datagram's fragments make one frame's layers, and a first fragment's layers depend on
    whether its datagram completes later, as the headers-only pass found it), those up to
    the last frame needed when a frame shown is an other frame itself (its UDP, ICMP or DNS
    fields read the other frames before it). A plain TCP frame's layers, and its
    conversation's, read no other frame beyond its key's."""
    wanted = np.asarray(sorted(frames), dtype=np.int64) - 1
    wanted = wanted[(wanted >= 0) & (wanted < numbered.n)]
    asked = np.asarray(streams, dtype=np.int64)
    at = np.isin(numbered.frame, wanted) | np.isin(numbered.stream, asked[asked >= 0])
    last = max(int(wanted.max()) if wanted.shape[0] else -1, int(numbered.frame[at].max()) if at.any() else -1)
    keys = np.unique(numbered.key[at])
    same = np.isin(numbered.key, keys) & (numbered.frame <= last)
    other = numbered.other[numbered.other <= last]
    if numbered.fragments:  # all of them: whether a datagram completes after the last frame needed decides its first fragments' layers
        other = numbered.other
    elif not np.isin(wanted, other).any():
        other = other[:0]
    chosen = np.concatenate([numbered.frame[same], other, wanted])
    return np.unique(chosen)
