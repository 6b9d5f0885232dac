"""IPv4 (RFC 791), the way packet-ip.c ``dissect_ip_v4`` reads it.

Two entries reach it, as in Wireshark: EtherType 0x0800 calls ``dissect_ip_v4``, which
shows ``ip.version`` before handing a version-6 header to IPv6; everything else (IP in
IP, GRE, BSD null, raw IPv4 link types, LLC) calls ``dissect_ip`` (:data:`Proto.IP`),
which hands a version-6 header to IPv6 without an IPv4 row.

Fields are present as far as the captured bytes reach (each read past them stops the
frame, as Wireshark's exceptions do). Checks, in Wireshark's order, each an expert
item: a version other than 4 shows ``ip.version`` only (6 goes to IPv6); a header length
under 20 stops after ``ip.hdr_len``; a total length under the header length stops after
``ip.len`` (0 is taken as TCP segmentation offload: the frame's length is used); a total
length within the frame trims the layer to it, a longer one is noted.

With a loose or strict source route option whose pointer is valid, ip.dst is the route's
last address (packet-ip.c ``get_dst_offset``), shown by the option's dissector only when
its entries line up with it; a walk of the options that reads past the captured bytes
stops the frame before ip.dst.

Fragments (MF set or an offset) whose bytes are all captured are handed to
:mod:`tcpscope.dissect.frag`; the frame that completes a datagram then carries its
upper layer, with the reassembled length. Other fragments stop at IP.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tcpscope._bytes import gather
from tcpscope.dissect.context import DissectContext, Proto
from tcpscope.dissect.experts import EXPERT_CODE
from tcpscope.dissect.frag import Fragments
from tcpscope.dissect.protocols import PROTO_CODE

__all__ = ["IPV4_HEADER", "IP_NEXT", "dissect_ip", "dissect_ipv4", "ipv4_columns", "next_from_ipproto",
           "source_is_v6"]

#: IP protocol number -> next protocol (for IPv4 and IPv6 alike).
IP_NEXT: dict[int, Proto] = {
    6: Proto.TCP,
    17: Proto.UDP,
    4: Proto.IP,
    41: Proto.IPV6,
    47: Proto.GRE,
    137: Proto.MPLS,
    1: Proto.ICMP,
    58: Proto.ICMPV6,
}
_IP_LUT = np.full(256, Proto.DATA, dtype=np.int8)
for _k, _v in IP_NEXT.items():
    _IP_LUT[_k] = _v

IPV4_HEADER = np.dtype([
    ("vihl", "u1"), ("tos", "u1"), ("len", ">u2"), ("id", ">u2"), ("off", ">u2"),
    ("ttl", "u1"), ("proto", "u1"), ("sum", ">u2"), ("src", ">u4"), ("dst", ">u4"),
])



IPOPT_EOOL, IPOPT_NOP, IPOPT_LSR, IPOPT_SSR = 0, 1, 131, 137


def _reassembly_key(ctx: DissectContext, pkt: NDArray[np.int64], src: NDArray[np.int64], dst: NDArray[np.int64],
                    ident: NDArray[np.int64], proto: NDArray[np.int64]) -> NDArray[np.int64]:
    """packet-ip.c's reassembly key: the addresses and ``proto ^ id ^ src ^ dst``, with the frame's
    VLAN ID mixed in when either address is private (RFC 1918) or link-local."""
    frag_id = (proto ^ ident ^ src ^ dst) & 0xFFFFFFFF

    def private(a: NDArray[np.int64]) -> NDArray[np.bool_]:
        return np.asarray(((a & 0xFF000000) == 0x0A000000) | ((a & 0xFFF00000) == 0xAC100000)
                          | ((a & 0xFFFF0000) == 0xC0A80000) | ((a & 0xFFFF0000) == 0xA9FE0000), dtype=np.bool_)

    vlan: NDArray[np.int64] | None = ctx.pending.get("vlan_id")  # type: ignore[assignment]
    if vlan is not None:
        frag_id = np.where(private(src) | private(dst), frag_id ^ vlan[pkt], frag_id)
    return np.stack([src, dst, frag_id], axis=1)


def _destination(ctx: DissectContext, idx: NDArray[np.int64], h: NDArray[np.void], walk: NDArray[np.bool_],
                 hlen: NDArray[np.int64], tot: NDArray[np.int64], rlen: NDArray[np.int64],
                 ) -> tuple[NDArray[np.uint32], NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
    """ip.dst of every header: (value, shown, the option walk threw, past the reported length)."""
    m = idx.shape[0]
    dst = h["dst"].astype(np.uint32)
    has_dst = np.ones(m, dtype=np.bool_)
    stop = np.zeros(m, dtype=np.bool_)
    reported = np.zeros(m, dtype=np.bool_)
    wi = np.flatnonzero(walk)
    if wi.shape[0] == 0:
        return dst, has_dst, stop, reported
    start = ctx.off[idx[wi]]
    # the total length has already trimmed the layer (set_actual_length) when it is shorter
    rend = np.where(tot[wi] <= rlen[wi], start + tot[wi], ctx.rend[idx[wi]])
    end = np.minimum(ctx.end[idx[wi]], rend)
    dst_off, route_len, exc, exc_rep = _dst_offset(ctx.data, start + 20, hlen[wi] - 20, end, rend)
    at = start + 16 + dst_off
    exc2 = ~exc & (at + 4 > end)
    stop[wi] = exc | exc2
    reported[wi] = np.where(exc, exc_rep, at + 4 > rend)
    b = gather(ctx.data, at, 4).astype(np.uint32)
    routed = (b[:, 0] << 24) | (b[:, 1] << 16) | (b[:, 2] << 8) | b[:, 3]
    dst[wi] = np.where(dst_off > 0, routed, dst[wi])
    # the route option's dissector shows ip.dst only at the entry that ends the option
    has_dst[wi] = ~stop[wi] & ((dst_off == 0) | (route_len % 4 == 3))
    return dst, has_dst, stop, reported


def _dst_offset(data: NDArray[np.uint8], opt: NDArray[np.int64], length: NDArray[np.int64],
                end: NDArray[np.int64], rend: NDArray[np.int64],
                ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_], NDArray[np.bool_]]:
    """packet-ip.c ``get_dst_offset`` for the options at ``opt``: where the route's last address
    is (relative to the options, 0 if none), the route option's length, and whether a read
    went past the captured bytes (and past the reported ones)."""
    m = opt.shape[0]
    off = np.zeros(m, dtype=np.int64)
    route_len = np.zeros(m, dtype=np.int64)
    exc = np.zeros(m, dtype=np.bool_)
    exc_rep = np.zeros(m, dtype=np.bool_)
    pos = opt.copy()
    left = length.copy()
    active = np.flatnonzero(left > 0)

    def throw(rows: NDArray[np.int64], at: NDArray[np.int64]) -> NDArray[np.bool_]:
        bad = at >= end[rows]
        exc[rows[bad]] = True
        exc_rep[rows[bad]] = at[bad] >= rend[rows[bad]]
        return bad

    while active.shape[0]:
        p = pos[active]
        active, p = active[~(bad := throw(active, p))], p[~bad]
        b = gather(data, p, 3).astype(np.int64)
        kind = b[:, 0]
        left[active] -= 1
        one = (kind == IPOPT_EOOL) | (kind == IPOPT_NOP)
        pos[active[one]] += 1
        eol = one & (kind == IPOPT_EOOL)
        finished = eol.copy()
        two = ~one & (left[active] > 0)
        finished |= ~one & ~two  # no length byte: bogus, no route
        tw = active[two]
        bad = throw(tw, p[two] + 1)
        finished[np.flatnonzero(two)[bad]] = True
        ok_two = np.flatnonzero(two)[~bad]
        olen = b[ok_two, 1]
        left[active[ok_two]] -= 1
        bogus = (olen < 2) | (olen - 2 > left[active[ok_two]])
        finished[ok_two[bogus]] = True
        good = ok_two[~bogus]
        olen = olen[~bogus]
        route = np.isin(kind[good], (IPOPT_LSR, IPOPT_SSR))
        rr = good[route]
        bad = throw(active[rr], p[rr] + 2)
        finished[rr[bad]] = True
        rr_ok = rr[~bad]
        ptr = b[rr_ok, 2]
        rlen = olen[route][~bad]
        valid = (ptr >= 4) & ((ptr & 3) == 0) & (ptr <= rlen)
        rows = active[rr_ok[valid]]
        off[rows] = p[rr_ok[valid]] - opt[rows] + rlen[valid]
        route_len[rows] = rlen[valid]
        finished[rr_ok] = True
        step = good[~route]
        pos[active[step]] += olen[~route]
        left[active[step]] -= olen[~route] - 2
        active = active[~finished]
        active = active[left[active] > 0]
    return off, route_len, exc, exc_rep


def next_from_ipproto(proto: NDArray[np.integer]) -> NDArray[np.int8]:
    """The protocol an IP protocol number announces."""
    out: NDArray[np.int8] = _IP_LUT[proto.astype(np.int64) & 0xFF]
    return out


def dissect_ip(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """packet-ip.c ``dissect_ip``: the IPv4 dissector, but version 6 goes to IPv6 with no IPv4 row."""
    dissect_ipv4(ctx, idx, show_v6_version=False)


def dissect_ipv4(ctx: DissectContext, idx: NDArray[np.int64], show_v6_version: bool = True) -> None:
    """Decode the IPv4 headers at the cursors of frames ``idx`` (see the module docstring)."""
    avail = ctx.avail(idx)
    h = ctx.read(idx, 20).view(IPV4_HEADER).reshape(-1)
    ver = (h["vihl"] >> 4).astype(np.uint8)
    hlen = ((h["vihl"] & 0x0F).astype(np.int64)) * 4
    tot = h["len"].astype(np.int64)
    rlen = ctx.ravail(idx)
    # the version byte is read first: without it the frame ends here
    empty = avail < 1
    if empty.any():
        ctx.mark_stack(idx[empty], PROTO_CODE["ip"])
        ctx.stop(idx[empty], rlen[empty] < 1)
    # "Bogus IPv4 version" from dissect_ip_v4 (even for 6, handed on to IPv6 after it);
    # dissect_ip hands 6 to IPv6 and calls any version but 4 "Bogus IP version"
    bogus = ~empty & (ver != 4) & ((ver != 6) | show_v6_version)
    code = "ip.bogus_ip_version" if show_v6_version else "ip.bogus_ip_version/generic"
    ctx.expert(idx[bogus], EXPERT_CODE[code], slot=1)

    is6 = (ver == 6) & (avail >= 1)
    if is6.any():  # packet-ip.c hands a version-6 header on to IPv6 after ip.version
        i6 = idx[is6]
        if show_v6_version:  # every column of the layer, so that its table has them all
            k = i6.shape[0]
            ctx.add_rows("ip", i6, ipv4_columns(np.zeros(k, dtype=IPV4_HEADER), ver[is6], np.zeros(k, np.int64),
                                                np.zeros(k, np.int64), np.zeros(k, np.uint32), np.zeros(k, np.bool_),
                                                np.full(k, 1, np.int8)))
        ctx.mark_stack(i6, PROTO_CODE["ip"])
        ctx.nxt[i6] = Proto.IPV6
    keep = ~is6
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
    done_early = bad_ver | bad_hlen | bad_tot
    # the header length and total length checks, once their bytes are read; a total
    # length past the frame is noted before the rest of the header is read
    ctx.expert(idx[bad_hlen & (avail >= 1)], EXPERT_CODE["ip.bogus_header_length"], hlen[bad_hlen & (avail >= 1)],
               slot=2)
    ctx.expert(idx[bad_tot & (avail >= 4)], EXPERT_CODE["ip.bogus_ip_length/short"], slot=3)
    too_long = ~done_early & (avail >= 4) & (np.where(tso, rlen, tot) > rlen)
    ctx.expert(idx[too_long], EXPERT_CODE["ip.bogus_ip_length"], rlen[too_long], slot=4)
    go = ~done_early & (avail >= 20)
    dst, has_dst, walk_stop, walk_reported = _destination(ctx, idx, h, go & (hlen > 20), hlen,
                                                          np.where(tso, rlen, tot), rlen)

    ctx.add_rows("ip", idx, ipv4_columns(h, ver, hlen, shown_len, dst, has_dst, reach))
    source_is_v6(ctx, idx[reach >= 10], False)
    seen = (reach >= 11) & has_dst
    _ttl_experts(ctx, idx[seen], h[seen], np.asarray(dst)[seen])
    if done_early.any():
        ctx.nxt[idx[done_early]] = Proto.DONE
    # a read past the captured bytes inside the fixed header stops the frame
    cut = ~done_early & (avail < 20)
    if cut.any():
        ctx.stop(idx[cut], rlen[cut] < np.minimum(20, need[np.minimum(reach[cut], 10)]))
    go = ~done_early & ~cut
    if not go.any():
        return
    g_walk_stop, g_walk_reported = walk_stop[go], walk_reported[go]
    gi = idx[go]
    g_hlen = hlen[go]
    g_tot = np.where(tso[go], rlen[go], tot[go])
    # set_actual_length: the layer ends where the total length says, when that is shorter
    trim = ~too_long[go]
    start = ctx.off[gi]
    new_rend = np.where(trim, start + g_tot, ctx.rend[gi])
    ctx.rend[gi] = new_rend
    ctx.end[gi] = np.minimum(ctx.end[gi], new_rend)
    # the options lie within the header; a header longer than the captured bytes is cut
    over = (g_hlen > ctx.end[gi] - start) | g_walk_stop
    if over.any():
        o = gi[over]
        ctx.stop(o, np.where(g_walk_stop[over], g_walk_reported[over], (ctx.rend[o] - ctx.off[o]) < g_hlen[over]))
    ok = ~over
    gi, g_hlen, g_tot = gi[ok], g_hlen[ok], g_tot[ok]
    hh = h[go][ok]
    g_dst = dst[go][ok]  # pinfo->dst: a source route's last hop
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
                key=_reassembly_key(ctx, ci, hh["src"][is_frag][can].astype(np.int64),
                                    g_dst[is_frag][can].astype(np.int64), hh["id"][is_frag][can].astype(np.int64),
                                    proto[is_frag][can].astype(np.int64)),
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


def ipv4_columns(h: NDArray[np.void], version: NDArray[np.uint8], hlen: NDArray[np.int64], shown_len: NDArray[np.int64],
                 dst: NDArray[np.uint32], has_dst: NDArray[np.bool_], reach: NDArray[np.int8],
                 ) -> dict[str, NDArray[np.generic]]:
    """The ``ip`` layer's columns of headers ``h`` (:data:`IPV4_HEADER` rows): ``dst`` is
    ip.dst (a source route's last hop), ``shown_len`` ip.len as shown, ``reach`` how far
    the fields were read (see :func:`dissect_ipv4`)."""
    return {
        "version": version,
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
        "dst": dst,
        "has_dst": has_dst,
        "reach": reach,
    }


def source_is_v6(ctx: DissectContext, idx: NDArray[np.int64], v6: bool) -> None:
    """Note the type of pinfo->src, which the IP dissectors set once the source is read
    (UDP's checks depend on it)."""
    src_v6: NDArray[np.bool_] = ctx.pending.setdefault("src_v6", np.zeros(ctx.n, np.bool_))  # type: ignore[assignment]
    src_v6[idx] = v6


def _ttl_experts(ctx: DissectContext, idx: NDArray[np.int64], h: NDArray[np.void], dst_addr: NDArray[np.int64]) -> None:
    """packet-ip.c's TTL checks (made once the destination is read): a packet to the Local
    Network Control Block (224.0.0.0/24) must have TTL 1 (255 for VRRP, GLBP and mDNS,
    anything for LLMNR); any other unicast packet with a TTL under 5 gets a note, except
    PIM and OSPF."""
    dst = dst_addr.astype(np.int64)
    ttl = h["ttl"].astype(np.int64)
    proto = h["proto"].astype(np.int64)
    lncb = (dst & 0xFFFFFF00) == 0xE0000000
    valid = np.where(proto == 2, 1, np.select(
        [dst == 0xE0000012, dst == 0xE0000066, dst == 0xE00000FB, dst == 0xE00000FC],
        [255, 255, 255, 0x1000], 1))
    bad_lncb = lncb & (ttl != valid) & (valid != 0x1000)
    ctx.expert(idx[bad_lncb], EXPERT_CODE["ip.ttl.lncb"], valid[bad_lncb], slot=5)
    multicast = (dst & 0xF0000000) == 0xE0000000
    small = ~lncb & (ttl < 5) & ~multicast & (proto != 103) & (proto != 89)
    ctx.expert(idx[small], EXPERT_CODE["ip.ttl.too_small"], ttl[small], slot=5)
