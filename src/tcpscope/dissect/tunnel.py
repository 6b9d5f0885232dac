"""Encapsulations between IP layers: MPLS label stacks (RFC 3032) and GRE (RFC 2784/2890).

MPLS (packet-mpls.c): 4-byte entries (label 20 bits, traffic class 3, bottom-of-stack 1,
TTL 8) while reported bytes remain, until the bottom-of-stack bit; the payload's first
nibble then picks IPv4 (4, ``dissect_ip``) or IPv6 (6). The Generic Associated Channel
label (13), nibbles 0 and 1 (pseudowires, which Wireshark guesses at) and the rest are
not decoded further.

GRE (packet-gre.c): flags and version, protocol type, then the optional checksum and
offset (C or R), key (K), sequence number (S) words and, with R, the source route
entries up to the empty one; WCCPv2 adds 4 bytes when the payload does not start like
IPv4. The version is not checked. The protocol type is looked up in the ``gre.proto``
table (:func:`tcpscope.dissect.link.from_gre_type`); PPP carried by PPTP and 3GPP2 is
not decoded. Without the S bit and with no bytes left there is no payload.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tcpscope._bytes import u16be
from tcpscope.dissect.context import DissectContext, Proto
from tcpscope.dissect.link import from_gre_type
from tcpscope.dissect.protocols import PROTO_CODE

__all__ = ["dissect_gre", "dissect_mpls"]

MPLS_LABEL_GACH = 13
GRE_CHECKSUM, GRE_ROUTING, GRE_KEY, GRE_SEQUENCE, GRE_ACK = 0x8000, 0x4000, 0x2000, 0x1000, 0x0080
ETHERTYPE_PPP, ETHERTYPE_3GPP2, ETHERTYPE_CDMA2000_A10_UBS, GRE_WCCP = 0x880B, 0x88D2, 0x8881, 0x883E


def dissect_mpls(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """Walk the label stack of frames ``idx``, one label per step, to the bottom of stack."""
    ctx.mark_stack(idx, PROTO_CODE["mpls"])
    while idx.shape[0]:
        more = ctx.ravail(idx) > 0
        # the stack ran out of reported bytes without a bottom: the payload's first byte is read
        done = idx[~more]
        if done.shape[0]:
            ctx.stop(done, np.ones(done.shape[0], dtype=np.bool_))
        idx = idx[more]
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
            gach = (word[bos] >> 12) == MPLS_LABEL_GACH
            first = ctx.read(last, 1)[:, 0] >> 4
            nxt = np.full(last.shape[0], Proto.DATA, dtype=np.int8)
            nxt[first == 4] = Proto.IP
            nxt[first == 6] = Proto.IPV6
            nxt[gach] = Proto.DATA
            empty = (ctx.avail(last) < 1) & ~gach
            ctx.nxt[last] = nxt
            if empty.any():
                ctx.stop(last[empty], ctx.ravail(last[empty]) < 1)
        idx = idx[~bos]


def dissect_gre(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """Decode GRE headers and hand the payload to the protocol type's dissector."""
    ctx.mark_stack(idx, PROTO_CODE["gre"])
    avail = ctx.avail(idx)
    hdr = ctx.read(idx, 5)
    fv = u16be(hdr, 0).astype(np.int64)
    ptype = u16be(hdr, 2).astype(np.int64)
    ctx.add_rows("gre", idx, {"flags_and_version": fv.astype(np.uint16), "proto": ptype.astype(np.uint16),
                              "has_proto": avail >= 4})
    short = avail < 4
    if short.any():
        ctx.stop(idx[short], ctx.ravail(idx[short]) < 4)
    idx, fv, ptype, hdr = idx[~short], fv[~short], ptype[~short], hdr[~short]
    ppp = ((ptype == ETHERTYPE_PPP) & ((fv & 0x7) != 0)) | (ptype == ETHERTYPE_3GPP2) | (
        ptype == ETHERTYPE_CDMA2000_A10_UBS)
    # WCCP: is_wccp2 looks at byte 4 whether or not the header ends there
    wccp2 = (ptype == GRE_WCCP) & ((hdr[:, 4] & 0xF0) != 0x40)
    hlen = 4 + 4 * ((fv & (GRE_CHECKSUM | GRE_ROUTING)) != 0) + 4 * ((fv & GRE_KEY) != 0) \
        + 4 * ((fv & GRE_SEQUENCE) != 0) + 4 * (ppp & ((fv & GRE_ACK) != 0))
    ctx.off[idx] += 4
    fixed = hlen - 4
    # source route entries: address family, offset, length; the empty one ends the list
    sre = np.zeros(idx.shape[0], dtype=np.int64)
    active = np.flatnonzero((fv & GRE_ROUTING) != 0)
    while active.shape[0]:
        at = ctx.off[idx[active]] + fixed[active] + sre[active]
        e = ctx.read(idx[active], 4, at=at).astype(np.int64)
        fits = ctx.end[idx[active]] - at >= 4
        sre_len = np.where(fits, e[:, 3], 0)
        last = ~fits | (((e[:, 0] << 8) | e[:, 1]) == 0) & (sre_len == 0)
        sre[active] += 4 + np.where(last, 0, sre_len)
        active = active[~last]
    hlen = hlen + sre + 4 * wccp2
    need = hlen - 4
    cut = ctx.avail(idx) < need
    if cut.any():
        ctx.stop(idx[cut], ctx.ravail(idx[cut]) < need[cut])
    gi = idx[~cut]
    ctx.off[gi] += need[~cut]
    pt = ptype[~cut]
    nxt = from_gre_type(pt)
    nxt = np.where(ppp[~cut], np.int8(Proto.DATA), nxt)
    nothing = ((fv[~cut] & GRE_SEQUENCE) == 0) & (ctx.ravail(gi) <= 0)
    ctx.nxt[gi] = np.where(nothing, np.int8(Proto.DONE), nxt)
