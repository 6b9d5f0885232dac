"""ARP (RFC 826), ICMP (RFC 792) and ICMPv6 (RFC 4443) headers, for the packet list.

tcpscope does not analyse these protocols; it reads enough of them to give their frames
a sensible line: ARP's operation and the sender and target addresses, ICMP's type,
code, and the identifier and sequence number of echo messages.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tcpscope._bytes import u16be, u32be
from tcpscope.dissect.context import DissectContext, Proto
from tcpscope.dissect.protocols import PROTO_CODE

__all__ = ["dissect_arp", "dissect_icmp", "dissect_icmpv6"]


def _arp_kinds(h: NDArray[np.uint8]) -> dict[str, NDArray[np.generic]]:
    """packet-arp.c's kinds of request: gratuitous (a request or reply whose sender and
    target protocol addresses are equal), an announcement (a gratuitous request with a
    zero target hardware address), a probe (another request with a zero target hardware
    address and a zero sender protocol address); and the header's address sizes."""
    op = u16be(h, 6)
    asks = (op == 1) | (op == 2)
    zero_target = ~h[:, 18:24].any(axis=1)
    gratuitous = asks & (u32be(h, 14) == u32be(h, 24))
    return {"hw_size": h[:, 4].copy(), "proto_size": h[:, 5].copy(), "gratuitous": gratuitous,
            "announcement": gratuitous & (op == 1) & zero_target,
            "probe": ~gratuitous & (op == 1) & zero_target & (u32be(h, 14) == 0)}


def dissect_arp(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """Ethernet/IPv4 ARP: hardware type 1, protocol 0x0800, address lengths 6 and 4."""
    ctx.mark_stack(idx, PROTO_CODE["arp"])
    h = ctx.read(idx, 28)
    ok = ctx.avail(idx) >= 28
    ctx.add_rows("arp", idx, {
        "hw_type": u16be(h, 0),
        "proto_type": u16be(h, 2),
        "opcode": u16be(h, 6),
        "src_hw_mac": h[:, 8:14].copy(),
        "src_proto_ipv4": u32be(h, 14),
        "dst_hw_mac": h[:, 18:24].copy(),
        "dst_proto_ipv4": u32be(h, 24),
        "complete": ok & (u16be(h, 2) == 0x0800) & (h[:, 4] == 6) & (h[:, 5] == 4),
        **_arp_kinds(h),
    })
    if (~ok).any():
        ctx.stop(idx[~ok], ctx.ravail(idx[~ok]) < 28)
    ctx.nxt[idx] = Proto.DONE


#: Echo request and reply (RFC 792, RFC 4443 §4): their payload after the 8-byte header is data
ECHO_TYPES = {"icmp": (0, 8), "icmpv6": (128, 129)}


def _icmp(ctx: DissectContext, idx: NDArray[np.int64], name: str, first_read: int) -> None:
    """``first_read``: the bytes the dissector reads before it writes anything (packet-icmp.c
    reads byte 5, the RFC 4884 length, first; packet-icmpv6.c the checksum). An echo
    message's payload is handed to the data dissector (frame.protocols ``icmp:data``)."""
    ctx.mark_stack(idx, PROTO_CODE[name])
    h = ctx.read(idx, 8)
    avail = ctx.avail(idx)
    ctx.add_rows(name, idx, {
        "type": h[:, 0].copy(),
        "code": h[:, 1].copy(),
        "checksum": u16be(h, 2),
        "ident": u16be(h, 4),
        "seq": u16be(h, 6),
        # 0 nothing; 1 type and code; 2 the checksum; 3 what is read first; 4 identifier and sequence number
        "reach": np.searchsorted(np.array([2, 4, first_read, 8]), avail, side="right").astype(np.int8),
    })
    cut = avail < first_read
    if cut.any():
        ctx.stop(idx[cut], ctx.ravail(idx[cut]) < first_read)
    echo_data = (avail >= 8) & np.isin(h[:, 0], ECHO_TYPES[name]) & (ctx.ravail(idx) > 8)
    ctx.mark_stack(idx[echo_data], PROTO_CODE["data"])
    ctx.nxt[idx] = Proto.DONE


def dissect_icmp(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """ICMP type, code, checksum; identifier and sequence number (meaningful for echo)."""
    _icmp(ctx, idx, "icmp", 6)


def dissect_icmpv6(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """ICMPv6 type, code, checksum; identifier and sequence number (meaningful for echo)."""
    _icmp(ctx, idx, "icmpv6", 4)
