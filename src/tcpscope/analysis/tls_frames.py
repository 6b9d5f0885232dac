"""TLS records and DNS messages above TCP, framed as tshark 4.0.17 frames them in one pass,
a piece of a capture at a time (reference/pdu-framing.md §1, §4, §5).

Which streams (``decode_tcp_ports`` with tshark's port table, ``tshark -G decodes``):
a stream whose lower port is TLS's or DNS's, or whose higher port is when the lower one
is no HTTP port (HTTP's framing, :mod:`tcpscope.analysis.http`, takes those); and, on
ports no dissector claims, from the segment the TLS heuristic takes on
(:mod:`tcpscope.analysis.tls_heuristic`). The server port learnt from the SYN, which
tshark tries first, is not applied.

:class:`PduFramer` runs the kernel of :mod:`tcpscope.analysis.tls_framing` over a
piece's segments and reads the events it writes, one Python step per PDU: TLS records
through each conversation's :class:`~tcpscope.analysis.tls.TlsSession`, DNS messages
through :func:`~tcpscope.dissect.dns.parse_dns`. Out come, per segment the list shows
otherwise than TCP's own line, its Protocol and Info (:class:`AppSegments`), and the
fields of the records and messages as layers (:func:`with_app`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from tcpscope._types import Array, Index, Mask
from tcpscope.analysis.follow import fed_rows, gather_payload
from tcpscope.analysis.http import HTTP_PORTS
from tcpscope.analysis.layout import (
    A_FAST_RETRANSMISSION,
    A_KEEP_ALIVE,
    A_LOST_PACKET,
    A_OUT_OF_ORDER,
    A_RETRANSMISSION,
    A_ZERO_WINDOW_PROBE,
)
from tcpscope.analysis.tls import IGNORING_VERSIONS, UNWRITTEN, RecordItem, TlsSession, version_name
from tcpscope.analysis.tls_framing import (
    EV_BYTES,
    EV_CUT,
    EV_JUNK,
    KIND_DNS,
    KIND_TLS,
    SHOW_APP,
    SHOW_BARE_MARK,
    SHOW_TCP_MARK,
    frame_pdus,
    fresh_state,
    grown,
)
from tcpscope.analysis.tls_heuristic import heuristic_tls, registered
from tcpscope.constants import RST, SYN
from tcpscope.dissect.dns import DnsMessage, message_columns, parse_dns, question_columns, record_columns
from tcpscope.dissect.protocols import PROTO_CODE
from tcpscope.table.layers import Layer
from tcpscope.table.packets import PacketTable

__all__ = [
    "DNS_PORTS",
    "LAYER",
    "SHOW_APP",
    "SHOW_BARE_MARK",
    "SHOW_TCP_MARK",
    "TLS_PORTS",
    "AppSegments",
    "PduFramer",
    "app_segments",
    "needs_framing",
    "with_app",
]

#: TCP ports tshark 4.0.17 hands to TLS (``tshark -G decodes``: ssl_dissector_add and
#: tls.port registrations)
TLS_PORTS = (324, 443, 465, 636, 802, 853, 993, 995, 1300, 2221, 2443, 3249, 3250, 3251, 3252, 3496, 5061, 5671,
             5684, 5868, 8883, 11207, 19999, 27017)
#: TCP ports tshark hands to DNS
DNS_PORTS = (53, 5353)

_MOD = 0xFFFFFFFF
#: Analysis flags that stop the framing of a direction (as HTTP's)
_STOP_FLAGS = A_OUT_OF_ORDER | A_FAST_RETRANSMISSION | A_ZERO_WINDOW_PROBE
#: Analysis flags of segments TCP hands to no dissector, heuristics included
_NOT_HANDED = A_RETRANSMISSION | A_OUT_OF_ORDER | A_KEEP_ALIVE


@dataclass(frozen=True)
class AppSegments:
    """How the list shows the ``tcp`` rows TLS or DNS framing claims: the row, its
    ``SHOW_*`` kind, its Protocol and the Info after the analysis prefixes (for
    SHOW_APP; empty otherwise), and the protocols TLS or DNS add to ``frame.protocols``
    there (``tls``, ``tls:tls``; '' : none)."""

    row: Index
    show: Array
    proto: list[str]
    text: list[str]
    stack: list[str]


def needs_framing(names: Iterable[str]) -> bool:
    """Whether fields ``names`` need the TLS and DNS framing: theirs, and
    ``frame.protocols``, which names ``tls`` and ``dns`` and leaves out the ``data`` TCP
    holds for them."""
    return any(n == "frame.protocols" or n.split(".", 1)[0] in ("tls", "dns") for n in names)


def _kind(sport: Array, dport: Array) -> Array:
    """Each row's framing (KIND_TLS, KIND_DNS, 0): the lower port's dissector, else
    the higher port's when the lower one is not HTTP's. (Ports are looked up in a table of
    the port range, ``kind="table"``: numpy's default sorts a few rows with ``np.unique``,
    which imports ``numpy.ma``: some 10 ms of the start-up of ``list`` on a small capture.)"""
    low, high = np.minimum(sport, dport), np.maximum(sport, dport)
    out = np.zeros(sport.shape[0], dtype=np.int64)
    for port, blocks in ((high, np.isin(low, HTTP_PORTS, kind="table")), (low, np.zeros(sport.shape[0], dtype=np.bool_))):
        out = np.where(np.isin(port, TLS_PORTS, kind="table") & ~blocks, KIND_TLS, out)
        out = np.where(np.isin(port, DNS_PORTS, kind="table") & ~blocks, KIND_DNS, out)
    return out


@dataclass
class _Found:
    """What a piece's events gave: per segment the items and protocol, and the fields."""

    items: dict[int, list[str]] = field(default_factory=dict)
    proto: dict[int, str] = field(default_factory=dict)
    resumed: set[int] = field(default_factory=set)  # segments whose first PDU is fenced off
    cut: set[int] = field(default_factory=set)  # per segment: segments that end inside a TLS record
    records: list[tuple[int, RecordItem]] = field(default_factory=list)
    messages: list[tuple[int, DnsMessage]] = field(default_factory=list)


class PduFramer:
    """TLS and DNS framing of a capture given an analysed table at a time, in capture
    order (module docstring): the kernel's state per direction, the bytes of each
    direction's open PDU and each conversation's TLS session carry from one to the next.
    ``desegment``: False frames each segment alone, as tshark does with
    ``tcp.desegment_tcp_streams:FALSE``."""

    def __init__(self, desegment: bool = True) -> None:
        self.desegment = desegment
        self._st = fresh_state(0)
        self._open: dict[int, bytearray] = {}
        self._sessions: dict[int, TlsSession] = {}
        self._heur: dict[int, int] = {}  # stream -> the row the TLS heuristic bound it at

    def feed(self, table: PacketTable) -> tuple[AppSegments, _Found, Index]:
        """How the list shows the frames of ``table`` that TLS or DNS framing claims,
        with the records and messages read (for :func:`with_app`)."""
        tcp = table.layer("tcp")
        empty = (AppSegments(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8), [], [], []), _Found(),
                 np.zeros(0, dtype=np.int64))
        if len(tcp) == 0 or "stream" not in tcp.cols:
            return empty
        c = tcp.cols
        fed = fed_rows(table) & (np.asarray(c["len"]) > 0)
        kind_all = self._heuristic(table, fed, _kind(np.asarray(c["srcport"], dtype=np.int64),
                                                     np.asarray(c["dstport"], dtype=np.int64)))
        rows = np.flatnonzero(fed & (kind_all != 0)).astype(np.int64)
        if rows.shape[0] == 0:
            return empty
        key = np.asarray(c["stream"], dtype=np.int64)[rows] * 2 + np.asarray(c["_flow"], dtype=np.int64)[rows]
        self._grow((int(key.max()) | 1) + 1)
        flags = np.asarray(c["flags"], dtype=np.int64)[rows]
        aflags = np.asarray(c["aflags"], dtype=np.int64)[rows]
        seq = (np.asarray(c["seq"], dtype=np.int64)[rows] + ((flags & SYN) != 0)) & _MOD
        pay, start, cap = gather_payload(table, rows)
        # per segment, a segment TCP hands to no dissector is passed over, not a stop
        stop = (((aflags & (_STOP_FLAGS if self.desegment else _NOT_HANDED)) != 0) | ((flags & RST) != 0)
                | (np.asarray(c["_buf"], dtype=np.int64)[rows] != 0) | table.malformed[tcp.pkt[rows]])
        show = np.zeros(rows.shape[0], dtype=np.int8)
        calls = np.zeros(rows.shape[0], dtype=np.int8)
        fenced = np.zeros(rows.shape[0], dtype=np.bool_)
        ev = np.zeros((int(cap.sum()) + 2 * rows.shape[0] + 1, 4), dtype=np.int64)
        kind = kind_all[rows]
        k = frame_pdus(rows.shape[0], (key, kind, seq, np.asarray(c["len"], dtype=np.int64)[rows], start, cap,
                                       (aflags & A_LOST_PACKET) != 0, stop, pay), self._st, (show, calls, fenced, ev),
                       not self.desegment)
        pkt = tcp.pkt[rows]
        found = self._read(ev[:k], key, kind, table.records.first_frame + pkt + 1, pay)
        found.resumed = set(np.flatnonzero(fenced).tolist())
        return self._segments(rows, (show, calls), kind, found), found, pkt

    def _heuristic(self, table: PacketTable, fed: Mask, kind: Array) -> Array:
        """``kind`` with the conversations the TLS heuristic binds (tls_heuristic) framed
        as TLS from the segment it took on: streams whose ports no dissector claims, a
        segment TCP hands on (not a retransmission, out of order or a keep-alive)."""
        c = table.layer("tcp").cols
        sport, dport = np.asarray(c["srcport"], dtype=np.int64), np.asarray(c["dstport"], dtype=np.int64)
        stream = np.asarray(c["stream"], dtype=np.int64)
        free = fed & ~registered(sport) & ~registered(dport)
        if not free.any():
            return kind
        bound = np.isin(stream, np.array(sorted(self._heur), dtype=np.int64)) & free
        tried = np.flatnonzero(free & ~bound & ((np.asarray(c["aflags"], dtype=np.int64) & _NOT_HANDED) == 0))
        hit = tried[heuristic_tls(table, tried)]
        if hit.shape[0]:
            first_streams, first = np.unique(stream[hit], return_index=True)
            self._heur.update(zip(first_streams.tolist(), hit[first].tolist(), strict=True))
            # each row's stream's binding row (-1: none), by a search in the sorted streams
            at = np.minimum(np.searchsorted(first_streams, stream), first_streams.shape[0] - 1)
            since = np.where(first_streams[at] == stream, hit[first][at], -1)
            bound |= free & (since >= 0) & (np.arange(stream.shape[0]) >= since)
        out: Array = np.where(bound, KIND_TLS, kind)
        return out

    def _read(self, events: Array, key: Index, kind: Array, frame: Index, pay: Array) -> _Found:
        """Apply the events in order: bytes to their direction's open PDU, a complete PDU
        read (a TLS record through its session, a DNS message parsed)."""
        found = _Found()
        for s, ek, a, b in events.tolist():
            kk = int(key[s])
            if ek == EV_BYTES:
                self._open.setdefault(kk, bytearray()).extend(pay[a:a + b].tobytes())
                continue
            body = bytes(self._open.pop(kk, b""))
            items = found.items.setdefault(s, [])
            if ek == EV_CUT:  # TLS writes nothing for a record cut short; DNS's exception is not written
                if kind[s] == KIND_DNS:
                    items.append(UNWRITTEN)
                else:
                    found.cut.add(s)
                    found.proto.setdefault(s, version_name(self._sessions.setdefault(kk >> 1, TlsSession()).version))
                continue
            if kind[s] == KIND_DNS:
                msg = parse_dns(body)
                found.messages.append((s, msg))
                found.proto[s] = "DNS"
                items.append(UNWRITTEN if msg.text is None or msg.malformed else msg.text)
                continue
            session = self._sessions.setdefault(kk >> 1, TlsSession())
            found.proto.setdefault(s, version_name(session.version))
            if ek == EV_JUNK:
                ignoring = session.version in IGNORING_VERSIONS
                if a == 2 and ignoring:
                    found.cut.add(s)  # a record tried and cut short: nothing written
                elif a == 1 and ignoring:
                    items.append("Ignored Unknown Record")
                else:
                    items.append("Continuation Data")
                continue
            proto, text, record = session.record(int(frame[s]), kk & 1, (a, b & _MOD), body)
            if proto:
                found.proto[s] = proto
            items.append(text)
            found.records.append((s, record))
        return found

    @staticmethod
    def _segments(rows: Index, kinds: tuple[Array, Array], kind: Array, found: _Found) -> AppSegments:
        """Each claimed segment's Protocol, Info and protocol names in frame.protocols;
        a segment whose text tcpscope does not write is left to TCP's line."""
        show, calls = kinds
        protos: list[str] = []
        texts: list[str] = []
        stack: list[str] = []
        keep = show != 0
        for s in np.flatnonzero(keep).tolist():
            sk = int(show[s])
            name = "tls" if kind[s] == KIND_TLS else "dns"
            names = ":".join([name] * int(calls[s]))
            if sk != SHOW_APP:
                protos.append("TCP")
                texts.append("")
                stack.append(names if sk == SHOW_BARE_MARK else "")
                continue
            items = found.items.get(s, [])
            if name == "dns":
                # each message clears Info; a message completed from earlier segments is
                # fenced off from those after it in the segment
                items = items[-1:] if s not in found.resumed or len(items) < 2 else [items[0], items[-1]]
                text = "".join(items)
            else:
                text = ", ".join(items)
            if (not items and s not in found.cut) or UNWRITTEN in text:
                keep[s] = False
                continue
            protos.append(found.proto[s])
            texts.append(text)
            stack.append(names)
        return AppSegments(rows[keep], show[keep], protos, texts, stack)

    def _grow(self, keys: int) -> None:
        if keys > self._st.mode.shape[0]:
            self._st = grown(self._st, max(keys, 2 * self._st.mode.shape[0]))


#: The table layer that carries a piece's TLS and DNS framing to the views
LAYER = "_app"


def with_app(table: PacketTable, fed: tuple[AppSegments, _Found, Index]) -> PacketTable:
    """``table`` carrying its TLS and DNS framing (made with the state of the pieces
    before it): the list's layer :data:`LAYER`, the fields' layers (``_tls``,
    ``_tls_hs``, ``_dns``, ``_dns_q``, ``_dns_rr``) and ``tls``/``dns`` in the frames'
    protocols."""
    segs, found, seg_pkt = fed
    tcp = table.layer("tcp")
    pkt = tcp.pkt[segs.row]
    n = segs.row.shape[0]
    table = table.with_layer(Layer(LAYER, pkt, np.zeros(n, dtype=np.int16), np.ones(n, dtype=np.int32), {
        "row": segs.row, "show": segs.show, "proto": _objects(segs.proto), "text": _objects(segs.text)}))
    table = _with_stack(table, pkt, segs.stack)
    for layer in (*_tls_layers(found, seg_pkt), *_dns_layers(table, found, seg_pkt)):
        table = table.with_layer(layer)
    return table


def _objects(items: list[str]) -> Array:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _with_stack(table: PacketTable, pkt: Index, names: list[str]) -> PacketTable:
    """The frames' protocols: a claimed segment's payload is no ``data`` (TCP holds it
    for reassembly, or TLS or DNS read it), and TLS or DNS follow TCP where they ran."""
    st = table.layer("_stack")
    if len(st) == 0 or pkt.shape[0] == 0:
        return table
    code = np.asarray(st.cols["proto"])
    drop = np.isin(st.pkt, pkt) & (code == PROTO_CODE["data"])
    add = [(i, part) for i, name in enumerate(names) if name for part in name.split(":")]
    new_pkt = pkt[np.array([i for i, _ in add], dtype=np.int64)]
    new_code = np.array([PROTO_CODE[part] for _, part in add], dtype=code.dtype)
    all_pkt = np.concatenate([st.pkt[~drop], new_pkt])
    all_depth = np.concatenate([st.depth[~drop], np.full(new_pkt.shape[0], np.iinfo(np.int16).max, dtype=np.int16)])
    all_code = np.concatenate([code[~drop], new_code])
    order = np.lexsort((all_depth, all_pkt))
    return table.with_layer(Layer("_stack", all_pkt[order], all_depth[order].astype(st.depth.dtype),
                                  np.ones(order.shape[0], np.int32), {"proto": all_code[order]}))


def _tls_layers(found: _Found, seg_pkt: Index) -> list[Layer]:
    """The records' and handshake messages' fields, a row each."""
    recs = found.records
    rpkt = np.array([seg_pkt[s] for s, _ in recs], dtype=np.int64)
    one = np.ones(rpkt.shape[0], dtype=np.int32)
    cols = {
        "content_type": np.array([r.content_type for _, r in recs], dtype=np.int64),
        "opaque": np.array([r.opaque for _, r in recs], dtype=np.bool_),
        "version": np.array([r.version for _, r in recs], dtype=np.int64),
        "length": np.array([r.length for _, r in recs], dtype=np.int64),
    }
    hs = [(seg_pkt[s], h) for s, r in recs for h in r.handshakes]
    hpkt = np.array([p for p, _ in hs], dtype=np.int64)
    hcols = {
        "type": np.array([h.hs_type for _, h in hs], dtype=np.int64),
        "version": np.array([h.version for _, h in hs], dtype=np.int64),
        "server_name": np.array([h.server_name for _, h in hs], dtype=np.str_),
    }
    return [Layer("_tls", rpkt, np.zeros(rpkt.shape[0], dtype=np.int16), one, cols),
            Layer("_tls_hs", hpkt, np.zeros(hpkt.shape[0], dtype=np.int16), np.ones(hpkt.shape[0], np.int32), hcols)]


def _dns_layers(table: PacketTable, found: _Found, seg_pkt: Index) -> list[Layer]:
    """The messages', questions' and records' fields, a row each, beside the rows of the
    messages over UDP the dissection made."""
    msgs = found.messages
    at = [seg_pkt[s] for s, _ in msgs]
    ms = [m for _, m in msgs]
    made = (("_dns", np.array(at, dtype=np.int64), message_columns(ms, over_tcp=True)),
            ("_dns_q", np.array([p for p, m in zip(at, ms, strict=True) for _ in m.queries], dtype=np.int64),
             question_columns(ms)),
            ("_dns_rr", np.array([p for p, m in zip(at, ms, strict=True) for _ in m.records], dtype=np.int64),
             record_columns(ms)))
    return [_beside(table.layer(name), _rows(name, pkt, cols)) for name, pkt, cols in made]


def _beside(udp: Layer, tcp: Layer) -> Layer:
    """The rows of both layers in frame order (a frame's rows from one of them): the
    columns of the rows of one missing in the other left zero."""
    if len(udp) == 0:
        return tcp
    if len(tcp) == 0:
        return udp
    cols: dict[str, Array] = {}
    for name in tcp.cols.keys() | udp.cols.keys():
        got = [layer.cols.get(name) for layer in (udp, tcp)]
        like = np.asarray(next(c for c in got if c is not None))
        a, b = (np.zeros_like(like, shape=(len(layer), *like.shape[1:])) if c is None else np.asarray(c)
                for c, layer in zip(got, (udp, tcp), strict=True))
        cols[name] = np.concatenate([a, b])
    pkt = np.concatenate([udp.pkt, tcp.pkt])
    order = np.argsort(pkt, kind="stable")
    return Layer(tcp.name, pkt[order], np.concatenate([udp.depth, tcp.depth])[order],
                 np.concatenate([udp.layer, tcp.layer])[order], {k: v[order] for k, v in cols.items()})


def _rows(name: str, pkt: Index, cols: dict[str, Array]) -> Layer:
    return Layer(name, pkt, np.zeros(pkt.shape[0], dtype=np.int16), np.ones(pkt.shape[0], np.int32), cols)


def app_segments(table: PacketTable) -> AppSegments:
    """The TLS and DNS framing of ``table``: what :func:`with_app` put in it (a piece
    framed with the pieces before it), else the table framed alone."""
    got = table.layers.get(LAYER)
    if got is None:
        return PduFramer().feed(table)[0]
    c = got.cols
    return AppSegments(np.asarray(c["row"], dtype=np.int64), np.asarray(c["show"], dtype=np.int8),
                       list(np.asarray(c["proto"]).tolist()), list(np.asarray(c["text"]).tolist()), [])
