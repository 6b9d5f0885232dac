"""The packet list: one line per frame, as ``tshark -r FILE`` prints it.

Columns (tshark's defaults, tshark.c ``print_columns``): the frame number right-aligned
in 5, the time since the first frame right-aligned in 10 (as many decimals as the
frame's interface's time-stamp precision; empty for a frame without a time stamp), the source right-aligned in 12, `` → ``, the
destination left-aligned in 12, the protocol, the frame length, and the Info column.
Source and destination are the innermost IP addresses, else the link-layer ones.

TCP frames get tshark's exact Info text (:mod:`tcpscope.views.info`), and the Protocol
"MPTCP" when an MPTCP option is dissected. UDP, ARP, ICMP, ICMPv6, IPv4 fragments and
Linux cooked captures get tshark's Info too; tests/views/test_golden_list.py compares
every line and declares, line by line, what is not written yet (docs/deviations.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.dissect.protocols import IP_PROTO_NAMES, PROTO_CODE, PROTO_NAMES
from tcpscope.table.manuf import resolve_macs
from tcpscope.table.packets import PacketTable
from tcpscope.table.text import format_ether, format_ipv4, ipv4_texts, ipv6_texts
from tcpscope.views.info import CONTAINED, MALFORMED, SIZE_LIMITED
from tcpscope.views.info_columns import TEXT, claimed_rows, tcp_infos

__all__ = ["ListColumns", "PacketRow", "packet_columns", "packet_lines", "packet_rows", "packet_text", "time_precision",
           "time_text"]

_PROTO_COLUMN = {
    "tcp": "TCP", "udp": "UDP", "ip": "IPv4", "ipv6": "IPv6", "arp": "ARP", "icmp": "ICMP", "icmpv6": "ICMPv6",
    "eth": "Ethernet", "vlan": "802.1Q", "sll": "SLL", "null": "NULL", "raw": "Raw", "mpls": "MPLS",
    "gre": "GRE", "llc": "LLC", "ipv6.hopopts": "IPv6", "ipv6.routing": "IPv6", "ipv6.fraghdr": "IPv6",
    "ipv6.dstopts": "IPv6", "ah": "AH",
}

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


@dataclass(frozen=True, slots=True)
class PacketRow:
    """One line of the packet list, as its parts."""

    number: int
    time: str
    source: str
    destination: str
    protocol: str
    length: int
    info: str

    def line(self) -> str:
        """The line exactly as tshark prints it."""
        return (f"{self.number:>5} {self.time:>10} {self.source:>12} \u2192 {self.destination:<12} "
                f"{self.protocol} {self.length} {self.info}")


def _tsprec(units: int) -> int:
    """WTAP_TSPREC of an interface with ``units`` time-stamp units per second (pcapng.c
    ``pcapng_read_if_descr_block``; if_tsresol may give up to 2^64 - 1 units)."""
    for digits, least in ((9, 10**9), (6, 10**6), (3, 1000), (2, 100), (1, 10)):
        if units >= least:
            return digits
    return 0


def time_precision(table: PacketTable) -> Array:
    """Decimals of each frame's time (WTAP_TSPREC of its interface: 0, 1, 2, 3, 6 or 9)."""
    digits = np.array([_tsprec(i.ts_units) for i in table.records.interfaces] or [6], dtype=np.int64)
    iface = np.clip(table.records.iface.astype(np.int64), 0, len(digits) - 1)
    return digits[iface] if table.n else np.zeros(0, dtype=np.int64)


def time_text(ns: int, digits: int, has_ts: bool = True) -> str:
    """The Time column (Relative, column-utils.c ``col_set_rel_time``): empty for a frame
    without a time stamp, else seconds with ``digits`` decimals, the sign in front."""
    if not has_ts:
        return ""
    sign = "-" if ns < 0 else ""
    a = -ns if ns < 0 else ns
    secs, frac = divmod(a, 1_000_000_000)
    if digits == 0:
        return f"{sign}{secs}"
    return f"{sign}{secs}.{frac // 10 ** (9 - digits):0{digits}d}"


#: Protocols that never take the Protocol column: the payload nobody dissected, and MPTCP,
#: which its option's dissector writes there itself (see :func:`packet_rows`)
_NOT_COLUMN = frozenset({"data", "mptcp", "tls", "dns"})


#: Each protocol code's name, and whether it names the Protocol column
_NAMES = np.array(PROTO_NAMES, dtype=TEXT)
_NAMES_COLUMN = np.array([name not in _NOT_COLUMN for name in PROTO_NAMES], dtype=np.bool_)
_TCP = "tcp"


def _top_protocols(table: PacketTable) -> tuple[Array, Array, Array]:
    """The last protocol of each frame's stack that names the Protocol column, the one
    below it, and the frames with a dissected MPTCP option."""
    st = table.layer("_stack")
    n = table.n
    top = np.full(n, "", dtype=TEXT)
    below = np.full(n, "", dtype=TEXT)
    mptcp = np.zeros(n, dtype=np.bool_)
    if len(st) == 0:
        return top, below, mptcp
    order = np.argsort(st.pkt, kind="stable")
    pkt = st.pkt[order].astype(np.int64)
    code = np.asarray(st.cols["proto"])[order].astype(np.int64)
    mptcp[pkt[code == PROTO_CODE["mptcp"]]] = True
    keep = _NAMES_COLUMN[code]
    pkt, code = pkt[keep], code[keep]
    last = np.ones(pkt.shape[0], dtype=np.bool_)  # each frame's last naming protocol
    last[:-1] = pkt[1:] != pkt[:-1]
    at = np.flatnonzero(last)
    top[pkt[at]] = _NAMES[code[at]]
    prev = at - 1
    has_prev = (prev >= 0) & (pkt[np.maximum(prev, 0)] == pkt[at])
    below[pkt[at[has_prev]]] = _NAMES[code[prev[has_prev]]]
    over_udp = _dns_over_udp(table)  # (DNS names the column over UDP; over TCP the framing's line does)
    below[over_udp], top[over_udp] = "udp", "dns"
    return top, below, mptcp


def _dns_over_udp(table: PacketTable) -> Index:
    """The frames whose stack has ``dns`` right after ``udp``."""
    st = table.layer("_stack")
    if len(st) < 2:
        return np.zeros(0, dtype=np.int64)
    code = np.asarray(st.cols["proto"])
    after = np.flatnonzero((code[1:] == PROTO_CODE["dns"]) & (code[:-1] == PROTO_CODE["udp"])
                           & (st.pkt[1:] == st.pkt[:-1])) + 1
    return np.asarray(st.pkt[after], dtype=np.int64)


def _before_ports(table: PacketTable, top: Array) -> Array:
    """Frames whose top protocol is TCP or UDP but whose header ended before both ports
    were read: packet-tcp.c and packet-udp.c set the Protocol column only after reading
    them, so the column stays the protocol's below."""
    out = np.zeros(table.n, dtype=np.bool_)
    for name in ("tcp", "udp"):
        seen = np.zeros(table.n, dtype=np.bool_)
        layer = table.layer(name)
        if len(layer):
            seen[layer.pkt[np.asarray(layer.cols["reach"]) >= 1]] = True
        out |= (top == name) & ~seen
    return out


def _proto_texts(names: Array) -> Array:
    """The Protocol column of frames whose top protocols are ``names``."""
    if names.shape[0] == 0:
        return np.zeros(0, dtype=TEXT)
    uniq, inverse = np.unique(names, return_inverse=True)
    texts = [_PROTO_COLUMN.get(t, t.upper() if t else "") for t in uniq.tolist()]
    return np.array(texts, dtype=TEXT)[inverse.reshape(-1)]


def _other_column(table: PacketTable, sel: Index) -> Array:
    """The Info of frames ``sel`` that TCP does not write (:func:`_other_info`), then
    what show_exception appends (``views.info.exception_mark``) unless a malformed
    mark is already there."""
    full = np.full(table.n, "", dtype=TEXT)
    other = _other_info(table)
    if other:
        full[np.fromiter(other, dtype=np.int64, count=len(other))] = np.array(list(other.values()), dtype=TEXT)
    info = full[sel]
    mark = np.full(sel.shape[0], "", dtype=TEXT)
    short = table.frame_cols.get("short")
    if short is not None:
        mark[np.asarray(short, dtype=np.bool_)[sel]] = SIZE_LIMITED
    malformed = np.asarray(table.malformed, dtype=np.bool_)[sel]
    mark[malformed] = MALFORMED
    contained = table.frame_cols.get("contained")
    if contained is not None:
        mark[malformed & np.asarray(contained, dtype=np.bool_)[sel]] = CONTAINED
    return np.where(np.strings.find(info, "[Malformed Packet") < 0, np.strings.add(info, mark), info)


def _addresses(table: PacketTable) -> tuple[Array, Array]:
    """The Source and Destination columns: the innermost IP header's addresses (as
    pinfo->src/dst end up), else the Ethernet addresses, else a Linux cooked capture's
    sender (no destination), else nothing. Link-layer addresses are named as tshark names
    them (:mod:`tcpscope.table.manuf`: ``Broadcast``, ``IntelCor_12:34:56``)."""
    n = table.n
    src = np.full(n, "", dtype=TEXT)
    dst = np.full(n, "", dtype=TEXT)
    found = [_sll_senders(table), *(_header_addresses(table, name) for name in ("eth", "ip", "ipv6"))]
    pkt = np.concatenate([f.pkt for f in found])
    if pkt.shape[0] == 0:
        return src, dst
    order = np.lexsort((np.concatenate([f.depth for f in found]), pkt))  # by frame, then the stack
    last = np.ones(pkt.shape[0], dtype=np.bool_)  # each frame's innermost header
    last[:-1] = pkt[order][1:] != pkt[order][:-1]
    won = np.zeros(pkt.shape[0], dtype=np.bool_)
    won[order[last]] = True
    at = 0
    for f in found:  # only the winners are formatted (and names looked up)
        mine = won[at:at + f.pkt.shape[0]]
        at += f.pkt.shape[0]
        if mine.any():
            s, d = f.texts(mine)
            src[f.pkt[mine]] = np.array(s, dtype=TEXT)
            dst[f.pkt[mine]] = np.array(d, dtype=TEXT)
    return src, dst


@dataclass(frozen=True)
class _Found:
    """Headers that set a frame's addresses: their frames, their places in the stack (for
    the innermost), and how to write the addresses of some of them."""

    pkt: Index
    depth: Index
    texts: Callable[[Array], tuple[list[str], list[str]]]


_LINK_DEPTH, _SLL_DEPTH = -1, -2  # below any IP header (Ethernet above a cooked capture's sender)


def _header_addresses(table: PacketTable, name: str) -> _Found:
    """The addresses of the ``eth``, ``ip`` or ``ipv6`` headers that have both."""
    lt = table.layer(name)
    if not len(lt):
        return _Found(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), lambda m: ([], []))
    if name == "eth":
        ok = np.asarray(lt.cols["has_src"], dtype=np.bool_)
        depth = np.full(int(ok.sum()), _LINK_DEPTH, dtype=np.int64)
        s_col, d_col = np.asarray(lt.cols["src"])[ok], np.asarray(lt.cols["dst"])[ok]

        def texts(m: Array) -> tuple[list[str], list[str]]:
            return resolve_macs(s_col[m]).tolist(), resolve_macs(d_col[m]).tolist()
    elif name == "ip":
        ok = np.asarray(lt.cols["reach"]) >= 11
        depth = lt.depth[ok].astype(np.int64)
        s4, d4 = np.asarray(lt.cols["src"])[ok], np.asarray(lt.cols["dst"])[ok]

        def texts(m: Array) -> tuple[list[str], list[str]]:
            return ipv4_texts(s4[m]), ipv4_texts(d4[m])
    else:
        ok = np.asarray(lt.cols["reach"]) >= 7
        depth = lt.depth[ok].astype(np.int64)
        s6, d6 = np.asarray(lt.cols["src"])[ok], np.asarray(lt.cols.get("dst_eff", lt.cols["dst"]))[ok]

        def texts(m: Array) -> tuple[list[str], list[str]]:
            return ipv6_texts(s6[m]), ipv6_texts(d6[m])
    return _Found(lt.pkt[ok], depth, texts)


#: Where a Linux cooked capture's address length and address are (packet-sll.c add_ll_address)
_SLL_HALEN = {1: (4, 2), 2: (11, 1)}  # version -> (offset, size) of the length; the address follows


def _sll_senders(table: PacketTable) -> _Found:
    """A Linux cooked capture's sender (add_ll_address): its link-layer address of 6 bytes
    (an Ethernet address) or 4 (IPv4) sets the source once the length and the address are
    read; nothing sets the destination."""
    sll = table.layer("sll")
    empty = _Found(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), lambda m: ([], []))
    if not len(sll):
        return empty
    data = table.data
    start = np.asarray(sll.cols["_start"]).astype(np.int64)
    r = table.records
    end = (r.offset[sll.pkt] + r.caplen[sll.pkt]).astype(np.int64)
    version = np.asarray(sll.cols["version"]).astype(np.int64)
    at, size = np.where(version == 1, 4, 11), np.where(version == 1, 2, 1)
    shown = np.asarray(sll.cols["has_pkttype"], dtype=np.bool_) & (np.asarray(sll.cols["_buf"]) == 0) \
        & (start + at + size <= end)
    lo = data[np.where(shown, start + at + size - 1, 0)].astype(np.int64)
    hi = np.where(size == 2, data[np.where(shown, start + at, 0)].astype(np.int64), 0)
    halen = (hi << 8) | lo
    addr = start + at + size
    ok = shown & ((halen == 6) | (halen == 4)) & (addr + halen <= end)
    if not ok.any():
        return empty
    raw = data[np.minimum(np.where(ok, addr, 0)[:, None] + np.arange(6)[None, :], data.shape[0] - 1)][ok]
    four = halen[ok] == 4

    def texts(m: Array) -> tuple[list[str], list[str]]:
        names = resolve_macs(raw[m]).tolist()
        v4 = raw[m][:, :4].astype(np.int64)
        dotted = ipv4_texts((v4[:, 0] << 24) | (v4[:, 1] << 16) | (v4[:, 2] << 8) | v4[:, 3])
        return [d if f else e for e, d, f in zip(names, dotted, four[m].tolist(), strict=True)], [""] * len(names)

    return _Found(sll.pkt[ok], np.full(int(ok.sum()), _SLL_DEPTH, dtype=np.int64), texts)


def _other_info(table: PacketTable) -> dict[int, str]:
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


def _dns_infos(table: PacketTable, info: dict[int, str]) -> None:
    """DNS over UDP: its message's Info (tcpscope.dissect.dns), or none where the
    message ended before its id and flags (packet-dns.c clears the column first)."""
    for pkt in _dns_over_udp(table).tolist():
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


def _rarp_frames(table: PacketTable) -> Array:
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


class ListColumns(NamedTuple):
    """The packet list's columns for some frames, one array each (the texts numpy strings)."""

    number: Index
    time: Array
    source: Array
    destination: Array
    protocol: Array
    length: Index
    info: Array


def _time_column(table: PacketTable, sel: Index) -> Array:
    """The Time column of frames ``sel`` (:func:`time_text`, a column at a time)."""
    digits = time_precision(table)[sel]
    first = table.records.ts_first if table.records.ts_first is not None else int(table.ts_ns[0])
    rel = table.ts_ns[sel].astype(np.int64) - first
    mag = np.abs(rel)
    secs, frac = mag // 1_000_000_000, mag % 1_000_000_000
    out = np.strings.add(np.where(rel < 0, "-", "").astype(TEXT), secs.astype(TEXT))
    for d in np.unique(digits).tolist():
        if d == 0:
            continue
        at = digits == d
        part = np.strings.zfill((frac[at] // 10 ** (9 - d)).astype(TEXT), d)
        out[at] = np.strings.add(np.strings.add(out[at], "."), part)
    if table.records.has_ts is not None:
        out[~table.records.has_ts[sel]] = ""
    return out


def packet_columns(table: PacketTable, frames: Index | None = None) -> ListColumns:
    """The packet list's columns of ``frames`` (default: every frame), for an analysed table
    (a piece of a capture too: numbers and times are the capture's, ``Records.first_frame``
    and ``ts_first``; its HTTP framing is the one the analysis carried over the pieces,
    ``TcpAnalyzer(http=True)``, else the table's alone)."""
    n = table.n
    sel = np.arange(n, dtype=np.int64) if frames is None else np.asarray(frames, dtype=np.int64)
    if n == 0 or sel.shape[0] == 0:
        empty = np.zeros(0, dtype=TEXT)
        return ListColumns(np.zeros(0, dtype=np.int64), empty, empty, empty, empty, np.zeros(0, dtype=np.int64),
                           empty)
    number = sel + table.records.first_frame + 1
    lengths = np.minimum(table.records.wirelen[sel], 0x7FFFFFFF).astype(np.int64)
    top, below, mptcp = _top_protocols(table)
    src, dst = _addresses(table)
    tcp = table.layer("tcp")
    tinfo = tcp_infos(table, sel)
    tcp_row = tcp.last_row(n)[sel] if len(tcp) else np.full(sel.shape[0], -1, dtype=np.int64)
    before = _before_ports(table, top)[sel]
    t = np.where(before, below[sel], top[sel])
    is_tcp = (t == _TCP) & (tcp_row >= 0)
    row = np.where(is_tcp, tcp_row, 0)
    above = claimed_rows(table, tinfo)
    is_mptcp = mptcp[sel]
    from_above, own = np.zeros(sel.shape[0], dtype=np.bool_), np.zeros(sel.shape[0], dtype=np.bool_)
    at = np.flatnonzero(is_tcp)
    from_above[at] = above.claimed[row[at]] & ~is_mptcp[at]
    own[at] = ~from_above[at] & tinfo.ok[row[at]]
    protocol = _proto_texts(t)
    protocol[(t == "arp") & _rarp_frames(table)[sel]] = "RARP"
    info = _other_column(table, sel)
    protocol[own] = np.where(is_mptcp[own], "MPTCP", "TCP")
    info[own] = tinfo.text[row[own]]
    protocol[from_above] = above.proto[row[from_above]]
    info[from_above] = above.info[row[from_above]]
    return ListColumns(number, _time_column(table, sel), src[sel], dst[sel], protocol, lengths, info)


def packet_rows(table: PacketTable, frames: Index | None = None) -> Iterator[PacketRow]:
    """The packet list rows of ``frames`` (default: every frame), for an analysed table:
    :func:`packet_columns`, a row at a time (for a few rows; the list itself is made
    column by column, :func:`packet_text`)."""
    cols = packet_columns(table, frames)
    for values in zip(*(c.tolist() for c in cols), strict=True):
        yield PacketRow(*values)


def packet_text(table: PacketTable, frames: Index | None = None) -> Array:
    """The packet list's lines of ``frames`` as tshark prints them, as one numpy string
    each (no newline), made column by column."""
    c = packet_columns(table, frames)
    return np.asarray(_cat(np.strings.rjust(c.number.astype(TEXT), 5), " ", np.strings.rjust(c.time, 10), " ",
                           np.strings.rjust(c.source, 12), " \u2192 ", np.strings.ljust(c.destination, 12), " ",
                           c.protocol, " ", c.length.astype(TEXT), " ", c.info))


def _cat(*parts: Array | str) -> Array:
    out = parts[0]
    for p in parts[1:]:
        out = np.strings.add(out, p)
    return np.asarray(out)


def packet_lines(table: PacketTable, frames: Index | None = None) -> Iterator[str]:
    """The packet list as tshark prints it, one string per frame."""
    yield from packet_text(table, frames).tolist()

