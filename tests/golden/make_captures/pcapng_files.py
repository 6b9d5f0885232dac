"""pcapng files: sections of both byte orders, many interfaces, every packet block, skipped blocks.

* ``craft-pcapng-sections``: three sections (little-, big-, little-endian), each with its
  own interfaces of different link types, time resolutions and offsets (so
  frame.interface_id restarts at 0 in each); EPB, SPB and the obsolete PB; custom blocks
  (copyable and not), a name resolution block, interface statistics, a decryption
  secrets block and two blocks of unknown type between the packets; options on the
  section, the interfaces and the packets.
* ``craft-pcapng-be``: one big-endian section.
* ``craft-pcapng-tsresol``: if_tsresol from 10^0 to 10^19 and 2^-63, out of range values,
  repeated and wrongly sized options, negative and positive if_tsoffset.
* ``craft-pcapng-records``: a custom block and an SPB as the first records, so the time
  fields of records without a time stamp and the deltas after them show.
* ``craft-pcapng-snaplen``: an interface snaplen that cuts SPBs; EPBs with caplen < len.
* ``craft-pcapng-fcs``: Ethernet frames with a frame check sequence the interface (if_fcslen)
  or the packet (epb_flags) declares, which shortens what IP may claim.
"""

from __future__ import annotations

import struct
from pathlib import Path

from craft import (
    BASE_TS,
    V4_A,
    V4_B,
    V6_A,
    V6_B,
    eth,
    ip4,
    ip6,
    pcapng_block,
    pcapng_custom,
    pcapng_epb,
    pcapng_idb,
    pcapng_isb,
    pcapng_nrb,
    pcapng_pb,
    pcapng_shb,
    pcapng_spb,
    tcp,
    udp,
    vlan,
)

__all__ = ["make"]

PEN = 32473  # the documentation PEN (RFC 5612)


def _v4(i: int, sport: int = 40000) -> bytes:
    return ip4(tcp(b"x" * i, sport=sport, seq=1000 + i, flags=0x18, pseudo=(V4_A, V4_B, 4)), ident=i)


def _v6(i: int) -> bytes:
    return ip6(udp(b"y" * i, pseudo=(V6_A, V6_B, 6)), nxt=17, flow=i)


def _sll(payload: bytes, etype: int = 0x0800) -> bytes:
    return struct.pack("!HHH8sH", 0, 1, 6, bytes(8), etype) + payload


def _null(payload: bytes, af: int = 2) -> bytes:
    return struct.pack("<I", af) + payload


def sections() -> bytes:
    us = BASE_TS * 10**6
    b = [
        pcapng_shb(options=[(1, b"section one"), (2, b"hardware"), (3, b"os"), (4, b"tcpscope tests")]),
        pcapng_idb(1, name="eth0", extra=[(3, b"an interface"), (8, struct.pack("<Q", 10**9))]),
        pcapng_idb(101, tsresol=3, tsoffset=100, name="raw0"),
        pcapng_idb(0, tsresol=0x80 | 20, name="lo0", snaplen=65535),
        pcapng_epb(0, us + 1, eth(_v4(1))),
        pcapng_epb(1, BASE_TS * 10**3 + 2, _v4(2)),
        pcapng_custom(PEN, b"custom data, copyable"),
        pcapng_epb(2, (BASE_TS << 20) + (1 << 19), _null(_v4(3))),
        pcapng_block(0x12345678, b"a block of a type nobody knows"),
        pcapng_spb(eth(_v4(4))),
        pcapng_epb(0, us + 5, eth(_v4(5))),
        pcapng_pb(1, BASE_TS * 10**3 + 6, _v4(6), drops=3),
        pcapng_nrb(),
        pcapng_isb(0, us + 7),
        pcapng_block(0x0000000A, struct.pack("<II", 0x544C534B, 8) + b"CLIENT_R"),  # DSB, TLS key log
        pcapng_epb(0, us + 8, eth(_v4(8)), options=[
            (1, b"a packet comment"), (2, struct.pack("<I", 1)), (3, b"\x02" + bytes(16)),
            (4, struct.pack("<Q", 9)), (5, struct.pack("<Q", 77)), (6, struct.pack("<I", 1)),
            (7, b"\x00hw"), (7, b"\x01" + bytes(8)),
        ]),
        pcapng_custom(PEN, b"not to be copied", copy=False),
        pcapng_block(0x80000001, b"local use"),
        pcapng_shb(big=True, options=[(1, b"section two")]),
        pcapng_idb(228, big=True, tsresol=9, tsoffset=-5),
        pcapng_idb(113, big=True, tsresol=0x80 | 10),
        pcapng_idb(1, big=True),
        pcapng_epb(1, (BASE_TS << 10) + 512, _sll(_v4(9)), big=True),
        pcapng_epb(0, BASE_TS * 10**9 + 123_456_789, _v4(10), big=True),
        pcapng_spb(_v4(11), big=True),
        pcapng_pb(2, us + 12, eth(_v6(12), etype=0x86DD), big=True),
        pcapng_custom(PEN, b"big", big=True),
        pcapng_epb(2, us + 13, eth(_v4(13)), big=True, options=[(1, b"big comment")]),
        pcapng_isb(1, us, big=True),
        pcapng_shb(),
        pcapng_idb(229, tsresol=6),
        pcapng_epb(0, us + 14, _v6(14)),
        pcapng_idb(1),
        pcapng_epb(1, us + 15, eth(_v4(15))),
        pcapng_epb(0, us + 16, _v6(16)),
    ]
    return b"".join(b)


def big_endian() -> bytes:
    us = BASE_TS * 10**6
    b = [pcapng_shb(big=True), pcapng_idb(1, big=True, name="eth0")]
    b += [pcapng_epb(0, us + 1000 * i, eth(_v4(i)), big=True) for i in range(6)]
    return b"".join(b)


def tsresol() -> bytes:
    # (if_tsresol option bytes, extra options, tick count for the frame)
    cases: list[tuple[int | None, list[tuple[int, bytes]], int]] = [
        (0, [], BASE_TS),
        (1, [], BASE_TS * 10 + 3),
        (3, [], BASE_TS * 10**3 + 999),
        (9, [], BASE_TS * 10**9 + 1),
        (12, [], 10**6 * 10**12 + 123_456_789_012),
        (15, [], 10**18 + 1),
        (19, [], 18_000_000_000_000_000_000),
        (20, [], 12345),  # beyond 10^19: G_MAXUINT64 units
        (0x80 | 0, [], BASE_TS),
        (0x80 | 30, [], (BASE_TS << 30) + (1 << 29)),
        (0x80 | 40, [], (1 << 62) + 12345),
        (0x80 | 63, [], 1 << 63),
        (0x80 | 64, [], 999),  # beyond 2^63: G_MAXUINT64 units
        (None, [(9, b"\x03"), (9, b"\x09")], BASE_TS * 1000 + 5),  # the first if_tsresol wins
        (None, [(9, b"\x09\x00")], BASE_TS * 10**6 + 5),  # wrong length: ignored
        (None, [(14, struct.pack("<q", -(10**9)))], BASE_TS * 10**6),
        (None, [(14, struct.pack("<i", 50))], BASE_TS * 10**6),  # wrong length: ignored
        (None, [(14, struct.pack("<q", 7)), (14, struct.pack("<q", 1000))], BASE_TS * 10**6 + 1),
    ]
    b = [pcapng_shb()]
    for k, (res, extra, _) in enumerate(cases):
        b.append(pcapng_idb(101, tsresol=res, extra=extra, name=f"if{k}"))
    for k, (_, _, ticks) in enumerate(cases):
        b.append(pcapng_epb(k, ticks, _v4(k)))
    return b"".join(b)


def records() -> bytes:
    us = BASE_TS * 10**6
    b = [
        pcapng_shb(),
        pcapng_custom(PEN, b"first"),
        pcapng_idb(1),
        pcapng_spb(eth(_v4(1))),
        pcapng_custom(PEN, b"after an SPB"),
        pcapng_epb(0, us + 500_000, eth(_v4(2))),
        pcapng_custom(PEN, b"after an EPB, length 22"),
        pcapng_custom(PEN, b""),
        pcapng_epb(0, us + 250_000, eth(_v4(3))),
        pcapng_spb(eth(_v4(4))),
        pcapng_epb(0, us + 750_000, eth(_v4(5))),
    ]
    return b"".join(b)


def snaplen() -> bytes:
    us = BASE_TS * 10**6
    b = [pcapng_shb(), pcapng_idb(1, snaplen=64)]
    for i in range(4):
        frame = eth(_v4(20 * i))
        b.append(pcapng_spb(frame[:64], wirelen=len(frame)))
        b.append(pcapng_epb(0, us + i, frame[:64], wirelen=len(frame)))
    return b"".join(b)


def fcs() -> bytes:
    """Frame check sequences: an interface's if_fcslen (bits, and bytes below 8) and epb_flags."""
    us = BASE_TS * 10**6
    frame = eth(_v4(8))
    with_fcs = frame + b"\xde\xad\xbe\xef"
    short_ip = eth(ip4(tcp(b"z" * 8, pseudo=(V4_A, V4_B, 4)), total_len=48 + 2))  # 2 bytes past the payload
    b = [pcapng_shb(), pcapng_idb(1, extra=[(13, bytes([32]))]), pcapng_idb(1, extra=[(13, bytes([2]))]),
         pcapng_idb(1)]
    b += [pcapng_epb(0, us + 1, with_fcs), pcapng_epb(0, us + 2, short_ip + b"\x01\x02\x03\x04"),
          pcapng_epb(1, us + 3, frame + b"\x0f\x0f"), pcapng_epb(2, us + 4, with_fcs),
          pcapng_epb(2, us + 5, with_fcs, options=[(2, struct.pack("<I", 4 << 5))]),
          pcapng_epb(0, us + 6, with_fcs, options=[(2, struct.pack("<I", 2 << 5))]),
          pcapng_epb(2, us + 7, eth(vlan(_v4(9), 5), 0x8100) + b"FCS!", options=[(2, struct.pack("<I", 4 << 5))])]
    return b"".join(b)


def make(captures: Path) -> list[Path]:
    out = []
    for name, build in (("sections", sections), ("be", big_endian), ("tsresol", tsresol),
                        ("records", records), ("snaplen", snaplen), ("fcs", fcs)):
        p = captures / f"craft-pcapng-{name}.pcapng"
        p.write_bytes(build())
        out.append(p)
    return out
