"""The pcap format (libpcap), with the variants tshark 4.0 reads.

File header: magic, version, thiszone, sigfigs, snaplen, network (24 bytes). The magic
gives the byte order and the variant (wiretap/libpcap.c ``libpcap_open``):

* ``a1b2c3d4``: microsecond timestamps; the record header is the standard 16 bytes,
  or, decided by reading the first three records of each candidate (``libpcap_try``),
  the 24-byte ss990417 header or Nokia's 20-byte header. Version 2.2 with network
  6, 9, 15 or 24 is AIX (nanosecond timestamps, ifType link types).
* ``a1b23c4d``: nanosecond timestamps.
* ``a1b2cd34`` (Kuznetsov's modified pcap): 24-byte (ss991029) or 28-byte (ss990915)
  record headers, again chosen by reading the first records.
* ``1c0001ac`` / ``1c0001ab`` (IXIA): a 4-byte size after the header, else standard.

Record header: ts_sec, ts_frac, incl_len (frame.cap_len), orig_len (frame.len);
versions before 2.3 swap the two lengths. A record longer than 262144 bytes is
damage ("File has N-byte packet, bigger than maximum of 262144"); a record that
does not fit in the file is a cut-short file.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from tcpscope._jit import helper, kernel
from tcpscope.capture.linktypes import KNOWN_LINKTYPES, PSEUDO_HEADERS, max_packet_size, strip_pseudo_headers
from tcpscope.capture.records import Interface, Records
from tcpscope.capture.source import Source
from tcpscope.errors import (
    CaptureCutShortError,
    CaptureDecompressError,
    CaptureError,
    CaptureWarning,
    file_description,
)

__all__ = ["MAGICS", "MAX_PACKET_SIZE", "read_pcap"]

#: WTAP_MAX_PACKET_SIZE_STANDARD: the longest record tshark accepts.
MAX_PACKET_SIZE = 262144

# magic (as read little-endian) -> (big_endian, kind)
MAGICS: dict[int, tuple[bool, str]] = {
    0xA1B2C3D4: (False, "usec"),
    0xD4C3B2A1: (True, "usec"),
    0xA1B23C4D: (False, "nsec"),
    0x4D3CB2A1: (True, "nsec"),
    0xA1B2CD34: (False, "modified"),
    0x34CDB2A1: (True, "modified"),
    0x1C0001AC: (False, "ixia"),
    0xAC01001C: (True, "ixia"),
    0x1C0001AB: (False, "ixia"),
    0xAB01001C: (True, "ixia"),
}

# record header length of each variant
_HDR_LEN = {"pcap": 16, "nsec": 16, "aix": 16, "ss990417": 24, "ss991029": 24, "ss990915": 28, "nokia": 20}
_NSEC_VARIANTS = ("nsec", "aix")

# lengths_swapped modes
NOT_SWAPPED, SWAPPED, MAYBE_SWAPPED = 0, 1, 2
# walk status
OK, CUT_SHORT, TOO_BIG, PAUSED, FULL = 0, 1, 2, 3, 4
#: Bytes of the file read at a time by the record walk.
_WINDOW = 1 << 18
#: Records the walk's output columns start with: one per this many bytes of the file, at
#: least _MIN_ROOM (they double when a file has smaller records). Not one per header's
#: length: that reserves 40 bytes of index per 16 of file, 2 KB a frame of 850 bytes.
_BYTES_PER_ROW, _MIN_ROOM = 256, 1024


@helper
def _word(data: Any, at: Any, big: bool) -> Any:
    """The 32-bit unsigned number at ``data[at:at+4]`` in the file's byte order (a copy in
    each module whose kernels call it: numba's cache tracks only the kernel's own file)."""
    b0 = np.int64(data[at])
    b1 = np.int64(data[at + 1])
    b2 = np.int64(data[at + 2])
    b3 = np.int64(data[at + 3])
    if big:
        return (b0 << 24) | (b1 << 16) | (b2 << 8) | b3
    return (b3 << 24) | (b2 << 16) | (b1 << 8) | b0


@helper
def _nsecs(frac: Any, unit: Any) -> Any:
    """The nanoseconds wiretap stores of a fraction ``frac``: ``frac * unit`` in 32 bits,
    then read as a signed number."""
    ns = (frac * unit) & 0xFFFFFFFF
    return ns - 0x100000000 if ns >= 0x80000000 else ns


class _Header(NamedTuple):
    """What the file header says of every record: the byte order, whether the two lengths
    are swapped (``swap_mode``), the snaplen, and the longest record the link type allows."""

    big: bool
    swap_mode: int
    snaplen: int
    max_len: int


class _Walk(NamedTuple):
    """What the record walk needs to know: the header's facts, the variant's record header
    length and fraction unit (1: nanoseconds, 1000: microseconds), and the file's size."""

    big: bool
    swap_mode: int
    max_len: int
    hdr_len: int
    unit: int
    file_end: int


#: The columns :func:`_walk` fills, one row of its output array each.
_START, _INCL, _ORIG, _TS, _NSECS = range(5)


@kernel
def _walk(window: NDArray[np.uint8], base: Any, pos: Any, w: _Walk, out: NDArray[np.int64]) -> tuple[Any, Any, Any, Any]:
    """Follow the records from file offset ``pos`` while their headers are in ``window``
    (the file's bytes from offset ``base`` on).

    Each record goes in the next column of ``out``: where its bytes start, incl_len
    (frame.cap_len) and orig_len (frame.len) after the length swap of old versions
    (``w.swap_mode``), its time stamp in nanoseconds, and the nanoseconds of its fraction
    as wiretap stores them (:func:`_nsecs`). Returns (records, stop offset, status,
    offending incl_len); status 3 means the next header is past the window, 4 that
    ``out`` is full, and the walk can go on from the stop offset.
    """
    wend = base + window.shape[0]
    room = out.shape[1]
    hdr_len = w.hdr_len
    n = 0
    while True:
        if pos == w.file_end:
            return n, pos, 0, 0
        if w.file_end - pos < hdr_len:
            return n, pos, 1, 0
        if pos + hdr_len > wend:
            return n, pos, 3, 0
        at = pos - base
        incl = _word(window, at + 8, w.big)
        orig = _word(window, at + 12, w.big)
        if w.swap_mode == 1 or (w.swap_mode == 2 and incl > orig):
            incl, orig = orig, incl
        if incl > w.max_len:
            return n, pos, 2, incl
        if w.file_end - pos - hdr_len < incl:
            return n, pos, 1, 0
        if n == room:
            return n, pos, 4, 0
        ns = _nsecs(_word(window, at + 4, w.big), w.unit)
        out[_START, n] = pos + hdr_len
        out[_INCL, n] = incl
        out[_ORIG, n] = orig
        out[_TS, n] = _word(window, at, w.big) * 1_000_000_000 + ns
        out[_NSECS, n] = ns
        n += 1
        pos += hdr_len + incl


def _u32(data: NDArray[np.uint8], pos: int, big: bool) -> int:
    return int.from_bytes(bytes(data[pos : pos + 4]), "big" if big else "little")


def _u16(data: NDArray[np.uint8], pos: int, big: bool) -> int:
    return int.from_bytes(bytes(data[pos : pos + 2]), "big" if big else "little")


def _try_score(data: NDArray[np.uint8], pos: int, variant: str, hdr: _Header, broken: bool = False) -> int:
    """libpcap_try: 0 if the first three records look right under ``variant``, else a fault count.

    -1 when the try reads where a broken compressed stream stopped (``broken``): a read
    error, which makes opening the file fail.
    """
    hdr_len = _HDR_LEN[variant]
    end = data.shape[0]
    for _ in range(3):
        if broken and end - pos < hdr_len:
            return -1
        if pos == end:
            return 0
        if end - pos < hdr_len:
            return 1
        usec = _u32(data, pos + 4, hdr.big)
        incl = _u32(data, pos + 8, hdr.big)
        orig = _u32(data, pos + 12, hdr.big)
        if hdr.swap_mode == SWAPPED or (hdr.swap_mode == MAYBE_SWAPPED and incl > orig):
            incl, orig = orig, incl
        faults = (
            (usec >= 1_000_000)
            + (incl > hdr.max_len)
            + (orig > 128 * 1024 * 1024)
            + (incl > hdr.snaplen)
            + (incl > orig)
        )
        if faults:
            return int(faults)
        if end - pos - hdr_len < incl:
            return -1 if broken else 1
        pos += hdr_len + incl
    return 0


def _choose_variant(data: NDArray[np.uint8], pos: int, candidates: tuple[str, ...], hdr: _Header,
                    broken: bool = False) -> str | None:
    """libpcap_try_variants: the first variant without faults, else the one with fewest
    (None: a try hit a read error)."""
    best, best_score = candidates[0], None
    for v in candidates:
        score = _try_score(data, pos, v, hdr, broken)
        if score < 0:
            return None
        if score == 0:
            return v
        if best_score is None or score < best_score:
            best, best_score = v, score
    return best


def _unsupported(name: str, detail: str) -> CaptureError:
    """WTAP_ERR_UNSUPPORTED: a pcap file with something wiretap does not read."""
    return CaptureError(name, f"The {file_description(name)} contains record data that tcpscope doesn't support.", detail)


def file_header_length(kind: str) -> int:
    """The file header's length for a magic of ``kind`` (``MAGICS``): 24 bytes, 28 for IXIA's."""
    return 28 if kind == "ixia" else 24


class _FileHeader(NamedTuple):
    """The file header, checked as libpcap_open checks it."""

    kind: str  #: the magic's kind (:data:`MAGICS`)
    header: _Header
    network: int  #: the link type field, AIX's ifType numbers mapped to link types
    linktype: int
    aix: bool
    first_record: int  #: the file offset of the first record


def _swap_mode(vmaj: int, vmin: int) -> int:
    """Versions before 2.3 swap the two lengths, 2.3 may, 543 (a byte-swapped 2.3) does."""
    if vmaj == 2:
        return SWAPPED if vmin < 3 else MAYBE_SWAPPED if vmin == 3 else NOT_SWAPPED
    return SWAPPED if vmaj == 543 else NOT_SWAPPED


def _read_file_header(data: NDArray[np.uint8], name: str) -> _FileHeader:
    """The file header, in libpcap_open's order: the version, AIX's ifType link types, the
    reserved bits, the link type (an error for each that tshark refuses)."""
    if data.shape[0] < 24:
        raise CaptureCutShortError(name)
    big, kind = MAGICS[_u32(data, 0, False)]
    vmaj, vmin = _u16(data, 4, big), _u16(data, 6, big)
    snaplen = _u32(data, 16, big)
    network = _u32(data, 20, big)
    pos = file_header_length(kind)
    if data.shape[0] < pos:
        raise CaptureCutShortError(name)
    if vmaj < 2:
        raise _unsupported(name, f"pcap: major version {vmaj} unsupported")
    aix = kind == "usec" and vmaj == 2 and vmin == 2 and network in (6, 9, 15, 24)
    if aix:
        network = {6: 1, 9: 6, 15: 10, 24: 0}[network]
    if (network >> 16) & 0x03FF:  # LT_RESERVED1: must be zero
        raise _unsupported(name, f"pcap: network type reserved field not zero (0x{network & 0x03FF0000:08x})")
    linktype = network & 0xFFFF
    if linktype not in KNOWN_LINKTYPES:
        raise _unsupported(name, f"pcap: network type {network} unknown or unsupported")
    header = _Header(big, _swap_mode(vmaj, vmin), snaplen, max_packet_size(linktype))
    return _FileHeader(kind, header, network, linktype, aix, pos)


def _variant(src: Source, fh: _FileHeader) -> str:
    """The record format: the magic's, AIX's, or the candidate whose first records look
    right (not tried on a pipe, which cannot be read twice)."""
    name = src.name
    broken = src.stream_error is not None and src.stream_error[0] == "decompress"
    chosen: str | None
    if fh.kind == "nsec":
        chosen = "nsec"
    elif fh.kind == "ixia":
        chosen = "pcap"
    elif fh.aix:
        chosen = "aix"
    elif fh.kind == "usec":
        chosen = "pcap" if src.pipe else _choose_variant(
            src.data, fh.first_record, ("pcap", "ss990417", "nokia"), fh.header, broken
        )
    else:
        if src.pipe:
            raise _unsupported(name, "pcap: that type of pcap file can't be read from a pipe")
        chosen = _choose_variant(src.data, fh.first_record, ("ss991029", "ss990915"), fh.header, broken)
    if chosen is None:  # the variant heuristic read into the damaged part of a compressed file
        assert src.stream_error is not None
        raise CaptureDecompressError(name, src.stream_error[1] or "")
    return chosen


def _walk_records(src: Source, pos: int, w: _Walk, upto: int | None = None) -> tuple[NDArray[np.int64], int, int, int]:
    """Every record's columns (rows :data:`_START`...), where the walk stopped, its status
    and the offending incl_len: the headers are read a window at a time from a file, not
    through the map; bytes already in memory are walked at once. ``upto``: the walk stops
    (status OK) after that many records, reading no further.

    The columns start at one record per :data:`_BYTES_PER_ROW` bytes and double when
    full, and are copied to the real count at the end: the index holds 40 bytes a
    record, not a reservation for a file of bare headers.
    """
    walk = _walk.pick(max(1, w.file_end // 256 if upto is None else min(w.file_end // 256, upto)))
    worst = (w.file_end - pos) // w.hdr_len + 1  # every record takes at least hdr_len bytes
    room = min(worst, max(_MIN_ROOM, (w.file_end - pos) // _BYTES_PER_ROW))
    cols = np.empty((5, room if upto is None else min(room, upto)), dtype=np.int64)
    count, bad_len = 0, 0

    def step(window: NDArray[np.uint8], base: int) -> int:
        """Walk ``window`` (the file's bytes from offset ``base`` on) from ``pos``, the
        columns doubled each time they fill; the status where it stopped."""
        nonlocal cols, count, pos, bad_len
        while True:
            got, stop, status, bad = walk(window, base, pos, w, cols[:, count:upto])
            count, pos, bad_len = count + int(got), int(stop), int(bad)
            if status != FULL:
                return int(status)
            if count == upto:  # the records asked for: what follows is not read
                return OK
            cols = np.concatenate([cols[:, :count], np.empty_like(cols)], axis=1)

    with src.reader() as read_at:
        if read_at is None:  # the bytes are in memory
            status = step(src.data, 0)
        else:
            window = np.empty(_WINDOW, dtype=np.uint8)
            while True:
                before = count
                status = step(window[:read_at(window, pos)], pos)
                if status == PAUSED and count == before:  # the file is shorter than when it was opened
                    status = CUT_SHORT
                if status != PAUSED:
                    break
    return cols[:, :count].copy(), pos, status, bad_len


def _walk_warnings(name: str, status: int, stop: int, bad_len: int, max_len: int) -> list[CaptureWarning]:
    """How tshark words where the walk stopped: a file cut short, or a record too long."""
    if status == CUT_SHORT:
        return [CaptureWarning.cut_short(name, stop)]
    if status == TOO_BIG:
        return [CaptureWarning(
            "damaged",
            f"The {file_description(name)} appears to be damaged or corrupt.\n"
            f"(pcap: File has {bad_len}-byte packet, bigger than maximum of {max_len})",
            stop,
        )]
    return []


def _fcs_lengths(network: int, linktype: int, n: int) -> NDArray[np.int64] | None:
    """The link type's FCS bits (LT_FCS_LENGTH, in 16-bit units) as bytes, as wiretap gives
    Ethernet, one a record (None: not said)."""
    fcs_bits = ((network >> 28) & 0xF) * 16 if network & 0x04000000 else -1
    if linktype == 1 and fcs_bits >= 0:
        return np.full(n, fcs_bits if fcs_bits < 8 else fcs_bits // 8, dtype=np.int64)
    return None


def read_pcap(src: Source, upto: int | None = None) -> Records:
    """Index every record of a pcap file (see the module docstring for the rules); with
    ``upto``, its first ``upto`` records only, the file read no further than their end."""
    data, name = src.data, src.name
    fh = _read_file_header(data, name)
    linktype, max_len = fh.linktype, fh.header.max_len
    variant = _variant(src, fh)
    hdr_len = _HDR_LEN[variant]
    unit = 1 if variant in _NSEC_VARIANTS else 1000
    w = _Walk(fh.header.big, fh.header.swap_mode, max_len, hdr_len, unit, int(data.shape[0]))
    cols, stop, status, bad_len = _walk_records(src, fh.first_record, w, upto)
    start, incl, orig, ts, nsecs = cols
    warnings = _walk_warnings(name, status, stop, bad_len, max_len)

    iface = Interface(linktype=linktype, snaplen=fh.header.snaplen,
                      ts_units=1_000_000_000 if unit == 1 else 1_000_000)
    n = int(start.shape[0])
    record_data = start
    if linktype in PSEUDO_HEADERS:
        start, incl, orig, bad, msg = strip_pseudo_headers(data, start, incl, orig,
                                                           np.full(n, linktype, dtype=np.int32))
    else:
        bad, msg = n, ""
    if bad < n:
        start, incl, orig, ts, nsecs, n = start[:bad], incl[:bad], orig[:bad], ts[:bad], nsecs[:bad], bad
        warnings = [CaptureWarning("damaged", f"The {file_description(name)} appears to be damaged or corrupt.\n({msg})",
                                   int(record_data[bad]) - hdr_len)]
    return Records(
        name=name,
        format="pcap" if variant == "pcap" else f"pcap-{variant}",
        data=data,
        offset=start,
        caplen=incl,
        wirelen=orig,
        ts_ns=ts,
        iface=np.zeros(n, dtype=np.int32),
        linktype=np.full(n, linktype, dtype=np.int32),
        interfaces=(iface,),
        has_interface_id=False,
        read_warnings=tuple(warnings),
        keepalive=src.keepalive,
        fcs_len=_fcs_lengths(fh.network, linktype, n),
        ts_nsecs=nsecs if ((nsecs < 0) | (nsecs >= 1_000_000_000)).any() else None,
    )
