"""``pcap`` and ``pcapng``: the frames a display filter selects, written back as
``tshark -r IN -Y F -w OUT -F pcap|pcapng`` writes them (wiretap 4.0.17's writers).

pcap (``-F pcap``, wiretap's libpcap writer): the file header in the machine's byte order
(little-endian here) with magic a1b2c3d4, version 2.4, no time zone, the input's snaplen
(a pcapng input has none for the file: 262144, WTAP_MAX_PACKET_SIZE_STANDARD) and the
capture's link type as wiretap writes it back (:data:`WRITTEN_LINKTYPE`); then
each frame's record: seconds, microseconds (a nanosecond time stamp truncated, as wiretap
divides it), captured length, length on the wire, and its bytes as they were captured.
A capture whose frames have more than one link type, or records that are not packets (a
pcapng custom block), cannot be pcap: tshark refuses it in the same words.

pcapng (``-F pcapng``): a Section Header Block naming tcpscope as the writing application
(tshark names itself: docs/deviations.md), an Interface Description Block for each of the
capture's interfaces (link type, snaplen, and the options tcpscope keeps: if_name,
if_tsresol, if_fcslen), then an Enhanced Packet Block per frame: its interface, its time
stamp in that interface's units, its lengths and bytes, padded to 4 bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.capture.records import LINKTYPE_NONE
from tcpscope.errors import ExportError

if TYPE_CHECKING:
    from tcpscope.api import PacketView
    from tcpscope.capture.records import Interface, Records

__all__ = ["PACKET_FORMATS", "write_packets"]

#: The capture formats frames are written back in.
PACKET_FORMATS: tuple[str, ...] = ("pcap", "pcapng")

#: WTAP_MAX_PACKET_SIZE_STANDARD: the snaplen wiretap's pcap writer puts in every header.
PCAP_SNAPLEN = 262144
_PCAP_MAGIC_USEC = 0xA1B2C3D4
#: Link types wiretap reads as another it writes: LINKTYPE 12 and 14 (raw IP as some BSDs
#: numbered it) are WTAP_ENCAP_RAW_IP, which it writes as LINKTYPE_RAW (101).
WRITTEN_LINKTYPE: dict[int, int] = {12: 101, 14: 101}
_NS = 1_000_000_000

# pcapng block types and options (draft-ietf-opsawg-pcapng)
_SHB, _IDB, _EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
_BYTE_ORDER_MAGIC = 0x1A2B3C4D
_OPT_ENDOFOPT, _SHB_USERAPPL = 0, 4
_IF_NAME, _IF_TSRESOL, _IF_FCSLEN = 2, 9, 13
#: The application the Section Header Block names.
USERAPPL = "tcpscope"


def _seconds_and_fraction(records: Records, rows: Index) -> tuple[Array, Array]:
    """Each frame's time stamp as wiretap holds it: seconds and nanoseconds (the
    fraction as the file gave it when out of range, ``Records.ts_nsecs``)."""
    ts = records.ts_ns[rows]
    if records.ts_nsecs is not None:
        nsecs = records.ts_nsecs[rows]
        return (ts - nsecs) // _NS, nsecs
    return ts // _NS, ts % _NS


def _frame_bytes(records: Records, rows: Index, padded: bool) -> tuple[Array, Array]:
    """The frames' captured bytes one after another (each padded to 4 bytes when
    ``padded``, as pcapng blocks are) and where each frame's bytes start."""
    caplen = records.caplen[rows]
    room = (caplen + 3) & ~3 if padded else caplen
    starts = np.zeros(rows.shape[0] + 1, dtype=np.int64)
    np.cumsum(room, out=starts[1:])
    out = np.zeros(int(starts[-1]), dtype=np.uint8)
    before = np.cumsum(caplen) - caplen  # each frame's first byte among all the frames' bytes
    each = np.arange(int(caplen.sum()), dtype=np.int64)
    out[np.repeat(starts[:-1] - before, caplen) + each] = np.asarray(records.data)[np.repeat(
        records.offset[rows] - before, caplen) + each]
    return out, starts


def _interleave(heads: Array, head_size: int, body: Array, body_starts: Array, tails: Array | None = None) -> bytes:
    """Each frame's fixed header (``heads``, ``head_size`` bytes a row), then its bytes
    (``body`` from ``body_starts``), then its ``tails`` row if any: one copy of all."""
    n = heads.shape[0]
    tail = 0 if tails is None else tails.shape[1]
    sizes = np.diff(body_starts)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes + head_size + tail, out=starts[1:])
    out = np.zeros(int(starts[-1]), dtype=np.uint8)
    head_at = starts[:-1, None] + np.arange(head_size)
    out[head_at] = heads
    body_at = np.repeat(starts[:-1] + head_size - body_starts[:-1], sizes) + np.arange(int(sizes.sum()))
    out[body_at] = body
    if tails is not None:
        out[starts[1:, None] - tail + np.arange(tail)] = tails
    return out.tobytes()


def _pcap_records(records: Records, rows: Index) -> bytes:
    """pcap records of ``rows``: a 16-byte header each, then the bytes."""
    secs, nsecs = _seconds_and_fraction(records, rows)
    head = np.zeros((rows.shape[0], 4), dtype="<u4")
    head[:, 0] = secs.astype(np.uint32)
    head[:, 1] = (np.trunc(nsecs / 1000)).astype(np.int64).astype(np.uint32)  # wiretap: nsecs / 1000 in C
    head[:, 2] = records.caplen[rows]
    head[:, 3] = records.wirelen[rows]
    body, starts = _frame_bytes(records, rows, padded=False)
    return _interleave(head.view(np.uint8).reshape(-1, 16), 16, body, starts)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def _block(kind: int, body: bytes) -> bytes:
    size = 12 + len(body)
    return struct.pack("<II", kind, size) + body + struct.pack("<I", size)


def _options(options: list[bytes]) -> bytes:
    return b"".join(options) + _option(_OPT_ENDOFOPT, b"") if options else b""


def section_header() -> bytes:
    """The Section Header Block: version 1.0, section length unknown, shb_userappl."""
    body = struct.pack("<IHHq", _BYTE_ORDER_MAGIC, 1, 0, -1)
    return _block(_SHB, body + _options([_option(_SHB_USERAPPL, USERAPPL.encode())]))


def _tsresol(units: int) -> bytes | None:
    """if_tsresol's byte for ``units`` per second: a power of ten as its exponent, else a
    power of two as its exponent with the high bit set (None: the default, microseconds)."""
    if units == 1_000_000:
        return None
    digits = str(units)
    if digits.startswith("1") and set(digits[1:]) <= {"0"}:
        return bytes([len(digits) - 1])
    return bytes([0x80 | (units.bit_length() - 1)])


def interface_block(iface: Interface) -> bytes:
    """An Interface Description Block for ``iface``, with the options tcpscope keeps."""
    options = []
    if iface.name is not None:
        options.append(_option(_IF_NAME, iface.name.encode()))
    resol = _tsresol(iface.ts_units)
    if resol is not None:
        options.append(_option(_IF_TSRESOL, resol))
    if iface.fcs_len >= 0:
        options.append(_option(_IF_FCSLEN, bytes([iface.fcs_len])))
    linktype = WRITTEN_LINKTYPE.get(iface.linktype, iface.linktype)
    return _block(_IDB, struct.pack("<HHI", linktype, 0, iface.snaplen) + _options(options))


def _units_since_epoch(records: Records, iface: Array, secs: Array, nsecs: Array) -> Array:
    """Each time stamp in its interface's units, as wiretap's pcapng writer counts it: in
    unsigned 64-bit arithmetic that wraps, seconds (less if_tsoffset) times the units,
    plus the nanoseconds (as a signed fraction made unsigned) times the units over 10^9.
    A fraction out of range (``Records.ts_nsecs``) wraps as it does in C."""
    with np.errstate(over="ignore"):
        units = np.array([i.ts_units for i in records.interfaces], dtype=np.uint64)[iface]
        offset = np.array([i.ts_offset for i in records.interfaces], dtype=np.int64)[iface]
        whole = (secs - offset).astype(np.uint64) * units
        return whole + nsecs.astype(np.uint64) * units // np.uint64(_NS)  # type: ignore[no-any-return]


def _epb_records(records: Records, rows: Index) -> bytes:
    """Enhanced Packet Blocks of ``rows``: type, length, interface, time stamp in the
    interface's units (high and low words), lengths, the padded bytes, the length again."""
    secs, nsecs = _seconds_and_fraction(records, rows)
    iface = records.iface[rows]
    stamp = _units_since_epoch(records, iface, secs, nsecs)
    body, starts = _frame_bytes(records, rows, padded=True)
    size = np.diff(starts) + 32
    head = np.zeros((rows.shape[0], 7), dtype="<u4")
    head[:, 0] = _EPB
    head[:, 1] = size
    head[:, 2] = iface
    head[:, 3] = stamp >> np.uint64(32)
    head[:, 4] = stamp & np.uint64(0xFFFFFFFF)
    head[:, 5] = records.caplen[rows]
    head[:, 6] = records.wirelen[rows]
    tail = size.astype("<u4").view(np.uint8).reshape(-1, 4)
    return _interleave(head.view(np.uint8).reshape(-1, 28), 28, body, starts, tail)


class _PacketWriter:
    """Writes the frames of each piece in ``fmt``; the file's head once, before the first."""

    def __init__(self, out: BinaryIO, fmt: str, path: str) -> None:
        self.out = out
        self.fmt = fmt
        self.path = path
        self.linktype: int | None = None
        self.interfaces = 0

    def write(self, piece: PacketView) -> None:
        records = piece.table.records
        rows = np.asarray(piece.frames, dtype=np.int64)
        if self.fmt == "pcapng":  # records that are not packets (custom blocks) are not written
            rows = rows[records.linktype[rows] != LINKTYPE_NONE]
        if self.fmt == "pcap":
            self._pcap_head(records, rows)
            self.out.write(_pcap_records(records, rows))
            return
        if self.linktype is None:
            self.out.write(section_header())
            self.linktype = 0
        for iface in records.interfaces[self.interfaces:]:
            self.out.write(interface_block(iface))
        self.interfaces = max(self.interfaces, len(records.interfaces))
        self.out.write(_epb_records(records, rows))

    def finish(self) -> None:
        """The file's head, when no piece came (a capture of no frames: Ethernet)."""
        if self.linktype is None:
            self.out.write(struct.pack("<IHHiIII", _PCAP_MAGIC_USEC, 2, 4, 0, 0, PCAP_SNAPLEN, 1)
                           if self.fmt == "pcap" else section_header())

    def _pcap_head(self, records: Records, rows: Index) -> None:
        kinds = np.unique(records.linktype[rows]) if rows.shape[0] else np.zeros(0, dtype=np.int32)
        if self.linktype is None:
            first = int(kinds[0]) if kinds.shape[0] else (records.interfaces[0].linktype if records.interfaces else 1)
            self.linktype = first
            snaplen = records.interfaces[0].snaplen if records.format == "pcap" and records.interfaces else 0
            self.out.write(struct.pack("<IHHiIII", _PCAP_MAGIC_USEC, 2, 4, 0, 0, snaplen or PCAP_SNAPLEN,
                                       WRITTEN_LINKTYPE.get(first, first) if first >= 0 else 0))
        if kinds.shape[0] > 1 or (kinds.shape[0] and int(kinds[0]) != self.linktype) or self.linktype < 0:
            raise ExportError(f'The capture file being read can\'t be written as a "pcap" file ("{self.path}").')


def write_packets(pieces: Iterable[PacketView], fmt: str, out: BinaryIO, path: str) -> int:
    """Write every piece's frames as ``fmt`` (``pcap`` or ``pcapng``); returns the frames."""
    writer = _PacketWriter(out, fmt, path)
    frames = 0
    for piece in pieces:
        writer.write(piece)
        frames += len(piece)
    writer.finish()
    return frames
