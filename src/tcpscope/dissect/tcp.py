"""TCP headers and options (RFC 9293 §3.1, RFC 7323, RFC 2018), as packet-tcp.c reads them.

``dissect_tcp`` reads the ports, then sequence, acknowledgment, data offset, flags and
window together (a frame cut inside those 16 bytes shows the ports only), then the
checksum and urgent pointer. ``tcp.len`` is the reported length (from IP) minus the
header length, unless the frame is an unreassembled IP fragment or the reported
length is shorter than the header ("Short segment"). A data offset below 5 is a bogus
header length: nothing after the sequence number is shown.

Options are walked as ``tcp_dissect_options`` walks them, one option per step for all
segments at once: EOL and NOP are one byte; every other kind needs a length byte
(missing, under 2, or past the end of the options ends the walk with a note); each
known kind checks its own length ("option length should be N") before its values
count. A read past the captured bytes ends the frame's dissection there, as
Wireshark's exception does, so later fields and the SEQ/ACK analysis are absent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tcpscope.constants import (
    ACK,
    FIN,
    RST,
    SYN,
    TCP_MAX_WINSHIFT,
    TCPOPT_CC,
    TCPOPT_CCECHO,
    TCPOPT_CCNEW,
    TCPOPT_ECHO,
    TCPOPT_ECHOREPLY,
    TCPOPT_MPTCP,
    TCPOPT_MSS,
    TCPOPT_NOP,
    TCPOPT_SACK,
    TCPOPT_TIMESTAMP,
    TCPOPT_USER_TO,
    TCPOPT_WINDOW,
    URG,
)
from tcpscope.dissect.context import DissectContext, Proto, rows_of
from tcpscope.dissect.experts import EXPERT_CODE
from tcpscope.dissect.kernels import (
    FIXED_LEN,
    SimpleOptions,
    length_past_options,
    length_too_short,
    length_wrong,
    nonzero_after_eol,
    nop_continues_run,
    one_byte,
    sack_blocks,
    sack_partial,
    simple_options,
    worth_it,
    wscale_invalid,
)
from tcpscope.dissect.protocols import PROTO_CODE
from tcpscope.dissect.tcp_options import OptionBytes, OptionRun, other_options

__all__ = ["TCP_HEADER", "dissect_tcp", "header_experts", "simple_option_rows", "tcp_columns"]

TCP_HEADER = np.dtype([("sport", ">u2"), ("dport", ">u2"), ("seq", ">u4"), ("ack", ">u4"),
                 ("offflags", ">u2"), ("win", ">u2"), ("sum", ">u2"), ("urp", ">u2")])


def dissect_tcp(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """Decode TCP headers and options of frames ``idx`` (see the module docstring)."""
    ctx.mark_stack(idx, PROTO_CODE["tcp"])
    avail = ctx.avail(idx)
    ravail = ctx.ravail(idx)
    h = ctx.read(idx, 20).view(TCP_HEADER).reshape(-1)
    flags = (h["offflags"] & 0x0FFF).astype(np.uint16)
    hlen = ((h["offflags"] >> 12).astype(np.int64)) * 4
    reach = np.searchsorted(np.array([4, 16, 18, 20]), avail, side="right").astype(np.int8)
    frag = ctx.fragmented[idx]
    bogus = hlen < 20
    short_seg = ~frag & (ravail < hlen)
    has_len = ~frag & ~short_seg & (reach >= 2)
    seglen = np.where(has_len, ravail - hlen, -1)
    # a bogus header length ends TCP after the sequence number
    reach = np.where(bogus & (reach >= 2), np.int8(2), reach)
    start = ctx.off[idx].copy()
    # exceptions inside the fixed header
    cut = reach < 4
    cut_h = cut & ~(bogus & (reach >= 2))
    if cut_h.any():
        need = np.array([4, 16, 18, 20])[np.minimum(reach[cut_h], 3)]
        ctx.stop(idx[cut_h], ravail[cut_h] < need)
    live = ~cut_h & ~bogus
    ctx.nxt[idx] = np.where(live, np.int8(Proto.DONE), ctx.nxt[idx])

    header_experts(ctx, idx, flags, h, reach, bogus, short_seg, hlen)

    # options, for segments whose fixed header is complete and whose header length is sane
    opt_exc = np.zeros(idx.shape[0], dtype=np.bool_)
    ws = np.full(idx.shape[0], -1, dtype=np.int8)
    if live.any():
        li = np.flatnonzero(live & (hlen > 20))
        if li.shape[0]:
            exc, shift = _options(ctx, idx[li], start[li], hlen[li], flags[li], ravail[li], avail[li],
                                  h["ack"][li].astype(np.int64))
            opt_exc[li] = exc
            ws[li] = shift
    ctx.add_rows("tcp", idx, tcp_columns(h, flags, hlen, reach, bogus, short_seg & (reach >= 2), has_len, seglen,
                                         start, ctx.end[idx], opt_exc, ws))
    payload_off = start + hlen
    # segments with payload hand it on (as data, until an application layer claims it)
    pay = live & ~opt_exc & has_len & (seglen > 0)
    ctx.mark_stack(idx[pay], PROTO_CODE["data"])
    ctx.off[idx[live]] = payload_off[live]


def tcp_columns(h: NDArray[np.void], flags: NDArray[np.uint16], hlen: NDArray[np.int64], reach: NDArray[np.int8],
                bogus: NDArray[np.bool_], short_segment: NDArray[np.bool_], has_len: NDArray[np.bool_],
                seglen: NDArray[np.int64], start: NDArray[np.int64], end: NDArray[np.int64],
                opt_exception: NDArray[np.bool_], ws_shift: NDArray[np.int8]) -> dict[str, NDArray[np.generic]]:
    """The ``tcp`` layer's columns of headers ``h`` (:data:`TCP_HEADER` rows) starting at
    ``start``, whose layer's captured bytes end at ``end``."""
    payload_off = start + hlen
    return {
        "srcport": h["sport"],
        "dstport": h["dport"],
        "seq_raw": h["seq"],
        "ack_raw": h["ack"],
        "hdr_len": hlen.astype(np.uint8),
        "flags": flags,
        "window_size_value": h["win"],
        "checksum": h["sum"],
        "urgent_pointer": h["urp"],
        "reach": reach,
        "bogus_hlen": bogus,
        "short_segment": short_segment,
        "has_len": has_len,
        "len": seglen,
        "hdr_off": start,
        "opt_exception": opt_exception,
        "ws_shift": ws_shift,
        "payload_off": payload_off,
        "payload_cap": np.clip(end - payload_off, 0, None),
        # the option bytes captured (tcp.options covers them, "as far as captured")
        "opt_cap": np.clip(end - (start + 20), 0, np.maximum(hlen - 20, 0)).astype(np.uint8),
    }


def header_experts(ctx: DissectContext, idx: NDArray[np.int64], flags: NDArray[np.uint16], h: NDArray[np.void],
             reach: NDArray[np.int8], bogus: NDArray[np.bool_], short_seg: NDArray[np.bool_],
             hlen: NDArray[np.int64]) -> None:
    """The header experts of dissect_tcp, in the order it adds them."""
    ok = reach >= 2
    ctx.expert(idx[ok & short_seg], EXPERT_CODE["tcp.short_segment"])
    b = ok & bogus
    ctx.expert(idx[b], EXPERT_CODE["tcp.bogus_header_length"], hlen[b])
    full = ok & ~bogus
    nonzero_ack = full & ((flags & ACK) == 0) & (h["ack"] != 0)
    ctx.expert(idx[nonzero_ack], EXPERT_CODE["tcp.ack.nonzero"])
    syn = full & ((flags & SYN) != 0)
    synack = syn & ((flags & ACK) != 0)
    ctx.expert(idx[synack], EXPERT_CODE["tcp.connection.synack"], h["sport"][synack].astype(np.int64))
    puresyn = syn & ~synack
    ctx.expert(idx[puresyn], EXPERT_CODE["tcp.connection.syn"], h["dport"][puresyn].astype(np.int64))
    fin = full & ((flags & FIN) != 0)
    ctx.expert(idx[fin], EXPERT_CODE["tcp.connection.fin"])
    rst = full & ((flags & RST) != 0)
    ctx.expert(idx[rst], EXPERT_CODE["tcp.connection.rst"])
    urg = (reach >= 4) & ~bogus & ((flags & URG) == 0) & (h["urp"] != 0)
    ctx.expert(idx[urg], EXPERT_CODE["tcp.urgent_pointer.non_zero"])


def _options(ctx: DissectContext, idx: NDArray[np.int64], start: NDArray[np.int64], hlen: NDArray[np.int64],
             flags: NDArray[np.uint16], ravail: NDArray[np.int64], avail: NDArray[np.int64],
             ack: NDArray[np.int64],
             ) -> tuple[NDArray[np.bool_], NDArray[np.int8]]:
    """Walk the options of segments ``idx``; returns (threw an exception, last window-scale shift).

    Well-formed segments go through the compiled walk of
    :mod:`tcpscope.dissect.kernels` (when it is worth it there); the others through
    :func:`_walk_options`.
    """
    opts = OptionBytes.of(ctx.data, start)
    m = idx.shape[0]
    if worth_it(m):
        fast = simple_options(opts.flat, OptionBytes.WIDTH, hlen, avail, ravail, flags)
        simple_option_rows(ctx, idx, start, fast)
        shift = fast.ws
        rest = np.flatnonzero(~fast.simple)
    else:
        shift = np.full(m, -1, dtype=np.int8)
        rest = np.arange(m)
    exc = np.zeros(m, dtype=np.bool_)
    if rest.shape[0]:
        exc[rest], shift[rest] = _walk_options(ctx, idx[rest], start[rest], hlen[rest], flags[rest], ravail[rest],
                                               avail[rest], ack[rest], opts.subset(rest))
    return exc, shift


def simple_option_rows(ctx: DissectContext, idx: NDArray[np.int64], start: NDArray[np.int64], fast: SimpleOptions) -> None:
    """The ``tcp.option`` and ``tcp.sack`` rows of the segments the kernel walked."""
    k = fast.seg.shape[0]
    if k:
        t = np.ones(k, dtype=np.bool_)
        f = np.zeros(k, dtype=np.bool_)
        nolen = one_byte(fast.kind)
        ctx.add_rows("tcp.option", idx[fast.seg], {
            "kind": fast.kind, "len": fast.olen, "has_len": ~nolen, "off": start[fast.seg] + 20 + fast.pos,
            "order": fast.order, "ok": t, "invalid": f, "v1": fast.v1, "v2": fast.v2,
            "has_v1": (fast.kind == TCPOPT_MSS) | (fast.kind == TCPOPT_WINDOW) | (fast.kind == TCPOPT_TIMESTAMP),
            "has_v2": fast.kind == TCPOPT_TIMESTAMP, "item": t,
        })
    s = fast.sack_seg.shape[0]
    if s:
        ctx.add_rows("tcp.sack", idx[fast.sack_seg], {
            "le_raw": fast.sack_le, "re_raw": fast.sack_re, "has_re": np.ones(s, dtype=np.bool_),
            "block": fast.sack_block, "opt_order": fast.sack_order,
        })


def _walk_options(ctx: DissectContext, idx: NDArray[np.int64], start: NDArray[np.int64], hlen: NDArray[np.int64],
                  flags: NDArray[np.uint16], ravail: NDArray[np.int64], avail: NDArray[np.int64],
                  ack: NDArray[np.int64], opts: OptionBytes,
                  ) -> tuple[NDArray[np.bool_], NDArray[np.int8]]:
    """The vectorized walk, every rule of ``tcp_dissect_options``: one option of every
    segment per round (see the module docstring)."""
    m = idx.shape[0]
    rows = np.arange(m)
    pos = start + 20
    length = hlen - 20
    cap_end = start + avail
    rep_end = start + ravail
    eol = np.zeros(m, dtype=np.bool_)
    nop_count = np.zeros(m, dtype=np.int64)
    mss_seen = np.zeros(m, dtype=np.bool_)
    exc = np.zeros(m, dtype=np.bool_)
    aborted = np.zeros(m, dtype=np.bool_)  # the walk returned early (no "MSS absent" check)
    shift = np.full(m, -1, dtype=np.int8)
    active = rows[length > 0]
    order = 0
    out: list[dict[str, NDArray[np.generic]]] = []
    sack_out: list[dict[str, NDArray[np.generic]]] = []
    # the SACK blocks the segment has shown so far (tcph->sack_*_edge): count, first two blocks
    sack = _SackState(np.zeros(m, np.int64), np.zeros((m, 2), np.int64), np.zeros((m, 2), np.int64), ack)

    def throw(r: NDArray[np.int64], at: NDArray[np.int64]) -> None:
        """A read at ``at`` past the captured bytes: the frame's dissection ends."""
        exc[r] = True
        ctx.stop(idx[r], at >= rep_end[r])

    while active.shape[0]:
        a = active
        p = pos[a]
        # tvb_get_guint8(offset): needs the kind byte
        nocap = p >= cap_end[a]
        if nocap.any():
            throw(a[nocap], p[nocap])
            a, p = a[~nocap], p[~nocap]
        kind = opts.read(a, p, 2)
        opt = kind[:, 0].astype(np.int64)
        lenbyte = kind[:, 1].astype(np.int64)
        after_eol = nonzero_after_eol(eol[a], opt)
        if after_eol.any():
            ctx.expert(idx[a[after_eol]], EXPERT_CODE["tcp.non_zero_bytes_after_eol"], slot=100 + 10 * order)
            length[a[after_eol]] = 0
            aborted[a[after_eol]] = True
            a, p, opt, lenbyte = a[~after_eol], p[~after_eol], opt[~after_eol], lenbyte[~after_eol]
        length[a] -= 1
        one = one_byte(opt)
        # EOL / NOP
        if one.any():
            o = a[one]
            nop = opt[one] == TCPOPT_NOP
            counts = nop_continues_run(nop_count[o], pos[o] - start[o])
            inc = nop & counts
            nop_count[o[inc]] += 1
            four = inc & (nop_count[o] == 4)
            ctx.expert(idx[o[four]], EXPERT_CODE["tcp.nop"], slot=100 + 10 * order)
            nop_count[o[nop & ~counts]] = 0
            out.append(_opt_rows(idx[o], opt[one], np.zeros(o.shape[0], np.int64), pos[o], order,
                                 np.zeros(o.shape[0], np.bool_), np.ones(o.shape[0], np.bool_)))
            pos[o] += 1
            eol[o[~nop]] = True
        # options with a length byte
        t = ~one
        if t.any():
            b = a[t]
            ob = opt[t]
            lb = lenbyte[t]
            pb = pos[b]
            no_len = length[b] == 0
            if no_len.any():
                ctx.expert(idx[b[no_len]], EXPERT_CODE["tcp.option.len.invalid/no_len"], ob[no_len], slot=100 + 10 * order)
                out.append(_opt_rows(idx[b[no_len]], ob[no_len], lb[no_len], pb[no_len], order,
                                     np.zeros(int(no_len.sum()), np.bool_), np.zeros(int(no_len.sum()), np.bool_),
                                     item=np.zeros(int(no_len.sum()), np.bool_)))
                length[b[no_len]] = 0
                aborted[b[no_len]] = True
            keep = rows_of(~no_len)
            b, ob, lb, pb = b[keep], ob[keep], lb[keep], pb[keep]
            # tvb_get_guint8(offset + 1): the length byte must be captured
            nl = pb + 1 >= cap_end[b]
            if nl.any():
                out.append(_opt_rows(idx[b[nl]], ob[nl], lb[nl], pb[nl], order,
                                     np.zeros(int(nl.sum()), np.bool_), np.zeros(int(nl.sum()), np.bool_),
                                     item=np.zeros(int(nl.sum()), np.bool_)))
                throw(b[nl], pb[nl] + 1)
                b, ob, lb, pb = b[~nl], ob[~nl], lb[~nl], pb[~nl]
            length[b] -= 1
            too_short = length_too_short(lb)
            past = ~too_short & length_past_options(lb, length[b])
            bad = too_short | past
            if too_short.any():
                ctx.expert(idx[b[too_short]], EXPERT_CODE["tcp.option.len.invalid/too_short"], ob[too_short], lb[too_short],
                           slot=100 + 10 * order)
            if past.any():
                ctx.expert(idx[b[past]], EXPERT_CODE["tcp.option.len.invalid/past_end"], ob[past], lb[past],
                           slot=100 + 10 * order)
            if bad.any():
                out.append(_opt_rows(idx[b[bad]], ob[bad], lb[bad], pb[bad], order,
                                     np.ones(int(bad.sum()), np.bool_), np.zeros(int(bad.sum()), np.bool_),
                                     invalid=np.ones(int(bad.sum()), np.bool_), item=np.zeros(int(bad.sum()), np.bool_)))
                length[b[bad]] = 0
                aborted[b[bad]] = True
            g = rows_of(~bad)
            b, ob, lb, pb = b[g], ob[g], lb[g], pb[g]
            mss_seen[b[ob == TCPOPT_MSS]] = True
            res = _one_option(ctx, opts, b, idx[b], ob, lb, pb, cap_end[b], rep_end[b], flags[b], order, out,
                              sack_out, sack)
            threw, ws_val = res
            if threw.any():
                exc[b[threw]] = True
                length[b[threw]] = 0
            has_ws = ws_val >= 0
            shift[b[has_ws]] = ws_val[has_ws]
            ok = ~threw
            pos[b[ok]] += lb[ok]
            length[b[ok]] -= lb[ok] - 2
        order += 1
        active = rows[(length > 0) & ~exc]
    # SYN without an MSS option (the segment has options, or we would not be here)
    no_mss = ((flags & SYN) != 0) & ~mss_seen & ~exc & ~aborted
    ctx.expert(idx[no_mss], EXPERT_CODE["tcp.options.mss.absent"])
    for chunk in out:
        if chunk["pkt"].shape[0]:
            # a dissected MPTCP option is a protocol of its own in frame.protocols (tcp:mptcp)
            ctx.mark_stack(chunk["pkt"][(chunk["kind"] == TCPOPT_MPTCP) & chunk["item"]], PROTO_CODE["mptcp"])
            ctx.add_rows("tcp.option", chunk.pop("pkt"), chunk)  # type: ignore[arg-type]
    for chunk in sack_out:
        if chunk["pkt"].shape[0]:
            ctx.add_rows("tcp.sack", chunk.pop("pkt"), chunk)  # type: ignore[arg-type]
    return exc, shift


def _opt_rows(pkt: NDArray[np.int64], kind: NDArray[np.int64], olen: NDArray[np.int64], at: NDArray[np.int64],
              order: int, has_len: NDArray[np.bool_], ok: NDArray[np.bool_],
              invalid: NDArray[np.bool_] | None = None,
              v1: NDArray[np.int64] | None = None, v2: NDArray[np.int64] | None = None,
              has_v1: NDArray[np.bool_] | None = None, has_v2: NDArray[np.bool_] | None = None,
              item: NDArray[np.bool_] | None = None,
              ) -> dict[str, NDArray[np.generic]]:
    """Rows of the ``tcp.option`` table. ``item``: the option is in the tree (its kind and length
    show); an option with a missing or bad length byte only has an expert note."""
    m = pkt.shape[0]
    z = np.zeros(m, dtype=np.int64)
    f = np.zeros(m, dtype=np.bool_)
    return {
        "pkt": pkt,
        "kind": kind.astype(np.uint8),
        "len": olen.astype(np.uint8),
        "has_len": has_len,
        "off": at,
        "order": np.full(m, order, dtype=np.int16),
        "ok": ok,
        "invalid": f if invalid is None else invalid,
        "v1": z if v1 is None else v1,
        "v2": z if v2 is None else v2,
        "has_v1": f if has_v1 is None else has_v1,
        "has_v2": f if has_v2 is None else has_v2,
        "item": np.ones(m, dtype=np.bool_) if item is None else item,
    }


@dataclass(frozen=True)
class _SackState:
    """Per segment: SACK blocks shown so far, the first two of them (raw edges), and the raw ACK."""

    count: NDArray[np.int64]
    left: NDArray[np.int64]
    right: NDArray[np.int64]
    ack: NDArray[np.int64]


def _seq_diff(a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.int64]:
    """``(gint32)(a - b)``: the sign that LE_SEQ, LT_SEQ and GE_SEQ look at."""
    out: NDArray[np.int64] = ((a - b + 2**31) & 0xFFFFFFFF) - 2**31
    return out


def _one_option(ctx: DissectContext, opts: OptionBytes, seg: NDArray[np.int64], pkt: NDArray[np.int64],
                kind: NDArray[np.int64], olen: NDArray[np.int64],
                at: NDArray[np.int64], cap_end: NDArray[np.int64], rep_end: NDArray[np.int64],
                flags: NDArray[np.uint16], order: int,
                out: list[dict[str, NDArray[np.generic]]], sack_out: list[dict[str, NDArray[np.generic]]],
                sack: _SackState,
                ) -> tuple[NDArray[np.bool_], NDArray[np.int8]]:
    """Run one option's dissector for each segment; returns (threw, window-scale shift or -1).

    ``seg`` are the segments' rows in ``opts``, ``pkt`` their frames.
    """
    m = pkt.shape[0]
    run = OptionRun(ctx, opts, seg, pkt, kind, olen, at, cap_end, rep_end, order)
    threw, v1, v2, has_v1, has_v2 = run.threw, run.v1, run.v2, run.has_v1, run.has_v2
    ws = np.full(m, -1, dtype=np.int8)
    wrong_len = length_wrong(kind, olen)
    if wrong_len.any():
        ctx.expert(pkt[wrong_len], EXPERT_CODE["tcp.option.len.invalid/should"], FIXED_LEN[kind[wrong_len]],
                   slot=102 + 10 * order)

    def need(mask: NDArray[np.bool_], upto: NDArray[np.int64]) -> NDArray[np.bool_]:
        return run.need(mask, upto - at)

    good = ~wrong_len
    # MSS: "The non-SYN packet does contain a MSS option" comes first, even for a bad length
    mss = kind == TCPOPT_MSS
    nonsyn = mss & ((flags & SYN) == 0)
    ctx.expert(pkt[nonsyn], EXPERT_CODE["tcp.options.mss.present"], slot=101 + 10 * order)
    r = need(mss & good, at + 4)
    v1[r] = opts.uint(seg[r], at[r] + 2, 2)
    has_v1[r] = True
    # window scale
    w = need((kind == TCPOPT_WINDOW) & good, at + 3)
    sh = opts.uint(seg[w], at[w] + 2, 1)
    v1[w] = sh
    has_v1[w] = True
    big = wscale_invalid(sh)
    ctx.expert(pkt[w][big], EXPERT_CODE["tcp.options.wscale.shift.invalid"], slot=103 + 10 * order)
    ws[w] = np.minimum(sh, TCP_MAX_WINSHIFT).astype(np.int8)
    # timestamps: the value is shown before the echo reply is read
    t = need((kind == TCPOPT_TIMESTAMP) & good, at + 6)
    v1[t] = opts.uint(seg[t], at[t] + 2, 4)
    has_v1[t] = True
    t = need(t, at + 10)
    v2[t] = opts.uint(seg[t], at[t] + 6, 4)
    has_v2[t] = True
    # user timeout, echo, CC: one value
    for k, width in ((TCPOPT_USER_TO, 2), (TCPOPT_ECHO, 4), (TCPOPT_ECHOREPLY, 4), (TCPOPT_CC, 4), (TCPOPT_CCNEW, 4),
                     (TCPOPT_CCECHO, 4)):
        e = need((kind == k) & good, at + 2 + width)
        if e.any():
            v1[e] = opts.uint(seg[e], at[e] + 2, width)
            has_v1[e] = True
    # SACK blocks: each edge read as it is reached
    s = np.flatnonzero(kind == TCPOPT_SACK)
    if s.shape[0]:
        nblk = sack_blocks(olen[s])
        part = sack_partial(olen[s])
        # whole blocks, then the left edge of a partial block of 4 bytes or more
        edges = nblk + (part >= 4)
        for j in range(int(edges.max())):
            rj = s[edges > j]
            rj = rj[~threw[rj]]
            le_ok = need(np.isin(np.arange(m), rj), at + 2 + 8 * j + 4)
            whole = np.zeros(m, dtype=np.bool_)
            whole[s[nblk > j]] = True
            re_ok = need(le_ok & whole, at + 2 + 8 * j + 8)
            rows_le = np.flatnonzero(le_ok)
            if rows_le.shape[0]:
                le_raw = opts.uint(seg[rows_le], at[rows_le] + 2 + 8 * j, 4)
                re_raw = opts.uint(seg[rows_le], at[rows_le] + 6 + 8 * j, 4)
                sack_out.append({
                    "pkt": pkt[rows_le],
                    "le_raw": le_raw,
                    "re_raw": re_raw,
                    "has_re": re_ok[rows_le],
                    "block": np.full(rows_le.shape[0], j, dtype=np.int8),
                    "opt_order": np.full(rows_le.shape[0], order, dtype=np.int16),
                })
                done = re_ok[rows_le]
                g = seg[rows_le[done]]
                n = sack.count[g]
                for k in (0, 1):
                    sk = n == k
                    sack.left[g[sk], k] = le_raw[done][sk]
                    sack.right[g[sk], k] = re_raw[done][sk]
                sack.count[g] += 1
        sub = s[(part > 0) & ~threw[s]]
        ctx.expert(pkt[sub], EXPERT_CODE["tcp.suboption_malformed"], slot=104 + 10 * order)
        # The D-SACK check reads the option's first block whenever the first block the segment
        # showed ends at or before the ACK, or its second block covers the first's end; with
        # no whole block in the option that read goes past it: an exception. With no block
        # shown at all the right edge is 0 and the relative ACK is taken to be below 2^31.
        empty = s[(nblk == 0) & ~threw[s]]
        if empty.shape[0]:
            g = seg[empty]
            n = sack.count[g]
            first, second = sack.right[g, 0], sack.left[g, 1]
            dsack = (n == 0) | (_seq_diff(first, sack.ack[g]) <= 0) | (
                (n > 1) & (_seq_diff(second, first) < 0) & (_seq_diff(sack.right[g, 1], first) >= 0))
            hit = np.zeros(m, dtype=np.bool_)
            hit[empty[dsack]] = True
            run.need(run.need(hit, 6), 10)  # the D-SACK edges at offsets 2 and 6
    other_options(run, flags, good)
    out.append(_opt_rows(pkt, kind, olen, at, order, np.ones(m, np.bool_), ~threw & good,
                         invalid=wrong_len, v1=v1, v2=v2, has_v1=has_v1, has_v2=has_v2))
    return threw, ws
