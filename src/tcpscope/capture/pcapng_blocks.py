"""pcapng's blocks (draft-ietf-opsawg-pcapng, section 3): the walk that follows them
through a file, as wiretap/pcapng.c reads them one after the other.

:func:`walk_blocks` gives every block's offset, type, length, byte order and the fixed
words a packet block starts with; the reader (:mod:`tcpscope.capture.pcapng`) makes the
records of them. :func:`open_blocks` and :func:`section_head` tell a reader of a stream
which blocks wiretap reads when opening it, and which ones the blocks after a point
need first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from tcpscope._jit import helper, kernel
from tcpscope.capture.source import Source

__all__ = [
    "BAD_BOM", "BOM", "CB_COPY", "CB_NO_COPY", "CUT_SHORT", "DSB", "EPB", "FULL", "HEAD_WORDS", "IDB", "ISB",
    "MAX_BLOCK_SIZE", "MIN_BLOCK", "NRB", "OK", "PAUSED", "PB", "SHB_TYPE", "SPB", "TOO_LARGE", "TOO_SMALL",
    "TRAILER", "WINDOW", "open_blocks", "section_head", "walk_blocks",
]

SHB_TYPE = 0x0A0D0D0A
BOM = 0x1A2B3C4D
IDB, PB, SPB, NRB, ISB, EPB, DSB = 1, 2, 3, 4, 5, 6, 0x0A
CB_COPY, CB_NO_COPY = 0x00000BAD, 0x40000BAD
MIN_BLOCK = 12
#: MIN_EPB_SIZE + WTAP_MAX_PACKET_SIZE_DBUS + 131072, wiretap/pcapng.c
MAX_BLOCK_SIZE = 32 + 128 * 1024 * 1024 + 131072

# walk status
OK, CUT_SHORT, TOO_LARGE, TOO_SMALL, BAD_BOM, TRAILER, PAUSED, FULL = 0, 1, 2, 3, 4, 5, 6, 7
#: Bytes of the file read at a time by the block walk.
WINDOW = 1 << 20
#: The 32-bit words of a block after its type and length that the walk keeps (a packet
#: block's fixed fields: interface, time stamp high and low, captured and packet length).
HEAD_WORDS = 5
#: Rows the walk's output columns start with: one per this many bytes of the file, at
#: least MIN_ROOM (they grow when a file has smaller blocks).
BYTES_PER_ROW, MIN_ROOM = 256, 1024


@helper
def _word(data: Any, at: Any, big: bool) -> Any:
    """The 32-bit unsigned number at ``data[at:at+4]`` in the file's byte order (a copy in
    each module whose kernels call it: numba's cache tracks only the kernel's own file)."""
    b0 = np.int64(data[at])
    b1 = np.int64(data[at + 1])
    b2 = np.int64(data[at + 2])
    b3 = np.int64(data[at + 3])
    if big:
        return (b0 << 24) | (b1 << 16) | (b2 << 8) | b3
    return (b3 << 24) | (b2 << 16) | (b1 << 8) | b0


@helper
def _store(n: Any, pos: Any, btype: Any, blen: Any, big: Any, out_off: Any, out_type: Any, out_len: Any,
           out_big: Any) -> None:
    out_off[n] = pos
    out_type[n] = btype
    out_len[n] = blen
    out_big[n] = big


@kernel
def _walk(
    window: NDArray[np.uint8],
    base: Any,
    file_end: Any,
    pos: Any,
    limit: Any,
    big: Any,
    snap0: Any,
    link0: Any,
    out_off: NDArray[np.int64],
    out_type: NDArray[np.int64],
    out_len: NDArray[np.int64],
    out_big: NDArray[np.bool_],
    out_head: NDArray[np.uint32],
) -> tuple[Any, Any, Any, Any, Any, Any, Any, Any]:
    """Follow the blocks from file offset ``pos`` while they are in ``window`` (the file's
    bytes from offset ``base`` on; the file has ``file_end`` bytes) and start before
    ``limit``, storing offset, type, rounded length, byte order and the
    :data:`HEAD_WORDS` words after the length (in the block's byte order; 0 past the
    file's end).

    Returns (blocks, stop offset, status, value 1, value 2, and the walk's state to go on
    from the stop offset: the section's byte order, the snaplen and link type of its
    first interface) where the values are the offending lengths (or byte-order magic)
    for the message; status 6 means the next block starts at ``limit`` or is not all in
    the window (value 1: how many bytes it needs), 7 that the output columns are full.

    A block that runs past the end of the file, or whose trailer differs, is stored as
    the last one (status 1 or 5), so that the caller can first make the checks wiretap
    makes while reading it. Lengths are guint32 as in wiretap (rounding up to 4 wraps). An SPB is read as
    wiretap reads it: only its captured bytes (packet length cut to the snaplen of the
    section's first interface), then the trailer, which therefore sits early when the
    block is longer than that; an SPB wiretap refuses (no interface, too short, too
    long) is stored and ends the walk, the caller words the complaint.
    """
    wend = base + window.shape[0]
    room = out_off.shape[0]
    n = 0
    # big: the section's byte order; snap0: snaplen of its first IDB (-1: none yet)
    while True:
        if pos == file_end:
            return n, pos, 0, 0, 0, big, snap0, link0
        if pos >= limit:
            return n, pos, 6, 0, 0, big, snap0, link0
        if file_end - pos < 8:
            return n, pos, 1, 0, 0, big, snap0, link0
        if n >= room:
            return n, pos, 7, 0, 0, big, snap0, link0
        head_end = min(file_end, pos + 8 + 4 * HEAD_WORDS)
        if head_end > wend:
            return n, pos, 6, head_end - pos, 0, big, snap0, link0
        at = pos - base
        t_le = _word(window, at, False)
        if t_le == SHB_TYPE:
            if file_end - pos < 12:
                return n, pos, 1, 0, 0, big, snap0, link0
            bom_le = _word(window, at + 8, False)
            if bom_le == BOM:
                big = False
            elif bom_le == 0x4D3C2B1A:  # BOM written big-endian
                big = True
            else:
                return n, pos, 4, bom_le, 0, big, snap0, link0
        btype = _word(window, at, big)
        blen = _word(window, at + 4, big)
        blen = ((blen + 3) & ~np.int64(3)) & 0xFFFFFFFF
        if blen > 32 + 128 * 1024 * 1024 + 131072:
            return n, pos, 2, blen, btype, big, snap0, link0
        if blen < 12:
            return n, pos, 3, blen, btype, big, snap0, link0
        # the block (as far as the file goes) must be in the window
        block_end = min(file_end, pos + blen)
        if block_end > wend:
            return n, pos, 6, block_end - pos, 0, big, snap0, link0
        for w in range(HEAD_WORDS):
            q = at + 8 + 4 * w
            out_head[n, w] = _word(window, q, big) if pos + 8 + 4 * w + 4 <= file_end else 0
        step = blen
        if btype == 0x0A0D0D0A:
            snap0 = -1
        elif btype == 1 and snap0 < 0 and blen >= 20 and file_end - pos >= 16:
            if big:
                link0 = (np.int64(window[at + 8]) << 8) | np.int64(window[at + 9])
            else:
                link0 = (np.int64(window[at + 9]) << 8) | np.int64(window[at + 8])
            snap0 = _word(window, at + 12, big)
        elif btype == 3 and blen >= 16 and file_end - pos >= 12:
            cap = _word(window, at + 8, big)
            if snap0 > 0 and cap > snap0:
                cap = snap0
            need = (16 + ((cap + 3) & ~np.int64(3))) & 0xFFFFFFFF
            most = 262144
            if link0 == 231 or link0 == 249 or link0 == 189 or link0 == 220 or link0 == 266 or link0 == 186:  # noqa: PLR1714 (numba)
                most = 128 * 1024 * 1024
            elif link0 == 279:
                most = 8 * 1024 * 1024
            if snap0 < 0 or blen < need or cap > most:
                _store(n, pos, btype, blen, big, out_off, out_type, out_len, out_big)
                return n + 1, pos + blen, 0, 0, 0, big, snap0, link0
            step = need
        if file_end - pos < step:
            # the block's header was read: the caller checks what wiretap checks before the rest
            _store(n, pos, btype, blen, big, out_off, out_type, out_len, out_big)
            return n + 1, pos, 1, 0, 0, big, snap0, link0
        tr = _word(window, at + step - 4, big)
        tr = ((tr + 3) & ~np.int64(3)) & 0xFFFFFFFF
        _store(n, pos, btype, blen, big, out_off, out_type, out_len, out_big)
        if tr != blen:
            # the body was read (and checked by the caller) before the trailer
            return n + 1, pos, 5, blen, tr, big, snap0, link0
        n += 1
        pos += step


def walk_blocks(src: Source) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_],
                                        NDArray[np.uint32], int, int, int, int, int]:
    """Every block of the file, as far as :func:`_walk` goes: offsets, types, lengths, byte
    orders and head words (cut to the count), the count, and where and why the walk stopped
    (offset, status, values for the message).

    A file is read :data:`WINDOW` bytes at a time into one buffer (``pread``), not through
    its memory map, so the walk faults none of its pages in; a block longer than the
    window is walked through the map. The output columns grow as needed (a block takes
    at least 12 bytes, but a capture's blocks are usually hundreds).
    """
    data = src.data
    end = int(data.shape[0])
    walk = _walk.pick(max(1, end // 256))
    room = min(end // MIN_BLOCK + 2, max(MIN_ROOM, end // BYTES_PER_ROW))
    cols = _columns(room)
    count, pos, state = 0, 0, (False, -1, 0)

    def step(window: NDArray[np.uint8], base: int, limit: int) -> tuple[int, int, int]:
        nonlocal count, pos, state, cols
        while True:
            got, stop, status, v1, v2, *rest = walk(window, base, end, pos, limit, *state,
                                                    *(c[count:] for c in cols))
            count += int(got)
            pos, state = int(stop), (bool(rest[0]), int(rest[1]), int(rest[2]))
            if status != FULL:
                return int(status), int(v1), int(v2)
            cols = [np.concatenate([c[:count], np.empty((c.shape[0], *c.shape[1:]), dtype=c.dtype)])
                    for c in cols]

    with src.reader() as read_at:
        if read_at is None:  # the bytes are in memory
            status, v1, v2 = step(data, 0, end + 1)
        else:
            buf = np.empty(WINDOW, dtype=np.uint8)
            while True:
                before = pos
                status, v1, v2 = step(buf[:read_at(buf, pos)], pos, end + 1)
                if status != PAUSED:
                    break
                if pos == before:  # a block longer than the window: through the map
                    status, v1, v2 = step(data, 0, pos + 1)
                    src.release(before, pos)
                    if status != PAUSED:
                        break
    off, btype, blen, big, head = (c[:count].copy() for c in cols)
    return off, btype, blen, big, head, count, pos, status, v1, v2


def _columns(room: int) -> list[NDArray[Any]]:
    """Empty output columns of :func:`_walk` for ``room`` blocks."""
    return [np.empty(room, dtype=np.int64), np.empty(room, dtype=np.int64), np.empty(room, dtype=np.int64),
            np.empty(room, dtype=np.bool_), np.empty((room, HEAD_WORDS), dtype=np.uint32)]


def open_blocks(btype: NDArray[np.int64]) -> int:
    """How many blocks wiretap reads while opening the file: the first SHB and the IDBs after it."""
    n = 1
    while n < btype.shape[0] and btype[n] == IDB:
        n += 1
    return n


def section_head(src: Source) -> bytes:
    """The last Section Header Block among ``src``'s whole blocks and the Interface
    Description Blocks after it: what a reader of the blocks that follow needs first
    (their byte order, and the interfaces their packets name)."""
    off, btype, blen, *_ = walk_blocks(src)
    shb = np.flatnonzero(btype == SHB_TYPE)
    if shb.shape[0] == 0:
        return b""
    first = int(shb[-1])
    keep = [first, *(np.flatnonzero(btype[first + 1:] == IDB) + first + 1).tolist()]
    return b"".join(bytes(src.data[int(off[i]) : int(off[i] + blen[i])]) for i in keep)
