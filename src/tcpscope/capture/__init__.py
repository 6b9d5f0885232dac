"""Capture files to records: pcap and pcapng, plain or gzip-compressed, from a path or a pipe.

This layer knows no protocols. :func:`read_records` returns where each frame's bytes
are, their lengths and timestamps, and the link type of each frame's interface;
:func:`read_batches` hands a capture arriving through a pipe on a batch of records at
a time, as its bytes come.
"""

from __future__ import annotations

from tcpscope.capture.pipe import read_batches
from tcpscope.capture.reader import read_records
from tcpscope.capture.records import LINKTYPE_NAMES, Interface, LinkType, Records
from tcpscope.capture.source import Source, read_source

__all__ = [
    "LINKTYPE_NAMES",
    "Interface",
    "LinkType",
    "Records",
    "Source",
    "read_batches",
    "read_records",
    "read_source",
]
