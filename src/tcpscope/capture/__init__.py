"""Capture files to records: pcap and pcapng, plain or gzip-compressed, from a path or a pipe.

This layer knows no protocols. :func:`read_records` returns where each frame's bytes
are, their lengths and timestamps, and the link type of each frame's interface.
"""

from __future__ import annotations

import os
from typing import BinaryIO

from tcpscope.capture.pcap import MAGICS, read_pcap
from tcpscope.capture.pcapng import SHB_TYPE, read_pcapng
from tcpscope.capture.records import LINKTYPE_NAMES, Interface, LinkType, Records
from tcpscope.capture.source import Source, read_source
from tcpscope.errors import NotACaptureError

__all__ = [
    "LINKTYPE_NAMES",
    "Interface",
    "LinkType",
    "Records",
    "Source",
    "read_records",
    "read_source",
]


def _describe(head: bytes) -> str:
    if not head:
        return "no bytes"
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in head)
    kind = "text" if printable == len(head) else "binary data"
    return f"{kind} starting {head[:8].hex(' ')}"


def read_records(path: str | os.PathLike[str] | BinaryIO) -> Records:
    """Read a capture's records. An empty file is a capture with no frames, as for tshark.

    Raises :class:`~tcpscope.errors.CaptureError` subclasses for files that cannot be
    read; damage after the first record is a warning in ``Records.warnings``.
    """
    src = read_source(path)
    data = src.data
    if data.shape[0] == 0:
        return Records.empty(src.name, "empty", data, src.keepalive)
    head = bytes(data[:4])
    if len(head) == 4:
        magic = int.from_bytes(head, "little")
        if magic in MAGICS:
            return read_pcap(src)
        if magic == SHB_TYPE and data.shape[0] >= 12:
            bom = bytes(data[8:12])
            if bom in (b"\x4d\x3c\x2b\x1a", b"\x1a\x2b\x3c\x4d"):
                return read_pcapng(src)
    raise NotACaptureError(src.name, _describe(bytes(data[:16])))
