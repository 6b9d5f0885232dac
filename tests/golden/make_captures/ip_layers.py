"""IPv4 with options and odd headers, IPv4 fragments reassembled as tshark does, IPv6 extension headers.

* ``craft-ipv4-options``: every common option (NOP, EOL padding, Record Route, Timestamp,
  Router Alert, Security, Loose Source Route), options of bad length, the largest
  header, and the header checks packet-ip.c makes (IHL < 5, total length below the
  header, 0 for segmentation offload, beyond the frame), flag and TTL corners.
* ``craft-ipv4-frags``: fragmented TCP and UDP datagrams in order, out of order, with
  overlaps (same and different bytes), duplicates, interleaved identifications, a
  missing fragment, a lone last fragment, a fragment cut by the snaplen, a reused
  identification after completion, and a tiny first fragment.
* ``craft-ipv6-ext``: hop-by-hop, routing (types 0, 2, 4), destination options before
  and after routing, AH, ESP, no next header, unknown headers, atomic fragments,
  fragmented TCP and UDP in and out of order, payload length 0 and too long.
"""

from __future__ import annotations

import struct
from pathlib import Path

from craft import V4_A, V4_B, V6_A, V6_B, Frame, eth, frames, ip4, ip6, ip6_ext, ip6_frag, pcap_bytes, tcp, udp, vlan

__all__ = ["make"]


def _tcp4(payload: bytes, sport: int = 45000, src: str = V4_A, dst: str = V4_B) -> bytes:
    return tcp(payload, sport=sport, seq=1, ack=1, flags=0x18, pseudo=(src, dst, 4))


def options_frames() -> list[bytes]:
    rr = bytes([7, 11, 4]) + bytes(8)  # record route, room for two
    ts = bytes([68, 12, 5, 0]) + struct.pack("!II", 1, 2)  # timestamp, flag 0
    ra = bytes([148, 4, 0, 0])  # router alert
    sec = bytes([130, 11]) + bytes(9)
    lsrr = bytes([131, 7, 4]) + bytes([10, 0, 0, 1])
    t = _tcp4(b"opts")
    return [
        eth(ip4(t, options=b"\x01\x01\x01\x00")),  # NOP NOP NOP EOL
        eth(ip4(t, options=rr + b"\x00")),
        eth(ip4(t, options=ts)),
        eth(ip4(t, options=ra)),
        eth(ip4(t, options=sec + b"\x01")),
        eth(ip4(t, options=lsrr + b"\x00")),
        eth(ip4(t, options=rr + ts + ra + b"\x01" * 13)),  # IHL 15, 40 bytes of options
        eth(ip4(t, options=bytes([7, 0, 0, 0]))),  # length 0
        eth(ip4(t, options=bytes([7, 1, 0, 0]))),  # length 1
        eth(ip4(t, options=bytes([7, 40, 0, 0]))),  # longer than the options
        eth(ip4(t, options=bytes([99, 4, 1, 2]))),  # unknown option
        eth(ip4(t, options=bytes([137, 11, 4]) + bytes([10, 0, 0, 2, 10, 0, 0, 3]) + b"\x00")),  # SSRR: ip.dst is the last hop
        eth(ip4(t, options=bytes([131, 11, 12]) + bytes([10, 0, 0, 4, 10, 0, 0, 5]) + b"\x00")),  # route used up
        eth(ip4(t, options=bytes([131, 8, 4]) + bytes([10, 0, 0, 6, 9]) + bytes(4))),  # entries do not line up
        eth(ip4(t, options=bytes([131, 7, 3]) + bytes([10, 0, 0, 7]) + b"\x00")),  # pointer before the addresses
        eth(ip4(t, options=b"\x00\x00\x00\x00" + bytes([131, 7, 4, 10, 0, 0, 8, 0]))),  # after EOL
        eth(ip4(t, options=b"\x01" + bytes([131, 7, 4, 10, 0, 0, 9]))),
        eth(ip4(t, ihl=4)),  # header length below 20
        eth(ip4(t, total_len=18)),  # total length below the header
        eth(ip4(t, total_len=0)),  # 0: segmentation offload, the frame's length counts
        eth(ip4(t, total_len=200)),  # beyond the frame
        eth(ip4(t) + bytes(6)),  # Ethernet padding after the datagram
        eth(ip4(t, rb=True, df=True, ttl=0, tos=0xB8)),
        eth(ip4(t, df=False, ttl=255, tos=0x03)),
        eth(ip4(udp(b"dns", pseudo=(V4_A, V4_B, 4)), proto=17, ident=0xFFFF)),
        eth(ip4(b"\x08\x00\xf7\xff\x00\x00\x00\x00", proto=1)),  # ICMP
        eth(ip4(b"unknown protocol", proto=253)),
        eth(ip4(t, options=rr + ts + ra + b"\x01" * 13))[:40],  # cut inside the options
        eth(ip4(t))[:25],  # cut inside the fixed header
    ]


def _frags(payload: bytes, ident: int, cuts: list[int], proto: int = 6, between: tuple[str, str] = (V4_A, V4_B)
           ) -> list[bytes]:
    """IPv4 fragments of ``payload`` at the byte offsets ``cuts`` (multiples of 8), from
    ``between[0]`` to ``between[1]``."""
    src, dst = between
    edges = [*cuts, len(payload)]
    out = []
    start = 0
    for end in edges:
        out.append(ip4(payload[start:end], proto=proto, src=src, dst=dst, ident=ident, df=False,
                       mf=end < len(payload), offset=start))
        start = end
    return out


def frag_frames() -> list[Frame]:
    seg = _tcp4(bytes(range(256)) * 2)  # 532 bytes
    dgram = udp(b"u" * 300, sport=5000, dport=6000, pseudo=(V4_A, V4_B, 4))
    a = _frags(seg, 0x1001, [200, 400])
    b = _frags(seg, 0x1002, [200, 400])
    c = _frags(seg, 0x1003, [200, 400])
    overlap = [ip4(seg[0:208], ident=0x1004, df=False, mf=True),
               ip4(seg[200:400], ident=0x1004, df=False, mf=True, offset=200),
               ip4(b"X" * 16 + seg[216:], ident=0x1004, df=False, offset=200)]  # overlaps with other bytes
    dup = _frags(seg, 0x1005, [256])
    u = _frags(dgram, 0x1006, [160], proto=17)
    inter1 = _frags(seg, 0x1007, [264])
    inter2 = _frags(_tcp4(b"second" * 30, sport=45001), 0x1008, [96])
    missing = _frags(seg, 0x1009, [200, 400])
    snap = _frags(seg, 0x100A, [256])
    reuse1 = _frags(_tcp4(b"first use", sport=45002), 0x100B, [16])
    reuse2 = _frags(_tcp4(b"second use", sport=45003), 0x100B, [16])
    tiny = _frags(seg, 0x100C, [8, 24])
    out = [
        *a,
        b[2], b[0], b[1],  # last first
        c[0], c[0], c[1], c[2],  # a duplicate of the first
        *overlap,
        dup[0], dup[1], dup[1],  # the last again after completion: a new, incomplete datagram
        *u,
        inter1[0], inter2[0], inter1[1], inter2[1],
        missing[0], missing[2],
        ip4(seg[400:], ident=0x100D, df=False, offset=400),  # a lone last fragment
        *reuse1, *reuse2,
        *tiny,
    ]
    # private addresses: the first VLAN ID is part of the key; public ones: it is not
    lan_seg = tcp(bytes(64), sport=45010, flags=0x18, pseudo=("10.0.0.1", "10.0.0.2", 4))
    lan = _frags(lan_seg, 0x2001, [40], between=("10.0.0.1", "10.0.0.2"))
    wan = _frags(seg, 0x2002, [264])
    tagged = [eth(vlan(lan[0], 10), 0x8100), eth(vlan(lan[1], 20), 0x8100), eth(vlan(lan[1], 10), 0x8100),
              eth(vlan(wan[0], 10), 0x8100), eth(vlan(wan[1], 20), 0x8100)]
    # protocol ^ identification: 6 ^ 0x3006 == 17 ^ 0x3011, one datagram to packet-ip.c
    xa = _frags(seg, 0x3006, [264])
    xb = _frags(dgram, 0x3011, [160], proto=17)
    # overlapping first fragments that disagree on the TCP ports: the first one's bytes win
    other = _tcp4(bytes(range(256)) * 2, sport=45999)
    first_wins = [ip4(seg[:264], ident=0x4001, df=False, mf=True), ip4(other[:264], ident=0x4001, df=False, mf=True),
                  ip4(seg[264:], ident=0x4001, df=False, offset=264)]
    out += [xa[0], xb[1], *first_wins]
    fr = [Frame(eth(p), 1_700_000_000 + i // 1000, (i * 1000) % 1_000_000) for i, p in enumerate(out)]
    fr += [Frame(t, 1_700_000_002, i) for i, t in enumerate(tagged)]
    # a fragment cut by the snaplen is not reassembled, and neither is its datagram
    fr.append(Frame(eth(snap[0]), 1_700_000_001, 0, caplen=100))
    fr.append(Frame(eth(snap[1]), 1_700_000_001, 1))
    return fr


def ipv6_frames() -> list[bytes]:
    u = udp(b"six" * 5, sport=46000, pseudo=(V6_A, V6_B, 6))
    t = tcp(b"tcp over six", sport=46001, flags=0x18, pseudo=(V6_A, V6_B, 6))
    hbh_ra = b"\x05\x02\x00\x00"  # router alert
    rt0 = bytes([0, 1]) + bytes(4) + bytes(16)  # type 0, one address left
    rt2 = bytes([2, 1]) + bytes(4) + bytes(16)
    srh = bytes([4, 0, 0, 0]) + bytes(16)  # segment routing, no segments left
    big = bytes(range(200)) * 4
    seg6 = tcp(big, sport=46002, flags=0x18, pseudo=(V6_A, V6_B, 6))  # 820 bytes
    f = [ip6_frag(seg6[:400], 6, 0, True, 0xABC), ip6_frag(seg6[400:], 6, 400, False, 0xABC)]
    g = [ip6_frag(seg6[:200], 6, 0, True, 0xABD), ip6_frag(seg6[200:600], 6, 200, True, 0xABD),
         ip6_frag(seg6[600:], 6, 600, False, 0xABD)]
    du = udp(b"d" * 300, sport=46003, pseudo=(V6_A, V6_B, 6))
    h = [ip6_frag(du[:160], 17, 0, True, 0xABE), ip6_frag(du[160:], 17, 160, False, 0xABE)]

    def e6(payload: bytes, nxt: int, **kw: int) -> bytes:
        return eth(ip6(payload, nxt=nxt, **kw), 0x86DD)  # type: ignore[arg-type]

    return [
        e6(ip6_ext(u, 17, hbh_ra), 0),
        e6(ip6_ext(t, 6, rt0), 43),
        e6(ip6_ext(u, 17, rt2), 43),
        e6(ip6_ext(t, 6, srh), 43),
        e6(ip6_ext(ip6_ext(ip6_ext(u, 17), 60, rt0), 43), 60),  # dstopts, routing, dstopts
        e6(ip6_ext(ip6_ext(t, 6), 60, hbh_ra), 0),
        e6(bytes([6, 4]) + bytes(22) + t, 51),  # AH, then TCP
        e6(b"\x00\x00\x01\x00" + bytes(20), 50),  # ESP
        e6(b"", 59),  # no next header
        e6(b"trailing bytes after no next header", 59),
        e6(bytes([6, 0]) + bytes(6) + t, 253),  # experimental header: not stepped over
        e6(ip6_frag(t, 6, 0, False, 0xAB0), 44),  # atomic fragment
        e6(f[0], 44), e6(f[1], 44),
        e6(g[2], 44), e6(g[0], 44), e6(g[1], 44),
        e6(h[0], 44), e6(h[1], 44),
        e6(ip6_ext(f[0], 44), 0)[:80],  # hop-by-hop, then a fragment, cut short
        e6(u, 17, plen=0),
        e6(u, 17, plen=500),
        e6(ip6_ext(u, 17, hbh_ra), 0, plen=0),
        e6(ip6_ext(u, 17, b"\xc2\x04" + struct.pack("!I", 70000)), 0, plen=0),  # Jumbo Payload
        e6(ip6_ext(u, 17, b"\x00\xc2\x04" + struct.pack("!I", 100)), 0, plen=0),  # too small a jumbo
        eth(b"\x40" + ip6(u, nxt=17)[1:], 0x86DD),  # version 4 in an IPv6 header
        e6(ip6_ext(u, 17, b"\x01\x24" + bytes(36)), 0)[:60],  # cut inside hop-by-hop
        e6(bytes([17, 0, 0, 0, 0, 1, 0x20, 0]) + u, 0),  # a PadN longer than the rest of its header
        e6(bytes([17, 0, 0x1E, 8, 0, 0, 0, 0]) + u, 60),  # an unknown option running past its header
        e6(u, 17)[:30],
    ]


def make(captures: Path) -> list[Path]:
    files = {
        "craft-ipv4-options.pcap": pcap_bytes(frames(options_frames()), 1),
        "craft-ipv4-frags.pcap": pcap_bytes(frag_frames(), 1),
        "craft-ipv6-ext.pcap": pcap_bytes(frames(ipv6_frames()), 1),
    }
    out = []
    for name, data in files.items():
        p = captures / name
        p.write_bytes(data)
        out.append(p)
    return out
