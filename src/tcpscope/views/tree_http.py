"""The HTTP tree, as packet-http.c adds it for a request or response (labels from its
``hf_register_info`` and ``proto_tree_add_*`` calls, written down here in our own words):
the first line with its chat expert item and its parts, each header line (Content-Length
with its value, Cookie with its pairs), the empty line, then the generated items of the
request/response matching and the body's size.

The text is made from the message's bytes (the table layer of
:mod:`tcpscope.analysis.http_fields`), one message at a time: a tree per message a frame
completes. The bodies' own dissectors (text lines, images) add trees of their own that
are not written yet.
"""

from __future__ import annotations

import numpy as np

from tcpscope.analysis.http_fields import LAYER, file_data, message_table
from tcpscope.table.packets import PacketTable
from tcpscope.table.text import format_reltime
from tcpscope.views.tree import Protocol

__all__ = ["HTTP", "http_text"]


def _head(_item: object) -> str:
    return "Hypertext Transfer Protocol"


#: The HTTP protocol for the details view: its tree is written by :func:`http_text`
HTTP = Protocol("http", LAYER, _head, ())

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


def _first_line(line: str, end: str, request: bool) -> list[str]:
    """The first line, its chat expert item, then its parts (request: method, URI,
    version; response: version, status code and its description, phrase)."""
    out = [f"    {line}{end}", f"        [Expert Info (Chat/Sequence): {line}{end}]", f"            [{line}{end}]",
           "            [Severity level: Chat]", "            [Group: Sequence]"]
    words = line.split(" ", 2)
    if request:
        out.append(f"        Request Method: {words[0]}")
        if len(words) > 1:
            out.append(f"        Request URI: {words[1]}")
            out += _uri_parts(words[1])
        out.append(f"        Request Version: {words[2] if len(words) > 2 else ''}")
    else:
        out.append(f"        Response Version: {words[0]}")
        if len(words) > 1:
            out.append(f"        Status Code: {words[1]}")
            if words[1].isdigit() and int(words[1]) in _STATUS:
                out.append(f"        [Status Code Description: {_STATUS[int(words[1])]}]")
        if len(words) > 2 and words[2]:
            out.append(f"        Response Phrase: {words[2]}")
    return out


def _uri_parts(uri: str) -> list[str]:
    """A URI with a query: its path, its query and each of the query's ``&``-separated
    parameters under it."""
    path, mark, query = uri.partition("?")
    if not mark:
        return []
    return [f"            Request URI Path: {path}", f"            Request URI Query: {query}",
            *(f"                Request URI Query Parameter: {p}" for p in query.split("&"))]


def _header_lines(lines: list[bytes]) -> list[str]:
    """Each header line with its line end; Content-Length's value under it, a Cookie's
    pairs under it."""
    out = []
    for raw in lines:
        text = raw.rstrip(b"\r").decode("ascii", errors="replace")
        end = "\\r\\n" if raw.endswith(b"\r") else "\\n"
        out.append(f"    {text}{end}")
        name, _, value = text.partition(":")
        value = value.lstrip(" \t")
        if name.lower() == "content-length" and value.strip().isdigit():
            out.append(f"        [Content length: {int(value.strip())}]")
        elif name.lower() == "cookie":
            out.extend(f"        Cookie pair: {pair}" for pair in value.split("; ") if pair)
    return out


def _matching(table: PacketTable, row: int, request: bool) -> list[str]:
    """The generated items of request/response matching, in packet-http.c's order."""
    c = table.layer(LAYER).cols

    def frame_item(col: str, label: str) -> list[str]:
        v = int(c[col][row])
        return [f"    [{label}: {v}]"] if v >= 0 else []

    if request:
        full = c["full_uri"][row]
        out = [f"    [Full request URI: {full}]"] if full is not None else []
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
        out.append(f"    [Request URI: {uri}]")
    return out


def http_text(table: PacketTable, frame: int, layer: int) -> str | None:
    """The tree of the ``layer``-th message frame ``frame`` completes; None for a
    Continuation (not written yet)."""
    table = message_table(table)
    row = _row(table, frame, layer)
    c = table.layer(LAYER).cols
    if int(c["kind"][row]) == 3:
        return None
    buf = table.buffers[int(c["buf"][row])]
    head = buf[int(c["start"][row]): int(c["body"][row])].tobytes()
    lines = head.split(b"\n")
    first = lines[0]
    request = int(c["kind"][row]) == 1
    out = ["Hypertext Transfer Protocol",
           *_first_line(first.rstrip(b"\r").decode("ascii", errors="replace"),
                        "\\r\\n" if first.endswith(b"\r") else "\\n", request)]
    headers = [line for line in lines[1:] if line.rstrip(b"\r")]
    out += _header_lines(headers)
    out.append("    \\r\\n" if head.endswith(b"\r\n\r\n") or head.endswith(b"\n\r\n") else "    \\n")
    out += _matching(table, row, request)
    body = file_data(table, row)
    if body:
        out.append(f"    File Data: {len(body)} bytes")
    return "\n".join(out) + "\n"
