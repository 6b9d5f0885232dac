"""Link types: BSD null in both byte orders, OpenBSD loop, raw IP (101, 228, 229), Linux cooked v1/v2,
and link types tcpscope does not dissect (kept as frames).

Each frame carries a small TCP or UDP packet so the IP and transport fields show; the
odd ones probe the corners of each link dissector: address families written in the
other byte order or as an EtherType (packet-null.c guesses), a version nibble that is
neither 4 nor 6, an IPv6 packet under link type 228 and an IPv4 one under 229, cooked
headers with every packet type, non-EtherType protocols, and frames cut inside the
link header.
"""

from __future__ import annotations

import struct
from pathlib import Path

from craft import V4_A, V4_B, V6_A, V6_B, eth, frames, ip4, ip6, pcap_bytes, tcp, udp, vlan

__all__ = ["make"]


def _v4(i: int) -> bytes:
    return ip4(tcp(b"v4" * i, sport=41000 + i, seq=i, flags=0x18, pseudo=(V4_A, V4_B, 4)), ident=i)


def _v6(i: int) -> bytes:
    return ip6(udp(b"v6" * i, sport=42000 + i, pseudo=(V6_A, V6_B, 6)), nxt=17, flow=i)


def null_frames(order: str) -> list[bytes]:
    """The null header is the AF_ value in the capturing host's byte order."""
    o = "<" if order == "le" else ">"
    other = ">" if o == "<" else "<"
    return [
        struct.pack(o + "I", 2) + _v4(1),
        struct.pack(o + "I", 24) + _v6(2),
        struct.pack(o + "I", 28) + _v6(3),
        struct.pack(o + "I", 30) + _v6(4),
        struct.pack(other + "I", 2) + _v4(5),  # written by a host of the other byte order
        struct.pack(other + "I", 30) + _v6(6),
        struct.pack(o + "I", 7) + b"\x81\x01osi",  # AF_OSI: not IP
        struct.pack(o + "I", 99) + _v4(8),  # unknown family
        struct.pack(o + "I", 0x0800) + _v4(9),  # an EtherType where the family goes
        struct.pack(o + "I", 0x86DD) + _v6(10),
        struct.pack(">I", 0x00020000) + _v4(11),  # IRIX: AF in the upper 16 bits
        struct.pack(o + "I", 2)[:2],  # cut inside the header
        struct.pack(o + "I", 2),  # header only
    ]


def loop_frames() -> list[bytes]:
    """OpenBSD loop: always network byte order."""
    return [
        struct.pack(">I", 2) + _v4(1),
        struct.pack(">I", 24) + _v6(2),
        struct.pack(">I", 28) + _v6(3),
        struct.pack(">I", 30) + _v6(4),
        struct.pack("<I", 2) + _v4(5),  # little-endian: not a family loop knows
        struct.pack(">I", 0x0800) + _v4(6),
        struct.pack(">I", 2)[:3],
    ]


def raw_frames(kind: int) -> list[bytes]:
    out = [_v4(1), _v6(2), _v4(3), _v6(4)]
    if kind == 101:
        out += [b"\x50" + _v4(5)[1:], b""]  # version 5, and an empty frame
    return out


def sll_frames(version: int) -> list[bytes]:
    def sll(pkttype: int, proto: int, payload: bytes, hatype: int = 1) -> bytes:
        if version == 1:
            return struct.pack("!HHH8sH", pkttype, hatype, 6, bytes.fromhex("020000000001") + b"\0\0", proto) + payload
        return struct.pack("!HHIHBB8s", proto, 0, 2, hatype, pkttype, 6, bytes.fromhex("020000000001") + b"\0\0") + payload

    out = [sll(t, 0x0800, _v4(t)) for t in range(5)]
    out += [
        sll(0, 0x86DD, _v6(5)),
        sll(4, 0x8100, vlan(_v4(6), 42)),
        sll(0, 0x0004, b"\xaa\xaa\x03\0\0\0\x08\x00" + _v4(7)),  # Linux protocol 4: 802.2 LLC
        sll(0, 0x0001, b"\x00" * 20),  # Linux protocol 1: 802.3
        sll(0, 0x0800, _v4(9), hatype=778),  # ARPHRD_IPGRE: the protocol is a GRE protocol type
        sll(0, 0x0800, _v4(10), hatype=824),  # ARPHRD_NETLINK
        sll(2, 0x0806, b"\0\1\x08\0\6\4\0\1" + bytes(20)),
        sll(0, 0x0800, _v4(12))[:10],
        sll(0, 0x0800, _v4(13))[:15],
    ]
    return out


def make(captures: Path) -> list[Path]:
    files = {
        "craft-link-null-le.pcap": pcap_bytes(frames(null_frames("le")), 0),
        "craft-link-null-be.pcap": pcap_bytes(frames(null_frames("be")), 0, big=True),
        "craft-link-loop.pcap": pcap_bytes(frames(loop_frames()), 108),
        "craft-link-raw101.pcap": pcap_bytes(frames(raw_frames(101)), 101),
        "craft-link-raw228.pcap": pcap_bytes(frames(raw_frames(228)), 228),
        "craft-link-raw229.pcap": pcap_bytes(frames(raw_frames(229)), 229),
        "craft-link-raw14.pcap": pcap_bytes(frames(raw_frames(14)), 14),
        "craft-link-sll.pcap": pcap_bytes(frames(sll_frames(1)), 113),
        "craft-link-sll2.pcap": pcap_bytes(frames(sll_frames(2)), 276),
        "craft-link-user0.pcap": pcap_bytes(frames([eth(_v4(1)), _v4(2), b"", b"\x00"]), 147),
    }
    out = []
    for name, data in files.items():
        p = captures / name
        p.write_bytes(data)
        out.append(p)
    return out
