"""Fields the display-filter language needs that the dissectors do not declare.

* Protocols as fields (FT_PROTOCOL, ``proto_register_protocol``): ``frame``, ``eth``,
  ``ip``, ``tcp`` ... exist in every frame that has them, and their value is the
  bytes the protocol item spans, as ``tshark -T pdml`` shows them (``size`` at
  ``pos``): ``frame`` the captured frame, ``eth`` 14 bytes, ``vlan`` 4, ``sll`` 16
  (SLL2: 20), ``ip`` its header (IHL * 4), ``ipv6`` its header and extension
  headers, ``tcp`` its header (data offset * 4), ``udp`` 8. ``contains`` and
  ``matches`` search the protocol's whole tvb (ftype-protocol.c ``cmp_contains``
  uses ``tvb_find_tvb`` on the tvb, not the item), which runs from the header to
  the end of the frame (link layers) or of the IP datagram (IP and above).
  Protocols that tcpscope only names (ARP, ICMP, ICMPv6, data, ...) exist, but
  their bytes are not known: their value is empty.
* ``frame.time`` (FT_ABSOLUTE_TIME), ``frame.protocols`` (FT_STRING, the ``:``-joined
  protocol stack, packet-frame.c), ``tcp.payload`` (FT_BYTES, packet-tcp.c: the
  segment's data when it has any).

:func:`span_values` gives the filter compiler what the ``Values`` of a protocol
cannot hold: which buffer each span is in, and the searchable extent.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.dissect.protocols import PROTO_NAMES
from tcpscope.table.access import spans_values
from tcpscope.table.layers import Layer
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import Base, FieldDef, FieldType
from tcpscope.table.values import Values

__all__ = ["FILTER_FIELDS", "Spans", "frame_protocols", "span_values"]

FT = FieldType
#: (frame, [start, length] per value, buffer number, searchable extent, layer number)
Spans = tuple[Index, Index, np.ndarray, Index, Index]


def _frame_end(t: PacketTable, pkt: Index) -> Index:
    r = t.records
    out: Index = (r.offset[pkt] + r.caplen[pkt]).astype(np.int64)
    return out


def _cols(lt: Layer) -> tuple[Index, np.ndarray]:
    start = np.asarray(lt.cols["_start"], dtype=np.int64)
    buf = np.asarray(lt.cols["_buf"], dtype=np.int8)
    return start, buf


def _frame_spans(t: PacketTable) -> Spans:
    pkt = np.arange(t.n, dtype=np.int64)
    start = t.records.offset.astype(np.int64)
    length = t.records.caplen.astype(np.int64)
    span = np.stack([start, length], axis=1)
    return pkt, span, np.zeros(t.n, dtype=np.int8), length, np.ones(t.n, dtype=np.int64)


def _fixed(name: str, size: Callable[[Layer], Array]) -> Callable[[PacketTable], Spans | None]:
    """A link-layer header of known size; its tvb runs to the end of the captured frame."""

    def get(t: PacketTable) -> Spans | None:
        lt = t.layer(name)
        if len(lt) == 0 or "_start" not in lt.cols:
            return None
        start, buf = _cols(lt)
        end = np.where(buf == 0, _frame_end(t, lt.pkt), start + np.asarray(size(lt), dtype=np.int64))
        ext = np.maximum(end - start, 0)
        length = np.minimum(np.asarray(size(lt), dtype=np.int64), ext)
        return lt.pkt, np.stack([start, length], axis=1), buf, ext, lt.layer.astype(np.int64)

    return get


def _sll_size(lt: Layer) -> Array:
    return np.where(np.asarray(lt.cols["version"]) == 2, 20, 16)


def _ip_spans(t: PacketTable) -> Spans | None:
    lt = t.layer("ip")
    if len(lt) == 0 or "hdr_len" not in lt.cols:
        return None
    keep = np.asarray(lt.cols["version"]) == 4
    start, buf = _cols(lt)
    hlen = np.asarray(lt.cols["hdr_len"], dtype=np.int64)
    total = np.asarray(lt.cols["len"], dtype=np.int64)
    cap_end = np.where(buf == 0, _frame_end(t, lt.pkt), start + total)
    ext = np.clip(np.minimum(total, cap_end - start), 0, None)
    ext = np.maximum(ext, np.minimum(hlen, cap_end - start))
    length = np.clip(np.minimum(hlen, cap_end - start), 0, None)
    span = np.stack([start, length], axis=1)
    return lt.pkt[keep], span[keep], buf[keep], ext[keep], lt.layer[keep].astype(np.int64)


def _ipv6_spans(t: PacketTable) -> Spans | None:
    lt = t.layer("ipv6")
    if len(lt) == 0:
        return None
    start, buf = _cols(lt)
    cap_end = np.where(buf == 0, _frame_end(t, lt.pkt), start + 40 + np.asarray(lt.cols["plen"], dtype=np.int64))
    # header plus extension headers: up to the start of the next decoded header of the frame
    nxt = np.full(len(lt), -1, dtype=np.int64)
    for other in ("tcp", "udp", "ip", "ipv6", "gre"):
        ot = t.layer(other)
        if len(ot) == 0 or "_start" not in ot.cols:
            continue
        ostart = np.asarray(ot.cols["_start"], dtype=np.int64)
        pos = np.searchsorted(ot.pkt, lt.pkt, side="left")
        for k in range(4):
            j = pos + k
            ok = j < len(ot)
            jj = np.where(ok, j, 0)
            same = ok & (ot.pkt[jj] == lt.pkt) & (ot.depth[jj] > lt.depth) & (ostart[jj] > start)
            cand = np.where(same, ostart[jj], -1)
            better = (cand > 0) & ((nxt < 0) | (cand < nxt))
            nxt = np.where(better, cand, nxt)
    length = np.where(nxt > 0, nxt - start, 40)
    ext = np.clip(np.minimum(40 + np.asarray(lt.cols["plen"], dtype=np.int64), cap_end - start), 0, None)
    length = np.clip(np.minimum(length, cap_end - start), 0, None)
    return lt.pkt, np.stack([start, length], axis=1), buf, np.maximum(ext, length), lt.layer.astype(np.int64)


def _with_ports(lt: Layer, spans: Spans) -> Spans:
    """The spans of the rows of a TCP or UDP layer whose header reaches past the ports: a
    header cut before them has no protocol item in tshark's tree (the dissector reads the
    ports before it adds the item, and the exception ends it), so ``tcp`` (``udp``) and its
    slices select no such frame, though frame.protocols still names the protocol."""
    keep = np.asarray(lt.cols["reach"]) >= 1
    if bool(keep.all()):
        return spans
    pkt, span, buf, ext, layer = spans
    return pkt[keep], span[keep], buf[keep], ext[keep], layer[keep]


def _tcp_spans(t: PacketTable) -> Spans | None:
    lt = t.layer("tcp")
    if len(lt) == 0:
        return None
    start, buf = _cols(lt)
    hlen = np.asarray(lt.cols["hdr_len"], dtype=np.int64)
    pay_off = np.asarray(lt.cols["payload_off"], dtype=np.int64)
    pay_cap = np.asarray(lt.cols["payload_cap"], dtype=np.int64)
    end = pay_off + pay_cap
    # within the frame, or within the buffer of reassembled datagrams (a bogus header length
    # in a reassembled datagram must not reach past its bytes)
    sizes = np.array([b.shape[0] for b in t.buffers] or [0], dtype=np.int64)
    cap = np.where(buf == 0, np.minimum(_frame_end(t, lt.pkt), np.maximum(end, start)),
                   np.minimum(np.maximum(end, start), sizes[np.clip(buf, 0, sizes.shape[0] - 1)]))
    length = np.clip(np.minimum(np.where(hlen >= 20, hlen, 20), cap - start), 0, None)
    ext = np.maximum(cap - start, length)
    return _with_ports(lt, (lt.pkt, np.stack([start, length], axis=1), buf, ext, lt.layer.astype(np.int64)))


def _udp_spans(t: PacketTable) -> Spans | None:
    lt = t.layer("udp")
    if len(lt) == 0:
        return None
    start, buf = _cols(lt)
    ulen = np.asarray(lt.cols["length"], dtype=np.int64)
    cap_end = np.where(buf == 0, _frame_end(t, lt.pkt), start + ulen)
    length = np.clip(np.minimum(8, cap_end - start), 0, None)
    ext = np.clip(np.minimum(np.maximum(ulen, 8), cap_end - start), 0, None)
    return _with_ports(lt, (lt.pkt, np.stack([start, length], axis=1), buf, ext, lt.layer.astype(np.int64)))


def _payload_spans(t: PacketTable) -> Spans | None:
    """tcp.payload (dissect_tcp_payload): the captured bytes after the header, when there are
    any, the header and its options were dissected without an exception, and RST is clear (a
    reset's data is ``tcp.reset_cause``). A first fragment that was not reassembled has a
    payload but no ``tcp.len``."""
    lt = t.layer("tcp")
    if len(lt) == 0:
        return None
    _, buf = _cols(lt)
    cap = np.asarray(lt.cols["payload_cap"], dtype=np.int64)
    has = (np.asarray(lt.cols["reach"]) >= 4) & (cap > 0) & ~np.asarray(lt.cols["opt_exception"])
    has &= ~np.asarray(lt.cols["bogus_hlen"], dtype=np.bool_) & ((np.asarray(lt.cols["flags"]) & 0x04) == 0)
    pay_off = np.asarray(lt.cols["payload_off"], dtype=np.int64)
    span = np.stack([pay_off, cap], axis=1)[has]
    return lt.pkt[has], span, buf[has], span[:, 1].copy(), lt.layer[has].astype(np.int64)


def _udp_payload_spans(t: PacketTable) -> Spans | None:
    """udp.payload (decode_udp_ports): the bytes after the header to the end of the IP
    payload, as captured, of a datagram whose length is over 8 (packet-udp.c returns
    before it under 8, and for an empty datagram); none when no byte of it was captured."""
    lt = t.layer("udp")
    if len(lt) == 0:
        return None
    start, buf = _cols(lt)
    ulen = np.asarray(lt.cols["ulen"], dtype=np.int64)
    sizes = np.array([b.shape[0] for b in t.buffers] or [0], dtype=np.int64)
    cap_end = np.where(buf == 0, _frame_end(t, lt.pkt), sizes[np.clip(buf, 0, sizes.shape[0] - 1)])
    end = np.minimum(start + np.asarray(lt.cols["rep"], dtype=np.int64), cap_end)
    length = np.clip(end - (start + 8), 0, None)
    has = (np.asarray(lt.cols["reach"]) >= 3) & ~np.asarray(lt.cols["length_short"], dtype=np.bool_) & (ulen != 8)
    has &= length > 0
    span = np.stack([start + 8, length], axis=1)[has]
    return lt.pkt[has], span, buf[has], span[:, 1].copy(), lt.layer[has].astype(np.int64)


_SPANS: dict[str, Callable[[PacketTable], Spans | None]] = {
    "frame": _frame_spans,
    "eth": _fixed("eth", lambda lt: np.full(len(lt), 14)),
    "vlan": _fixed("vlan", lambda lt: np.full(len(lt), 4)),
    "sll": _fixed("sll", _sll_size),
    "null": _fixed("null", lambda lt: np.full(len(lt), 4)),
    "ip": _ip_spans,
    "ipv6": _ipv6_spans,
    "tcp": _tcp_spans,
    "udp": _udp_spans,
    "tcp.payload": _payload_spans,
    "udp.payload": _udp_payload_spans,
}


def span_values(name: str, table: PacketTable) -> Spans | None:
    """Spans with buffer numbers and extents for a protocol or byte field, or None."""
    get = _SPANS.get(name)
    if get is None:
        return None
    got = get(table)
    if got is None:
        z = np.zeros(0, dtype=np.int64)
        return z, np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int8), z, z
    return got


def _span_getter(name: str) -> Callable[[PacketTable], Values]:
    def get(t: PacketTable) -> Values:
        got = span_values(name, t)
        assert got is not None
        pkt, span, buf, _, layer = got
        return spans_values(t, pkt, span, buf.astype(np.int64), layer)

    return get


def _stack_getter(name: str) -> Callable[[PacketTable], Values]:
    """A protocol tcpscope only records in the stack: present, with no known bytes."""
    code = PROTO_NAMES.index(name)

    def get(t: PacketTable) -> Values:
        st = t.layer("_stack")
        if len(st) == 0:
            return Values.empty(np.int64, 2)
        rows = np.flatnonzero(np.asarray(st.cols["proto"]) == code)
        pkt = st.pkt[rows]
        layer = np.ones(rows.shape[0], dtype=np.int32)
        if rows.shape[0] > 1:
            same = np.zeros(rows.shape[0], dtype=np.bool_)
            same[1:] = pkt[1:] == pkt[:-1]
            idx = np.arange(rows.shape[0])
            first = np.maximum.accumulate(np.where(~same, idx, 0))
            layer = (idx - first + 1).astype(np.int32)
        return Values(pkt, np.zeros((rows.shape[0], 2), dtype=np.int64), layer)

    return get


def _frame_protocols(t: PacketTable) -> Values:
    """frame.protocols: the names of the frame's protocols, outermost first, joined by ':'."""
    return Values(np.arange(t.n, dtype=np.int64), frame_protocols(t))


def frame_protocols(t: PacketTable, frames: Index | None = None) -> Array:
    """frame.protocols of each frame of ``frames`` (0-based, increasing; default: every
    frame of ``t``), reading those frames' protocol rows and HTTP messages only."""
    st = t.layer("_stack")
    n = t.n if frames is None else frames.shape[0]
    if len(st) == 0:
        return np.full(n, "", dtype=np.str_)
    code = np.asarray(st.cols["proto"], dtype=np.int64) + 1
    pkt = st.pkt
    if frames is not None:  # the frames' rows, each frame numbered by its place in ``frames``
        a, b = np.searchsorted(pkt, frames, side="left"), np.searchsorted(pkt, frames, side="right")
        sizes = b - a
        rows = np.repeat(a - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()), dtype=np.int64)
        code, pkt = code[rows], np.repeat(np.arange(n, dtype=np.int64), sizes)
    counts = np.bincount(pkt, minlength=n)
    first = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=first[1:])
    pos = np.arange(pkt.shape[0], dtype=np.int64) - first[pkt]
    width = int(counts.max()) if n else 0
    if width <= 12 and len(PROTO_NAMES) < 31:  # up to 12 protocols of at most 31 codes: one int64 key per frame
        key = np.zeros(n, dtype=np.int64)
        np.add.at(key, pkt, code << (5 * pos))
        uniq_keys, inv = np.unique(key, return_inverse=True)
        found = [[(int(k) >> (5 * i)) & 31 for i in range(width)] for k in uniq_keys.tolist()]
    else:
        grid = np.zeros((n, width), dtype=np.int64)
        grid[pkt, pos] = code
        uniq, inv = np.unique(grid, axis=0, return_inverse=True)
        found = uniq.tolist()
    names = np.array([":".join(PROTO_NAMES[c - 1] for c in row if c) for row in found], dtype=np.str_)
    return _with_http(t, names[inv.reshape(-1)], frames)


# ---- frame.protocols: HTTP, which the analysis frames above TCP ----


def _with_http(t: PacketTable, names: np.ndarray, frames: Index | None) -> np.ndarray:
    """``names`` (the protocols of ``frames`` as dissected) with what HTTP framing adds:
    the ``data`` after ``tcp`` of a payload HTTP claims dropped, ``:http...`` per message."""
    from tcpscope.analysis.http_fields import stack_above_tcp  # (HTTP's modules only for frame.protocols)

    claimed, pkt, texts = stack_above_tcp(t, frames)
    if claimed.shape[0] == 0 and pkt.shape[0] == 0:
        return names
    if frames is not None:  # (each frame's place in ``frames``)
        claimed, pkt = np.searchsorted(frames, claimed), np.searchsorted(frames, pkt)
    out = names.astype(object)
    for f in np.unique(claimed).tolist():
        if out[f].endswith(":tcp:data"):
            out[f] = out[f][: -len(":data")]
    for f, text in zip(pkt.tolist(), texts, strict=True):
        out[f] = out[f] + ":" + text
    return np.array(out.tolist(), dtype=np.str_)


def _protocol_fields() -> list[FieldDef]:
    out = []
    for name in ("frame", *PROTO_NAMES):
        get = _span_getter(name) if name in _SPANS else _stack_getter(name)
        out.append(FieldDef(name, FT.PROTOCOL, get, name,
                            description=f"The frame's {name} layer, when it has one: its bytes."))
    return out


def _arrival_time(t: PacketTable) -> Values:
    """frame.time (packet-frame.c, ABSOLUTE_TIME_LOCAL): added only to frames with a time stamp."""
    has = t.records.has_ts
    pkt = np.arange(t.n, dtype=np.int64) if has is None else np.flatnonzero(has).astype(np.int64)
    return Values(pkt, t.ts_ns[pkt].astype(np.int64))


FILTER_FIELDS: tuple[FieldDef, ...] = (
    *_protocol_fields(),
    FieldDef("frame.time", FT.ABSOLUTE_TIME, _arrival_time, "Arrival Time", Base.LOCAL,
             description="Absolute time when this frame was captured."),
    FieldDef("frame.protocols", FT.STRING, _frame_protocols, "Protocols in frame",
             description="Protocols carried by this frame, outermost first, separated by colons."),
    FieldDef("tcp.payload", FT.BYTES, _span_getter("tcp.payload"), "TCP payload", Base.NONE,
             description="The TCP payload of this packet."),
    FieldDef("udp.payload", FT.BYTES, _span_getter("udp.payload"), "Payload", Base.NONE,
             description="The UDP payload of this packet."),
)
