"""Byte builders for the crafted test captures: headers, checksums, pcap and pcapng writers.

Everything here is plain ``struct`` packing with fixed inputs, so running a generator
twice gives the same bytes. Header builders take the fields a test wants to vary and
fill the others with ordinary values; checksums are computed unless given.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, Unpack

__all__ = [
    "BASE_TS",
    "MAC_A",
    "MAC_B",
    "V4_A",
    "V4_B",
    "V6_A",
    "V6_B",
    "Frame",
    "arp",
    "csum",
    "eth",
    "frames",
    "gre",
    "icmp",
    "ip4",
    "ip6",
    "ip6_ext",
    "ip6_frag",
    "mpls",
    "pcap_bytes",
    "pcapng_block",
    "pcapng_custom",
    "pcapng_epb",
    "pcapng_idb",
    "pcapng_isb",
    "pcapng_nrb",
    "pcapng_pb",
    "pcapng_shb",
    "pcapng_spb",
    "tcp",
    "udp",
    "vlan",
    "write",
]

#: 2023-11-14 22:13:20 UTC: every crafted capture starts here.
BASE_TS = 1_700_000_000

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
V4_A = "192.0.2.1"
V4_B = "198.51.100.2"
V6_A = "2001:db8::1"
V6_B = "2001:db8::2"


def _v4(a: str | bytes) -> bytes:
    if isinstance(a, bytes):
        return a
    return bytes(int(x) for x in a.split("."))


def _v6(a: str | bytes) -> bytes:
    if isinstance(a, bytes):
        return a
    import ipaddress

    return ipaddress.IPv6Address(a).packed


def csum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of ``data``."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


# ---- link layers -------------------------------------------------------------------------------

def eth(payload: bytes, etype: int = 0x0800, dst: bytes = MAC_B, src: bytes = MAC_A) -> bytes:
    return dst + src + struct.pack("!H", etype) + payload


def vlan(payload: bytes, vid: int, etype: int = 0x0800, pcp: int = 0, dei: int = 0) -> bytes:
    """One 802.1Q/802.1ad tag (the TPID is the EtherType of the header before it)."""
    return struct.pack("!HH", (pcp << 13) | (dei << 12) | (vid & 0xFFF), etype) + payload


def mpls(payload: bytes, labels: Sequence[int], ttl: int = 64, tc: int = 0) -> bytes:
    """A label stack, outermost first; the last entry has the bottom-of-stack bit."""
    out = b""
    for i, lab in enumerate(labels):
        bos = 1 if i == len(labels) - 1 else 0
        out += struct.pack("!I", (lab << 12) | (tc << 9) | (bos << 8) | ttl)
    return out + payload


class GREFields(TypedDict, total=False):
    """The optional parts of a GRE header (:func:`gre`); each absent one is left out."""

    key: int
    seq: int
    checksum: bool  #: a correct checksum word (C)
    version: int  #: default 0
    routing: bool  #: the R flag (with the offset word)


def gre(payload: bytes, proto: int = 0x0800, **fields: Unpack[GREFields]) -> bytes:
    """A GRE header (RFC 2784/2890): C, R, K and S flags follow the optional words given."""
    key, seq = fields.get("key"), fields.get("seq")
    checksum, routing = fields.get("checksum", False), fields.get("routing", False)
    flags = (0x8000 if checksum else 0) | (0x4000 if routing else 0) | (0x2000 if key is not None else 0) \
        | (0x1000 if seq is not None else 0) | fields.get("version", 0)
    body = b""
    if checksum or routing:
        body += b"\0\0\0\0"
    if key is not None:
        body += struct.pack("!I", key)
    if seq is not None:
        body += struct.pack("!I", seq)
    hdr = struct.pack("!HH", flags, proto) + body
    if checksum:
        c = csum(hdr + payload)
        hdr = hdr[:4] + struct.pack("!H", c) + hdr[6:]
    return hdr + payload


def arp() -> bytes:
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + MAC_A + _v4(V4_A) + b"\0" * 6 + _v4(V4_B)


# ---- IP --------------------------------------------------------------------------------------

class IPv4Fields(TypedDict, total=False):
    """IPv4 header fields :func:`ip4` sets when given (its defaults in the comments)."""

    ident: int  #: 0x1234
    ttl: int  #: 64
    df: bool  #: True
    mf: bool  #: False
    offset: int  #: 0, in bytes (a multiple of 8)
    rb: bool  #: the reserved bit, False
    tos: int  #: 0
    options: bytes  #: none
    total_len: int  #: the header's and payload's length
    ihl: int  #: the header's length in words
    checksum: int  #: the correct one
    version: int  #: 4


def ip4(payload: bytes, proto: int = 6, src: str | bytes = V4_A, dst: str | bytes = V4_B,
        **fields: Unpack[IPv4Fields]) -> bytes:
    """An IPv4 header before ``payload``."""
    options = fields.get("options", b"")
    hl = 20 + len(options)
    ihl_v = fields.get("ihl", hl // 4)
    tl = fields.get("total_len", hl + len(payload))
    flags = (0x8000 if fields.get("rb", False) else 0) | (0x4000 if fields.get("df", True) else 0) \
        | (0x2000 if fields.get("mf", False) else 0) | ((fields.get("offset", 0) // 8) & 0x1FFF)
    hdr = struct.pack("!BBHHHBBH4s4s", (fields.get("version", 4) << 4) | ihl_v, fields.get("tos", 0), tl,
                      fields.get("ident", 0x1234), flags, fields.get("ttl", 64), proto, 0, _v4(src), _v4(dst)) + options
    c = fields.get("checksum", csum(hdr))
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


class IPv6Fields(TypedDict, total=False):
    """IPv6 header fields :func:`ip6` sets when given (its defaults in the comments)."""

    hlim: int  #: 64
    flow: int  #: 0
    tclass: int  #: 0
    plen: int  #: the payload's length


def ip6(payload: bytes, nxt: int = 6, src: str | bytes = V6_A, dst: str | bytes = V6_B,
        **fields: Unpack[IPv6Fields]) -> bytes:
    first = (6 << 28) | (fields.get("tclass", 0) << 20) | fields.get("flow", 0)
    return struct.pack("!IHBB", first, fields.get("plen", len(payload)), nxt, fields.get("hlim", 64)) \
        + _v6(src) + _v6(dst) + payload


def ip6_ext(payload: bytes, nxt: int, body: bytes = b"\x01\x04\0\0\0\0") -> bytes:
    """A hop-by-hop, destination options or routing header: next header, length, ``body``.

    ``body`` is padded with PadN to a multiple of 8 bytes (with the first two bytes).
    """
    need = (-(len(body) + 2)) % 8
    if need == 1:
        body += b"\0"  # Pad1
    elif need:
        body += bytes([1, need - 2]) + b"\0" * (need - 2)
    return bytes([nxt, (len(body) + 2) // 8 - 1]) + body + payload


def ip6_frag(payload: bytes, nxt: int, offset: int, more: bool, ident: int) -> bytes:
    return struct.pack("!BBHI", nxt, 0, (offset & 0xFFF8) | (1 if more else 0), ident) + payload


def _pseudo4(src: str | bytes, dst: str | bytes, proto: int, length: int) -> bytes:
    return _v4(src) + _v4(dst) + struct.pack("!BBH", 0, proto, length)


def _pseudo6(src: str | bytes, dst: str | bytes, proto: int, length: int) -> bytes:
    return _v6(src) + _v6(dst) + struct.pack("!IxxxB", length, proto)


# ---- transport -------------------------------------------------------------------------------

class TCPFields(TypedDict, total=False):
    """TCP header fields :func:`tcp` sets when given (its defaults in the comments)."""

    flags: int  #: the 12 bits (NS/AE is 0x100), 0x02 (SYN)
    window: int  #: 65535
    options: bytes  #: none; padded by the caller
    urp: int  #: 0
    data_offset: int  #: the header's length in words
    pseudo: tuple[str | bytes, str | bytes, int]  #: (src, dst, 4 or 6) for a correct checksum
    checksum: int  #: without ``pseudo``, 0


def tcp(payload: bytes = b"", sport: int = 40000, dport: int = 80, seq: int = 1000, ack: int = 0,
        **fields: Unpack[TCPFields]) -> bytes:
    """A TCP header before ``payload``."""
    options = fields.get("options", b"")
    off = fields.get("data_offset", (20 + len(options)) // 4)
    hdr = struct.pack("!HHIIHHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      (off << 12) | (fields.get("flags", 0x02) & 0xFFF), fields.get("window", 65535), 0,
                      fields.get("urp", 0)) + options
    checksum, pseudo = fields.get("checksum"), fields.get("pseudo")
    c = checksum if checksum is not None else 0
    if checksum is None and pseudo is not None:
        src, dst, v = pseudo
        ph = _pseudo4(src, dst, 6, len(hdr) + len(payload)) if v == 4 else _pseudo6(src, dst, 6, len(hdr) + len(payload))
        c = csum(ph + hdr + payload)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload


def udp(payload: bytes = b"", sport: int = 5353, dport: int = 53, *, length: int | None = None,
        pseudo: tuple[str | bytes, str | bytes, int] | None = None) -> bytes:
    ln = 8 + len(payload) if length is None else length
    hdr = struct.pack("!HHHH", sport, dport, ln, 0)
    c = 0
    if pseudo is not None:
        src, dst, v = pseudo
        ph = _pseudo4(src, dst, 17, ln) if v == 4 else _pseudo6(src, dst, 17, ln)
        c = csum(ph + hdr + payload) or 0xFFFF
    return hdr[:6] + struct.pack("!H", c) + payload


def icmp(ident: int = 1, seq: int = 1, data: bytes = b"ping") -> bytes:
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return hdr[:2] + struct.pack("!H", csum(hdr)) + hdr[4:]


# ---- capture files ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Frame:
    """One record: its bytes, the time (seconds and a fraction in ``units``), and lengths.

    ``caplen`` cuts the stored bytes (a snaplen); ``wirelen`` is the length on the wire
    (default: the full frame).
    """

    data: bytes
    sec: int
    frac: int = 0
    wirelen: int | None = None
    caplen: int | None = None

    @property
    def stored(self) -> bytes:
        return self.data if self.caplen is None else self.data[: self.caplen]

    @property
    def orig(self) -> int:
        return len(self.data) if self.wirelen is None else self.wirelen


def frames(payloads: Iterable[bytes], step_us: int = 1000, start: int = BASE_TS) -> list[Frame]:
    """Frames ``step_us`` microseconds apart (fractions in microseconds)."""
    out = []
    for i, p in enumerate(payloads):
        t = i * step_us
        out.append(Frame(p, start + t // 1_000_000, t % 1_000_000))
    return out


_PCAP_MAGIC = {"usec": 0xA1B2C3D4, "nsec": 0xA1B23C4D, "modified": 0xA1B2CD34}


class PcapFormat(TypedDict, total=False):
    """How :func:`pcap_bytes` writes a file (its defaults in the comments)."""

    big: bool  #: False
    kind: str  #: "usec", "nsec" or "modified": the magic
    snaplen: int  #: 262144
    version: tuple[int, int]  #: (2, 4)
    swap_lengths: bool  #: orig_len before incl_len (files before version 2.3), False
    record_extra: bytes  #: after each 16-byte record header (ss990417 etc.), none
    magic: int  #: instead of the kind's
    header_extra: bytes  #: after the file header, none


def pcap_bytes(recs: Sequence[Frame], linktype: int, **fmt: Unpack[PcapFormat]) -> bytes:
    """A pcap file."""
    e = ">" if fmt.get("big", False) else "<"
    m = fmt.get("magic", _PCAP_MAGIC[fmt.get("kind", "usec")])
    version = fmt.get("version", (2, 4))
    out = bytearray(struct.pack(e + "IHHiIII", m, version[0], version[1], 0, 0, fmt.get("snaplen", 262144), linktype))
    out += fmt.get("header_extra", b"")
    for r in recs:
        data = r.stored
        a, b = len(data), r.orig
        if fmt.get("swap_lengths", False):
            a, b = b, a
        out += struct.pack(e + "IIII", r.sec, r.frac, a, b) + fmt.get("record_extra", b"") + data
    return bytes(out)


def _opts(options: Sequence[tuple[int, bytes]], e: str, end: bool = True) -> bytes:
    out = b""
    for code, val in options:
        out += struct.pack(e + "HH", code, len(val)) + val + b"\0" * (-len(val) % 4)
    if options and end:
        out += struct.pack(e + "HH", 0, 0)
    return out


def pcapng_block(btype: int, body: bytes, big: bool = False) -> bytes:
    e = ">" if big else "<"
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack(e + "II", btype, n) + body + struct.pack(e + "I", n)


def pcapng_shb(big: bool = False, options: Sequence[tuple[int, bytes]] = (), version: tuple[int, int] = (1, 0)) -> bytes:
    e = ">" if big else "<"
    body = struct.pack(e + "IHHq", 0x1A2B3C4D, version[0], version[1], -1) + _opts(options, e)
    return pcapng_block(0x0A0D0D0A, body, big)


class IDBOptions(TypedDict, total=False):
    """The options :func:`pcapng_idb` writes when given."""

    tsresol: int
    tsoffset: int
    name: str
    extra: Sequence[tuple[int, bytes]]  #: more options, (code, value)


def pcapng_idb(linktype: int, big: bool = False, snaplen: int = 0, **options: Unpack[IDBOptions]) -> bytes:
    e = ">" if big else "<"
    name, tsresol, tsoffset = options.get("name"), options.get("tsresol"), options.get("tsoffset")
    opts: list[tuple[int, bytes]] = []
    if name is not None:
        opts.append((2, name.encode()))
    if tsresol is not None:
        opts.append((9, bytes([tsresol])))
    if tsoffset is not None:
        opts.append((14, struct.pack(e + "q", tsoffset)))
    opts.extend(options.get("extra", ()))
    return pcapng_block(1, struct.pack(e + "HHI", linktype, 0, snaplen) + _opts(opts, e), big)


class PacketBlockFields(TypedDict, total=False):
    """What :func:`pcapng_epb` and :func:`pcapng_pb` write when given."""

    wirelen: int  #: the packet length, default the data's
    big: bool  #: big-endian, False
    options: Sequence[tuple[int, bytes]]  #: (code, value); an EPB's only
    drops: int  #: a PB's drop count, 0


def pcapng_epb(iface: int, ts: int, data: bytes, **fields: Unpack[PacketBlockFields]) -> bytes:
    big = fields.get("big", False)
    e = ">" if big else "<"
    body = struct.pack(e + "IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(data), fields.get("wirelen", len(data)))
    body += data + b"\0" * (-len(data) % 4) + _opts(fields.get("options", ()), e)
    return pcapng_block(6, body, big)


def pcapng_pb(iface: int, ts: int, data: bytes, **fields: Unpack[PacketBlockFields]) -> bytes:
    big = fields.get("big", False)
    e = ">" if big else "<"
    body = struct.pack(e + "HHIIII", iface, fields.get("drops", 0), ts >> 32, ts & 0xFFFFFFFF, len(data),
                       fields.get("wirelen", len(data)))
    return pcapng_block(2, body + data, big)


def pcapng_spb(data: bytes, wirelen: int | None = None, big: bool = False) -> bytes:
    e = ">" if big else "<"
    return pcapng_block(3, struct.pack(e + "I", len(data) if wirelen is None else wirelen) + data, big)


def pcapng_custom(pen: int, payload: bytes, copy: bool = True, big: bool = False) -> bytes:
    e = ">" if big else "<"
    return pcapng_block(0x00000BAD if copy else 0x40000BAD, struct.pack(e + "I", pen) + payload, big)


def pcapng_nrb(big: bool = False) -> bytes:
    e = ">" if big else "<"
    name = b"host.example\0"
    rec = struct.pack(e + "HH", 1, 4 + len(name)) + _v4(V4_A) + name
    rec += b"\0" * (-len(rec) % 4)
    return pcapng_block(4, rec + struct.pack(e + "HH", 0, 0), big)


def pcapng_isb(iface: int, ts: int, big: bool = False) -> bytes:
    e = ">" if big else "<"
    body = struct.pack(e + "III", iface, ts >> 32, ts & 0xFFFFFFFF)
    body += _opts([(4, struct.pack(e + "Q", 10)), (5, struct.pack(e + "Q", 0))], e)
    return pcapng_block(5, body, big)


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
