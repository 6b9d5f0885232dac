"""The HTTP messages a piece of a capture completes, with their bytes: what the http.*
fields, the HTTP tree and ``export-objects`` read.

HTTP framing (:mod:`tcpscope.analysis.http`) walks each direction's bytes and, asked
for the detail, says where each message starts, where its body starts and where it ends
(places in the piece's gathered payload). :class:`MessageCollector` turns that into one
row per message, in the order tshark dissects them (frame, then place in the frame):
the frame that completes it, its kind, and where its header block and its body lie in
one byte buffer per piece (the messages' bytes copied once, with the body de-chunked and
decompressed as tshark decodes it); a message begun in an earlier piece brings the bytes
it had there (:data:`CARRY_LIMIT` at most). A ``Continuation`` (a segment HTTP reads
as neither a request nor a response once the conversation had a request) is a row with
the segment's bytes, its body where HTTP's header loop stops; binary ones have none.

The fields themselves are read from these rows by :mod:`tcpscope.analysis.http_fields`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.analysis.http_framing import BODY_CUT, EV_BODY, EV_CONTINUATION, EV_DONE, EV_START
from tcpscope.analysis.http_lines import CONT_MALFORMED

__all__ = ["CARRY_LIMIT", "DECHUNKED", "K_CONTINUATION", "K_MESSAGE", "UNCOMPRESSED", "MessageCollector", "PieceMessages",
           "body_sources", "decode_body"]

#: Row kinds: a request or response, a Continuation
K_MESSAGE, K_CONTINUATION = 1, 2

#: The most bytes of one open message carried from piece to piece (a larger message keeps
#: its first bytes: its headers, and its body cut there)
CARRY_LIMIT = 64 << 20

#: The most bytes a compressed body is inflated to (a decompression bomb stops there)
INFLATE_LIMIT = 64 << 20


@dataclass(frozen=True)
class PieceMessages:
    """The messages a piece completes (module docstring): per row the tcp row of the
    completing segment, the kind, and in ``buf`` the message's bytes ``[start, body)``
    (first line and headers with their empty line), its raw body ``[body, end)`` and its
    decoded body ``[data, data + data_len)``."""

    seg: Index
    kind: Array
    start: Index
    body: Index
    end: Index
    data: Index
    data_len: Index
    buf: Array

    @staticmethod
    def empty() -> PieceMessages:
        z = np.zeros(0, dtype=np.int64)
        return PieceMessages(z, np.zeros(0, dtype=np.int8), z, z, z, z, z, np.zeros(0, dtype=np.uint8))


class _Open:
    """A message being read: its bytes from earlier pieces, where it starts in this one
    (segment, place) and where its body starts (in its own bytes, -1: not yet)."""

    __slots__ = ("before", "body", "seg", "start")

    def __init__(self, seg: int, start: int) -> None:
        self.before = b""
        self.seg = seg
        self.start = start
        self.body = -1


class MessageCollector:
    """The messages of a capture a piece at a time, from the framing's detail events."""

    def __init__(self) -> None:
        self._open: dict[int, _Open] = {}

    def collect(self, key: Index, walked: Array, segs: tuple[Index, Index, Array], ev: Array,
                keep_open: Array) -> PieceMessages:
        """The messages completed in a piece: ``key`` per segment, ``walked`` whether the
        framing read its bytes, ``segs`` (start, cap, pay: where each segment's bytes are in
        the payload), ``ev`` the events, ``keep_open`` per direction whether its message is
        still open at the end of the piece."""
        walked_rows = np.flatnonzero(walked).astype(np.int64)
        order = np.argsort(key[walked_rows], kind="stable")
        piece = _Piece(walked_rows[order], key[walked_rows[order]], *segs)
        out: list[tuple[int, int, bytes, int]] = []
        for s, kind, a, b in ev[np.isin(ev[:, 1], (EV_START, EV_BODY, EV_DONE, EV_CONTINUATION))].tolist():
            kk = int(key[s])
            if kind == EV_START:
                self._open[kk] = _Open(s, a)
            elif kind == EV_CONTINUATION:
                self._open.pop(kk, None)
                at = int(piece.start[s])
                # the segment's bytes and where its body starts; malformed: no body
                raw = piece.pay[at:b].tobytes() if a >= 0 or a == CONT_MALFORMED else b""
                out.append((s, K_CONTINUATION, raw, a - at if a >= 0 else len(raw)))
            elif kind == EV_BODY:
                cur = self._open.get(kk)
                if cur is not None:
                    cur.body = len(cur.before) + len(piece.read(cur, kk, s, a))
            else:
                cur = self._open.pop(kk, None)
                if cur is not None:
                    raw = cur.before + piece.read(cur, kk, s, b)
                    if a == BODY_CUT and cur.body >= 0:  # a chunk cut by the segment's end throws before the body
                        raw = raw[:cur.body]
                    out.append((s, K_MESSAGE, raw, cur.body if cur.body >= 0 else len(raw)))
        for kk, cur in list(self._open.items()):
            if kk >= keep_open.shape[0] or not keep_open[kk]:
                del self._open[kk]
                continue
            last = piece.last(kk)
            if last >= 0:
                cur.before = (cur.before + piece.read(cur, kk, last, int(piece.start[last] + piece.cap[last])))[
                    :CARRY_LIMIT]
            cur.seg, cur.start = -1, -1
        return _rows(out)


class _Piece(NamedTuple):
    """A piece's segments whose bytes the framing read, by direction (``by_key``: their
    numbers sorted by direction, ``keys``: the direction of each), and where every
    segment's bytes are in the payload ``pay``."""

    by_key: Index
    keys: Index
    start: Index
    cap: Index
    pay: Array

    def _rows(self, kk: int) -> Index:
        lo, hi = np.searchsorted(self.keys, [kk, kk + 1])
        return self.by_key[lo:hi]

    def last(self, kk: int) -> int:
        """The last segment of direction ``kk`` read in the piece (-1: none)."""
        rows = self._rows(kk)
        return int(rows[-1]) if rows.shape[0] else -1

    def read(self, cur: _Open, kk: int, s: int, at: int) -> bytes:
        """Direction ``kk``'s bytes read in this piece from the message's start (or the
        piece's first segment) up to place ``at`` of segment ``s``."""
        rows = self._rows(kk)
        first = cur.seg if cur.seg >= 0 else (int(rows[0]) if rows.shape[0] else s)
        parts = []
        for r in rows[(rows >= first) & (rows <= s)].tolist():
            a = cur.start if r == cur.seg else int(self.start[r])
            b = at if r == s else int(self.start[r] + self.cap[r])
            parts.append(self.pay[a:b].tobytes())
        return b"".join(parts)


def _rows(out: list[tuple[int, int, bytes, int]]) -> PieceMessages:
    """The piece's messages as columns over one buffer: each message's bytes, then its
    decoded body when that differs from the raw one."""
    if not out:
        return PieceMessages.empty()
    n = len(out)
    seg = np.zeros(n, dtype=np.int64)
    kind = np.zeros(n, dtype=np.int8)
    cols = np.zeros((5, n), dtype=np.int64)
    parts: list[bytes] = []
    at = 0
    for i, (s, k, raw, body) in enumerate(out):
        seg[i], kind[i] = s, k
        data = decode_body(raw[:body], raw[body:])
        parts.append(raw)
        cols[:3, i] = at, at + body, at + len(raw)
        at += len(raw)
        if data is None:
            cols[3:, i] = at - len(raw) + body, len(raw) - body
        else:
            parts.append(data)
            cols[3:, i] = at, len(data)
            at += len(data)
    buf = np.frombuffer(b"".join(parts), dtype=np.uint8)
    return PieceMessages(seg, kind, cols[0], cols[1], cols[2], cols[3], cols[4], buf)


def header_value(head: bytes, name: bytes) -> bytes | None:
    """The value of the first header line named ``name`` (lower case, with its colon;
    compared case-insensitively) in a header block, leading blanks and tabs removed."""
    for line in head.split(b"\n")[1:]:
        if line[: len(name)].lower() == name:
            return line[len(name):].strip(b"\r").lstrip(b" \t")
    return None


def _dechunk(raw: bytes) -> bytes:
    """A chunked body's data (RFC 9112 §7.1): each chunk-size line (hex, extensions after
    ``;``), its data and line end, up to the last chunk; what cannot be read ends it."""
    out = []
    i = 0
    while i < len(raw):
        eol = raw.find(b"\n", i)
        if eol < 0:
            break
        size_text = raw[i:eol].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            break
        if size <= 0:
            break
        out.append(raw[eol + 1: eol + 1 + size])
        i = eol + 1 + size
        i = raw.find(b"\n", i) + 1 if raw.find(b"\n", i) >= 0 else len(raw)
    return b"".join(out)


def _inflate(data: bytes, coding: bytes) -> bytes | None:
    """``data`` decompressed for Content-Encoding gzip or deflate (tshark's
    tvb_child_uncompress; at most :data:`INFLATE_LIMIT` bytes), None when it cannot be."""
    wbits = {b"gzip": 16 + zlib.MAX_WBITS, b"x-gzip": 16 + zlib.MAX_WBITS, b"deflate": zlib.MAX_WBITS}.get(coding)
    if wbits is None:
        return None
    try:
        d = zlib.decompressobj(wbits)
        return d.decompress(data, INFLATE_LIMIT)
    except zlib.error:
        return None


#: The names of the data sources HTTP builds from a body (packet-http.c's tvb names)
DECHUNKED, UNCOMPRESSED = "De-chunked entity body", "Uncompressed entity body"


def body_sources(head: bytes, raw: bytes) -> list[tuple[str, bytes]]:
    """BODY SOURCES: the buffers HTTP builds from a message's raw body, each a data source
    of the frame that completes the message (``tshark -x`` dumps them after the frame's
    bytes): the chunks' data when Transfer-Encoding is chunked (:data:`DECHUNKED`), then
    that inflated for a gzip or deflate Content-Encoding (:data:`UNCOMPRESSED`, only when
    it inflates), in that order; none for a body HTTP hands on as it came, nor for a
    message with no body (a response to HEAD, or 1xx, 204, 304, whatever its headers say)."""
    te = header_value(head, b"transfer-encoding:")
    ce = header_value(head, b"content-encoding:")
    out = []
    data = raw
    if te is not None and te.lower() == b"chunked" and raw:
        data = _dechunk(raw)
        out.append((DECHUNKED, data))
    if ce is not None and data:
        inflated = _inflate(data, ce.strip().lower())
        if inflated is not None:
            out.append((UNCOMPRESSED, inflated))
    return out


def decode_body(head: bytes, raw: bytes) -> bytes | None:
    """A body as tshark hands it on (the last of its :func:`body_sources`); None when that
    is the raw body itself."""
    sources = body_sources(head, raw)
    data = sources[-1][1] if sources else raw
    return None if data == raw else data
