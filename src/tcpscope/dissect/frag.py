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

import numpy as np
from numpy.typing import NDArray

from tcpscope._types import Array

__all__ = ["Fragments", "Reassembled", "reassemble"]


@dataclass
class Fragments:
    """Fragments seen while dissecting, in chunks (one per dissector call)."""

    chunks: list[dict[str, Array]] = field(
        default_factory=list
    )
    buf_ids: list[int] = field(default_factory=list)

    def add(self, *, pkt: NDArray[np.int64], key: NDArray[np.int64], offset: NDArray[np.int64],
            start: NDArray[np.int64], length: NDArray[np.int64], more: NDArray[np.bool_],
            nxt: NDArray[np.int8], buf_id: int) -> None:
        self.chunks.append({"pkt": pkt, "key": key, "offset": offset, "start": start,
                            "length": length, "more": more, "nxt": nxt})
        self.buf_ids.append(buf_id)

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
    waiting: NDArray[np.int64]  # frames whose fragment did not complete a datagram
    #: per datagram, the frame of its first fragment and the frame that completed it (-1: none yet)
    spans: NDArray[np.int64] = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))


def reassemble(frags: Fragments, buffers: list[NDArray[np.uint8]]) -> Reassembled:
    """Replay the fragments in frame order and build the completed datagrams."""
    rows: list[tuple[int, tuple[int, ...], int, int, int, bool, int, int]] = []
    for chunk, bid in zip(frags.chunks, frags.buf_ids, strict=False):
        keys = chunk["key"]
        for j in range(chunk["pkt"].shape[0]):
            rows.append((
                int(chunk["pkt"][j]), tuple(int(x) for x in keys[j]), int(chunk["offset"][j]),
                int(chunk["start"][j]), int(chunk["length"][j]), bool(chunk["more"][j]),
                int(chunk["nxt"][j]), bid,
            ))
    rows.sort(key=lambda r: r[0])
    open_: dict[tuple[int, ...], list[tuple[int, int, int, int]]] = {}
    first: dict[tuple[int, ...], int] = {}
    spans: list[tuple[int, int]] = []
    total: dict[tuple[int, ...], int] = {}
    out_pkt: list[int] = []
    out_start: list[int] = []
    out_len: list[int] = []
    out_nxt: list[int] = []
    waiting: list[int] = []
    parts: list[bytes] = []
    pos = 0
    # per datagram: the bytes present from offset 0 on, and the fragments past a gap (a
    # heap by offset), so that each fragment is looked at once more, not every time
    covered: dict[tuple[int, ...], int] = {}
    later: dict[tuple[int, ...], list[tuple[int, int]]] = {}
    for pkt, key, off, start, length, more, nxt, bid in rows:
        pieces = open_.setdefault(key, [])
        first.setdefault(key, pkt)
        pieces.append((off, start, length, bid))
        if not more:
            total[key] = off + length
        cov = covered.get(key, 0)
        gaps = later.setdefault(key, [])
        if off <= cov:
            cov = max(cov, off + length)
            while gaps and gaps[0][0] <= cov:
                o, ln = heapq.heappop(gaps)
                cov = max(cov, o + ln)
        else:
            heapq.heappush(gaps, (off, length))
        covered[key] = cov
        size = total.get(key)
        complete = size is not None and cov >= size
        if not complete:
            waiting.append(pkt)
            continue
        assert size is not None
        # fragment_add_work: in offset order (ties in arrival order) each fragment adds only the
        # bytes past those already there, so where fragments overlap the first one's bytes win
        payload = bytearray(size)
        done = 0
        for o, s, ln, b in sorted(pieces, key=lambda p: p[0]):
            end = min(o + ln, size)
            if end > done:
                payload[done:end] = bytes(buffers[b][s + done - o : s + end - o])
                done = end
        del open_[key]
        del total[key]
        del covered[key]
        del later[key]
        spans.append((first.pop(key), pkt))
        out_pkt.append(pkt)
        out_start.append(pos)
        out_len.append(size)
        out_nxt.append(nxt)
        parts.append(bytes(payload))
        pos += size
    data = np.frombuffer(b"".join(parts), dtype=np.uint8) if parts else np.zeros(0, np.uint8)
    return Reassembled(
        pkt=np.array(out_pkt, dtype=np.int64),
        start=np.array(out_start, dtype=np.int64),
        length=np.array(out_len, dtype=np.int64),
        nxt=np.array(out_nxt, dtype=np.int8),
        data=data,
        waiting=np.array(waiting, dtype=np.int64),
        spans=np.array(spans + [(f, -1) for f in first.values()], dtype=np.int64).reshape(-1, 2),
    )
