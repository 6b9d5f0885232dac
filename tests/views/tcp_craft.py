"""Small captures built in the tests: raw IPv4/TCP frames in a nanosecond pcap.

Checksums are left 0 (tshark checks neither by default). ``orig_len`` sets a record's
wire length independently of the bytes stored, as the format-size cases need.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, Unpack

__all__ = ["ACK", "FIN", "NS", "PSH", "RST", "SYN", "Frame", "tcp4", "write_pcap"]

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
LINKTYPE_RAW = 101
NS = 1_000_000_000


@dataclass(frozen=True)
class Frame:
    """One record: capture time (ns since the epoch), the bytes, and the wire length."""

    ts_ns: int
    data: bytes
    orig_len: int | None = None


class Segment(TypedDict, total=False):
    """The TCP fields :func:`tcp4` sets when given (its defaults in the comments)."""

    ack: int  #: 0
    flags: int  #: ACK
    payload: bytes  #: none
    win: int  #: 65535
    doff: int  #: 5 (the header's length in words)
    options: bytes  #: none; padded by the caller


def tcp4(src: str, dst: str, sport: int, dport: int, seq: int = 0, **seg: Unpack[Segment]) -> bytes:
    """An IPv4 packet carrying one TCP segment."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, seg.get("ack", 0) & 0xFFFFFFFF,
                      seg.get("doff", 5) << 4, seg.get("flags", ACK), seg.get("win", 65535), 0, 0)
    tcp += seg.get("options", b"") + seg.get("payload", b"")
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip + tcp


def write_pcap(path: Path, frames: Sequence[Frame]) -> Path:
    """A nanosecond-resolution pcap of raw IP frames."""
    out = [struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, LINKTYPE_RAW)]
    for f in frames:
        wire = len(f.data) if f.orig_len is None else f.orig_len
        out.append(struct.pack("<IIII", f.ts_ns // NS, f.ts_ns % NS, len(f.data), wire) + f.data)
    path.write_bytes(b"".join(out))
    return path
