"""pcapng's blocks (draft-ietf-opsawg-pcapng, section 3): the walk that follows them
through a file, as wiretap/pcapng.c reads them one after the other.

:func:`walk_blocks` gives every block's offset, type, length, byte order and the fixed
words a packet block starts with; the reader (:mod:`tcpscope.capture.pcapng`) makes the
records of them. :func:`open_blocks` and :func:`section_head` tell a reader of a stream
which blocks wiretap reads when opening it, and which ones the blocks after a point
need first.
"""

from __future__ import annotations

from typing import Any, NamedTuple

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


class _Section(NamedTuple):
    """What the walk carries from block to block: the section's byte order, and the snaplen
    (-1: no IDB yet) and link type of its first interface, which an SPB's length needs."""

    big: bool
    snap0: int
    link0: int


class _Bounds(NamedTuple):
    """Where the walk may read: ``window`` holds the file's bytes from ``base`` on, the file
    has ``file_end`` bytes, and the walk stops at a block that starts at ``limit``."""

    base: int
    file_end: int
    limit: int


class _Columns(NamedTuple):
    """The walk's output, a row a block: offset, type, rounded length and big-endian (0 or
    1) in ``blocks``, the :data:`HEAD_WORDS` words after the length in ``head``."""

    blocks: NDArray[np.int64]
    head: NDArray[np.uint32]


@helper
def _section_order(window: NDArray[np.uint8], at: Any) -> int:
    """A Section Header Block's byte order from its byte-order magic: 0 little-endian,
    1 big-endian, -1 neither."""
    bom_le = _word(window, at + 8, False)
    if bom_le == BOM:
        return 0
    if bom_le == 0x4D3C2B1A:  # BOM written big-endian
        return 1
    return -1


@helper
def _max_packet(link: Any) -> int:
    """WTAP_MAX_PACKET_SIZE of a link type, as far as an SPB's check needs it (D-Bus, USB and
    others 128 MiB, EBHSCR 8 MiB, else 262144)."""
    if link == 231 or link == 249 or link == 189 or link == 220 or link == 266 or link == 186:  # noqa: PLR1714 (numba)
        return 128 * 1024 * 1024
    if link == 279:
        return 8 * 1024 * 1024
    return 262144


@helper
def _spb_length(window: NDArray[np.uint8], at: Any, blen: Any, sec: _Section) -> Any:
    """The bytes wiretap reads of an SPB (its captured bytes are the packet length cut to
    the first interface's snaplen, then the trailer), or -1 when it refuses the block (no
    interface yet, too short, too long)."""
    cap = _word(window, at + 8, sec.big)
    if sec.snap0 > 0 and cap > sec.snap0:
        cap = sec.snap0
    need = (16 + ((cap + 3) & ~np.int64(3))) & 0xFFFFFFFF
    if sec.snap0 < 0 or blen < need or cap > _max_packet(sec.link0):
        return -1
    return need


@helper
def _next_section(window: NDArray[np.uint8], at: Any, btype: Any, sec: _Section, whole_idb: bool) -> _Section:
    """The state after a block: an SHB starts a section (no interface yet); the section's
    first IDB gives its link type and snaplen (``whole_idb``: its fixed part is there)."""
    if btype == SHB_TYPE:
        return _Section(sec.big, -1, sec.link0)
    if btype == IDB and sec.snap0 < 0 and whole_idb:
        if sec.big:
            link0 = (np.int64(window[at + 8]) << 8) | np.int64(window[at + 9])
        else:
            link0 = (np.int64(window[at + 9]) << 8) | np.int64(window[at + 8])
        return _Section(sec.big, _word(window, at + 12, sec.big), int(link0))
    return sec


@helper
def _stop_before(pos: Any, n: int, room: int, bounds: _Bounds) -> int:
    """Why the walk stops before a block at ``pos`` (the ``n``-th, with ``room`` rows): 0 the
    file ends there, 6 the limit, 1 cut short (not even a type and a length), 7 the output
    is full; -1 when it goes on."""
    if pos == bounds.file_end:
        return 0
    if pos >= bounds.limit:
        return 6
    if bounds.file_end - pos < 8:
        return 1
    if n >= room:
        return 7
    return -1


@helper
def _store_head(row: NDArray[np.uint32], window: NDArray[np.uint8], at: Any, words: Any, big: bool) -> None:
    """A block's head words into ``row``: the first ``words`` read, the others (past the
    file's end) 0."""
    for w in range(HEAD_WORDS):
        row[w] = _word(window, at + 8 + 4 * w, big) if w < words else 0


@helper
def _length_status(blen: Any) -> int:
    """A block length wiretap refuses: 2 larger than :data:`MAX_BLOCK_SIZE`, 3 smaller than
    12 bytes (type, length, trailer); -1 when it is fine."""
    if blen > MAX_BLOCK_SIZE:
        return 2
    if blen < MIN_BLOCK:
        return 3
    return -1


@kernel
def _walk(window: NDArray[np.uint8], bounds: _Bounds, pos: Any, sec: _Section, out: _Columns
          ) -> tuple[Any, Any, Any, Any, Any, _Section]:
    """Follow the blocks from file offset ``pos`` while they are in ``window`` and start
    before ``bounds.limit``, storing offset, type, rounded length, byte order and the
    :data:`HEAD_WORDS` words after the length (in the block's byte order; 0 past the
    file's end).

    Returns (blocks, stop offset, status, value 1, value 2, and the walk's state to go on
    from the stop offset) where the values are the offending lengths (or byte-order magic)
    for the message; status 6 means the next block starts at ``limit`` or is not all in
    the window (value 1: how many bytes it needs), 7 that the output columns are full.

    A block that runs past the end of the file, or whose trailer differs, is stored as
    the last one (status 1 or 5), so that the caller can first make the checks wiretap
    makes while reading it. Lengths are guint32 as in wiretap (rounding up to 4 wraps). An SPB is read as
    wiretap reads it (:func:`_spb_length`), so its trailer sits early when the block is
    longer than that; an SPB wiretap refuses is stored and ends the walk, the caller words
    the complaint.
    """
    file_end = bounds.file_end
    wend = bounds.base + window.shape[0]
    room = out.blocks.shape[0]
    n = 0
    while True:
        stop = _stop_before(pos, n, room, bounds)
        if stop >= 0:
            return n, pos, stop, 0, 0, sec
        head_end = min(file_end, pos + 8 + 4 * HEAD_WORDS)
        if head_end > wend:
            return n, pos, 6, head_end - pos, 0, sec
        at = pos - bounds.base
        if _word(window, at, False) == SHB_TYPE:
            if file_end - pos < 12:
                return n, pos, 1, 0, 0, sec
            order = _section_order(window, at)
            if order < 0:
                return n, pos, 4, _word(window, at + 8, False), 0, sec
            sec = _Section(order == 1, sec.snap0, sec.link0)
        btype = _word(window, at, sec.big)
        blen = ((_word(window, at + 4, sec.big) + 3) & ~np.int64(3)) & 0xFFFFFFFF
        bad_length = _length_status(blen)
        if bad_length >= 0:
            return n, pos, bad_length, blen, btype, sec
        # the block (as far as the file goes) must be in the window
        block_end = min(file_end, pos + blen)
        if block_end > wend:
            return n, pos, 6, block_end - pos, 0, sec
        out.blocks[n, 0] = pos
        out.blocks[n, 1] = btype
        out.blocks[n, 2] = blen
        out.blocks[n, 3] = 1 if sec.big else 0
        _store_head(out.head[n], window, at, (file_end - pos - 8) // 4, sec.big)
        step = blen
        sec = _next_section(window, at, btype, sec, blen >= 20 and file_end - pos >= 16)
        if btype == SPB and blen >= 16 and file_end - pos >= 12:
            step = _spb_length(window, at, blen, sec)
            if step < 0:
                return n + 1, pos + blen, 0, 0, 0, sec
        if file_end - pos < step:
            # the block's header was read: the caller checks what wiretap checks before the rest
            return n + 1, pos, 1, 0, 0, sec
        tr = ((_word(window, at + step - 4, sec.big) + 3) & ~np.int64(3)) & 0xFFFFFFFF
        if tr != blen:
            # the body was read (and checked by the caller) before the trailer
            return n + 1, pos, 5, blen, tr, sec
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
    cols = _Columns(np.empty((room, 4), dtype=np.int64), np.empty((room, HEAD_WORDS), dtype=np.uint32))
    count, pos, state = 0, 0, _Section(False, -1, 0)

    def step(window: NDArray[np.uint8], base: int, limit: int) -> tuple[int, int, int]:
        nonlocal count, pos, state, cols
        while True:
            got, stop, status, v1, v2, after = walk(window, _Bounds(base, end, limit), pos, state,
                                                    _Columns(cols.blocks[count:], cols.head[count:]))
            count += int(got)
            pos, state = int(stop), _Section(bool(after[0]), int(after[1]), int(after[2]))
            if status != FULL:
                return int(status), int(v1), int(v2)
            cols = _Columns(*(np.concatenate([c[:count], np.empty_like(c)]) for c in cols))

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
    blocks = cols.blocks[:count]
    off, btype, blen = (blocks[:, k].copy() for k in range(3))
    return off, btype, blen, blocks[:, 3] != 0, cols.head[:count].copy(), count, pos, status, v1, v2


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
