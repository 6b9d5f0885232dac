"""Live capture on Linux: frames read from an ``AF_PACKET`` socket, as libpcap reads them.

One interface: a ``SOCK_RAW`` packet socket (frames with their link-layer header) bound to
it, the capture filter attached in the kernel (``SO_ATTACH_FILTER``, the program
libpcap's compiler made, :mod:`tcpscope.capture.bpf`) before the socket is bound, so that
no frame the filter refuses is ever queued. Time stamps are the kernel's, in nanoseconds
(``SO_TIMESTAMPNS``); the length on the wire and a VLAN tag the driver took off come
with each frame (``PACKET_AUXDATA``), the tag put back as libpcap puts it back.

``any``: every interface through one ``SOCK_DGRAM`` socket (frames without their link
header, which differs from interface to interface), each given a Linux cooked v2 header
(LINKTYPE_LINUX_SLL2) here. The kernel cannot run a filter compiled for that header, so
the filter is run in user space by libpcap's interpreter; the kernel then queues every
frame, and its drop counter counts those too.

Frames are read from a ``TPACKET_V3`` ring the socket shares with the kernel
(:mod:`tcpscope.capture.packet_ring`: blocks of frames handed over without a system call
per frame, each frame with its nanosecond time stamp, length on the wire and VLAN tag in
its ``tpacket3_hdr``), set up before the socket is bound. Where the kernel refuses the
ring, or ``TCPSCOPE_PACKET_RING=0`` is set (the tests read both ways), each frame is read
by its own ``recvmsg``, its time stamp from ``SO_TIMESTAMPNS`` and the rest from
``PACKET_AUXDATA``; the frames are the same either way.

The kernel's counters (``PACKET_STATISTICS``: frames queued, frames dropped because the
ring or the socket's buffer was full) are read when the capture ends.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import sys
import time
from collections.abc import Iterator
from typing import Any, NamedTuple

from tcpscope.capture.bpf import BpfProgram, compile_filter, socket_filter
from tcpscope.capture.packet_ring import RETIRE_MS, PacketRing, RingFrame, open_ring
from tcpscope.errors import TcpscopeError

__all__ = ["ANY", "DEFAULT_SNAPLEN", "LiveCapture", "LiveCaptureError", "Statistics", "list_interfaces"]

#: The pseudo-interface that captures on every interface
ANY = "any"
#: The snapshot length dumpcap uses by default (WTAP_MAX_PACKET_SIZE_STANDARD)
DEFAULT_SNAPLEN = 262144

# Linux constants (linux/if_ether.h, linux/if_packet.h, asm-generic/socket.h)
_ETH_P_ALL = 0x0003
_SOL_PACKET = 263
_PACKET_ADD_MEMBERSHIP = 1
_PACKET_STATISTICS = 6
_PACKET_AUXDATA = 8
_PACKET_MR_PROMISC = 1
#: sockaddr_ll's sll_pkttype of a frame the host sends; sll_hatype of the loopback interface
_PACKET_OUTGOING = 4
_ARPHRD_LOOPBACK = 772
_SO_ATTACH_FILTER = 26
_SO_TIMESTAMPNS = 35
_SO_RCVBUF = 8
#: tpacket_auxdata's tp_status bits: a VLAN tag was taken off; its TPID is given
_TP_STATUS_VLAN_VALID = 0x10
_TP_STATUS_VLAN_TPID_VALID = 0x40
_ETH_P_8021Q = 0x8100
#: struct tpacket_auxdata: status, len, snaplen, mac, net, vlan_tci, vlan_tpid
_AUXDATA = struct.Struct("=IIIHHHH")
#: struct timespec
_TIMESPEC = struct.Struct("=qq")
#: struct tpacket_stats: packets, drops
_STATS = struct.Struct("=II")

# Link types (LINKTYPE_*) and the ARPHRD_* hardware types that give them
_LINKTYPE_ETHERNET = 1
_LINKTYPE_RAW = 101
_LINKTYPE_LINUX_SLL2 = 276
_ARPHRD_LINKTYPE = {1: _LINKTYPE_ETHERNET, 772: _LINKTYPE_ETHERNET, 65534: _LINKTYPE_RAW}
#: The length of a Linux cooked v2 header
_SLL2_LENGTH = 20
#: How long one wait for a frame lasts, so that a duration limit is kept to this.
_POLL_S = 0.1
#: How long a stopped capture waits for the ring's last block: twice the time the kernel
#: keeps a block that is not full
_DRAIN_S = 2 * RETIRE_MS / 1000
#: The socket receive buffer asked for (dumpcap's default -B 2 MiB)
_RCVBUF = 2 << 20


class LiveCaptureError(TcpscopeError, OSError):
    """A live capture that cannot start: no such interface, no privilege, no packet sockets."""


class Statistics(NamedTuple):
    """The kernel's counts for a capture's socket.

    Attributes:
        received: Frames the filter kept (dropped ones among them).
        dropped: Frames dropped because the socket's buffer was full.
    """

    received: int
    dropped: int


def list_interfaces() -> list[str]:
    """The interfaces one can capture on, in the kernel's order, then ``any``."""
    return [name for _, name in sorted(socket.if_nameindex())] + [ANY]


def _hardware_type(interface: str) -> int:
    """The interface's ARPHRD_* type, as the kernel publishes it in sysfs."""
    try:
        with open(f"/sys/class/net/{interface}/type") as f:
            return int(f.read())
    except (OSError, ValueError):
        return -1


_NO_PRIVILEGE = ("capturing needs CAP_NET_RAW (or root), which this process lacks: run it as root, or grant the "
                 "capability to the Python interpreter: sudo setcap cap_net_raw,cap_net_admin=eip {python}")


class LiveCapture:
    """A capture running on one interface (or ``any``): :meth:`frames` gives its frames.

    Raises :class:`LiveCaptureError` for an interface that does not exist or a missing
    privilege, :class:`tcpscope.capture.bpf.CaptureFilterError` for a filter that does
    not compile.
    """

    def __init__(self, interface: str, snaplen: int = DEFAULT_SNAPLEN, capture_filter: str | None = None,
                 promiscuous: bool = True, ring: bool | None = None) -> None:
        self.interface = interface
        self.snaplen = snaplen
        self.cooked = interface == ANY
        ifindex = 0
        if not self.cooked:
            try:
                ifindex = socket.if_nametoindex(interface)
            except OSError:
                raise LiveCaptureError(f"there is no interface named '{interface}' "
                                       f"(tcpscope capture -D lists them)") from None
        linktype = _ARPHRD_LINKTYPE.get(_hardware_type(interface)) if not self.cooked else None
        if linktype is None:  # any, or a link header we do not know: cooked frames
            self.cooked, linktype = True, _LINKTYPE_LINUX_SLL2
        self.linktype = linktype
        self.program: BpfProgram | None = (compile_filter(capture_filter, linktype, snaplen)
                                           if capture_filter else None)
        #: The TPACKET_V3 ring the frames are read from; None: a frame at a time
        self.ring: PacketRing | None = None
        if ring is None:
            ring = os.environ.get("TCPSCOPE_PACKET_RING", "1") != "0"
        self._sock = self._open(ifindex, promiscuous, ring)
        self._counted = Statistics(0, 0)
        self._stopped = False

    def _open(self, ifindex: int, promiscuous: bool, ring: bool) -> socket.socket:
        # Protocol 0 on an interface: nothing is queued before its filter is attached and
        # the socket bound. The cooked socket of any is bound to no interface: it takes
        # every protocol from the start (its filter runs here).
        kind, protocol = (socket.SOCK_DGRAM, socket.htons(_ETH_P_ALL)) if self.cooked else (socket.SOCK_RAW, 0)
        try:
            sock = socket.socket(socket.AF_PACKET, kind, protocol)
        except PermissionError:
            raise LiveCaptureError(_NO_PRIVILEGE.format(python=os.path.realpath(sys.executable))) from None
        except OSError as exc:
            raise LiveCaptureError(f"cannot open a packet socket: {exc.strerror}") from None
        try:
            sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
            sock.setsockopt(_SOL_PACKET, _PACKET_AUXDATA, 1)
            sock.setsockopt(socket.SOL_SOCKET, _SO_RCVBUF, _RCVBUF)
            if self.program is not None and not self.cooked:
                fprog, _keep = socket_filter(self.program)
                sock.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, fprog)
            if promiscuous and ifindex:
                mreq = struct.pack("=iHH8s", ifindex, _PACKET_MR_PROMISC, 0, b"")
                sock.setsockopt(_SOL_PACKET, _PACKET_ADD_MEMBERSHIP, mreq)
            if ring:
                self.ring = _ring_or_none(sock)
            if not self.cooked:
                sock.bind((self.interface, _ETH_P_ALL))
            sock.settimeout(_POLL_S)
        except OSError as exc:
            sock.close()
            raise LiveCaptureError(f"cannot capture on '{self.interface}': {exc.strerror}") from None
        return sock

    def frames(self, count: int | None = None, duration_s: float | None = None) -> Iterator[tuple[int, bytes, int]]:
        """The frames as they come, each as (time in ns, captured bytes, length on the
        wire): ``count`` of them at most, for ``duration_s`` seconds at most, until the
        caller stops, :meth:`stop` is called (from another thread) or the process is
        interrupted."""
        deadline = None if duration_s is None else time.monotonic() + duration_s
        seen = 0
        while (not self._stopped and (count is None or seen < count)
               and (deadline is None or time.monotonic() < deadline)):
            for frame in self._arrived():
                kept = self._kept(frame)
                if kept is None:
                    continue
                seen += 1
                yield frame.time_ns, *kept
                if count is not None and seen >= count:
                    return
        # Stopped: the frames the kernel has put in the ring by then are kept (the blocks
        # handed over, and the one it hands over within its timeout), as the frames a
        # thread busy elsewhere has not read yet; a stop never loses what has arrived.
        if self._stopped and self.ring is not None:
            for frame in self.ring.frames(_DRAIN_S):
                kept = self._kept(frame)
                if kept is not None and (count is None or seen < count):
                    seen += 1
                    yield frame.time_ns, *kept

    def _arrived(self) -> Iterator[RingFrame]:
        """The frames that arrive within one wait: the ring's blocks handed over, or
        one frame read from the socket."""
        if self.ring is not None:
            yield from self.ring.frames(_POLL_S)
            return
        room = self.snaplen if not self.cooked else max(self.snaplen - _SLL2_LENGTH, 0)
        buffer = bytearray(max(room, 1) + 4)
        ancillary = socket.CMSG_SPACE(_TIMESPEC.size) + socket.CMSG_SPACE(_AUXDATA.size)
        try:
            n, ancdata, _flags, address = self._sock.recvmsg_into([buffer], ancillary)
        except TimeoutError:
            return
        yield _received(bytes(buffer[:n]), ancdata, address, self.cooked)

    def _kept(self, frame: RingFrame) -> tuple[bytes, int] | None:
        """The frame as the file holds it, and its length on the wire; None for a frame
        libpcap would not give (one the loopback interface sends, or one the filter of
        ``any`` refuses)."""
        if _looped_back(frame):
            return None
        data, wire = self._frame(frame)
        if self.cooked and self.program is not None and not self.program.matches(data, wire):
            return None
        return data, wire

    def _frame(self, frame: RingFrame) -> tuple[bytes, int]:
        """The frame's bytes kept and its length on the wire: a VLAN tag put back after
        the MAC addresses; the cooked header in front for ``any``."""
        data, wire = frame.data, frame.wire_length
        if self.cooked:
            room = max(self.snaplen - _SLL2_LENGTH, 0)
            return _sll2_header(frame) + data[:room], wire + _SLL2_LENGTH
        data = data[:self.snaplen]
        if frame.status & _TP_STATUS_VLAN_VALID and self.linktype == _LINKTYPE_ETHERNET:
            tpid = frame.vlan_tpid if frame.status & _TP_STATUS_VLAN_TPID_VALID else _ETH_P_8021Q
            data = data[:12] + struct.pack("!HH", tpid, frame.vlan_tci) + data[12:]
            wire += 4
        return data[:self.snaplen], wire

    def stop(self) -> None:
        """End :meth:`frames` within one wait for a frame (what another thread calls)."""
        self._stopped = True

    def statistics(self) -> Statistics:
        """The kernel's counts since the capture started (the kernel resets them each
        time they are read: they are added up here)."""
        packets, drops = _STATS.unpack(self._sock.getsockopt(_SOL_PACKET, _PACKET_STATISTICS, _STATS.size))
        self._counted = Statistics(self._counted.received + packets, self._counted.dropped + drops)
        return self._counted

    def close(self) -> None:
        if self.ring is not None:
            self.ring.close()
        self._sock.close()


def _ring_or_none(sock: socket.socket) -> PacketRing | None:
    """The socket's TPACKET_V3 ring, or None where the kernel refuses it (the socket is
    then read a frame at a time)."""
    try:
        return open_ring(sock)
    except OSError:
        return None


def _looped_back(frame: RingFrame) -> bool:
    """Whether the frame is one the loopback interface sends: libpcap skips those, for
    each comes back in as a frame received."""
    return frame.pkttype == _PACKET_OUTGOING and frame.hatype == _ARPHRD_LOOPBACK


def _ancillary(ancdata: list[tuple[int, int, bytes]]) -> tuple[int | None, bytes | None]:
    """The kernel's time stamp (ns) and the frame's tpacket_auxdata, from recvmsg's
    ancillary data."""
    stamp = aux = None
    for level, kind, value in ancdata:
        if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and len(value) >= _TIMESPEC.size:
            sec, nsec = _TIMESPEC.unpack_from(value)
            stamp = sec * 1_000_000_000 + nsec
        elif level == _SOL_PACKET and kind == _PACKET_AUXDATA and len(value) >= _AUXDATA.size:
            aux = value[:_AUXDATA.size]
    return stamp, aux


def _sll2_header(frame: RingFrame) -> bytes:
    """The Linux cooked v2 header of a frame: protocol, reserved, interface index,
    hardware type, packet type, address length, address."""
    return struct.pack("!HHIHBB8s", frame.protocol, 0, frame.ifindex, frame.hatype, frame.pkttype,
                       len(frame.address), frame.address)


def _received(data: bytes, ancdata: list[tuple[int, int, bytes]], address: tuple[Any, ...],
              cooked: bool) -> RingFrame:
    """A frame read by ``recvmsg``, as the ring would have given it: its time stamp and
    tpacket_auxdata from the ancillary data, the rest from the address (interface name,
    protocol, packet type, hardware type, hardware address)."""
    stamp, aux = _ancillary(ancdata)
    status, wire, tci, tpid = 0, len(data), 0, 0
    if aux is not None:
        status, wire, _snaplen, _mac, _net, tci, tpid = _AUXDATA.unpack(aux)
    name, protocol, pkttype, hatype, hwaddr = address[:5]
    ifindex = 0
    if cooked:  # only the cooked header needs the index
        with contextlib.suppress(OSError):  # an interface gone since: 0
            ifindex = socket.if_nametoindex(str(name))
    hwaddr = hwaddr[:8] if isinstance(hwaddr, bytes) else b""
    return RingFrame(stamp if stamp is not None else time.time_ns(), data, wire, status, tci, tpid,
                     int(protocol), ifindex, int(hatype), int(pkttype), hwaddr)
