"""The http.* fields as tshark 4.0.17 names and fills them in one pass (packet-http.c;
reference/pdu-framing.md §3.5), read from the messages HTTP framing completes
(:mod:`tcpscope.analysis.http_messages`).

Each message is a row of the table layer :data:`LAYER` on the frame that completes it
(several in one frame in the order tshark dissects them): the places of its first
line's parts and of the headers tshark names, in the message buffer the piece carries
(``table.buffers[buf]``), its Content-Length, and what request/response matching gives
it. Matching is tshark's, per conversation: every request appends a record; a
response joins the last record if that one has no response yet, else appends a record
of its own; ``http.request_in`` and ``http.time`` are the joined record's request,
``http.prev_request_in`` / ``http.prev_response_in`` the record before it, and
``http.response_for.uri`` the conversation's latest request URI (its full form when it
had a Host). ``http.response_in`` and the ``next`` links need later frames: tshark's
one pass has none, nor does tcpscope.

Header fields hold the first such header of the message (a repeated header's later
values are not kept: docs/deviations.md).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.analysis.http_messages import K_CONTINUATION, PieceMessages
from tcpscope.analysis.layout import A_KEEP_ALIVE
from tcpscope.table.layers import Layer
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import Base, FieldDef, FieldType
from tcpscope.table.values import Values

__all__ = ["HTTP_FIELDS", "HTTP_FIELD_NAMES", "LAYER", "HttpMatcher", "ascii_text", "file_data", "media_protocol",
           "message_table", "needs_messages", "stack_above_tcp"]

FT = FieldType

#: HTTP's TCP ports in tshark 4.0.17: packet-http.c TCP_DEFAULT_RANGE, then those other
#: dissectors give HTTP (IPP's 631 through ``http_tcp_dissector_add``, DAAP's 3689 through
#: ``http_tcp_port_add``), as ``tshark -G decodes`` lists them under tcp.port.
HTTP_PORTS = (80, 3128, 3132, 5985, 8080, 8088, 11371, 1900, 2869, 2710, 631, 3689)

#: The table layer of the messages (one row per message, on its completing frame)
LAYER = "_http_msg"
#: The table layer of the header lines whose values are fields
HEADERS = "_http_hdr"

#: Headers whose values are fields: column name -> the header's name (lower case, colon)
_HEADERS = {
    "host": b"host:", "user_agent": b"user-agent:", "accept": b"accept:", "content_type": b"content-type:",
    "content_length_header": b"content-length:", "connection": b"connection:", "server": b"server:",
    "content_encoding": b"content-encoding:", "transfer_encoding": b"transfer-encoding:",
    "referer": b"referer:", "location": b"location:", "cookie": b"cookie:", "set_cookie": b"set-cookie:",
    "date": b"date:", "last_modified": b"last-modified:", "cache_control": b"cache-control:",
    "accept_encoding": b"accept-encoding:", "accept_language": b"accept-language:",
}
#: Parts of the first line: request method, URI, version; response version, phrase
_PARTS = ("method", "uri", "req_version", "res_version", "phrase")
_HEADER_NAMES = tuple(_HEADERS)
_HEADER_CODE = {want: k for k, want in enumerate(_HEADERS.values())}


def ascii_text(raw: bytes) -> str:
    """Bytes as tshark's ASCII strings hold them: each byte above 0x7F a U+FFFD."""
    return raw.decode("ascii", errors="replace")


@dataclass
class _Conversation:
    """A conversation's request/response records, as far as the fields need them."""

    records: int = 0
    tail_req: int = 0  # the last record's request frame (0: none)
    tail_req_ts: int = 0
    tail_res: int = 0  # the last record's response frame (0: none)
    prev_req: int = 0  # the record before the last one: its request and response frames
    prev_res: int = 0
    uri: str | None = None  # the latest request's URI, full when it had a Host
    raw_uri: str | None = None  # the latest request's URI as written


@dataclass
class HttpMatcher:
    """Request/response matching and the first line's and headers' places, carried from
    piece to piece (module docstring)."""

    conversations: dict[int, _Conversation] = field(default_factory=dict)

    def layers(self, table: PacketTable, msg_rows: Index, msgs: PieceMessages, buf_index: int) -> tuple[Layer, Layer]:
        """The rows of :data:`LAYER` for the messages ``msgs`` of ``table`` (``msg_rows``:
        the tcp row of each message's completing segment; ``buf_index``: the buffer that
        holds ``msgs.buf``), and those of :data:`HEADERS`: one per header line whose value
        is a field (its code in :data:`_HEADERS`' order and its place), in message order."""
        n = msg_rows.shape[0]
        tcp = table.layer("tcp")
        pkt = tcp.pkt[msg_rows]
        frames = pkt + 1 + table.records.first_frame
        ts = table.ts_ns[pkt]
        streams = np.asarray(tcp.cols["stream"], dtype=np.int64)[msg_rows]
        ints = {name: np.full(n, -1, dtype=np.int64) for name in (
            "code", "content_length", "request_in", "time", "prev_request_in", "prev_response_in",
            "request_number", "response_number", "records")}
        spans = {name: np.full((n, 2), -1, dtype=np.int64) for name in _PARTS}
        headers: list[tuple[int, int, int, int]] = []
        kind = np.zeros(n, dtype=np.int8)  # 1 request, 2 response, 3 continuation
        full_uri = np.full(n, None, dtype=object)
        response_for = np.full(n, None, dtype=object)
        object_uri = np.full(n, None, dtype=object)
        raw = msgs.buf.tobytes()
        for i in range(n):
            if msgs.kind[i] == K_CONTINUATION:
                kind[i] = 3  # its body is exported under the conversation's latest URI
                conv = self.conversations.get(int(streams[i]))
                object_uri[i] = conv.raw_uri if conv is not None else None
                # (HTTP reads a Continuation's lines as headers: a Content-Type is its body's)
                found = _header_places(raw[:int(msgs.body[i])], int(msgs.start[i]), 0)
                headers.extend((i, *line) for line in found)
                ints["content_length"][i] = _content_length(raw, found)
                continue
            a, b = int(msgs.start[i]), int(msgs.body[i])
            got, lines = _parse_head(raw[a:b], a)
            headers.extend((i, *line) for line in lines)
            for name, place in got.items():
                if name in spans:
                    spans[name][i] = place
            conv = self.conversations.setdefault(int(streams[i]), _Conversation())
            if "code" in got:
                kind[i] = 2
                ints["code"][i] = got["code"][0]
                self._response(conv, int(frames[i]), int(ts[i]), ints, i)
                response_for[i] = conv.uri
            else:
                kind[i] = 1
                full_uri[i] = _full_uri(raw, got, lines)
                uri = _span_text(raw, got.get("uri"))
                conv.uri = full_uri[i] if full_uri[i] is not None else uri
                conv.raw_uri = uri
                self._request(conv, int(frames[i]), int(ts[i]), ints, i)
            object_uri[i] = conv.raw_uri
            ints["records"][i] = conv.records
            ints["content_length"][i] = _content_length(raw, lines)
        cols: dict[str, Array] = {"kind": kind, "buf": np.full(n, buf_index, dtype=np.int64),
                                  "start": msgs.start, "body": msgs.body, "end": msgs.end,
                                  "data": msgs.data, "data_len": msgs.data_len,
                                  "full_uri": full_uri, "response_for_uri": response_for,
                                  "object_uri": object_uri, **ints}
        for name, span in spans.items():
            cols[name] = span
        h = np.array(headers, dtype=np.int64).reshape(-1, 4)
        hcols: dict[str, Array] = {"msg": h[:, 0], "code": h[:, 1], "place": h[:, 2:], "buf": np.full(h.shape[0], buf_index)}
        return (Layer(LAYER, pkt, np.zeros(n, dtype=np.int16), _layer_numbers(pkt), cols),
                Layer(HEADERS, pkt[h[:, 0]], np.zeros(h.shape[0], dtype=np.int16), np.ones(h.shape[0], dtype=np.int32),
                      hcols))

    @staticmethod
    def _request(conv: _Conversation, frame: int, ts: int, ints: dict[str, Array], i: int) -> None:
        """A request appends a record (it shows the record before's request, not its response)."""
        conv.prev_req, conv.prev_res = conv.tail_req, conv.tail_res
        conv.tail_req, conv.tail_req_ts, conv.tail_res = frame, ts, 0
        conv.records += 1
        ints["request_number"][i] = conv.records
        if conv.prev_req:
            ints["prev_request_in"][i] = conv.prev_req

    @staticmethod
    def _response(conv: _Conversation, frame: int, ts: int, ints: dict[str, Array], i: int) -> None:
        """A response joins the last record when it has a request and no response yet,
        else appends a record of its own."""
        if conv.records == 0 or conv.tail_res:
            conv.prev_req, conv.prev_res = conv.tail_req, conv.tail_res
            conv.tail_req, conv.tail_req_ts = 0, 0
            conv.records += 1
        conv.tail_res = frame
        ints["response_number"][i] = conv.records
        if conv.tail_req:
            ints["request_in"][i] = conv.tail_req
            ints["time"][i] = ts - conv.tail_req_ts
        if conv.prev_req:
            ints["prev_request_in"][i] = conv.prev_req
        if conv.prev_res:
            ints["prev_response_in"][i] = conv.prev_res


def _layer_numbers(pkt: Index) -> Array:
    """1 for a frame's first message, 2 for its second, ... (``pkt`` non-decreasing)."""
    idx = np.arange(pkt.shape[0], dtype=np.int64)
    start = np.ones(pkt.shape[0], dtype=np.bool_)
    start[1:] = pkt[1:] != pkt[:-1]
    first = np.maximum.accumulate(np.where(start, idx, 0)) if pkt.shape[0] else idx
    out: Array = (idx - first + 1).astype(np.int32)
    return out


def _parse_head(head: bytes, base: int) -> tuple[dict[str, tuple[int, int]], list[tuple[int, int, int]]]:
    """The places (``base`` + offset, length) of a header block's parts: a response's
    version and phrase (its status code as ``code``: value, 0), a request's method, URI
    and version; and each header line named in :data:`_HEADERS` (its code, the place of
    its value: blanks and tabs before it left out)."""
    out: dict[str, tuple[int, int]] = {}
    eol = head.find(b"\n")
    line_end = eol if eol >= 0 else len(head)
    line = head[:line_end].rstrip(b"\r")
    if line.startswith(b"HTTP/"):
        _response_line(line, base, out)
    else:
        _request_line(line, base, out)
    return out, _header_places(head, line_end + 1, base)


def _content_length(raw: bytes, lines: list[tuple[int, int, int]]) -> int:
    """http.content_length: the first Content-Length line's value (of the header lines
    ``lines``, places in ``raw``) when it is a number, else -1."""
    cl = next((_span_text(raw, (a, m)) for code, a, m in lines if code == _HEADER_CODE[b"content-length:"]), None)
    return int(cl.strip()) if cl is not None and cl.strip().isdigit() else -1


def _header_places(head: bytes, at: int, base: int) -> list[tuple[int, int, int]]:
    """Each header line of ``head`` from ``at`` on, up to an empty line, named in
    :data:`_HEADERS`: its code and the place of its value (``base`` + offset, length;
    blanks and tabs before it left out)."""
    lines: list[tuple[int, int, int]] = []
    while 0 <= at < len(head):
        nxt = head.find(b"\n", at)
        end = nxt if nxt >= 0 else len(head)
        text = head[at:end].rstrip(b"\r")
        if not text:
            break
        colon = text.find(b":")
        code = _HEADER_CODE.get(text[: colon + 1].lower(), -1) if colon > 0 else -1
        if code >= 0:
            v = colon + 1
            while v < len(text) and text[v] in b" \t":
                v += 1
            lines.append((code, base + at + v, len(text) - v))
        at = end + 1
    return lines


def _response_line(line: bytes, base: int, out: dict[str, tuple[int, int]]) -> None:
    """``HTTP/x.y CODE PHRASE``: the version up to the first blank, the three-digit code,
    the phrase after the blank that follows it (absent when empty)."""
    sp = line.find(b" ")
    if sp < 0:
        return
    out["res_version"] = (base, sp)
    code = line[sp + 1: sp + 4]
    if len(code) == 3 and code.isdigit():
        out["code"] = (int(code), 0)
    rest = sp + 5
    if rest < len(line):
        out["phrase"] = (base + rest, len(line) - rest)


def _request_line(line: bytes, base: int, out: dict[str, tuple[int, int]]) -> None:
    """``METHOD URI VERSION``: the words before the first and second blanks, and the rest;
    a line without a blank (``OPTIONS`` alone) is a method with an empty URI."""
    sp = line.find(b" ")
    if sp < 0 and line:
        out["method"], out["uri"] = (base, len(line)), (base + len(line), 0)
    if sp <= 0:
        return
    out["method"] = (base, sp)
    sp2 = line.find(b" ", sp + 1)
    uri_end = sp2 if sp2 >= 0 else len(line)
    out["uri"] = (base + sp + 1, uri_end - sp - 1)
    if sp2 >= 0:
        out["req_version"] = (base + sp2 + 1, len(line) - sp2 - 1)


def _span_text(raw: bytes, span: tuple[int, int] | None) -> str | None:
    if span is None or span[0] < 0:
        return None
    return ascii_text(raw[span[0]: span[0] + span[1]])


def _full_uri(raw: bytes, got: dict[str, tuple[int, int]], lines: list[tuple[int, int, int]]) -> str | None:
    """http.request.full_uri: with a Host and a URI, the URI itself when it is absolute
    (``http://``, ``https://``) or the method is CONNECT, else ``http://`` + Host + URI
    (the last Host header's: each one sets it)."""
    hosts = [(a, m) for code, a, m in lines if code == _HEADER_CODE[b"host:"]]
    host, uri = _span_text(raw, hosts[-1] if hosts else None), _span_text(raw, got.get("uri"))
    if host is None or uri is None:
        return None
    if uri.lower().startswith(("http://", "https://")) or _span_text(raw, got.get("method")) == "CONNECT":
        return uri
    return "http://" + host.strip() + uri


#: Media dissectors by the body's first bytes (an image dissector checks its magic)
_MAGIC = ((b"GIF87a", "image-gif"), (b"GIF89a", "image-gif"), (b"\x89PNG\r\n\x1a\n", "png"),
          (b"\xff\xd8", "image-jfif"))
#: Media dissectors by the media type (packet-http.c's media_type table, the ones met)
_MEDIA = {"application/x-www-form-urlencoded": "urlencoded-form", "application/json": "json",
          "application/x-javascript": "data-text-lines", "application/javascript": "data-text-lines",
          "text/xml": "xml", "application/xml": "xml", "application/octet-stream": "data",
          "image/png": "png", "image/gif": "image-gif", "image/jpeg": "image-jfif"}


def media_protocol(ctype: str | None, body: bytes) -> str:
    """The protocol tshark hands a non-empty body to, as ``frame.protocols`` names it:
    an image by its magic when the type is an image's, else by the media type (lower
    case, parameters dropped): text types to ``data-text-lines``, types without a
    dissector to ``media``; no Content-Type: ``data``."""
    if ctype is None:
        return "data"
    media = ctype.split(";", 1)[0].strip().lower()
    if media.startswith("image/"):
        for magic, name in _MAGIC:
            if body.startswith(magic):
                return name
    if media in _MEDIA:
        return _MEDIA[media]
    if media.startswith("text/"):
        return "data-text-lines"
    return "media"


def _http_payloads(t: PacketTable) -> Index:
    """The frames whose TCP payload tshark hands to HTTP by port (HTTP claims all it is
    given, so none of it goes to ``data``): a port of the segment is one of HTTP's and the
    segment is no keep-alive (whose byte tshark gives to ``data``)."""
    tcp = t.layer("tcp")
    if len(tcp) == 0 or "aflags" not in tcp.cols:
        return np.zeros(0, dtype=np.int64)
    c = tcp.cols
    ports = np.isin(np.asarray(c["srcport"]), HTTP_PORTS) | np.isin(np.asarray(c["dstport"]), HTTP_PORTS)
    keep = ports & (np.asarray(c["len"]) > 0) & ((np.asarray(c["aflags"], dtype=np.int64) & A_KEEP_ALIVE) == 0)
    out: Index = tcp.pkt[keep]
    return out


def first_headers(t: PacketTable, col: str, msgs: Index | None = None) -> dict[int, str]:
    """The value of the first header named ``col`` (a key of :data:`_HEADERS`) of each
    message of :data:`LAYER` that has one, by message row (``msgs``: of those messages only)."""
    t = message_table(t)
    lt = t.layer(HEADERS)
    if len(lt) == 0:
        return {}
    code = _HEADER_NAMES.index(col)
    out: dict[int, str] = {}
    place = np.asarray(lt.cols["place"], dtype=np.int64)
    named = np.asarray(lt.cols["code"]) == code
    if msgs is not None:
        named &= np.isin(np.asarray(lt.cols["msg"], dtype=np.int64), msgs)
    for i in np.flatnonzero(named).tolist():
        msg = int(lt.cols["msg"][i])
        if msg not in out:
            buf = t.buffers[int(lt.cols["buf"][i])]
            out[msg] = ascii_text(buf[place[i, 0]: place[i, 0] + place[i, 1]].tobytes())
    return out


def stack_above_tcp(t: PacketTable, only: Index | None = None) -> tuple[Index, Index, list[str]]:
    """What HTTP adds to ``frame.protocols``: the frames whose TCP payload HTTP framing
    claims (tshark hands it to no ``data``), and for each frame with messages (frame,
    text) the protocols they add: ``http`` once (HTTP is called once a segment, for all
    its messages), then the protocol of each message's body when it has one
    (:func:`media_protocol`; a Continuation's bytes go to ``data``, its body too unless
    its header lines name a Content-Type). ``only``: of those
    frames alone (increasing), so that a few frames cost what their messages cost."""
    t = message_table(t)
    claimed = _http_payloads(t)
    lt = _messages(t)
    rows = np.arange(len(lt), dtype=np.int64)
    if only is not None:
        claimed = claimed[np.isin(claimed, only)]
        rows = rows[np.isin(lt.pkt, only)]
    ctypes = first_headers(t, "content_type", rows if only is not None else None)
    frames: list[int] = []
    texts: list[str] = []
    for i, f in zip(rows.tolist(), lt.pkt[rows].tolist(), strict=True):
        if not frames or frames[-1] != f:
            frames.append(f)
            texts.append("http")
        body = file_data(t, i)
        if int(lt.cols["kind"][i]) == 3 and (i not in ctypes or not body):
            if body or int(lt.cols["end"][i]) == int(lt.cols["start"][i]):
                texts[-1] += ":data"  # a Continuation's bytes, or its body, go to data
            continue
        if body:
            texts[-1] += ":" + media_protocol(ctypes.get(i), body)
    return claimed, np.array(frames, dtype=np.int64), texts


# ---- the fields ----


def needs_messages(names: Iterable[str]) -> bool:
    """Whether reading the fields ``names`` needs the HTTP messages (:data:`LAYER`): the
    http.* fields, ``frame.protocols``, which names ``http`` and its body's protocol, and the
    expert texts, which have HTTP's chats on its request and response lines."""
    return any(n == "http" or n.startswith(("http.", "_ws.expert")) or n == "frame.protocols" for n in names)


_FRAMED: list[tuple[weakref.ref[PacketTable], PacketTable]] = []


def message_table(t: PacketTable) -> PacketTable:
    """``t`` with its HTTP messages: as the analysis carried them over the pieces, else
    (a table analysed whole, as ``tcpscope.open`` makes it) framed alone, once (the last
    table framed is remembered while it lives)."""
    if LAYER in t.layers or "stream" not in t.layer("tcp").cols:
        return t
    for ref, got in _FRAMED:
        if ref() is t:
            return got
    from tcpscope.analysis.http import http_messages

    got = http_messages(t)
    _FRAMED[:] = [(weakref.ref(t), got)]
    return got


def _messages(t: PacketTable) -> Layer:
    return t.layer(LAYER)


def _kind_rows(want: int) -> Callable[[PacketTable], Values]:
    """http.request / http.response (FT_BOOLEAN): True on each request (response)."""

    def get(t: PacketTable) -> Values:
        t = message_table(t)
        lt = _messages(t)
        keep = np.asarray(lt.cols["kind"]) == want if len(lt) else np.zeros(0, dtype=np.bool_)
        pkt = lt.pkt[keep]
        return Values(pkt, np.ones(pkt.shape[0], dtype=np.int64))

    return get


def _span_field(col: str) -> Callable[[PacketTable], Values]:
    """A string field read from its place in the message buffer, where present."""

    def get(t: PacketTable) -> Values:
        t = message_table(t)
        lt = _messages(t)
        if len(lt) == 0:
            return Values.empty(np.str_)
        span = np.asarray(lt.cols[col], dtype=np.int64)
        keep = np.flatnonzero(span[:, 0] >= 0)
        bufs = np.asarray(lt.cols["buf"], dtype=np.int64)
        texts = [ascii_text(t.buffers[int(bufs[i])][span[i, 0]: span[i, 0] + span[i, 1]].tobytes())
                 for i in keep.tolist()]
        return Values(lt.pkt[keep], np.array(texts, dtype=np.str_).reshape(-1))

    return get


def _header_field(col: str) -> Callable[[PacketTable], Values]:
    """A header's values, one per header line of that name, in message order."""
    code = _HEADER_NAMES.index(col)

    def get(t: PacketTable) -> Values:
        lt = message_table(t).layer(HEADERS)
        if len(lt) == 0:
            return Values.empty(np.str_)
        t = message_table(t)
        keep = np.flatnonzero(np.asarray(lt.cols["code"]) == code)
        place = np.asarray(lt.cols["place"], dtype=np.int64)
        bufs = np.asarray(lt.cols["buf"], dtype=np.int64)
        texts = [ascii_text(t.buffers[int(bufs[i])][place[i, 0]: place[i, 0] + place[i, 1]].tobytes())
                 for i in keep.tolist()]
        return Values(lt.pkt[keep], np.array(texts, dtype=np.str_).reshape(-1))

    return get


def _int_field(col: str) -> Callable[[PacketTable], Values]:
    """An integer (frame number, time in ns) where it is not -1."""

    def get(t: PacketTable) -> Values:
        t = message_table(t)
        lt = _messages(t)
        if len(lt) == 0:
            return Values.empty()
        v = np.asarray(lt.cols[col], dtype=np.int64)
        keep = v >= 0
        return Values(lt.pkt[keep], v[keep])

    return get


def _object_field(col: str) -> Callable[[PacketTable], Values]:
    """A string made from the message and its conversation, where it has one."""

    def get(t: PacketTable) -> Values:
        t = message_table(t)
        lt = _messages(t)
        if len(lt) == 0:
            return Values.empty(np.str_)
        v = np.asarray(lt.cols[col])
        keep = np.flatnonzero(np.array([x is not None for x in v.tolist()], dtype=np.bool_))
        return Values(lt.pkt[keep], np.array([v[i] for i in keep.tolist()], dtype=np.str_).reshape(-1))

    return get


def file_data(t: PacketTable, row: int) -> bytes:
    """The decoded body of message ``row`` of :data:`LAYER`."""
    lt = _messages(t)
    c = lt.cols
    a, n = int(c["data"][row]), int(c["data_len"][row])
    return t.buffers[int(c["buf"][row])][a: a + n].tobytes()


def _file_data(t: PacketTable) -> Values:
    """http.file_data: a non-empty decoded body as an ASCII string (cut at its first NUL)."""
    t = message_table(t)
    lt = _messages(t)
    if len(lt) == 0:
        return Values.empty(np.str_)
    keep = np.flatnonzero(np.asarray(lt.cols["data_len"]) > 0)
    texts = [ascii_text(file_data(t, i).split(b"\x00", 1)[0]) for i in keep.tolist()]
    return Values(lt.pkt[keep], np.array(texts, dtype=np.str_).reshape(-1))


def _protocol(t: PacketTable) -> Values:
    """http (FT_PROTOCOL): once per message; its bytes are not given (empty value)."""
    lt = _messages(message_table(t))
    return Values(lt.pkt, np.zeros((len(lt), 2), dtype=np.int64))


def _s(name: str, col: str, title: str, description: str) -> FieldDef:
    get = _header_field(col) if col in _HEADERS else _span_field(col)
    return FieldDef(name, FT.STRING, get, title, description=description)


def _frame(name: str, col: str, title: str, description: str) -> FieldDef:
    return FieldDef(name, FT.FRAMENUM, _int_field(col), title, description=description)


HTTP_FIELDS: tuple[FieldDef, ...] = (
    FieldDef("http", FT.PROTOCOL, _protocol, "Hypertext Transfer Protocol",
             description="An HTTP message (or a Continuation) dissected in this frame."),
    FieldDef("http.request", FT.BOOLEAN, _kind_rows(1), "Request", description="The message is an HTTP request."),
    FieldDef("http.response", FT.BOOLEAN, _kind_rows(2), "Response", description="The message is an HTTP response."),
    _s("http.request.method", "method", "Request Method", "The request's method (GET, POST, ...)."),
    _s("http.request.uri", "uri", "Request URI", "The request's URI as written in its request line."),
    _s("http.request.version", "req_version", "Request Version", "The HTTP version at the end of the request line."),
    FieldDef("http.request.full_uri", FT.STRING, _object_field("full_uri"), "Full request URI",
             description="The request's URI with the scheme and Host it was sent to."),
    _s("http.response.version", "res_version", "Response Version", "The HTTP version of the status line."),
    FieldDef("http.response.code", FT.UINT16, _int_field("code"), "Status Code", Base.DEC,
             description="The response's three-digit status code."),
    _s("http.response.phrase", "phrase", "Response Phrase", "The reason phrase after the status code."),
    FieldDef("http.response_for.uri", FT.STRING, _object_field("response_for_uri"), "Request URI",
             description="The URI of the conversation's latest request, on a response."),
    _s("http.host", "host", "Host", "The Host header's value."),
    _s("http.user_agent", "user_agent", "User-Agent", "The User-Agent header's value."),
    _s("http.accept", "accept", "Accept", "The Accept header's value."),
    _s("http.accept_encoding", "accept_encoding", "Accept Encoding", "The Accept-Encoding header's value."),
    _s("http.accept_language", "accept_language", "Accept-Language", "The Accept-Language header's value."),
    _s("http.referer", "referer", "Referer", "The Referer header's value."),
    _s("http.cookie", "cookie", "Cookie", "The Cookie header's value."),
    _s("http.set_cookie", "set_cookie", "Set-Cookie", "The Set-Cookie header's value."),
    _s("http.location", "location", "Location", "The Location header's value."),
    _s("http.date", "date", "Date", "The Date header's value."),
    _s("http.last_modified", "last_modified", "Last-Modified", "The Last-Modified header's value."),
    _s("http.cache_control", "cache_control", "Cache-Control", "The Cache-Control header's value."),
    _s("http.content_type", "content_type", "Content-Type", "The Content-Type header's value, parameters included."),
    _s("http.content_length_header", "content_length_header", "Content-Length",
       "The Content-Length header's value as written."),
    FieldDef("http.content_length", FT.UINT64, _int_field("content_length"), "Content length", Base.DEC,
             description="The Content-Length header's value as a number, when it is one."),
    _s("http.content_encoding", "content_encoding", "Content-Encoding", "The Content-Encoding header's value."),
    _s("http.transfer_encoding", "transfer_encoding", "Transfer-Encoding", "The Transfer-Encoding header's value."),
    _s("http.connection", "connection", "Connection", "The Connection header's value."),
    _s("http.server", "server", "Server", "The Server header's value."),
    FieldDef("http.response_in", FT.FRAMENUM, lambda t: Values.empty(), "Response in frame",
             description="The frame of the response to this request: known only after it, so never in one pass."),
    _frame("http.request_in", "request_in", "Request in frame", "The frame of the request this response answers."),
    FieldDef("http.time", FT.RELATIVE_TIME, _int_field("time"), "Time since request",
             description="The time from the request to this response."),
    _frame("http.prev_request_in", "prev_request_in", "Prev request in frame",
           "The request of the conversation's record before this message's."),
    _frame("http.prev_response_in", "prev_response_in", "Prev response in frame",
           "The response of the conversation's record before this message's."),
    FieldDef("http.request_number", FT.UINT32, _int_field("request_number"), "Request number", Base.DEC,
             description="The request's number in its conversation, counting from 1."),
    FieldDef("http.response_number", FT.UINT32, _int_field("response_number"), "Response number", Base.DEC,
             description="The response's number in its conversation, counting from 1."),
    FieldDef("http.file_data", FT.STRING, _file_data, "File Data",
             description="The message's body (de-chunked and decompressed) as text, up to its first NUL."),
)

HTTP_FIELD_NAMES: frozenset[str] = frozenset(f.name for f in HTTP_FIELDS)
