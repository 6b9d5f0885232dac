"""The byte-level rules HTTP framing (:mod:`tcpscope.analysis.http_framing`) reads lines
with, as packet-http.c and req_resp_hdrs.c read them: request methods, status codes,
header values, Content-Length and chunk-size digits, line ends, and where a
Continuation's body starts. They see only bytes, no state.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tcpscope._jit import helper

__all__ = [
    "CONT_BINARY",
    "CONT_MALFORMED",
    "CONT_UNWRITTEN",
    "HEAD_METHOD",
    "METHOD_LEN",
    "METHOD_TABLE",
    "continuation_body",
    "decimal",
    "hex_digit",
    "line_end",
    "method_index",
    "request_or_response",
    "starts_with",
    "status_code",
    "value_start",
]

#: An EV_CONTINUATION's place: where its body starts in the payload (its end is the
#: event's length), or one of these: binary bytes (handed to data, no body), a segment
#: tshark's header loop finds malformed, a line inside it that reads as a request or
#: response (neither written yet)
CONT_BINARY, CONT_MALFORMED, CONT_UNWRITTEN = -1, -2, -3

#: Request methods tshark recognises (packet-http.c is_http_request_or_reply), by length
METHODS = (
    "GET", "PUT", "COPY", "HEAD", "LOCK", "MOVE", "POLL", "POST", "BCOPY", "BMOVE", "MKCOL", "TRACE", "PATCH",
    "LABEL", "MERGE", "DELETE", "SEARCH", "UNLOCK", "REPORT", "UPDATE", "BDELETE", "CONNECT", "OPTIONS", "CHECKIN",
    "PROPFIND", "CHECKOUT", "CCM_POST", "PROPPATCH", "BPROPFIND", "BPROPPATCH", "UNCHECKOUT", "MKACTIVITY",
    "MKWORKSPACE", "RPC_CONNECT", "RPC_IN_DATA", "RPC_OUT_DATA", "VERSION-CONTROL", "BASELINE-CONTROL",
    "SSTP_DUPLEX_POST", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE",
)
METHOD_TABLE = np.zeros((len(METHODS), 20), dtype=np.uint8)
METHOD_LEN = np.array([len(m) for m in METHODS], dtype=np.int64)
for _i, _m in enumerate(METHODS):
    METHOD_TABLE[_i, : len(_m)] = np.frombuffer(_m.encode(), dtype=np.uint8)
HEAD_METHOD = METHODS.index("HEAD")


@helper
def starts_with(buf: Any, at: int, n: int, word: Any) -> bool:
    """``buf[at:at + n]`` begins with ``word``."""
    if n < word.shape[0]:
        return False
    for i in range(word.shape[0]):  # noqa: SIM110 -- numba compiles no generator in all()
        if buf[at + i] != word[i]:
            return False
    return True


@helper
def method_index(pay: Any, at: int, n: int, table: Any, lens: Any) -> int:
    """A request line's method: the index of the word before the first blank (the whole
    line when it has none: ``OPTIONS`` alone, as is_http_request_or_reply reads it) in
    tshark's list (case-sensitive), or -1."""
    blank = n
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
def status_code(pay: Any, at: int, n: int) -> int:
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
def value_start(line: Any, n: int, name_len: int) -> int:
    """Where a header's value starts in its kept line: past the name and the blanks."""
    i = name_len
    while i < n and (line[i] == 32 or line[i] == 9):
        i += 1
    return i


@helper
def decimal(line: Any, at: int, n: int) -> int:
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
def hex_digit(c: int) -> int:
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
def line_end(pay: Any, at: int, end: int) -> int:
    """Where the line starting at ``at`` ends (tvb_find_line_end): its first CR or LF, or -1
    when ``pay[at:end]`` holds neither."""
    for i in range(at, end):
        if pay[i] == 13 or pay[i] == 10:
            return i
    return -1


@helper
def request_or_response(pay: Any, at: int, n: int, table: Any, lens: Any) -> bool:
    """A line tshark reads as a request or response line (is_http_request_or_reply): it
    starts with ``HTTP/``, or its first word is one of tshark's methods."""
    if n >= 5 and pay[at] == 72 and pay[at + 1] == 84 and pay[at + 2] == 84 and pay[at + 3] == 80 \
            and pay[at + 4] == 47:
        return True
    return method_index(pay, at, n, table, lens) >= 0


@helper
def continuation_body(pay: Any, at: int, end: int, table: Any, lens: Any) -> int:
    """Where the body of a Continuation starts: HTTP reads a segment whose first line is
    neither a request nor a response line (once the conversation had a request) line by
    line as headers, as it reads any message (dissect_http_message's loop): a line with a
    colon is a header, an empty line ends the headers, the first other line is where the
    body starts; such a line that runs to the end of the segment without a line end, after
    a header, makes tshark throw (CONT_MALFORMED). A line that reads as a request or
    response would start a message there (CONT_UNWRITTEN)."""
    saw_header = False
    i = at
    while i < end:
        e = line_end(pay, i, end)
        n = (end if e < 0 else e) - i
        nxt = end if e < 0 else e + 1
        if e >= 0 and pay[e] == 13 and e + 1 < end and pay[e + 1] == 10:
            nxt = e + 2
        if request_or_response(pay, i, n, table, lens):
            return CONT_UNWRITTEN
        if n == 0:
            return nxt
        colon = False
        for j in range(i, i + n):
            if pay[j] == 58:
                colon = True
                break
        if not colon:
            return CONT_MALFORMED if saw_header and e < 0 else i
        saw_header = True
        i = nxt
    return end
