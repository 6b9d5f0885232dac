"""What a capture reader hands on: where each frame's bytes are, how long, and when.

One ``Records`` per file, columnar: a frame is a row number, never an object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tcpscope.capture.source import FileMap
from tcpscope.errors import CaptureWarning

__all__ = ["LINKTYPE_NAMES", "LINKTYPE_NONE", "Interface", "LinkType", "Records"]


class LinkType(IntEnum):
    """LINKTYPE_* values (tcpdump.org link-layer header types) that tcpscope decodes."""

    NULL = 0
    ETHERNET = 1
    RAW_BSD12 = 12  # DLT_RAW as some BSDs wrote it: raw IP
    RAW_BSD14 = 14
    RAW = 101
    LOOP = 108
    LINUX_SLL = 113
    IPV4 = 228
    IPV6 = 229
    LINUX_SLL2 = 276


#: The link type of a record that is not a packet (a pcapng custom block): nothing to dissect.
LINKTYPE_NONE = -1

LINKTYPE_NAMES: dict[int, str] = {
    0: "BSD loopback",
    1: "Ethernet",
    12: "Raw IP",
    14: "Raw IP",
    101: "Raw IP",
    108: "OpenBSD loopback",
    113: "Linux cooked-mode capture v1",
    228: "Raw IPv4",
    229: "Raw IPv6",
    276: "Linux cooked-mode capture v2",
}


@dataclass(frozen=True, slots=True)
class Interface:
    """One capture interface: a pcapng Interface Description Block, or the pcap header.

    ``ts_units`` is the number of timestamp units per second (if_tsresol),
    ``ts_offset`` the seconds added to every timestamp (if_tsoffset) and ``fcs_len``
    the if_fcslen option (bits, or bytes when below 8; -1 when absent).
    """

    linktype: int
    snaplen: int
    ts_units: int = 1_000_000
    ts_offset: int = 0
    name: str | None = None
    fcs_len: int = -1


@dataclass(frozen=True, slots=True)
class Records:
    """The frames of a capture, one row each, in file order.

    * ``data``: the bytes of the whole file (or of its decompressed copy);
    * ``offset``: where each frame's captured bytes start in ``data``;
    * ``caplen`` / ``wirelen``: frame.cap_len and frame.len;
    * ``ts_ns``: capture time, int64 nanoseconds since the epoch;
    * ``iface``: index into ``interfaces`` (frame.interface_id, for pcapng);
    * ``linktype``: the link type of each frame's interface;
    * ``read_warnings``: what stopped the reader before the end of the file, if anything
      (``warnings``: the same, or that the file was cut short after it was read);
    * ``interface_id``: frame.interface_id as tshark 4.0 reports it, the interface's index
      within its pcapng section (-1: the record has none); ``None``: ``iface``, where
      ``has_interface_id``;
    * ``has_ts``: which frames have a time stamp (an SPB or a custom block has none);
      ``None``: all of them;
    * ``fcs_len``: bytes of Frame Check Sequence at the end of each Ethernet frame, as
      wiretap reports them (pcap link-type bits, if_fcslen, epb_flags), -1 when unknown;
      ``None``: unknown for all.
    * ``ts_nsecs``: the fraction of a second of each time stamp as wiretap keeps it (a
      signed 32-bit count of nanoseconds, which a pcap record's fraction can put outside
      0..999999999: ``ts_ns`` holds the normalized instant); ``None`` when every one is in
      range.
    """

    name: str
    format: str
    data: NDArray[np.uint8]
    offset: NDArray[np.int64]
    caplen: NDArray[np.int64]
    wirelen: NDArray[np.int64]
    ts_ns: NDArray[np.int64]
    iface: NDArray[np.int32]
    linktype: NDArray[np.int32]
    interfaces: tuple[Interface, ...]
    has_interface_id: bool
    read_warnings: tuple[CaptureWarning, ...] = ()
    keepalive: object = field(default=None, repr=False, compare=False)
    interface_id: NDArray[np.int32] | None = None
    has_ts: NDArray[np.bool_] | None = None
    fcs_len: NDArray[np.int64] | None = None
    ts_nsecs: NDArray[np.int64] | None = None
    #: when these records are some of a capture's (:meth:`frames`): the index of the first
    #: one in the capture, the capture's first time stamp and the one before the first record
    first_frame: int = 0
    ts_first: int | None = None
    ts_before: int | None = None

    def __len__(self) -> int:
        return int(self.offset.shape[0])

    @property
    def warnings(self) -> tuple[CaptureWarning, ...]:
        """What stopped the reader before the end of the file; or, when the file was found
        shorter than these frames' bytes after it was read (see :meth:`own_bytes`),
        tshark's warning for a file cut short there, as wiretap's next read would give."""
        mm = self.keepalive
        if not isinstance(mm, FileMap) or mm.shrunk_to is None or len(self) == 0:
            return self.read_warnings
        size = mm.shrunk_to
        ends = self.offset + self.caplen
        if size >= int(ends[-1]):
            return self.read_warnings
        if _ends_between_records(self.format, ends, size):
            return ()
        return (CaptureWarning.cut_short(self.name, size),)

    def own_bytes(self) -> Records:
        """These frames with their bytes in a buffer of their own, read from the file when
        ``data`` maps one (:meth:`FileMap.pread`); the frames the file no longer holds whole
        are left out, and :attr:`warnings` says so.

        A read through the map of a file that has shrunk since it was opened kills the
        process (SIGBUS); ``pread`` stops at the file's end instead. The frames are in file
        order, so their bytes are one range of the file, read with one call.
        """
        mm = self.keepalive
        if not isinstance(mm, FileMap) or len(self) == 0:
            return self
        start, stop = int(self.offset[0]), int(self.offset[-1] + self.caplen[-1])
        buf = mm.pread(start, stop)
        whole = len(self)
        if buf.shape[0] < stop - start:
            whole = int(np.searchsorted(self.offset + self.caplen, start + buf.shape[0], side="right"))
        kept = self.frames(0, whole)
        return replace(kept, data=buf, keepalive=buf, offset=kept.offset - start, read_warnings=self.warnings)

    def frames(self, lo: int, hi: int) -> Records:
        """Frames ``lo:hi`` as a capture of their own (the same bytes behind them; the
        reader's warnings go with the last frames)."""
        def cut(a: NDArray[Any] | None) -> NDArray[Any] | None:
            return None if a is None else a[lo:hi]

        n = len(self)
        ts_first = self.ts_first if self.ts_first is not None or n == 0 else int(self.ts_ns[0])
        ts_before = int(self.ts_ns[lo - 1]) if 0 < lo <= n else self.ts_before
        return replace(
            self, offset=self.offset[lo:hi], caplen=self.caplen[lo:hi], wirelen=self.wirelen[lo:hi],
            ts_ns=self.ts_ns[lo:hi], iface=self.iface[lo:hi], linktype=self.linktype[lo:hi],
            read_warnings=self.read_warnings if hi >= n else (), interface_id=cut(self.interface_id),
            has_ts=cut(self.has_ts), fcs_len=cut(self.fcs_len), ts_nsecs=cut(self.ts_nsecs),
            first_frame=self.first_frame + lo, ts_first=ts_first, ts_before=ts_before,
        )

    def join(self, after: Records) -> Records:
        """These frames, then ``after``'s (the next frames of the same capture), as one
        batch: their bytes copied into one buffer, ``after``'s interfaces numbered after
        these', the warnings ``after``'s."""
        size = int(self.caplen.sum())
        starts = np.cumsum(self.caplen) - self.caplen
        # the frames' bytes one after the other, then after's buffer whole
        src = np.repeat(self.offset - starts, self.caplen) + np.arange(size, dtype=np.int64)
        data = np.concatenate([self.data[src], np.asarray(after.data, dtype=np.uint8)])

        def both(name: str, default: Callable[[Records], NDArray[Any]]) -> NDArray[Any] | None:
            """An optional column of both sides; where one side has none, what none means there."""
            a, b = getattr(self, name), getattr(after, name)
            if a is None and b is None:
                return None
            return np.concatenate([default(self) if a is None else a, default(after) if b is None else b])

        return replace(
            self, data=data, keepalive=data,
            offset=np.concatenate([starts, after.offset + size]),
            caplen=np.concatenate([self.caplen, after.caplen]),
            wirelen=np.concatenate([self.wirelen, after.wirelen]),
            ts_ns=np.concatenate([self.ts_ns, after.ts_ns]),
            iface=np.concatenate([self.iface, after.iface + len(self.interfaces)]).astype(np.int32),
            linktype=np.concatenate([self.linktype, after.linktype]),
            interfaces=self.interfaces + after.interfaces,
            read_warnings=after.warnings,
            interface_id=both("interface_id", lambda r: r.iface),
            has_ts=both("has_ts", lambda r: np.ones(len(r), dtype=np.bool_)),
            fcs_len=both("fcs_len", lambda r: np.full(len(r), -1, dtype=np.int64)),
            ts_nsecs=both("ts_nsecs", lambda r: r.ts_ns % 1_000_000_000),
        )

    @classmethod
    def empty(cls, name: str, fmt: str, data: NDArray[np.uint8], keepalive: object) -> Records:
        """A capture with no frames (an empty file, or a header and nothing else)."""
        z = np.zeros(0, dtype=np.int64)
        return cls(
            name=name,
            format=fmt,
            data=data,
            offset=z,
            caplen=z,
            wirelen=z,
            ts_ns=z,
            iface=np.zeros(0, dtype=np.int32),
            linktype=np.zeros(0, dtype=np.int32),
            interfaces=(),
            has_interface_id=False,
            keepalive=keepalive,
        )


def _ends_between_records(fmt: str, ends: NDArray[np.int64], size: int) -> bool:
    """Whether a pcap file of these frames, cut at ``size``, ends right after a record:
    wiretap finds no next record header then and reports nothing (a pcapng block ends
    past its frame's bytes, with padding and a trailer: always cut short here)."""
    if fmt != "pcap" and not fmt.startswith("pcap-"):
        return False
    i = int(np.searchsorted(ends, size))
    return i < ends.shape[0] and int(ends[i]) == size
