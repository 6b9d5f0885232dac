"""IPv4 (RFC 791), the way packet-ip.c ``dissect_ip_v4`` reads it.

Fields are present as far as the captured bytes reach (each read past them stops the
frame, as Wireshark's exceptions do). Checks, in Wireshark's order: a version other
than 4 shows ``ip.version`` only (6 goes to IPv6); a header length under 20 stops after
``ip.hdr_len``; a total length under the header length stops after ``ip.len`` (0 is
taken as TCP segmentation offload: the frame's length is used); a total length within
the frame trims the layer to it, a longer one is an expert warning.

Fragments (MF set or an offset) whose bytes are all captured are handed to
:mod:`tcpscope.dissect.frag`; the frame that completes a datagram then carries its
upper layer, with the reassembled length. Other fragments stop at IP.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tcpscope.dissect.context import DissectContext, Proto, rows_of
from tcpscope.dissect.experts import EXPERT_CODE
from tcpscope.dissect.frag import Fragments
from tcpscope.dissect.protocols import PROTO_CODE

__all__ = ["IP_NEXT", "dissect_ipv4", "next_from_ipproto"]

#: IP protocol number -> next protocol (for IPv4 and IPv6 alike).
IP_NEXT: dict[int, Proto] = {
    6: Proto.TCP,
    17: Proto.UDP,
    4: Proto.IPV4,
    41: Proto.IPV6,
    47: Proto.GRE,
    137: Proto.MPLS,
    1: Proto.ICMP,
    58: Proto.ICMPV6,
}
_IP_LUT = np.full(256, Proto.DATA, dtype=np.int8)
for _k, _v in IP_NEXT.items():
    _IP_LUT[_k] = _v

_HDR = np.dtype([
    ("vihl", "u1"), ("tos", "u1"), ("len", ">u2"), ("id", ">u2"), ("off", ">u2"),
    ("ttl", "u1"), ("proto", "u1"), ("sum", ">u2"), ("src", ">u4"), ("dst", ">u4"),
])



def next_from_ipproto(proto: NDArray[np.integer]) -> NDArray[np.int8]:
    """The protocol an IP protocol number announces."""
    out: NDArray[np.int8] = _IP_LUT[proto.astype(np.int64) & 0xFF]
    return out


def dissect_ipv4(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """Decode the IPv4 headers at the cursors of frames ``idx`` (see the module docstring)."""
    avail = ctx.avail(idx)
    h = ctx.read(idx, 20).view(_HDR).reshape(-1)
    ver = (h["vihl"] >> 4).astype(np.uint8)
    hlen = ((h["vihl"] & 0x0F).astype(np.int64)) * 4
    tot = h["len"].astype(np.int64)
    rlen = ctx.ravail(idx)

    is6 = (ver == 6) & (avail >= 1)
    if is6.any():  # packet-ip.c hands a version-6 header on to IPv6 after ip.version
        i6 = idx[is6]
        ctx.add_rows("ip", i6, {"version": ver[is6], "reach": np.full(i6.shape[0], 1, np.int8)})
        ctx.mark_stack(i6, PROTO_CODE["ip"])
        ctx.nxt[i6] = Proto.IPV6
    keep = rows_of(~is6)
    idx, avail, h, ver, hlen, tot, rlen = idx[keep], avail[keep], h[keep], ver[keep], hlen[keep], tot[keep], rlen[keep]
    ctx.mark_stack(idx, PROTO_CODE["ip"])

    # How far the header fields reach, in Wireshark's order of reads.
    #   0: nothing; 1: version; 2: hdr_len; 3: tos; 4: len; 5: id; 6: flags/frag; 7: ttl;
    #   8: proto; 9: checksum; 10: src; 11: dst
    need = np.array([1, 1, 2, 4, 6, 8, 9, 10, 12, 16, 20], dtype=np.int64)
    reach = np.searchsorted(need, avail, side="right").astype(np.int8)
    bad_ver = ver != 4
    bad_hlen = ~bad_ver & (hlen < 20)
    tso = tot == 0
    bad_tot = ~bad_ver & ~bad_hlen & (tot < hlen) & ~tso
    reach = np.where(bad_ver, np.minimum(reach, 1), reach)
    reach = np.where(bad_hlen, np.minimum(reach, 2), reach)
    reach = np.where(bad_tot, np.minimum(reach, 4), reach)
    shown_len = np.where(tso & ~bad_ver & ~bad_hlen, rlen, tot)

    ctx.add_rows("ip", idx, {
        "version": ver,
        "hdr_len": hlen.astype(np.uint8),
        "tos": h["tos"],
        "len": shown_len.astype(np.uint32),
        "id": h["id"],
        "flags": (h["off"] >> 13).astype(np.uint8),
        "frag_offset": (h["off"] & 0x1FFF).astype(np.uint16),
        "ttl": h["ttl"],
        "proto": h["proto"],
        "checksum": h["sum"],
        "src": h["src"],
        "dst": h["dst"],
        "reach": reach,
    })
    _ttl_experts(ctx, idx[reach >= 11], h[reach >= 11])
    done_early = bad_ver | bad_hlen | bad_tot
    if done_early.any():
        ctx.nxt[idx[done_early]] = Proto.DONE
    # a read past the captured bytes inside the fixed header stops the frame
    cut = ~done_early & (avail < 20)
    if cut.any():
        ctx.stop(idx[cut], rlen[cut] < np.minimum(20, need[np.minimum(reach[cut], 10)]))
    go_mask = ~done_early & ~cut
    if not go_mask.any():
        return
    go = rows_of(go_mask)
    gi = idx[go]
    g_hlen = hlen[go]
    g_tot = np.where(tso[go], rlen[go], tot[go])
    g_rlen = rlen[go]
    too_long = g_tot > g_rlen
    if too_long.any():
        ctx.expert(gi[too_long], EXPERT_CODE["ip.bogus_ip_length"], g_rlen[too_long])
    # set_actual_length: the layer ends where the total length says, when that is shorter
    trim = ~too_long
    start = ctx.off[gi]
    new_rend = np.where(trim, start + g_tot, ctx.rend[gi])
    ctx.rend[gi] = new_rend
    ctx.end[gi] = np.minimum(ctx.end[gi], new_rend)
    # the options lie within the header; a header longer than the captured bytes is cut
    over = g_hlen > ctx.end[gi] - start
    if over.any():
        o = gi[over]
        ctx.stop(o, (ctx.rend[o] - ctx.off[o]) < g_hlen[over])
    ok = rows_of(~over)
    gi, g_hlen, g_tot = gi[ok], g_hlen[ok], g_tot[ok]
    hh = h[go][ok]
    ctx.off[gi] += g_hlen
    mf = (hh["off"] & 0x2000) != 0
    foff = (hh["off"] & 0x1FFF).astype(np.int64) * 8
    proto = hh["proto"]
    is_frag = mf | (foff > 0)
    paylen = g_tot - g_hlen
    nxt = next_from_ipproto(proto)
    if is_frag.any():
        fi = gi[is_frag]
        have_all = (ctx.end[fi] - ctx.off[fi]) >= paylen[is_frag]
        can = (paylen[is_frag] > 0) & have_all
        frags: Fragments = ctx.pending.setdefault("frags", Fragments())  # type: ignore[assignment]
        if can.any():
            ci = fi[can]
            frags.add(
                pkt=ci,
                key=np.stack([hh["src"][is_frag][can].astype(np.int64),
                              hh["dst"][is_frag][can].astype(np.int64),
                              hh["id"][is_frag][can].astype(np.int64),
                              proto[is_frag][can].astype(np.int64)], axis=1),
                offset=foff[is_frag][can],
                start=ctx.off[ci],
                length=paylen[is_frag][can],
                more=mf[is_frag][can],
                nxt=nxt[is_frag][can],
                buf_id=ctx.buf_id,
            )
            ctx.nxt[ci] = Proto.DONE
        cannot = fi[~can]
        if cannot.shape[0]:
            # Not reassembled: a first fragment is dissected as is (without a TCP length),
            # the others are data.
            first = foff[is_frag][~can] == 0
            ctx.nxt[cannot[first]] = nxt[is_frag][~can][first]
            ctx.fragmented[cannot[first]] = True
            rest = cannot[~first]
            ctx.mark_stack(rest, PROTO_CODE["data"])
            ctx.nxt[rest] = Proto.DONE
    whole = gi[~is_frag]
    ctx.nxt[whole] = nxt[~is_frag]
    empty = whole[(ctx.rend[whole] - ctx.off[whole]) <= 0]
    ctx.nxt[empty] = Proto.DONE


def _ttl_experts(ctx: DissectContext, idx: NDArray[np.int64], h: NDArray[np.void]) -> None:
    """packet-ip.c's TTL checks (made once the destination is read): a packet to the Local
    Network Control Block (224.0.0.0/24) must have TTL 1 (255 for VRRP, GLBP and mDNS,
    anything for LLMNR); any other unicast packet with a TTL under 5 gets a note, except
    PIM and OSPF."""
    dst = h["dst"].astype(np.int64)
    ttl = h["ttl"].astype(np.int64)
    proto = h["proto"].astype(np.int64)
    lncb = (dst & 0xFFFFFF00) == 0xE0000000
    valid = np.where(proto == 2, 1, np.select(
        [dst == 0xE0000012, dst == 0xE0000066, dst == 0xE00000FB, dst == 0xE00000FC],
        [255, 255, 255, 0x1000], 1))
    bad_lncb = lncb & (ttl != valid) & (valid != 0x1000)
    ctx.expert(idx[bad_lncb], EXPERT_CODE["ip.ttl.lncb"], valid[bad_lncb])
    multicast = (dst & 0xF0000000) == 0xE0000000
    small = ~lncb & (ttl < 5) & ~multicast & (proto != 103) & (proto != 89)
    ctx.expert(idx[small], EXPERT_CODE["ip.ttl.too_small"], ttl[small])
