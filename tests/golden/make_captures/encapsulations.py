"""Encapsulations over Ethernet: VLAN stacks, 802.3 with LLC/SNAP, MPLS label stacks, GRE, IP in IP.

Every inner packet is a small TCP or UDP packet so that each layer's IP fields show as
tshark shows repeated fields (two ip.src values joined by a comma). The odd frames probe
how each dissector ends: a stack of 21 VLAN tags (packet-vlan.c stops at 20), an 802.3
length shorter or longer than the payload, a label stack without a bottom, a GRE source
route, WCCP, an unknown GRE protocol type, and frames cut inside each header.
"""

from __future__ import annotations

import struct
from pathlib import Path

from craft import V4_A, V4_B, V6_A, V6_B, eth, frames, gre, ip4, ip6, mpls, pcap_bytes, tcp, udp, vlan

__all__ = ["make"]

V4_C, V4_D = "203.0.113.3", "203.0.113.4"
V6_C, V6_D = "2001:db8:1::3", "2001:db8:1::4"


def _t4(i: int, src: str = V4_C, dst: str = V4_D) -> bytes:
    return ip4(tcp(b"in" * i, sport=43000 + i, seq=10 * i, flags=0x18, pseudo=(src, dst, 4)), src=src, dst=dst,
               ident=0x100 + i, ttl=30 + i)


def _u6(i: int, src: str = V6_C, dst: str = V6_D) -> bytes:
    return ip6(udp(b"in6" * i, sport=44000 + i, pseudo=(src, dst, 6)), nxt=17, src=src, dst=dst, hlim=40 + i, flow=i)


def vlan_frames() -> list[bytes]:
    llc_snap = b"\xaa\xaa\x03\x00\x00\x00\x08\x00"
    deep = _t4(9)
    itag = struct.pack("!I", 0x00ABCDEF) + bytes.fromhex("02000000000a02000000000b") + b"\x08\x00"
    for k in range(21):
        deep = vlan(deep, k + 1, 0x8100 if k else 0x0800)
    return [
        eth(vlan(_t4(1), 100, pcp=5, dei=1), 0x8100),
        eth(vlan(vlan(_t4(2), 200), 300, 0x8100), 0x88A8),
        eth(vlan(vlan(vlan(_u6(3), 30, 0x86DD), 20, 0x8100), 10, 0x88A8), 0x9100),
        eth(vlan(llc_snap + _t4(4), 400, len(llc_snap) + len(_t4(4))), 0x8100),
        eth(vlan(b"\x00" * 30, 401, 0), 0x8100),  # type 0: an 802.3 length of 0
        eth(vlan(b"\xff\xff" + bytes(28), 402, 30), 0x8100),  # raw IPX
        eth(vlan(b"\0\1\x08\0\6\4\0\1" + bytes(20), 403, 0x0806), 0x8100),
        eth(deep, 0x8100),  # 21 tags
        eth(vlan(vlan(_t4(12), 6), 5, 0x88A8), 0x88A8),  # two 802.1ad tags: one header
        eth(itag + _t4(13), 0x88E7),  # 802.1ah
        eth(vlan(itag + _t4(14), 7, 0x88E7), 0x88A8),  # 802.1ad, then 802.1ah
        eth(vlan(_t4(15), 8, 0x88A8), 0x8100),  # a VLAN tag, then 802.1ad
        eth(vlan(vlan(_t4(10), 2), 1, 0x8100), 0x88A8)[:19],  # cut inside the second tag
        eth(vlan(vlan(_t4(11), 2), 1, 0x8100), 0x88A8)[:21],
    ]


def ieee8023_frames() -> list[bytes]:
    snap = b"\xaa\xaa\x03\x00\x00\x00"
    def e8023(payload: bytes, length: int | None = None) -> bytes:
        return eth(payload, len(payload) if length is None else length)

    p = _t4(1)
    return [
        e8023(snap + b"\x08\x00" + p),
        e8023(snap + b"\x86\xdd" + _u6(2)),
        e8023(b"\xaa\xaa\x03\x00\x00\xf8\x08\x00" + _t4(3)),  # Cisco OUI
        e8023(b"\xaa\xaa\x03\x00\x80\xc2\x00\x07" + bytes(20)),  # 802.1 OUI: bridged frames
        e8023(b"\x06\x06\x00\x00" + _t4(5)),  # DSAP 6 (IP), I frame
        e8023(b"\x06\x06\x03" + _t4(6)),  # DSAP 6, UI frame
        e8023(b"\x42\x42\x03" + bytes(35)),  # spanning tree
        e8023(b"\xff\xff" + bytes(30)),  # raw IPX
        e8023(snap + b"\x08\x00" + p, 30),  # 802.3 length cuts the IP packet
        e8023(snap + b"\x08\x00" + p + bytes(10), len(snap) + 2 + len(p)),  # trailer after it
        e8023(snap + b"\x08\x00" + p, 1500),  # longer than the frame
        eth(bytes(30), 1510),  # neither length nor type
        eth(bytes(30), 0),  # type 0
        e8023(snap + b"\x08\x00" + p)[:18],
    ]


def mpls_frames() -> list[bytes]:
    return [
        eth(mpls(_t4(1), [100]), 0x8847),
        eth(mpls(_u6(2), [16, 17, 18], ttl=9), 0x8847),
        eth(mpls(_t4(3), [1000]), 0x8848),
        eth(mpls(_t4(4), list(range(20, 40))), 0x8847),  # 20 labels
        eth(mpls(b"\x55" * 20, [99]), 0x8847),  # neither IPv4 nor IPv6
        eth(mpls(bytes(8), [13]), 0x8847),  # the Generic Associated Channel label
        eth(mpls(b"", [5, 6])[:4] + mpls(b"", [7, 8])[:4], 0x8847),  # no bottom of stack
        eth(mpls(b"", [9]), 0x8847),  # bottom, then nothing
        eth(ip4(mpls(_t4(9), [77]), proto=137)),  # MPLS in IP
        eth(mpls(_t4(10), [1, 2]), 0x8847)[:19],
    ]


def gre_frames() -> list[bytes]:
    inner_eth = eth(_t4(5), dst=bytes.fromhex("020000000005"), src=bytes.fromhex("020000000006"))
    routing = struct.pack("!HH", 0x4000, 0x0800) + struct.pack("!HH", 0, 0) \
        + struct.pack("!HBB", 0x0800, 0, 8) + bytes(8) + struct.pack("!HBB", 0, 0, 0)
    return [
        eth(ip4(gre(_t4(1)), proto=47)),
        eth(ip4(gre(_t4(2), key=0xDEADBEEF, seq=7), proto=47)),
        eth(ip4(gre(_t4(3), checksum=True, key=1), proto=47)),
        eth(ip4(gre(_u6(4), proto=0x86DD, seq=0), proto=47)),
        eth(ip4(gre(inner_eth, proto=0x6558, key=42), proto=47)),  # transparent Ethernet bridging
        eth(ip4(routing + _t4(6), proto=47)),  # source route entries
        eth(ip4(gre(b"\x12\x34" * 10, proto=0x1234), proto=47)),  # unknown protocol type
        eth(ip4(gre(vlan(_t4(8), 5), proto=0x8100), proto=47)),  # VLAN is not in gre.proto
        eth(ip6(gre(_t4(9), key=9), nxt=47)),  # GRE over IPv6
        eth(ip4(gre(_t4(10), version=1), proto=47)),  # version 1, not PPP: still IP
        eth(ip4(gre(b"", seq=11), proto=47)),  # S set, nothing after
        eth(ip4(gre(b""), proto=47)),  # no payload
        eth(ip4(gre(_t4(13), proto=0x883E), proto=47)),  # WCCP, IPv4 right after
        eth(ip4(gre(b"\x00\x00\x00\x01" + _t4(14), proto=0x883E), proto=47)),  # WCCPv2 redirect header
        eth(ip4(gre(mpls(_t4(15), [300]), proto=0x8847), proto=47)),
        eth(ip4(gre(_t4(16), key=1, seq=2), proto=47))[:40],  # cut inside the key
    ]


def ipip_frames() -> list[bytes]:
    return [
        eth(ip4(_t4(1), proto=4)),  # 4in4
        eth(ip4(_u6(2), proto=41)),  # 6in4
        eth(ip6(_t4(3), nxt=4), 0x86DD),  # 4in6
        eth(ip6(_u6(4), nxt=41), 0x86DD),  # 6in6
        eth(ip4(ip6(_t4(5), nxt=4), proto=41)),  # 4in6in4
        eth(ip4(_u6(6), proto=4)),  # IPIP carrying a version-6 header: dissect_ip hands it to IPv6
        eth(ip4(b"\x50" + _t4(7)[1:], proto=4)),  # version 5 inside
        eth(ip4(ip4(_t4(8), proto=4, src=V4_B, dst=V4_A), proto=4)),  # 4in4in4
        eth(ip6(ip6(_u6(9), nxt=41, src=V6_B, dst=V6_A), nxt=41), 0x86DD),  # 6in6in6
        eth(ip4(_t4(10), proto=4))[:40],  # cut inside the inner header
    ]


def make(captures: Path) -> list[Path]:
    files = {
        "craft-encap-vlan.pcap": vlan_frames(),
        "craft-encap-8023.pcap": ieee8023_frames(),
        "craft-encap-mpls.pcap": mpls_frames(),
        "craft-encap-gre.pcap": gre_frames(),
        "craft-encap-ipip.pcap": ipip_frames(),
    }
    out = []
    for name, data in files.items():
        p = captures / name
        p.write_bytes(pcap_bytes(frames(data), 1))
        out.append(p)
    return out


_ = (V4_A, V6_A)
