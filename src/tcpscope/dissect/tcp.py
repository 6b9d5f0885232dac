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
Well-formed options go through the compiled walk (:mod:`tcpscope.dissect.kernels`), the
others through the vectorized one (:mod:`tcpscope.dissect.tcp_walk`).
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
    TCPOPT_MSS,
    TCPOPT_TIMESTAMP,
    TCPOPT_WINDOW,
    URG,
)
from tcpscope.dissect.context import DissectContext, Proto
from tcpscope.dissect.experts import EXPERT_CODE
from tcpscope.dissect.kernels import (
    SimpleOptions,
    one_byte,
    simple_options,
    walkable_options,
    worth_it,
)
from tcpscope.dissect.protocols import PROTO_CODE
from tcpscope.dissect.tcp_options import OptionBytes
from tcpscope.dissect.tcp_walk import OptionWalk, Segments

__all__ = ["TCP_HEADER", "TcpHeaders", "dissect_tcp", "header_experts", "simple_option_rows", "tcp_columns"]

TCP_HEADER = np.dtype([("sport", ">u2"), ("dport", ">u2"), ("seq", ">u4"), ("ack", ">u4"),
                 ("offflags", ">u2"), ("win", ">u2"), ("sum", ">u2"), ("urp", ">u2")])


@dataclass(frozen=True)
class TcpHeaders:
    """The TCP headers of frames ``idx``: their fixed 20 bytes ``h`` (:data:`TCP_HEADER`
    rows), flags and header length; how far the fixed header was read (``reach``: 0
    nothing, 1 the ports, 2 up to the window, 3 the checksum, 4 all of it); whether the
    header length is bogus (under 20), and whether the segment is shorter than its header
    (``short_seg``, once that is read); where the header starts and where the layer's
    captured bytes end."""

    idx: NDArray[np.int64]
    h: NDArray[np.void]
    flags: NDArray[np.uint16]
    hlen: NDArray[np.int64]
    reach: NDArray[np.int8]
    bogus: NDArray[np.bool_]
    short_seg: NDArray[np.bool_]
    start: NDArray[np.int64]
    end: NDArray[np.int64]


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
    hd = TcpHeaders(idx, h, flags, hlen, reach, bogus, short_seg & (reach >= 2), ctx.off[idx].copy(), ctx.end[idx])
    # exceptions inside the fixed header
    cut = reach < 4
    cut_h = cut & ~(bogus & (reach >= 2))
    if cut_h.any():
        need = np.array([4, 16, 18, 20])[np.minimum(reach[cut_h], 3)]
        ctx.stop(idx[cut_h], ravail[cut_h] < need)
    live = ~cut_h & ~bogus
    ctx.nxt[idx] = np.where(live, np.int8(Proto.DONE), ctx.nxt[idx])

    header_experts(ctx, hd)

    # options, for segments whose fixed header is complete and whose header length is sane
    opt_exc = np.zeros(idx.shape[0], dtype=np.bool_)
    ws = np.full(idx.shape[0], -1, dtype=np.int8)
    if live.any():
        li = np.flatnonzero(live & (hlen > 20))
        if li.shape[0]:
            segs = Segments(idx[li], hd.start[li], hlen[li], flags[li], avail[li], ravail[li],
                            h["ack"][li].astype(np.int64))
            opt_exc[li], ws[li] = _options(ctx, segs)
    ctx.add_rows("tcp", idx, tcp_columns(hd, seglen, opt_exc, ws))
    payload_off = hd.start + hlen
    # segments with payload hand it on (as data, until an application layer claims it)
    pay = live & ~opt_exc & has_len & (seglen > 0)
    ctx.mark_stack(idx[pay], PROTO_CODE["data"])
    ctx.off[idx[live]] = payload_off[live]


def tcp_columns(hd: TcpHeaders, seglen: NDArray[np.int64], opt_exception: NDArray[np.bool_],
                ws_shift: NDArray[np.int8]) -> dict[str, NDArray[np.generic]]:
    """The ``tcp`` layer's columns of headers ``hd``: ``seglen`` is tcp.len (-1: not known),
    ``opt_exception`` whether the options' walk threw, ``ws_shift`` the last window-scale
    shift (-1: none)."""
    h, hlen, start, end = hd.h, hd.hlen, hd.start, hd.end
    payload_off = start + hlen
    return {
        "srcport": h["sport"],
        "dstport": h["dport"],
        "seq_raw": h["seq"],
        "ack_raw": h["ack"],
        "hdr_len": hlen.astype(np.uint8),
        "flags": hd.flags,
        "window_size_value": h["win"],
        "checksum": h["sum"],
        # tcp.checksum.status (Unverified) and tcp.checksum_calculated (absent) unless
        # -o tcp.check_checksum:TRUE (dissect/checksum.py)
        "checksum_status": np.full(h.shape[0], 2, dtype=np.int8),
        "checksum_calculated": np.zeros(h.shape[0], dtype=np.uint16),
        "urgent_pointer": h["urp"],
        "reach": hd.reach,
        "bogus_hlen": hd.bogus,
        "short_segment": hd.short_seg,
        "has_len": seglen >= 0,
        "len": seglen,
        "hdr_off": start,
        "opt_exception": opt_exception,
        "ws_shift": ws_shift,
        "payload_off": payload_off,
        "payload_cap": np.clip(end - payload_off, 0, None),
        # the option bytes captured (tcp.options covers them, "as far as captured")
        "opt_cap": np.clip(end - (start + 20), 0, np.maximum(hlen - 20, 0)).astype(np.uint8),
    }


def header_experts(ctx: DissectContext, hd: TcpHeaders) -> None:
    """The header experts of dissect_tcp, in the order it adds them."""
    idx, flags, h, reach, bogus = hd.idx, hd.flags, hd.h, hd.reach, hd.bogus
    ok = reach >= 2
    ctx.expert(idx[ok & hd.short_seg], EXPERT_CODE["tcp.short_segment"])
    b = ok & bogus
    ctx.expert(idx[b], EXPERT_CODE["tcp.bogus_header_length"], hd.hlen[b])
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


def _options(ctx: DissectContext, segs: Segments) -> tuple[NDArray[np.bool_], NDArray[np.int8]]:
    """Walk the options of segments ``segs``; returns (threw an exception, last window-scale shift).

    Well-formed segments go through the compiled walk of
    :mod:`tcpscope.dissect.kernels` (when it is worth it there); the others through
    :class:`OptionWalk`.
    """
    opts = OptionBytes.of(ctx.data, segs.start)
    m = segs.idx.shape[0]
    if worth_it(m):
        fast = simple_options(opts.flat, OptionBytes.WIDTH, walkable_options(segs.hlen, segs.avail, segs.ravail),
                              segs.flags)
        simple_option_rows(ctx, segs.idx, segs.start, fast)
        shift = fast.ws
        rest = np.flatnonzero(~fast.simple)
    else:
        shift = np.full(m, -1, dtype=np.int8)
        rest = np.arange(m)
    exc = np.zeros(m, dtype=np.bool_)
    if rest.shape[0]:
        walk = OptionWalk.start(ctx, segs.take(rest), opts.subset(rest))
        walk.run()
        exc[rest], shift[rest] = walk.exc, walk.shift
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


