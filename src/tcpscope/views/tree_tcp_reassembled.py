"""The subtree of a PDU TCP reassembled from several segments, as tshark's one pass shows
it in the frame that completes the PDU (packet-tcp.c ``print_tcp_fragment_tree`` and
reassemble.c ``show_fragment_seq_tree``, written here in our own words), for an HTTP
message, and for a TLS record (found by :mod:`tcpscope.views.tree_pdu_reassembled`; a DNS
message's TCP items are written by :mod:`tcpscope.views.tree_dns_tcp`, with its PDU size).

REASSEMBLED PDU: the frame whose segment completes a message begun in earlier segments
ends its TCP tree with ``TCP segment data (N bytes)`` (the bytes of the message in this
segment), then shows, at the top level before the message's tree,
``[K Reassembled TCP Segments (L bytes): #a(x), #b(y), ...]`` (each segment's frame and
its bytes in the message, in the message's order; the label cut to its buffer, unmarked),
under it each segment's ``[Frame: a, payload: first-last (x bytes)]`` (``[Frame: a (no
data)]`` for a segment that brings none, a FIN ending a message), the segment count, the reassembled length
and the reassembled bytes (the hex of the first 36 and an ellipsis).

Which segments: going back from the completing segment over the segments of its
direction that HTTP framing was handed (retransmissions are passed over), until their
bytes hold the message's length. Written for a frame that completes one message ending
with its segment; a frame completing several messages is not yet.
"""

from __future__ import annotations

import weakref
from typing import NamedTuple

import numpy as np

from tcpscope._types import Index
from tcpscope.analysis.http_fields import LAYER, message_table
from tcpscope.analysis.layout import A_RETRANSMISSION, A_SPURIOUS_RETRANSMISSION
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldType
from tcpscope.views.tree import Item
from tcpscope.views.tree_http_text import ITEM_LABEL_LENGTH, HttpItem

__all__ = ["Reassembly", "completes_reassembled_pdu", "pdu_tail_label", "reassembled_items", "reassembled_pdus",
           "segments_item"]

#: The kind of a Continuation in the messages' layer (it reassembles nothing)
_CONTINUATION = 3


class Reassembly(NamedTuple):
    """A message reassembled from segments: each segment's frame (0-based) and its bytes in
    the message, in order, and the message's bytes."""

    frames: list[tuple[int, int]]
    data: bytes


#: The last table asked about and its reassemblies by completing tcp row
_SEEN: list[tuple[weakref.ref[PacketTable], dict[int, Reassembly]]] = []


def reassembled_pdus(table: PacketTable) -> dict[int, Reassembly]:
    """The REASSEMBLED PDUs (module docstring) of ``table``, by the tcp row of the segment
    completing each."""
    for ref, got in _SEEN:
        if ref() is table:
            return got
    from tcpscope.analysis.http import SHOW_HTTP, http_segments  # (start-up: see tree_tcp_segments)

    t = message_table(table)
    out: dict[int, Reassembly] = {}
    http = http_segments(table)
    tcp = table.layer("tcp")
    c = tcp.cols
    if len(http.row) and "stream" in c:
        rows = np.asarray(http.row, dtype=np.int64)
        aflags = np.asarray(c["aflags"], dtype=np.int64)[rows]
        handed = rows[(aflags & (A_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION)) == 0]
        key = np.asarray(c["stream"], dtype=np.int64)[handed] * 2 + np.asarray(c["_flow"], dtype=np.int64)[handed]
        length = np.asarray(c["len"], dtype=np.int64)[handed]
        order = np.argsort(key, kind="stable")  # (each segment's previous one in its direction)
        before = np.full(handed.shape[0], -1, dtype=np.int64)
        same = key[order[1:]] == key[order[:-1]]
        before[order[1:][same]] = order[:-1][same]
        completing = set(rows[np.asarray(http.show) == SHOW_HTTP].tolist())
        handed_frames = tcp.pkt[handed].tolist()
        place: dict[int, int] = {}  # (frame -> its one handed segment; -1: several)
        for i, f in enumerate(handed_frames):
            place[f] = -1 if f in place else i
        lt = t.layer(LAYER)
        frames, counts = np.unique(lt.pkt, return_counts=True)
        for frame, m in zip(frames[counts == 1].tolist(), np.searchsorted(lt.pkt, frames[counts == 1]).tolist(),
                            strict=True):
            found = _one(t, int(m), (tcp.pkt, handed, before, length), place.get(frame, -1), completing, frame)
            if found is not None:
                out[found[0]] = found[1]
    # (and the TLS records reassembled: their own walk, tree_pdu_reassembled; DNS writes
    # the TCP items of its messages itself, tree_dns_tcp)
    from tcpscope.views.tree_pdu_reassembled import UNWRITTEN, app_reassemblies

    out.update((row, got) for row, (tls, got) in app_reassemblies(table).items() if tls and got is not UNWRITTEN)
    _SEEN[:] = [(weakref.ref(table), out)]
    return out


def _one(t: PacketTable, m: int, cols: tuple[Index, Index, Index, Index], i: int, completing: set[int],  # noqa: PLR0913, PLR0917 -- the message, the segments' columns and where the frame's one is
         frame: int) -> tuple[int, Reassembly] | None:
    """The reassembly of message row ``m`` (completed in ``frame``, whose one handed
    segment is the ``i``-th, -1 for none or several; ``before``: each segment's previous
    one in its direction), or None when one segment holds it
    or its segments are not found."""
    pkt, handed, before, length = cols
    lc = t.layer(LAYER).cols
    if int(lc["kind"][m]) == _CONTINUATION or i < 0 or int(handed[i]) not in completing:
        return None
    size = int(lc["end"][m]) - int(lc["start"][m])
    if int(length[i]) >= size:
        return None
    parts = [(frame, int(length[i]))]
    need = size - int(length[i])
    j = int(before[i])
    while need > 0:
        if j < 0:
            return None
        take = min(int(length[j]), need)
        parts.append((int(pkt[handed[j]]), take))
        need -= take
        j = int(before[j])
    buf = t.buffers[int(lc["buf"][m])]
    data = buf[int(lc["start"][m]): int(lc["end"][m])].tobytes()
    return int(handed[i]), Reassembly(parts[::-1], data)


def completes_reassembled_pdu(item: Item) -> bool:
    """Whether the TCP header shown completes a REASSEMBLED PDU (module docstring)."""
    return item.where.rows["tcp"] in reassembled_pdus(item.table)


def pdu_tail_label(item: Item) -> str:
    """``TCP segment data (N bytes)``: the bytes of the reassembled PDU in this segment."""
    n = reassembled_pdus(item.table)[item.where.rows["tcp"]].frames[-1][1]
    return f"TCP segment data ({n} byte{'' if n == 1 else 's'})"


def _appended_label(label: str) -> str:
    """A label written a piece at a time (proto_item_append_text): what does not fit in
    its buffer is dropped, unmarked (its first 239 bytes are kept)."""
    return label.encode("utf-8")[:ITEM_LABEL_LENGTH - 1].decode("utf-8", errors="ignore")


def reassembled_items(table: PacketTable, frame: int) -> HttpItem | None:
    """The subtree of the PDU the frame's (last) TCP segment completes (``tcp.segments``:
    each segment's frame, their count, the length and bytes reassembled, the places in
    the reassembled bytes), or None."""
    lt = table.layer("tcp")
    row = int(np.searchsorted(lt.pkt, frame, side="right")) - 1
    got = reassembled_pdus(table).get(row) if row >= 0 else None
    return None if got is None else segments_item(got, table.records.first_frame)


def segments_item(got: Reassembly, first_frame: int) -> HttpItem:
    """The ``tcp.segments`` subtree of a reassembled PDU (:func:`reassembled_items`), in a
    table whose first frame is the capture's ``first_frame`` (0-based)."""
    total = len(got.data)
    first = first_frame + 1  # (a segment's frame number: its frame in a later piece counts on)
    head = ", ".join(f"#{f + first}({n})" for f, n in got.frames)
    out = HttpItem("tcp.segments", f"[{_appended_label(f'{len(got.frames)} Reassembled TCP Segments ({total} bytes): {head}')}]",
                   start=0, length=total)
    offset = 0
    for f, n in got.frames:
        out.children.append(HttpItem("tcp.segment", f"[Frame: {f + first}, payload: {offset}-{offset + n - 1} "
                                     f"({n} byte{'' if n == 1 else 's'})]" if n else f"[Frame: {f + first} (no data)]",
                                     str(f + first), offset, n, FieldType.FRAMENUM))
        offset += n
    hexed = got.data.hex()
    shown = hexed if total <= 36 else hexed[:72] + "\u2026"
    colons = got.data.hex(":")
    out.children += [
        HttpItem("tcp.segment.count", f"[Segment count: {len(got.frames)}]", str(len(got.frames)),
                 ftype=FieldType.UINT32),
        HttpItem("tcp.reassembled.length", f"[Reassembled TCP length: {total}]", str(total), ftype=FieldType.UINT32),
        HttpItem("tcp.reassembled.data", f"[Reassembled TCP Data: {shown}]", colons, 0, total, FieldType.BYTES)]
    return out
