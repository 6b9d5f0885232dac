"""The bytes pane: each frame's bytes in hex and ASCII, as ``tshark -x`` prints them.

tshark (epan/print.c ``print_hex_data``) dumps every *data source* of a frame: the frame's
own bytes, then each buffer a dissector built (here the IP datagrams reassembled from
fragments, "Reassembled IPv4" / "Reassembled IPv6"; an HTTP message, TLS record or DNS
message TCP reassembled from several segments, "Reassembled TCP"; an HTTP body de-chunked
and uncompressed, "De-chunked entity body" / "Uncompressed entity body"). A frame with one
source gets its lines alone; a frame with several gets each block under a line naming
the source and its length (``Frame (166 bytes):``, ``byte`` for one). A source of no
bytes ends the frame's dump there (a frame of 0 captured bytes prints nothing). tshark.c
``print_packet`` then ends every frame with an empty line.

One line per 16 bytes (``print_hex_data_buffer``): the offset in 4 hex digits (as many
as the source's last offset needs, up to 8), two spaces, each byte as two lowercase hex
digits and a space, padded to 16 bytes' width, two spaces, and each byte as its ASCII
character (``.`` unless 0x20-0x7e); nothing after the last character.

The API, for ``tcpscope show -x`` and whatever else shows bytes:

* :func:`hex_dump` -- one buffer's lines;
* :func:`data_sources` and :func:`sources_dump` -- one frame's sources, and their dump;
* :func:`hex_dumps` -- the text ``tshark -x`` prints for each of many frames (the dump
  and its closing empty line), formatted with numpy a batch of lines at a time. With
  ``-V``, tshark prints the tree, an empty line, then that text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from tcpscope._types import Array, Index
from tcpscope.dissect.pipeline import REASSEMBLED
from tcpscope.table.packets import PacketTable

__all__ = ["DUMP_LINE", "DataSource", "data_sources", "hex_dump", "hex_dump_many", "hex_dumps", "offset_digits", "source_title", "sources_dump"]

#: Bytes on one line of the dump
BYTES_PER_LINE = 16
#: Lines formatted together by :func:`hex_dumps` (bounds its memory: about 200 bytes a line)
BATCH_LINES = 1 << 16

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_SPACE, _DOT, _NEWLINE = ord(" "), ord("."), ord("\n")
# a line laid out with all 8 offset digits: the digits, 2 spaces, 16 x "xx ", 2 spaces, the
# ASCII column, and room for the newline; shorter offsets drop leading digits
_HEX_AT = 8 + 2
_ASCII_AT = _HEX_AT + 3 * BYTES_PER_LINE + 2
_WIDTH = _ASCII_AT + BYTES_PER_LINE + 1
#: Index past the byte values: a cell past a line's last byte, written as spaces
_PAST = 256
#: Each byte value's hex cell ("xx "), and its ASCII column character (print_hex_data_buffer:
#: the character itself from 0x20 to 0x7e, else "."); then _PAST's
_HEX_CELL = np.array([[_HEX[v >> 4], _HEX[v & 0xF], _SPACE] for v in range(256)] + [[_SPACE] * 3], dtype=np.uint8)
_ASCII_CELL = np.array([v if 0x20 <= v < 0x7F else _DOT for v in range(256)] + [_SPACE], dtype=np.uint8)


class DataSource(NamedTuple):
    """One data source of a frame: its name as tshark gives it, and its bytes."""

    name: str
    data: bytes


def offset_digits(length: Array) -> Array:
    """Digits of the offsets of a source of ``length`` bytes (print_hex_data_buffer): 4,
    or as many as the last offset, ``length - 1``, needs (up to 8)."""
    last = np.maximum(np.asarray(length, dtype=np.int64) - 1, 0) & 0xFFFFFFFF
    digits = np.full(last.shape, 4, dtype=np.int64)
    for d in (5, 6, 7, 8):
        digits[last >= 1 << (4 * (d - 1))] = d
    return digits


def _render(data: NDArray[np.uint8], starts: Index, lengths: Index,
            batch_lines: int = BATCH_LINES) -> tuple[bytes, Index]:
    """The lines of the buffers ``data[start:start + length]``, one after the other, and
    where each buffer's text ends in them (a buffer of no bytes has no lines)."""
    nlines = (lengths + BYTES_PER_LINE - 1) // BYTES_PER_LINE
    src = np.repeat(np.arange(lengths.shape[0], dtype=np.int64), nlines)
    first = np.cumsum(nlines) - nlines
    offset = (np.arange(src.shape[0], dtype=np.int64) - first[src]) * BYTES_PER_LINE
    count = np.minimum(BYTES_PER_LINE, lengths[src] - offset)  # bytes on each line
    digits = offset_digits(lengths)[src]
    line_len = _ASCII_AT + count + 1 - (8 - digits)
    ends = np.cumsum(np.bincount(src, weights=line_len, minlength=lengths.shape[0]).astype(np.int64))
    step = max(1, batch_lines)
    text = b"".join(_lines(data, starts[src[i:i + step]] + offset[i:i + step], offset[i:i + step],
                           count[i:i + step], digits[i:i + step])
                    for i in range(0, src.shape[0], step))
    return text, ends


def _lines(data: NDArray[np.uint8], at: Index, offset: Index, count: Index, digits: Index) -> bytes:
    """Lines of ``count`` bytes from ``data[at]`` on, labelled ``offset`` in ``digits`` digits."""
    n = at.shape[0]
    cols = np.arange(BYTES_PER_LINE, dtype=np.int64)
    valid = cols[None, :].astype(np.int16) < count.astype(np.int16)[:, None]
    b = np.where(valid, data[np.where(valid, at[:, None] + cols[None, :], 0)].astype(np.int16),
                 np.int16(_PAST))  # each byte, or _PAST
    out = np.empty((n, _WIDTH), dtype=np.uint8)
    for d in range(8):
        out[:, d] = _HEX[(offset >> (4 * (7 - d))) & 0xF]
    out[:, 8:_HEX_AT] = _SPACE
    out[:, _HEX_AT:_ASCII_AT - 2].reshape(n, BYTES_PER_LINE, 3)[:] = _HEX_CELL[b]
    out[:, _ASCII_AT - 2:_ASCII_AT] = _SPACE
    out[:, _ASCII_AT:_ASCII_AT + BYTES_PER_LINE] = _ASCII_CELL[b]
    out[:, -1] = _SPACE
    out[np.arange(n), _ASCII_AT + count] = _NEWLINE
    pos = np.arange(_WIDTH, dtype=np.int16)[None, :]  # (narrow types: this mask is the largest array)
    keep = (pos >= (8 - digits).astype(np.int16)[:, None]) & (pos <= (_ASCII_AT + count).astype(np.int16)[:, None])
    return out[keep].tobytes()


def hex_dump(data: bytes | NDArray[np.uint8]) -> str:
    """One buffer's lines as print_hex_data_buffer writes them, each ending in a newline
    (``""`` for no bytes)."""
    buf = np.frombuffer(bytes(data), dtype=np.uint8)
    if buf.shape[0] == 0:
        return ""
    text, _ = _render(buf, np.zeros(1, dtype=np.int64), np.array([buf.shape[0]], dtype=np.int64))
    return text.decode("ascii")


def hex_dump_many(buffers: Sequence[bytes]) -> list[str]:
    """:func:`hex_dump` of each buffer, formatted together (one numpy pass for all)."""
    if not buffers:
        return []
    lengths = np.array([len(b) for b in buffers], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    data = np.frombuffer(b"".join(buffers), dtype=np.uint8)
    if data.shape[0] == 0:
        return [""] * len(buffers)
    text, ends = _render(data, starts, lengths)
    cuts = [0, *ends.tolist()]
    decoded = text.decode("ascii")
    return [decoded[a:b] for a, b in itertools.pairwise(cuts)]


def source_title(name: str, length: int) -> str:
    """The line naming a source when a frame has several (get_data_source_name)."""
    return f"{name} ({length} byte{'' if length == 1 else 's'}):\n"


def sources_dump(sources: Sequence[DataSource]) -> str:
    """A frame's dump (print_hex_data): its one source's lines, or each source's under its
    title; a source of no bytes ends it."""
    parts = []
    for s in sources:
        if len(sources) > 1:
            parts.append(source_title(s.name, len(s.data)))
        if not s.data:
            break
        parts.append(hex_dump(s.data))
    return "".join(parts)


_IP_NAMES = {4: "Reassembled IPv4", 6: "Reassembled IPv6"}
#: The source of a PDU TCP reassembled from several segments (packet-tcp.c's tvb name)
REASSEMBLED_TCP = "Reassembled TCP"


def _reassembled(table: PacketTable, frames: Index) -> dict[int, list[DataSource]]:
    """The datagrams reassembled in each of ``frames`` (by position in ``frames``), in the
    order they were."""
    rows = table.frame_cols.get(REASSEMBLED)
    out: dict[int, list[DataSource]] = {}
    if rows is None or rows.shape[0] == 0:
        return out
    bufs = _buffers(table)
    where = {f: k for k, f in enumerate(frames.tolist())}
    for pkt, buf, start, length, version in rows.tolist():
        k = where.get(pkt)
        if k is not None:
            out.setdefault(k, []).append(DataSource(_IP_NAMES[version], bytes(bufs[buf][start:start + length])))
    return out


def _http_sources(table: PacketTable, frames: Index) -> dict[int, list[DataSource]]:
    """HTTP SOURCES: the buffers built for the HTTP messages each of ``frames`` completes
    (by position in ``frames``), in the order they were: a message TCP reassembled from
    several segments (:data:`REASSEMBLED_TCP`, its bytes), then its body's decoded
    buffers (``analysis.http_messages.body_sources``: de-chunked, uncompressed)."""
    if "tcp" not in table.layers or "stream" not in table.layer("tcp").cols or len(table.layer("tcp")) == 0:
        return {}
    # (imported here: the HTTP framing is needed only for frames that carry TCP payload)
    from tcpscope.analysis.http_fields import LAYER, message_table
    from tcpscope.analysis.http_messages import body_sources
    from tcpscope.views.tree_tcp_reassembled import reassembled_pdus

    t = message_table(table)
    if LAYER not in t.layers or len(t.layer(LAYER)) == 0:
        return {}
    lt = t.layer(LAYER)
    c = lt.cols
    pdus = reassembled_pdus(table)
    by_frame = {int(table.layer("tcp").pkt[row]): pdu.data for row, pdu in pdus.items()}
    where = {f: k for k, f in enumerate(frames.tolist())}
    out: dict[int, list[DataSource]] = {}
    rows = np.flatnonzero(np.isin(lt.pkt, frames))
    for m, frame in zip(rows.tolist(), lt.pkt[rows].tolist(), strict=True):
        got = out.setdefault(where[frame], [])
        data = by_frame.pop(frame, None)
        if data is not None:
            got.append(DataSource(REASSEMBLED_TCP, data))
        buf, start, body, end = (int(c[k][m]) for k in ("buf", "start", "body", "end"))
        whole = t.buffers[buf]
        got += [DataSource(name, decoded) for name, decoded in
                body_sources(whole[start:body].tobytes(), whole[body:end].tobytes())]
    return {k: v for k, v in out.items() if v}


def _app_sources(table: PacketTable, frames: Index) -> dict[int, list[DataSource]]:
    """APP SOURCES: the TLS record or DNS message TCP reassembled from several segments
    that each of ``frames`` completes (by position in ``frames``), :data:`REASSEMBLED_TCP`
    with its bytes (``views.tree_pdu_reassembled``, the tree's own; a PDU whose tree is
    not written there, its header split, has no bytes known and no source here)."""
    if "tcp" not in table.layers or "stream" not in table.layer("tcp").cols or len(table.layer("tcp")) == 0:
        return {}
    # (imported here: the TLS/DNS framing is needed only for frames that carry TCP payload)
    from tcpscope.views.tree_pdu_reassembled import UNWRITTEN, app_reassemblies

    found = app_reassemblies(table)
    if not found:
        return {}
    pkt = table.layer("tcp").pkt
    where = {f: k for k, f in enumerate(frames.tolist())}
    out: dict[int, list[DataSource]] = {}
    for row, (_tls, pdu) in found.items():
        k = where.get(int(pkt[row]))
        if k is not None and pdu is not UNWRITTEN:
            out.setdefault(k, []).append(DataSource(REASSEMBLED_TCP, pdu.data))
    return out


def _more_sources(table: PacketTable, frames: Index) -> dict[int, list[DataSource]]:
    """The sources of each of ``frames`` after its own bytes: its reassembled datagrams,
    then the buffers HTTP built (:func:`_http_sources`) and the TLS record or DNS message
    it completes (:func:`_app_sources`)."""
    out = _reassembled(table, frames)
    for extra in (_http_sources(table, frames), _app_sources(table, frames)):
        for k, more in extra.items():
            out.setdefault(k, []).extend(more)
    return out


def _buffers(table: PacketTable) -> tuple[NDArray[np.uint8], ...]:
    return table.buffers or (table.data,)


def data_sources(table: PacketTable, frame: int) -> list[DataSource]:
    """The data sources of frame index ``frame``, with their bytes: the frame's own, then
    the datagrams reassembled in it and the buffers HTTP, TLS and DNS built (:func:`_more_sources`)."""
    r = table.records
    start, n = int(r.offset[frame]), int(r.caplen[frame])
    own = DataSource("Frame", bytes(_buffers(table)[0][start:start + n]))
    return [own, *_more_sources(table, np.array([frame], dtype=np.int64)).get(0, [])]


def hex_dumps(table: PacketTable, frames: Index | None = None, batch_lines: int = BATCH_LINES) -> Iterator[str]:
    """For each of ``frames`` (default: every frame), the text ``tshark -x`` prints for it:
    its dump (:func:`sources_dump`) and an empty line; formatted ``batch_lines`` lines at
    a time."""
    sel = np.arange(table.n, dtype=np.int64) if frames is None else np.asarray(frames, dtype=np.int64)
    lines = np.cumsum((table.records.caplen[sel].astype(np.int64) + 15) // 16)  # the frames' own lines
    at = 0
    while at < sel.shape[0]:
        done = int(lines[at - 1]) if at else 0
        stop = max(at + 1, int(np.searchsorted(lines, done + batch_lines, side="right")))
        yield from _batch(table, sel[at:stop], batch_lines)
        at = stop


def _batch(table: PacketTable, frames: Index, batch_lines: int) -> Iterator[str]:
    """The texts of ``frames``: their own bytes rendered at once, the few reassembled
    datagrams one by one, then each frame's pieces joined."""
    bufs = _buffers(table)
    r = table.records
    text, ends = _render(bufs[0], r.offset[frames].astype(np.int64), r.caplen[frames].astype(np.int64), batch_lines)
    whole = text.decode("ascii")
    caplen = r.caplen[frames].tolist()
    more = _more_sources(table, frames)
    begin = 0
    for k, end in enumerate(ends.tolist()):
        own = whole[begin:end]
        begin = end
        extra = more.get(k)
        if extra is None:
            yield own + "\n"
            continue
        parts = [source_title("Frame", caplen[k]), own]
        if caplen[k]:
            for source in extra:
                parts.append(source_title(source.name, len(source.data)))
                if not source.data:
                    break
                parts.append(hex_dump(source.data))
        yield "".join(parts) + "\n"


#: A line of a hex dump in a tree's text (the data protocol's bytes under its line)
DUMP_LINE = re.compile(r"[0-9a-f]{4,}  ")

