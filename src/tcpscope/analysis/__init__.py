"""TCP analysis: streams, relative numbers, ACK matching, RTT, bytes in flight, expert flags.

:func:`analyze` takes the dissected packet table and returns it with the ``tcp`` layer
extended by the analysis columns (``stream``, ``seq``, ``ack``, ``nxtseq``,
``window_size``, ``aflags``, ``acks_frame``, ..., and ``_flow``: which endpoint of its
conversation sent the segment, 0 or 1) and the ``_expert`` layer extended by
the analysis findings, all computed by one pass of
:func:`tcpscope.analysis.state.analyze_segments` over the segments in frame order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.analysis.conversations import segment_keys
from tcpscope.analysis.keys import KeyIds
from tcpscope.analysis.layout import (
    A_ACK_LOST_PACKET,
    A_DUPLICATE_ACK,
    A_FAST_RETRANSMISSION,
    A_KEEP_ALIVE,
    A_KEEP_ALIVE_ACK,
    A_LOST_PACKET,
    A_OUT_OF_ORDER,
    A_RETRANSMISSION,
    A_REUSED_PORTS,
    A_SPURIOUS_RETRANSMISSION,
    A_WINDOW_FULL,
    A_WINDOW_UPDATE,
    A_ZERO_WINDOW,
    A_ZERO_WINDOW_PROBE,
    A_ZERO_WINDOW_PROBE_ACK,
    OUTPUTS,
)
from tcpscope.analysis.lifecycle import Lifecycle
from tcpscope.analysis.state import SequenceState, analyze_segments
from tcpscope.analysis.udp import UdpStreams, udp_columns
from tcpscope.dissect.experts import EXPERT_CODE, SLOT
from tcpscope.dissect.tcp_options import EXID_ACC_ECN
from tcpscope.table.layers import Layer
from tcpscope.table.packets import PacketTable

if TYPE_CHECKING:
    from tcpscope.analysis.http import HttpFramer
    from tcpscope.analysis.tls_frames import PduFramer

__all__ = ["ANALYSIS_COLUMNS", "PER_SEGMENT", "TcpAnalyzer", "analyze", "port_pairs"]

#: tcp-layer columns added by the analysis (see tcpscope.analysis.sequence.OUTPUTS).
ANALYSIS_COLUMNS: tuple[str, ...] = tuple(OUTPUTS)
#: The frame column that marks the frames of an analyzer made with ``desegment=False``:
#: TCP handed their payload on a segment at a time, reassembling nothing (its trees show
#: no reassembly items: :mod:`tcpscope.views.tree_tcp_segments`)
PER_SEGMENT = "per_segment"

# Analysis flags in the order tcp_print_sequence_number_analysis reports them, with
# the expert items each one adds (fast and spurious retransmissions add the plain
# retransmission note too).
_FLAG_EXPERTS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (A_REUSED_PORTS, ("tcp.analysis.reused_ports",)),
    (A_RETRANSMISSION, ("tcp.analysis.retransmission",)),
    (A_FAST_RETRANSMISSION, ("tcp.analysis.fast_retransmission", "tcp.analysis.retransmission")),
    (A_SPURIOUS_RETRANSMISSION, ("tcp.analysis.spurious_retransmission", "tcp.analysis.retransmission")),
    (A_OUT_OF_ORDER, ("tcp.analysis.out_of_order",)),
    (A_LOST_PACKET, ("tcp.analysis.lost_segment",)),
    (A_ACK_LOST_PACKET, ("tcp.analysis.ack_lost_segment",)),
    (A_WINDOW_UPDATE, ("tcp.analysis.window_update",)),
    (A_WINDOW_FULL, ("tcp.analysis.window_full",)),
    (A_KEEP_ALIVE, ("tcp.analysis.keep_alive",)),
    (A_KEEP_ALIVE_ACK, ("tcp.analysis.keep_alive_ack",)),
    (A_DUPLICATE_ACK, ("tcp.analysis.duplicate_ack",)),
    (A_ZERO_WINDOW_PROBE, ("tcp.analysis.zero_window_probe",)),
    (A_ZERO_WINDOW, ("tcp.analysis.zero_window",)),
    (A_ZERO_WINDOW_PROBE_ACK, ("tcp.analysis.zero_window_probe_ack",)),
)




def _per_row(tcp: Layer, other: Layer, n: int) -> Index:
    """For each row of ``other``, the ``tcp`` row of the same frame (its first one)."""
    first = tcp.first_row(n)
    return first[other.pkt]


def _inputs(table: PacketTable, ids: KeyIds | None = None) -> tuple[dict[str, Array], Index, Array, int]:
    """The kernel's input columns, straight from the layer tables (no copy where the type fits)."""
    tcp = table.layer("tcp")
    m = len(tcp)
    keys = segment_keys(table, ids)
    c = tcp.cols
    reach = np.asarray(c["reach"]).copy()
    # a segment without the IP addresses of its conversation cannot be analysed
    reach[keys.ip_row < 0] = 0
    cols: dict[str, Array] = {
        "frame": tcp.pkt + 1 + table.records.first_frame,  # a later part of a capture counts on
        "ts": table.ts_ns[tcp.pkt],
        "key": keys.key,
        "flow": keys.flow,
        "seq": np.asarray(c["seq_raw"]),
        "ack": np.asarray(c["ack_raw"]),
        "flags": np.asarray(c["flags"]),
        "window": np.asarray(c["window_size_value"]),
        "seglen": np.asarray(c["len"]),
        "reach": reach,
        "bogus": np.asarray(c["bogus_hlen"]),
        "opt_exception": np.asarray(c["opt_exception"]),
        "ws_opt": np.asarray(c["ws_shift"]),
        "accecn_opt": np.zeros(m, dtype=np.bool_),
        "tfo_cookie": np.zeros(m, dtype=np.bool_),
    }
    n = table.n
    opt = table.layer("tcp.option")
    if len(opt):
        rows = _per_row(tcp, opt, n)
        kind = np.asarray(opt.cols["kind"])
        ok = np.asarray(opt.cols["ok"], dtype=np.bool_)
        olen = np.asarray(opt.cols["len"])
        exp = ok & ((kind == 253) | (kind == 254)) & np.asarray(opt.cols["has_v1"], dtype=np.bool_)
        # dissect_tcpopt_acc_ecn_data marks the conversation once it has read the counters
        acc = ok & np.asarray(opt.cols["has_v2"], dtype=np.bool_) & (
            (kind == 172) | (kind == 174) | (exp & np.isin(np.asarray(opt.cols["v1"]), EXID_ACC_ECN)))
        cols["accecn_opt"][rows[acc]] = True
        tfo = (ok & (kind == 34) & (olen > 2)) | (exp & (np.asarray(opt.cols["v1"]) == 0xF989) & (olen > 4))
        cols["tfo_cookie"][rows[tfo]] = True
    # SACK blocks kept for bytes in flight: those of the last SACK option, at most three
    sackrow = np.full(m, -1, dtype=np.int64)
    edges = np.zeros((0, 7), dtype=np.int64)
    sack = table.layer("tcp.sack")
    if len(sack):
        rows = _per_row(tcp, sack, n)
        order = np.asarray(sack.cols["opt_order"], dtype=np.int64)
        last_order = np.full(m, -1, dtype=np.int64)
        np.maximum.at(last_order, rows, order)
        keep = (order == last_order[rows]) & np.asarray(sack.cols["has_re"], dtype=np.bool_)
        blk = np.asarray(sack.cols["block"], dtype=np.int64)
        keep &= blk < 3
        r, b = rows[keep], blk[keep]
        uniq = np.unique(r)
        sackrow[uniq] = np.arange(uniq.shape[0])
        edges = np.zeros((uniq.shape[0], 7), dtype=np.int64)
        er = sackrow[r]
        edges[er, 2 * b] = np.asarray(sack.cols["le_raw"])[keep]
        edges[er, 2 * b + 1] = np.asarray(sack.cols["re_raw"])[keep]
        np.maximum.at(edges[:, 6], er, b + 1)
    nkeys = ids.pairs.count if ids is not None else int(keys.key.max()) + 1 if m else 0
    return cols, sackrow, edges, nkeys


def _dsack(table: PacketTable, out: dict[str, Array]) -> tuple[Index, Index]:
    """D-SACK (RFC 2883 §4), as dissect_tcpopt_sack tests it: the first block lies at or
    below the acknowledgment number, or the second block contains the first.

    Returns the tcp rows and the option positions of the SACK options that qualify.
    """
    tcp = table.layer("tcp")
    opt = table.layer("tcp.option")
    empty = np.zeros(0, dtype=np.int64)
    if len(opt) == 0:
        return empty, empty
    n = table.n
    is_sack = (np.asarray(opt.cols["kind"]) == 5) & np.asarray(opt.cols["ok"], dtype=np.bool_)
    if not is_sack.any():
        return empty, empty
    rows = _per_row(tcp, opt, n)[is_sack]
    order = np.asarray(opt.cols["order"], dtype=np.int64)[is_sack]
    m = len(tcp)
    le = np.zeros((m, 2), dtype=np.int64)
    re = np.zeros((m, 2), dtype=np.int64)
    cnt = np.zeros(m, dtype=np.int64)
    sack = table.layer("tcp.sack")
    if len(sack):
        srows = _per_row(tcp, sack, n)
        blk = np.asarray(sack.cols["block"], dtype=np.int64)
        full = np.asarray(sack.cols["has_re"], dtype=np.bool_)
        base = out["sack_base"][srows].astype(np.int64)
        for b in (0, 1):
            sel = full & (blk == b)
            le[srows[sel], b] = (np.asarray(sack.cols["le_raw"])[sel] - base[sel]) & 0xFFFFFFFF
            re[srows[sel], b] = (np.asarray(sack.cols["re_raw"])[sel] - base[sel]) & 0xFFFFFFFF
        np.maximum.at(cnt, srows[full], blk[full] + 1)

    def s32(x: Array) -> Array:
        x = x & 0xFFFFFFFF
        return np.where(x >= 0x80000000, x - 0x100000000, x)

    ack = out["ack"][rows].astype(np.int64)
    re0, le1, re1 = re[rows, 0], le[rows, 1], re[rows, 1]
    hit = (s32(re0 - ack) <= 0) | ((cnt[rows] > 1) & (s32(le1 - re0) < 0) & (s32(re0 - re1) <= 0))
    return rows[hit], order[hit]


def _experts(table: PacketTable, out: dict[str, Array]) -> Layer:
    """The dissectors' expert items plus the analysis findings, in tree order."""
    tcp = table.layer("tcp")
    old = table.layer("_expert")
    pkts: list[Array] = []
    depths: list[Array] = []
    codes: list[Array] = []
    args: list[Array] = []
    slots: list[Array] = []
    if len(old):
        pkts, depths = [old.pkt], [old.depth]
        codes, args, slots = [old.cols["code"]], [old.cols["arg"]], [old.cols["slot"]]

    def add(rows: Index, name: str, arg: Array | None = None, slot: Array | int | None = None) -> None:
        if rows.shape[0] == 0:
            return
        code = EXPERT_CODE[name]
        pkts.append(tcp.pkt[rows])
        depths.append(tcp.depth[rows])
        codes.append(np.full(rows.shape[0], code, dtype=np.int32))
        args.append(np.zeros(rows.shape[0], dtype=np.int64) if arg is None else arg)
        slots.append(np.broadcast_to(np.asarray(SLOT[code] if slot is None else slot, dtype=np.int32),
                                     rows.shape).copy())

    fin = out["fin_kind"]
    add(np.flatnonzero(fin == 1), "tcp.connection.fin_active")
    add(np.flatnonzero(fin == 2), "tcp.connection.fin_passive")
    add(np.flatnonzero(out["tfo"] == 1), "tcp.analysis.tfo_ack")
    add(np.flatnonzero(out["tfo"] == 2), "tcp.analysis.tfo_ignored")
    ds_rows, ds_order = _dsack(table, out)
    add(ds_rows, "tcp.options.sack.dsack", slot=105 + 10 * ds_order)
    ta = out["ta"]
    flags = out["aflags"].astype(np.int64)
    for bit, names in _FLAG_EXPERTS:
        if bit == A_DUPLICATE_ACK:
            continue
        hit = np.flatnonzero(ta & ((flags & bit) != 0))
        first = SLOT[EXPERT_CODE[names[0]]]
        for k, name in enumerate(names):
            add(hit, name, slot=first + k)
    dup = np.flatnonzero(ta & (out["dupack_num"] != 0))
    add(dup, "tcp.analysis.duplicate_ack", arg=out["dupack_num"][dup].astype(np.int64))
    if not pkts:
        return Layer.empty("_expert")
    pkt = np.concatenate(pkts)
    depth = np.concatenate(depths)
    slot = np.concatenate(slots)
    order = np.lexsort((slot, depth, pkt))
    arg2 = np.zeros(pkt.shape[0], dtype=np.int64)
    if len(old):
        arg2[: len(old)] = old.cols["arg2"]
    return Layer("_expert", pkt[order], depth[order], np.ones(pkt.shape[0], np.int32), {
        "code": np.concatenate(codes)[order],
        "arg": np.concatenate(args)[order],
        "arg2": arg2[order],
        "slot": slot[order],
    })


class TcpAnalyzer:
    """The TCP analysis of a capture given a table of frames at a time, in capture order.

    Conversations, sequence state and stream numbers carry over from one table to the
    next, so each frame gets what one pass over the whole capture gives it (tshark's
    single pass): the shape a live capture or a file read in pieces needs. The tables
    are dissected from consecutive :meth:`~tcpscope.capture.records.Records.frames` of
    the capture, which number their frames on from the earlier ones.
    """

    def __init__(self, http: bool | str = False, desegment: bool = True, sequence_analysis: bool = True) -> None:
        self.ids = KeyIds()
        self.state = SequenceState()
        self.lifecycle = Lifecycle()
        self.udp = UdpStreams()
        self.http: HttpFramer | None = None
        self.app: PduFramer | None = None
        if not (desegment and sequence_analysis):  # every piece framed with its messages: a view never frames one alone (as usual)
            http = "messages"
        if http:  # (the framers' modules are imported only then: small captures start sooner)
            from tcpscope.analysis.http import HttpFramer
            from tcpscope.analysis.tls_frames import PduFramer

            self.http = HttpFramer(detail=http == "messages", desegment=desegment)
            self.http.sequence_analysis = sequence_analysis
            self.app = PduFramer(desegment=desegment)
        #: The ``tcp`` rows the framers above TCP are given, by their :func:`port_pairs`
        #: (sorted): None for every row. A caller that shows some frames only sets the
        #: pairs of theirs: each conversation is framed on its own (the framers' state is
        #: per stream and direction), so those frames' framing is what every row's gives.
        self.framed: Array | None = None
        #: False for tshark's ``tcp.analyze_sequence_numbers:FALSE``: TCP keeps no sequence
        #: analysis, so the framers above it see no analysis flag (:func:`_unflagged`)
        self.sequence_analysis = sequence_analysis
        #: The ``tcp.stream`` of each ``tcp`` row of a table fed, when they come from the
        #: whole capture's numbering (a focused pass: ``pipeline.focus``, whose tables hold
        #: some conversations only); None: the analysis numbers them.
        self.numbers: Callable[[PacketTable], Array] | None = None

    def feed(self, table: PacketTable) -> PacketTable:
        """``table`` with the analysis of its frames added (see :func:`analyze`), and,
        when made with ``http``, the HTTP framing of its segments (:func:`with_http`;
        ``http="messages"``: with the messages the http.* fields read) and their TLS and
        DNS framing (:func:`with_app`); made with ``desegment=False``, each segment framed
        alone (tshark's ``tcp.desegment_tcp_streams:FALSE``); with ``sequence_analysis=False``,
        framed as no analysis flag keeps a segment from HTTP (``tcp.analyze_sequence_numbers:FALSE``)."""
        table = analyze(table, self)
        if self.http is None or self.app is None:
            return table
        if not self.app.desegment:  # (the views ask the frames whether TCP reassembled: PER_SEGMENT)
            table = table.with_frame_cols(**{PER_SEGMENT: np.ones(table.n, dtype=np.bool_)})
        from tcpscope.analysis.http import with_http
        from tcpscope.analysis.tls_frames import with_app

        framed = table if self.framed is None else _only_pairs(table, self.framed)
        if not self.sequence_analysis:
            framed = _unflagged(framed)
        return with_app(with_http(table, self.http.feed(framed), self.http.matcher), self.app.feed(framed))


def port_pairs(table: PacketTable) -> Array:
    """Per ``tcp`` row, its two ports as one number, the lower one first (a conversation's
    pair whichever way its segment goes)."""
    c = table.layer("tcp").cols
    if "srcport" not in c:  # (a table without TCP)
        return np.zeros(0, dtype=np.int64)
    sport, dport = np.asarray(c["srcport"], dtype=np.int64), np.asarray(c["dstport"], dtype=np.int64)
    pairs: Array = (np.minimum(sport, dport) << 16) | np.maximum(sport, dport)
    return pairs


def _unflagged(table: PacketTable) -> PacketTable:
    """UNANALYSED FRAMING: without the sequence analysis (tshark's
    ``tcp.analyze_sequence_numbers:FALSE``) no segment is flagged, so TCP hands every one
    to the dissector above it: a retransmission, out-of-order data, a keep-alive or a
    zero-window probe as any other segment. ``table`` as the framers see it then: no
    analysis flag."""
    tcp = table.layer("tcp")
    if len(tcp) == 0 or "aflags" not in tcp.cols:
        return table
    return table.with_layer(replace(tcp, cols={**tcp.cols, "aflags": np.zeros_like(tcp.cols["aflags"])}))


def _only_pairs(table: PacketTable, pairs: Array) -> PacketTable:
    """``table`` as the framers see it when they look at the ``tcp`` rows of ``pairs`` only:
    the others in no conversation (``tcp.stream`` -1, which no framer takes)."""
    tcp = table.layer("tcp")
    if len(tcp) == 0 or "stream" not in tcp.cols:
        return table
    streams = np.asarray(tcp.cols["stream"])
    only = np.where(np.isin(port_pairs(table), pairs), streams, -1).astype(streams.dtype)
    return table.with_layer(replace(tcp, cols={**tcp.cols, "stream": only}))


def _lifecycle(table: PacketTable, cols: dict[str, Array], out: dict[str, Array],
               analyzer: TcpAnalyzer | None) -> dict[str, Array]:
    """The states, phase and rule of each segment (analysis.lifecycle), carried on by
    ``analyzer`` and retired with its conversations."""
    lifecycle = analyzer.lifecycle if analyzer is not None else Lifecycle()
    tcp = table.layer("tcp")
    ins = {"stream": out["stream"], "flow": cols["flow"], "flags": cols["flags"], "seglen": cols["seglen"],
           "seq": cols["seq"], "ack": cols["ack"], "aflags": out["aflags"],
           "srcport": np.asarray(tcp.cols["srcport"]), "dstport": np.asarray(tcp.cols["dstport"])}
    lc = lifecycle.run(table.records.first_frame + table.n, ins)
    if analyzer is not None:
        lifecycle.retire(analyzer.state.streams())
    return lc


def _with_udp(table: PacketTable, streams: UdpStreams | None) -> PacketTable:
    """The table with its ``udp`` rows' conversation columns (analysis.udp.UDP_COLUMNS)."""
    udp = table.layer("udp")
    if len(udp) == 0:
        return table
    return table.with_layer(replace(udp, cols={**udp.cols, **udp_columns(table, streams)}))


def analyze(table: PacketTable, analyzer: TcpAnalyzer | None = None) -> PacketTable:
    """The table with the TCP analysis added (see the module docstring).

    With ``analyzer`` (see :class:`TcpAnalyzer`) the analysis continues from the tables it
    was given before. The ``udp`` layer gets its conversations too (:mod:`tcpscope.analysis.udp`).
    """
    table = _with_udp(table, analyzer.udp if analyzer is not None else None)
    tcp = table.layer("tcp")
    if len(tcp) == 0:
        return table
    cols, sackrow, edges, nkeys = _inputs(table, analyzer.ids if analyzer is not None else None)
    out, nconv = analyze_segments(cols, sackrow, edges, nkeys, analyzer.state if analyzer is not None else None)
    flow = cols["flow"]
    out.update(_lifecycle(table, cols, out, analyzer))
    if analyzer is not None and analyzer.numbers is not None:  # (after the lifecycle, which keys its rows by the analysis's)
        out["stream"] = analyzer.numbers(table).astype(out["stream"].dtype)
    del cols
    experts = _experts(table, out)
    new_cols = dict(tcp.cols)
    new_cols.update(out)
    new_cols["_flow"] = flow
    t = table.with_layer(replace(tcp, cols=new_cols)).with_layer(experts)
    return t.with_frame_cols(**{"_tcp_streams": np.array([nconv], dtype=np.int64)})
