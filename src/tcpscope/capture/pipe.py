"""A capture arriving through a pipe, handed on a batch of records at a time as its bytes come.

``tcpdump -w - | tcpscope fields -`` should print each packet soon after tcpdump writes
it, as tshark does, and a capture of any length should pass through in bounded memory.
So a pipe (``-``, a FIFO) is not read to its end first: its bytes are gathered until
:data:`BATCH_BYTES` have come or the pipe has been quiet for :data:`QUIET_S`, and the
whole records among them are read by the file's own reader (:mod:`~tcpscope.capture.pcap`
or :mod:`~tcpscope.capture.pcapng`) as a capture of their own: the bytes of a record
still arriving wait for the next batch. Each batch is read with what a reader needs
first: the pcap file header, or the pcapng section header and interface blocks in force
(:func:`~tcpscope.capture.pcapng.section_head`). The batches number their frames and
keep their times as one capture (``Records.first_frame``, ``ts_first``, ``ts_before``).

Damage ends the stream where the whole-file reader would end it, with the same message;
the last batch carries it in ``Records.warnings``. A gzip-compressed stream, or one that
is neither pcap nor pcapng, is read to its end and handed on whole (what the whole-file
reader says of it, it says here). A regular file is read whole, as
:func:`~tcpscope.capture.read_records` reads it.
"""

from __future__ import annotations

import os
import select
import stat
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import BinaryIO, cast

import numpy as np

from tcpscope._jit import job
from tcpscope.capture.files import capture_files, read_file_batches
from tcpscope.capture.pcap import MAGICS, file_header_length
from tcpscope.capture.pcapng_blocks import SHB_TYPE, open_blocks, section_head, walk_blocks
from tcpscope.capture.reader import read_capture_bytes, read_records, records_of
from tcpscope.capture.records import LINKTYPE_NONE, Records
from tcpscope.capture.source import GZIP_MAGIC, Source, source_of_bytes
from tcpscope.errors import CaptureCutShortError, CaptureError, CaptureWarning, NotACaptureError

__all__ = ["BATCH_BYTES", "QUIET_S", "read_batches"]

#: Bytes of whole records gathered before a batch is handed on, however busy the pipe.
BATCH_BYTES = 16 << 20
#: Seconds the pipe may stay quiet before the records gathered so far are handed on.
QUIET_S = 0.05
#: Bytes of a pcapng stream's opening blocks (section header, interfaces) held at most
#: before its first other block.
OPENING_BYTES = 64 << 20
#: Bytes asked of the pipe at a time.
READ_BYTES = 1 << 20
#: Bytes of a stream that is neither a capture nor gzip read before it is judged (what
#: tells other formats apart is at their start): ``/dev/zero`` must not fill the memory.
UNKNOWN_BYTES = 4 << 20


def read_batches(path: str | os.PathLike[str] | BinaryIO | Sequence[str | os.PathLike[str]],
                 upto: int | None = None) -> Iterator[tuple[Records, bool]]:
    """The capture's records as ``(batch, last)`` pairs: a pipe's a batch at a time as its
    bytes come (see the module docstring), several files' (or a directory's) a file at a
    time (``capture.files``), anything else in one batch (``upto``: its first ``upto``
    records only, :func:`~tcpscope.capture.read_records`)."""
    if isinstance(path, (str, os.PathLike, list, tuple)):
        files = capture_files(path)
        if files is not None:
            yield from read_file_batches(files)
            return
    if isinstance(path, (str, os.PathLike)):
        name = os.fspath(path)
        fd = _pipe(name)
        if fd is not None:
            try:
                yield from _Batches(fd, name).run()
            finally:
                if name != "-":
                    os.close(fd)
            return
    one = path[0] if isinstance(path, (list, tuple)) else path  # one path in a list
    yield read_records(cast("str | os.PathLike[str] | BinaryIO", one), upto), True


def _pipe(path: str) -> int | None:
    """A descriptor to read ``path`` from when it is a pipe (``-`` or a FIFO) or a
    character device; None for a regular file or a missing one."""
    if path == "-":
        return sys.stdin.buffer.fileno()
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # read_records words the complaint
    if not (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
        return None
    try:
        return os.open(path, os.O_RDONLY)
    except OSError:
        return None


class _Batches:
    """The state of one pipe's reading: the buffer the next batch's bytes arrive in (what a
    reader needs first, then the bytes not yet read as records), and what the batches so
    far said of the capture."""

    def __init__(self, fd: int, name: str) -> None:
        self.fd, self.name = fd, name
        self.buf = np.empty(BATCH_BYTES + READ_BYTES, dtype=np.uint8)
        self.used = 0  # bytes in buf
        self.head = b""  # the pcap file header, or the pcapng section header and interfaces
        self.eof = False
        self.frames = 0
        self.ts_first: int | None = None
        self.ts_before: int | None = None
        self.pcapng = False

    @property
    def pending(self) -> int:
        """Bytes in the buffer after the head."""
        return self.used - len(self.head)

    def _read(self) -> None:
        """Read what the pipe has (blocking until it has something), into the buffer; a
        buffer full of one record still arriving grows."""
        if self.used == self.buf.shape[0]:
            bigger = np.empty(2 * self.used, dtype=np.uint8)
            bigger[: self.used] = self.buf[: self.used]
            self.buf = bigger
        got = os.readv(self.fd, [self.buf[self.used : self.used + READ_BYTES].data])
        self.used += got
        self.eof = got == 0

    def _quiet(self) -> bool:
        """Whether nothing more comes within QUIET_S."""
        try:
            ready, _, _ = select.select([self.fd], [], [], QUIET_S)
        except (OSError, ValueError):  # not selectable: read on, batches by size
            return False
        return not ready

    def run(self) -> Iterator[tuple[Records, bool]]:
        while self.used < 4 and not self.eof:
            self._read()
        magic = int.from_bytes(self.buf[:4].tobytes(), "little") if self.used >= 4 else -1
        if magic not in MAGICS and magic != SHB_TYPE:
            # gzip: the whole stream; not a capture tcpscope can read a batch at a time: its start
            gzip = self.buf[:2].tobytes() == GZIP_MAGIC
            while not self.eof and (gzip or self.used < UNKNOWN_BYTES):
                self._read()
            yield records_of(source_of_bytes(self.name, self.buf[: self.used].tobytes(), pipe=True)), True
            return
        self.pcapng = magic == SHB_TYPE
        while True:
            if self.eof:
                yield self._last(), True
                return
            if self.pending >= BATCH_BYTES or (self.pending and self._quiet()):
                batch = self._batch()
                if batch is not None:
                    records, last = batch
                    if len(records) or last:
                        yield records, last
                    if last:
                        return
            self._read()

    def _source(self) -> Source:
        data = self.buf[: self.used]
        return Source(self.name, data, self.buf, pipe=True)

    def _hand_on(self, whole: int) -> None:
        """The buffer's first ``whole`` bytes went into a batch: the next batch's bytes go
        into a new buffer, after the head, from the first byte not yet read as a record."""
        rest = self.buf[whole : self.used]
        buf = np.empty(max(BATCH_BYTES + READ_BYTES, 2 * (len(self.head) + rest.shape[0])), dtype=np.uint8)
        buf[: len(self.head)] = np.frombuffer(self.head, dtype=np.uint8)
        buf[len(self.head) : len(self.head) + rest.shape[0]] = rest
        self.buf, self.used = buf, len(self.head) + rest.shape[0]

    def _numbered(self, records: Records) -> Records:
        """``records`` numbered and timed as frames of the whole stream: a pcapng custom
        block before the batch's first packet keeps the time of the record before it, in
        the batch before (wiretap leaves the time in place)."""
        n = len(records)
        if n and self.ts_before is not None and records.linktype[0] == LINKTYPE_NONE:
            packets = np.flatnonzero(records.linktype != LINKTYPE_NONE)
            lead = int(packets[0]) if packets.shape[0] else n
            ts = records.ts_ns.copy()
            ts[:lead] = self.ts_before
            records = replace(records, ts_ns=ts)
        if n and self.ts_first is None:
            self.ts_first = int(records.ts_ns[0])
        out = replace(records, first_frame=self.frames, ts_first=self.ts_first if self.frames else None,
                      ts_before=self.ts_before)
        self.frames += n
        if n:
            self.ts_before = int(records.ts_ns[-1])
        return out

    def _batch(self) -> tuple[Records, bool] | None:
        """The whole records among the bytes so far (None: none yet, wait for more), and
        whether the stream ends with them (damage)."""
        src = self._source()
        try:
            with job(self.frames):  # a long stream's batches are read compiled, however small
                records = read_capture_bytes(src)
        except (CaptureCutShortError, NotACaptureError):
            return None  # the header (or the record after it) is still arriving
        except CaptureError as exc:
            if not self.frames and not self.head:
                raise
            return self._numbered(self._damaged(src, exc)), True
        warnings = records.warnings
        if warnings and (len(warnings) > 1 or warnings[0].kind != "cut-short"):
            return self._numbered(records), True
        whole = warnings[0].offset if warnings else self.used
        if not self.frames and self.pcapng and self._opening(src, whole):
            # only the blocks wiretap reads when it opens a file so far: keep them, so
            # that damage in the interface blocks still to come is an error opening the
            # stream, as it is opening the file
            return None
        records = replace(records, read_warnings=())
        if self.pcapng:
            with job(self.frames):
                self.head = section_head(replace(src, data=src.data[:whole])) or self.head
        elif not self.head:
            kind = MAGICS[int.from_bytes(src.data[:4].tobytes(), "little")][1]
            self.head = src.data[: file_header_length(kind)].tobytes()
        self._hand_on(whole)
        return self._numbered(records), False

    def _opening(self, src: Source, whole: int) -> bool:
        """Whether the whole blocks among the first ``whole`` bytes are only the first
        section header and the interface blocks right after it (and fewer than
        OPENING_BYTES of them: past that, a stream of interface blocks is read on)."""
        if whole >= OPENING_BYTES:
            return False
        with job(self.frames):
            btype = walk_blocks(replace(src, data=src.data[:whole]))[1]
        return bool(btype.shape[0] <= open_blocks(btype))

    def _last(self) -> Records:
        """The records of the bytes left when the stream has ended, with what stopped it."""
        src = self._source()
        if not self.frames and not self.head:
            return self._numbered(records_of(src))
        try:
            with job(self.frames):
                records = read_capture_bytes(src)
        except CaptureError as exc:
            records = self._damaged(src, exc)
        return self._numbered(records)

    def _damaged(self, src: Source, exc: CaptureError) -> Records:
        """No more records: what the reader said of the bytes after the last batch (read
        with the header in force, so as an error opening a file), as the warning the
        whole-file reader gives when records come before them."""
        if isinstance(exc, CaptureCutShortError):
            warning = CaptureWarning.cut_short(self.name, len(self.head))
        else:
            warning = CaptureWarning("damaged", str(exc), len(self.head))
        return replace(Records.empty(self.name, "pcapng" if self.pcapng else "pcap", src.data, src.keepalive),
                       read_warnings=(warning,))

