"""A pcapng file's blocks, for comparing two files block by block (little-endian files,
as tshark and tcpscope write them on this machine)."""

from __future__ import annotations

import struct

__all__ = ["blocks"]


def blocks(data: bytes) -> list[tuple[int, bytes]]:
    """Each block's type and its whole bytes, in file order."""
    out = []
    at = 0
    while at < len(data):
        kind, size = struct.unpack_from("<II", data, at)
        assert size >= 12 and at + size <= len(data), f"a block at {at} of {size} bytes does not fit"
        out.append((kind, data[at:at + size]))
        at += size
    return out
