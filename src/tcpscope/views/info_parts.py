"""The Info column of TCP segments as parts for the line-writing kernel
(:mod:`tcpscope.views.list_kernel`): numbers and codes per tcp row instead of texts.

The same segments as :func:`tcpscope.views.info_columns.tcp_info_column` writes are
*plain* here (the header read whole, not cut nor malformed, the checksum not found bad,
options among MSS, WS, SACK_PERM, timestamps and SACK): the kernel writes their text
from :class:`TcpParts`. The others keep the text :func:`tcpscope.views.info.tcp_info`
writes on their rows alone (``text``). :func:`claimed_ids` says, for the rows HTTP,
TLS or DNS framing claims, which parts their Info is made of, by the rules of
:func:`tcpscope.views.info_columns.claimed_rows` (tests/views compare the two ways line
for line).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.analysis.http import SHOW_HTTP, SHOW_TCP_MARK
from tcpscope.analysis.layout import A_DUPLICATE_ACK
from tcpscope.analysis.tls_frames import SHOW_BARE_MARK as APP_BARE_MARK
from tcpscope.analysis.tls_frames import SHOW_TCP_MARK as APP_TCP_MARK
from tcpscope.constants import ACK, TCPOPT_MSS, TCPOPT_SACK, TCPOPT_SACK_PERM, TCPOPT_TIMESTAMP, TCPOPT_WINDOW, URG
from tcpscope.table.packets import PacketTable
from tcpscope.views.info import PREFIX_BITS, flags_text
from tcpscope.views.info_columns import KINDS_WITH_TEXT, PLAIN_KINDS, TEXT, framed_claims, rest_texts
from tcpscope.views.list_kernel import OPT_MSS, OPT_SACK, OPT_SACK_PERM, OPT_TIMESTAMP, OPT_WS

__all__ = ["MARK", "MARK_BARE", "ClaimedIds", "TcpParts", "claimed_ids", "tcp_parts"]


class TcpParts(NamedTuple):
    """Each tcp row's Info as the kernel reads it (``m`` rows). ``ok``: written (its
    ports read); ``plain``: written by the kernel, else ``text`` is it; ``has_prefix``:
    some analysis prefix shows. Numbers: ``ack`` and ``urg`` -1 when not shown, ``seglen``
    -1 without a length; ``aflags`` 0 when the analysis shows none. ``flagid`` indexes
    ``flag_names``. The options of row ``r`` are ``opt_lo[r]:opt_hi[r]`` of ``okind``,
    ``ov1``, ``ov2`` (in header order), a SACK option's blocks ``sack_lo:sack_hi`` of
    ``sle``, ``sre`` (relative edges)."""

    ok: Array
    plain: Array
    text: Array
    has_prefix: Array
    sport: Index
    dport: Index
    flagid: Index
    flag_names: list[str]
    seq: Index
    ack: Index
    win: Index
    urg: Index
    seglen: Index
    aflags: Index
    dupnum: Index
    dupframe: Index
    opt_lo: Index
    opt_hi: Index
    okind: Index
    ov1: Index
    ov2: Index
    sack_lo: Index
    sack_hi: Index
    sle: Index
    sre: Index


def _i64(values: object) -> Index:
    """``values`` as int64, the column itself when it is (not a copy: read only)."""
    return np.asarray(values, dtype=np.int64)


#: Each plain option kind's code for the kernel, and when it shows: MSS and WS once
#: their value is read, SACK_PERM once its item is, timestamps once both values are,
#: SACK's whole blocks always
_OPTION_CODES: tuple[tuple[int, int, str | None], ...] = ((TCPOPT_MSS, OPT_MSS, "has_v1"), (TCPOPT_WINDOW, OPT_WS, "has_v1"),
                 (TCPOPT_SACK_PERM, OPT_SACK_PERM, "item"), (TCPOPT_TIMESTAMP, OPT_TIMESTAMP, "has_v2"),
                 (TCPOPT_SACK, OPT_SACK, None))


def tcp_parts(table: PacketTable) -> TcpParts:
    """The parts of every tcp row of an analysed table (see :class:`TcpParts`)."""
    tcp = table.layer("tcp")
    m = len(tcp)
    c = tcp.cols
    if m == 0:
        none = np.zeros(0, dtype=np.int64)
        no = none.astype(np.bool_)
        return TcpParts._make([no, no, np.zeros(0, dtype=TEXT), no, none, none, none, [], *([none] * 17)])
    pkt = tcp.pkt
    first = tcp.first_row(table.n)
    reach = np.asarray(c["reach"])
    flags = _i64(c["flags"])
    use_ace = _i64(c["use_ace"]) != 0
    # the options, in header order per row, and the rows with an option written elsewhere
    opt = table.layer("tcp.option")
    other = np.zeros(m, dtype=np.bool_)
    okind = np.zeros(0, dtype=np.int64)
    orow = np.zeros(0, dtype=np.int64)
    ov1 = ov2 = sack_lo = sack_hi = okind
    if len(opt):
        kinds = np.asarray(opt.cols["kind"])
        row = first[opt.pkt]
        other[row[np.isin(kinds, KINDS_WITH_TEXT) & ~np.isin(kinds, PLAIN_KINDS)]] = True
        code = np.zeros(len(opt), dtype=np.int64)
        for kind, value, when in _OPTION_CODES:
            code[(kinds == kind) & (np.asarray(opt.cols[when], dtype=np.bool_) if when else True)] = value
        shown = np.flatnonzero(code != 0)
        order = shown[np.argsort(row[shown], kind="stable")]
        okind, orow = code[order], row[order]
        ov1, ov2 = _i64(opt.cols["v1"])[order], _i64(opt.cols["v2"])[order]
        sack_lo, sack_hi, sle, sre = _sack_blocks(table, opt.pkt[order], _i64(opt.cols["order"])[order], first)
    else:
        sle = sre = okind
    bounds = np.searchsorted(orow, np.arange(m + 1))
    checksum = np.asarray(c["checksum_status"]) if "checksum_status" in c else np.full(m, 2)
    short = table.frame_cols.get("short")
    cut = table.malformed[pkt] | (np.asarray(short)[pkt] if short is not None else False)
    plain = (reach >= 4) & ~np.asarray(c["bogus_hlen"], dtype=np.bool_) & (checksum != 0) & ~cut & ~other
    streamed = np.asarray(c["stream"]) >= 0
    seq = np.where(streamed, _i64(c["seq"]), _i64(c["seq_raw"]))
    ack = np.where(streamed, _i64(c["ack"]), _i64(c["ack_raw"]))
    win = np.where(streamed, _i64(c["window_size"]), _i64(c["window_size_value"]))
    keys, inverse = np.unique(flags * 2 + use_ace, return_inverse=True)
    names = [flags_text(int(k) >> 1, bool(k & 1)) for k in keys.tolist()]
    aflags = np.where(np.asarray(c["ta"]) != 0, _i64(c["aflags"]) & PREFIX_BITS, 0)
    dupnum = _i64(c["dupack_num"])
    has_prefix = ((aflags & ~A_DUPLICATE_ACK) != 0) | (((aflags & A_DUPLICATE_ACK) != 0) & (dupnum != 0))
    ok = reach >= 1
    text = np.full(m, "", dtype=TEXT)
    rest = np.flatnonzero(ok & ~plain)
    if rest.shape[0]:
        rows, texts = rest_texts(table, rest)
        text[rows] = texts
    return TcpParts(ok, plain, text, has_prefix, _i64(c["srcport"]), _i64(c["dstport"]),
                    inverse.reshape(-1).astype(np.int64), names, seq, np.where((flags & ACK) != 0, ack, -1), win,
                    np.where((flags & URG) != 0, _i64(c["urgent_pointer"]), -1), _i64(c["len"]), aflags, dupnum,
                    _i64(c["dupack_frame"]), bounds[:-1], bounds[1:], okind, ov1, ov2, sack_lo, sack_hi, sle, sre)


def _sack_blocks(table: PacketTable, pkt: Index, order: Index, first_row: Index) -> tuple[Index, Index, Index, Index]:
    """The whole blocks of each option (frame ``pkt``, place ``order``): their range in
    the edges returned, relative to the segment's ``sack_base``, in order."""
    sack = table.layer("tcp.sack")
    empty = np.zeros(0, dtype=np.int64)
    if len(sack) == 0:
        zeros = np.zeros(pkt.shape[0], dtype=np.int64)
        return zeros, zeros, empty, empty
    full = np.asarray(sack.cols["has_re"], dtype=np.bool_)
    spkt = sack.pkt[full].astype(np.int64)
    skey = spkt * 65536 + _i64(sack.cols["opt_order"])[full]  # (an option's place is under 40)
    by = np.argsort(skey, kind="stable")
    skey = skey[by]
    tcp = table.layer("tcp")
    base = _i64(tcp.cols.get("sack_base", np.zeros(len(tcp), dtype=np.int64)))[first_row[spkt[by]]]
    le = (_i64(sack.cols["le_raw"])[full][by] - base) & 0xFFFFFFFF
    re = (_i64(sack.cols["re_raw"])[full][by] - base) & 0xFFFFFFFF
    key = pkt.astype(np.int64) * 65536 + order
    return np.searchsorted(skey, key, side="left"), np.searchsorted(skey, key, side="right"), le, re


#: The reassembly mark after a segment's text, and alone when no prefix is before it
MARK = " [TCP segment of a reassembled PDU]"
MARK_BARE = MARK.lstrip()


class ClaimedIds(NamedTuple):
    """For each tcp row, whether the framing above TCP claims it and then its Protocol and
    its Info's parts, texts as ids (``ids_of``'s; -1 for ``text`` and ``suffix`` where they
    are empty), for the rows ``claimed`` marks (the others' are 0): the segment's own
    (``own``: the kernel's text or ``TcpParts.text``), the analysis prefixes (``pfx``),
    ``text``, and ``suffix`` (``MARK``, ``MARK_BARE`` or "")."""

    claimed: Array
    proto: Index
    own: Array
    pfx: Array
    text: Index
    suffix: Index


def claimed_ids(table: PacketTable, parts: TcpParts, ids_of: Callable[[Array], Index]) -> ClaimedIds:
    """The parts of the rows HTTP, TLS or DNS framing claims, by the rules of
    :func:`tcpscope.views.info_columns.claimed_rows`, each text an id given by ``ids_of``
    (a pool of texts shared with other columns), for the claimed rows alone: no string
    column of every row. HTTP's segment of an unfinished message is TCP's own text and the
    mark, or its first line after the prefixes and the mark; a completing one the prefixes
    and the messages' texts. TLS and DNS: TCP's own text and the mark; the mark alone after
    the prefixes (TLS cleared Info: without a prefix, no space before it); or the records'
    or messages' texts after the prefixes (a TLS text after ", " when a prefix is there).
    TLS and DNS decide after HTTP."""
    m = parts.ok.shape[0]
    zeros = np.zeros(m, dtype=np.int64)
    out = ClaimedIds(np.zeros(m, dtype=np.bool_), zeros.copy(), np.zeros(m, dtype=np.bool_),
                     np.zeros(m, dtype=np.bool_), zeros.copy(), zeros.copy())
    empty = ids_of(np.array([""], dtype=TEXT))[0]
    for c in _claims(table, parts):
        out.claimed[c.rows] = True
        out.proto[c.rows] = ids_of(c.proto)
        out.own[c.rows] = c.own
        out.pfx[c.rows] = ~c.own
        text, suffix = ids_of(c.text), ids_of(c.suffix)
        out.text[c.rows] = np.where(text == empty, -1, text)
        out.suffix[c.rows] = np.where(suffix == empty, -1, suffix)
    return out


class _Claim(NamedTuple):
    """One framer's claimed rows and their parts (see :class:`ClaimedIds`)."""

    rows: Index
    proto: Array
    own: Array
    text: Array
    suffix: Array


def _claims(table: PacketTable, parts: TcpParts) -> list[_Claim]:
    """The claimed rows' parts, a framer at a time, by the rules :func:`claimed_ids` states."""
    out: list[_Claim] = []
    for rows, show, name, text in framed_claims(table, parts.ok):
        prefixed = parts.has_prefix[rows]
        if name is None:  # HTTP
            own = show == SHOW_TCP_MARK
            proto = np.where(show == SHOW_HTTP, "HTTP", "TCP").astype(TEXT)
            suffix = np.where(show == SHOW_HTTP, "", MARK).astype(TEXT)
            text[own] = ""
        else:
            own = show == APP_TCP_MARK
            bare = show == APP_BARE_MARK
            proto = np.where(own | bare, "TCP", name).astype(TEXT)
            suffix = np.where(own, MARK, np.where(bare, np.where(prefixed, MARK, MARK_BARE), "")).astype(TEXT)
            tls_after = ~own & ~bare & (name != "DNS") & prefixed
            text[tls_after] = np.strings.add(", ", text[tls_after])
            text[own | bare] = ""
        out.append(_Claim(rows, proto, own, text, suffix))
    return out
