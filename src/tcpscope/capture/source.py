"""Bytes of a capture: a memory map of a plain file, or one buffer for a pipe or a gzip.

The only module of tcpscope that opens files. Everything after it sees a read-only
``numpy.uint8`` array over the whole capture, so frame bytes are reached by offset
and never copied per packet.
"""

from __future__ import annotations

import gzip
import mmap
import os
import stat
import sys
import zlib
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from tcpscope.errors import CaptureDamagedError, CaptureError, CaptureNotFoundError

__all__ = ["Source", "read_source"]

GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class Source:
    """The bytes of one capture and the name the user gave for it.

    ``data`` is a read-only view; ``keepalive`` holds the memory map (or the bytes
    object) it views, so the view stays valid as long as this object lives.
    ``compressed`` tells whether the file was gzip-compressed; ``pipe`` whether it
    came from standard input or another non-seekable source.
    """

    name: str
    data: NDArray[np.uint8]
    keepalive: object
    compressed: bool = False
    pipe: bool = False


def _from_bytes(name: str, raw: bytes, pipe: bool) -> Source:
    compressed = raw[:2] == GZIP_MAGIC
    if compressed:
        raw = _gunzip(name, raw)
    return Source(name, np.frombuffer(raw, dtype=np.uint8), raw, compressed, pipe)


def _gunzip(name: str, raw: bytes) -> bytes:
    """Decompress every gzip member; a damaged stream is a damaged capture."""
    try:
        return gzip.decompress(raw)
    except EOFError:
        # A gzip cut short: keep what decompressed, the readers then report a cut-short file.
        d = zlib.decompressobj(zlib.MAX_WBITS | 16)
        return d.decompress(raw)
    except (OSError, zlib.error) as exc:
        raise CaptureDamagedError(name, f"gzip: {exc}") from None


def read_source(path: str | os.PathLike[str] | BinaryIO) -> Source:
    """Open ``path`` (``"-"`` is standard input; a binary file object is read whole).

    Raises :class:`CaptureNotFoundError` for a missing path or a directory, and
    :class:`CaptureError` when the operating system refuses to read it.
    """
    if not isinstance(path, (str, os.PathLike)):
        name = str(getattr(path, "name", "<stream>"))
        return _from_bytes(name, path.read(), pipe=True)
    name = os.fspath(path)
    if name == "-":
        return _from_bytes("-", sys.stdin.buffer.read(), pipe=True)
    try:
        st = os.stat(name)
    except FileNotFoundError:
        raise CaptureNotFoundError(name, f'The file "{name}" doesn\'t exist.') from None
    except OSError as exc:
        raise CaptureError(name, f'The file "{name}" could not be opened: {exc.strerror}.') from None
    if stat.S_ISDIR(st.st_mode):
        raise CaptureNotFoundError(name, f'"{name}" is a directory (folder), not a file.')
    try:
        with open(name, "rb") as fh:
            if not stat.S_ISREG(st.st_mode):
                return _from_bytes(name, fh.read(), pipe=True)
            if st.st_size == 0:
                return Source(name, np.zeros(0, dtype=np.uint8), b"")
            head = fh.read(2)
            if head == GZIP_MAGIC:
                fh.seek(0)
                return _from_bytes(name, fh.read(), pipe=False)
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        raise CaptureError(name, f'The file "{name}" could not be read: {exc.strerror}.') from None
    return Source(name, np.frombuffer(mm, dtype=np.uint8), mm)
