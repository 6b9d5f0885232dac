"""Link layers: Ethernet II with 802.1Q/802.1ad tags, Linux cooked v1/v2, BSD null/loop, raw IP.

Each dissector reads its header for every frame that has it, adds rows to its layer
table, and points the frame's cursor at the next protocol chosen by EtherType
(packet-eth.c, packet-vlan.c, packet-sll.c, packet-null.c, packet-raw.c).

A type/length field up to 1500 is an IEEE 802.3 length: the payload, cut to that
length, is LLC (:mod:`tcpscope.dissect.llc`), or raw IPX when it starts with 0xffff.
Ethernet treats 1501-1535 as invalid and 0 as a type; a VLAN tag takes 0 as a length.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tcpscope._bytes import u16be
from tcpscope.capture.records import LinkType
from tcpscope.dissect.context import DissectContext, Proto
from tcpscope.dissect.experts import EXPERT_CODE
from tcpscope.dissect.protocols import PROTO_CODE

__all__ = [
    "LINK_START",
    "after_ethertype",
    "dissect_8021ad",
    "dissect_8021ah",
    "dissect_eth",
    "dissect_loop",
    "dissect_null",
    "dissect_rawip",
    "dissect_sll",
    "dissect_vlan",
    "from_ethertype",
    "note_vlan_id",
    "vlan_tags",
]

#: Link type -> the protocol its frames start with.
LINK_START: dict[int, Proto] = {
    LinkType.ETHERNET: Proto.ETH,
    LinkType.RAW: Proto.RAWIP,
    LinkType.RAW_BSD12: Proto.RAWIP,
    LinkType.RAW_BSD14: Proto.RAWIP,
    LinkType.IPV4: Proto.IP,
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
    0x88A8: Proto.IEEE8021AD,
    0x88E7: Proto.IEEE8021AH,
    0x9100: Proto.VLAN,  # the old QinQ type, which packet-vlan.c takes by default
    0x8847: Proto.MPLS,
    0x8848: Proto.MPLS,
    0x0806: Proto.ARP,
    0x8035: Proto.ARP,  # RARP (RFC 903): packet-arp.c dissects both EtherTypes
}

_ETHERTYPE_LUT = np.full(65536, Proto.DATA, dtype=np.int8)
for _k, _v in ETHERTYPE_NEXT.items():
    _ETHERTYPE_LUT[_k] = _v

#: BSD AF_ values (aftypes.h) of the null/loop header.
AF_NEXT: dict[int, Proto] = {2: Proto.IP, 24: Proto.IPV6, 28: Proto.IPV6, 30: Proto.IPV6}

#: Linux ARPHRD_ values packet-sll.c treats specially, and its Linux protocol numbers.
ARPHRD_IPGRE, ARPHRD_NETLINK = 778, 824
LINUX_SLL_P_ETHERNET, LINUX_SLL_P_802_2 = 0x0003, 0x0004
#: Cisco ISL frames: an 802.3 length and a destination starting 01-00-0C-00-00 (or 0C-...)
_ISL_TAIL = bytes.fromhex("000c0000")


def from_ethertype(etype: NDArray[np.integer]) -> NDArray[np.int8]:
    """The protocol an EtherType announces (DATA for types tcpscope does not decode)."""
    out: NDArray[np.int8] = _ETHERTYPE_LUT[etype.astype(np.int64) & 0xFFFF]
    return out


def after_ethertype(ctx: DissectContext, idx: NDArray[np.int64], etype: NDArray[np.integer]) -> None:
    """Mark the 'ethertype' pseudo-protocol and move to what the type announces."""
    ctx.mark_stack(idx, PROTO_CODE["ethertype"])
    ctx.nxt[idx] = from_ethertype(etype)


def dissect_eth(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """Ethernet (packet-eth.c): eth.dst, eth.src, eth.type (or eth.len for 802.3).

    packet-eth.c reads both addresses and the type before it adds anything, so a frame
    shorter than 14 bytes shows no Ethernet field at all.
    """
    ctx.mark_stack(idx, PROTO_CODE["eth"])
    avail = ctx.avail(idx)
    hdr = ctx.read(idx, 16)
    etype = u16be(hdr, 12).astype(np.int64)
    full = avail >= 14
    ether2 = (etype == 0) | (etype >= 1536)
    length = (etype > 0) & (etype <= 1500)
    ctx.add_rows("eth", idx, {
        "dst": hdr[:, 0:6].copy(),
        "src": hdr[:, 6:12].copy(),
        "type": etype.astype(np.uint16),
        "has_dst": full,
        "has_src": full,
        "has_type": full & ether2,
        "has_len": full & length,
    })
    bad = ~full
    if bad.any():
        ctx.stop(idx[bad], ctx.ravail(idx[bad]) < 14)
    ok = idx[full]
    ctx.off[ok] += 14
    fcs: NDArray[np.int64] | None = ctx.pending.get("fcs")  # type: ignore[assignment]
    if fcs is not None:
        # packet-ethertype.c and dissect_802_3: the payload ends before a known FCS
        f = fcs[ok]
        cut = (f > 0) & (ctx.rend[ok] - ctx.off[ok] >= f)
        ctx.rend[ok[cut]] -= f[cut]
        ctx.end[ok] = np.minimum(ctx.end[ok], ctx.rend[ok])
        fcs[idx] = -1  # only the frame's own Ethernet header has one
    et, h = etype[full], hdr[full]
    e2 = ether2[full]
    after_ethertype(ctx, ok[e2], et[e2])
    is_len = length[full]
    isl = is_len & np.isin(h[:, 0], (0x01, 0x0C)) & np.all(h[:, 1:5] == np.frombuffer(_ISL_TAIL, np.uint8), axis=1)
    ctx.nxt[ok[isl]] = Proto.DONE
    ln = is_len & ~isl
    # check_is_802_2 reads two bytes after the header, if there are two
    ipx = (ctx.avail(ok) >= 2) & (u16be(h, 14) == 0xFFFF)
    _ieee8023(ctx, ok[ln], et[ln], ipx[ln], EXPERT_CODE["eth.len.past_end"])
    bad = ~e2 & ~is_len  # 1501..1535: "Invalid length/type", the rest is data
    invalid = ok[bad]
    ctx.expert(invalid, EXPERT_CODE["eth.invalid_lentype.expert"], et[bad])
    ctx.mark_stack(invalid, PROTO_CODE["data"])
    ctx.nxt[invalid] = Proto.DONE


def _ieee8023(ctx: DissectContext, idx: NDArray[np.int64], length: NDArray[np.int64], ipx: NDArray[np.bool_],
              past_end: int) -> None:
    """packet-ieee8023.c ``dissect_802_3``: the payload is ``length`` bytes (at most what is
    reported: a longer length is the expert item ``past_end``), then LLC, or IPX for a raw
    802.3 frame."""
    over = length > ctx.ravail(idx)
    ctx.expert(idx[over], past_end)
    length = np.minimum(length, ctx.ravail(idx))
    ctx.rend[idx] = ctx.off[idx] + length
    ctx.end[idx] = np.minimum(ctx.end[idx], ctx.rend[idx])
    ctx.nxt[idx[~ipx]] = Proto.LLC
    ctx.nxt[idx[ipx]] = Proto.DONE


#: packet-vlan.c: more nested tags than this end the frame's dissection
VLAN_MAX_NESTED_TAGS = 20


def note_vlan_id(ctx: DissectContext, idx: NDArray[np.int64], vid: NDArray[np.int64]) -> None:
    """pinfo->vlan_id: the first non-zero VLAN ID of each frame (IPv4 reassembly keys use it),
    given the IDs ``vid`` of tags just read in frames ``idx``."""
    vlan_id: NDArray[np.int64] = ctx.pending.setdefault("vlan_id", np.zeros(ctx.n, np.int64))  # type: ignore[assignment]
    first = vlan_id[idx] == 0
    vlan_id[idx[first]] = vid[first]


def vlan_tags(ctx: DissectContext) -> NDArray[np.int16]:
    """How many 802.1Q tags each frame has shown so far (packet-vlan.c's nesting count)."""
    tags: NDArray[np.int16] = ctx.pending.setdefault("vlan_tags", np.zeros(ctx.n, np.int16))  # type: ignore[assignment]
    return tags


def dissect_vlan(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """802.1Q / 802.1ad tag (packet-vlan.c): vlan.priority, vlan.dei, vlan.id, vlan.etype.

    A type up to 1500 (0 included) is an 802.3 length, as after Ethernet.
    """
    ctx.mark_stack(idx, PROTO_CODE["vlan"])
    tags = vlan_tags(ctx)
    deep = tags[idx] >= VLAN_MAX_NESTED_TAGS
    if deep.any():
        # the TCI is read before the count is checked
        d = idx[deep]
        tci_ok = ctx.avail(d) >= 2
        ctx.expert(d[tci_ok], EXPERT_CODE["vlan.too_many_tags"])
        ctx.nxt[d] = Proto.DONE
        if (~tci_ok).any():
            ctx.stop(d[~tci_ok], ctx.ravail(d[~tci_ok]) < 2)
        idx = idx[~deep]
    tags[idx] += 1
    avail = ctx.avail(idx)
    hdr = ctx.read(idx, 4)
    tci = u16be(hdr, 0)
    etype = u16be(hdr, 2)
    ok_tci = avail >= 2
    ok = avail >= 4
    note_vlan_id(ctx, idx[ok_tci], (tci[ok_tci] & 0x0FFF).astype(np.int64))
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
    # "Don't throw an exception for this check": two bytes after the tag, if captured
    ipx = (ctx.avail(good) >= 2) & (u16be(ctx.read(good, 2), 0) == 0xFFFF)
    _ieee8023(ctx, good[is_len], et[is_len].astype(np.int64), ipx[is_len], EXPERT_CODE["vlan.len.past_end"])
    after_ethertype(ctx, good[~is_len], et[~is_len])


def dissect_8021ad(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """IEEE 802.1ad service tag (packet-ieee8021ah.c): its fields are ``ieee8021ad.*``, not ``vlan.*``.

    The tag's type is read before anything is shown. Another 0x88a8 after it makes one
    header of both tags (S-VID, C-VID, then the type); 0x88e7 is an 802.1ah I-tag;
    anything else is an EtherType, looked up even when it is no larger than 1500.
    """
    ctx.mark_stack(idx, PROTO_CODE["ieee8021ad"])
    hdr = ctx.read(idx, 8)
    encap = u16be(hdr, 2).astype(np.int64)
    double = encap == 0x88A8
    need = np.where(double, 8, 4)
    cut = ctx.avail(idx) < need
    if cut.any():
        ctx.stop(idx[cut], ctx.ravail(idx[cut]) < need[cut])
    ok = ~cut
    gi = idx[ok]
    ctx.off[gi] += need[ok]
    etype = np.where(double, u16be(hdr, 6).astype(np.int64), encap)[ok]
    ah = etype == 0x88E7
    ctx.nxt[gi[ah & ~double[ok]]] = Proto.IEEE8021AH
    rest = ~(ah & ~double[ok])
    after_ethertype(ctx, gi[rest], etype[rest])


def dissect_8021ah(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """IEEE 802.1ah I-tag (4 bytes), customer destination and source addresses, then an EtherType."""
    ctx.mark_stack(idx, PROTO_CODE["ieee8021ah"])
    hdr = ctx.read(idx, 18)
    cut = ctx.avail(idx) < 18
    if cut.any():
        ctx.stop(idx[cut], ctx.ravail(idx[cut]) < 18)
    gi = idx[~cut]
    ctx.off[gi] += 18
    after_ethertype(ctx, gi, u16be(hdr[~cut], 16))


def dissect_sll(ctx: DissectContext, idx: NDArray[np.int64], version: int) -> None:
    """Linux cooked capture v1 (16 bytes) and v2 (20 bytes), packet-sll.c.

    packet-sll.c reads the packet type and ARPHRD type first (v1: bytes 0-3; v2: bytes
    8-11), so a shorter frame shows nothing; a Netlink frame (ARPHRD_NETLINK) goes whole
    to Netlink without SLL fields. The protocol field is an EtherType (sll.etype) above
    1536, except for ARPHRD_IPGRE where it is a GRE protocol type (sll.gretype);
    otherwise a Linux protocol number (sll.ltype): 4 is 802.2 LLC, 3 Ethernet.
    """
    ctx.mark_stack(idx, PROTO_CODE["sll"])
    size = 16 if version == 1 else 20
    hdr = ctx.read(idx, size)
    avail = ctx.avail(idx)
    if version == 1:
        pkttype = u16be(hdr, 0)
        hatype = u16be(hdr, 2)
        proto = u16be(hdr, 14)
        started = avail >= 4
    else:
        proto = u16be(hdr, 0)
        hatype = u16be(hdr, 8)
        pkttype = hdr[:, 10].astype(np.uint16)
        started = avail >= 12
    ok = avail >= size
    netlink = started & (hatype == ARPHRD_NETLINK)
    shown = started & ~netlink
    is_etype = proto > 1536
    gre = is_etype & (hatype == ARPHRD_IPGRE)
    ctx.add_rows("sll", idx, {
        "pkttype": pkttype,
        "hatype": hatype,
        "etype": proto,
        "has_pkttype": shown,
        # v2 shows the protocol first, v1 after the addresses (bytes 4-15)
        "has_etype": shown & (ok if version == 1 else True) & is_etype & ~gre,
        "version": np.full(idx.shape[0], version, dtype=np.uint8),
    })
    cut = ~ok & ~netlink
    if cut.any():
        ctx.stop(idx[cut], ctx.ravail(idx[cut]) < np.where(started[cut], size, np.where(version == 1, 4, 12)))
    ctx.nxt[idx[netlink]] = Proto.DONE
    go = ok & ~netlink
    ctx.off[idx[go]] += size
    eth = go & is_etype & ~gre
    after_ethertype(ctx, idx[eth], proto[eth])
    g = go & gre
    ctx.nxt[idx[g]] = from_gre_type(proto[g])
    ltype = go & ~is_etype
    nxt = np.full(int(ltype.sum()), Proto.DATA, dtype=np.int8)
    lp = proto[ltype]
    nxt[lp == LINUX_SLL_P_802_2] = Proto.LLC
    nxt[lp == LINUX_SLL_P_ETHERNET] = Proto.ETH
    ctx.nxt[idx[ltype]] = nxt


#: The gre.proto dissector table (the GRE protocol types Wireshark registers that tcpscope follows).
GRE_NEXT: dict[int, Proto] = {
    0x0800: Proto.IP,
    0x883E: Proto.IP,  # WCCP
    0x86DD: Proto.IPV6,
    0x8847: Proto.MPLS,
    0x8848: Proto.MPLS,
    0x0806: Proto.ARP,
    0x6558: Proto.ETH,  # transparent Ethernet bridging
}
_GRE_LUT = np.full(65536, Proto.DATA, dtype=np.int8)
for _k, _v in GRE_NEXT.items():
    _GRE_LUT[_k] = _v


def from_gre_type(ptype: NDArray[np.integer]) -> NDArray[np.int8]:
    """The protocol a GRE protocol type announces (data for types tcpscope does not follow)."""
    out: NDArray[np.int8] = _GRE_LUT[ptype.astype(np.int64) & 0xFFFF]
    return out


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
    """BSD loopback (link type 0): a 4-byte AF_ value in the capturing host's byte order.

    A value above 1500 is an EtherType, looked up in the EtherType table directly
    (packet-null.c): no 'ethertype' layer in ``frame.protocols`` (``null:ip``).
    """
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


def dissect_rawip(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """Raw IP (packet-raw.c ``dissect_raw``): PPP in HDLC framing (0xff03 at offset 0, 6 or 1,
    not followed here), IP after 10 zero bytes, else the version nibble picks IPv4 or IPv6.

    Those tests read bytes 0-1, then 6-7, then 1-2: a frame too short for them ends there.
    """
    ctx.mark_stack(idx, PROTO_CODE["raw"])
    avail = ctx.avail(idx)
    hdr = ctx.read(idx, 10)
    ppp0 = u16be(hdr, 0) == 0xFF03
    ppp6 = ~ppp0 & (u16be(hdr, 6) == 0xFF03)
    ppp1 = ~ppp0 & ~ppp6 & (u16be(hdr, 1) == 0xFF03)
    need = np.where(ppp0, 2, 8)
    cut = avail < need
    if cut.any():
        ctx.stop(idx[cut], ctx.ravail(idx[cut]) < need[cut])
    zeros = (avail >= 10) & np.all(hdr == 0, axis=1)
    ver = hdr[:, 0] >> 4
    nxt = np.full(idx.shape[0], Proto.DATA, dtype=np.int8)
    nxt[ver == 4] = Proto.IPV4
    nxt[ver == 6] = Proto.IPV6
    nxt[zeros] = Proto.IP
    nxt[ppp0 | ppp6 | ppp1] = Proto.DATA
    nxt[cut] = Proto.DONE
    ctx.nxt[idx] = nxt
    ctx.off[idx[nxt == Proto.IP]] += 10
