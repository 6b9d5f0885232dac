"""Walk every frame down its protocol stack, all frames at once, and build the packet table.

Round after round, the frames whose cursor points at protocol P go to P's dissector
together. A frame leaves the walk when its last protocol is done or a read went past
its bytes. Completed IP fragments are then replayed from a second buffer holding the
reassembled payloads, so that their upper layers are dissected like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import copy_context
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from tcpscope._jit import compiles
from tcpscope.capture.records import LinkType, Records
from tcpscope.dissect.context import DissectContext, Proto
from tcpscope.dissect.experts import EXPERT_CODE
from tcpscope.dissect.fastpath import decode_fast_frames, eligible_frames, take_fast_frames
from tcpscope.dissect.frag import Fragments, reassemble
from tcpscope.dissect.icmp import dissect_arp, dissect_icmp, dissect_icmpv6
from tcpscope.dissect.ipv4 import dissect_ip, dissect_ipv4
from tcpscope.dissect.ipv6 import dissect_ipv6
from tcpscope.dissect.kernels import FastFrames, worth_it
from tcpscope.dissect.link import (
    LINK_START,
    dissect_8021ad,
    dissect_8021ah,
    dissect_eth,
    dissect_loop,
    dissect_null,
    dissect_rawip,
    dissect_sll,
    dissect_vlan,
)
from tcpscope.dissect.llc import dissect_llc
from tcpscope.dissect.protocols import PROTO_CODE
from tcpscope.dissect.tcp import dissect_tcp
from tcpscope.dissect.tcp_options import option_layer_numbers
from tcpscope.dissect.tunnel import dissect_gre, dissect_mpls
from tcpscope.dissect.udp import dissect_named, dissect_udp
from tcpscope.table.layers import Layer, frame_depth_order
from tcpscope.table.packets import PacketTable

__all__ = ["FRAG_SPANS", "MAX_ROUNDS", "REASSEMBLED", "dissect"]

#: A frame with more layers than this is cut there (hostile nesting).
MAX_ROUNDS = 48
#: Frames dissected together: the compiled pass of the next chunk runs beside this one's rows.
CHUNK_FRAMES = 1 << 17
#: Rounds of fragment reassembly (fragments inside reassembled datagrams).
MAX_REASSEMBLY = 4
#: Frame column: per IP datagram met in fragments, the frame of its first fragment and the
#: frame that completed it (-1: none); absent when the capture has no fragments.
FRAG_SPANS = "_frag_spans"
#: Frame column: per IP datagram reassembled, the frame that completed it, the buffer and the
#: offset its payload starts at, the payload's length and the IP version (tshark's data
#: sources "Reassembled IPv4" and "Reassembled IPv6"); absent when none was.
REASSEMBLED = "_reassembled"

Dissector = Callable[[DissectContext, NDArray[np.int64]], None]


def _dispatch() -> dict[int, Dissector]:
    return {
        Proto.ETH: dissect_eth,
        Proto.VLAN: dissect_vlan,
        Proto.SLL: lambda c, i: dissect_sll(c, i, 1),
        Proto.SLL2: lambda c, i: dissect_sll(c, i, 2),
        Proto.NULL: dissect_null,
        Proto.LOOP: dissect_loop,
        Proto.RAWIP: dissect_rawip,
        Proto.IPV4: dissect_ipv4,
        Proto.IP: dissect_ip,
        Proto.LLC: dissect_llc,
        Proto.IEEE8021AD: dissect_8021ad,
        Proto.IEEE8021AH: dissect_8021ah,
        Proto.IPV6: dissect_ipv6,
        Proto.MPLS: dissect_mpls,
        Proto.GRE: dissect_gre,
        Proto.TCP: dissect_tcp,
        Proto.UDP: dissect_udp,
        Proto.ARP: dissect_arp,
        Proto.ICMP: dissect_icmp,
        Proto.ICMPV6: dissect_icmpv6,
        Proto.DATA: dissect_named("data"),
    }


def _walk(ctx: DissectContext, dispatch: dict[int, Dissector]) -> None:
    for _ in range(MAX_ROUNDS):
        live = ctx.nxt != Proto.DONE
        if not live.any():
            return
        # the protocols some frame is at (np.unique would import numpy.ma: start-up time)
        codes = np.flatnonzero(np.bincount(ctx.nxt[live].astype(np.intp)))
        for code in codes:
            idx = np.flatnonzero(ctx.nxt == code)
            ctx.depth += 1
            ctx.nxt[idx] = Proto.DONE  # a dissector that forgets to move on ends the frame
            dispatch[int(code)](ctx, idx)
    ctx.nxt[:] = Proto.DONE


def dissect(records: Records, fast: bool = True) -> PacketTable:
    """Decode every frame of ``records`` into a :class:`PacketTable`.

    ``fast=False`` walks every frame with the vectorized dissectors, none through the
    compiled path of :mod:`tcpscope.dissect.fastpath` (the tests compare the two).
    The frames' bytes are read from a file into a buffer of their own first
    (``Records.own_bytes``: never through its map, which a file that shrinks turns into SIGBUS).
    """
    records = records.own_bytes()
    n = len(records)
    end = records.offset + records.caplen
    ctx = DissectContext(
        data=records.data,
        n=n,
        off=records.offset.copy(),
        end=end,
        rend=records.offset + np.maximum(np.minimum(records.wirelen, 0x7FFFFFFF), records.caplen),
        nxt=np.full(n, Proto.DONE, dtype=np.int8),
        malformed=np.zeros(n, dtype=np.bool_),
        short=np.zeros(n, dtype=np.bool_),
        fragmented=np.zeros(n, dtype=np.bool_),
    )
    lut = np.full(65536, Proto.DONE, dtype=np.int8)
    for lt, p in LINK_START.items():
        lut[lt] = p
    ctx.nxt[:] = lut[records.linktype.astype(np.int64) & 0xFFFF]
    if records.fcs_len is not None:  # the outer Ethernet header drops them from its payload
        ctx.pending["fcs"] = np.where(records.linktype == LinkType.ETHERNET, records.fcs_len, -1)
    _frame_experts(ctx, records)
    dispatch = _dispatch()
    start = ctx.nxt.copy()
    ctx.nxt[:] = Proto.DONE
    eligible = eligible_frames(records) if fast and worth_it(n) else np.zeros(n, dtype=np.int8)
    _walk_chunks(ctx, records, start, eligible, ahead=fast and n > CHUNK_FRAMES and compiles(n))
    del start
    buffers = [records.data]
    spans: list[NDArray[np.int64]] = []
    sources: list[NDArray[np.int64]] = []
    for _ in range(MAX_REASSEMBLY):
        frags = ctx.pending.pop("frags", None)
        if not isinstance(frags, Fragments) or not frags:
            break
        done = reassemble(frags, buffers)
        spans.append(done.spans)
        ctx.mark_stack(done.waiting, PROTO_CODE["data"])
        if done.pkt.shape[0] == 0:
            break
        buffers.append(done.data)
        sources.append(np.stack([done.pkt, np.full(done.pkt.shape[0], len(buffers) - 1), done.start, done.length,
                                 done.version.astype(np.int64)], axis=1))
        ctx.data = done.data
        ctx.buf_id = len(buffers) - 1
        ctx.off[done.pkt] = done.start
        ctx.end[done.pkt] = done.start + done.length
        ctx.rend[done.pkt] = done.start + done.length
        ctx.nxt[done.pkt] = done.nxt
        _walk(ctx, dispatch)
    # tcp.option rows are numbered by _option_layers, per option protocol
    layers = {name: ctx.builders.pop(name).build(numbered=name != "tcp.option") for name in list(ctx.builders)}
    _routing_destinations(layers)
    _option_layers(layers)
    layers["_stack"] = _stack_layer(ctx)
    layers["_expert"] = _expert_layer(ctx)
    malformed = ctx.malformed
    frame_cols = {"short": ctx.short, "contained": _full(ctx.contained, n)}
    if spans:
        frame_cols[FRAG_SPANS] = np.concatenate(spans)
    if sources:
        frame_cols[REASSEMBLED] = np.concatenate(sources)
    return PacketTable(records=records, layers=layers, malformed=malformed, buffers=tuple(buffers),
                       frame_cols=frame_cols)


def _walk_chunks(ctx: DissectContext, records: Records, start: NDArray[np.int8], eligible: NDArray[np.int8],
                 ahead: bool) -> None:
    """Dissect the frames CHUNK_FRAMES at a time: the fast path's compiled pass, then the
    vectorized dissectors for the rest.

    ``ahead``: the compiled pass of the next chunk runs on a second thread (it holds no
    Python objects and releases the interpreter) while this chunk's rows are added.
    """
    n = ctx.n
    bounds = [(lo, min(n, lo + CHUNK_FRAMES)) for lo in range(0, n, CHUNK_FRAMES)]
    dispatch = _dispatch()

    job = copy_context()  # the look-ahead thread decodes under this one's compile job (_jit)

    def decode(lo: int, hi: int) -> FastFrames:
        return job.run(decode_fast_frames, records, lo, hi, eligible)

    pool = None
    if ahead and len(bounds) > 1:
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(1, thread_name_prefix="tcpscope-dissect")
    try:
        pending = pool.submit(decode, *bounds[0]) if pool is not None else None
        for i, (lo, hi) in enumerate(bounds):
            ctx.nxt[lo:hi] = start[lo:hi]
            if pool is not None and pending is not None:
                ff = pending.result()
                pending = pool.submit(decode, *bounds[i + 1]) if i + 1 < len(bounds) else None
            else:
                ff = decode_fast_frames(records, lo, hi, eligible)
            take_fast_frames(ctx, records, lo, eligible, ff)
            _walk(ctx, dispatch)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _frame_experts(ctx: DissectContext, records: Records) -> None:
    """packet-frame.c's item for a time stamp whose fraction of a second is out of range."""
    nsecs = records.ts_nsecs
    if nsecs is not None:
        odd = (nsecs < 0) | (nsecs >= 1_000_000_000)
        if records.has_ts is not None:
            odd &= records.has_ts
        pkt = np.flatnonzero(odd)
        ctx.expert(pkt, EXPERT_CODE["frame.time_invalid"], nsecs[pkt])


def _full(mask: NDArray[np.bool_], n: int) -> NDArray[np.bool_]:
    """A per-frame mask the context creates only when it sets one (all false otherwise)."""
    return mask if mask.shape[0] == n else np.zeros(n, dtype=np.bool_)


def _stack_layer(ctx: DissectContext) -> Layer:
    if not ctx.stack_pkt:
        return Layer.empty("_stack")
    pkt = np.concatenate(ctx.stack_pkt)
    proto = np.concatenate(ctx.stack_proto)
    depth = np.concatenate(ctx.stack_depth)
    order = frame_depth_order(pkt, depth)
    if order is not None:
        pkt, proto, depth = pkt[order], proto[order], depth[order]
    return Layer("_stack", pkt, depth, np.ones(pkt.shape[0], np.int32), {"proto": proto})


def _expert_layer(ctx: DissectContext) -> Layer:
    if not ctx.expert_pkt:
        return Layer.empty("_expert")
    pkt = np.concatenate(ctx.expert_pkt)
    depth = np.concatenate(ctx.expert_depth)
    slot = np.concatenate(ctx.expert_slot)
    order = np.lexsort((slot, depth, pkt))
    return Layer("_expert", pkt[order], depth[order], np.ones(pkt.shape[0], np.int32), {
        "code": np.concatenate(ctx.expert_code)[order],
        "arg": np.concatenate(ctx.expert_arg)[order],
        "arg2": np.concatenate(ctx.expert_arg2)[order],
        "slot": slot[order],
    })


def _option_layers(layers: dict[str, Layer]) -> None:
    """Layer numbers of the ``tcp.option`` and ``tcp.sack`` rows as Wireshark counts them
    (:func:`~tcpscope.dissect.tcp_options.option_layer_numbers`); a SACK block takes the
    number of its option."""
    opt, tcp = layers.get("tcp.option"), layers.get("tcp")
    if opt is None or tcp is None or len(opt) == 0:
        return
    if bool((tcp.layer == 1).all()):  # one TCP header a frame: no lookup needed
        tcp_layer = np.ones(len(opt), dtype=np.int32)
    else:
        tcp_layer = tcp.layer[np.clip(np.searchsorted(tcp.pkt, opt.pkt, side="right") - 1, 0, None)]
    num = option_layer_numbers(opt.pkt, np.asarray(opt.cols["kind"]), np.asarray(opt.cols["item"], dtype=np.bool_),
                               tcp_layer)
    layers["tcp.option"] = replace(opt, layer=num)
    sack = layers.get("tcp.sack")
    if sack is not None and len(sack):
        width = int(np.asarray(opt.cols["order"]).max()) + 2
        okey = opt.pkt.astype(np.int64) * width + np.asarray(opt.cols["order"], dtype=np.int64)
        skey = sack.pkt.astype(np.int64) * width + np.asarray(sack.cols["opt_order"], dtype=np.int64)
        pos = np.clip(np.searchsorted(okey, skey), 0, len(opt) - 1)
        found = okey[pos] == skey
        layers["tcp.sack"] = replace(sack, layer=np.where(found, num[pos], sack.layer).astype(np.int32))


def _routing_destinations(layers: dict[str, Layer]) -> None:
    """Give every IPv6 row its effective destination (``dst_eff``): the address a Routing
    header with segments left names, else ``dst``. The TCP conversation and the packet
    list use it, as Wireshark uses pinfo->dst."""
    ip6 = layers.get("ipv6")
    if ip6 is None or len(ip6) == 0:
        return
    cols = dict(ip6.cols)
    eff = np.asarray(cols["dst"]).copy()
    rt = layers.get("ipv6.routing")
    if rt is not None and len(rt):
        has = np.asarray(rt.cols["has_final"], dtype=np.bool_)
        key6 = ip6.pkt * 65536 + ip6.depth.astype(np.int64)
        keyr = rt.pkt[has] * 65536 + rt.depth[has].astype(np.int64)
        j = np.searchsorted(key6, keyr, side="right") - 1
        ok = (j >= 0) & (ip6.pkt[np.maximum(j, 0)] == rt.pkt[has])
        eff[j[ok]] = np.asarray(rt.cols["final_dst"])[has][ok]
    cols["dst_eff"] = eff
    layers["ipv6"] = Layer(ip6.name, ip6.pkt, ip6.depth, ip6.layer, cols)
