"""HTTP/1.x message framing above TCP, as tshark 4.0.17 frames it in one pass.

tshark hands each segment's payload to HTTP (packet-http.c, req_resp_hdrs.c; the notes
in reference/pdu-framing.md §2-3), and HTTP asks TCP to reassemble until a message is
whole: the headers up to their empty line, then a body of Content-Length bytes, a
chunked body up to its last chunk and the line after it, or, for a response with
neither, everything up to the FIN. The frame that completes a message carries it; the
frames before it read ``[TCP segment of a reassembled PDU]``. This module finds, per
stream and direction, where the messages start and end and which frame completes each,
with a compiled kernel walking the header bytes (bodies are skipped, not read), and
says for each segment how the packet list shows it (:data:`SHOW_TCP_MARK`,
:data:`SHOW_LINE_MARK`, :data:`SHOW_HTTP`).

What is framed (the first step of issue 18; anything else is left to TCP's own line):

* streams whose lower port is one of HTTP's (tshark's ``TCP_DEFAULT_RANGE``); the
  heuristic that finds HTTP on other ports is not applied;
* segments as TCP hands them on (``_handed_on`` in the kernel's module): a
  retransmission, or a segment that brings only bytes already seen, is passed over, as
  tshark never hands one to HTTP; after a hole, the segments inside a body of known
  length the hole made incomplete are absorbed (TCP's line and the marker), a message
  waiting for one more segment is dropped, and the next segment outside them starts a
  new message, as does a fast retransmission between messages; out-of-order data between
  messages is handed to nothing. Out-of-order data or a fast retransmission inside a
  message, a hole inside a body that lasts until the FIN, a zero-window probe, a cut by
  the snapshot length, a reassembled IP datagram, an RST with data, or a malformed frame
  stops the framing of that direction (``M_DEAD``), as does anything tshark would not
  frame as a request or response after a message in the same segment or after a first
  line begun in an earlier one (a header line without a colon, a bare CR, an unparsable
  length or chunk size, binary bytes after a message). A segment handed on as a new
  message that starts with a byte that is not printable, or whose first line is neither
  a request nor a response line, is tshark's ``Continuation`` once the conversation had
  a request (its body where HTTP's header loop stops), else TCP's own line.

The rules and the kernel that walks the bytes are in :mod:`tcpscope.analysis.http_framing`;
each direction's state there is in the named fields of its ``HttpState``, indexed by
``stream * 2 + direction``, plus the first bytes of the line being read, which
:class:`HttpFramer` carries from piece to piece with the text of each direction's open
message, so a capture read in pieces frames as it does whole.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.analysis.follow import fed_rows, gather_payload
from tcpscope.analysis.http_fields import HTTP_PORTS, HttpMatcher
from tcpscope.analysis.http_fields import LAYER as MESSAGES
from tcpscope.analysis.http_framing import (
    BODY_CUT,
    EV_BODY,
    EV_CONTINUATION,
    EV_CTYPE,
    EV_LINE1,
    EV_LINE1_POOL,
    EV_START,
    LINE_KEEP,
    M_DEAD,
    M_IDLE,
    SHOW_HTTP,
    SHOW_LINE_MARK,
    SHOW_TCP_MARK,
    W_FAST,
    W_NOT_HANDED,
    W_OUT_OF_ORDER,
    W_PLAIN,
    W_RETRANSMISSION,
    W_STOP,
    frame_segments,
    fresh_state,
    grown,
)
from tcpscope.analysis.http_lines import CONT_BINARY, CONT_MALFORMED
from tcpscope.analysis.http_messages import MessageCollector, PieceMessages
from tcpscope.analysis.layout import (
    A_FAST_RETRANSMISSION,
    A_KEEP_ALIVE,
    A_OUT_OF_ORDER,
    A_RETRANSMISSION,
    A_SPURIOUS_RETRANSMISSION,
    A_ZERO_WINDOW_PROBE,
)
from tcpscope.constants import FIN, RST, SYN
from tcpscope.table.layers import Layer
from tcpscope.table.packets import PacketTable

__all__ = ["HTTP_PORTS", "SHOW_HTTP", "SHOW_LINE_MARK", "SHOW_TCP_MARK", "HttpFramer", "HttpSegments", "frame_http",
           "http_messages", "http_segments", "with_http"]


_MOD = 0xFFFFFFFF
#: Analysis flags of segments tshark hands to no dissector and that change nothing
_PASSED_OVER = A_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION


def _why(table: PacketTable, rows: Index, flags: Array) -> Array:
    """Per claimed segment, why it is handed on or not (``W_*`` of
    :mod:`~tcpscope.analysis.http_framing`): a zero-window probe, an RST with data, a
    reassembled IP datagram or a malformed frame stop the framing; a retransmission,
    out-of-order data and a fast retransmission as TCP treats them; else plain."""
    c = table.layer("tcp").cols
    aflags = np.asarray(c["aflags"], dtype=np.int64)[rows]
    why = np.full(rows.shape[0], W_PLAIN, dtype=np.int8)
    why[(aflags & _PASSED_OVER) != 0] = W_RETRANSMISSION
    why[(aflags & A_FAST_RETRANSMISSION) != 0] = W_FAST
    why[(aflags & A_OUT_OF_ORDER) != 0] = W_OUT_OF_ORDER
    why[((aflags & A_ZERO_WINDOW_PROBE) != 0) | ((flags & RST) != 0)
        | (np.asarray(c["_buf"], dtype=np.int64)[rows] != 0) | table.malformed[table.layer("tcp").pkt[rows]]] = W_STOP
    return why


#: Analysis flags of segments TCP hands to no dissector when it does not desegment
#: (tcp_no_subdissector_on_error: a retransmission, out-of-order data; a keep-alive goes
#: to the data dissector); a fast or spurious retransmission is handed on
_NOT_HANDED = A_RETRANSMISSION | A_OUT_OF_ORDER | A_KEEP_ALIVE


def _why_alone(table: PacketTable, rows: Index, flags: Array) -> Array:
    """Per claimed segment, per segment (``tcp.desegment_tcp_streams:FALSE``): not handed
    on (W_NOT_HANDED), not framed by tcpscope (W_STOP: an RST with data, a reassembled IP
    datagram, a malformed frame), else plain."""
    c = table.layer("tcp").cols
    aflags = np.asarray(c["aflags"], dtype=np.int64)[rows]
    why = np.full(rows.shape[0], W_PLAIN, dtype=np.int8)
    why[(aflags & _NOT_HANDED) != 0] = W_NOT_HANDED
    why[((flags & RST) != 0) | (np.asarray(c["_buf"], dtype=np.int64)[rows] != 0)
        | table.malformed[table.layer("tcp").pkt[rows]]] = W_STOP
    return why


@dataclass(frozen=True)
class HttpSegments:
    """How the list shows the ``tcp`` rows HTTP framing claims: the row, its
    ``SHOW_*`` kind and the HTTP part of its Info (for SHOW_LINE_MARK the first line and a
    blank; for SHOW_HTTP the messages' texts; empty for SHOW_TCP_MARK)."""

    row: Index
    show: Array
    text: list[str]
    #: with the detail: the messages completed (``msg_row``: the tcp row of each one's
    #: completing segment)
    messages: PieceMessages | None = None
    msg_row: Index | None = None


# ---- carrying it over a capture ----


class HttpFramer:
    """HTTP framing of a capture given an analysed table at a time, in capture order
    (module docstring): the state per direction carries from one table to the next, with
    the text of each direction's open message (its first line and Content-Type).
    ``detail``: the messages too, with their bytes (for the http.* fields);
    ``desegment``: False frames each segment alone, as tshark does with
    ``tcp.desegment_tcp_streams:FALSE`` (no message spans segments, no reassembly marker)."""

    def __init__(self, detail: bool = False, desegment: bool = True) -> None:
        self._st = fresh_state(0)
        self._lines = np.zeros((0, LINE_KEEP), dtype=np.uint8)
        self._open: dict[int, list[str]] = {}
        self.detail = detail
        self.desegment = desegment
        self._messages = MessageCollector() if detail else None
        self.matcher = HttpMatcher()

    def feed(self, table: PacketTable) -> HttpSegments:
        """How the list shows the frames of ``table`` that HTTP framing claims."""
        tcp = table.layer("tcp")
        if len(tcp) == 0 or "stream" not in tcp.cols:
            return HttpSegments(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8), [])
        c = tcp.cols
        sport = np.asarray(c["srcport"], dtype=np.int64)
        dport = np.asarray(c["dstport"], dtype=np.int64)
        flags_all = np.asarray(c["flags"], dtype=np.int64)
        ok = (fed_rows(table) & np.isin(np.minimum(sport, dport), HTTP_PORTS, kind="table")
              & ((np.asarray(c["len"]) > 0) | ((flags_all & FIN) != 0)))
        rows = np.flatnonzero(ok).astype(np.int64)
        if rows.shape[0] == 0:
            return HttpSegments(rows, np.zeros(0, dtype=np.int8), [])
        key = np.asarray(c["stream"], dtype=np.int64)[rows] * 2 + np.asarray(c["_flow"], dtype=np.int64)[rows]
        self._grow((int(key.max()) | 1) + 1)  # both directions of each stream
        flags = np.asarray(c["flags"], dtype=np.int64)[rows]
        seq = (np.asarray(c["seq"], dtype=np.int64)[rows] + ((flags & SYN) != 0)) & _MOD
        seglen = np.asarray(c["len"], dtype=np.int64)[rows]
        pay, start, cap = gather_payload(table, rows)
        why = _why(table, rows, flags) if self.desegment else _why_alone(table, rows, flags)
        fin = (flags & FIN) != 0
        show = np.zeros(rows.shape[0], dtype=np.int8)
        tail = np.zeros(rows.shape[0], dtype=np.bool_)
        ev = np.zeros(((2 if self.detail else 1) * int(cap.sum()) + 2 * rows.shape[0] + 1, 4), dtype=np.int64)
        pool = np.zeros(int(cap.sum()) + LINE_KEEP * rows.shape[0], dtype=np.uint8)
        walked = np.zeros(rows.shape[0], dtype=np.bool_)
        k = frame_segments(rows.shape[0], (key, seq, seglen, start, cap, fin, why, pay), self._st, self._lines,
                           (show, tail, ev, pool, walked), self.detail, not self.desegment)
        segs = self._texts(rows, key, show, tail, ev[:k], pay, pool)
        if self._messages is None:
            return segs
        mode = self._st.mode
        msgs = self._messages.collect(key, walked, (start, cap, pay), ev[:k], (mode != M_IDLE) & (mode != M_DEAD))
        return replace(segs, messages=msgs, msg_row=rows[msgs.seg])

    def _texts(self, rows: Index, key: Index, show: Array, tail: Array, ev: Array, pay: Array, pool: Array,  # noqa: PLR0913, PLR0917 -- the kernel's outputs, one by one
               ) -> HttpSegments:
        """The HTTP part of each claimed segment's Info, from the events, segment by
        segment (one Python step per event, a few per message, and per claimed segment;
        the keys, events and bytes as Python ints and bytes once, not a numpy scalar each)."""
        texts = [""] * rows.shape[0]
        events = ev.tolist()
        keys = key.tolist()
        raw = (pay.data, pool.data)  # (memoryviews: a line is copied out alone)
        e, count = 0, len(events)
        for s in np.flatnonzero(show).tolist():
            kk = keys[s]
            done: list[str] = []
            while e < count and events[e][0] <= s:
                seg, kind, a, b = events[e]
                e += 1
                text = self._event(keys[seg], kind, a, b, raw)
                if text is not None and seg == s:
                    done.append(text)
            cur = self._open.get(kk)
            line = cur[0] + " " if cur is not None and cur[0] else ""
            if show[s] == SHOW_LINE_MARK:
                texts[s] = line
            elif show[s] == SHOW_HTTP:
                texts[s] = "".join(done) + (line if tail[s] else "")
        for seg, kind, a, b in events[e:]:
            self._event(keys[seg], kind, a, b, raw)
        keep = show != 0
        for s in np.flatnonzero(keep & (show != SHOW_TCP_MARK)).tolist():
            keep[s] = not _unwritten(texts[s])
        return HttpSegments(rows[keep], show[keep], [t for t, k in zip(texts, keep.tolist(), strict=True) if k])

    def _event(self, key: int, kind: int, a: int, b: int, raw: tuple[memoryview, memoryview]) -> str | None:
        """Apply one event to direction ``key``'s open message (``raw``: the piece's
        payload and pool, which a first line's and a Content-Type's places point into); a
        completed message's Info text is returned."""
        if kind == EV_CONTINUATION:
            if a == CONT_MALFORMED and not self.desegment:
                return "Continuation" + _UNREASSEMBLED
            return "Continuation" if a >= CONT_BINARY else _UNWRITTEN
        if kind in (EV_START, EV_BODY):  # the detail, for the messages
            return None
        cur = self._open.setdefault(key, ["", ""])
        if kind in (EV_LINE1, EV_LINE1_POOL):
            cur[0], cur[1] = _line_text(bytes(raw[0 if kind == EV_LINE1 else 1][a:a + b])), ""
        elif kind == EV_CTYPE:
            cur[1] = _line_text(bytes(raw[1][a:a + b]))
        else:
            del self._open[key]
            if a == BODY_CUT:
                return _UNWRITTEN if not cur[0] else cur[0] + " " + _UNREASSEMBLED
            return _message_text(cur[0], cur[1], a)
        return None

    def _grow(self, keys: int) -> None:
        if keys > self._st.mode.shape[0]:
            n = max(keys, 2 * self._st.mode.shape[0])
            lines = np.zeros((n, LINE_KEEP), dtype=np.uint8)
            lines[: self._lines.shape[0]] = self._lines
            self._st, self._lines = grown(self._st, n), lines


#: Marks in a text this module does not write yet (the body's media dissector, escapes)
_UNWRITTEN = "\x00"
#: What Info gets when a dissector runs past the bytes of a segment TCP handed on alone
#: (an exception with ``pinfo->fragmented`` set: show_exception's FragmentBoundsError)
_UNREASSEMBLED = "[BoundErrorUnreassembled Packet]"


def _unwritten(text: str) -> bool:
    return _UNWRITTEN in text or not text


@lru_cache(maxsize=4096)
def _line_text(raw: bytes) -> str:
    """A line as the Info shows it; a byte that format_text would escape (not printable
    ASCII) makes it unwritten. Cached: keep-alive traffic repeats its lines."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return _UNWRITTEN
    return text if text.isprintable() else _UNWRITTEN


#: Media types whose dissector appends `` (type)`` to Info (text-lines, urlencoded-form)
_SHOWN_MEDIA = ("application/x-www-form-urlencoded", "application/x-javascript", "application/javascript")
#: Media types whose body goes to the data dissector, which appends nothing
_SILENT_MEDIA = ("application/octet-stream",)
#: Image dissectors that append a name of their own (packet-png.c, packet-jpeg.c)
_IMAGE_NAMES = {"image/png": " (PNG)", "image/jpeg": " (JPEG JFIF image)"}


@lru_cache(maxsize=1024)
def _media_suffix(ctype: str) -> str:
    """What the body's dissector appends to Info (packet-http.c hands the body to the
    dissector of its media type, lower-cased, parameters dropped): `` (type)`` for text
    (but XML) and the types of :data:`_SHOWN_MEDIA`, nothing for :data:`_SILENT_MEDIA`,
    the image's name for PNG and JPEG; others (GIF, whose name is its version read from
    the body, JSON, XML, multipart, ...) are not written yet."""
    media = ctype.split(";", 1)[0].strip()
    if media in _SILENT_MEDIA:
        return ""
    if media in _IMAGE_NAMES:
        return _IMAGE_NAMES[media]
    if (media.startswith("text/") and "xml" not in media) or media in _SHOWN_MEDIA:
        return f" ({media})"
    return _UNWRITTEN


def _message_text(line: str, ctype: str, body: int) -> str:
    """A completed message's Info: its first line and a blank, then the body dissector's
    text when it has a body (none without a Content-Type: the data dissector)."""
    if not line:
        return _UNWRITTEN
    text = line + " "
    if body > 0 and ctype:
        text += _media_suffix(ctype)
    return text


def frame_http(table: PacketTable, detail: bool = False) -> HttpSegments:
    """HTTP framing of a whole analysed table (``detail``: with its messages)."""
    return HttpFramer(detail).feed(table)


#: The table layer that carries a piece's HTTP framing from the analysis to the views
LAYER = "_http"


def with_http(table: PacketTable, segs: HttpSegments, matcher: HttpMatcher | None = None) -> PacketTable:
    """``table`` carrying ``segs`` (its HTTP framing, made with the state of the pieces
    before it) as the layer :data:`LAYER`, one row per claimed segment, and, when it has
    them, its messages as the layer of :mod:`tcpscope.analysis.http_fields` (matched by
    ``matcher``, carried over the pieces), their bytes as a buffer of the table's own."""
    pkt = table.layer("tcp").pkt[segs.row]
    n = segs.row.shape[0]
    text = np.empty(n, dtype=object)
    text[:] = segs.text
    table = table.with_layer(Layer(LAYER, pkt, np.zeros(n, dtype=np.int16), np.ones(n, dtype=np.int32),
                                   {"row": segs.row, "show": segs.show, "text": text}))
    if segs.messages is None or segs.msg_row is None:
        return table
    table = replace(table, buffers=(*table.buffers, segs.messages.buf))
    messages, headers = (matcher or HttpMatcher()).layers(table, segs.msg_row, segs.messages, len(table.buffers) - 1)
    return table.with_layer(messages).with_layer(headers)


def http_messages(table: PacketTable) -> PacketTable:
    """``table`` with its HTTP messages (the layer of :mod:`tcpscope.analysis.http_fields`):
    as the analysis carried them over the pieces, else the table framed alone."""
    if MESSAGES in table.layers:
        return table
    framer = HttpFramer(detail=True)
    return with_http(table, framer.feed(table), framer.matcher)


def http_segments(table: PacketTable) -> HttpSegments:
    """The HTTP framing of ``table``: what :func:`with_http` put in it (a piece framed
    with the pieces before it), else the table framed alone."""
    got = table.layers.get(LAYER)
    if got is None:
        return frame_http(table)
    c = got.cols
    return HttpSegments(np.asarray(c["row"], dtype=np.int64), np.asarray(c["show"], dtype=np.int8),
                        list(np.asarray(c["text"]).tolist()))
