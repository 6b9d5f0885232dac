"""IP fragment reassembly in capture order, as Wireshark's reassemble.c does on the first pass.

Fragments with the same key (IPv4: source, destination and ``protocol ^ identification``,
with the VLAN ID for private addresses; IPv6: source, destination, identification)
collect until the last fragment (MF clear) has fixed the datagram's length and every byte up to it is present; the frame in which
that happens carries the reassembled payload and its upper layer. The payloads are
copied, in offset order, into a new buffer that the dissectors then walk like the
capture's own bytes. A completed datagram leaves the table, so a later fragment with
the same key starts a new one. Fragments are few, so this runs as ordinary Python, each
fragment looked at a bounded number of times (a datagram that never completes costs
no more than one that does).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = ["FragmentRows", "Fragments", "Reassembled", "reassemble"]


@dataclass(frozen=True)
class FragmentRows:
    """Fragments found by one dissector call: per fragment its frame, reassembly key (a
    row), offset in the datagram, where its payload starts in buffer ``buf_id`` and its
    length, whether more fragments follow (MF), and the protocol the datagram carries."""

    pkt: NDArray[np.int64]
    key: NDArray[np.int64]
    offset: NDArray[np.int64]
    start: NDArray[np.int64]
    length: NDArray[np.int64]
    more: NDArray[np.bool_]
    nxt: NDArray[np.int8]
    buf_id: int
    version: int = 4  # the IP version of the fragments' headers


@dataclass
class Fragments:
    """Fragments seen while dissecting, in chunks (one per dissector call)."""

    chunks: list[FragmentRows] = field(default_factory=list)

    def add(self, rows: FragmentRows) -> None:
        self.chunks.append(rows)

    def __bool__(self) -> bool:
        return bool(self.chunks)


@dataclass(frozen=True)
class Reassembled:
    """Datagrams completed by some frames: where each payload sits in ``data``."""

    pkt: NDArray[np.int64]
    start: NDArray[np.int64]
    length: NDArray[np.int64]
    nxt: NDArray[np.int8]
    data: NDArray[np.uint8]
    version: NDArray[np.int8]  # the IP version of each datagram (tshark's "Reassembled IPv4"/"IPv6")
    waiting: NDArray[np.int64]  # frames whose fragment did not complete a datagram
    #: per datagram, the frame of its first fragment and the frame that completed it (-1: none yet)
    spans: NDArray[np.int64] = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))


class _Fragment(NamedTuple):
    """One fragment (see :class:`FragmentRows`), its key as a tuple."""

    pkt: int
    key: tuple[int, ...]
    offset: int
    start: int
    length: int
    more: bool
    nxt: int
    buf_id: int
    version: int


def _in_frame_order(frags: Fragments) -> list[_Fragment]:
    rows: list[_Fragment] = []
    for chunk in frags.chunks:
        for j in range(chunk.pkt.shape[0]):
            rows.append(_Fragment(
                int(chunk.pkt[j]), tuple(int(x) for x in chunk.key[j]), int(chunk.offset[j]), int(chunk.start[j]),
                int(chunk.length[j]), bool(chunk.more[j]), int(chunk.nxt[j]), chunk.buf_id, chunk.version,
            ))
    rows.sort(key=lambda r: r.pkt)
    return rows


def _payload(pieces: list[_Fragment], size: int, buffers: list[NDArray[np.uint8]]) -> bytes:
    """fragment_add_work: in offset order (ties in arrival order) each fragment adds only the
    bytes past those already there, so where fragments overlap the first one's bytes win."""
    payload = bytearray(size)
    done = 0
    for f in sorted(pieces, key=lambda p: p.offset):
        end = min(f.offset + f.length, size)
        if end > done:
            payload[done:end] = bytes(buffers[f.buf_id][f.start + done - f.offset : f.start + end - f.offset])
            done = end
    return bytes(payload)


@dataclass
class _Datagram:
    """A datagram being reassembled: its fragments so far, the frame of its first, its
    length once the last fragment (MF clear) has fixed it, the bytes present from offset
    0 on, and the fragments past a gap (a heap by offset), so that each fragment is
    looked at once more, not every time."""

    first: int
    pieces: list[_Fragment] = field(default_factory=list)
    size: int | None = None
    covered: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)

    def add(self, f: _Fragment) -> bool:
        """Add fragment ``f``; returns whether the datagram is complete."""
        self.pieces.append(f)
        if not f.more:
            self.size = f.offset + f.length
        if f.offset <= self.covered:
            self.covered = max(self.covered, f.offset + f.length)
            while self.gaps and self.gaps[0][0] <= self.covered:
                o, ln = heapq.heappop(self.gaps)
                self.covered = max(self.covered, o + ln)
        else:
            heapq.heappush(self.gaps, (f.offset, f.length))
        return self.size is not None and self.covered >= self.size


def reassemble(frags: Fragments, buffers: list[NDArray[np.uint8]]) -> Reassembled:
    """Replay the fragments in frame order and build the completed datagrams."""
    open_: dict[tuple[int, ...], _Datagram] = {}
    spans: list[tuple[int, int]] = []
    done: list[_Fragment] = []  # the fragment that completed each datagram
    waiting: list[int] = []
    parts: list[bytes] = []
    for f in _in_frame_order(frags):
        dgram = open_.setdefault(f.key, _Datagram(f.pkt))
        if not dgram.add(f):
            waiting.append(f.pkt)
            continue
        assert dgram.size is not None
        del open_[f.key]
        spans.append((dgram.first, f.pkt))
        done.append(f)
        parts.append(_payload(dgram.pieces, dgram.size, buffers))
    sizes = np.array([len(p) for p in parts], dtype=np.int64)
    starts = np.zeros(sizes.shape[0], dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    data = np.frombuffer(b"".join(parts), dtype=np.uint8) if parts else np.zeros(0, np.uint8)
    return Reassembled(
        pkt=np.array([f.pkt for f in done], dtype=np.int64),
        start=starts,
        length=sizes,
        nxt=np.array([f.nxt for f in done], dtype=np.int8),
        data=data,
        version=np.array([f.version for f in done], dtype=np.int8),
        waiting=np.array(waiting, dtype=np.int64),
        spans=np.array(spans + [(d.first, -1) for d in open_.values()], dtype=np.int64).reshape(-1, 2),
    )
