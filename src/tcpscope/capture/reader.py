"""A whole capture's records: the format told by its first bytes, the stream's damage
reported where the reader needs the bytes it did not give."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import BinaryIO

import numpy as np

from tcpscope.capture.pcap import MAGICS, read_pcap
from tcpscope.capture.pcapng import read_pcapng
from tcpscope.capture.pcapng_blocks import SHB_TYPE
from tcpscope.capture.records import LINKTYPE_NONE, Records
from tcpscope.capture.source import Source, read_source
from tcpscope.errors import (
    CaptureCutShortError,
    CaptureDecompressError,
    CaptureWarning,
    NotACaptureError,
    file_description,
)

__all__ = ["read_capture_bytes", "read_records", "records_of"]


def _describe(head: bytes) -> str:
    if not head:
        return "no bytes"
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in head)
    kind = "text" if printable == len(head) else "binary data"
    return f"{kind} starting {head[:8].hex(' ')}"


def read_records(path: str | os.PathLike[str] | BinaryIO, upto: int | None = None) -> Records:
    """Read a capture's records. An empty file is a capture with no frames, as for tshark.

    Raises :class:`~tcpscope.errors.CaptureError` subclasses for files that cannot be
    read; damage after the first record is a warning in ``Records.warnings``. A
    compressed stream that breaks off is reported where the reader needs the bytes it
    did not give: while opening (an error), or after the last whole record (a warning).

    ``upto``: the first ``upto`` records only (what ``tcpscope show --frame N`` needs:
    a frame's tree depends on the frames before it only); a pcap file is read no further
    than the header of the record after them: damage past that is not seen, so not
    reported.
    """
    return records_of(read_source(path), upto)


def records_of(src: Source, upto: int | None = None) -> Records:
    """The records of the capture in ``src`` (see :func:`read_records`)."""
    try:
        records = _read(src, upto)
    except (CaptureCutShortError, NotACaptureError):
        if src.stream_error is None:
            raise
        records = Records.empty(src.name, "empty", src.data, src.keepalive)
    if src.stream_error is None or (upto is not None and len(records) == upto):  # (damage after the records asked for)
        return records
    kind, detail = src.stream_error
    if len(records) == 0 and not records.warnings:  # the stream broke before the capture's header
        if kind == "decompress":
            raise CaptureDecompressError(src.name, detail or "")
        raise CaptureCutShortError(src.name)
    if any(w.kind == "damaged" for w in records.warnings):
        return records
    if kind == "decompress":
        w = CaptureWarning("decompress", f"The {file_description(src.name)} cannot be decompressed; it may be damaged"
                           f" or corrupt.\n({detail})", int(src.data.shape[0]))
    else:
        w = CaptureWarning.cut_short(src.name, int(src.data.shape[0]))
    return replace(records, read_warnings=(w,))


#: Magic numbers of wiretap's MIME reader (mime_file.c): a file no capture reader takes but
#: that starts with one of these (a pcapng one with a byte-order magic at byte 8) is
#: shown whole as a single frame with no time stamp.
MIME_MAGICS: tuple[bytes, ...] = (
    b"\xff\xd8\xff", b"<?xml", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"\x7fELF", b"II*\x00",
    b"MM\x00*", b"btsnoop\x00", b"\xa1\xb2\xc3\xd4", b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\x3c\x4d",
    b"\x4d\x3c\xb2\xa1", b"\x0a\x0d\x0d\x0a", b"LOGG",
)


def _mime(src: Source) -> Records | None:
    """The single frame wiretap's MIME reader makes of a whole file, if one of its magics matches."""
    head = bytes(src.data[:12])
    hits = [m for m in MIME_MAGICS if head.startswith(m)]
    if hits == [b"\x0a\x0d\x0d\x0a"] and head[8:12] not in (b"\x1a\x2b\x3c\x4d", b"\x4d\x3c\x2b\x1a"):
        hits = []
    if len(hits) != 1:
        return None
    n = int(src.data.shape[0])
    one = np.ones(1, dtype=np.int64)
    return Records(
        name=src.name, format="mime", data=src.data, offset=np.zeros(1, np.int64), caplen=one * n,
        wirelen=one * n, ts_ns=np.zeros(1, np.int64), iface=np.zeros(1, np.int32),
        linktype=np.full(1, LINKTYPE_NONE, np.int32), interfaces=(), has_interface_id=False,
        keepalive=src.keepalive, has_ts=np.zeros(1, np.bool_),
    )


def _read(src: Source, upto: int | None) -> Records:
    try:
        return read_capture_bytes(src, upto)
    except NotACaptureError:
        mime = _mime(src)
        if mime is None:
            raise
        return mime


def read_capture_bytes(src: Source, upto: int | None = None) -> Records:
    """The records of ``src`` when it starts like a pcap or pcapng file: no MIME reader, no
    stream damage (what a pipe's reader asks of the bytes it has so far); ``upto``: the
    first ``upto`` only (a pcapng file is walked whole, then cut)."""
    data = src.data
    if data.shape[0] == 0:
        return Records.empty(src.name, "empty", data, src.keepalive)
    head = bytes(data[:4])
    if len(head) == 4:
        magic = int.from_bytes(head, "little")
        if magic in MAGICS:
            return read_pcap(src, upto)
        if magic == SHB_TYPE and data.shape[0] >= 12:
            bom = bytes(data[8:12])
            if bom in (b"\x4d\x3c\x2b\x1a", b"\x1a\x2b\x3c\x4d"):
                records = read_pcapng(src)
                return records if upto is None or len(records) <= upto else records.frames(0, upto)
    raise NotACaptureError(src.name, _describe(bytes(data[:16])))
