"""The headers-only pass: each frame's TCP header as the stream numbering needs it.

``tcp.stream`` needs every TCP header of the capture (its key, direction, flags,
sequence and acknowledgment numbers: :mod:`tcpscope.analysis.numbering`), not the
dissection of every frame. :func:`plain_headers` reads them in one compiled pass over
the frames of the commonest stacks, as the dissectors' fast path finds them
(:mod:`tcpscope.dissect.kernels`: Ethernet II with at most one 802.1Q tag, Linux cooked
or raw IP; IPv4 with a 20-byte header, not a fragment, or IPv6 without extension
headers; then TCP), whose TCP fixed header is captured whole, with a header length of at
least 20 bytes and no longer than the segment: such a frame has exactly one ``tcp`` row,
read to its end, with a known segment length. Every other frame (*other*: no TCP, a
tunnel, an IP fragment or option, a header cut short...) is dissected whole by the
caller (:mod:`tcpscope.pipeline.focus`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tcpscope._jit import job, kernel
from tcpscope._types import Array, Index
from tcpscope.analysis.conversations import AT_IPV4, AT_IPV6, endpoints_of
from tcpscope.analysis.keys import KeyIds
from tcpscope.capture.records import Records
from tcpscope.capture.source import FileMap
from tcpscope.dissect.fastpath import eligible_frames
from tcpscope.dissect.kernels import _ip_header, _network, _u16, _u32

__all__ = ["HELPER_MODULES", "HELPER_MODULES_DIGEST", "PlainHeaders", "plain_headers"]

#: The module whose helpers the kernel compiles in, and the digest of its source (numba's
#: cache knows only this file; tests/pipeline/test_focus.py checks it).
HELPER_MODULES = ("tcpscope.dissect.kernels",)
HELPER_MODULES_DIGEST = "ba8caa4f754753c2"

#: Frames read a batch at a time (their bytes read from a file into one buffer, used again).
BATCH_FRAMES = 1 << 14

#: The columns of :func:`_headers`' number rows.
COL_SPORT, COL_DPORT, COL_SEQ, COL_ACK, COL_FLAGS = range(5)


@kernel
def _headers(data: Any, offset: Any, caplen: Any, wirelen: Any, link: Any, at: Any, version: Any, addr: Any,  # noqa: PLR0913, PLR0917 -- a numba kernel takes its arrays one by one
             nums: Any) -> int:
    """The frames whose TCP header is a plain one (module docstring), among those whose
    ``link`` kind the fast path takes, one row each from row 0 on: the frame's index
    (``at``), its IP version (``version``), addresses (``addr``: the source's four 32-bit
    words, then the destination's; IPv4 in the first) and numbers (``nums``: the columns
    ``COL_SPORT``...). Returns how many."""
    j = 0
    for i in range(offset.shape[0]):
        if link[i] == 0:
            continue
        o = offset[i]
        cap = caplen[i]
        net, lh = _network(data, o, cap, link[i])
        if net == 0:
            continue
        ip = o + lh
        iph, tot = _ip_header(data, ip, net, max(min(wirelen[i], 0x7FFFFFFF), cap) - lh)
        if iph == 0:
            continue
        tcp = ip + iph
        avail = min(cap - lh, tot) - iph
        hlen = (np.int64(data[tcp + 12]) >> 4) * 4
        if avail < 20 or hlen < 20 or tot - iph < hlen:
            continue  # cut short, a bogus header length, a short segment
        at[j] = i
        version[j] = net
        words = 1 if net == 4 else 4
        src = ip + (12 if net == 4 else 8)
        for w in range(4):
            addr[j, w] = _u32(data, src + 4 * w) if w < words else 0
            addr[j, 4 + w] = _u32(data, src + 4 * words + 4 * w) if w < words else 0
        nums[j, COL_SPORT] = _u16(data, tcp)
        nums[j, COL_DPORT] = _u16(data, tcp + 2)
        nums[j, COL_SEQ] = _u32(data, tcp + 4)
        nums[j, COL_ACK] = _u32(data, tcp + 8)
        nums[j, COL_FLAGS] = _u16(data, tcp + 12) & 0x0FFF
        j += 1
    return j


@dataclass(frozen=True)
class PlainHeaders:
    """What :func:`plain_headers` read: per frame whether its TCP header is a plain one
    (``plain``), and for those frames (``frames``, 0-based, increasing) their key id,
    flow (``analysis.conversations``), flags, raw sequence and acknowledgment numbers."""

    plain: Array
    frames: Index
    key: Index
    flow: Array
    flags: Array
    seq: Array
    ack: Array


def _words(w: Array, first: int) -> tuple[Array, Array]:
    """Columns ``first`` to ``first + 3`` of ``w`` (32-bit words) as two 64-bit words."""
    u = w.astype(np.uint64)
    return (u[:, first] << np.uint64(32)) | u[:, first + 1], (u[:, first + 2] << np.uint64(32)) | u[:, first + 3]


class _Scratch:
    """The kernel's outputs for one batch of frames, used again batch after batch (fresh
    arrays for every batch cost the system a page fault for each page they fill)."""

    def __init__(self, size: int) -> None:
        self.at = np.zeros(size, dtype=np.int64)
        self.version = np.zeros(size, dtype=np.int8)
        self.addr = np.zeros((size, 8), dtype=np.int64)
        self.nums = np.zeros((size, 5), dtype=np.int64)
        self.buf = np.zeros(0, dtype=np.uint8)


def plain_headers(records: Records, ids: KeyIds) -> PlainHeaders:
    """The plain TCP headers of ``records`` (module docstring), a batch of frames at a
    time; their keys are ids of ``ids``."""
    n = len(records)
    link = eligible_frames(records)
    frames = np.empty(n, dtype=np.int64)
    key = np.empty(n, dtype=np.int64)
    flow = np.empty(n, dtype=np.int8)
    flags = np.empty(n, dtype=np.uint16)
    seq = np.empty(n, dtype=np.uint32)
    ack = np.empty(n, dtype=np.uint32)
    mm = records.keepalive
    scratch = _Scratch(min(n, BATCH_FRAMES))
    m = 0
    for lo in range(0, n, BATCH_FRAMES):
        hi = min(n, lo + BATCH_FRAMES)
        data, offset = records.data, records.offset[lo:hi]
        if isinstance(mm, FileMap):  # (read into one buffer, batch after batch: never through the map)
            start = int(offset[0])
            size = int(offset[-1] + records.caplen[hi - 1]) - start
            if scratch.buf.shape[0] < size:
                scratch.buf = np.empty(size, dtype=np.uint8)
            got = mm.read_into(scratch.buf[:size], start)
            data, offset = scratch.buf, offset - start
            hi = lo + int(np.searchsorted(offset + records.caplen[lo:hi], got, side="right"))  # (the file has shrunk)
            offset = offset[: hi - lo]
        k = hi - lo
        t = int(_headers.run(n, data, offset, records.caplen[lo:hi], records.wirelen[lo:hi], link[lo:hi],
                             scratch.at[:k], scratch.version[:k], scratch.addr[:k], scratch.nums[:k]))
        a, c = scratch.addr[:t], scratch.nums[:t]
        atype = np.where(scratch.version[:t] == 6, AT_IPV6, AT_IPV4).astype(np.int8)
        with job(n):  # (the key table's kernel, compiled as for the whole capture)
            ends_lo, ends_hi, flow[m:m + t] = endpoints_of(_words(a, 0), _words(a, 4), atype, c[:, COL_SPORT],
                                                           c[:, COL_DPORT], ids)
            key[m:m + t] = ids.pairs.ids(ends_lo, ends_hi)
        frames[m:m + t] = scratch.at[:t] + lo
        flags[m:m + t], seq[m:m + t], ack[m:m + t] = c[:, COL_FLAGS], c[:, COL_SEQ], c[:, COL_ACK]
        m += t
    plain = np.zeros(n, dtype=np.bool_)
    plain[frames[:m]] = True
    return PlainHeaders(plain, frames[:m], key[:m], flow[:m], flags[:m], seq[:m], ack[:m])
