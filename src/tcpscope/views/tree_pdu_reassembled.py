"""The TLS records and DNS messages TCP reassembled from several segments, for the details
tree (the REASSEMBLED PDU of :mod:`tcpscope.views.tree_tcp_reassembled`, which shows the
``[N Reassembled TCP Segments ...]`` subtree and the completing segment's ``TCP segment
data`` line for them as for HTTP).

Which segments: the segments the TLS or DNS framing was handed in each direction, in
order (the rows of :func:`tcpscope.analysis.tls_frames.app_segments`: TCP hands it each
segment in sequence once, retransmissions passed over), walked PDU by PDU as the framing
walks them (reference/pdu-framing.md §2): a PDU starts with its header (TLS's 5 bytes,
DNS's 2-byte length) and runs for the length the header gives. A PDU whose bytes span
more than one segment is reassembled, and shown in the segment that completes it: each
segment's frame and its bytes in the PDU, in order, and the PDU's bytes.

TLS's rule for a header it does not take (a content type other than 20-25) ends the
segment's framing there, as the framing's does. A PDU whose header itself was split
between segments (TCP is asked for "one more segment", and the reassembled buffer holds
that whole segment) is not written (:data:`UNWRITTEN`: its frame's tree reports the
protocol as missing). In a piece of a capture after the first, a direction whose first
segment there is not the first of its stream is not walked (its open PDU began in an
earlier piece). A direction whose framed segments leave a gap in its sequence numbers (a
segment the framing took and the list does not show, a hole it framed on after) is walked
no further: what follows is not written rather than guessed.
"""

from __future__ import annotations

import weakref
from typing import Any, NamedTuple

import numpy as np

from tcpscope.analysis import PER_SEGMENT
from tcpscope.table.packets import PacketTable
from tcpscope.views.tree_tcp_reassembled import Reassembly

__all__ = ["UNWRITTEN", "app_reassemblies", "completing_pdu"]


#: A reassembled PDU whose tree is not written (its header split between segments)
UNWRITTEN = Reassembly([], b"")

#: Header bytes and where their length field is: TLS (content type, version, length), DNS (length)
_TLS_HEADER, _DNS_HEADER = 5, 2
_TLS_TYPES = range(20, 26)
_MOD = 0xFFFFFFFF

#: Reassembled PDUs by completing row: whether TLS's (else DNS's), and the PDU
Found = dict[int, tuple[bool, Reassembly]]
_SEEN: list[tuple[weakref.ref[PacketTable], Found]] = []


class _Segment(NamedTuple):
    """A framed segment: its tcp row, frame, buffer, payload's place and captured length,
    and its relative sequence number and length on the wire."""

    row: int
    frame: int
    buf: int
    off: int
    size: int
    seq: int = 0
    wire: int = 0


class _Open:
    """The PDU being read in a direction: its parts (segment, first byte, count), its
    header bytes so far, its whole length once its header is read."""

    def __init__(self) -> None:
        self.parts: list[tuple[_Segment, int, int]] = []
        self.head = bytearray()
        self.n = 0
        self.total = -1
        self.split_head = False

    def add(self, seg: _Segment, at: int, n: int) -> None:
        if n:
            self.parts.append((seg, at, n))
            self.n += n


def app_reassemblies(table: PacketTable) -> Found:
    """The TLS records and DNS messages of ``table`` reassembled from several segments,
    by the ``tcp`` row of the segment completing each (module docstring), each with
    whether it is TLS's; computed once per table."""
    for ref, got in _SEEN:
        if ref() is table:
            return got
    out: Found = {}
    if PER_SEGMENT not in table.frame_cols and len(table.layer("tcp")) and "stream" in table.layer("tcp").cols:
        out = _walk_all(table)
    _SEEN[:] = [(weakref.ref(table), out)]
    return out


def _walk_all(table: PacketTable) -> Found:
    # (imported here: the framing's kernels are not for the start-up of a command that
    # shows no tree; tests/cli/test_startup.py)
    from tcpscope.analysis.tls_frames import SHOW_APP, app_segments

    app = app_segments(table)
    rows = np.asarray(app.row, dtype=np.int64)
    if rows.shape[0] == 0:
        return {}
    c = table.layer("tcp").cols
    key = np.asarray(c["stream"], dtype=np.int64)[rows] * 2 + np.asarray(c["_flow"], dtype=np.int64)[rows]
    show = np.asarray(app.show)
    # a direction's kind, from the Protocol its completing segments show
    kinds: dict[int, bool] = {}
    for k, s, proto in zip(key.tolist(), show.tolist(), app.proto, strict=True):
        if s == SHOW_APP and k not in kinds:
            kinds[k] = proto != "DNS"
    size = np.minimum(np.asarray(c["payload_cap"], dtype=np.int64)[rows],
                      np.maximum(np.asarray(c["len"], dtype=np.int64)[rows], 0))
    segs = [_Segment(*cols) for cols in zip(
        rows.tolist(), table.layer("tcp").pkt[rows].tolist(), np.asarray(c["_buf"], dtype=np.int64)[rows].tolist(),
        np.asarray(c["payload_off"], dtype=np.int64)[rows].tolist(), size.tolist(),
        np.asarray(c["seq"], dtype=np.int64)[rows].tolist(), np.asarray(c["len"], dtype=np.int64)[rows].tolist(),
        strict=True)]
    by_key: dict[int, list[_Segment]] = {}
    later_piece = table.records.first_frame > 0
    for k, seg in zip(key.tolist(), segs, strict=True):
        if k in kinds and (k in by_key or not later_piece or seg.seq == 1):
            by_key.setdefault(k, []).append(seg)
    out: Found = {}
    for k, direction in by_key.items():
        _walk(table, direction, kinds[k], out)
    return out


def _walk(table: PacketTable, segs: list[_Segment], tls: bool, out: Found) -> None:
    """Walk one direction's segments PDU by PDU, adding the reassembled ones to ``out``."""
    hl = _TLS_HEADER if tls else _DNS_HEADER
    pdu = _Open()
    for before, seg in zip([None, *segs], segs, strict=False):
        if before is not None and seg.seq != (before.seq + before.wire) & _MOD:
            return  # (a gap: a segment the framing passed over; what follows is not known here)
        data = _buffer(table, seg.buf)
        i = 0
        while i < seg.size:
            if pdu.total < 0:
                take = min(hl - len(pdu.head), seg.size - i)
                pdu.head += bytes(data[seg.off + i:seg.off + i + take])
                pdu.add(seg, i, take)
                i += take
                if len(pdu.head) < hl:
                    pdu.split_head = True
                    break
                if tls and pdu.head[0] not in _TLS_TYPES:  # not a record: the segment's rest is not framed
                    pdu = _Open()
                    break
                pdu.total = hl + int.from_bytes(pdu.head[hl - 2:hl], "big")
            take = min(pdu.total - pdu.n, seg.size - i)
            pdu.add(seg, i, take)
            i += take
            if pdu.n < pdu.total:
                break
            if pdu.parts[0][0].row != seg.row:
                out[seg.row] = (tls, UNWRITTEN if pdu.split_head else _reassembly(table, pdu))
            pdu = _Open()


def _reassembly(table: PacketTable, pdu: _Open) -> Reassembly:
    frames: list[tuple[int, int]] = []
    chunks: list[bytes] = []
    for seg, at, n in pdu.parts:
        if frames and frames[-1][0] == seg.frame:
            frames[-1] = (seg.frame, frames[-1][1] + n)
        else:
            frames.append((seg.frame, n))
        chunks.append(bytes(_buffer(table, seg.buf)[seg.off + at:seg.off + at + n]))
    return Reassembly(frames, b"".join(chunks))


def _buffer(table: PacketTable, buf: int) -> Any:
    return table.buffers[buf] if table.buffers else table.data


def completing_pdu(table: PacketTable, frame: int) -> Reassembly | None:
    """The TLS record or DNS message reassembled from several segments that frame
    ``frame``'s (last) TCP segment completes (:data:`UNWRITTEN` if not written), or None."""
    lt = table.layer("tcp")
    row = int(np.searchsorted(lt.pkt, frame, side="right")) - 1
    got = app_reassemblies(table).get(row) if row >= 0 and int(lt.pkt[row]) == frame else None
    return None if got is None else got[1]
