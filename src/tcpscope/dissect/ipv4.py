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

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from tcpscope._bytes import gather
from tcpscope.dissect.context import DissectContext, Proto
from tcpscope.dissect.experts import EXPERT_CODE
from tcpscope.dissect.frag import FragmentRows, Fragments
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


@dataclass(frozen=True)
class _Headers:
    """IPv4 headers at the cursors of frames ``idx``: the bytes captured (``avail``) and
    reported (``rlen``) from the header on, the fixed header's 20 bytes ``h``
    (:data:`IPV4_HEADER` rows, zeros where not captured), and its version, header length
    and total length as read."""

    idx: NDArray[np.int64]
    avail: NDArray[np.int64]
    rlen: NDArray[np.int64]
    h: NDArray[np.void]
    ver: NDArray[np.uint8]
    hlen: NDArray[np.int64]
    tot: NDArray[np.int64]

    @classmethod
    def read(cls, ctx: DissectContext, idx: NDArray[np.int64]) -> _Headers:
        h = ctx.read(idx, 20).view(IPV4_HEADER).reshape(-1)
        return cls(idx, ctx.avail(idx), ctx.ravail(idx), h, (h["vihl"] >> 4).astype(np.uint8),
                   (h["vihl"] & 0x0F).astype(np.int64) * 4, h["len"].astype(np.int64))

    def take(self, rows: NDArray[np.bool_]) -> _Headers:
        return _Headers(self.idx[rows], self.avail[rows], self.rlen[rows], self.h[rows], self.ver[rows],
                        self.hlen[rows], self.tot[rows])

    @property
    def length(self) -> NDArray[np.int64]:
        """The datagram's length: the total length, or for 0 (TCP segmentation offload) the
        frame's reported length."""
        out: NDArray[np.int64] = np.where(self.tot == 0, self.rlen, self.tot)
        return out


def _reassembly_key(ctx: DissectContext, pkt: NDArray[np.int64], h: NDArray[np.void],
                    dst: NDArray[np.int64]) -> NDArray[np.int64]:
    """packet-ip.c's reassembly key of headers ``h`` (``dst``: pinfo->dst): the addresses and
    ``proto ^ id ^ src ^ dst``, with the frame's VLAN ID mixed in when either address is
    private (RFC 1918) or link-local."""
    src = h["src"].astype(np.int64)
    frag_id = (h["proto"].astype(np.int64) ^ h["id"].astype(np.int64) ^ src ^ dst) & 0xFFFFFFFF

    def private(a: NDArray[np.int64]) -> NDArray[np.bool_]:
        return np.asarray(((a & 0xFF000000) == 0x0A000000) | ((a & 0xFFF00000) == 0xAC100000)
                          | ((a & 0xFFFF0000) == 0xC0A80000) | ((a & 0xFFFF0000) == 0xA9FE0000), dtype=np.bool_)

    vlan: NDArray[np.int64] | None = ctx.pending.get("vlan_id")  # type: ignore[assignment]
    if vlan is not None:
        frag_id = np.where(private(src) | private(dst), frag_id ^ vlan[pkt], frag_id)
    return np.stack([src, dst, frag_id], axis=1)


class _Destination(NamedTuple):
    """ip.dst of every header: its value (a source route's last hop), whether it is shown,
    whether the walk of the options threw, and whether that read was past the reported length."""

    dst: NDArray[np.uint32]
    has_dst: NDArray[np.bool_]
    stop: NDArray[np.bool_]
    reported: NDArray[np.bool_]

    def take(self, rows: NDArray[np.bool_]) -> _Destination:
        return _Destination(self.dst[rows], self.has_dst[rows], self.stop[rows], self.reported[rows])


def _destination(ctx: DissectContext, hd: _Headers, walk: NDArray[np.bool_]) -> _Destination:
    """ip.dst of headers ``hd``, the options walked for those of ``walk``."""
    m = hd.idx.shape[0]
    dst = hd.h["dst"].astype(np.uint32)
    has_dst = np.ones(m, dtype=np.bool_)
    stop = np.zeros(m, dtype=np.bool_)
    reported = np.zeros(m, dtype=np.bool_)
    wi = np.flatnonzero(walk)
    if wi.shape[0] == 0:
        return _Destination(dst, has_dst, stop, reported)
    idx, tot, rlen = hd.idx[wi], hd.length[wi], hd.rlen[wi]
    start = ctx.off[idx]
    # the total length has already trimmed the layer (set_actual_length) when it is shorter
    rend = np.where(tot <= rlen, start + tot, ctx.rend[idx])
    end = np.minimum(ctx.end[idx], rend)
    walked = _RouteWalk.run(ctx.data, start + 20, hd.hlen[wi] - 20, end, rend)
    at = start + 16 + walked.off
    exc2 = ~walked.exc & (at + 4 > end)
    stop[wi] = walked.exc | exc2
    reported[wi] = np.where(walked.exc, walked.exc_rep, at + 4 > rend)
    b = gather(ctx.data, at, 4).astype(np.uint32)
    routed = (b[:, 0] << 24) | (b[:, 1] << 16) | (b[:, 2] << 8) | b[:, 3]
    dst[wi] = np.where(walked.off > 0, routed, dst[wi])
    # the route option's dissector shows ip.dst only at the entry that ends the option
    has_dst[wi] = ~stop[wi] & ((walked.off == 0) | (walked.route_len % 4 == 3))
    return _Destination(dst, has_dst, stop, reported)


@dataclass
class _RouteWalk:
    """packet-ip.c ``get_dst_offset`` over the options at ``opt`` (``length`` bytes, captured
    up to ``end`` and reported up to ``rend``), one option of every header per round:
    where the route's last address is (relative to the options, 0 if none), the route
    option's length, and whether a read went past the captured bytes (and past the
    reported ones). ``pos``/``left``: each walk's next option and the bytes left."""

    data: NDArray[np.uint8]
    opt: NDArray[np.int64]
    end: NDArray[np.int64]
    rend: NDArray[np.int64]
    pos: NDArray[np.int64]
    left: NDArray[np.int64]
    off: NDArray[np.int64]
    route_len: NDArray[np.int64]
    exc: NDArray[np.bool_]
    exc_rep: NDArray[np.bool_]

    @classmethod
    def run(cls, data: NDArray[np.uint8], opt: NDArray[np.int64], length: NDArray[np.int64],
            end: NDArray[np.int64], rend: NDArray[np.int64]) -> _RouteWalk:
        m = opt.shape[0]
        walk = cls(data, opt, end, rend, opt.copy(), length.copy(), np.zeros(m, dtype=np.int64),
                   np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.bool_), np.zeros(m, dtype=np.bool_))
        active = np.flatnonzero(walk.left > 0)
        while active.shape[0]:
            active = walk.step(active)
        return walk

    def throw(self, rows: NDArray[np.int64], at: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Which reads at ``at`` are past the captured bytes: those walks end in an exception."""
        bad = at >= self.end[rows]
        self.exc[rows[bad]] = True
        self.exc_rep[rows[bad]] = at[bad] >= self.rend[rows[bad]]
        return bad

    def step(self, active: NDArray[np.int64]) -> NDArray[np.int64]:
        """One option of each walk of ``active``; returns the walks that go on."""
        p = self.pos[active]
        active, p = active[~(bad := self.throw(active, p))], p[~bad]
        b = gather(self.data, p, 3).astype(np.int64)
        kind = b[:, 0]
        self.left[active] -= 1
        one = (kind == IPOPT_EOOL) | (kind == IPOPT_NOP)
        self.pos[active[one]] += 1
        finished = one & (kind == IPOPT_EOOL)
        two = ~one & (self.left[active] > 0)
        finished |= ~one & ~two  # no length byte: bogus, no route
        bad = self.throw(active[two], p[two] + 1)
        finished[np.flatnonzero(two)[bad]] = True
        ok_two = np.flatnonzero(two)[~bad]
        olen = b[ok_two, 1]
        self.left[active[ok_two]] -= 1
        bogus = (olen < 2) | (olen - 2 > self.left[active[ok_two]])
        finished[ok_two[bogus]] = True
        good = ok_two[~bogus]
        olen = olen[~bogus]
        route = np.isin(kind[good], (IPOPT_LSR, IPOPT_SSR))
        finished[self._route(active, p, b, good[route], olen[route])] = True
        step = good[~route]
        self.pos[active[step]] += olen[~route]
        self.left[active[step]] -= olen[~route] - 2
        active = active[~finished]
        return active[self.left[active] > 0]

    def _route(self, active: NDArray[np.int64], p: NDArray[np.int64], b: NDArray[np.int64], rr: NDArray[np.int64],
               rlen: NDArray[np.int64]) -> NDArray[np.int64]:
        """A loose or strict source route at rows ``rr`` of ``active`` (its pointer, the
        third byte of ``b``, read): with a valid pointer its last address is the
        destination. The walk ends there; returns those rows."""
        bad = self.throw(active[rr], p[rr] + 2)
        rr_ok = rr[~bad]
        ptr = b[rr_ok, 2]
        rlen = rlen[~bad]
        valid = (ptr >= 4) & ((ptr & 3) == 0) & (ptr <= rlen)
        rows = active[rr_ok[valid]]
        self.off[rows] = p[rr_ok[valid]] - self.opt[rows] + rlen[valid]
        self.route_len[rows] = rlen[valid]
        return rr


def next_from_ipproto(proto: NDArray[np.integer]) -> NDArray[np.int8]:
    """The protocol an IP protocol number announces."""
    out: NDArray[np.int8] = _IP_LUT[proto.astype(np.int64) & 0xFF]
    return out


def dissect_ip(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """packet-ip.c ``dissect_ip``: the IPv4 dissector, but version 6 goes to IPv6 with no IPv4 row."""
    dissect_ipv4(ctx, idx, show_v6_version=False)


#: How far the header fields reach, in Wireshark's order of reads: the bytes each needs.
#:   0: nothing; 1: version; 2: hdr_len; 3: tos; 4: len; 5: id; 6: flags/frag; 7: ttl;
#:   8: proto; 9: checksum; 10: src; 11: dst
_FIELD_ENDS = np.array([1, 1, 2, 4, 6, 8, 9, 10, 12, 16, 20], dtype=np.int64)


def dissect_ipv4(ctx: DissectContext, idx: NDArray[np.int64], show_v6_version: bool = True) -> None:
    """Decode the IPv4 headers at the cursors of frames ``idx`` (see the module docstring)."""
    hd = _Headers.read(ctx, idx)
    # the version byte is read first: without it the frame ends here, in IPv4 (the
    # malformed-packet item names the protocol on top of the stack)
    empty = hd.avail < 1
    if empty.any():
        ctx.mark_stack(idx[empty], PROTO_CODE["ip"])
        ctx.stop(idx[empty], hd.rlen[empty] < 1)
    # "Bogus IPv4 version" from dissect_ip_v4 (even for 6, handed on to IPv6 after it);
    # dissect_ip hands 6 to IPv6 and calls any version but 4 "Bogus IP version"
    bogus = ~empty & (hd.ver != 4) & ((hd.ver != 6) | show_v6_version)
    code = "ip.bogus_ip_version" if show_v6_version else "ip.bogus_ip_version/generic"
    ctx.expert(idx[bogus], EXPERT_CODE[code], slot=1)
    is6 = (hd.ver == 6) & (hd.avail >= 1)
    if is6.any():
        _to_ipv6(ctx, hd.take(is6), show_v6_version)
    hd = hd.take(~is6)
    idx = hd.idx
    ctx.mark_stack(idx[hd.avail >= 1], PROTO_CODE["ip"])  # (those without a byte are marked above)

    checks = _length_checks(ctx, hd)
    done_early = checks.done_early
    go = ~done_early & (hd.avail >= 20)
    dest = _destination(ctx, hd, go & (hd.hlen > 20))
    ctx.add_rows("ip", idx, ipv4_columns(hd.h, checks.shown_len, dest.dst, dest.has_dst, checks.reach))
    source_is_v6(ctx, idx[checks.reach >= 10], False)
    seen = (checks.reach >= 11) & dest.has_dst
    _ttl_experts(ctx, idx[seen], hd.h[seen], dest.dst[seen].astype(np.int64))
    if done_early.any():
        ctx.nxt[idx[done_early]] = Proto.DONE
    # a read past the captured bytes inside the fixed header stops the frame
    cut = ~done_early & (hd.avail < 20)
    if cut.any():
        ctx.stop(idx[cut], hd.rlen[cut] < np.minimum(20, _FIELD_ENDS[np.minimum(checks.reach[cut], 10)]))
    go = ~done_early & ~cut
    if go.any():
        _past_header(ctx, hd.take(go), dest.take(go), ~checks.too_long[go])


def _to_ipv6(ctx: DissectContext, hd: _Headers, show_version: bool) -> None:
    """packet-ip.c hands a version-6 header on to IPv6 after ip.version."""
    if show_version:  # every column of the layer, so that its table has them all
        k = hd.idx.shape[0]
        h = np.zeros(k, dtype=IPV4_HEADER)
        h["vihl"] = hd.ver << 4
        ctx.add_rows("ip", hd.idx, ipv4_columns(h, np.zeros(k, np.int64), np.zeros(k, np.uint32),
                                                np.zeros(k, np.bool_), np.full(k, 1, np.int8)))
    ctx.mark_stack(hd.idx, PROTO_CODE["ip"])
    ctx.nxt[hd.idx] = Proto.IPV6


class _Checks(NamedTuple):
    """What the length checks leave: how far the fields reach, ip.len as shown, the headers
    the checks end, and those whose total length runs past the frame."""

    reach: NDArray[np.int8]
    shown_len: NDArray[np.int64]
    done_early: NDArray[np.bool_]
    too_long: NDArray[np.bool_]


def _length_checks(ctx: DissectContext, hd: _Headers) -> _Checks:
    """The version, header length and total length checks, once their bytes are read; a
    total length past the frame is noted before the rest of the header is read."""
    idx, avail, rlen = hd.idx, hd.avail, hd.rlen
    reach = np.searchsorted(_FIELD_ENDS, avail, side="right").astype(np.int8)
    bad_ver = hd.ver != 4
    bad_hlen = ~bad_ver & (hd.hlen < 20)
    tso = hd.tot == 0
    bad_tot = ~bad_ver & ~bad_hlen & (hd.tot < hd.hlen) & ~tso
    reach = np.where(bad_ver, np.minimum(reach, 1), reach)
    reach = np.where(bad_hlen, np.minimum(reach, 2), reach)
    reach = np.where(bad_tot, np.minimum(reach, 4), reach)
    shown_len = np.where(tso & ~bad_ver & ~bad_hlen, rlen, hd.tot)
    done_early = bad_ver | bad_hlen | bad_tot
    ctx.expert(idx[bad_hlen & (avail >= 1)], EXPERT_CODE["ip.bogus_header_length"], hd.hlen[bad_hlen & (avail >= 1)],
               slot=2)
    ctx.expert(idx[bad_tot & (avail >= 4)], EXPERT_CODE["ip.bogus_ip_length/short"], slot=3)
    too_long = ~done_early & (avail >= 4) & (hd.length > rlen)
    ctx.expert(idx[too_long], EXPERT_CODE["ip.bogus_ip_length"], rlen[too_long], slot=4)
    return _Checks(reach, shown_len, done_early, too_long)


def _past_header(ctx: DissectContext, hd: _Headers, dest: _Destination, trim: NDArray[np.bool_]) -> None:
    """Headers read whole: set_actual_length trims the layer to the total length where that is
    shorter (``trim``); a header longer than the captured bytes, or whose options' walk
    threw, stops the frame; the others hand their payload on."""
    gi = hd.idx
    start = ctx.off[gi]
    new_rend = np.where(trim, start + hd.length, ctx.rend[gi])
    ctx.rend[gi] = new_rend
    ctx.end[gi] = np.minimum(ctx.end[gi], new_rend)
    # the options lie within the header; a header longer than the captured bytes is cut
    over = (hd.hlen > ctx.end[gi] - start) | dest.stop
    if over.any():
        o = gi[over]
        ctx.stop(o, np.where(dest.stop[over], dest.reported[over], (ctx.rend[o] - ctx.off[o]) < hd.hlen[over]))
    ok = ~over
    hd = hd.take(ok)
    ctx.off[hd.idx] += hd.hlen
    _hand_on(ctx, hd, dest.dst[ok].astype(np.int64))  # pinfo->dst: a source route's last hop


def _hand_on(ctx: DissectContext, hd: _Headers, dst: NDArray[np.int64]) -> None:
    """The payload goes to the protocol the header names; a fragment to reassembly (see the
    module docstring)."""
    gi = hd.idx
    mf = (hd.h["off"] & 0x2000) != 0
    foff = (hd.h["off"] & 0x1FFF).astype(np.int64) * 8
    is_frag = mf | (foff > 0)
    nxt = next_from_ipproto(hd.h["proto"])
    if is_frag.any():
        _fragments(ctx, hd.take(is_frag), dst[is_frag], nxt[is_frag])
    whole = gi[~is_frag]
    ctx.nxt[whole] = nxt[~is_frag]
    empty = whole[(ctx.rend[whole] - ctx.off[whole]) <= 0]
    ctx.nxt[empty] = Proto.DONE


def _fragments(ctx: DissectContext, hd: _Headers, dst: NDArray[np.int64], nxt: NDArray[np.int8]) -> None:
    """Fragments whose payload is all captured go to reassembly; of the others, a first
    fragment is dissected as is (without a TCP length), the rest are data."""
    fi = hd.idx
    mf = (hd.h["off"] & 0x2000) != 0
    foff = (hd.h["off"] & 0x1FFF).astype(np.int64) * 8
    paylen = hd.length - hd.hlen
    can = (paylen > 0) & ((ctx.end[fi] - ctx.off[fi]) >= paylen)
    if can.any():
        ci = fi[can]
        frags: Fragments = ctx.pending.setdefault("frags", Fragments())  # type: ignore[assignment]
        frags.add(FragmentRows(pkt=ci, key=_reassembly_key(ctx, ci, hd.h[can], dst[can]), offset=foff[can],
                               start=ctx.off[ci], length=paylen[can], more=mf[can], nxt=nxt[can], buf_id=ctx.buf_id))
        ctx.nxt[ci] = Proto.DONE
    cannot = fi[~can]
    if cannot.shape[0]:
        first = foff[~can] == 0
        ctx.nxt[cannot[first]] = nxt[~can][first]
        ctx.fragmented[cannot[first]] = True
        rest = cannot[~first]
        ctx.mark_stack(rest, PROTO_CODE["data"])
        ctx.nxt[rest] = Proto.DONE


def ipv4_columns(h: NDArray[np.void], shown_len: NDArray[np.int64], dst: NDArray[np.uint32], has_dst: NDArray[np.bool_],
                 reach: NDArray[np.int8]) -> dict[str, NDArray[np.generic]]:
    """The ``ip`` layer's columns of headers ``h`` (:data:`IPV4_HEADER` rows): ``dst`` is
    ip.dst (a source route's last hop), ``shown_len`` ip.len as shown, ``reach`` how far
    the fields were read (see :func:`dissect_ipv4`)."""
    return {
        "version": (h["vihl"] >> 4).astype(np.uint8),
        "hdr_len": ((h["vihl"] & 0x0F) * 4).astype(np.uint8),
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
