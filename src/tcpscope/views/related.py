"""Related packets: the frames a frame's tree links to, and the margin Wireshark's packet
list draws beside each row when one frame is selected.

**Typed links.** A field of type FT_FRAMENUM names another frame; its registration says
what that frame is to this one (``ft_framenum_type_t``, epan/ftypes/ftypes.h): a
request, a response, the segment an ACK acknowledges, the ACK a duplicate ACK repeats, the
previous or next transmission of the same data, or nothing more specific ("none").
:data:`LINK_FIELDS` gives the subtype of every FT_FRAMENUM field of the protocols
tcpscope decodes, as their dissectors register them in 4.0.17; :func:`frame_links`
gathers the links of a table's frames from the field columns the registry has.

**The margin** (ui/qt/models/related_packet_delegate.cpp). When frame N is selected,
the packet list draws, left of each displayed row:

- the conversation line, over N's conversation (for TCP, its ``tcp.stream``) from its
  first frame to its last, both counted over the whole capture, whatever the display
  filter shows: a corner turning down on the first frame, a solid line on the frames of
  the conversation between, a dashed line on the frames of other conversations it
  passes, a corner turning up on the last. A conversation of one frame draws nothing.
- a mark on each frame N's tree links to (the proto tree's FT_FRAMENUM items, in tree
  order; the first link naming a frame gives its mark): a check mark for the segment
  an ACK acknowledges, two for the ACK a duplicate ACK repeats, an arrow pointing right
  for a request, left for a response, chevrons for the previous (right) and next (left)
  transmission, a small circle for any other link. N itself is marked too when a link
  names it, and when its tree names a request (N is then the response, an arrow
  pointing left) or a response (N is then the request): that mark overrides the other.

Only frames N's own tree links to are marked: a frame whose tree links *to* N is not
(ProtoTree emits the links of the selected frame's tree only). Links are those of the
one-pass tree ``tshark -V`` prints; the GUI dissects the selected frame again once the
whole file is read, so it may also show links known only later (``http.response_in``,
``tcp.reassembled_in``), which neither tshark -V nor tcpscope shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final, NamedTuple

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.filter.registry import registry
from tcpscope.table.packets import PacketTable

__all__ = [
    "LINK_FIELDS", "MARK_TEXT", "NO_MARK", "TRACE_TEXT", "FrameLink", "Link", "Links", "Margin", "Selection", "Trace",
    "frame_links", "margin_texts", "mark_array", "marks_of", "no_such_frame", "not_displayed", "related_margin",
    "selection", "stream_of", "trace_of",
]


class Link(IntEnum):
    """What a linked frame is to the frame whose tree names it (``ft_framenum_type_t``)."""

    NONE = 0
    REQUEST = 1
    RESPONSE = 2
    ACK = 3
    DUP_ACK = 4
    RETRANS_PREV = 5
    RETRANS_NEXT = 6


class Trace(IntEnum):
    """A row's place on the selected frame's conversation line (``ct_conversation_trace_type_t``)."""

    NONE = 0  # outside the conversation's first-to-last span (or no line at all)
    FIRST = 1  # the conversation's first frame: the line starts
    MEMBER = 2  # a frame of the conversation inside the span: solid line
    BYPASS = 3  # a frame of another conversation inside the span: dashed line
    LAST = 4  # the conversation's last frame: the line ends


#: A row without a mark, in the mark arrays
NO_MARK: Final = -1

#: The FT_FRAMENUM fields of the protocols tcpscope decodes or will, with the subtype
#: their hf registration gives (FRAMENUM_TYPE(...); plain NULL strings is NONE), in the
#: order a frame's tree holds them: the network layer's reassembly items, ICMP's, then
#: TCP's SEQ/ACK analysis (acks_frame, then in the flags subtree the retransmission's
#: rto_frame and the duplicate ACK's frame), TCP's PDU and reassembly items, HTTP's.
#: tcpscope's registry has those it computes; the others are here so that a field added
#: later gets its subtype from this one table (tests/views/test_related.py checks that
#: every FT_FRAMENUM field of the registry is listed).
LINK_FIELDS: Final[tuple[tuple[str, Link], ...]] = (
    ("ip.fragment", Link.NONE), ("ip.fragment.error", Link.NONE), ("ip.reassembled_in", Link.NONE),
    ("ipv6.fragment", Link.NONE), ("ipv6.fragment.error", Link.NONE), ("ipv6.reassembled.in", Link.NONE),
    ("icmp.resp_in", Link.RESPONSE), ("icmp.resp_to", Link.REQUEST),
    ("icmpv6.resp_in", Link.NONE), ("icmpv6.resp_to", Link.NONE),
    ("tcp.analysis.acks_frame", Link.ACK), ("tcp.analysis.rto_frame", Link.NONE),
    ("tcp.analysis.duplicate_ack_frame", Link.DUP_ACK),
    ("tcp.continuation_to", Link.NONE), ("tcp.pdu.last_frame", Link.NONE), ("tcp.fin_retransmission", Link.NONE),
    ("tcp.segment", Link.NONE), ("tcp.segment.error", Link.NONE), ("tcp.reassembled_in", Link.NONE),
    ("http.request_in", Link.REQUEST), ("http.response_in", Link.RESPONSE),
    ("http.prev_request_in", Link.NONE), ("http.prev_response_in", Link.NONE),
    ("http.next_request_in", Link.NONE), ("http.next_response_in", Link.NONE),
)

#: The conversation line in a terminal: box-drawing characters, one column
TRACE_TEXT: Final[dict[Trace, str]] = {
    Trace.NONE: " ", Trace.FIRST: "\u250c", Trace.MEMBER: "\u2502", Trace.BYPASS: "\u2506", Trace.LAST: "\u2514",
}
#: The marks in a terminal, two columns each (NO_MARK: blank): ✓ ACK, ✓✓ duplicate ACK,
#: → request, ← response, » previous transmission, « next transmission, ○ other link
MARK_TEXT: Final[dict[int, str]] = {
    NO_MARK: "  ", Link.NONE: "\u25cb ", Link.REQUEST: "\u2192 ", Link.RESPONSE: "\u2190 ",
    Link.ACK: "\u2713 ", Link.DUP_ACK: "\u2713\u2713", Link.RETRANS_PREV: "\u00bb ", Link.RETRANS_NEXT: "\u00ab ",
}


class FrameLink(NamedTuple):
    """One FT_FRAMENUM item of a frame's tree: the field, the frame it names, its subtype."""

    field: str
    frame: int
    kind: Link


@dataclass(frozen=True, slots=True)
class Links:
    """Every link of some frames, columnar: the table row (0-based frame index) whose
    tree holds it, the frame number it names, its subtype (a :class:`Link`) and its
    field (an index into :data:`LINK_FIELDS`); a frame's links are contiguous and in
    tree order."""

    pkt: Index
    target: Index
    kind: Array
    field: Array

    def of(self, row: int) -> tuple[FrameLink, ...]:
        """The links of table row ``row``, in tree order."""
        lo, hi = np.searchsorted(self.pkt, [row, row + 1])
        return tuple(FrameLink(LINK_FIELDS[int(f)][0], int(t), Link(int(k)))
                     for t, k, f in zip(self.target[lo:hi], self.kind[lo:hi], self.field[lo:hi], strict=True))


def frame_links(table: PacketTable, rows: Index | None = None) -> Links:
    """The links of ``rows`` (default: every frame) of an analysed table, from every
    field of :data:`LINK_FIELDS` that the registry computes."""
    known = registry()
    pkts, targets, kinds, fields = [], [], [], []
    keep = None
    if rows is not None:
        keep = np.zeros(table.n, dtype=np.bool_)
        keep[rows] = True
    for i, (name, kind) in enumerate(LINK_FIELDS):
        fd = known.get(name)
        if fd is None:
            continue
        v = fd.get(table)
        take = np.ones(len(v), dtype=np.bool_) if keep is None else keep[v.pkt]
        pkts.append(v.pkt[take])
        targets.append(np.asarray(v.data, dtype=np.int64)[take])
        kinds.append(np.full(int(take.sum()), int(kind), dtype=np.int8))
        fields.append(np.full(int(take.sum()), i, dtype=np.int16))
    if not pkts:
        empty = np.zeros(0, dtype=np.int64)
        return Links(empty, empty, empty.astype(np.int8), empty.astype(np.int16))
    pkt = np.concatenate(pkts)
    order = np.argsort(pkt, kind="stable")  # by frame; within it, LINK_FIELDS' order, then each field's own
    return Links(pkt[order], np.concatenate(targets)[order], np.concatenate(kinds)[order],
                 np.concatenate(fields)[order])


def stream_of(table: PacketTable) -> Index:
    """Each frame's TCP conversation (``tcp.stream`` of its innermost TCP header, as
    ``find_conversation_pinfo`` finds it from the last ports the frame set), -1 for
    none."""
    tcp = table.layer("tcp")
    out = np.full(table.n, -1, dtype=np.int64)
    if len(tcp) and "stream" in tcp.cols:
        rows = tcp.last_row(table.n)
        has = rows >= 0
        out[has] = np.asarray(tcp.cols["stream"], dtype=np.int64)[rows[has]]
    return out


@dataclass(frozen=True, slots=True)
class Selection:
    """What selecting ``frame`` draws: its TCP conversation (``stream``, -1 for none) and
    that conversation's ``first`` and ``last`` frame numbers (0 without one), its tree's
    ``links`` in tree order, and ``marks``: the mark of each marked frame number
    (:func:`marks_of`)."""

    frame: int
    stream: int
    first: int
    last: int
    links: tuple[FrameLink, ...]
    marks: dict[int, Link] = field(default_factory=dict)


def selection(frame: int, stream: int, span: tuple[int, int], links: tuple[FrameLink, ...]) -> Selection:
    """The :class:`Selection` of ``frame``, whose conversation spans ``span`` (its first
    and last frame numbers; (0, 0) for none)."""
    return Selection(frame, stream, span[0], span[1], links, marks_of(frame, links))


def marks_of(frame: int, links: tuple[FrameLink, ...]) -> dict[int, Link]:
    """The marks selecting ``frame`` draws (RelatedPacketDelegate::addRelatedFrame and
    setCurrentFrame).

    FIRST LINK WINS: a frame named by several links keeps the subtype of the first one
    in tree order. THE SELECTED FRAME ANSWERS: then, for each frame's subtype so kept, a
    request makes the selected frame a response and a response makes it a request,
    whatever mark it had; Wireshark walks those subtypes in hash order, so when both
    occur tcpscope takes the last in tree order (no protocol tcpscope decodes has both).
    """
    marks: dict[int, Link] = {}
    for link in links:
        marks.setdefault(link.frame, link.kind)
    answer = {Link.REQUEST: Link.RESPONSE, Link.RESPONSE: Link.REQUEST}
    kept = [kind for kind in marks.values() if kind in answer]
    if kept:
        marks[frame] = answer[kept[-1]]
    return marks


def trace_of(sel: Selection, numbers: Index, streams: Index) -> Array:
    """The conversation line's :class:`Trace` for rows with frame ``numbers`` and TCP
    conversations ``streams`` (RelatedPacketDelegate::paint): none unless the
    conversation has a first and a last frame that differ; else FIRST and LAST on those
    two, and between them MEMBER on the conversation's own frames, BYPASS on others."""
    out = np.full(numbers.shape[0], Trace.NONE, dtype=np.int8)
    if sel.first <= 0 or sel.last <= 0 or sel.first == sel.last:
        return out
    inside = (numbers > sel.first) & (numbers < sel.last)
    out[inside] = np.where(streams[inside] == sel.stream, Trace.MEMBER, Trace.BYPASS)
    out[numbers == sel.first] = Trace.FIRST
    out[numbers == sel.last] = Trace.LAST
    return out


def mark_array(sel: Selection, numbers: Index) -> Array:
    """Each row's mark as an int8 :class:`Link` value, NO_MARK (-1) for none."""
    out = np.full(numbers.shape[0], NO_MARK, dtype=np.int8)
    for number, kind in sel.marks.items():
        out[numbers == number] = kind
    return out


def margin_texts(sel: Selection, numbers: Index, streams: Index) -> list[str]:
    """The margin of each row in a terminal: the line's character, the mark's two, a space."""
    traces = trace_of(sel, numbers, streams).tolist()
    marks = mark_array(sel, numbers).tolist()
    line = [TRACE_TEXT[Trace(t)] for t in range(len(Trace))]
    return [f"{line[t]}{MARK_TEXT[m]} " for t, m in zip(traces, marks, strict=True)]


def no_such_frame(frame: int) -> str:
    """Wireshark's words for selecting a frame the capture does not have (file.c ``cf_goto_frame``)."""
    return f"There is no packet number {frame}."


def not_displayed(frame: int) -> str:
    """Wireshark's words for selecting a frame the display filter hides (file.c ``cf_goto_frame``)."""
    return f"Packet number {frame} isn't displayed."


@dataclass(frozen=True, slots=True)
class Margin:
    """The margin beside displayed rows when ``selection.frame`` is selected: per row its
    frame ``number``, ``trace`` (a :class:`Trace` value) and ``mark`` (a :class:`Link`
    value, or NO_MARK), int8 arrays in the rows' order."""

    selection: Selection
    number: Index
    trace: Array
    mark: Array

    def texts(self, streams: Index) -> list[str]:
        """Each row's margin in a terminal (see :func:`margin_texts`); ``streams``: the rows' conversations."""
        return margin_texts(self.selection, self.number, streams)


def related_margin(table: PacketTable, frames: Index, frame: int) -> Margin:
    """The :class:`Margin` of the displayed ``frames`` (table rows) of a whole analysed
    capture when frame number ``frame`` is selected. IndexError (Wireshark's words) for a
    frame the capture does not have, or one not displayed."""
    base = table.records.first_frame + 1
    row = frame - base
    if not 0 <= row < table.n:
        raise IndexError(no_such_frame(frame))
    if not np.any(frames == row):
        raise IndexError(not_displayed(frame))
    streams = stream_of(table)
    stream = int(streams[row])
    span = (0, 0)
    if stream >= 0:
        member = np.flatnonzero(streams == stream)
        span = (int(member[0]) + base, int(member[-1]) + base)
    sel = selection(frame, stream, span, frame_links(table, np.array([row], dtype=np.int64)).of(row))
    numbers = frames + base
    return Margin(sel, numbers, trace_of(sel, numbers, streams[frames]), mark_array(sel, numbers))
