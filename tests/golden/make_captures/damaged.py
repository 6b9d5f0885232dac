"""Damaged captures for ``bad/``: each breaks one rule of wiretap's readers, after some good frames.

The golden files record tshark's message and exit status for each; tcpscope must print
the frames before the damage, then the same message. Files:

* pcap: a record claiming 4 GiB, a D-Bus record claiming 100 MiB in a 2 KiB file (cut
  short, nothing allocated), major version 1, an unknown link type, reserved link-type
  bits, records too short for their pseudo-header or with a wrong LAPD protocol, a file
  that is only a magic number, text, and an empty file.
* pcapng: a block claiming 100 MiB in a small file, one longer than MAX_BLOCK_SIZE,
  blocks of length 0 and 8, a trailer that does not match, an SPB longer than its
  snaplen allows, an interface index with no IDB, an EPB too small for its data, packet
  and interface options wiretap refuses (in the open phase too), an unknown section
  version, a second section with a bad byte-order magic, a section header longer than
  the file, an IDB cut short while opening, a decryption secrets block whose secrets run
  past it, a name that does not end in a name resolution block, options read before a
  bad trailer, a block cut short whose header already is wrong.
* gzip: cut inside the deflate stream, a bad CRC, a damaged stream at the start and in
  the middle, a header cut short, a second member that breaks while the pcap variant
  heuristic reads the first records.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

from craft import (
    BASE_TS,
    V4_A,
    V4_B,
    Frame,
    eth,
    frames,
    ip4,
    pcap_bytes,
    pcapng_block,
    pcapng_epb,
    pcapng_idb,
    pcapng_shb,
    pcapng_spb,
    tcp,
)

__all__ = ["make"]

US = BASE_TS * 10**6


def _frames(n: int = 3) -> list[bytes]:
    return [eth(ip4(tcp(b"ok" * i, sport=47000 + i, seq=i, flags=0x18, pseudo=(V4_A, V4_B, 4)), ident=i))
            for i in range(n)]


def _record(sec: int, incl: int, orig: int) -> bytes:
    return struct.pack("<IIII", sec, 0, incl, orig)


def pcap_files() -> dict[str, bytes]:
    good = pcap_bytes(frames(_frames()), 1)
    return {
        "craft-pcap-4gib-record.pcap": good + _record(BASE_TS, 0xFFFFFFFF, 0xFFFFFFFF) + bytes(64),
        "craft-pcap-100mib-record.pcap": pcap_bytes(frames([b"dbus" * 10] * 2), 231)
        + _record(BASE_TS, 100 * 2**20, 100 * 2**20) + bytes(2000),
        "craft-pcap-major1.pcap": pcap_bytes(frames(_frames()), 1, version=(1, 0)),
        "craft-pcap-linktype.pcap": pcap_bytes(frames(_frames()), 300),
        "craft-pcap-reserved.pcap": pcap_bytes(frames(_frames()), 0x00020001),
        "craft-pcap-pseudo-header.pcap": pcap_bytes(
            [Frame(b"\0\0\0\1\x04\x0e\x01\x00", BASE_TS), Frame(b"\0\1", BASE_TS, 1)], 201),
        "craft-pcap-lapd.pcap": pcap_bytes(
            [Frame(bytes(14) + b"\x00\x30\x02\x01", BASE_TS), Frame(bytes(14) + b"\x08\x00\x02\x01", BASE_TS, 1)], 177),
        "craft-pcap-magic-only.pcap": good[:4],
        "craft-pcap-cut-record-header.pcap": good + _record(BASE_TS, 60, 60)[:9],
        "craft-text.pcap": b"this is a text file, not a capture\n" * 4,
        "craft-empty.pcap": b"",
    }


def pcapng_files() -> dict[str, bytes]:
    head = pcapng_shb() + pcapng_idb(1)
    good = head + b"".join(pcapng_epb(0, US + i, f) for i, f in enumerate(_frames()))
    epb = pcapng_epb(0, US + 9, _frames(1)[0])
    commented = pcapng_epb(0, US + 10, _frames(1)[0], options=[(1, b"a comment")])
    big_claim = struct.pack("<II", 6, 100 * 2**20) + epb[8:]
    too_large = struct.pack("<II", 6, 0xFFFFFFF0) + epb[8:]
    zero = struct.pack("<II", 6, 0) + epb[8:]
    trailer = epb[:-4] + struct.pack("<I", len(epb) + 4)
    small = epb[:20] + struct.pack("<I", 500) + epb[24:]  # captured length 500 in a short block
    bad_idb = pcapng_block(1, struct.pack("<HHI", 1, 0, 0) + struct.pack("<HH", 11, 0))
    bad_bom = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x11223344, 1, 0, -1))
    shb_opts = pcapng_shb(options=[(1, b"a section comment that the file does not hold")])
    return {
        "craft-pcapng-100mib-block.pcapng": good + big_claim,
        "craft-pcapng-too-large.pcapng": good + too_large,
        "craft-pcapng-zero-length.pcapng": good + zero,
        "craft-pcapng-trailer.pcapng": good + trailer,
        "craft-pcapng-spb-too-long.pcapng": pcapng_shb() + pcapng_idb(1, snaplen=40)
        + pcapng_epb(0, US, _frames(1)[0][:40], wirelen=54) + pcapng_spb(_frames(1)[0], wirelen=54),
        "craft-pcapng-interface.pcapng": good + pcapng_epb(3, US, _frames(1)[0]),
        "craft-pcapng-epb-small.pcapng": good + small,
        "craft-pcapng-epb-option.pcapng": good + pcapng_epb(0, US, _frames(1)[0], options=[(2, b"\0\0")]),
        "craft-pcapng-idb-option.pcapng": pcapng_shb() + bad_idb + epb,
        "craft-pcapng-version.pcapng": pcapng_shb(version=(2, 0)) + pcapng_idb(1) + epb,
        "craft-pcapng-second-bom.pcapng": good + bad_bom + pcapng_idb(1) + epb,
        "craft-pcapng-shb-longer-than-file.pcapng": shb_opts[:40],
        "craft-pcapng-idb-cut.pcapng": pcapng_shb() + pcapng_idb(1, name="eth0")[:-6],
        # a DSB whose secrets run past it: wiretap reads them from the following blocks, then
        # wants "block length - 20 - secrets" (wrapped) more bytes
        "craft-pcapng-dsb-long.pcapng": good + pcapng_block(0x0A, struct.pack("<II", 0x544C534B, 64) + b"CLIENT_R")
        + epb,
        "craft-pcapng-nrb-name.pcapng": good + pcapng_block(4, struct.pack("<HH", 1, 12) + bytes([192, 0, 2, 1])
                                                             + b"hostname" + struct.pack("<HH", 0, 0)) + epb,
        # a block length that makes the options run short: the options are read before the trailer
        "craft-pcapng-options-before-trailer.pcapng": good + commented[:4] + struct.pack("<I", len(commented) - 8)
        + commented[8:],
        # the last block runs past the end, and its interface index is wrong: that is said first
        "craft-pcapng-cut-bad-interface.pcapng": good + pcapng_epb(7, US, _frames(1)[0])[:40],
    }


def gzip_files() -> dict[str, bytes]:
    raw = pcap_bytes(frames(_frames(40)), 1)
    g = gzip.compress(raw, mtime=0)
    mid = bytearray(g)
    mid[len(mid) // 2] ^= 0xFF
    crc = bytearray(g)
    crc[-6] ^= 0xFF
    early = bytearray(g)
    early[12] ^= 0x55
    return {
        "craft-gzip-cut.pcap.gz": g[: len(g) // 2],
        "craft-gzip-crc.pcap.gz": bytes(crc),
        "craft-gzip-middle.pcap.gz": bytes(mid),
        "craft-gzip-start.pcap.gz": bytes(early),
        "craft-gzip-header.pcap.gz": g[:5],
        # the first member holds the header and a record; the second breaks: the variant
        # heuristic reads three records while opening, so the file does not open
        "craft-gzip-heuristic.pcap.gz": gzip.compress(raw[:24 + 16 + 54], mtime=0) + bytes(early),
    }


def make(captures: Path) -> list[Path]:
    out = []
    bad = captures / "bad"
    for name, data in {**pcap_files(), **pcapng_files(), **gzip_files()}.items():
        p = bad / name
        p.write_bytes(data)
        out.append(p)
    # a good file made of two gzip members
    raw = pcap_bytes(frames(_frames(10)), 1)
    p = captures / "craft-gzip-members.pcap.gz"
    p.write_bytes(gzip.compress(raw[:300], mtime=0) + gzip.compress(raw[300:], mtime=0))
    out.append(p)
    return out
