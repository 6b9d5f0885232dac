"""Bytes of a capture: a memory map of a plain file, or one buffer for a pipe or a gzip.

The only module of tcpscope that opens files. Everything after it sees a read-only
``numpy.uint8`` array over the whole capture, so frame bytes are reached by offset
and never copied per packet.
"""

from __future__ import annotations

import mmap
import os
import stat
import sys
import weakref
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from tcpscope.errors import CaptureError, CaptureNotFoundError, file_description

__all__ = ["FileMap", "Source", "gunzip", "read_source", "release_range", "source_of_bytes"]

GZIP_MAGIC = b"\x1f\x8b"


class FileMap(mmap.mmap):
    """A read-only memory map of a capture file, and what reads its bytes safely.

    A file can shrink while it is mapped (a tcpdump ring buffer starts a file over): a
    read through the map past the file's new end raises SIGBUS, which kills the process.
    So the frames' bytes are read with :meth:`pread` into a buffer (which stops at the
    end of the file), and the map serves only what is read before the frames. The
    smallest size such a read found is ``shrunk_to`` (None: the file has not shrunk).
    """

    fd: int
    shrunk_to: int | None

    @classmethod
    def of(cls, fh: BinaryIO) -> FileMap:
        """The map of the open file ``fh``, with a descriptor of its own (closed with the map)."""
        mm = cls(fh.fileno(), 0, access=mmap.ACCESS_READ)
        mm.fd = os.dup(fh.fileno())
        mm.shrunk_to = None
        weakref.finalize(mm, os.close, mm.fd)
        return mm

    def read_into(self, buf: NDArray[np.uint8], pos: int) -> int:
        """Read the file's bytes from ``pos`` into ``buf`` (``pread``); returns how many it read,
        fewer than ``buf`` holds where the file ends."""
        got = 0
        size = buf.shape[0]
        while got < size:
            n = os.preadv(self.fd, [buf[got:].data], pos + got)
            if n <= 0:
                break
            got += n
        return got

    def pread(self, start: int, stop: int) -> NDArray[np.uint8]:
        """The file's bytes ``[start, stop)``, fewer when the file ends before ``stop``
        now (noted in ``shrunk_to``)."""
        buf = np.empty(max(0, stop - start), dtype=np.uint8)
        got = self.read_into(buf, start)
        if got < buf.shape[0]:
            end = start + got
            self.shrunk_to = end if self.shrunk_to is None else min(self.shrunk_to, end)
            return buf[:got]
        return buf


@dataclass(frozen=True, slots=True)
class Source:
    """The bytes of one capture and the name the user gave for it.

    ``data`` is a read-only view; ``keepalive`` holds the memory map (or the bytes
    object) it views, so the view stays valid as long as this object lives.
    ``compressed`` tells whether the file was gzip-compressed; ``pipe`` whether it
    came from standard input or another non-seekable source. ``stream_error`` is what
    stopped the decompression after ``data``: ``("decompress", zlib's message)`` or
    ``("cut-short", None)``; the reader reports it where it needs bytes past ``data``.
    """

    name: str
    data: NDArray[np.uint8]
    keepalive: object
    compressed: bool = False
    pipe: bool = False
    stream_error: tuple[str, str | None] | None = None

    @contextmanager
    def reader(self) -> Iterator[Callable[[NDArray[np.uint8], int], int] | None]:
        """A function that reads the file's bytes at an offset into a buffer (``pread``),
        returning how many it read, for a memory-mapped file; None for a buffer.

        Reading a header at a time through the map would fault each page of the file into
        this process; a pass that only needs some bytes of every page (the record walk)
        reads them into one small buffer instead, as ``dd`` does.
        """
        yield self.keepalive.read_into if isinstance(self.keepalive, FileMap) else None

    def release(self, start: int, stop: int) -> None:
        """Let the OS drop this process's resident copy of the file's pages in ``[start, stop)``.

        Only whole pages inside the range are released, and only when ``data`` maps a
        file; the mapping stays valid and a later read takes the bytes from the page
        cache again (madvise ``MADV_DONTNEED`` on a shared read-only map).
        """
        release_range(self.keepalive, start, stop)


def release_range(keepalive: object, start: int, stop: int) -> None:
    """``Source.release`` for any memory map (see there); a no-op for other buffers."""
    if not isinstance(keepalive, mmap.mmap) or not hasattr(mmap, "MADV_DONTNEED"):
        return
    page = mmap.PAGESIZE
    lo = -(-start // page) * page
    hi = min(stop, len(keepalive)) // page * page
    if hi > lo:
        keepalive.madvise(mmap.MADV_DONTNEED, lo, hi - lo)


def source_of_bytes(name: str, raw: bytes, pipe: bool) -> Source:
    """A capture held in memory (``pipe``: it came through a pipe), gunzipped when it starts like gzip."""
    compressed = raw[:2] == GZIP_MAGIC
    error = None
    if compressed:
        raw, error = gunzip(raw)
    return Source(name, np.frombuffer(raw, dtype=np.uint8), raw, compressed, pipe, error)


def gunzip(raw: bytes) -> tuple[bytes, tuple[str, str | None] | None]:
    """Decompress as wiretap's file_wrappers.c does, keeping what came before a failure.

    Members follow one another; bytes after a member that do not start another one are
    passed through uncompressed. A damaged deflate stream, a bad CRC or length in a
    member's trailer, an unknown method or reserved flags stop the stream with zlib's
    or wiretap's message; input that ends inside a member stops it as cut short.
    """
    out: list[bytes] = []
    pos = 0
    n = len(raw)
    while pos < n:
        if raw[pos : pos + 2] != GZIP_MAGIC:
            out.append(raw[pos:])
            break
        start = _member_header(raw, pos)
        if isinstance(start, tuple):
            return b"".join(out), start
        d = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            data = d.decompress(raw[start:])
        except zlib.error as exc:
            out.append(_before_error(raw[start:]))
            return b"".join(out), ("decompress", _zlib_message(exc))
        out.append(data)
        tail = d.unused_data
        if not d.eof or len(tail) < 8:
            return b"".join(out), ("cut-short", None)
        crc, size = int.from_bytes(tail[:4], "little"), int.from_bytes(tail[4:8], "little")
        if crc != zlib.crc32(data):
            return b"".join(out), ("decompress", "bad CRC")
        if size != len(data) & 0xFFFFFFFF:
            return b"".join(out), ("decompress", "length field wrong")
        pos = n - len(tail) + 8
    return b"".join(out), None


def _member_header(raw: bytes, pos: int) -> int | tuple[str, str | None]:
    """Where a gzip member's deflate data starts, or why its header cannot be read."""
    n = len(raw)
    if n - pos < 10:
        return ("cut-short", None)
    if raw[pos + 2] != 8:
        return ("decompress", "unknown compression method")
    flags = raw[pos + 3]
    if flags & 0xE0:
        return ("decompress", "reserved flag bits set")
    p = pos + 10
    if flags & 4:
        if n - p < 2:
            return ("cut-short", None)
        p += 2 + int.from_bytes(raw[p : p + 2], "little")
    for bit in (8, 16):  # file name, comment: zero-terminated
        if flags & bit:
            z = raw.find(b"\0", p)
            if z < 0:
                return ("cut-short", None)
            p = z + 1
    if flags & 2:
        p += 2
    if p > n:
        return ("cut-short", None)
    return p


def _before_error(deflated: bytes) -> bytes:
    """All that inflates before the byte zlib refuses (the longest prefix that raises nothing)."""
    lo, hi = 0, len(deflated)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            zlib.decompressobj(-zlib.MAX_WBITS).decompress(deflated[:mid])
        except zlib.error:
            hi = mid - 1
        else:
            lo = mid
    return zlib.decompressobj(-zlib.MAX_WBITS).decompress(deflated[:lo])


def _zlib_message(exc: zlib.error) -> str:
    """zlib's own words (strm->msg), without Python's "Error -3 while decompressing data: "."""
    text = str(exc)
    return text.split(": ", 1)[1] if ": " in text else text


def read_source(path: str | os.PathLike[str] | BinaryIO) -> Source:
    """Open ``path`` (``"-"`` is standard input; a binary file object is read whole).

    Raises :class:`CaptureNotFoundError` for a missing path or a directory, and
    :class:`CaptureError` when the operating system refuses to read it.
    """
    if not isinstance(path, (str, os.PathLike)):
        name = str(getattr(path, "name", "<stream>"))
        return source_of_bytes(name, path.read(), pipe=True)
    name = os.fspath(path)
    if name == "-":
        return source_of_bytes("-", sys.stdin.buffer.read(), pipe=True)
    try:
        st = os.stat(name)
    except FileNotFoundError:
        raise CaptureNotFoundError(name, f"The {file_description(name)} doesn't exist.") from None
    except OSError as exc:
        raise CaptureError(name, f"The {file_description(name)} could not be opened: {exc.strerror}.") from None
    if stat.S_ISDIR(st.st_mode):
        raise CaptureNotFoundError(name, f'"{name}" is a directory (folder), not a file.')
    try:
        with open(name, "rb") as fh:
            if not stat.S_ISREG(st.st_mode):
                return source_of_bytes(name, fh.read(), pipe=True)
            if st.st_size == 0:
                return Source(name, np.zeros(0, dtype=np.uint8), b"")
            head = fh.read(2)
            if head == GZIP_MAGIC:
                fh.seek(0)
                return source_of_bytes(name, fh.read(), pipe=False)
            mm = FileMap.of(fh)
    except CaptureError:  # the bytes' own complaint (an OSError too), not the file's
        raise
    except OSError as exc:
        raise CaptureError(name, f"The {file_description(name)} could not be read: {exc.strerror}.") from None
    return Source(name, np.frombuffer(mm, dtype=np.uint8), mm)
