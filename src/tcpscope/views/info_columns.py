"""The Info column of TCP segments a column at a time: the texts of
:func:`tcpscope.views.info.tcp_info`, built with numpy's string functions over whole
columns instead of a string per row in Python.

Also the Protocol and Info of the segments HTTP, TLS or DNS framing claims
(:func:`claimed_rows`), made the same way.

The plain segments (the header read whole, not cut nor malformed, the checksum not found
bad, options among MSS, WS, SACK_PERM, timestamps and SACK) are written here: the ports,
the flags (each distinct flag set's text once), the numbers, the options' texts joined in
header order, and the analysis prefixes in front. Every other segment (a header cut
short, a bogus header length, the rarer options) is written by :func:`tcp_info` on its
rows alone, so the two agree by construction on those; tests/views compare every line
with tshark's.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.dtypes import StringDType

from tcpscope._types import Array, Index
from tcpscope.analysis.http import SHOW_HTTP, SHOW_TCP_MARK, http_segments
from tcpscope.analysis.layout import A_DUPLICATE_ACK
from tcpscope.analysis.tls_frames import SHOW_BARE_MARK as APP_BARE_MARK
from tcpscope.analysis.tls_frames import SHOW_TCP_MARK as APP_TCP_MARK
from tcpscope.analysis.tls_frames import app_segments
from tcpscope.constants import TCPOPT_MSS, TCPOPT_SACK, TCPOPT_SACK_PERM, TCPOPT_TIMESTAMP, TCPOPT_WINDOW
from tcpscope.table.packets import PacketTable
from tcpscope.views.info import KINDS_WITH_TEXT, PREFIX_BITS, PREFIXES, flags_text, tcp_info

__all__ = ["KINDS_WITH_TEXT", "PLAIN_KINDS", "SEGMENT_MARK", "TEXT", "Claimed", "FramedClaims", "TcpInfo", "claimed_rows", "framed_claims", "group_concat",
           "rest_texts", "tcp_info_column", "tcp_infos"]

#: numpy's variable-width string type, the columns' type
TEXT = StringDType()

#: The option kinds written here; a segment with an option of another kind that writes
#: to Info (views.info ``KINDS_WITH_TEXT``) goes to :func:`tcp_info`
PLAIN_KINDS = np.array([TCPOPT_MSS, TCPOPT_WINDOW, TCPOPT_SACK_PERM, TCPOPT_TIMESTAMP, TCPOPT_SACK])


class TcpInfo(NamedTuple):
    """Each tcp row's Info text (``ok``: written; a header whose ports were not read has
    none) and its analysis prefixes alone (what an application's text follows)."""

    ok: Array
    text: Array
    prefix: Array


def _num(values: Array) -> Array:
    """Decimal texts of integers."""
    return np.asarray(values).astype(np.int64).astype(TEXT)


def _add(*parts: Array | str) -> Array:
    """The parts concatenated, element by element."""
    out = parts[0]
    for p in parts[1:]:
        out = np.strings.add(out, p)
    return np.asarray(out)


def group_concat(groups: Index, texts: Array, n: int) -> Array:
    """For each of ``n`` groups, the ``texts`` whose group it is (``groups``, in order)
    concatenated in their order: one vectorized step per position within a group."""
    out = np.full(n, "", dtype=TEXT)
    if groups.shape[0] == 0:
        return out
    order = np.argsort(groups, kind="stable")
    g, t = groups[order], texts[order]
    starts = np.ones(g.shape[0], dtype=np.bool_)
    starts[1:] = g[1:] != g[:-1]
    first = np.maximum.accumulate(np.where(starts, np.arange(g.shape[0]), 0))
    rank = np.arange(g.shape[0]) - first
    for k in range(int(rank.max()) + 1):
        at = rank == k
        out[g[at]] = np.strings.add(out[g[at]], t[at])
    return out


def _prefixes(aflags: Array, dupnum: Array, dupframe: Array) -> Array:
    """The analysis prefixes of each row (views.info ``_prefixes``), column by column:
    each prepended in Wireshark's order, the last added first."""
    out = np.full(aflags.shape[0], "", dtype=TEXT)
    for bit, prefix in PREFIXES:
        has = (aflags & bit) != 0
        if not has.any():
            continue
        if bit == A_DUPLICATE_ACK:
            has &= dupnum != 0
            out[has] = _add("[TCP Dup ACK ", _num(dupframe[has]), "#", _num(dupnum[has]), "] ", out[has])
        else:
            out[has] = np.strings.add(prefix, out[has])
    return out


def _option_column(table: PacketTable, first_row: Index, m: int) -> tuple[Array, Array]:
    """The options' Info texts of each of the ``m`` tcp rows, joined in header order, and
    which rows have an option written elsewhere (:func:`tcp_info`)."""
    opt = table.layer("tcp.option")
    other = np.zeros(m, dtype=np.bool_)
    if len(opt) == 0:
        return np.full(m, "", dtype=TEXT), other
    kinds = np.asarray(opt.cols["kind"])
    row = first_row[opt.pkt]
    elsewhere = np.isin(kinds, KINDS_WITH_TEXT) & ~np.isin(kinds, PLAIN_KINDS)
    other[row[elsewhere]] = True
    v1 = np.asarray(opt.cols["v1"]).astype(np.int64)
    v2 = np.asarray(opt.cols["v2"]).astype(np.int64)
    has1 = np.asarray(opt.cols["has_v1"], dtype=np.bool_)
    has2 = np.asarray(opt.cols["has_v2"], dtype=np.bool_)
    item = np.asarray(opt.cols["item"], dtype=np.bool_)
    text = np.full(len(opt), "", dtype=TEXT)
    # MSS, WS once their value is read; SACK_PERM once its item is; timestamps once both are
    for kind, when, make in (
        (TCPOPT_MSS, has1, lambda s: np.strings.add(" MSS=", _num(v1[s]))),
        (TCPOPT_WINDOW, has1, lambda s: np.strings.add(" WS=", _num(np.left_shift(1, np.minimum(v1[s], 14))))),
        (TCPOPT_SACK_PERM, item, lambda s: np.full(int(s.sum()), " SACK_PERM", dtype=TEXT)),
        (TCPOPT_TIMESTAMP, has2, lambda s: _add(" TSval=", _num(v1[s]), " TSecr=", _num(v2[s]))),
    ):
        sel = (kinds == kind) & when
        if sel.any():
            text[sel] = make(sel)
    is_sack = kinds == TCPOPT_SACK
    if is_sack.any():
        text[is_sack] = _sack_texts(table, opt.pkt[is_sack], np.asarray(opt.cols["order"])[is_sack], first_row)
    shown = np.flatnonzero(np.isin(kinds, PLAIN_KINDS))
    return group_concat(row[shown], text[shown], m), other


def _sack_texts(table: PacketTable, pkt: Index, order: Array, first_row: Index) -> Array:
    """Each SACK option's whole blocks, `` SLE=le SRE=re`` relative to its segment's
    ``sack_base``, in order."""
    sack = table.layer("tcp.sack")
    out = np.full(pkt.shape[0], "", dtype=TEXT)
    if len(sack) == 0:
        return out
    full = np.asarray(sack.cols["has_re"], dtype=np.bool_)
    spkt = sack.pkt[full].astype(np.int64)
    sorder = np.asarray(sack.cols["opt_order"])[full].astype(np.int64)
    tcp = table.layer("tcp")
    base = np.asarray(tcp.cols.get("sack_base", np.zeros(len(tcp), dtype=np.int64))).astype(np.int64)
    b = base[first_row[spkt]]
    le = (np.asarray(sack.cols["le_raw"])[full].astype(np.int64) - b) & 0xFFFFFFFF
    re = (np.asarray(sack.cols["re_raw"])[full].astype(np.int64) - b) & 0xFFFFFFFF
    blocks = _add(" SLE=", _num(le), " SRE=", _num(re))
    keys = pkt.astype(np.int64) * 65536 + order.astype(np.int64)  # (an option's place is under 40)
    okey = np.argsort(keys, kind="stable")
    at = np.searchsorted(keys[okey], spkt * 65536 + sorder)
    found = (at < keys.shape[0]) & (keys[okey][np.minimum(at, keys.shape[0] - 1)] == spkt * 65536 + sorder)
    return group_concat(okey[at[found]], blocks[found], pkt.shape[0])


def tcp_info_column(table: PacketTable) -> TcpInfo:
    """The Info text of every tcp row of an analysed table, as :func:`tcp_info` writes
    it (see the module docstring)."""
    tcp = table.layer("tcp")
    m = len(tcp)
    c = tcp.cols
    if m == 0 or "stream" not in c:  # (not analysed: each row as tcp_info writes it)
        return _from_rows(tcp_info(table), m)
    pkt = tcp.pkt
    first = tcp.first_row(table.n)
    reach = np.asarray(c["reach"])
    flags = np.asarray(c["flags"]).astype(np.int64)
    use_ace = np.asarray(c["use_ace"]).astype(np.int64) != 0
    opts, other_opts = _option_column(table, first, m)
    checksum = np.asarray(c["checksum_status"]) if "checksum_status" in c else np.full(m, 2)
    short = table.frame_cols.get("short")
    cut = table.malformed[pkt] | (np.asarray(short)[pkt] if short is not None else False)
    plain = (reach >= 4) & ~np.asarray(c["bogus_hlen"], dtype=np.bool_) & (checksum != 0) & ~cut & ~other_opts
    streamed = np.asarray(c["stream"]) >= 0
    seq = np.where(streamed, np.asarray(c["seq"]).astype(np.int64), np.asarray(c["seq_raw"]).astype(np.int64))
    ack = np.where(streamed, np.asarray(c["ack"]).astype(np.int64), np.asarray(c["ack_raw"]).astype(np.int64))
    win = np.where(streamed, np.asarray(c["window_size"]).astype(np.int64),
                   np.asarray(c["window_size_value"]).astype(np.int64))
    # each distinct flag set's text once
    keys, inverse = np.unique(flags * 2 + use_ace, return_inverse=True)
    names = np.array([flags_text(int(k) >> 1, bool(k & 1)) for k in keys.tolist()], dtype=TEXT)
    text = _add(_num(c["srcport"]), " \u2192 ", _num(c["dstport"]), " [", names[inverse.reshape(-1)], "] Seq=",
                _num(seq))
    acked = (flags & 0x10) != 0
    text[acked] = _add(text[acked], " Ack=", _num(ack[acked]))
    text = _add(text, " Win=", _num(win))
    urg = (flags & 0x20) != 0
    text[urg] = _add(text[urg], " Urg=", _num(np.asarray(c["urgent_pointer"])[urg]))
    length = np.asarray(c["len"]).astype(np.int64)
    has_len = length >= 0
    text[has_len] = _add(text[has_len], " Len=", _num(length[has_len]))
    aflags = np.asarray(c["aflags"]).astype(np.int64)
    flagged = ((aflags & PREFIX_BITS) != 0) & (np.asarray(c["ta"]) != 0)
    prefix = np.full(m, "", dtype=TEXT)
    prefix[flagged] = _prefixes(aflags[flagged], np.asarray(c["dupack_num"]).astype(np.int64)[flagged],
                                np.asarray(c["dupack_frame"]).astype(np.int64)[flagged])
    text = _add(prefix, text, opts)
    ok = reach >= 1
    rest = np.flatnonzero(ok & ~plain)
    if rest.shape[0]:  # the others, row by row on their frames alone
        rows, texts = rest_texts(table, rest)
        text[rows] = texts
    return TcpInfo(ok, text, prefix)


def rest_texts(table: PacketTable, rest: Index) -> tuple[Index, Array]:
    """The Info of tcp rows ``rest`` (and of the other tcp rows of their frames) as
    :func:`tcp_info` writes it on their frames alone: the rows, and their texts."""
    from tcpscope.views.tree import cut_to_frames  # (not at the top: the details tree's module is slow to import)

    frames = np.unique(table.layer("tcp").pkt[rest])
    cut_table, rows = table, np.arange(len(table.layer("tcp")), dtype=np.int64)
    for name in ("tcp", "tcp.option", "tcp.sack"):
        got = cut_to_frames(cut_table, name, frames)
        if got is not None:
            cut_table, whole = got
            if name == "tcp":
                rows = whole
    texts = tcp_info(cut_table)
    at = np.fromiter(texts, dtype=np.int64, count=len(texts))
    return rows[at], np.array(list(texts.values()), dtype=TEXT)


def _from_rows(texts: dict[int, str], m: int) -> TcpInfo:
    """A :class:`TcpInfo` of :func:`tcp_info`'s texts (no analysis: no prefixes)."""
    ok = np.zeros(m, dtype=np.bool_)
    text = np.full(m, "", dtype=TEXT)
    if texts:
        rows = np.fromiter(texts, dtype=np.int64, count=len(texts))
        ok[rows] = True
        text[rows] = np.array(list(texts.values()), dtype=TEXT)
    return TcpInfo(ok, text, np.full(m, "", dtype=TEXT))


SEGMENT_MARK = " [TCP segment of a reassembled PDU]"


class Claimed(NamedTuple):
    """The Protocol and Info of the tcp rows the framing above TCP claims (``claimed``)."""

    claimed: Array
    proto: Array
    info: Array


class FramedClaims(NamedTuple):
    """The tcp rows one framer above TCP claims (HTTP's, then TLS's and DNS's), of those
    with a text of TCP's own: each row's choice of what to show, its protocol's name (None:
    HTTP's rows) and the framer's text."""

    rows: Index
    show: Array
    name: Array | None
    text: Array


def framed_claims(table: PacketTable, ok: Array) -> list[FramedClaims]:
    """HTTP's claims, then TLS's and DNS's (which decide after HTTP), each kept to the
    rows ``ok`` marks: the one reading of the framers' segments both the list's string
    columns (:func:`claimed_rows`) and its compiled line writer's parts
    (``tcpscope.views.info_parts.claimed_ids``) start from."""
    http = http_segments(table)
    app = app_segments(table)
    out: list[FramedClaims] = []
    for rows, show, names, texts in ((http.row, http.show, None, http.text),
                                     (app.row, app.show, app.proto, app.text)):
        rows = np.asarray(rows, dtype=np.int64)
        if rows.shape[0] == 0:
            continue
        keep = ok[rows]
        text = np.array(texts, dtype=TEXT)[keep] if len(texts) else np.zeros(0, dtype=TEXT)
        name = None if names is None else np.array(names, dtype=TEXT)[keep]
        out.append(FramedClaims(rows[keep], np.asarray(show)[keep], name, text))
    return out


def claimed_rows(table: PacketTable, tinfo: TcpInfo) -> Claimed:
    """Protocol and Info of the tcp rows HTTP, TLS or DNS framing claims (reference/
    pdu-framing.md §2.3-2.5), column by column.

    HTTP: a segment of a message not yet whole is TCP's, its Info TCP's own text or the
    message's first line (HTTP wrote it before asking for more) and the reassembly
    marker; a segment that completes messages is HTTP's, the analysis prefixes then the
    messages' texts. TLS and DNS: a segment the dissector was not called on, or DNS wrote
    nothing in, TCP's own text and the marker; one TLS asked more of at its start, the
    marker alone after the analysis prefixes (TLS cleared Info); one completing records or
    messages, their protocol and texts after the prefixes (TLS's first item is appended
    with its ", " separator when a prefix is there). TLS and DNS decide after HTTP."""
    m = tinfo.ok.shape[0]
    claimed = np.zeros(m, dtype=np.bool_)
    proto = np.full(m, "TCP", dtype=TEXT)
    info = np.full(m, "", dtype=TEXT)
    for rows, show, name, text in framed_claims(table, tinfo.ok):
        own, prefix = tinfo.text[rows], tinfo.prefix[rows]
        if name is None:  # HTTP
            p = np.where(show == SHOW_HTTP, "HTTP", "TCP").astype(TEXT)
            i = np.where(show == SHOW_TCP_MARK, np.strings.add(own, SEGMENT_MARK),
                         np.where(show == SHOW_HTTP, np.strings.add(prefix, text),
                                  np.strings.add(np.strings.add(prefix, text), SEGMENT_MARK)))
        else:
            marked = (show == APP_TCP_MARK) | (show == APP_BARE_MARK)
            p = np.where(marked, "TCP", name).astype(TEXT)
            bare = np.where(prefix != "", np.strings.add(prefix, SEGMENT_MARK), SEGMENT_MARK.lstrip())
            app_text = np.where(name == "DNS", np.strings.add(prefix, text),
                                np.where(prefix != "", np.strings.add(np.strings.add(prefix, ", "), text), text))
            i = np.where(show == APP_TCP_MARK, np.strings.add(own, SEGMENT_MARK),
                         np.where(show == APP_BARE_MARK, bare, app_text))
        claimed[rows] = True
        proto[rows] = p
        info[rows] = i
    return Claimed(claimed, proto, info)


def tcp_infos(table: PacketTable, frames: Index) -> TcpInfo:
    """The Info text of each tcp row (:class:`TcpInfo`), read from the tcp rows, options and
    SACK blocks of ``frames`` (increasing) alone (each row's text is its own), so that a
    few rows of a large capture cost what those rows cost; the other rows have none."""
    if frames.shape[0] == table.n:  # (every frame: the whole table)
        return tcp_info_column(table)
    from tcpscope.views.tree import cut_to_frames

    cut: PacketTable = table
    whole: dict[str, Index] = {}
    for name in ("tcp", "tcp.option", "tcp.sack"):
        got = cut_to_frames(cut, name, frames)
        if got is not None:
            cut, whole[name] = got
    if "tcp" not in whole:
        return tcp_info_column(cut)
    part = tcp_info_column(cut)
    m = len(table.layer("tcp"))
    out = TcpInfo(np.zeros(m, dtype=np.bool_), np.full(m, "", dtype=TEXT), np.full(m, "", dtype=TEXT))
    rows = whole["tcp"]
    out.ok[rows], out.text[rows], out.prefix[rows] = part.ok, part.text, part.prefix
    return out
