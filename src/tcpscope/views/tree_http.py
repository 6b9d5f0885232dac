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

import numpy as np

from tcpscope.analysis import PER_SEGMENT
from tcpscope.analysis.follow import gather_payload
from tcpscope.analysis.http_fields import LAYER, ascii_text, file_data, message_table
from tcpscope.table.packets import PacketTable
from tcpscope.table.text import format_reltime
from tcpscope.views.hexdump import hex_dump
from tcpscope.views.tree import Protocol
from tcpscope.views.tree_http_text import expert_message, format_text, item_label, text_label
from tcpscope.views.tree_tcp_reassembled import reassembled_text

__all__ = ["HTTP", "http_text"]


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


def _first_line(raw: bytes, request: bool) -> list[str]:
    """The first line (with its line end), its chat expert item, then its parts
    (request: method, URI, version; response: version, status code and its
    description, phrase)."""
    text = format_text(raw)
    message = expert_message(text)
    out = [f"    {text_label(text)}", f"        [{text_label(f'Expert Info (Chat/Sequence): {message}')}]",
           f"            [{message}]", "            [Severity level: Chat]", "            [Group: Sequence]"]
    words = [_shown(w) for w in ascii_text(raw.rstrip(b"\r\n")).split(" ", 2)]
    if request:
        out.append(f"        {item_label('Request Method', words[0])}")
        if len(words) > 1:
            out.append(f"        {item_label('Request URI', words[1])}")
            out += _uri_parts(words[1])
        out.append(f"        {item_label('Request Version', words[2] if len(words) > 2 else '')}")
    else:
        out.append(f"        {item_label('Response Version', words[0])}")
        if len(words) > 1:
            out.append(f"        {item_label('Status Code', words[1])}")
            if words[1].isdigit() and int(words[1]) in _STATUS:
                out.append(f"        [Status Code Description: {_STATUS[int(words[1])]}]")
        if len(words) > 2 and words[2]:
            out.append(f"        {item_label('Response Phrase', words[2])}")
    return out


def _uri_parts(uri: str) -> list[str]:
    """A URI with a query: its path, its query and each of the query's ``&``-separated
    parameters under it."""
    path, mark, query = uri.partition("?")
    if not mark:
        return []
    return [f"            {item_label('Request URI Path', path)}", f"            {item_label('Request URI Query', query)}",
            *(f"                {item_label('Request URI Query Parameter', p)}" for p in query.split("&"))]


#: The bytes of a token besides letters and digits (packet-http.c is_token_char: RFC 7230's
#: tchar as written there, with a backslash and a colon where RFC 7230 has an apostrophe)
_TOKEN_MARKS = frozenset(b"!#$%&\\:*+-.^_`|~")
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


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


def _warning(message: str, group: str) -> list[str]:
    """An expert item of severity Warning, under a header line."""
    return [f"        [Expert Info (Warning/{group}): {message}]", f"            [{message}]",
            "            [Severity level: Warning]", f"            [Group: {group}]"]


def _header_lines(lines: list[bytes]) -> list[str]:
    """Each header line (with its line end) and the empty line; under a line whose name
    (before its first colon) HTTP does not take, its expert items (the line's string item
    with stray characters, then the illegal name); Content-Length's value under it, a
    Cookie's pairs under it."""
    out = []
    for raw in lines:
        out.append(f"    {text_label(format_text(raw))}")
        body = raw.rstrip(b"\r\n")
        name, colon, value_raw = body.partition(b":")
        if not colon:
            continue
        if not _valid_header_name(name):
            if _stray_characters(raw):
                out += _warning("Trailing stray characters", "Undecoded")
            out += _warning("Illegal characters found in header name", "Protocol")
            continue
        value = ascii_text(value_raw).lstrip(" \t")
        if name.lower() == b"content-length" and value.strip().isdigit():
            out.append(f"        [Content length: {int(value.strip())}]")
        elif name.lower() == b"cookie":
            out.extend(f"        {item_label('Cookie pair', _shown(pair))}" for pair in value.split("; ") if pair)
    return out


def _matching(table: PacketTable, row: int, request: bool) -> list[str]:
    """The generated items of request/response matching, in packet-http.c's order."""
    c = table.layer(LAYER).cols

    def frame_item(col: str, label: str) -> list[str]:
        v = int(c[col][row])
        return [f"    [{label}: {v}]"] if v >= 0 else []

    if request:
        full = c["full_uri"][row]
        out = [f"    [{item_label('Full request URI', full)}]"] if full is not None else []
        out.append(f"    [HTTP request {int(c['request_number'][row])}/{int(c['records'][row])}]")
        return out + frame_item("prev_request_in", "Prev request in frame")
    out = [f"    [HTTP response {int(c['response_number'][row])}/{int(c['records'][row])}]"]
    if int(c["time"][row]) >= 0:
        out.append(f"    [Time since request: {format_reltime(int(c['time'][row]))} seconds]")
    out += frame_item("prev_request_in", "Prev request in frame") + frame_item("prev_response_in",
                                                                               "Prev response in frame")
    out += frame_item("request_in", "Request in frame")
    uri = c["response_for_uri"][row]
    if uri is not None:
        out.append(f"    [{item_label('Request URI', uri)}]")
    return out


def _nested_data(data: bytes) -> list[str]:
    """The Data protocol (packet-data.c) HTTP calls with its own tree as parent: its line
    one level in, the dump of its bytes (print.c dumps a data protocol's bytes under its
    line), then its value (the hex of its first 36 bytes and an ellipsis after) and its
    length one level further."""
    n = len(data)
    hexed = data.hex()
    shown = hexed if n <= 36 else hexed[:72] + "\u2026"
    return [f"    Data ({n} byte{'' if n == 1 else 's'})", "", hex_dump(data).rstrip("\n"),
            f"        Data: {shown}", f"        [Length: {n}]"]


def _content_encoding(lines: list[bytes]) -> str | None:
    """The value of the message's Content-Encoding header (its first), if any."""
    for line in lines:
        name, colon, value = line.rstrip(b"\r\n").partition(b":")
        if colon and name.lower() == b"content-encoding":
            return ascii_text(value).strip(" \t")
    return None


def _encoded(table: PacketTable, row: int, lines: list[bytes]) -> list[str]:
    """CONTENT-ENCODED ENTITY BODY: a body with a Content-Encoding other than identity
    that HTTP inflated (gzip, deflate and their x- names, br) shows its encoded length
    and, after an arrow, its decoded one (a chunked body's chunks, and a body that did
    not inflate, are not written)."""
    coding = _content_encoding(lines)
    c = table.layer(LAYER).cols
    body, end, data = int(c["body"][row]), int(c["end"][row]), int(c["data"][row])
    if coding is None or coding.lower() == "identity" or data == body:
        return []
    return [f"    Content-encoded entity body ({coding}): {end - body} bytes -> {int(c['data_len'][row])} bytes"]


def _body(table: PacketTable, row: int, typed: bool) -> list[str]:
    """The body's items: ``File Data: N bytes`` for a body of some bytes, and, when the
    message names no Content-Type (``typed`` false), the Data HTTP hands it to (with a
    Content-Type the media's own dissector takes it, at the top level)."""
    body = file_data(table, row)
    if not body:
        return []
    return [f"    File Data: {len(body)} bytes", *([] if typed else _nested_data(body))]


def _segment_payload(table: PacketTable, frame: int) -> bytes:
    """The captured TCP payload of the frame's (last) TCP header."""
    lt = table.layer("tcp")
    row = int(np.searchsorted(lt.pkt, frame, side="right")) - 1
    pay, _start, _cap = gather_payload(table, np.array([row], dtype=np.int64))
    return pay.tobytes()


def _continuation(table: PacketTable, frame: int, row: int, head: bytes) -> list[str]:
    """A Continuation's tree (dissect_http_message on a segment that starts no message
    once the conversation had one): one whose first byte is not printable is handed
    whole to the Data dissector; another is read line by line as headers are (the lines
    with a colon, an empty line), its body after them as a message's body with no
    Content-Type."""
    if not head and not file_data(table, row):  # (binary: the framing kept no bytes)
        payload = _segment_payload(table, frame)
        return _nested_data(payload) if payload else []
    out = _header_lines(_split_lines(head))
    return out + _body(table, row, False)


#: The items of the exception a read past the segment's end raises when TCP does not
#: reassemble (show_exception for an unreassembled packet), at the top level after HTTP's tree
_UNREASSEMBLED = ["[BoundError Unreassembled Packet: HTTP]",
                  "    [Expert Info (Note/Reassemble): Unreassembled fragment (change preferences to enable reassembly)]",
                  "        [Unreassembled fragment (change preferences to enable reassembly)]",
                  "        [Severity level: Note]", "        [Group: Reassemble]"]


def _per_segment(table: PacketTable) -> bool:
    """Whether TCP handed the table's segments on one at a time (no reassembly)."""
    return PER_SEGMENT in table.frame_cols


def _cut_continuation(table: PacketTable, frame: int, row: int, head: bytes) -> list[str]:
    """CUT CONTINUATION LINE: without reassembly, a Continuation read as header lines whose
    last line the segment's end cuts (no line end) and has no colon (no header: HTTP
    looks for its end past the segment's) shows its whole lines, then the exception the
    cut line raises (the cut line is not shown); a cut line with a colon is a header line
    as any other; any other Continuation as :func:`_continuation` shows it."""
    lines = _split_lines(head)
    if not (_per_segment(table) and lines and not lines[-1].endswith((b"\n", b"\r")) and b":" not in lines[-1]):
        return _continuation(table, frame, row, head)
    return _header_lines(lines[:-1]) + _UNREASSEMBLED


def _cut_chunked(table: PacketTable, frame: int, row: int, lines: list[bytes]) -> list[str]:
    """CUT CHUNKED BODY: without reassembly, a message with a chunked body of which the
    segment, captured whole, holds no whole chunk (the framing kept no body:
    ``analysis.http_messages``) shows the chunked response's line, then the exception the
    chunk reader raises (a segment the snapshot length cut raises another, not written)."""
    c = table.layer(LAYER).cols
    chunked = any(line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower() for line in lines)
    if not (_per_segment(table) and chunked and int(c["end"][row]) == int(c["body"][row])):
        return []
    tcp = table.layer("tcp")
    seg = int(np.searchsorted(tcp.pkt, frame, side="right")) - 1
    if int(tcp.cols["payload_cap"][seg]) < int(tcp.cols["len"][seg]):
        return []
    kind = "request" if int(c["kind"][row]) == 1 else "response"
    return [f"    HTTP chunked {kind}", *_UNREASSEMBLED]


def http_text(table: PacketTable, frame: int, layer: int) -> str | None:
    """The tree of the ``layer``-th message frame ``frame`` completes (or Continuation)."""
    table = message_table(table)
    row = _row(table, frame, layer)
    c = table.layer(LAYER).cols
    buf = table.buffers[int(c["buf"][row])]
    head = buf[int(c["start"][row]): int(c["body"][row])].tobytes()
    if int(c["kind"][row]) == _CONTINUATION:
        return "\n".join(["Hypertext Transfer Protocol", *_cut_continuation(table, frame, row, head)]) + "\n"
    # (the subtree of the PDU TCP reassembled sits at the top level right before the tree
    # of the message it holds)
    before = reassembled_text(table, frame) if layer == 1 else ""
    lines = _split_lines(head)
    request = int(c["kind"][row]) == 1
    out = ["Hypertext Transfer Protocol", *_first_line(lines[0], request), *_header_lines(lines[1:])]
    out += _matching(table, row, request)
    cut = _cut_chunked(table, frame, row, lines[1:])
    if cut:
        return before + "\n".join(out + cut) + "\n"
    typed = any(line.lower().startswith(b"content-type:") for line in lines[1:])
    out += _encoded(table, row, lines[1:]) + _body(table, row, typed)
    return before + "\n".join(out) + "\n"
