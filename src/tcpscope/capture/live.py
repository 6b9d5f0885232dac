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

The kernel's counters (``PACKET_STATISTICS``: frames queued, frames dropped because the
socket's buffer was full) are read when the capture ends. Each frame is read by its own
system call: enough for a terminal's capture; a ``TPACKET_V3`` ring is the next step
for line rate.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
import time
from collections.abc import Iterator
from typing import NamedTuple

from tcpscope.capture.bpf import BpfProgram, compile_filter, socket_filter
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
                 promiscuous: bool = True) -> None:
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
        self._sock = self._open(ifindex, promiscuous)
        self._counted = Statistics(0, 0)
        self._stopped = False

    def _open(self, ifindex: int, promiscuous: bool) -> socket.socket:
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
        room = self.snaplen if not self.cooked else max(self.snaplen - _SLL2_LENGTH, 0)
        buffer = bytearray(max(room, 1) + 4)
        ancillary = socket.CMSG_SPACE(_TIMESPEC.size) + socket.CMSG_SPACE(_AUXDATA.size)
        seen = 0
        while (not self._stopped and (count is None or seen < count)
               and (deadline is None or time.monotonic() < deadline)):
            try:
                n, ancdata, _flags, address = self._sock.recvmsg_into([buffer], ancillary)
            except TimeoutError:
                continue
            if _looped_back(address):
                continue
            stamp, aux = _ancillary(ancdata)
            data, wire = self._frame(bytes(buffer[:min(n, room)]), aux, address)
            if self.cooked and self.program is not None and not self.program.matches(data, wire):
                continue
            seen += 1
            yield stamp if stamp is not None else time.time_ns(), data, wire

    def _frame(self, data: bytes, aux: bytes | None, address: tuple[object, ...]) -> tuple[bytes, int]:
        """The frame as the file holds it, and its length on the wire: a VLAN tag put
        back after the MAC addresses; the cooked header in front for ``any``."""
        status, wire = (_AUXDATA.unpack(aux)[:2]) if aux is not None else (0, len(data))
        if self.cooked:
            return _sll2_header(address) + data, wire + _SLL2_LENGTH
        if status & _TP_STATUS_VLAN_VALID and self.linktype == _LINKTYPE_ETHERNET:
            _s, _l, _sn, _mac, _net, tci, tpid = _AUXDATA.unpack(aux or b"")
            tpid = tpid if status & _TP_STATUS_VLAN_TPID_VALID else _ETH_P_8021Q
            data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
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
        self._sock.close()


def _looped_back(address: tuple[object, ...]) -> bool:
    """Whether the frame is one the loopback interface sends: libpcap skips those, for
    each comes back in as a frame received (recvmsg's address: interface, protocol,
    packet type, hardware type, ...)."""
    return address[2] == _PACKET_OUTGOING and address[3] == _ARPHRD_LOOPBACK


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


def _sll2_header(address: tuple[object, ...]) -> bytes:
    """The Linux cooked v2 header of a frame received on ``address`` (recvmsg's
    ``(interface, protocol, packet type, hardware type, hardware address)``): protocol,
    reserved, interface index, hardware type, packet type, address length, address."""
    name, protocol, pkttype, hatype, hwaddr = address[:5]
    hwaddr = hwaddr if isinstance(hwaddr, bytes) else b""
    try:
        ifindex = socket.if_nametoindex(str(name))
    except OSError:  # gone since
        ifindex = 0
    return struct.pack("!HHIHBB8s", protocol, 0, ifindex, hatype, pkttype, min(len(hwaddr), 8), hwaddr[:8])
