"""The commonest frames (Ethernet II, Linux cooked or raw IP; IPv4 without options; TCP), in one compiled pass.

Most frames of a TCP capture carry nothing the dissectors would remark on. For those,
:func:`tcpscope.dissect.kernels.fast_frames` reads the Ethernet, IPv4 and TCP headers
and the TCP options frame by frame; this module turns what it read into the rows,
``frame.protocols`` entries and expert items that :func:`dissect_eth`,
:func:`dissect_ipv4` and :func:`dissect_tcp` would have added, with the same columns
and values, and takes those frames out of the vectorized walk. Every other frame (a
VLAN tag, IPv6, IP options or fragments, a cut-short or malformed header, an option
with something to say) is walked as before.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from tcpscope._jit import kernel
from tcpscope.capture.records import LinkType, Records
from tcpscope.dissect.context import DissectContext, Proto, rows_of
from tcpscope.dissect.ipv4 import IPV4_HEADER, ipv4_columns, source_is_v6
from tcpscope.dissect.ipv6 import IPV6_HEADER, ipv6_columns
from tcpscope.dissect.kernels import (
    LINK_ETH,
    LINK_HEADER,
    LINK_IPV4,
    LINK_IPV6,
    LINK_NONE,
    LINK_RAW,
    LINK_SLL,
    LINK_SLL2,
    FastFrames,
    fast_frames,
)
from tcpscope.dissect.link import note_vlan_id, vlan_tags
from tcpscope.dissect.protocols import PROTO_CODE
from tcpscope.dissect.tcp import TCP_HEADER, TcpHeaders, header_experts, simple_option_rows, tcp_columns

__all__ = ["decode_fast_frames", "eligible_frames", "take_fast_frames"]

#: Stack positions the fast frames' rows get: their order within a frame is what counts.
ETH_DEPTH, VLAN_DEPTH, IP_DEPTH, TCP_DEPTH = 1, 2, 3, 4

#: Row of the stack tables for a frame: its link kind, plus these for IPv6 and an 802.1Q tag.
_V6_ROWS, _TAG_ROWS = 8, 16


def _stacks() -> tuple[NDArray[np.int16], NDArray[np.int16], NDArray[np.int64]]:
    """Per link kind, IP version and tag (row ``link + _V6_ROWS * v6 + _TAG_ROWS * tagged``),
    the protocols of a fast frame (with "data" last, for payload), their depths, and how
    many come before "data"."""
    names: dict[int, tuple[tuple[str, int], ...]] = {}
    eth, vlan = (("eth", ETH_DEPTH), ("ethertype", ETH_DEPTH)), (("vlan", VLAN_DEPTH), ("ethertype", VLAN_DEPTH))
    sll = (("sll", ETH_DEPTH), ("ethertype", ETH_DEPTH))
    upper = (("tcp", TCP_DEPTH), ("data", TCP_DEPTH))
    for v6, ip in ((0, ("ip", IP_DEPTH)), (1, ("ipv6", IP_DEPTH))):
        row = _V6_ROWS * v6
        names[row + LINK_ETH] = (*eth, ip, *upper)
        names[row + LINK_ETH + _TAG_ROWS] = (*eth, *vlan, ip, *upper)
        names[row + LINK_RAW] = (("raw", ETH_DEPTH), ip, *upper)
        names[row + LINK_SLL] = names[row + LINK_SLL2] = (*sll, ip, *upper)
    names[LINK_IPV4] = (("ip", IP_DEPTH), *upper)
    names[_V6_ROWS + LINK_IPV6] = (("ipv6", IP_DEPTH), *upper)
    width = max(len(seq) for seq in names.values())
    proto = np.zeros((2 * _TAG_ROWS, width), dtype=np.int16)
    depths = np.zeros((2 * _TAG_ROWS, width), dtype=np.int16)
    before_data = np.zeros(2 * _TAG_ROWS, dtype=np.int64)
    for row, seq in names.items():
        proto[row, : len(seq)] = [PROTO_CODE[p] for p, _ in seq]
        depths[row, : len(seq)] = [d for _, d in seq]
        before_data[row] = len(seq) - 1
    return proto, depths, before_data


_STACK_PROTO, _STACK_DEPTH, _STACK_LEN = _stacks()
_TCP, _DATA = PROTO_CODE["tcp"], PROTO_CODE["data"]
#: Link types whose frames the fast path may take, and how their IP header is found.
_LINK_OF_TYPE = {LinkType.ETHERNET: LINK_ETH, LinkType.RAW: LINK_RAW, LinkType.RAW_BSD12: LINK_RAW,
                 LinkType.RAW_BSD14: LINK_RAW, LinkType.IPV4: LINK_IPV4, LinkType.LINUX_SLL: LINK_SLL,
                 LinkType.LINUX_SLL2: LINK_SLL2, LinkType.IPV6: LINK_IPV6}


def eligible_frames(records: Records) -> NDArray[np.int8]:
    """The link kind of each frame the fast path may take (``LINK_NONE``: none): Ethernet
    with no Frame Check Sequence to drop, Linux cooked v1/v2, raw IP, or the IPv4 or IPv6
    link type."""
    lt = records.linktype
    link = np.full(lt.shape[0], LINK_NONE, dtype=np.int8)
    for linktype, kind in _LINK_OF_TYPE.items():
        link[lt == linktype] = kind
    if records.fcs_len is not None:
        link[(link == LINK_ETH) & (records.fcs_len > 0)] = LINK_NONE
    return link


@kernel
def _stack_entries(pkt: Any, row: Any, count: Any, proto: Any, depth: Any) -> tuple[Any, Any, Any]:
    """The ``_stack`` entries of fast frames ``pkt``, in frame and stack order: the first
    ``count`` protocols of each frame's row of ``proto`` / ``depth`` (its link kind, IP
    version and tag)."""
    k = pkt.shape[0]
    total = 0
    for i in range(k):
        total += count[i]
    out_pkt = np.empty(total, dtype=np.int64)
    out_proto = np.empty(total, dtype=np.int16)
    out_depth = np.empty(total, dtype=np.int16)
    r = 0
    for i in range(k):
        lk = row[i]
        for q in range(count[i]):
            out_pkt[r] = pkt[i]
            out_proto[r] = proto[lk, q]
            out_depth[r] = depth[lk, q]
            r += 1
    return out_pkt, out_proto, out_depth


def decode_fast_frames(records: Records, lo: int, hi: int, eligible: NDArray[np.int8]) -> FastFrames:
    """What the compiled pass reads of the fast-path frames among ``lo:hi`` (no Python
    objects: it may run on another thread while the previous frames' rows are added)."""
    return fast_frames(records.data, records.offset[lo:hi], records.caplen[lo:hi], records.wirelen[lo:hi],
                       eligible[lo:hi])


def _link_rows(ctx: DissectContext, ff: FastFrames, pkt: NDArray[np.int64], link: NDArray[np.int64],
               o: NDArray[np.int64]) -> None:
    """The link layer's rows (of frames ``pkt``, their link kinds and offsets): Ethernet II
    (dissect_eth) and an 802.1Q tag after it (dissect_vlan), or Linux cooked capture v1/v2
    (dissect_sll); raw IP has none."""
    ethertype = np.where(ff.v6, 0x86DD, 0x0800).astype(np.uint16)  # of the IP header that follows
    tagged = ff.tag >= 0
    eth_rows = rows_of(link == LINK_ETH)
    e = pkt[eth_rows]
    if e.shape[0]:
        m = e.shape[0]
        ctx.depth = ETH_DEPTH
        ctx.off[e] = o[eth_rows]
        ctx.add_rows("eth", e, {
            "dst": ff.eth[eth_rows, 0:6], "src": ff.eth[eth_rows, 6:12],
            "type": np.where(tagged, 0x8100, ethertype).astype(np.uint16)[eth_rows],
            "has_dst": np.ones(m, np.bool_), "has_src": np.ones(m, np.bool_), "has_type": np.ones(m, np.bool_),
            "has_len": np.zeros(m, np.bool_),
        })
    v = pkt[tagged]
    if v.shape[0]:
        m = v.shape[0]
        tci = ff.tag[tagged].astype(np.uint16)
        ctx.depth = VLAN_DEPTH
        ctx.off[v] = o[tagged] + 14
        ctx.add_rows("vlan", v, {
            "priority": (tci >> 13).astype(np.uint8), "dei": ((tci >> 12) & 1).astype(np.uint8),
            "id": (tci & 0x0FFF).astype(np.uint16), "etype": ethertype[tagged],
            "has_tci": np.ones(m, np.bool_), "has_etype": np.ones(m, np.bool_), "has_len": np.zeros(m, np.bool_),
        })
        vlan_tags(ctx)[v] += 1
        note_vlan_id(ctx, v, (tci & 0x0FFF).astype(np.int64))
    cooked = (link == LINK_SLL) | (link == LINK_SLL2)
    c = pkt[cooked]
    if c.shape[0]:
        m = c.shape[0]
        ctx.depth = ETH_DEPTH
        ctx.off[c] = o[cooked]
        two = ff.eth[cooked, 0:4].astype(np.uint16)
        ctx.add_rows("sll", c, {
            "pkttype": (two[:, 0] << 8) | two[:, 1],
            "hatype": (two[:, 2] << 8) | two[:, 3],
            "etype": ethertype[cooked],
            "has_pkttype": np.ones(m, np.bool_),
            "has_etype": np.ones(m, np.bool_),
            "version": np.where(link[cooked] == LINK_SLL, 1, 2).astype(np.uint8),
        })


def _ip_rows(ctx: DissectContext, ff: FastFrames, pkt: NDArray[np.int64],
             ip_at: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The IP layer's rows: IPv4 (dissect_ipv4) with a 20-byte header, all of it read, or
    IPv6 (dissect_ipv6), its fixed header then TCP. Returns each datagram's length and
    its IP header's."""
    k = pkt.shape[0]
    ctx.depth = IP_DEPTH
    ctx.off[pkt] = ip_at
    v6 = ff.v6
    v4_rows = rows_of(~v6)
    four = pkt[v4_rows]
    tot = np.zeros(k, dtype=np.int64)
    iph = np.full(k, 20, dtype=np.int64)
    if four.shape[0]:
        m = four.shape[0]
        h = np.ascontiguousarray(ff.ip[v4_rows, :20]).view(IPV4_HEADER).reshape(-1)
        tot[v4_rows] = h["len"]
        ctx.add_rows("ip", four, ipv4_columns(h, tot[v4_rows], h["dst"].astype(np.uint32), np.ones(m, np.bool_),
                                              np.full(m, 11, dtype=np.int8)))
    six = pkt[v6]
    if six.shape[0]:
        h6 = ff.ip[v6].view(IPV6_HEADER).reshape(-1)
        ctx.add_rows("ipv6", six, ipv6_columns(h6, np.full(six.shape[0], 7, dtype=np.int8)))
        source_is_v6(ctx, six, True)
        tot[v6] = 40 + h6["plen"].astype(np.int64)
        iph[v6] = 40
    return tot, iph


def take_fast_frames(ctx: DissectContext, records: Records, lo: int, eligible: NDArray[np.int8],
                     ff: FastFrames) -> None:
    """Add the rows of the fast-path frames ``ff`` (what :func:`decode_fast_frames` read of
    the frames from ``lo`` on) and mark them done (see the module docstring)."""
    k = int(ff.pkt.shape[0])
    if k == 0:
        return
    pkt = ff.pkt + lo
    ctx.nxt[pkt] = Proto.DONE
    link = eligible[pkt].astype(np.int64)
    tagged = ff.tag >= 0
    o = records.offset[pkt]
    ip_at = o + LINK_HEADER[link] + 4 * tagged  # past an 802.1Q tag
    saved = ctx.depth
    try:
        _link_rows(ctx, ff, pkt, link, o)
        tot, iph = _ip_rows(ctx, ff, pkt, ip_at)
        # TCP (dissect_tcp): the whole header captured, the options simple
        ctx.depth = TCP_DEPTH
        start = ip_at + iph
        ctx.off[pkt] = start
        t = ff.tcp.view(TCP_HEADER).reshape(-1)
        flags = (t["offflags"] & 0x0FFF).astype(np.uint16)
        hlen = (t["offflags"] >> 12).astype(np.int64) * 4
        zeros = np.zeros(k, dtype=np.bool_)
        end = ip_at + np.minimum(records.caplen[pkt] - (ip_at - o), tot)
        hd = TcpHeaders(pkt, t, flags, hlen, np.full(k, 4, dtype=np.int8), zeros, zeros, start, end)
        header_experts(ctx, hd)
        simple_option_rows(ctx, pkt, start, ff.options)
        seglen = tot - iph - hlen
        ctx.add_rows("tcp", pkt, tcp_columns(hd, seglen, zeros, ff.options.ws))
        # frame.protocols: the link's (eth, ethertype, vlan, ethertype; sll, ethertype; raw),
        # ip or ipv6, tcp, and data for payload
        has_data = seglen > 0
        row = link + _V6_ROWS * ff.v6 + _TAG_ROWS * tagged
        count = _STACK_LEN[row] + has_data  # the last protocol ("data") only for a frame with payload
        s_pkt, s_proto, s_depth = _stack_entries.run(k, pkt, row, count, _STACK_PROTO, _STACK_DEPTH)
        ctx.stack_rows(s_pkt, s_proto, s_depth, last=(pkt, np.where(has_data, _DATA, _TCP).astype(np.int16)))
        ctx.off[pkt] = start + hlen
    finally:
        ctx.depth = saved
