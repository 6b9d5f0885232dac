"""TCP headers and options: every option kind, padding, unknown kinds, bad lengths, SACK blocks,
flags, header lengths, and frames cut by the snaplen inside the header and inside options.

Each segment has its own source port (its own connection), so nothing depends on the
TCP analysis: the fields compared are the header's and the options' own. Files:

* ``craft-tcp-options``: the options of Linux, BSD and Windows SYNs, every kind
  packet-tcp.c decodes with its right length, unknown kinds, EOL padding with zeros and
  with garbage after it, 4 NOPs in a row, window scale shifts 14 and 15, MSS on a
  non-SYN, SACK with 1 to 4 blocks;
* ``craft-tcp-badopts``: option lengths 0, 1, past the end, a missing length byte, and
  each fixed-size option one byte short and long; SACK with a partial block;
* ``craft-tcp-header``: every flag bit (the 3 reserved bits and AE too), urgent pointers,
  data offsets 0 to 4 (bogus), 15 in a short segment, IP total lengths that cut the
  header, TCP over IPv6;
* ``craft-tcp-truncated``: frames whose captured length (snaplen) ends inside the fixed
  header, inside each option, between the edges of a SACK block.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

from craft import BASE_TS, V4_A, V4_B, V6_A, V6_B, Frame, eth, frames, ip4, ip6, pcap_bytes, tcp

__all__ = ["make"]

SYN, ACK, PSH, FIN, RST, URG, ECE, CWR, AE = 0x02, 0x10, 0x08, 0x01, 0x04, 0x20, 0x40, 0x80, 0x100


def mss(v: int = 1460) -> bytes:
    return struct.pack("!BBH", 2, 4, v)


def ws(shift: int) -> bytes:
    return bytes([3, 3, shift])


def ts(val: int, ecr: int) -> bytes:
    return struct.pack("!BBII", 8, 10, val, ecr)


def sack(*blocks: tuple[int, int]) -> bytes:
    return bytes([5, 2 + 8 * len(blocks)]) + b"".join(struct.pack("!II", a, b) for a, b in blocks)


SACK_PERM, NOP, EOL = b"\x04\x02", b"\x01", b"\x00"


def _pad(opts: bytes) -> bytes:
    return opts + b"\x00" * (-len(opts) % 4)


class Segments:
    """Segments over IPv4, each on a new source port."""

    def __init__(self, base_port: int) -> None:
        self.port = base_port

    def seg(self, opts: bytes = b"", flags: int = SYN, payload: bytes = b"", *, pad: bool = True,
            **kw: int) -> bytes:
        self.port += 1
        o = _pad(opts) if pad else opts
        return eth(ip4(tcp(payload, sport=self.port, dport=443, seq=1_000_000 + self.port, ack=kw.pop("ack", 0),
                           flags=flags, options=o, pseudo=(V4_A, V4_B, 4), **kw), ident=self.port))


def option_frames() -> list[bytes]:
    s = Segments(50000)
    known = [
        bytes([6, 6]) + struct.pack("!I", 1),  # echo
        bytes([7, 6]) + struct.pack("!I", 2),  # echo reply
        bytes([11, 6]) + struct.pack("!I", 3),  # CC
        bytes([12, 6]) + struct.pack("!I", 4),  # CC.NEW
        bytes([13, 6]) + struct.pack("!I", 5),  # CC.ECHO
        bytes([19, 18]) + bytes(range(16)),  # MD5 signature
        bytes([20, 4, 0x0F, 0x01]),  # SCPS capabilities
        bytes([21, 6]) + struct.pack("!HH", 1, 2),  # SNACK
        bytes([22, 2]),  # SCPS record boundary
        bytes([23, 2]),  # SCPS corruption experienced
        bytes([27, 8, 0x15, 0x20]) + struct.pack("!I", 0x12345678),  # Quick-Start
        bytes([28, 4]) + struct.pack("!H", 0x8000 | 30),  # User Timeout
        bytes([29, 16, 1, 2]) + bytes(12),  # TCP-AO
        bytes([30, 12, 0x00, 0x81]) + struct.pack("!Q", 0x0102030405060708),  # MPTCP MP_CAPABLE
        bytes([34, 10]) + bytes(range(8)),  # TCP Fast Open cookie
        bytes([34, 2]),  # TCP Fast Open cookie request
        bytes([76, 6, 0x01, 0x02, 0x03, 0x04]),  # Riverbed probe
        bytes([78, 3, 0x01]),  # Riverbed transparency
        bytes([253, 4, 0x12, 0x34]),  # experimental, with an ExID
        bytes([254, 6, 0xF9, 0x89, 0, 1]),  # experimental (an old TFO ExID)
        bytes([99, 4, 0xAA, 0xBB]),  # unknown kinds
        bytes([200, 2]),
        bytes([255, 5, 1, 2, 3]),
    ]
    out = [
        s.seg(mss(1460) + SACK_PERM + ts(123, 0) + NOP + ws(7)),  # Linux SYN
        s.seg(mss(1460) + SACK_PERM + ts(456, 123) + NOP + ws(9), SYN | ACK, ack=1),
        s.seg(mss(1460) + NOP + ws(6) + SACK_PERM + ts(1, 0) + EOL + EOL),  # BSD, EOL padding
        s.seg(mss(1460) + NOP + ws(8) + NOP + NOP + SACK_PERM),  # Windows
        s.seg(NOP + NOP + ts(1000, 2000), ACK | PSH, b"data", ack=5),
        s.seg(mss(536) + EOL + b"\x00\x00\x00"),
        s.seg(mss(536) + EOL + b"\x01\x02\x03"),  # bytes other than zero after EOL
        s.seg(NOP * 4 + mss(1400)),  # four NOPs in a row
        s.seg(NOP + ws(14) + NOP + ws(0)),  # two window scales: the last one counts
        s.seg(NOP + ws(15)),  # above 14
        s.seg(NOP + ws(255)),
        s.seg(mss(1200), ACK, ack=1),  # MSS on a segment without SYN
        s.seg(mss(0) + mss(65535)),
        s.seg(SACK_PERM + SACK_PERM),
        s.seg(NOP + NOP + sack((100, 200)), ACK, ack=1),
        s.seg(NOP + NOP + sack((100, 200), (300, 400)), ACK, ack=1),
        s.seg(NOP + NOP + sack((100, 200), (300, 400), (500, 600)), ACK, ack=1),
        s.seg(sack((1, 2), (3, 4), (5, 6), (7, 8)) + NOP + NOP, ACK, ack=1),
        s.seg(NOP + NOP + ts(1, 2) + NOP + NOP + sack((0xFFFFFFF0, 0x10)), ACK, ack=1),
        s.seg(b"".join(known[:3])),
        *[s.seg(NOP * ((-len(k)) % 4) + k) for k in known],
        s.seg(b"\x01" * 40),  # 40 bytes of NOPs
        s.seg(b"\x00" * 40),  # 40 bytes of EOLs
    ]
    return out


def bad_option_frames() -> list[bytes]:
    s = Segments(51000)
    out = [
        s.seg(bytes([2, 0, 5, 180])),  # length 0
        s.seg(bytes([2, 1, 5, 180])),  # length 1
        s.seg(bytes([2, 20, 5, 180])),  # past the end of the options
        s.seg(NOP * 3 + b"\x02", pad=False),  # the length byte would be past the end
        s.seg(bytes([2, 3, 5]) + NOP),  # MSS one byte short
        s.seg(bytes([2, 5, 5, 180, 0]) + NOP * 3),  # MSS one byte long
        s.seg(bytes([3, 2]) + NOP * 2),  # window scale short
        s.seg(bytes([3, 4, 7, 0])),  # window scale long
        s.seg(bytes([4, 3, 0]) + NOP),  # SACK permitted long
        s.seg(bytes([8, 9]) + bytes(7) + NOP * 3),  # timestamps short
        s.seg(bytes([8, 11]) + bytes(9) + NOP),  # timestamps long
        s.seg(NOP + NOP + bytes([5, 9]) + struct.pack("!II", 1, 2) + b"\x00" + NOP * 3, ACK, ack=1),
        s.seg(NOP + NOP + bytes([5, 6]) + struct.pack("!I", 7), ACK, ack=1),  # half a block
        s.seg(NOP + NOP + bytes([5, 3, 1]) + NOP, ACK, ack=1),
        s.seg(NOP + NOP + bytes([5, 2]), ACK, ack=1),  # no blocks
        s.seg(bytes([5, 2]) + ts(1, 2), ACK, ack=1),  # no blocks: the D-SACK check reads past it
        s.seg(bytes([5, 6, 0, 0, 0, 1]) + NOP + NOP + ts(3, 4), ACK, ack=1),  # half a block, then more
        s.seg(sack((10, 20)) + bytes([5, 6, 0, 0, 0, 9]) + NOP + NOP + ts(5, 6), ACK, ack=1),
        s.seg(bytes([19, 10]) + bytes(8) + NOP * 2),  # MD5 with the wrong length
        s.seg(bytes([28, 3, 1]) + NOP),  # user timeout short
        s.seg(bytes([99, 0, 1, 2])),  # unknown kind, length 0
        s.seg(mss() + bytes([99, 1]) + NOP * 2),  # unknown kind, length 1
        s.seg(mss() + bytes([30, 3, 0x10]) + NOP),  # MPTCP too short for its subtype
        s.seg(mss() + ts(5, 6) + bytes([8, 10, 1, 2])),  # second timestamps past the end
    ]
    return out


def header_frames() -> list[Frame]:
    s = Segments(52000)
    out = [s.seg(flags=f, urp=7 if f & URG else 0) for f in (
        0, SYN, SYN | ACK, ACK, ACK | PSH, FIN | ACK, RST, RST | ACK, URG | ACK, ECE | CWR | SYN,
        SYN | ECE | CWR | AE, ACK | AE, 0x200, 0x400, 0x800, 0xE00, 0xFFF, FIN | SYN | RST | PSH | ACK | URG)]
    out += [
        s.seg(flags=ACK, urp=99),  # urgent pointer without URG
        s.seg(flags=ACK | URG, urp=0),
        s.seg(flags=ACK, ack=0),
        s.seg(flags=SYN, ack=77),  # acknowledgment number without ACK
        s.seg(flags=ACK, window=0),
    ]
    for off in (0, 1, 4):  # data offsets below 5
        out.append(s.seg(flags=ACK | PSH, payload=b"bogus", data_offset=off, ack=1))
    out.append(s.seg(flags=ACK, data_offset=15, ack=1))  # a 60-byte header in a 20-byte segment
    out.append(s.seg(flags=ACK, data_offset=6, ack=1))
    # IP total lengths that end inside the TCP header
    for tl in (20 + 4, 20 + 13, 20 + 19):
        s.port += 1
        out.append(eth(ip4(tcp(b"", sport=s.port, flags=ACK, pseudo=(V4_A, V4_B, 4)), total_len=tl)))
    s.port += 1
    out.append(eth(ip4(tcp(b"", sport=s.port, flags=ACK, options=mss() + ts(1, 2) + NOP * 4), total_len=20 + 30)))
    for i, f in enumerate((SYN, SYN | ACK, ACK | PSH)):
        out.append(eth(ip6(tcp(b"six" * i, sport=53000 + i, flags=f, options=_pad(mss(1440) + SACK_PERM),
                               pseudo=(V6_A, V6_B, 6)), nxt=6), 0x86DD))
    return frames(out)


def truncated_frames() -> Iterator[Frame]:
    s = Segments(54000)
    t = BASE_TS
    full = s.seg(mss() + SACK_PERM + ts(11, 22) + NOP + ws(7))
    tcp_at = 14 + 20
    # cut inside the fixed header: after the ports, inside seq/ack, the offset/flags, window, checksum
    for n in (1, 3, 4, 7, 12, 13, 14, 15, 16, 17, 18, 19, 20):
        yield Frame(full, t, n, caplen=tcp_at + n)
    # inside each option: MSS value, SACK permitted, timestamps, window scale
    for n in (21, 22, 23, 25, 26, 27, 30, 33, 34, 35, 36, 37, 38, 39):
        yield Frame(full, t, 100 + n, caplen=tcp_at + n)
    sk = s.seg(NOP + NOP + sack((100, 200), (300, 400)), ACK, ack=1)
    for n in (22, 23, 24, 27, 28, 31, 32, 35, 36, 39):
        yield Frame(sk, t, 200 + n, caplen=tcp_at + n)
    eol = s.seg(mss() + EOL + b"\x00\x00\x00")
    yield Frame(eol, t, 300, caplen=tcp_at + 25)
    bad = s.seg(bytes([2, 20, 5, 180]))
    yield Frame(bad, t, 301, caplen=tcp_at + 21)
    data = s.seg(NOP + NOP + ts(5, 6), ACK | PSH, b"payload after the header", ack=1)
    yield Frame(data, t, 302, caplen=tcp_at + 32 + 4)


def make(captures: Path) -> list[Path]:
    files = {
        "craft-tcp-options.pcap": pcap_bytes(frames(option_frames()), 1),
        "craft-tcp-badopts.pcap": pcap_bytes(frames(bad_option_frames()), 1),
        "craft-tcp-header.pcap": pcap_bytes(header_frames(), 1),
        "craft-tcp-truncated.pcap": pcap_bytes(list(truncated_frames()), 1, snaplen=96),
    }
    out = []
    for name, data in files.items():
        p = captures / name
        p.write_bytes(data)
        out.append(p)
    return out
