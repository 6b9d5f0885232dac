"""IPv6 (RFC 8200 §3-4) with its extension headers, as packet-ipv6.c reads them.

The fixed header gives ``ipv6.*`` and, hidden, ``ip.version``. The payload length trims
the layer (``set_actual_length``). A payload length of 0 is taken at its word (tshark's
``ipv6.tso_support`` is off by default), except before a Hop-by-Hop header whose Jumbo
Payload option gives a length above 65535. Hop-by-Hop (0), Routing (43), Destination
Options (60) and Authentication (51) headers are stepped over by their length (the
options of Hop-by-Hop and Destination Options walked as ``dissect_opts`` walks them: an
option running past the captured payload ends the frame);
a Fragment header (44) either feeds :mod:`tcpscope.dissect.frag` (all bytes captured)
or, for a first fragment, lets the upper layer be dissected without a TCP length.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tcpscope._bytes import gather
from tcpscope.dissect.context import DissectContext, Proto
from tcpscope.dissect.experts import EXPERT_CODE
from tcpscope.dissect.frag import FragmentRows, Fragments
from tcpscope.dissect.ipv4 import next_from_ipproto, source_is_v6
from tcpscope.dissect.protocols import PROTO_CODE

__all__ = ["IPV6_HEADER", "dissect_ipv6", "ipv6_columns"]

IPV6_HEADER = np.dtype([("vtf", ">u4"), ("plen", ">u2"), ("nxt", "u1"), ("hlim", "u1"),
                 ("src", "u1", 16), ("dst", "u1", 16)])

_EXT_NAME = {0: "ipv6.hopopts", 43: "ipv6.routing", 60: "ipv6.dstopts", 51: "ah"}
MAX_EXT = 16


def dissect_ipv6(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """Decode IPv6 headers and their extension headers at the cursors of frames ``idx``."""
    ctx.mark_stack(idx, PROTO_CODE["ipv6"])
    avail = ctx.avail(idx)
    h = ctx.read(idx, 40).view(IPV6_HEADER).reshape(-1)
    ver = (h["vtf"] >> 28).astype(np.uint8)
    plen = h["plen"].astype(np.int64)
    nxt = h["nxt"]
    rlen = ctx.ravail(idx)
    # reads in Wireshark's order: version (1 byte), tclass+flow (4), plen (6), nxt (7),
    # hlim (8), src (24), dst (40)
    need = np.array([1, 4, 6, 7, 8, 24, 40], dtype=np.int64)
    reach = np.searchsorted(need, avail, side="right").astype(np.int8)
    bad_ver = ver != 6
    reach = np.where(bad_ver, np.minimum(reach, 1), reach)
    ctx.add_rows("ipv6", idx, ipv6_columns(h, reach))
    source_is_v6(ctx, idx[reach >= 6], True)
    # reads in that order; a read past the captured bytes ends the frame
    empty = avail < 1
    bad_ver &= ~empty
    ctx.expert(idx[bad_ver], EXPERT_CODE["ipv6.bogus_ipv6_version"])
    six = ~empty & ~bad_ver
    ctx.expert(idx[six & (rlen < 40)], EXPERT_CODE["ipv6.invalid_header"], slot=1)
    # a zero payload length is taken at its word (ipv6.tso_support is off)
    zero = six & (avail >= 7) & (plen == 0) & (nxt != 0) & (nxt != 59)
    ctx.expert(idx[zero], EXPERT_CODE["ipv6.plen_zero"], slot=2)
    stop_now = bad_ver | (avail < 40)
    if stop_now.any():
        s = idx[stop_now]
        ctx.nxt[s] = Proto.DONE
        cut = ~bad_ver[stop_now]
        if cut.any():
            ctx.stop(s[cut], rlen[stop_now][cut] < need[np.minimum(reach[stop_now][cut], 6)])
    go = ~stop_now
    gi = idx[go]
    if gi.shape[0] == 0:
        return
    g_plen = plen[go]
    jumbo = (g_plen == 0) & (nxt[go] == 0)
    if jumbo.any():
        g_plen[jumbo] = _jumbo_plen(ctx, ctx.off[gi[jumbo]] + 40, ctx.end[gi[jumbo]])
        missing = jumbo & (g_plen == 0)
        ctx.expert(gi[missing], EXPERT_CODE["ipv6.opt.jumbo.missing"], slot=3)
    over = g_plen > rlen[go] - 40
    ctx.expert(gi[over], EXPERT_CODE["ipv6.plen_exceeds_framing"], rlen[go][over] - 40, slot=4)
    start = ctx.off[gi]
    new_rend = np.minimum(ctx.rend[gi], start + 40 + np.maximum(g_plen, 0))
    ctx.rend[gi] = new_rend
    ctx.end[gi] = np.minimum(ctx.end[gi], new_rend)
    ctx.off[gi] += 40
    _extension_headers(ctx, gi, nxt[go].astype(np.int64),
                       h["src"][go], h["dst"][go])


def ipv6_columns(h: NDArray[np.void], reach: NDArray[np.int8]) -> dict[str, NDArray[np.generic]]:
    """The ``ipv6`` layer's columns of fixed headers ``h`` (:data:`IPV6_HEADER` rows);
    ``reach``: how many of the header's reads the captured bytes allowed (see dissect_ipv6)."""
    return {
        "version": (h["vtf"] >> 28).astype(np.uint8),
        "tclass": ((h["vtf"] >> 20) & 0xFF).astype(np.uint8),
        "flow": (h["vtf"] & 0xFFFFF).astype(np.uint32),
        "plen": h["plen"].astype(np.uint32),
        "nxt": h["nxt"],
        "hlim": h["hlim"],
        "src": h["src"].copy(),
        "dst": h["dst"].copy(),
        "reach": reach,
    }


def _jumbo_plen(ctx: DissectContext, at: NDArray[np.int64], end: NDArray[np.int64]) -> NDArray[np.int64]:
    """packet-ipv6.c ``ipv6_get_jumbo_plen``: the Jumbo Payload option (0xC2, length 4) of the
    Hop-by-Hop header at ``at``, if it says more than 65535, else 0; only captured bytes count."""
    m = at.shape[0]
    out = np.zeros(m, dtype=np.int64)
    has = end - at >= 2
    hdr_end = at + (gather(ctx.data, at, 2)[:, 1].astype(np.int64) + 1) * 8
    pos = at + 2
    active = np.flatnonzero(has)
    while active.shape[0]:
        p = pos[active]
        go = (p < hdr_end[active]) & (end[active] - p >= 6)
        active, p = active[go], p[go]
        if not active.shape[0]:
            break
        opt = gather(ctx.data, p, 6).astype(np.int64)
        pad1 = opt[:, 0] == 0
        jumbo = ~pad1 & (opt[:, 0] == 0xC2) & (opt[:, 1] == 4)
        value = (opt[:, 2] << 24) | (opt[:, 3] << 16) | (opt[:, 4] << 8) | opt[:, 5]
        out[active[jumbo]] = np.where(value > 0xFFFF, value, 0)[jumbo]
        pos[active] = np.where(pad1, p + 1, p + 2 + opt[:, 1])
        active = active[~jumbo]
    return out


def _option_walk(ctx: DissectContext, idx: NDArray[np.int64], hlen: NDArray[np.int64]
                 ) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """packet-ipv6.c ``dissect_opts``: walk the TLV options of the headers at the cursors.

    Pad1 is one byte; every other option is type, length and that many bytes, shown as
    an item that must lie within the IPv6 payload (it may run past the header: the walk
    stops at the header's end). Returns which headers threw, and whether past the
    reported length (malformed) rather than the captured one.
    """
    m = idx.shape[0]
    threw = np.zeros(m, dtype=np.bool_)
    past = np.zeros(m, dtype=np.bool_)
    pos = ctx.off[idx] + 2
    stop_at = ctx.off[idx] + hlen
    cap, rep = ctx.end[idx], ctx.rend[idx]
    active = np.flatnonzero(pos < stop_at)
    while active.shape[0]:
        p = pos[active]
        b = gather(ctx.data, p, 2).astype(np.int64)
        pad1 = b[:, 0] == 0
        need = np.where(pad1, p + 1, np.where(p + 2 <= cap[active], p + 2 + b[:, 1], p + 2))
        bad = need > cap[active]
        threw[active[bad]] = True
        past[active[bad]] = need[bad] > rep[active[bad]]
        pos[active] = need
        active = active[~bad]
        active = active[pos[active] < stop_at[active]]
    return threw, past


def _extension_headers(ctx: DissectContext, idx: NDArray[np.int64], nxt: NDArray[np.int64],
                       src: NDArray[np.uint8], dst: NDArray[np.uint8]) -> None:
    """Step over extension headers, one per iteration for all frames that still have one."""
    depth0 = ctx.depth
    for k in range(MAX_EXT):
        ext = np.isin(nxt, (0, 43, 60, 51, 44))
        if not ext.any():
            break
        ctx.depth = depth0 + k + 1
        ei = idx[ext]
        en = nxt[ext]
        hdr = ctx.read(ei, 8)
        avail = ctx.avail(ei)
        short = avail < 8
        nxt_next = hdr[:, 0].astype(np.int64)
        # AH counts its length in 4-byte units (+2), the others in 8-byte units (+1)
        hlen = np.where(en == 51, (hdr[:, 1].astype(np.int64) + 2) * 4,
                        (hdr[:, 1].astype(np.int64) + 1) * 8)
        hlen = np.where(en == 44, 8, hlen)
        for code, name in _EXT_NAME.items():
            ctx.mark_stack(ei[en == code], PROTO_CODE[name])
        ctx.mark_stack(ei[en == 44], PROTO_CODE["ipv6.fraghdr"])
        cut = short | (avail < hlen)
        if cut.any():
            ctx.stop(ei[cut], ctx.ravail(ei[cut]) < np.where(short[cut], 8, hlen[cut]))
        # hop-by-hop and destination options: each option must lie within the payload
        tlv = np.flatnonzero(~cut & ((en == 0) | (en == 60)))
        if tlv.shape[0]:
            threw, past = _option_walk(ctx, ei[tlv], hlen[tlv])
            if threw.any():
                cut[tlv[threw]] = True
                ctx.stop(ei[tlv[threw]], past[threw])
        ok = ~cut
        frag = ok & (en == 44)
        if frag.any():
            addresses = np.concatenate([src[ext][frag].view(">u8").reshape(-1, 2).astype(np.int64),
                                        dst[ext][frag].view(">u8").reshape(-1, 2).astype(np.int64)], axis=1)
            _fragment_header(ctx, ei[frag], hdr[frag], addresses, next_from_ipproto(nxt_next[frag]))
        _routing_destination(ctx, ei[ok & (en == 43)], hdr[ok & (en == 43)], hlen[ok & (en == 43)])
        plain = ok & (en != 44)
        pi = ei[plain]
        ctx.off[pi] += hlen[plain]
        nxt[ext] = np.where(plain, nxt_next, -1)
        keep = ~ext
        keep[np.flatnonzero(ext)[plain]] = True
        idx, nxt = idx[keep], nxt[keep]
        src, dst = src[keep], dst[keep]
    # ipv6_dissect_next hands even an empty payload on (IPv4 does not: dissect_ip_v4)
    up = next_from_ipproto(np.maximum(nxt, 0))
    up = np.where(nxt == 59, Proto.DATA, up)
    ctx.nxt[idx] = up


def _fragment_header(ctx: DissectContext, fi: NDArray[np.int64], fh: NDArray[np.uint8], addresses: NDArray[np.int64],
                     up: NDArray[np.int8]) -> None:
    """Fragment headers ``fh`` (8 bytes) of frames ``fi``, whose addresses (source then
    destination, as four 64-bit numbers) and upper protocol are given: a fragment whose
    payload is all captured goes to reassembly, keyed by the addresses and the
    identification; of the others, a first fragment is dissected as is, the rest are data."""
    offm = (fh[:, 2].astype(np.int64) << 8) | fh[:, 3]
    foff = (offm & 0xFFF8)
    more = (offm & 1) == 1
    ident = ((fh[:, 4].astype(np.int64) << 24) | (fh[:, 5].astype(np.int64) << 16)
             | (fh[:, 6].astype(np.int64) << 8) | fh[:, 7])
    ctx.off[fi] += 8
    paylen = ctx.rend[fi] - ctx.off[fi]
    isfrag = (foff > 0) | more
    have = (ctx.end[fi] - ctx.off[fi]) >= paylen
    can = isfrag & have & (paylen > 0)
    if can.any():
        ci = fi[can]
        key = np.concatenate([addresses[can], ident[can][:, None], np.full((ci.shape[0], 1), -6, dtype=np.int64)],
                             axis=1)
        frags: Fragments = ctx.pending.setdefault("frags", Fragments())  # type: ignore[assignment]
        frags.add(FragmentRows(pkt=ci, key=key, offset=foff[can], start=ctx.off[ci], length=paylen[can],
                               more=more[can], nxt=up[can], buf_id=ctx.buf_id, version=6))
        ctx.nxt[ci] = Proto.DONE
    rest = ~can
    ri = fi[rest]
    first = foff[rest] == 0
    ctx.nxt[ri[first]] = up[rest][first]
    ctx.fragmented[ri[first][isfrag[rest][first]]] = True
    later = ri[~first]
    ctx.mark_stack(later, PROTO_CODE["data"])
    ctx.nxt[later] = Proto.DONE


def _routing_destination(ctx: DissectContext, idx: NDArray[np.int64], hdr: NDArray[np.uint8],
                         hlen: NDArray[np.int64]) -> None:
    """A Routing header with segments left makes its last address the packet's destination
    (pinfo->dst in packet-ipv6.c: type 0 source routes and type 2 home addresses)."""
    if idx.shape[0] == 0:
        return
    rtype = hdr[:, 2].astype(np.int64)
    segleft = hdr[:, 3].astype(np.int64)
    count = (hdr[:, 1].astype(np.int64)) // 2
    at = np.where(rtype == 0, ctx.off[idx] + 8 + 16 * (count - 1), ctx.off[idx] + 8)
    has = (segleft > 0) & (((rtype == 0) & (count >= 1)) | (rtype == 2)) & (at + 16 <= ctx.off[idx] + hlen)
    ctx.add_rows("ipv6.routing", idx, {
        "type": rtype.astype(np.uint8),
        "segleft": segleft.astype(np.uint8),
        "final_dst": ctx.read(idx, 16, at),
        "has_final": has,
    })
