"""HTTP/1.x message framing above TCP, as tshark 4.0.17 frames it in one pass.

tshark hands each segment's payload to HTTP (packet-http.c, req_resp_hdrs.c; the notes
in reference/pdu-framing.md §2-3), and HTTP asks TCP to reassemble until a message is
whole: the headers up to their empty line, then a body of Content-Length bytes, a
chunked body up to its last chunk and the line after it, or, for a response with
neither, everything up to the FIN. The frame that completes a message carries it; the
frames before it read ``[TCP segment of a reassembled PDU]``. This module finds, per
stream and direction, where the messages start and end and which frame completes each,
with a compiled kernel walking the payload bytes (bodies are skipped, not read), and
says for each segment how the packet list shows it (:data:`SHOW_TCP_MARK`,
:data:`SHOW_LINE_MARK`, :data:`SHOW_HTTP`).

What is framed (the first step of issue 18; anything else is left to TCP's own line):

* streams whose lower port is one of HTTP's (tshark's ``TCP_DEFAULT_RANGE``); the
  heuristic that finds HTTP on other ports is not applied;
* segments in order: a segment that brings only bytes already seen (a retransmission,
  a keep-alive) is passed over, as tshark never hands one to HTTP; after a hole, a
  segment between messages starts afresh (tshark hands it to HTTP as a new message);
  a hole inside a message, data out of order, a fast retransmission or a zero-window
  probe, a cut by the snapshot length, a reassembled IP datagram, an RST with data, or a
  malformed frame stops the framing of that direction (:data:`M_DEAD`), as does anything
  tshark would not frame as a request or response (a first line that is neither, a
  header line without a colon, a bare CR, an unparsable length or chunk size, binary
  bytes after a message in the same segment). A segment that starts with a byte that is
  not printable is tshark's ``Continuation`` once the conversation had a request, else
  TCP's own line.

Each direction's state is a row of named int64 columns (``M_*``) indexed by
``stream * 2 + direction`` plus the first bytes of the header line being read, so a
capture read in pieces frames as it does whole (:class:`HttpFramer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from tcpscope._jit import helper, kernel
from tcpscope._types import Array, Index
from tcpscope.analysis.follow import fed_rows, gather_payload
from tcpscope.analysis.sequence import (
    A_FAST_RETRANSMISSION,
    A_LOST_PACKET,
    A_OUT_OF_ORDER,
    A_ZERO_WINDOW_PROBE,
)
from tcpscope.constants import FIN, RST, SYN
from tcpscope.table.layers import Layer
from tcpscope.table.packets import PacketTable

__all__ = ["HTTP_PORTS", "SHOW_HTTP", "SHOW_LINE_MARK", "SHOW_TCP_MARK", "HttpFramer", "HttpSegments", "frame_http",
           "http_segments", "with_http"]

#: HTTP's TCP ports in tshark 4.0.17 (packet-http.c TCP_DEFAULT_RANGE).
HTTP_PORTS = (80, 3128, 3132, 5985, 8080, 8088, 11371, 1900, 2869, 2710)

#: How a segment shows in the list: TCP's own line, then the reassembly marker
SHOW_TCP_MARK = 1
#: the first line of the message being reassembled and a blank, then the marker
SHOW_LINE_MARK = 2
#: Protocol HTTP, Info the messages it completes (and the first line of one it starts)
SHOW_HTTP = 3

# ---- the state of a direction: mode and named columns ----

#: modes: between messages, in the first line, in the header lines, in a body of known
#: length, in a chunk-size line, in a chunk's data, in the line end after a chunk, in the
#: line after the last chunk, in a body that lasts until the FIN, not framed any more
M_IDLE, M_LINE1, M_HEADERS, M_BODY, M_CHUNK_SIZE, M_CHUNK_DATA, M_CHUNK_END, M_TRAILER, M_TO_FIN, M_DEAD = range(10)

S_MODE = 0  # the mode
S_NEXT = 1  # the relative sequence number expected next (mod 2**32)
S_HAVE_NEXT = 2  # 1 once a segment with data was taken
S_LINE = 3  # bytes of the current line so far (its line end not counted)
S_CR = 4  # 1 when the last byte was a CR
S_LSTART = 5  # where the current line starts in this piece's payload (-1: in an earlier segment)
S_REMAIN = 6  # body or chunk bytes still to come
S_CL = 7  # Content-Length (-1: none)
S_CHUNKED = 8  # 1 with Transfer-Encoding: chunked
S_RESPONSE = 9  # 1 for a response
S_CODE = 10  # a response's status code
S_BODY = 11  # body bytes so far (de-chunked)
S_CHUNK = 12  # the chunk size being read (-1: a bad digit)
S_CHUNK_EXT = 13  # 1 once the chunk-size line's extension started
S_START_SEG = 14  # the segment (in this piece) the message started in (-1: an earlier piece)
S_LINE1 = 15  # 1 once the first line is whole
S_EXACT_SEG = 16  # the segment whose headers asked for an exact length (-1: none)
S_HEAD = 17  # 1 when the conversation's last request was HEAD (both directions)
S_SEEN = 18  # 1 once the conversation had a request (both directions)
S_N = 19

#: Bytes of a line kept from segment to segment: a first line begun in an earlier
#: segment is read from them, a header line is recognised by them (lower-cased)
LINE_KEEP = 128

#: Events: a first line read (its place in the piece's payload, or in the pool of kept
#: bytes), a Content-Type value read (its place in the pool), a message complete (its
#: body length), a segment of binary data after HTTP was seen (tshark's Continuation)
EV_LINE1, EV_LINE1_POOL, EV_CTYPE, EV_DONE, EV_CONTINUATION = 0, 1, 2, 3, 4

_MOD = 0xFFFFFFFF
_STOP_FLAGS = A_OUT_OF_ORDER | A_FAST_RETRANSMISSION | A_ZERO_WINDOW_PROBE

#: Request methods tshark recognises (packet-http.c is_http_request_or_reply), by length
_METHODS = (
    "GET", "PUT", "COPY", "HEAD", "LOCK", "MOVE", "POLL", "POST", "BCOPY", "BMOVE", "MKCOL", "TRACE", "PATCH",
    "LABEL", "MERGE", "DELETE", "SEARCH", "UNLOCK", "REPORT", "UPDATE", "BDELETE", "CONNECT", "OPTIONS", "CHECKIN",
    "PROPFIND", "CHECKOUT", "CCM_POST", "PROPPATCH", "BPROPFIND", "BPROPPATCH", "UNCHECKOUT", "MKACTIVITY",
    "MKWORKSPACE", "RPC_CONNECT", "RPC_IN_DATA", "RPC_OUT_DATA", "VERSION-CONTROL", "BASELINE-CONTROL",
    "SSTP_DUPLEX_POST", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE",
)
_METHOD_TABLE = np.zeros((len(_METHODS), 20), dtype=np.uint8)
_METHOD_LEN = np.array([len(m) for m in _METHODS], dtype=np.int64)
for _i, _m in enumerate(_METHODS):
    _METHOD_TABLE[_i, : len(_m)] = np.frombuffer(_m.encode(), dtype=np.uint8)
_HEAD = _METHODS.index("HEAD")

_CONTENT_LENGTH = np.frombuffer(b"content-length:", dtype=np.uint8)
_CONTENT_TYPE = np.frombuffer(b"content-type:", dtype=np.uint8)
_TRANSFER_ENCODING = np.frombuffer(b"transfer-encoding:", dtype=np.uint8)
_CHUNKED = np.frombuffer(b"chunked", dtype=np.uint8)


@dataclass(frozen=True)
class HttpSegments:
    """How the list shows the ``tcp`` rows HTTP framing claims: the row, its
    ``SHOW_*`` kind and the HTTP part of its Info (for SHOW_LINE_MARK the first line and a
    blank; for SHOW_HTTP the messages' texts; empty for SHOW_TCP_MARK)."""

    row: Index
    show: Array
    text: list[str]


# ---- the kernel's rules, one helper each ----


@helper
def _starts_with(buf: Any, at: int, n: int, word: Any) -> bool:
    """``buf[at:at + n]`` begins with ``word``."""
    if n < word.shape[0]:
        return False
    for i in range(word.shape[0]):  # noqa: SIM110 -- numba compiles no generator in all()
        if buf[at + i] != word[i]:
            return False
    return True


@helper
def _method(pay: Any, at: int, n: int, table: Any, lens: Any) -> int:
    """A request line's method: the index of the word before the first blank in tshark's
    list (case-sensitive), or -1."""
    blank = -1
    for i in range(n):
        if pay[at + i] == 32:
            blank = i
            break
    if blank <= 0:
        return -1
    for m in range(lens.shape[0]):
        if lens[m] == blank:
            same = True
            for i in range(blank):
                if pay[at + i] != table[m, i]:
                    same = False
                    break
            if same:
                return m
    return -1


@helper
def _status_code(pay: Any, at: int, n: int) -> int:
    """A status line's code: the three digits after the first blank, or -1."""
    blank = -1
    for i in range(n):
        if pay[at + i] == 32:
            blank = i
            break
    if blank < 0 or blank + 3 > n:
        return -1
    code = 0
    for i in range(blank + 1, blank + 4):
        if i >= n or pay[at + i] < 48 or pay[at + i] > 57:
            return -1
        code = code * 10 + int(pay[at + i]) - 48
    return code


@helper
def _value_start(line: Any, n: int, name_len: int) -> int:
    """Where a header's value starts in its kept line: past the name and the blanks."""
    i = name_len
    while i < n and (line[i] == 32 or line[i] == 9):
        i += 1
    return i


@helper
def _decimal(line: Any, at: int, n: int) -> int:
    """A Content-Length value: decimal digits, then only blanks, at most 2**31 - 1; else -1."""
    v = 0
    digits = 0
    i = at
    while i < n and 48 <= line[i] <= 57:
        v = v * 10 + int(line[i]) - 48
        digits += 1
        if v > 0x7FFFFFFF:
            return -1
        i += 1
    while i < n and (line[i] == 32 or line[i] == 9):
        i += 1
    return v if digits > 0 and i == n else -1


@helper
def _hex_digit(c: int) -> int:
    """The value of a hex digit, or -1."""
    c = int(c)
    if 48 <= c <= 57:
        return c - 48
    if 97 <= c <= 102:
        return c - 87
    if 65 <= c <= 70:
        return c - 55
    return -1


@helper
def _body_mode(st: Any, key: int, fin: bool) -> int:
    """What follows a message's empty header line (req_resp_hdrs_do_reassembly): a chunked
    body (Transfer-Encoding first), a body of Content-Length bytes, none for a request
    without either, for a response to HEAD and for status 1xx, 204 and 304, else (a
    response) everything up to the FIN. In a segment with FIN the body is not waited for:
    only what this segment holds is framed, so a body it does not hold stops the framing."""
    if st[key, S_CHUNKED] == 1:
        return M_DEAD if fin else M_CHUNK_SIZE
    if st[key, S_RESPONSE] == 1:
        code = st[key, S_CODE]
        if st[key, S_HEAD] == 1 or (100 <= code < 200) or code in (204, 304):
            return M_IDLE
    if st[key, S_CL] > 0:
        return M_BODY
    if st[key, S_CL] == 0 or st[key, S_RESPONSE] == 0:
        return M_IDLE
    return M_TO_FIN


@helper
def _header_line(st: Any, lines: Any, key: int, pool: Any, pooled: Any, fin: bool, seg: int, ev: Any, k: int) -> int:  # noqa: PLR0912, PLR0913, PLR0917 -- a numba helper: arrays one by one, a branch per header it notes
    """A header line ended (its first bytes in ``lines[key]``): an empty one ends the
    headers (the body's mode set, EV_DONE when there is none); Content-Length,
    Transfer-Encoding and Content-Type (names case-insensitive, the colon right after)
    are noted, the Content-Type's value copied to ``pool`` (``pooled[0]``: the bytes
    used). Returns the event count."""
    n = st[key, S_LINE]
    line = lines[key]
    if n == 0:
        mode = _body_mode(st, key, fin)
        st[key, S_MODE] = mode
        if mode == M_IDLE:
            ev[k, 0], ev[k, 1], ev[k, 2] = seg, EV_DONE, 0
            return k + 1
        if mode == M_BODY:
            st[key, S_REMAIN] = st[key, S_CL]
        if mode in (M_BODY, M_TO_FIN):
            st[key, S_EXACT_SEG] = seg
        return k
    kept = min(n, LINE_KEEP)
    colon = False
    for i in range(kept):
        if line[i] == 58:
            colon = True
            break
    if not colon:
        if n <= LINE_KEEP:
            st[key, S_MODE] = M_DEAD  # a header line without a colon ends the headers early
        return k
    if _starts_with(line, 0, kept, _CONTENT_LENGTH):
        if n > LINE_KEEP:
            st[key, S_MODE] = M_DEAD
            return k
        v = _decimal(line, _value_start(line, n, _CONTENT_LENGTH.shape[0]), n)
        if v < 0:
            st[key, S_MODE] = M_DEAD
        st[key, S_CL] = v
    elif _starts_with(line, 0, kept, _TRANSFER_ENCODING):
        at = _value_start(line, kept, _TRANSFER_ENCODING.shape[0])
        if n - at == _CHUNKED.shape[0] and _starts_with(line, at, n - at, _CHUNKED):
            st[key, S_CHUNKED] = 1
        else:
            st[key, S_MODE] = M_DEAD
    elif _starts_with(line, 0, kept, _CONTENT_TYPE):
        # the value as kept (lower-cased: the media type is compared and shown so);
        # cut before its end, it must hold the ';' that ends the media type
        at = _value_start(line, kept, _CONTENT_TYPE.shape[0])
        complete = n <= LINE_KEEP
        for i in range(at, kept):
            if line[i] == 59:
                complete = True
        if not complete:
            st[key, S_MODE] = M_DEAD
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
    start, n = st[key, S_LSTART], st[key, S_LINE]
    if n == 0 or (start < 0 and n > LINE_KEEP):
        st[key, S_MODE] = M_DEAD
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
        code = _status_code(buf, start, n)
        if code < 0:
            st[key, S_MODE] = M_DEAD
            return k
        st[key, S_RESPONSE] = 1
        st[key, S_CODE] = code
    else:
        m = _method(buf, start, n, table, lens)
        if m < 0:
            st[key, S_MODE] = M_DEAD
            return k
        st[key, S_RESPONSE] = 0
        head = 1 if m == _HEAD else 0
        st[key, S_HEAD] = head
        st[key ^ 1, S_HEAD] = head
        st[key, S_SEEN] = 1
        st[key ^ 1, S_SEEN] = 1
    st[key, S_LINE1] = 1
    st[key, S_MODE] = M_HEADERS
    ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = seg, kind, start, n
    return k + 1


@helper
def _new_message(st: Any, key: int, seg: int, at: int) -> None:
    """A message starts at ``at`` in this piece's payload."""
    st[key, S_MODE] = M_LINE1
    st[key, S_LINE] = 0
    st[key, S_CR] = 0
    st[key, S_LSTART] = at
    st[key, S_CL] = -1
    st[key, S_CHUNKED] = 0
    st[key, S_BODY] = 0
    st[key, S_START_SEG] = seg
    st[key, S_LINE1] = 0
    st[key, S_EXACT_SEG] = -1
    st[key, S_CHUNK] = 0
    st[key, S_CHUNK_EXT] = 0


@helper
def _chunk_line(st: Any, key: int, seg: int, ev: Any, k: int) -> int:
    """A line of a chunked body ended: a chunk size (hex, ``;extension`` ignored) starts
    its data, or for 0 the line after it; the empty line after a chunk's data, or the
    line after the last chunk (which completes the message). Returns the event count."""
    mode = st[key, S_MODE]
    if mode == M_CHUNK_SIZE:
        size = st[key, S_CHUNK]
        if size < 0 or st[key, S_LINE] == 0:
            st[key, S_MODE] = M_DEAD
        elif size == 0:
            st[key, S_MODE] = M_TRAILER
        else:
            st[key, S_MODE] = M_CHUNK_DATA
            st[key, S_REMAIN] = size
            st[key, S_BODY] += size
    elif mode == M_CHUNK_END:
        st[key, S_MODE] = M_CHUNK_SIZE if st[key, S_LINE] == 0 else M_DEAD
    elif mode == M_TRAILER:
        if st[key, S_LINE] != 0:
            st[key, S_MODE] = M_DEAD  # a trailer: tshark stops after its first line
        else:
            st[key, S_MODE] = M_IDLE
            ev[k, 0], ev[k, 1], ev[k, 2] = seg, EV_DONE, st[key, S_BODY]
            return k + 1
    st[key, S_CHUNK] = 0
    st[key, S_CHUNK_EXT] = 0
    return k


@helper
def _line_byte(st: Any, lines: Any, key: int, c: int) -> None:
    """A byte of a line that is not its end: counted, kept in a first line, kept
    lower-cased in a header line, read as a hex digit in a chunk-size line."""
    n = st[key, S_LINE]
    mode = st[key, S_MODE]
    if mode == M_HEADERS and n < LINE_KEEP:
        lines[key, n] = c + 32 if 65 <= c <= 90 else c
    elif mode == M_LINE1 and n < LINE_KEEP:
        lines[key, n] = c
    elif mode == M_CHUNK_SIZE and st[key, S_CHUNK_EXT] == 0:
        if c == 59:
            st[key, S_CHUNK_EXT] = 1
        elif st[key, S_CHUNK] >= 0:
            d = _hex_digit(c)
            st[key, S_CHUNK] = -1 if d < 0 or st[key, S_CHUNK] > 0x7FFFFFF else st[key, S_CHUNK] * 16 + d
    st[key, S_LINE] = n + 1


@kernel
def _frame(key: Any, seq: Any, seglen: Any, start: Any, cap: Any, fin: Any, hole: Any, stop: Any, pay: Any,  # noqa: PLR0913, PLR0917, PLR0912, PLR0915 -- a numba kernel: arrays one by one, one walk over the bytes
           st: Any, lines: Any, show: Any, tail: Any, ev: Any, pool: Any, pooled: Any, table: Any,
           lens: Any) -> int:
    """Walk the segments (capture order) of framed directions, each against its
    direction's state (``st`` rows, ``lines``): ``show[s]`` gets how segment ``s`` shows
    (0: TCP's own line), ``tail[s]`` whether it ends inside a message it started whose
    first line is whole, ``ev`` the events (segment, EV_*, place or body length, length;
    a first line's place is in ``pay``, a Content-Type's in ``pool``). Returns the event
    count."""
    k = 0
    for s in range(key.shape[0]):
        kk = key[s]
        if st[kk, S_MODE] == M_DEAD:
            continue
        if seglen[s] == 0:
            # a FIN without data, in order, ends a body that lasts until the FIN: the
            # message is dissected in the FIN's frame
            if fin[s] and st[kk, S_MODE] == M_TO_FIN and seq[s] == st[kk, S_NEXT] and not stop[s]:
                st[kk, S_MODE] = M_IDLE
                ev[k, 0], ev[k, 1], ev[k, 2] = s, EV_DONE, st[kk, S_BODY]
                k += 1
                show[s] = SHOW_HTTP
            continue
        # in order: bytes already seen are passed over; after a hole (the previous segment
        # not captured) a segment between messages starts afresh, as tshark hands it to
        # HTTP as a new message when no reassembly waits; else the framing ends
        if st[kk, S_HAVE_NEXT] == 1:
            ahead = (seq[s] - st[kk, S_NEXT]) & _MOD
            if ahead >= 0x80000000 and ((seq[s] + seglen[s] - st[kk, S_NEXT]) & _MOD) - 1 >= 0x7FFFFFFF:
                continue
            if ahead != 0 and not (hole[s] and st[kk, S_MODE] == M_IDLE):
                st[kk, S_MODE] = M_DEAD
                continue
        if stop[s] or cap[s] != seglen[s]:
            st[kk, S_MODE] = M_DEAD
            continue
        st[kk, S_HAVE_NEXT] = 1
        st[kk, S_NEXT] = (seq[s] + seglen[s]) & _MOD
        if st[kk, S_MODE] == M_IDLE:
            st[kk, S_START_SEG] = -1
        else:
            st[kk, S_LSTART] = -1
        done = 0
        first_exact = st[kk, S_EXACT_SEG]
        i = start[s]
        end = start[s] + cap[s]
        while i < end:
            mode = st[kk, S_MODE]
            if mode == M_DEAD:
                break
            if mode in (M_BODY, M_CHUNK_DATA):
                take = min(st[kk, S_REMAIN], end - i)
                st[kk, S_REMAIN] -= take
                i += take
                if st[kk, S_REMAIN] == 0:
                    if mode == M_BODY:
                        st[kk, S_MODE] = M_IDLE
                        ev[k, 0], ev[k, 1], ev[k, 2] = s, EV_DONE, st[kk, S_CL]
                        k += 1
                        done += 1
                    else:
                        st[kk, S_MODE] = M_CHUNK_END
                        st[kk, S_LINE] = 0
                        st[kk, S_LSTART] = i
                continue
            if mode == M_TO_FIN:
                st[kk, S_BODY] += end - i
                i = end
                continue
            c = pay[i]
            if mode == M_IDLE:
                if (c < 32 or c > 126) and c not in (10, 13):
                    # not printable at a segment's start: the rest of it is Continuation
                    # once the conversation had a request, else nothing; within a
                    # segment, not framed
                    if i != start[s]:
                        st[kk, S_MODE] = M_DEAD
                    elif st[kk, S_SEEN] == 1:
                        ev[k, 0], ev[k, 1] = s, EV_CONTINUATION
                        k += 1
                        done += 1
                    break
                _new_message(st, kk, s, i)
                mode = M_LINE1
            if st[kk, S_CR] == 1 and c != 10:
                st[kk, S_MODE] = M_DEAD  # a bare CR
                break
            if c == 13:
                st[kk, S_CR] = 1
                i += 1
                continue
            if c != 10:
                _line_byte(st, lines, kk, c)
                i += 1
                continue
            # a line ends
            i += 1
            st[kk, S_CR] = 0
            before = k
            if mode == M_LINE1:
                k = _first_line(st, lines, kk, pay, pool, pooled, s, ev, k, table, lens)
            elif mode == M_HEADERS:
                k = _header_line(st, lines, kk, pool, pooled, fin[s], s, ev, k)
                if st[kk, S_MODE] == M_BODY:
                    st[kk, S_BODY] = st[kk, S_CL]
            else:
                k = _chunk_line(st, kk, s, ev, k)
            if k > before and ev[k - 1, 1] == EV_DONE:
                done += 1
            st[kk, S_LINE] = 0
            st[kk, S_LSTART] = i
        mode = st[kk, S_MODE]
        if mode == M_TO_FIN and fin[s]:
            st[kk, S_MODE] = M_IDLE
            ev[k, 0], ev[k, 1], ev[k, 2] = s, EV_DONE, st[kk, S_BODY]
            k += 1
            done += 1
            mode = M_IDLE
        elif fin[s] and mode not in (M_IDLE, M_DEAD):
            st[kk, S_MODE] = M_DEAD  # a FIN ends the stream inside a message
            mode = M_DEAD
        tail[s] = mode != M_IDLE and st[kk, S_START_SEG] == s and st[kk, S_LINE1] == 1
        if mode == M_DEAD:
            show[s] = 0
        elif done > 0:
            show[s] = SHOW_HTTP
        elif mode == M_IDLE:
            show[s] = 0
        elif mode in (M_BODY, M_TO_FIN) and first_exact >= 0:
            show[s] = SHOW_TCP_MARK  # an exact length was asked for: HTTP is not called again
        else:
            show[s] = SHOW_LINE_MARK if st[kk, S_LINE1] == 1 else SHOW_TCP_MARK
    return k


# ---- carrying it over a capture ----


class HttpFramer:
    """HTTP framing of a capture given an analysed table at a time, in capture order
    (module docstring): the state per direction carries from one table to the next, with
    the text of each direction's open message (its first line and Content-Type)."""

    def __init__(self) -> None:
        self._st = _fresh(0)
        self._lines = np.zeros((0, LINE_KEEP), dtype=np.uint8)
        self._open: dict[int, list[str]] = {}

    def feed(self, table: PacketTable) -> HttpSegments:
        """How the list shows the frames of ``table`` that HTTP framing claims."""
        tcp = table.layer("tcp")
        if len(tcp) == 0 or "stream" not in tcp.cols:
            return HttpSegments(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8), [])
        c = tcp.cols
        sport = np.asarray(c["srcport"], dtype=np.int64)
        dport = np.asarray(c["dstport"], dtype=np.int64)
        flags_all = np.asarray(c["flags"], dtype=np.int64)
        ok = (fed_rows(table) & np.isin(np.minimum(sport, dport), HTTP_PORTS)
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
        stop = (((np.asarray(c["aflags"], dtype=np.int64)[rows] & _STOP_FLAGS) != 0)
                | ((flags & RST) != 0)
                | (np.asarray(c["_buf"], dtype=np.int64)[rows] != 0)
                | table.malformed[tcp.pkt[rows]])
        fin = (flags & FIN) != 0
        show = np.zeros(rows.shape[0], dtype=np.int8)
        tail = np.zeros(rows.shape[0], dtype=np.bool_)
        ev = np.zeros((int(cap.sum()) + 2 * rows.shape[0] + 1, 4), dtype=np.int64)
        pool = np.zeros(int(cap.sum()) + LINE_KEEP * rows.shape[0], dtype=np.uint8)
        self._st[:, S_START_SEG] = -1  # segment numbers are this piece's
        hole = (np.asarray(c["aflags"], dtype=np.int64)[rows] & A_LOST_PACKET) != 0
        k = _frame.run(int(cap.sum()), key, seq, seglen, start, cap, fin, hole, stop, pay, self._st, self._lines, show, tail,
                       ev, pool, np.zeros(1, dtype=np.int64), _METHOD_TABLE, _METHOD_LEN)
        return self._texts(rows, key, show, tail, ev[: int(k)], pay, pool)

    def _texts(self, rows: Index, key: Index, show: Array, tail: Array, ev: Array, pay: Array, pool: Array,  # noqa: PLR0913, PLR0917 -- the kernel's outputs, one by one
               ) -> HttpSegments:
        """The HTTP part of each claimed segment's Info, from the events, segment by
        segment (one Python step per event, a few per message, and per claimed segment)."""
        texts = [""] * rows.shape[0]
        events = ev.tolist()
        e = 0
        for s in np.flatnonzero(show).tolist():
            kk = int(key[s])
            done: list[str] = []
            while e < len(events) and events[e][0] <= s:
                seg, kind, a, b = events[e]
                e += 1
                text = self._event(int(key[seg]), kind, a, b, pay, pool)
                if text is not None and seg == s:
                    done.append(text)
            cur = self._open.get(kk)
            line = cur[0] + " " if cur is not None and cur[0] else ""
            if show[s] == SHOW_LINE_MARK:
                texts[s] = line
            elif show[s] == SHOW_HTTP:
                texts[s] = "".join(done) + (line if tail[s] else "")
        for seg, kind, a, b in events[e:]:
            self._event(int(key[seg]), kind, a, b, pay, pool)
        keep = show != 0
        for s in np.flatnonzero(keep & (show != SHOW_TCP_MARK)).tolist():
            keep[s] = not _unwritten(texts[s])
        return HttpSegments(rows[keep], show[keep], [t for t, k in zip(texts, keep.tolist(), strict=True) if k])

    def _event(self, key: int, kind: int, a: int, b: int, pay: Array, pool: Array) -> str | None:  # noqa: PLR0913, PLR0917 -- an event's four numbers and the two byte arrays they point into
        """Apply one event to direction ``key``'s open message; a completed message's
        Info text is returned."""
        if kind == EV_CONTINUATION:
            return "Continuation"
        cur = self._open.setdefault(key, ["", ""])
        if kind in (EV_LINE1, EV_LINE1_POOL):
            cur[0], cur[1] = _text((pay if kind == EV_LINE1 else pool)[a:a + b]), ""
        elif kind == EV_CTYPE:
            cur[1] = _text(pool[a:a + b])
        else:
            del self._open[key]
            return _message_text(cur[0], cur[1], a)
        return None

    def _grow(self, keys: int) -> None:
        if keys > self._st.shape[0]:
            n = max(keys, 2 * self._st.shape[0])
            st = _fresh(n)
            st[: self._st.shape[0]] = self._st
            lines = np.zeros((n, LINE_KEEP), dtype=np.uint8)
            lines[: self._lines.shape[0]] = self._lines
            self._st, self._lines = st, lines


#: Marks in a text this module does not write yet (the body's media dissector, escapes)
_UNWRITTEN = "\x00"


def _unwritten(text: str) -> bool:
    return _UNWRITTEN in text or not text


def _text(raw: Array) -> str:
    """A line as the Info shows it (:func:`_line_text` of its bytes)."""
    return _line_text(raw.tobytes())


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


def _fresh(keys: int) -> Array:
    st = np.zeros((keys, S_N), dtype=np.int64)
    st[:, S_CL] = -1
    st[:, S_LSTART] = -1
    st[:, S_START_SEG] = -1
    st[:, S_EXACT_SEG] = -1
    return st


def frame_http(table: PacketTable) -> HttpSegments:
    """HTTP framing of a whole analysed table."""
    return HttpFramer().feed(table)


#: The table layer that carries a piece's HTTP framing from the analysis to the views
LAYER = "_http"


def with_http(table: PacketTable, segs: HttpSegments) -> PacketTable:
    """``table`` carrying ``segs`` (its HTTP framing, made with the state of the pieces
    before it) as the layer :data:`LAYER`, one row per claimed segment."""
    pkt = table.layer("tcp").pkt[segs.row]
    n = segs.row.shape[0]
    text = np.empty(n, dtype=object)
    text[:] = segs.text
    return table.with_layer(Layer(LAYER, pkt, np.zeros(n, dtype=np.int16), np.ones(n, dtype=np.int32),
                                  {"row": segs.row, "show": segs.show, "text": text}))


def http_segments(table: PacketTable) -> HttpSegments:
    """The HTTP framing of ``table``: what :func:`with_http` put in it (a piece framed
    with the pieces before it), else the table framed alone."""
    got = table.layers.get(LAYER)
    if got is None:
        return frame_http(table)
    c = got.cols
    return HttpSegments(np.asarray(c["row"], dtype=np.int64), np.asarray(c["show"], dtype=np.int8),
                        list(np.asarray(c["text"]).tolist()))
