"""The pcapng file a live capture writes, shaped as dumpcap writes its own.

One section: a Section Header Block naming the machine's OS and tcpscope as the writing
application; one Interface Description Block (the interface's name, the capture filter,
the OS, nanosecond time stamps: ``if_tsresol`` 9); an Enhanced Packet Block per frame;
and at the end an Interface Statistics Block with the capture's start and end times, the
packets the kernel received and those it dropped (dumpcap's ``isb_ifrecv`` and
``isb_ifdrop``). Blocks are little-endian, as the machine writes them on x86 and arm.
"""

from __future__ import annotations

import platform
import struct
from typing import Protocol

__all__ = ["Output", "PcapngWriter"]

# Block types and option codes (draft-ietf-opsawg-pcapng)
_SHB = 0x0A0D0D0A
_IDB = 0x00000001
_ISB = 0x00000005
_EPB = 0x00000006
_BYTE_ORDER_MAGIC = 0x1A2B3C4D
_OPT_END = 0
_SHB_HARDWARE = 2
_SHB_OS = 3
_SHB_USERAPPL = 4
_IF_NAME = 2
_IF_TSRESOL = 9
_IF_FILTER = 11
_IF_OS = 12
_ISB_STARTTIME = 2
_ISB_ENDTIME = 3
_ISB_IFRECV = 4
_ISB_IFDROP = 5
#: if_tsresol's value for nanoseconds: 10^-9 s
_NANOSECONDS = 9
#: The first byte of if_filter for a libpcap filter string
_FILTER_STRING = 0

_EPB_HEAD = struct.Struct("<IIIIIII")


def _option(code: int, value: bytes) -> bytes:
    """One option: code, length, value padded to 32 bits."""
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def _options(options: list[bytes]) -> bytes:
    """A block's options ended with opt_endofopt (none at all when there are none)."""
    return b"".join(options) + struct.pack("<HH", _OPT_END, 0) if options else b""


def _block(btype: int, body: bytes) -> bytes:
    """A whole block: type, total length, body, total length again."""
    length = 12 + len(body)
    return struct.pack("<II", btype, length) + body + struct.pack("<I", length)


def _ns_words(ns: int) -> tuple[int, int]:
    """A nanosecond time as the two 32-bit words (high, low) pcapng stores."""
    return ns >> 32, ns & 0xFFFFFFFF


def _application() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"tcpscope {version('tcpscope')}"
    except PackageNotFoundError:
        return "tcpscope"


class Output(Protocol):
    """Where the blocks go: a binary file, or anything that takes bytes as one does."""

    def write(self, data: bytes, /) -> object: ...


class PcapngWriter:
    """Writes one interface's frames to ``out`` as they come, a block at a time."""

    def __init__(self, out: Output, interface: str, linktype: int, snaplen: int,
                 capture_filter: str | None) -> None:
        self._out = out
        uname = platform.uname()
        shb = struct.pack("<IHHq", _BYTE_ORDER_MAGIC, 1, 0, -1) + _options([
            _option(_SHB_HARDWARE, uname.machine.encode()),
            _option(_SHB_OS, f"{uname.system} {uname.release}".encode()),
            _option(_SHB_USERAPPL, _application().encode()),
        ])
        idb_options = [_option(_IF_NAME, interface.encode())]
        if capture_filter:
            idb_options.append(_option(_IF_FILTER, bytes([_FILTER_STRING]) + capture_filter.encode()))
        idb_options += [_option(_IF_OS, f"{uname.system} {uname.release}".encode()),
                        _option(_IF_TSRESOL, bytes([_NANOSECONDS]))]
        idb = struct.pack("<HHI", linktype, 0, snaplen) + _options(idb_options)
        out.write(_block(_SHB, shb) + _block(_IDB, idb))

    def packet(self, time_ns: int, data: bytes, wire_length: int) -> None:
        """One frame: its time, its captured bytes, its length on the wire."""
        high, low = _ns_words(time_ns)
        pad = -len(data) % 4
        length = 32 + len(data) + pad
        self._out.write(_EPB_HEAD.pack(_EPB, length, 0, high, low, len(data), wire_length))
        self._out.write(data + b"\0" * pad + struct.pack("<I", length))

    def statistics(self, start_ns: int, end_ns: int, received: int, dropped: int) -> None:
        """The Interface Statistics Block dumpcap writes when the capture ends."""
        high, low = _ns_words(end_ns)
        start, end = struct.pack("<II", *_ns_words(start_ns)), struct.pack("<II", high, low)
        body = struct.pack("<III", 0, high, low) + _options([
            _option(_ISB_STARTTIME, start), _option(_ISB_ENDTIME, end),
            _option(_ISB_IFRECV, struct.pack("<Q", received)), _option(_ISB_IFDROP, struct.pack("<Q", dropped)),
        ])
        self._out.write(_block(_ISB, body))
