"""Link layers: Ethernet II with 802.1Q/802.1ad tags, Linux cooked v1/v2, BSD null/loop, raw IP.

Each dissector reads its header for every frame that has it, adds rows to its layer
table, and points the frame's cursor at the next protocol chosen by EtherType
(packet-eth.c, packet-vlan.c, packet-sll.c, packet-null.c, packet-raw.c).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tcpscope._bytes import u16be
from tcpscope.capture.records import LinkType
from tcpscope.dissect.context import DissectContext, Proto
from tcpscope.dissect.protocols import PROTO_CODE

__all__ = [
    "LINK_START",
    "dissect_eth",
    "dissect_loop",
    "dissect_null",
    "dissect_rawip",
    "dissect_sll",
    "dissect_vlan",
    "from_ethertype",
]

#: Link type -> the protocol its frames start with.
LINK_START: dict[int, Proto] = {
    LinkType.ETHERNET: Proto.ETH,
    LinkType.RAW: Proto.RAWIP,
    LinkType.RAW_BSD12: Proto.RAWIP,
    LinkType.RAW_BSD14: Proto.RAWIP,
    LinkType.IPV4: Proto.IPV4,
    LinkType.IPV6: Proto.IPV6,
    LinkType.LINUX_SLL: Proto.SLL,
    LinkType.LINUX_SLL2: Proto.SLL2,
    LinkType.NULL: Proto.NULL,
    LinkType.LOOP: Proto.LOOP,
}

ETHERTYPE_NEXT: dict[int, Proto] = {
    0x0800: Proto.IPV4,
    0x86DD: Proto.IPV6,
    0x8100: Proto.VLAN,
    0x88A8: Proto.VLAN,
    0x9100: Proto.VLAN,
    0x8847: Proto.MPLS,
    0x8848: Proto.MPLS,
    0x0806: Proto.ARP,
}

_ETHERTYPE_LUT = np.full(65536, Proto.DATA, dtype=np.int8)
for _k, _v in ETHERTYPE_NEXT.items():
    _ETHERTYPE_LUT[_k] = _v

#: BSD AF_ values (aftypes.h) of the null/loop header.
AF_NEXT: dict[int, Proto] = {2: Proto.IPV4, 24: Proto.IPV6, 28: Proto.IPV6, 30: Proto.IPV6}


def from_ethertype(etype: NDArray[np.integer]) -> NDArray[np.int8]:
    """The protocol an EtherType announces (DATA for types tcpscope does not decode)."""
    out: NDArray[np.int8] = _ETHERTYPE_LUT[etype.astype(np.int64) & 0xFFFF]
    return out


def _after_ethertype(ctx: DissectContext, idx: NDArray[np.int64], etype: NDArray[np.integer]) -> None:
    """Mark the 'ethertype' pseudo-protocol and move to what the type announces."""
    ctx.mark_stack(idx, PROTO_CODE["ethertype"])
    ctx.nxt[idx] = from_ethertype(etype)


def dissect_eth(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """Ethernet II (packet-eth.c): eth.dst, eth.src, eth.type; a type <= 1500 is an 802.3 length."""
    ctx.mark_stack(idx, PROTO_CODE["eth"])
    avail = ctx.avail(idx)
    hdr = ctx.read(idx, 14)
    etype = u16be(hdr, 12)
    has_dst = avail >= 6
    has_src = avail >= 12
    has_type = avail >= 14
    ctx.add_rows("eth", idx, {
        "dst": hdr[:, 0:6].copy(),
        "src": hdr[:, 6:12].copy(),
        "type": etype,
        "has_dst": has_dst,
        "has_src": has_src,
        "has_type": has_type & (etype > 1500),
        "has_len": has_type & (etype <= 1500),
    })
    bad = ~has_type
    if bad.any():
        ctx.stop(idx[bad], ctx.ravail(idx[bad]) < 14)
    ok = idx[has_type]
    et = etype[has_type]
    ctx.off[ok] += 14
    is_len = et <= 1500
    if is_len.any():
        ln = ok[is_len]
        ctx.mark_stack(ln, PROTO_CODE["llc"])
        ctx.nxt[ln] = Proto.DONE
    ty = ok[~is_len]
    _after_ethertype(ctx, ty, et[~is_len])


def dissect_vlan(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """802.1Q / 802.1ad tag (packet-vlan.c): vlan.priority, vlan.dei, vlan.id, vlan.etype."""
    ctx.mark_stack(idx, PROTO_CODE["vlan"])
    avail = ctx.avail(idx)
    hdr = ctx.read(idx, 4)
    tci = u16be(hdr, 0)
    etype = u16be(hdr, 2)
    ok_tci = avail >= 2
    ok = avail >= 4
    ctx.add_rows("vlan", idx, {
        "priority": (tci >> 13).astype(np.uint8),
        "dei": ((tci >> 12) & 1).astype(np.uint8),
        "id": (tci & 0x0FFF).astype(np.uint16),
        "etype": etype,
        "has_tci": ok_tci,
        "has_etype": ok & (etype > 1500),
        "has_len": ok & (etype <= 1500),
    })
    if (~ok).any():
        ctx.stop(idx[~ok], ctx.ravail(idx[~ok]) < 4)
    good = idx[ok]
    et = etype[ok]
    ctx.off[good] += 4
    is_len = et <= 1500
    if is_len.any():
        ctx.mark_stack(good[is_len], PROTO_CODE["llc"])
        ctx.nxt[good[is_len]] = Proto.DONE
    _after_ethertype(ctx, good[~is_len], et[~is_len])


def dissect_sll(ctx: DissectContext, idx: NDArray[np.int64], version: int) -> None:
    """Linux cooked capture v1 (16 bytes) and v2 (20 bytes), packet-sll.c.

    The protocol field is an EtherType (sll.etype) when above 1536, otherwise a Linux
    protocol number (sll.ltype) that tcpscope does not decode further.
    """
    ctx.mark_stack(idx, PROTO_CODE["sll"])
    size = 16 if version == 1 else 20
    hdr = ctx.read(idx, size)
    avail = ctx.avail(idx)
    if version == 1:
        pkttype = u16be(hdr, 0)
        hatype = u16be(hdr, 2)
        proto = u16be(hdr, 14)
        ok = avail >= 16
        has_pkttype = avail >= 2
    else:
        proto = u16be(hdr, 0)
        hatype = u16be(hdr, 8)
        pkttype = hdr[:, 10].astype(np.uint16)
        ok = avail >= 20
        has_pkttype = avail >= 11
    is_etype = proto > 1536
    ctx.add_rows("sll", idx, {
        "pkttype": pkttype,
        "hatype": hatype,
        "etype": proto,
        "has_pkttype": has_pkttype,
        "has_etype": ok & is_etype & (hatype != 778),
        "version": np.full(idx.shape[0], version, dtype=np.uint8),
    })
    if (~ok).any():
        ctx.stop(idx[~ok], ctx.ravail(idx[~ok]) < size)
    good = ok & is_etype & (hatype != 778)
    gi = idx[good]
    ctx.off[gi] += size
    _after_ethertype(ctx, gi, proto[good])
    other = idx[ok & ~good]
    ctx.nxt[other] = Proto.DATA
    ctx.off[other] += size


def _null_family(raw_le: NDArray[np.int64]) -> NDArray[np.int64]:
    """packet-null.c's guess of the byte order of a host-order AF_ value."""
    v = raw_le.copy()
    hi = (v & 0xFFFF0000) != 0
    irix = hi & ((v & 0xFF000000) == 0) & ((v & 0x00FF0000) < 0x00060000)
    swapped = ((v & 0xFF) << 24) | ((v & 0xFF00) << 8) | ((v >> 8) & 0xFF00) | ((v >> 24) & 0xFF)
    v = np.where(hi, np.where(irix, v >> 16, swapped), v)
    lo_irix = ~hi & ((raw_le & 0xFF) == 0) & ((raw_le & 0xFF00) < 0x0600)
    sw16 = ((raw_le & 0xFF) << 8) | ((raw_le >> 8) & 0xFF)
    return np.where(lo_irix, sw16, v)


def dissect_null(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """BSD loopback (link type 0): a 4-byte AF_ value in the capturing host's byte order."""
    _null_common(ctx, idx, big_endian=False)


def dissect_loop(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """OpenBSD loopback (link type 108): the AF_ value is always big-endian."""
    _null_common(ctx, idx, big_endian=True)


def _null_common(ctx: DissectContext, idx: NDArray[np.int64], big_endian: bool) -> None:
    ctx.mark_stack(idx, PROTO_CODE["null"])
    hdr = ctx.read(idx, 4).astype(np.int64)
    ok = ctx.avail(idx) >= 4
    if big_endian:
        fam = (hdr[:, 0] << 24) | (hdr[:, 1] << 16) | (hdr[:, 2] << 8) | hdr[:, 3]
        is_etype = np.zeros(idx.shape[0], dtype=np.bool_)
    else:
        raw = (hdr[:, 3] << 24) | (hdr[:, 2] << 16) | (hdr[:, 1] << 8) | hdr[:, 0]
        fam = _null_family(raw)
        is_etype = fam > 1500
    ctx.add_rows("null", idx, {
        "family": fam.astype(np.uint32),
        "has_family": ok & ~is_etype,
        "type": (fam & 0xFFFF).astype(np.uint16),
        "has_type": ok & is_etype,
    })
    if (~ok).any():
        ctx.stop(idx[~ok], ctx.ravail(idx[~ok]) < 4)
    gi = idx[ok]
    ctx.off[gi] += 4
    f = fam[ok]
    et = is_etype[ok]
    nxt = np.full(gi.shape[0], Proto.DATA, dtype=np.int8)
    for af, p in AF_NEXT.items():
        nxt[(f == af) & ~et] = p
    nxt[et] = from_ethertype(f[et])
    ctx.nxt[gi] = nxt
    if et.any():
        ctx.mark_stack(gi[et], PROTO_CODE["ethertype"])


def dissect_rawip(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """Raw IP (packet-raw.c): the version nibble picks IPv4 or IPv6."""
    ctx.mark_stack(idx, PROTO_CODE["raw"])
    first = ctx.read(idx, 1)[:, 0]
    ok = ctx.avail(idx) >= 1
    ver = first >> 4
    nxt = np.full(idx.shape[0], Proto.DATA, dtype=np.int8)
    nxt[ver == 4] = Proto.IPV4
    nxt[ver == 6] = Proto.IPV6
    nxt[~ok] = Proto.DONE
    ctx.nxt[idx] = nxt
