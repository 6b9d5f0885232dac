"""A ``TPACKET_V3`` receive ring on a packet socket: the kernel writes frames into memory
this process maps, a block of them at a time, and hands each block over by a status word.

The ring (``PACKET_RX_RING``, ``packet(7)``, Documentation/networking/packet_mmap.rst) is
:data:`BLOCK_COUNT` blocks of :data:`BLOCK_SIZE` bytes, mapped once with ``mmap``. The
kernel fills a block with frames, each behind a ``tpacket3_hdr`` (its time stamp in
seconds and nanoseconds, the bytes captured, the length on the wire, the link header's
offset, a VLAN tag the driver took off) and a ``sockaddr_ll`` (the interface, the packet
type, the source's hardware address), then gives it to user space by setting
``TP_STATUS_USER`` in the block's header: when it is full, or when it has waited
:data:`RETIRE_MS` with frames in it. Here the block's frames are read, and the block is
given back by writing ``TP_STATUS_KERNEL``. When every block is held here, the kernel
drops frames and counts them (``PACKET_STATISTICS``).

No compiled extension: the structures are read with :mod:`struct` from the ``mmap``.
:func:`open_ring` raises ``OSError`` when the kernel refuses the ring; the caller then
reads the socket a frame at a time.
"""

from __future__ import annotations

import mmap
import select
import socket
import struct
from collections.abc import Iterator
from typing import NamedTuple

__all__ = ["BLOCK_COUNT", "BLOCK_SIZE", "RETIRE_MS", "PacketRing", "RingFrame", "open_ring"]

# linux/if_packet.h
_SOL_PACKET = 263
_PACKET_RX_RING = 5
_PACKET_VERSION = 10
_TPACKET_V3 = 2
#: A block's status: the kernel's to fill, or the user's to read
_TP_STATUS_KERNEL = 0
_TP_STATUS_USER = 1

#: The size of one block: a power of two of pages that holds the longest frame a
#: packet socket takes (64 KiB after the drivers' segment offloads) with room to spare
BLOCK_SIZE = 1 << 18
#: How many blocks: 16 MiB in all. Sparse traffic fills a block a timeout at a time, so
#: the count is what a reader held up elsewhere (a busy machine, a thread waiting for
#: the interpreter) can fall behind before the kernel drops: 64 timeouts, 3.2 s
BLOCK_COUNT = 64
#: The frame size the kernel asks for with TPACKET_V3: frames are packed in a block at
#: any size; this only has to divide the block size (TPACKET_ALIGNMENT'ed)
_FRAME_SIZE = 2048
#: How long the kernel keeps a block that has frames but is not full before handing it
#: over: what a live view waits at most for a frame
RETIRE_MS = 50

#: struct tpacket_req3: block size, block count, frame size, frame count, retire
#: timeout (ms), private bytes per block, feature request word
_REQ3 = struct.Struct("=IIIIIII")
#: struct tpacket_block_desc up to its hdr_v1's offset_to_first_pkt: version,
#: offset_to_priv, block_status, num_pkts, offset_to_first_pkt
_BLOCK = struct.Struct("=IIIII")
_BLOCK_STATUS = 8
#: struct tpacket3_hdr: next offset, sec, nsec, snaplen, len, status, mac, net,
#: hv1's rxhash, vlan_tci, vlan_tpid
_FRAME = struct.Struct("=IIIIIIHHIIH")
#: TPACKET_ALIGN(sizeof(struct tpacket3_hdr)): where the frame's sockaddr_ll starts
_SOCKADDR_AT = 48
#: struct sockaddr_ll: family, protocol (big-endian), ifindex, hatype, pkttype, halen, addr
_SOCKADDR = struct.Struct("=H2siHBB8s")


class RingFrame(NamedTuple):
    """One frame as the ring gives it.

    Attributes:
        time_ns: The kernel's time stamp, in nanoseconds since the epoch.
        data: The bytes captured (from the link header, or from the network header on a
            ``SOCK_DGRAM`` socket).
        wire_length: The frame's length on the wire (without a VLAN tag taken off).
        status: ``tp_status`` (``TP_STATUS_VLAN_VALID`` and friends).
        vlan_tci: The VLAN tag taken off, valid with ``TP_STATUS_VLAN_VALID``.
        vlan_tpid: Its TPID, valid with ``TP_STATUS_VLAN_TPID_VALID``.
        protocol: sockaddr_ll's protocol (the EtherType, as a number).
        ifindex: The interface it came in or went out on.
        hatype: The interface's ARPHRD_* type.
        pkttype: To us, broadcast, multicast, to another host, or sent by us.
        address: The source's hardware address (``halen`` bytes).
    """

    time_ns: int
    data: bytes
    wire_length: int
    status: int
    vlan_tci: int
    vlan_tpid: int
    protocol: int
    ifindex: int
    hatype: int
    pkttype: int
    address: bytes


class PacketRing:
    """The mapped ring of one packet socket: :meth:`frames` reads its blocks in turn."""

    def __init__(self, sock: socket.socket, memory: mmap.mmap) -> None:
        self._sock = sock
        self._memory = memory
        self._block = 0
        self._poll = select.poll()
        self._poll.register(sock.fileno(), select.POLLIN | select.POLLERR)

    def frames(self, wait_s: float) -> Iterator[RingFrame]:
        """The frames of the blocks the kernel has handed over, after waiting at most
        ``wait_s`` for the first of them. A block's frames are copied out and the block
        given back before they are handed on, so that a caller that stops midway leaves
        no block half read."""
        if not self._ready():
            self._poll.poll(int(wait_s * 1000))
        while self._ready():
            base = self._block * BLOCK_SIZE
            frames = self._block_frames(base)
            self._memory[base + _BLOCK_STATUS:base + _BLOCK_STATUS + 4] = struct.pack("=I", _TP_STATUS_KERNEL)
            self._block = (self._block + 1) % BLOCK_COUNT
            yield from frames

    def _ready(self) -> bool:
        """Whether the block next in turn is the user's."""
        status: int = struct.unpack_from("=I", self._memory, self._block * BLOCK_SIZE + _BLOCK_STATUS)[0]
        return bool(status & _TP_STATUS_USER)

    def _block_frames(self, base: int) -> list[RingFrame]:
        """The frames of the block at ``base``, each followed by the next's offset."""
        memory = self._memory
        frames = []
        _version, _priv, _status, count, first = _BLOCK.unpack_from(memory, base)
        at = base + first
        for _ in range(count):
            nxt, sec, nsec, snaplen, wire, status, mac, _net, _hash, tci, tpid = _FRAME.unpack_from(memory, at)
            _family, protocol, ifindex, hatype, pkttype, halen, address = _SOCKADDR.unpack_from(
                memory, at + _SOCKADDR_AT)
            frames.append(RingFrame(sec * 1_000_000_000 + nsec, memory[at + mac:at + mac + snaplen], wire, status, tci,
                            tpid, int.from_bytes(protocol, "big"), ifindex, hatype, pkttype, address[:min(halen, 8)]))
            at += nxt
        return frames

    def close(self) -> None:
        self._poll.unregister(self._sock.fileno())
        self._memory.close()


def open_ring(sock: socket.socket) -> PacketRing:
    """Set ``sock`` to TPACKET_V3 and map a receive ring on it (before it is bound, so
    that no frame is read by the socket's queue instead). ``OSError`` when the kernel
    refuses either."""
    sock.setsockopt(_SOL_PACKET, _PACKET_VERSION, _TPACKET_V3)
    frames = BLOCK_SIZE // _FRAME_SIZE * BLOCK_COUNT
    sock.setsockopt(_SOL_PACKET, _PACKET_RX_RING, _REQ3.pack(BLOCK_SIZE, BLOCK_COUNT, _FRAME_SIZE, frames,
                                                             RETIRE_MS, 0, 0))
    memory = mmap.mmap(sock.fileno(), BLOCK_SIZE * BLOCK_COUNT, mmap.MAP_SHARED,
                       mmap.PROT_READ | mmap.PROT_WRITE)
    return PacketRing(sock, memory)
