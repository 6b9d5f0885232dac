"""Encapsulations between IP layers: MPLS label stacks (RFC 3032) and GRE (RFC 2784/2890).

MPLS: 4-byte entries (label 20 bits, traffic class 3, bottom-of-stack 1, TTL 8) until
the bottom-of-stack bit; the payload's first nibble then picks IPv4 (4) or IPv6 (6), as
packet-mpls.c guesses, anything else is data.

GRE: flags and version, protocol type, then the optional checksum (C), key (K) and
sequence number (S) words; the protocol type is an EtherType, with 0x6558 carrying
Ethernet (transparent bridging). Version 1 (PPTP) and source routing (R) are data.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tcpscope._bytes import u16be
from tcpscope.dissect.context import DissectContext, Proto
from tcpscope.dissect.link import from_ethertype
from tcpscope.dissect.protocols import PROTO_CODE

__all__ = ["dissect_gre", "dissect_mpls"]

MAX_LABELS = 16


def dissect_mpls(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """Walk the label stack of frames ``idx``, one label per step, to the bottom of stack."""
    ctx.mark_stack(idx, PROTO_CODE["mpls"])
    for _ in range(MAX_LABELS):
        if idx.shape[0] == 0:
            return
        ent = ctx.read(idx, 4).astype(np.uint32)
        word = (ent[:, 0] << 24) | (ent[:, 1] << 16) | (ent[:, 2] << 8) | ent[:, 3]
        ok = ctx.avail(idx) >= 4
        ctx.add_rows("mpls", idx[ok], {
            "label": (word[ok] >> 12).astype(np.uint32),
            "exp": ((word[ok] >> 9) & 7).astype(np.uint8),
            "bottom": ((word[ok] >> 8) & 1).astype(np.uint8),
            "ttl": (word[ok] & 0xFF).astype(np.uint8),
        })
        if (~ok).any():
            ctx.stop(idx[~ok], ctx.ravail(idx[~ok]) < 4)
        idx, word = idx[ok], word[ok]
        ctx.off[idx] += 4
        bos = ((word >> 8) & 1) == 1
        last = idx[bos]
        if last.shape[0]:
            first = ctx.read(last, 1)[:, 0] >> 4
            nxt = np.full(last.shape[0], Proto.DATA, dtype=np.int8)
            nxt[first == 4] = Proto.IPV4
            nxt[first == 6] = Proto.IPV6
            nxt[ctx.avail(last) < 1] = Proto.DONE
            ctx.nxt[last] = nxt
        idx = idx[~bos]
    ctx.nxt[idx] = Proto.DATA


def dissect_gre(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """Decode GRE headers and hand the payload to the protocol type's dissector."""
    ctx.mark_stack(idx, PROTO_CODE["gre"])
    hdr = ctx.read(idx, 4)
    fv = u16be(hdr, 0)
    ptype = u16be(hdr, 2)
    c = (fv >> 15) & 1
    r = (fv >> 14) & 1
    k = (fv >> 13) & 1
    s = (fv >> 12) & 1
    ver = fv & 7
    hlen = 4 + 4 * (c | r).astype(np.int64) + 4 * k.astype(np.int64) + 4 * s.astype(np.int64)
    avail = ctx.avail(idx)
    ok = avail >= hlen
    ctx.add_rows("gre", idx, {"flags_and_version": fv, "proto": ptype, "has_proto": avail >= 4})
    if (~ok).any():
        ctx.stop(idx[~ok], ctx.ravail(idx[~ok]) < hlen[~ok])
    gi = idx[ok]
    ctx.off[gi] += hlen[ok]
    pt = ptype[ok]
    nxt = from_ethertype(pt)
    nxt = np.where(pt == 0x6558, np.int8(Proto.ETH), nxt)
    nxt = np.where((ver[ok] != 0) | (r[ok] == 1), np.int8(Proto.DATA), nxt)
    ctx.nxt[gi] = nxt
