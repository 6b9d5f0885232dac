"""The commonest frames (Ethernet II, IPv4 without options, TCP) decoded in one compiled pass.

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

import numpy as np
from numpy.typing import NDArray

from tcpscope.capture.records import LinkType, Records
from tcpscope.dissect.context import DissectContext, Proto
from tcpscope.dissect.ipv4 import IPV4_HEADER
from tcpscope.dissect.kernels import fast_frames
from tcpscope.dissect.protocols import PROTO_CODE
from tcpscope.dissect.tcp import TCP_HEADER, header_experts, simple_option_rows

__all__ = ["eligible_frames", "take_fast_frames"]

#: Stack positions the fast frames' rows get: their order within a frame is what counts.
ETH_DEPTH, IP_DEPTH, TCP_DEPTH = 1, 2, 3
_STACK_PROTO = np.array([PROTO_CODE[p] for p in ("eth", "ethertype", "ip", "tcp", "data")], dtype=np.int16)
_STACK_DEPTH = np.array([ETH_DEPTH, ETH_DEPTH, IP_DEPTH, TCP_DEPTH, TCP_DEPTH], dtype=np.int16)


def eligible_frames(records: Records) -> NDArray[np.bool_]:
    """Frames the fast path may take: Ethernet, with no Frame Check Sequence to drop."""
    ok: NDArray[np.bool_] = records.linktype == LinkType.ETHERNET
    if records.fcs_len is not None:
        ok &= records.fcs_len <= 0
    return ok


def take_fast_frames(ctx: DissectContext, records: Records, lo: int, hi: int, eligible: NDArray[np.bool_]) -> None:
    """Decode the fast-path frames among ``lo:hi`` and mark them done (see the module docstring)."""
    ff = fast_frames(records.data, records.offset[lo:hi], records.caplen[lo:hi], records.wirelen[lo:hi],
                     eligible[lo:hi])
    k = int(ff.pkt.shape[0])
    if k == 0:
        return
    pkt = ff.pkt + lo
    ctx.nxt[pkt] = Proto.DONE
    o = records.offset[pkt]
    saved = ctx.depth
    try:
        ones = np.ones(k, dtype=np.bool_)
        zeros = np.zeros(k, dtype=np.bool_)
        # Ethernet II, then the EtherType (dissect_eth, after_ethertype)
        ctx.depth = ETH_DEPTH
        ctx.off[pkt] = o
        ctx.add_rows("eth", pkt, {
            "dst": ff.eth[:, 0:6].copy(), "src": ff.eth[:, 6:12].copy(),
            "type": np.full(k, 0x0800, dtype=np.uint16),
            "has_dst": ones, "has_src": ones, "has_type": ones, "has_len": zeros,
        })
        # IPv4 (dissect_ipv4): a 20-byte header, all of it read
        ctx.depth = IP_DEPTH
        ctx.off[pkt] = o + 14
        h = ff.ip.view(IPV4_HEADER).reshape(-1)
        tot = h["len"].astype(np.int64)
        ctx.add_rows("ip", pkt, {
            "version": (h["vihl"] >> 4).astype(np.uint8),
            "hdr_len": np.full(k, 20, dtype=np.uint8),
            "tos": h["tos"],
            "len": tot.astype(np.uint32),
            "id": h["id"],
            "flags": (h["off"] >> 13).astype(np.uint8),
            "frag_offset": (h["off"] & 0x1FFF).astype(np.uint16),
            "ttl": h["ttl"],
            "proto": h["proto"],
            "checksum": h["sum"],
            "src": h["src"],
            "dst": h["dst"].astype(np.uint32),
            "has_dst": ones,
            "reach": np.full(k, 11, dtype=np.int8),
        })
        # TCP (dissect_tcp): the whole header captured, the options simple
        ctx.depth = TCP_DEPTH
        start = o + 34
        ctx.off[pkt] = start
        t = ff.tcp.view(TCP_HEADER).reshape(-1)
        flags = (t["offflags"] & 0x0FFF).astype(np.uint16)
        hlen = (t["offflags"] >> 12).astype(np.int64) * 4
        reach = np.full(k, 4, dtype=np.int8)
        header_experts(ctx, pkt, flags, t, reach, zeros, zeros, hlen)
        simple_option_rows(ctx, pkt, start, ff.options)
        seglen = tot - 20 - hlen
        end = o + np.minimum(records.caplen[pkt], 14 + tot)
        payload_off = start + hlen
        ctx.add_rows("tcp", pkt, {
            "srcport": t["sport"],
            "dstport": t["dport"],
            "seq_raw": t["seq"],
            "ack_raw": t["ack"],
            "hdr_len": hlen.astype(np.uint8),
            "flags": flags,
            "window_size_value": t["win"],
            "checksum": t["sum"],
            "urgent_pointer": t["urp"],
            "reach": reach,
            "bogus_hlen": zeros,
            "short_segment": zeros,
            "has_len": ones,
            "len": seglen,
            "hdr_off": start,
            "opt_exception": zeros,
            "ws_shift": ff.options.ws,
            "payload_off": payload_off,
            "payload_cap": np.clip(end - payload_off, 0, None),
            "opt_cap": np.clip(end - (start + 20), 0, hlen - 20).astype(np.uint8),
        })
        # frame.protocols: eth, ethertype, ip, tcp, and data when there is payload
        count = np.where(seglen > 0, 5, 4)
        first = np.cumsum(count) - count
        pos = np.arange(int(count.sum()), dtype=np.int64) - np.repeat(first, count)
        ctx.stack_rows(np.repeat(pkt, count), _STACK_PROTO[pos], _STACK_DEPTH[pos])
        ctx.off[pkt] = payload_off
    finally:
        ctx.depth = saved
