"""The kernel of HTTP/1.x framing (:mod:`tcpscope.analysis.http`): tshark 4.0.17's rules
for where a request or response starts and ends in a direction's bytes (packet-http.c,
req_resp_hdrs.c; reference/pdu-framing.md §2-3), one helper each, and the walk over a
piece's segments that applies them.

Each direction's state is in the fields of :class:`HttpState` (one int64 array per
field, indexed by ``stream * 2 + direction``: ``st.mode[key]``), with the first
:data:`LINE_KEEP` bytes of the line being read; the walk writes how each segment shows in the list (``SHOW_*``) and events
(``EV_*``) from which the caller writes the texts.
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import numpy as np

from tcpscope._jit import helper, kernel
from tcpscope._types import Array
from tcpscope.analysis.http_lines import (
    CONT_BINARY,
    HEAD_METHOD,
    METHOD_LEN,
    METHOD_TABLE,
    continuation_body,
    decimal,
    hex_digit,
    line_end,
    method_index,
    request_or_response,
    starts_with,
    status_code,
    value_start,
)
from tcpscope.analysis.http_tls_order import ORDER_AHEAD, ORDER_OVERLAP, ORDER_SEEN, segment_order, take_segment

__all__ = [
    "BODY_CUT",
    "EV_BODY",
    "EV_CONTINUATION",
    "EV_CTYPE",
    "EV_DONE",
    "EV_LINE1",
    "EV_LINE1_POOL",
    "EV_START",
    "HELPER_MODULES",
    "HELPER_MODULES_DIGEST",
    "LINE_KEEP",
    "SHOW_HTTP",
    "SHOW_LINE_MARK",
    "SHOW_TCP_MARK",
    "W_FAST",
    "W_NOT_HANDED",
    "W_OUT_OF_ORDER",
    "W_PLAIN",
    "W_RETRANSMISSION",
    "W_STOP",
    "W_UNANALYSED",
    "HttpState",
    "frame_segments",
    "fresh_state",
    "grown",
]

#: The modules whose helpers the kernel compiles in. numba's cache knows only this file,
#: so the digest of their source is recorded here: a change to one of them changes this
#: line, which compiles the kernel again (tests/analysis/test_kernel_sources.py)
HELPER_MODULES = ("tcpscope.analysis.http_lines", "tcpscope.analysis.http_tls_order")
HELPER_MODULES_DIGEST = "42ae5fba7ea33061"

#: How a segment shows in the list: TCP's own line, then the reassembly marker
SHOW_TCP_MARK = 1
#: the first line of the message being reassembled and a blank, then the marker
SHOW_LINE_MARK = 2
#: Protocol HTTP, Info the messages it completes (and the first line of one it starts)
SHOW_HTTP = 3

# ---- the state of a direction: mode and named columns ----

#: modes: between messages, in the first line, in the header lines, in a body of known
#: length, in a chunk-size line, in a chunk's data, in the line end after a chunk, in the
#: line after the last chunk, in a body that lasts until the FIN, not framed any more, in
#: a body of known length that a hole made incomplete for good
M_IDLE, M_LINE1, M_HEADERS, M_BODY, M_CHUNK_SIZE, M_CHUNK_DATA, M_CHUNK_END, M_TRAILER, M_TO_FIN, M_DEAD, M_LOST = \
    range(11)


class HttpState(NamedTuple):
    """Each direction's state (``stream * 2 + direction``), one int64 array per field."""

    mode: Array  #: the mode (``M_*``)
    nxt: Array  #: the relative sequence number expected next (mod 2**32)
    have_next: Array  #: 1 once a segment with data was taken
    line: Array  #: bytes of the current line so far (its line end not counted)
    cr: Array  #: 1 when the last byte was a CR
    lstart: Array  #: where the current line starts in this piece's payload (-1: in an earlier segment)
    remain: Array  #: body or chunk bytes still to come
    cl: Array  #: Content-Length (-1: none)
    chunked: Array  #: 1 with Transfer-Encoding: chunked
    response: Array  #: 1 for a response
    code: Array  #: a response's status code
    body: Array  #: body bytes so far (de-chunked)
    chunk: Array  #: the chunk size being read (-1: a bad digit)
    chunk_ext: Array  #: 1 once the chunk-size line's extension started
    start_seg: Array  #: the segment (in this piece) the message started in (-1: an earlier piece)
    line1: Array  #: 1 once the first line is whole
    exact_seg: Array  #: the segment whose headers asked for an exact length (-1: none)
    head: Array  #: 1 when the conversation's last request was HEAD (both directions)
    seen: Array  #: 1 once the conversation had a request (both directions)
    lost_end: Array  #: in M_LOST: the relative sequence number where the lost message ends


#: Fields whose value for a direction not seen yet is -1 (none)
_FRESH = {"cl": -1, "lstart": -1, "start_seg": -1, "exact_seg": -1}

#: Bytes of a line kept from segment to segment: a first line begun in an earlier
#: segment is read from them, a header line is recognised by them (lower-cased)
LINE_KEEP = 128

#: Events: a first line read (its place in the piece's payload, or in the pool of kept
#: bytes), a Content-Type value read (its place in the pool), a message complete (its
#: body length, and where it ends in the payload), a segment of binary data after HTTP
#: was seen (tshark's Continuation); with ``detail`` also where a message starts and
#: where its body starts (places in the payload: the message's bytes for its fields)
EV_LINE1, EV_LINE1_POOL, EV_CTYPE, EV_DONE, EV_CONTINUATION, EV_START, EV_BODY = 0, 1, 2, 3, 4, 5, 6

#: Why a segment is handed on or not (the ``why`` input): in order or after a hole, a
#: retransmission (handed to no dissector), out-of-order data, a fast retransmission,
#: anything that stops the framing (a zero-window probe, an RST with data, a reassembled
#: IP datagram, a malformed frame); per segment (:func:`frame_segments`'s
#: ``per_segment``), a segment TCP hands to no dissector (a retransmission or out-of-order
#: data, tshark's ``tcp_no_subdissector_on_error``; a keep-alive, handed to data); without
#: the sequence analysis (``tcp.analyze_sequence_numbers:FALSE``), a segment no flag keeps
#: from the dissector, whatever its place (W_UNANALYSED, :func:`_handed_on`)
W_PLAIN, W_RETRANSMISSION, W_OUT_OF_ORDER, W_FAST, W_STOP, W_NOT_HANDED, W_UNANALYSED = 0, 1, 2, 3, 4, 5, 6

#: What :func:`_handed_on` decides for a segment: pass it over, add it to a lost message
#: (TCP's line and the marker), stop the direction's framing, hand it on as a new message,
#: walk it as the next bytes
H_SKIP, H_ABSORB, H_DEAD, H_NEW, H_WALK = 0, 1, 2, 3, 4

_MOD = 0xFFFFFFFF

_CONTENT_LENGTH = np.frombuffer(b"content-length:", dtype=np.uint8)
_CONTENT_TYPE = np.frombuffer(b"content-type:", dtype=np.uint8)
_TRANSFER_ENCODING = np.frombuffer(b"transfer-encoding:", dtype=np.uint8)
_CHUNKED = np.frombuffer(b"chunked", dtype=np.uint8)

# ---- the kernel's rules, one helper each ----


@helper
def _new_pdu_text(st: Any, key: int, pay: Any, at: int, end: int, seg: int, ev: Any, k: int,  # noqa: PLR0913, PLR0917 -- a numba helper: arrays one by one
                  table: Any, lens: Any) -> int:
    """A segment handed to HTTP as a new message whose first line, whole in it, is neither
    a request nor a response line (after a hole, or a conversation's first bytes): HTTP
    takes all of it, as a Continuation when the conversation had a request (its body
    from :func:`continuation_body`), else silently (TCP's own line, no marker). Returns
    the event count (-1: the line is a request or response, framed as a message)."""
    e = line_end(pay, at, end)
    if e < 0 or request_or_response(pay, at, e - at, table, lens):
        return -1
    st.mode[key] = M_IDLE
    if st.seen[key] == 0:
        return k
    ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = seg, EV_CONTINUATION, continuation_body(pay, at, end, table, lens), end
    return k + 1


@helper
def _behind_unanalysed(st: Any, key: int, seq: int) -> int:
    """UNANALYSED (:func:`_handed_on`): a segment whose bytes lie before those seen,
    outside a lost message, handed on without the sequence analysis: between messages a
    new message, the direction's bytes going on from its end; inside a message, not framed."""
    if st.mode[key] != M_IDLE:
        return H_DEAD
    st.nxt[key] = seq  # (take_segment then expects the bytes after it)
    return H_NEW


@helper
def _handed_on(st: Any, key: int, seq: int, seglen: int, why: int) -> int:  # noqa: PLR0912 -- one branch per rule of the docstring, in its order
    """What TCP does with a segment of a direction that is not dead (desegment_tcp and
    decode_tcp_ports without out-of-order reassembly; reference/pdu-framing.md §2.6):

    * a retransmission, or a segment whose bytes were all seen, is handed to no dissector
      and changes nothing (H_SKIP);
    * a segment inside the byte range of a message waiting for an exact length whose
      bytes a hole made incomplete is added to it: its frame shows TCP's line and the
      marker, the message is never dissected (H_ABSORB); the first segment from that
      range's end on starts a new message (H_NEW); one across the end is not framed
      (H_DEAD);
    * out-of-order data outside such a range is handed to no dissector (H_SKIP) between
      messages; within one, not framed;
    * a hole (bytes not captured before the segment) inside a body of known length makes
      the message lost (M_LOST, then as above); inside a message waiting for "one more
      segment" (its first line, headers or chunks), TCP's reassembly ends before the
      segment, which is handed on as a new message (H_NEW); inside a body that lasts
      until the FIN, not framed;
    * a fast retransmission, or a segment that overlaps bytes seen and goes on past them,
      is handed on as a new message between messages; within one, not framed;
    * UNANALYSED: without the sequence analysis nothing flags a segment whose bytes lie
      before those seen (W_UNANALYSED), so TCP hands it on: between messages as a new
      message (H_NEW), the direction's bytes going on from its end; inside the byte range
      of a lost message it is added to it (as above); inside another message, not framed;
    * otherwise the segment continues the direction's bytes in order (H_WALK)."""
    if why == W_STOP:
        return H_DEAD
    if why == W_RETRANSMISSION:
        return H_SKIP
    if st.have_next[key] == 1 and why in (W_PLAIN, W_UNANALYSED):
        order = segment_order(st.nxt[key], seq, seglen)
        if order in (ORDER_SEEN, ORDER_OVERLAP) and why == W_UNANALYSED and st.mode[key] != M_LOST:
            return _behind_unanalysed(st, key, seq)
        if order == ORDER_SEEN and why == W_PLAIN:
            return H_SKIP
        if order == ORDER_OVERLAP and st.mode[key] != M_IDLE:
            return H_DEAD
        if order == ORDER_AHEAD and st.mode[key] == M_BODY:
            st.mode[key] = M_LOST
            st.lost_end[key] = (st.nxt[key] + st.remain[key]) & _MOD
        elif order == ORDER_AHEAD and st.mode[key] in (M_LINE1, M_HEADERS, M_CHUNK_SIZE, M_CHUNK_DATA,
                                                          M_CHUNK_END, M_TRAILER):
            st.mode[key] = M_IDLE
        elif order == ORDER_AHEAD and st.mode[key] == M_TO_FIN:
            return H_DEAD
    if st.mode[key] == M_LOST:
        left = (st.lost_end[key] - seq) & _MOD
        if 0 < left < 0x80000000:
            return H_ABSORB if seglen <= left else H_DEAD
        st.mode[key] = M_IDLE
        return H_NEW if why != W_OUT_OF_ORDER else H_SKIP
    if why == W_OUT_OF_ORDER:
        return H_SKIP if st.mode[key] == M_IDLE else H_DEAD
    if why == W_FAST:
        return H_NEW if st.mode[key] == M_IDLE else H_DEAD
    return H_WALK


@helper
def _body_mode(st: Any, key: int, fin: bool) -> int:
    """What follows a message's empty header line (req_resp_hdrs_do_reassembly): none for
    a response to HEAD and for status 1xx, 204 and 304 (whatever its headers say: RFC 9112
    §6.3 rule 1), a chunked body (Transfer-Encoding first), a body of Content-Length bytes,
    none for a request without either, else (a response) everything up to the FIN. In a
    segment with FIN the body is not waited for: only what this segment holds is framed,
    so a body it does not hold stops the framing."""
    if st.response[key] == 1:
        code = st.code[key]
        if st.head[key] == 1 or (100 <= code < 200) or code in (204, 304):
            return M_IDLE
    if st.chunked[key] == 1:
        return M_DEAD if fin else M_CHUNK_SIZE
    if st.cl[key] > 0:
        return M_BODY
    if st.cl[key] == 0 or st.response[key] == 0:
        return M_IDLE
    return M_TO_FIN


@helper
def _header_line(st: Any, lines: Any, key: int, pool: Any, pooled: Any, fin: bool, seg: int, ev: Any, k: int) -> int:  # noqa: PLR0912, PLR0913, PLR0917 -- a numba helper: arrays one by one, a branch per header it notes
    """A header line ended (its first bytes in ``lines[key]``): an empty one ends the
    headers (the body's mode set, EV_DONE when there is none); Content-Length,
    Transfer-Encoding and Content-Type (names case-insensitive, the colon right after)
    are noted, the Content-Type's value copied to ``pool`` (``pooled[0]``: the bytes
    used). Returns the event count."""
    n = st.line[key]
    line = lines[key]
    if n == 0:
        mode = _body_mode(st, key, fin)
        st.mode[key] = mode
        if mode == M_IDLE:
            ev[k, 0], ev[k, 1], ev[k, 2] = seg, EV_DONE, 0
            return k + 1
        if mode == M_BODY:
            st.remain[key] = st.cl[key]
        if mode in (M_BODY, M_TO_FIN):
            st.exact_seg[key] = seg
        return k
    kept = min(n, LINE_KEEP)
    colon = False
    for i in range(kept):
        if line[i] == 58:
            colon = True
            break
    if not colon:
        if n <= LINE_KEEP:
            st.mode[key] = M_DEAD  # a header line without a colon ends the headers early
        return k
    if starts_with(line, 0, kept, _CONTENT_LENGTH):
        if n > LINE_KEEP:
            st.mode[key] = M_DEAD
            return k
        v = decimal(line, value_start(line, n, _CONTENT_LENGTH.shape[0]), n)
        if v < 0:
            st.mode[key] = M_DEAD
        st.cl[key] = v
    elif starts_with(line, 0, kept, _TRANSFER_ENCODING):
        at = value_start(line, kept, _TRANSFER_ENCODING.shape[0])
        if n - at == _CHUNKED.shape[0] and starts_with(line, at, n - at, _CHUNKED):
            st.chunked[key] = 1
        else:
            st.mode[key] = M_DEAD
    elif starts_with(line, 0, kept, _CONTENT_TYPE):
        # the value as kept (lower-cased: the media type is compared and shown so);
        # cut before its end, it must hold the ';' that ends the media type
        at = value_start(line, kept, _CONTENT_TYPE.shape[0])
        complete = n <= LINE_KEEP
        for i in range(at, kept):
            if line[i] == 59:
                complete = True
        if not complete:
            st.mode[key] = M_DEAD
            return k
        used = pooled[0]
        for i in range(at, kept):
            pool[used + i - at] = line[i]
        pooled[0] = used + kept - at
        ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = seg, EV_CTYPE, used, kept - at
        return k + 1
    return k


@helper
def _first_line(st: Any, lines: Any, key: int, pay: Any, pool: Any, pooled: Any, seg: int, ev: Any, k: int,  # noqa: PLR0913, PLR0917 -- a numba helper: arrays one by one
                table: Any, lens: Any) -> int:
    """The first line ended: a response if it starts with ``HTTP/`` (its status code
    read), a request if its first word is one of tshark's methods (HEAD noted for the
    conversation), else not framed. The line is read where it is whole: in this
    segment's bytes, or, begun in an earlier one, in its kept first bytes (copied to
    ``pool`` for its text; longer, it is not framed). Returns the event count."""
    start, n = st.lstart[key], st.line[key]
    if n == 0 or (start < 0 and n > LINE_KEEP):
        st.mode[key] = M_DEAD
        return k
    kind = EV_LINE1
    if start < 0:
        start = pooled[0]
        for i in range(n):
            pool[start + i] = lines[key, i]
        pooled[0] = start + n
        buf = pool
        kind = EV_LINE1_POOL
    else:
        buf = pay
    if n >= 5 and buf[start] == 72 and buf[start + 1] == 84 and buf[start + 2] == 84 and buf[start + 3] == 80 \
            and buf[start + 4] == 47:
        code = status_code(buf, start, n)
        if code < 0:
            st.mode[key] = M_DEAD
            return k
        st.response[key] = 1
        st.code[key] = code
    else:
        m = method_index(buf, start, n, table, lens)
        if m < 0:
            st.mode[key] = M_DEAD
            return k
        st.response[key] = 0
        head = 1 if m == HEAD_METHOD else 0
        st.head[key] = head
        st.head[key ^ 1] = head
        st.seen[key] = 1
        st.seen[key ^ 1] = 1
    st.line1[key] = 1
    st.mode[key] = M_HEADERS
    ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = seg, kind, start, n
    return k + 1


@helper
def _new_message(st: Any, key: int, seg: int, at: int) -> None:
    """A message starts at ``at`` in this piece's payload."""
    st.mode[key] = M_LINE1
    st.line[key] = 0
    st.cr[key] = 0
    st.lstart[key] = at
    st.cl[key] = -1
    st.chunked[key] = 0
    st.body[key] = 0
    st.start_seg[key] = seg
    st.line1[key] = 0
    st.exact_seg[key] = -1
    st.chunk[key] = 0
    st.chunk_ext[key] = 0


@helper
def _chunk_line(st: Any, key: int, seg: int, ev: Any, k: int) -> int:
    """A line of a chunked body ended: a chunk size (hex, ``;extension`` ignored) starts
    its data, or for 0 the line after it; the empty line after a chunk's data, or the
    line after the last chunk (which completes the message). Returns the event count."""
    mode = st.mode[key]
    if mode == M_CHUNK_SIZE:
        size = st.chunk[key]
        if size < 0 or st.line[key] == 0:
            st.mode[key] = M_DEAD
        elif size == 0:
            st.mode[key] = M_TRAILER
        else:
            st.mode[key] = M_CHUNK_DATA
            st.remain[key] = size
            st.body[key] += size
    elif mode == M_CHUNK_END:
        st.mode[key] = M_CHUNK_SIZE if st.line[key] == 0 else M_DEAD
    elif mode == M_TRAILER:
        if st.line[key] != 0:
            st.mode[key] = M_DEAD  # a trailer: tshark stops after its first line
        else:
            st.mode[key] = M_IDLE
            ev[k, 0], ev[k, 1], ev[k, 2] = seg, EV_DONE, st.body[key]
            return k + 1
    st.chunk[key] = 0
    st.chunk_ext[key] = 0
    return k


@helper
def _line_byte(st: Any, lines: Any, key: int, c: int) -> None:
    """A byte of a line that is not its end: counted, kept in a first line, kept
    lower-cased in a header line, read as a hex digit in a chunk-size line."""
    n = st.line[key]
    mode = st.mode[key]
    if mode == M_HEADERS and n < LINE_KEEP:
        lines[key, n] = c + 32 if 65 <= c <= 90 else c
    elif mode == M_LINE1 and n < LINE_KEEP:
        lines[key, n] = c
    elif mode == M_CHUNK_SIZE and st.chunk_ext[key] == 0:
        if c == 59:
            st.chunk_ext[key] = 1
        elif st.chunk[key] >= 0:
            d = hex_digit(c)
            st.chunk[key] = -1 if d < 0 or st.chunk[key] > 0x7FFFFFF else st.chunk[key] * 16 + d
    st.line[key] = n + 1


@helper
def _segment_alone(st: Any, key: int, why: int, whole: bool) -> bool:
    """Per segment (tcp.desegment_tcp_streams:FALSE): TCP hands each segment's payload to
    HTTP on its own (dissect_tcp_payload without desegment_tcp), unless it hands it to no
    dissector (W_NOT_HANDED) or the segment is one whose bytes tcpscope does not frame
    (W_STOP: a reassembled IP datagram, an RST with data, a malformed frame; cut by the
    snapshot length). HTTP cannot ask for more bytes: each segment it takes starts between
    messages, with only the conversation's memory (a request seen, the last method) kept.
    Returns whether HTTP reads the segment."""
    if why in (W_NOT_HANDED, W_STOP) or not whole:
        return False
    st.mode[key] = M_IDLE
    st.start_seg[key] = -1
    st.exact_seg[key] = -1
    return True


#: The body length of an EV_DONE whose chunked body the segment's end cuts (per segment)
BODY_CUT = -1


@helper
def _segment_end(st: Any, key: int, pay: Any, seg: int, end: int, ev: Any, k: int,  # noqa: PLR0913, PLR0917 -- a numba helper: arrays one by one
                 table: Any, lens: Any) -> int:
    """Per segment, where the segment ends inside a message: HTTP dissects what it has
    (req_resp_hdrs_do_reassembly asks for no more when TCP cannot desegment), and the
    direction is between messages again. Returns the event count.

    * A first line without its line end is not a request or response line to the Info
      (is_http_request_or_reply of a line of unknown length): a Continuation once the
      conversation had a request (its body from :func:`continuation_body`), else nothing; but HTTP's header loop reads it again to
      the segment's end, and a request line there counts as the conversation's request
      (a later segment is a Continuation): CUT REQUEST LINE, a message of that line alone
      (its method, URI and empty version are fields, its tree is written), whose frame
      shows TCP's line.
    * A message whose first line is whole is shown as it stands, its body the bytes of it
      the segment holds (the body's media dissector runs on them: none, no media suffix);
      a chunked body whose chunks the segment's end cuts throws in the chunk reader
      (BODY_CUT: ``[BoundErrorUnreassembled Packet]``, no media suffix)."""
    mode = st.mode[key]
    st.mode[key] = M_IDLE
    if mode == M_LINE1:
        if st.seen[key] == 1:
            body = continuation_body(pay, st.lstart[key], end, table, lens)
            ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = seg, EV_CONTINUATION, body, end
            return k + 1
        m = method_index(pay, st.lstart[key], st.line[key], table, lens)
        if m < 0:
            return k
        head = 1 if m == HEAD_METHOD else 0
        st.head[key], st.head[key ^ 1], st.seen[key], st.seen[key ^ 1] = head, head, 1, 1
        ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = seg, EV_DONE, 0, end  # (no first line to the Info: TCP's line)
        return k + 1
    body = st.body[key]
    if mode == M_BODY:
        body = st.cl[key] - st.remain[key]
    elif mode == M_HEADERS or (mode == M_CHUNK_SIZE and st.line[key] == 0 and body == 0):
        body = 0
    elif mode in (M_CHUNK_SIZE, M_CHUNK_DATA, M_CHUNK_END, M_TRAILER):
        body = BODY_CUT
    ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = seg, EV_DONE, body, end
    return k + 1


@partial(kernel, refcounts=False)  # (it creates no array: no reference counting, tcpscope._jit)
def _frame(key: Any, seq: Any, seglen: Any, start: Any, cap: Any, fin: Any, why: Any, pay: Any,  # noqa: PLR0913, PLR0917, PLR0912, PLR0915 -- a numba kernel: arrays one by one, one walk over the bytes
           st: Any, lines: Any, show: Any, tail: Any, ev: Any, pool: Any, pooled: Any, table: Any,
           lens: Any, walked: Any, detail: bool, per_segment: bool) -> int:
    """Walk the segments (capture order) of framed directions, each against its
    direction's state (``st`` rows, ``lines``): ``show[s]`` gets how segment ``s`` shows
    (0: TCP's own line), ``tail[s]`` whether it ends inside a message it started whose
    first line is whole, ``ev`` the events (segment, EV_*, place or body length, length;
    a first line's place is in ``pay``, a Content-Type's in ``pool``), ``walked[s]``
    whether its bytes were read (with ``detail``: the EV_START and EV_BODY events too);
    ``per_segment``: each segment framed alone (:func:`_segment_alone`,
    :func:`_segment_end`). Returns the event count."""
    k = 0
    for s in range(key.shape[0]):
        kk = key[s]
        if per_segment:
            if seglen[s] == 0 or not _segment_alone(st, kk, why[s], cap[s] == seglen[s]):
                continue
        elif st.mode[kk] == M_DEAD:
            continue
        if seglen[s] == 0:
            # a FIN without data, in order, ends a body that lasts until the FIN: the
            # message is dissected in the FIN's frame
            if fin[s] and st.mode[kk] == M_TO_FIN and seq[s] == st.nxt[kk] \
                    and why[s] in (W_PLAIN, W_RETRANSMISSION):
                st.mode[kk] = M_IDLE
                ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = s, EV_DONE, st.body[kk], start[s]
                k += 1
                show[s] = SHOW_HTTP
            continue
        got = H_WALK if per_segment else _handed_on(st, kk, seq[s], seglen[s], why[s])
        if got == H_SKIP:
            continue
        if got == H_DEAD or cap[s] != seglen[s]:
            st.mode[kk] = M_DEAD
            continue
        take_segment(st.nxt, st.have_next, kk, seq[s], seglen[s])
        if got == H_ABSORB:
            show[s] = SHOW_TCP_MARK
            continue
        walked[s] = True
        if st.mode[kk] == M_IDLE:
            # between messages no exact length is asked for: the next message's headers
            # may ask for one, in this segment or a later one
            st.start_seg[kk] = -1
            st.exact_seg[kk] = -1
        else:
            st.lstart[kk] = -1
        done = 0
        first_exact = st.exact_seg[kk]
        i = start[s]
        end = start[s] + cap[s]
        while i < end:
            mode = st.mode[kk]
            if mode == M_DEAD:
                break
            if mode in (M_BODY, M_CHUNK_DATA):
                take = min(st.remain[kk], end - i)
                st.remain[kk] -= take
                i += take
                if st.remain[kk] == 0:
                    if mode == M_BODY:
                        st.mode[kk] = M_IDLE
                        ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = s, EV_DONE, st.cl[kk], i
                        k += 1
                        done += 1
                    else:
                        st.mode[kk] = M_CHUNK_END
                        st.line[kk] = 0
                        st.lstart[kk] = i
                continue
            if mode == M_TO_FIN:
                st.body[kk] += end - i
                i = end
                continue
            c = pay[i]
            if mode == M_IDLE:
                if i == start[s]:
                    # a segment handed on as a new message: a leading CRLF skipped; a byte
                    # that is not printable ASCII makes all of it a Continuation once the
                    # conversation had a request (its bytes to data), else nothing; a
                    # first line that is neither a request nor a response, likewise
                    if end - i > 3 and c == 13 and pay[i + 1] == 10:
                        i += 2
                        c = pay[i]
                    if c < 32 or c > 126:
                        if st.seen[kk] == 1:
                            ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = s, EV_CONTINUATION, CONT_BINARY, end
                            k += 1
                            done += 1
                        break
                    got_k = _new_pdu_text(st, kk, pay, i, end, s, ev, k, table, lens)
                    if got_k >= 0:
                        done += got_k - k
                        k = got_k
                        break
                elif (c < 32 or c > 126) and c not in (10, 13):
                    st.mode[kk] = M_DEAD  # binary bytes after a message in the segment
                    break
                _new_message(st, kk, s, i)
                mode = M_LINE1
                if detail:
                    ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = s, EV_START, i, 0
                    k += 1
            if st.cr[kk] == 1 and c != 10:
                st.mode[kk] = M_DEAD  # a bare CR
                break
            if c == 13:
                st.cr[kk] = 1
                i += 1
                continue
            if c != 10:
                _line_byte(st, lines, kk, c)
                i += 1
                continue
            # a line ends
            i += 1
            st.cr[kk] = 0
            before = k
            if mode == M_LINE1:
                k = _first_line(st, lines, kk, pay, pool, pooled, s, ev, k, table, lens)
            elif mode == M_HEADERS:
                if detail and st.line[kk] == 0:
                    ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = s, EV_BODY, i, 0
                    k += 1
                    before = k
                k = _header_line(st, lines, kk, pool, pooled, fin[s], s, ev, k)
                if st.mode[kk] == M_BODY:
                    st.body[kk] = st.cl[kk]
            else:
                k = _chunk_line(st, kk, s, ev, k)
            if k > before and ev[k - 1, 1] == EV_DONE:
                ev[k - 1, 3] = i
                done += 1
            st.line[kk] = 0
            st.lstart[kk] = i
        mode = st.mode[kk]
        if per_segment and mode not in (M_IDLE, M_DEAD):
            before = k
            k = _segment_end(st, kk, pay, s, end, ev, k, table, lens)
            done += k - before
            mode = M_IDLE
        if mode == M_TO_FIN and fin[s]:
            st.mode[kk] = M_IDLE
            ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = s, EV_DONE, st.body[kk], end
            k += 1
            done += 1
            mode = M_IDLE
        elif fin[s] and mode not in (M_IDLE, M_DEAD):
            st.mode[kk] = M_DEAD  # a FIN ends the stream inside a message
            mode = M_DEAD
        tail[s] = mode != M_IDLE and st.start_seg[kk] == s and st.line1[kk] == 1
        if mode == M_DEAD:
            show[s] = 0
        elif done > 0:
            show[s] = SHOW_HTTP
        elif mode == M_IDLE:
            show[s] = 0
        elif mode in (M_BODY, M_TO_FIN) and first_exact >= 0:
            show[s] = SHOW_TCP_MARK  # an exact length was asked for: HTTP is not called again
        else:
            show[s] = SHOW_LINE_MARK if st.line1[kk] == 1 else SHOW_TCP_MARK
    return k


def frame_segments(n: int, segments: tuple[Array, ...], st: HttpState, lines: Array, out: tuple[Array, ...],  # noqa: PLR0913, PLR0917 -- the kernel's inputs in groups
                   detail: bool = False, per_segment: bool = False) -> int:
    """Walk a piece's segments (``segments``: key, seq, seglen, start, cap, fin, why
    (``W_*``), pay) against the directions' state ``st`` and ``lines`` (``n``: the segments,
    for the choice of compiled or not, as every kernel counts its input: a capture that
    is small in frames starts without numba, whatever its bytes), writing ``out`` (show,
    tail, ev, pool, walked); ``detail``: the events of where messages and bodies start too;
    ``per_segment``: each segment framed alone, as tshark frames HTTP with
    ``tcp.desegment_tcp_streams:FALSE`` (``why`` then says which segments TCP hands to no
    dissector: W_NOT_HANDED). Returns the event count."""
    st.start_seg[:] = -1  # segment numbers are this piece's
    pooled = np.zeros(1, dtype=np.int64)
    show, tail, ev, pool, walked = out
    return int(_frame.run(n, *segments, st, lines, show, tail, ev, pool, pooled, METHOD_TABLE, METHOD_LEN,
                          walked, detail, per_segment))


def fresh_state(keys: int) -> HttpState:
    """The state of ``keys`` directions not seen yet."""
    return HttpState(*(np.full(keys, _FRESH.get(name, 0), dtype=np.int64) for name in HttpState._fields))


def grown(st: HttpState, keys: int) -> HttpState:
    """``st`` with room for ``keys`` directions, the new ones not seen yet."""
    more = fresh_state(keys)
    for old, new in zip(st, more, strict=True):
        new[: old.shape[0]] = old
    return more
