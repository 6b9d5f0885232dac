"""The Info column of the frames whose top protocol is not TCP: UDP, ARP and RARP, ICMP
and ICMPv6 (with the neighbour discovery messages' target and link-layer addresses), an
IPv4 fragment's, and a Linux cooked capture's packet type where nothing above wrote one.

These frames are few on a TCP capture, so their texts are made a row at a time; the
packet list (:mod:`tcpscope.views.packet_list`) puts them in its Info column.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.dissect.protocols import IP_PROTO_NAMES, PROTO_CODE
from tcpscope.table.packets import PacketTable
from tcpscope.table.text import format_ether, format_ipv4, format_ipv6

__all__ = ["ARP_REPLY", "ARP_REQUEST", "RARP_REPLY", "RARP_REQUEST", "other_info", "rarp_frames"]

_ICMP_TYPES = {
    0: "Echo (ping) reply", 3: "Destination unreachable", 4: "Source quench (flow control)", 5: "Redirect",
    8: "Echo (ping) request", 9: "Router advertisement", 10: "Router solicitation", 11: "Time-to-live exceeded",
    12: "Parameter problem", 13: "Timestamp request", 14: "Timestamp reply",
}
_ICMP_UNREACH = {
    0: "Network unreachable", 1: "Host unreachable", 2: "Protocol unreachable", 3: "Port unreachable",
    4: "Fragmentation needed", 13: "Communication administratively filtered",
}
_ICMPV6_TYPES = {
    1: "Destination Unreachable", 2: "Packet Too Big", 3: "Time Exceeded", 4: "Parameter Problem",
    128: "Echo (ping) request", 129: "Echo (ping) reply", 130: "Multicast Listener Query",
    131: "Multicast Listener Report", 132: "Multicast Listener Done", 133: "Router Solicitation",
    134: "Router Advertisement", 135: "Neighbor Solicitation", 136: "Neighbor Advertisement", 137: "Redirect",
    143: "Multicast Listener Report Message v2",
}


def other_info(table: PacketTable) -> dict[int, str]:
    """Info for frames whose top protocol is not TCP: each protocol's, the highest layer's
    last (UDP, ARP, ICMP), then where none wrote one, an IPv4 fragment's and the link's."""
    info: dict[int, str] = {}
    for fill in (_udp_infos, _dns_infos, _arp_infos, _icmp_infos, _fragment_infos, _sll_infos):
        fill(table, info)
    return info


class _Udp(NamedTuple):
    """What UDP's Info reads of a ``udp`` row."""

    sport: int
    dport: int
    reach: int
    ulen: int
    short: bool
    past_ip: bool
    jumbogram: bool
    zero_illegal: bool


def _udp_infos(table: PacketTable, info: dict[int, str]) -> None:
    udp = table.layer("udp")
    if len(udp):
        cols = ("srcport", "dstport", "reach", "ulen", "length_short", "length_past_ip", "jumbogram",
                "checksum_zero_illegal")
        for pkt, *values in zip(udp.pkt.tolist(), *(np.asarray(udp.cols[c]).tolist() for c in cols), strict=True):
            row = _Udp(*values)
            if row.reach >= 1:  # both ports read
                info[pkt] = _udp_info(row)


def dns_over_udp(table: PacketTable) -> Index:
    """The frames whose stack has ``dns`` right after ``udp``."""
    st = table.layer("_stack")
    if len(st) < 2:
        return np.zeros(0, dtype=np.int64)
    code = np.asarray(st.cols["proto"])
    after = np.flatnonzero((code[1:] == PROTO_CODE["dns"]) & (code[:-1] == PROTO_CODE["udp"])
                           & (st.pkt[1:] == st.pkt[:-1])) + 1
    return np.asarray(st.pkt[after], dtype=np.int64)


def _dns_infos(table: PacketTable, info: dict[int, str]) -> None:
    """DNS over UDP: its message's Info (tcpscope.dissect.dns), or none where the
    message ended before its id and flags (packet-dns.c clears the column first)."""
    for pkt in dns_over_udp(table).tolist():
        info[pkt] = ""
    dns = table.layer("_dns")
    if len(dns):
        udp = ~np.asarray(dns.cols["over_tcp"], dtype=np.bool_)
        info.update(zip(dns.pkt[udp].tolist(), np.asarray(dns.cols["text"])[udp].tolist(), strict=True))


def _arp_infos(table: PacketTable, info: dict[int, str]) -> None:
    arp = table.layer("arp")
    if len(arp):
        for pkt, op, sha, tha, spa, tpa, ok in zip(arp.pkt.tolist(), np.asarray(arp.cols["opcode"]).tolist(),
                                                   np.asarray(arp.cols["src_hw_mac"]),
                                                   np.asarray(arp.cols["dst_hw_mac"]),
                                                   np.asarray(arp.cols["src_proto_ipv4"]).tolist(),
                                                   np.asarray(arp.cols["dst_proto_ipv4"]).tolist(),
                                                   np.asarray(arp.cols["complete"]).tolist(), strict=True):
            if ok and op in (ARP_REQUEST, ARP_REPLY, RARP_REQUEST, RARP_REPLY):
                info[pkt] = _arp_info(op, bytes(sha), bytes(tha), spa, tpa)


def rarp_frames(table: PacketTable) -> Array:
    """Frames whose ARP operation is a reverse request or reply: packet-arp.c names the
    Protocol column by the operation, "RARP" for these whatever the EtherType."""
    out = np.zeros(table.n, dtype=np.bool_)
    arp = table.layer("arp")
    if len(arp):
        op = np.asarray(arp.cols["opcode"])
        out[arp.pkt[np.asarray(arp.cols["complete"]) & ((op == RARP_REQUEST) | (op == RARP_REPLY))]] = True
    return out


class _Icmp(NamedTuple):
    """What the ICMP and ICMPv6 Info read of an ``icmp``/``icmpv6`` row."""

    ty: int
    code: int
    ident: int
    seq: int
    reach: int


#: The columns of an :class:`_Icmp`, in its order.
_ICMP_COLUMNS = ("type", "code", "ident", "seq", "reach")


def _icmp_infos(table: PacketTable, info: dict[int, str]) -> None:
    for name, ip_name, hops in (("icmp", "ip", "ttl"), ("icmpv6", "ipv6", "hlim")):
        lt = table.layer(name)
        if not len(lt):
            continue
        ip = table.layer(ip_name)
        ip_row = ip.last_row(table.n)
        hop = np.asarray(ip.cols[hops]).tolist() if len(ip) else []
        for pkt, *values in zip(lt.pkt.tolist(), *(np.asarray(lt.cols[c]).tolist() for c in _ICMP_COLUMNS),
                                strict=True):
            row = _Icmp(*values)
            if row.reach < 3:  # the dissector's first read failed: nothing written to Info
                continue
            r = int(ip_row[pkt])
            limit = hop[r] if r >= 0 else None
            info[pkt] = _icmp_info(row, limit) if name == "icmp" else _icmpv6_info(row, limit)
    for pkt, text in _discovery_texts(table).items():
        if pkt in info:
            info[pkt] += text


def _fragment_infos(table: PacketTable, info: dict[int, str]) -> None:
    ip4 = table.layer("ip")
    if len(ip4):
        c = ip4.cols
        frag = np.flatnonzero((np.asarray(c["reach"]) >= 11)
                              & (((np.asarray(c["flags"]) & 1) != 0) | (np.asarray(c["frag_offset"]) != 0)))
        for pkt, off, ident, proto in zip(ip4.pkt[frag].tolist(), np.asarray(c["frag_offset"])[frag].tolist(),
                                          np.asarray(c["id"])[frag].tolist(), np.asarray(c["proto"])[frag].tolist(),
                                          strict=True):
            pname = IP_PROTO_NAMES.get(proto, "Unknown")
            info.setdefault(pkt, f"Fragmented IP protocol (proto={pname} {proto}, off={off * 8}, ID={ident:04x})")


def _sll_infos(table: PacketTable, info: dict[int, str]) -> None:
    sll = table.layer("sll")
    if len(sll):  # the link layer's Info, which any protocol above replaces
        # (v1 only: for v2, packet-sll.c names the 16 bits of the packet type and the address
        # length together, "Unknown (6)", a value tcpscope does not keep)
        for pkt, pkttype, shown, version in zip(sll.pkt.tolist(), np.asarray(sll.cols["pkttype"]).tolist(),
                                                np.asarray(sll.cols["has_pkttype"]).tolist(),
                                                np.asarray(sll.cols["version"]).tolist(), strict=True):
            if shown and version == 1:
                info.setdefault(pkt, _SLL_PACKET_TYPES.get(pkttype, f"Unknown ({pkttype})"))


def _udp_info(u: _Udp) -> str:
    """UDP's Info (packet-udp.c): the ports once both are read; then, once the length is
    read, a length under 8 ends it ("[BAD UDP LENGTH n < 8]"); one past the IP payload of
    an unfragmented datagram is noted; then "Len=" the payload length, "[Jumbogram]" for
    an IPv6 jumbogram, and "[ILLEGAL CHECKSUM (0)]" for a zero checksum over IPv6."""
    text = f"{u.sport} \u2192 {u.dport}"
    if u.reach < 2:
        return text
    if u.short:
        return f"{text} [BAD UDP LENGTH {u.ulen} < 8]"
    if u.past_ip:
        text += f" [BAD UDP LENGTH {u.ulen} > IP PAYLOAD LENGTH]"
    text += f" Len={u.ulen - 8}"
    if u.jumbogram:
        text += " [Jumbogram]"
    if u.zero_illegal:
        text += " [ILLEGAL CHECKSUM (0)]"
    return text


#: Linux cooked capture's packet types (packet-sll.c), the Info of a frame nothing above rewrites
_SLL_PACKET_TYPES = {0: "Unicast to us", 1: "Broadcast", 2: "Multicast", 3: "Unicast to another host", 4: "Sent by us"}


#: ICMP messages with an identifier and a sequence number: echo, timestamp, information, mask
_ICMP_IDENTIFIED = (0, 8, 13, 14, 15, 16, 17, 18)


def _icmp_info(m: _Icmp, ttl: int | None) -> str:
    """ICMP's Info (packet-icmp.c): the type's name padded to 20, an unreachable's code;
    for a message with an identifier (once read), it and the sequence number both ways
    round, then the IP header's TTL."""
    text = f"{_ICMP_TYPES.get(m.ty, 'Unknown ICMP (obsolete or malformed?)'):<20}"
    if m.ty == 3:
        text += f" ({_ICMP_UNREACH.get(m.code, f'Code {m.code}')})"
    if m.ty in _ICMP_IDENTIFIED and m.reach >= 4:  # (not read past the captured bytes)
        seq = m.seq
        text += f" id=0x{m.ident:04x}, seq={seq}/{((seq & 0xFF) << 8) | (seq >> 8)}"
        if ttl is not None:
            text += f", ttl={ttl}"
    return text


def _icmpv6_info(m: _Icmp, hop_limit: int | None) -> str:
    """ICMPv6's Info (packet-icmpv6.c): the type's name; for an echo (once its identifier
    is read), the identifier, the sequence number and the IPv6 header's hop limit."""
    text = _ICMPV6_TYPES.get(m.ty, f"Unknown ({m.ty})")
    if m.ty in (128, 129) and m.reach >= 4:
        text += f" id=0x{m.ident:04x}, seq={m.seq}"
        if hop_limit is not None:
            text += f", hop limit={hop_limit}"
    return text


#: Neighbour discovery (RFC 4861 §4): where each message's options start, from its type
#: field (Router Solicitation and Advertisement, Neighbor Solicitation and Advertisement,
#: Redirect)
_ND_OPTIONS_AT = {133: 8, 134: 16, 135: 24, 136: 24, 137: 40}
#: The link-layer address options (RFC 4861 §4.6.1): the source's and the target's, and
#: the words packet-icmpv6.c puts before the address in Info
ND_SOURCE_LINKADDR, ND_TARGET_LINKADDR = 1, 2
_LINK_WORDS = {ND_SOURCE_LINKADDR: " from ", ND_TARGET_LINKADDR: " is at "}
#: A Neighbor Advertisement's flags (RFC 4861 §4.4), as Info names them
_NA_FLAGS = ((0x80000000, "rtr"), (0x40000000, "sol"), (0x20000000, "ovr"))


def _discovery_texts(table: PacketTable) -> dict[int, str]:
    """What neighbour discovery messages add to ICMPv6's Info, by frame (packet-icmpv6.c
    ``dissect_icmpv6`` and ``dissect_icmpv6_nd_opt``): a Neighbor Solicitation's " for"
    its target address; a Neighbor Advertisement's target and its flags in parentheses
    ("rtr, sol, ovr", "none" without any); then each link-layer address option's address,
    a source's after " from ", a target's after " is at " (both after " from " when the
    address is an EUI-64: 16 bytes whose last six are zero). The options are read one
    after the other up to the message's end (the IPv6 payload); a zero length ends them.
    Only what was captured is written (a message in a reassembled buffer is left as its
    type's name alone)."""
    icmp = table.layer("icmpv6")
    out: dict[int, str] = {}
    if not len(icmp):
        return out
    ty = np.asarray(icmp.cols["type"]).astype(np.int64)
    rows = np.flatnonzero(np.isin(ty, list(_ND_OPTIONS_AT)) & (np.asarray(icmp.cols["reach"]) >= 3)
                          & (np.asarray(icmp.cols["_buf"]) == 0))
    if not rows.shape[0]:
        return out
    ip6 = table.layer("ipv6")
    ip_row = ip6.last_row(table.n)
    r = table.records
    data = table.data
    for pkt, kind, start in zip(icmp.pkt[rows].tolist(), ty[rows].tolist(),
                                np.asarray(icmp.cols["_start"])[rows].tolist(), strict=True):
        cap_end = int(r.offset[pkt]) + int(r.caplen[pkt])
        end = int(r.offset[pkt]) + int(r.wirelen[pkt])
        ip = int(ip_row[pkt])
        if ip >= 0:
            end = min(end, int(ip6.cols["_start"][ip]) + 40 + int(ip6.cols["plen"][ip]))
        out[pkt] = _discovery_text(data[:cap_end], kind, start, end)
    return out


def _discovery_text(data: Array, kind: int, start: int, end: int) -> str:
    """The text one neighbour discovery message adds (:func:`_discovery_texts`); its
    bytes from ``start`` in ``data`` (which ends where the capture does), ``end`` the
    message's."""
    text = ""
    if kind in (135, 136):
        if start + 24 > data.shape[0]:
            return text
        target = format_ipv6(bytes(data[start + 8:start + 24]))
        if kind == 135:
            text = f" for {target}"
        else:
            flags = int.from_bytes(bytes(data[start + 4:start + 8]), "big")
            named = ", ".join(name for bit, name in _NA_FLAGS if flags & bit)
            text = f" {target} ({named or 'none'})"
    at = start + _ND_OPTIONS_AT[kind]
    while at < end and at + 2 <= data.shape[0]:
        length = int(data[at + 1]) * 8
        if length == 0:  # an invalid option length ends the options
            break
        word = _LINK_WORDS.get(int(data[at]))
        if word is not None and at + 2 + length - 2 <= data.shape[0]:
            addr = bytes(data[at + 2:at + length])
            if length == 8:
                text += word + format_ether(addr[:6])
            elif length == 16 and not any(addr[8:14]):
                text += " from " + format_ether(addr[:8])
        at += length
    return text


#: ARP operations (RFC 826) and RARP's (RFC 903)
ARP_REQUEST, ARP_REPLY, RARP_REQUEST, RARP_REPLY = 1, 2, 3, 4
_NO_MAC = bytes(6)


def _arp_info(op: int, sha: bytes, tha: bytes, spa: int, tpa: int) -> str:
    """ARP's Info (packet-arp.c ``dissect_arp``), for an Ethernet/IPv4 request or reply.

    GRATUITOUS: a request or reply whose sender and target protocol addresses are the
    same. ANNOUNCEMENT: a gratuitous request whose target hardware address is all zeros.
    PROBE: a request, not gratuitous, with a zero target hardware address and sender
    protocol address 0.0.0.0. A request asks for the target's address, a reply gives the
    sender's. RARP (RFC 903): a reverse request asks for the protocol address of the target
    hardware address, a reverse reply gives it.
    """
    s, t = format_ipv4(spa), format_ipv4(tpa)
    if op == RARP_REQUEST:  # RARP asks for the protocol address of the target's hardware address
        return f"Who is {format_ether(tha)}? Tell {format_ether(sha)}"
    if op == RARP_REPLY:
        return f"{format_ether(tha)} is at {t}"
    gratuitous = spa == tpa
    if op == ARP_REPLY:
        return f"Gratuitous ARP for {s} (Reply)" if gratuitous else f"{s} is at {format_ether(sha)}"
    if gratuitous:
        return f"ARP Announcement for {t}" if tha == _NO_MAC else f"Gratuitous ARP for {t} (Request)"
    if tha == _NO_MAC and spa == 0:
        return f"Who has {t}? (ARP Probe)"
    return f"Who has {t}? Tell {s}"
