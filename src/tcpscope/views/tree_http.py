"""The HTTP tree, as packet-http.c adds it for a request or response (labels from its
``hf_register_info`` and ``proto_tree_add_*`` calls, written down here in our own words):
the first line with its chat expert item and its parts, each header line (Content-Length
with its value, Cookie with its pairs), the empty line, then the generated items of the
request/response matching and the body's size.

The text is made from the message's bytes (the table layer of
:mod:`tcpscope.analysis.http_fields`), one message at a time: a tree per message a frame
completes. A body HTTP hands to the data dissector (no Content-Type), and a
Continuation's bytes, show as the Data protocol nested in the HTTP tree, with its bytes
dumped under its line as print.c dumps the data protocol's. The bodies' own dissectors
(text lines, images) add trees of their own that are not written yet.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from tcpscope.analysis import PER_SEGMENT
from tcpscope.analysis.follow import gather_payload
from tcpscope.analysis.http_fields import LAYER, ascii_text, file_data, message_table
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldType
from tcpscope.table.text import format_reltime
from tcpscope.views.tree import Protocol
from tcpscope.views.tree_http_text import (
    HttpItem,
    expert_message,
    format_text,
    item_label,
    item_lines,
    string_value,
    text_label,
)
from tcpscope.views.tree_tcp_reassembled import reassembled_items

__all__ = ["HTTP", "HttpTree", "body_place", "http_items", "http_text"]


def _head(_item: object) -> str:
    return "Hypertext Transfer Protocol"


#: The HTTP protocol for the details view: its tree is written by :func:`http_text`
HTTP = Protocol("http", LAYER, _head, ())

#: The message kind of a Continuation in the messages' layer
_CONTINUATION = 3

#: Status code descriptions (packet-http.c vals_http_status_code, the ones commonly met)
_STATUS = {
    100: "Continue", 101: "Switching Protocols", 200: "OK", 201: "Created", 202: "Accepted",
    203: "Non-authoritative Information", 204: "No Content", 205: "Reset Content", 206: "Partial Content",
    300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
    305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request",
    401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    406: "Not Acceptable", 407: "Proxy Authentication Required", 408: "Request Time-out", 409: "Conflict",
    410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Request Entity Too Large",
    414: "Request-URI Too Long", 415: "Unsupported Media Type", 416: "Requested Range Not Satisfiable",
    417: "Expectation Failed", 500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Time-out", 505: "HTTP Version not supported",
}


def _row(table: PacketTable, frame: int, layer: int) -> int:
    lt = table.layer(LAYER)
    return int(np.searchsorted(lt.pkt, frame)) + layer - 1


def _shown(text: str) -> str:
    """A part of a line as its string item shows it (read as ASCII, then format_text)."""
    return format_text(text.encode("utf-8"))


def _expert(message: str, head: str, expert: tuple[str, str, str]) -> HttpItem:
    """An expert item (proto_tree_add_expert's ``_ws.expert`` and its message, severity
    and group), its line ``head``."""
    return HttpItem("_ws.expert", head, message, expert=expert)


def _string(key: str, label: str, raw: bytes, start: int) -> HttpItem:
    """A string field's item over ``raw`` (at ``start`` in the message)."""
    return HttpItem(key, label, string_value(raw), start, len(raw), FieldType.STRING)


def _first_line(raw: bytes, request: bool) -> HttpItem:
    """The first line (with its line end), its chat expert item, then its parts
    (request: method, URI, version; response: version, status code and its
    description, phrase)."""
    text = format_text(raw)
    message = expert_message(text)
    line = HttpItem("", text_label(text), start=0, length=len(raw))
    line.children.append(_expert(message, f"[{text_label(f'Expert Info (Chat/Sequence): {message}')}]",
                                 ("http.chat", "Chat", "Sequence")))
    parts = raw.rstrip(b"\r\n").split(b" ", 2)
    at = [sum(len(p) + 1 for p in parts[:k]) for k in range(len(parts))]
    words = [_shown(ascii_text(w)) for w in parts]
    kids = line.children
    if request:
        kids.append(_string("http.request.method", item_label("Request Method", words[0]), parts[0], 0))
        if len(words) > 1:
            uri = _string("http.request.uri", item_label("Request URI", words[1]), parts[1], at[1])
            uri.children = _uri_parts(parts[1], at[1])
            kids.append(uri)
        else:  # (a method alone, OPTIONS: an empty URI after it)
            kids.append(_string("http.request.uri", item_label("Request URI", ""), b"", len(parts[0])))
        version = parts[2] if len(words) > 2 else b""
        kids.append(_string("http.request.version", item_label("Request Version", words[2] if len(words) > 2 else ""),
                            version, at[2] if len(words) > 2 else -1))
    else:
        kids.append(_string("http.response.version", item_label("Response Version", words[0]), parts[0], 0))
        if len(words) > 1:
            code = _string("http.response.code", item_label("Status Code", words[1]), parts[1], at[1])
            code.ftype = FieldType.UINT16
            kids.append(code)
            if words[1].isdigit() and int(words[1]) in _STATUS:
                desc = _STATUS[int(words[1])]
                kids.append(HttpItem("http.response.code.desc", f"[Status Code Description: {desc}]", desc, at[1],
                                     len(parts[1]), FieldType.STRING))
        if len(words) > 2 and words[2]:
            kids.append(_string("http.response.phrase", item_label("Response Phrase", words[2]), parts[2], at[2]))
    return line


def _uri_parts(uri: bytes, at: int) -> list[HttpItem]:
    """A URI with a query: its path, its query and each of the query's ``&``-separated
    parameters under it."""
    path, mark, query = uri.partition(b"?")
    if not mark:
        return []
    q = _string("http.request.uri.query", item_label("Request URI Query", _shown(ascii_text(query))), query,
                at + len(path) + 1)
    offset = at + len(path) + 1
    for p in query.split(b"&"):
        q.children.append(_string("http.request.uri.query.parameter",
                                  item_label("Request URI Query Parameter", _shown(ascii_text(p))), p, offset))
        offset += len(p) + 1
    return [_string("http.request.uri.path", item_label("Request URI Path", _shown(ascii_text(path))), path, at), q]


#: The bytes of a token besides letters and digits (packet-http.c is_token_char: RFC 7230's
#: tchar as written there, with a backslash and a colon where RFC 7230 has an apostrophe)
_TOKEN_MARKS = frozenset(b"!#$%&\\:*+-.^_`|~")
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
#: The headers packet-http.c has a field of its own for (its ``headers`` table), by
#: their lower-case name
_HEADER_FIELDS = {name.lower(): "http." + name.lower().replace("-", "_") for name in (
    "Authorization", "Proxy-Authorization", "Proxy-Authenticate", "WWW-Authenticate", "Content-Type",
    "Content-Encoding", "Transfer-Encoding", "Upgrade", "User-Agent", "Host", "Connection", "Cookie", "Accept",
    "Referer", "Accept-Language", "Accept-Encoding", "Date", "Cache-Control", "Server", "Location",
    "Sec-WebSocket-Accept", "Sec-WebSocket-Extensions", "Sec-WebSocket-Key", "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Version", "Set-Cookie", "Last-Modified", "X-Forwarded-For", "HTTP2-Settings")}
_HEADER_FIELDS["content-length"] = "http.content_length_header"
#: The field of a header line by the message's kind: request, response, Continuation
_LINE_FIELDS = {1: "http.request.line", 2: "http.response.line", _CONTINUATION: "http.unknown_header"}


def _split_lines(head: bytes) -> list[bytes]:
    """The lines of a message's head, each with its end, as tvb_find_line_end ends them:
    at a CR LF, a lone CR or a lone LF."""
    return _LINE.findall(head)


def _valid_header_name(name: bytes) -> bool:
    """A header name HTTP takes: not empty, each byte a letter, a digit or a token mark."""
    return bool(name) and all(c in _TOKEN_MARKS or (c < 0x80 and chr(c).isalnum()) for c in name)


def _stray_characters(line: bytes) -> bool:
    """TRAILING STRAY CHARACTERS: a string item read as ASCII (each byte above 0x7F made a
    3-byte REPLACEMENT CHARACTER) has a byte other than NUL after its first NUL, within
    the item's length in the packet (proto.c detect_trailing_stray_characters)."""
    text = ascii_text(line).encode("utf-8")
    nul = text.find(b"\0")
    return nul >= 0 and any(text[nul:len(line)])


def _warning(message: str, group: str, key: str) -> HttpItem:
    """An expert item of severity Warning, under a header line."""
    return _expert(message, f"[Expert Info (Warning/{group}): {message}]", (key, "Warning", group))


def _header_lines(lines: list[bytes], at: int, kind: int) -> list[HttpItem]:
    """Each header line (with its line end, from ``at`` in the message) and the empty
    line; under a line whose name (before its first colon) HTTP does not take, its expert
    items (the line's string item with stray characters, then the illegal name);
    Content-Length's value under it, a Cookie's pairs under it. A header HTTP has a field
    for is that field (its value from the first byte after the colon's blanks, up to a
    NUL), followed, in a request or response, by the line as a hidden item of the line's
    field; another header is the line's field (a Continuation's holds the line as shown)."""
    out = []
    for raw in lines:
        out += _header_line(raw, at, kind)
        at += len(raw)
    return out


def _header_line(raw: bytes, at: int, kind: int) -> list[HttpItem]:
    label = text_label(format_text(raw))
    body = raw.rstrip(b"\r\n")
    name, colon, value_raw = body.partition(b":")
    if not colon:
        return [HttpItem("", label, start=at, length=len(raw))]
    line_field = _LINE_FIELDS[kind]
    if not _valid_header_name(name):
        bad = _string(line_field, label, raw, at)
        if _stray_characters(raw):
            bad.children.append(_warning("Trailing stray characters", "Undecoded",
                                         "_ws.string.trailing_stray_characters"))
        bad.children.append(_warning("Illegal characters found in header name", "Protocol", "http.bad_header_name"))
        return [bad]
    key = _HEADER_FIELDS.get(name.lower().decode("ascii", errors="replace"))
    if key is None:
        item = _string(line_field, label, raw, at)
        if kind == _CONTINUATION:
            item.value = format_text(raw)
        return [item]
    blanks = len(value_raw) - len(value_raw.lstrip(b" \t"))
    header = _string(key, label, raw, at)
    header.value = string_value(value_raw[blanks:])
    value = ascii_text(value_raw).lstrip(" \t")
    if name.lower() == b"content-length" and value.strip().isdigit():
        n = int(value.strip())
        header.children.append(HttpItem("http.content_length", f"[Content length: {n}]", str(n), at, len(raw),
                                        FieldType.UINT64))
    elif name.lower() == b"cookie":
        offset = at + len(name) + 1 + blanks
        for pair in value.split("; "):
            if pair:
                header.children.append(HttpItem("http.cookie_pair", item_label("Cookie pair", _shown(pair)),
                                                pair.split("\0", 1)[0], offset, len(pair), FieldType.STRING))
            offset += len(pair) + 2
    out = [header]
    if kind != _CONTINUATION:
        out.append(HttpItem(line_field, label, string_value(raw), at, len(raw), FieldType.STRING, hidden=True))
    return out


def _matching(table: PacketTable, row: int, request: bool) -> list[HttpItem]:
    """The generated items of request/response matching, in packet-http.c's order (the
    message's kind as a hidden item before its number)."""
    c = table.layer(LAYER).cols

    def frame_item(col: str, label: str, key: str) -> list[HttpItem]:
        v = int(c[col][row])
        return [HttpItem(key, f"[{label}: {v}]", str(v), ftype=FieldType.FRAMENUM)] if v >= 0 else []

    out = []
    if request:
        full = c["full_uri"][row]
        if full is not None:
            out.append(HttpItem("http.request.full_uri", f"[{item_label('Full request URI', full)}]", full,
                                ftype=FieldType.STRING))
        n = int(c["request_number"][row])
        out += [HttpItem("http.request", "", "1", ftype=FieldType.BOOLEAN, hidden=True),
                HttpItem("http.request_number", f"[HTTP request {n}/{int(c['records'][row])}]", str(n),
                         ftype=FieldType.UINT32)]
        return out + frame_item("prev_request_in", "Prev request in frame", "http.prev_request_in")
    n = int(c["response_number"][row])
    out += [HttpItem("http.response", "", "1", ftype=FieldType.BOOLEAN, hidden=True),
            HttpItem("http.response_number", f"[HTTP response {n}/{int(c['records'][row])}]", str(n),
                     ftype=FieldType.UINT32)]
    if int(c["time"][row]) >= 0:
        t = format_reltime(int(c["time"][row]))
        out.append(HttpItem("http.time", f"[Time since request: {t} seconds]", t, ftype=FieldType.RELATIVE_TIME))
    out += frame_item("prev_request_in", "Prev request in frame", "http.prev_request_in")
    out += frame_item("prev_response_in", "Prev response in frame", "http.prev_response_in")
    out += frame_item("request_in", "Request in frame", "http.request_in")
    uri = c["response_for_uri"][row]
    if uri is not None:
        out.append(HttpItem("http.response_for.uri", f"[{item_label('Request URI', uri)}]", uri,
                            ftype=FieldType.STRING))
    return out


def _nested_data(data: bytes, start: int, source: bytes | None = None) -> HttpItem:
    """The Data protocol (packet-data.c) HTTP calls with its own tree as parent: its line
    one level in, the dump of its bytes (print.c dumps a data protocol's bytes under its
    line), then its value (the hex of its first 36 bytes and an ellipsis after) and its
    length one level further."""
    n = len(data)
    hexed = data.hex()
    shown = hexed if n <= 36 else hexed[:72] + "\u2026"
    colons = ":".join(hexed[i:i + 2] for i in range(0, len(hexed), 2))
    return HttpItem("data", f"Data ({n} byte{'' if n == 1 else 's'})", "", start, n, FieldType.PROTOCOL, dump=data,
                    source=source, children=[HttpItem("data.data", f"Data: {shown}", colons, start, n, FieldType.BYTES),
                              HttpItem("data.len", f"[Length: {n}]", str(n), ftype=FieldType.INT32)])


def _content_encoding(lines: list[bytes]) -> str | None:
    """The value of the message's Content-Encoding header (its first), if any."""
    for line in lines:
        name, colon, value = line.rstrip(b"\r\n").partition(b":")
        if colon and name.lower() == b"content-encoding":
            return ascii_text(value).strip(" \t")
    return None


def _encoded(table: PacketTable, row: int, lines: list[bytes]) -> list[HttpItem]:
    """CONTENT-ENCODED ENTITY BODY: a body with a Content-Encoding other than identity
    that HTTP inflated (gzip, deflate and their x- names, br) shows its encoded length
    and, after an arrow, its decoded one (a chunked body's chunks, and a body that did
    not inflate, are not written)."""
    coding = _content_encoding(lines)
    c = table.layer(LAYER).cols
    body, end, data = int(c["body"][row]), int(c["end"][row]), int(c["data"][row])
    if coding is None or coding.lower() == "identity" or data == body:
        return []
    return [HttpItem("", f"Content-encoded entity body ({coding}): {end - body} bytes -> {int(c['data_len'][row])} bytes")]


def _body(table: PacketTable, row: int, typed: bool) -> list[HttpItem]:
    """The body's items: ``File Data: N bytes`` for a body of some bytes (its value the
    body read as ASCII up to its first NUL), and, when the message names no Content-Type
    (``typed`` false), the Data HTTP hands it to (with a Content-Type the media's own
    dissector takes it, at the top level). A body HTTP decoded (chunks, a content
    coding) is a data source of its own."""
    body = file_data(table, row)
    if not body:
        return []
    at, source = body_place(table, row, body)
    item = HttpItem("http.file_data", f"File Data: {len(body)} bytes", string_value(body), at, len(body),
                    FieldType.STRING, source=source)
    return [item, *([] if typed else [_nested_data(body, at, source)])]


def body_place(table: PacketTable, row: int, body: bytes) -> tuple[int, bytes | None]:
    """Where message ``row``'s decoded body is: its place in the message, or, for a body
    HTTP decoded, the start of a data source of its own (the body)."""
    c = table.layer(LAYER).cols
    if int(c["data"][row]) == int(c["body"][row]):
        return int(c["body"][row]) - int(c["start"][row]), None
    return 0, body


def _segment_payload(table: PacketTable, frame: int) -> bytes:
    """The captured TCP payload of the frame's (last) TCP header."""
    lt = table.layer("tcp")
    row = int(np.searchsorted(lt.pkt, frame, side="right")) - 1
    pay, _start, _cap = gather_payload(table, np.array([row], dtype=np.int64))
    return pay.tobytes()


def _continuation(table: PacketTable, frame: int, row: int, head: bytes) -> list[HttpItem]:
    """A Continuation's tree (dissect_http_message on a segment that starts no message
    once the conversation had one): one whose first byte is not printable is handed
    whole to the Data dissector; another is read line by line as headers are (the lines
    with a colon, an empty line), its body after them as a message's body (with the media
    type of a Content-Type line among them)."""
    if not head and not file_data(table, row):  # (binary: the framing kept no bytes)
        payload = _segment_payload(table, frame)
        return [_nested_data(payload, 0)] if payload else []
    lines = _split_lines(head)
    typed = any(line.lower().startswith(b"content-type:") for line in lines)
    return _header_lines(lines, 0, _CONTINUATION) + _body(table, row, typed)


def _unreassembled() -> HttpItem:
    """The exception a read past the segment's end raises when TCP does not reassemble
    (show_exception for an unreassembled packet), at the top level after HTTP's tree."""
    message = "Unreassembled fragment (change preferences to enable reassembly)"
    return HttpItem("_ws.unreassembled", "[BoundError Unreassembled Packet: HTTP]", ftype=FieldType.PROTOCOL,
                    children=[_expert(message, f"[Expert Info (Note/Reassemble): {message}]",
                                      ("_ws.unreassembled.expert", "Note", "Reassemble"))])


def _per_segment(table: PacketTable) -> bool:
    """Whether TCP handed the table's segments on one at a time (no reassembly)."""
    return PER_SEGMENT in table.frame_cols


def _cut_continuation(table: PacketTable, frame: int, row: int, head: bytes) -> tuple[list[HttpItem], list[HttpItem]]:
    """CUT CONTINUATION LINE: without reassembly, a Continuation read as header lines whose
    last line the segment's end cuts (no line end) and has no colon (no header: HTTP
    looks for its end past the segment's) shows its whole lines, then the exception the
    cut line raises (the cut line is not shown); a cut line with a colon is a header line
    as any other; any other Continuation as :func:`_continuation` shows it. The HTTP
    tree's items, and the top-level items after it."""
    lines = _split_lines(head)
    if not (_per_segment(table) and lines and not lines[-1].endswith((b"\n", b"\r")) and b":" not in lines[-1]):
        return _continuation(table, frame, row, head), []
    return _header_lines(lines[:-1], 0, _CONTINUATION), [_unreassembled()]


def _cut_chunked(table: PacketTable, frame: int, row: int, lines: list[bytes]) -> list[HttpItem]:
    """CUT CHUNKED BODY: without reassembly, a message with a chunked body of which the
    segment, captured whole, holds no whole chunk (the framing kept no body:
    ``analysis.http_messages``) shows the chunked response's line (then the exception the
    chunk reader raises: :func:`_unreassembled`; a segment the snapshot length cut raises
    another, not written)."""
    c = table.layer(LAYER).cols
    chunked = any(line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower() for line in lines)
    if not (_per_segment(table) and chunked and int(c["end"][row]) == int(c["body"][row])):
        return []
    tcp = table.layer("tcp")
    seg = int(np.searchsorted(tcp.pkt, frame, side="right")) - 1
    if int(tcp.cols["payload_cap"][seg]) < int(tcp.cols["len"][seg]):
        return []
    kind = "request" if int(c["kind"][row]) == 1 else "response"
    return [HttpItem("", f"HTTP chunked {kind}")]


class HttpTree(NamedTuple):
    """The items of the ``layer``-th message a frame completes (or Continuation): the
    subtree of the PDU TCP reassembled for it, if any (shown before it), the HTTP
    protocol's items, the top-level items after it (an exception), the bytes its items'
    places are in (the message's, or a binary Continuation's segment) and how many of
    them the protocol's item spans (its head when a media dissector took its body)."""

    reassembled: HttpItem | None
    items: list[HttpItem]
    after: list[HttpItem]
    data: bytes
    span: int


def http_items(table: PacketTable, frame: int, layer: int) -> HttpTree:
    """The items of the ``layer``-th message frame ``frame`` completes (or Continuation)."""
    table = message_table(table)
    row = _row(table, frame, layer)
    c = table.layer(LAYER).cols
    buf = table.buffers[int(c["buf"][row])]
    start, body, end = int(c["start"][row]), int(c["body"][row]), int(c["end"][row])
    head = buf[start:body].tobytes()
    data = buf[start:end].tobytes()
    if int(c["kind"][row]) == _CONTINUATION:
        items, after = _cut_continuation(table, frame, row, head)
        if not head and not file_data(table, row):
            data = _segment_payload(table, frame)
        return HttpTree(None, items, after, data, len(data))
    # (the subtree of the PDU TCP reassembled sits at the top level right before the tree
    # of the message it holds)
    before = reassembled_items(table, frame) if layer == 1 else None
    lines = _split_lines(head)
    request = int(c["kind"][row]) == 1
    items = [_first_line(lines[0], request), *_header_lines(lines[1:], len(lines[0]), int(c["kind"][row]))]
    items += _matching(table, row, request)
    cut = _cut_chunked(table, frame, row, lines[1:])
    if cut:
        return HttpTree(before, items + cut, [_unreassembled()], data, len(data))
    typed = any(line.lower().startswith(b"content-type:") for line in lines[1:])
    items += _encoded(table, row, lines[1:]) + _body(table, row, typed)
    return HttpTree(before, items, [], data, len(head) if typed and file_data(table, row) else len(data))


def http_text(table: PacketTable, frame: int, layer: int, data_dumps: bool = True) -> str | None:
    """The tree of the ``layer``-th message frame ``frame`` completes (or Continuation);
    ``data_dumps``: with the nested Data's dump (tree_frames.show_text, DATA DUMPS)."""
    got = http_items(table, frame, layer)
    before = [] if got.reassembled is None else item_lines([got.reassembled], 0)
    return "\n".join([*before, "Hypertext Transfer Protocol", *item_lines(got.items, 1, data_dumps),
                      *item_lines(got.after, 0, data_dumps)]) + "\n"
