"""``tcpscope serve -i IFACE``: the browser UI on a live capture, its session growing as
the packets arrive.

The capture (:class:`tcpscope.capture.live.LiveCapture`) runs in a thread that writes
its pcapng blocks (:class:`tcpscope.capture.live_pcapng.PcapngWriter`) both into a pipe
and into a file in a private temporary directory, as dumpcap would write it:

* the packet list reads the pipe, as ``tcpscope live`` does (``tcpscope.scan`` of a
  pipe gives a piece as soon as the pipe is quiet for a moment): its rows, with the TCP
  analysis carried from piece to piece, are made once each as the frames come;
* what needs the whole analysed capture (display filters, the details, the flow graph,
  Follow, the conversations, the expert summary) reads a snapshot of the file: the
  complete blocks written so far, opened with ``tcpscope.open``, taken again while
  frames keep coming, at most every :data:`REFRESH_S` (and never more often than twice
  the time the last snapshot took to open, so that a long capture is not re-read
  without pause). The answers kept for the older snapshot are forgotten then. The
  analysis is one pass, as tshark's, so a frame's row, details and stream number stay
  what they were from snapshot to snapshot; the list shows the frames of the latest
  snapshot, so that every row shown can be selected.

The capture stops when the server does; :meth:`LiveSession.stop` returns the frames
captured and the kernel's counts, for dumpcap's closing lines.
"""

from __future__ import annotations

import io
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

import tcpscope
from tcpscope.capture.live import LiveCapture, Statistics
from tcpscope.capture.live_pcapng import PcapngWriter
from tcpscope.errors import TcpscopeError
from tcpscope.web.session import Session

if TYPE_CHECKING:
    from tcpscope._types import Index

__all__ = ["REFRESH_S", "LiveSession"]

#: The shortest time between two snapshots of the analysed capture (seconds)
REFRESH_S = 1.0


class _Both:
    """Writes each block into the pipe and the file; :attr:`complete` counts the bytes
    of the file that end with a whole block."""

    def __init__(self, pipe: BinaryIO, file: BinaryIO) -> None:
        self.pipe, self.file = pipe, file
        self.complete = 0
        self.pipe_open = True

    def write(self, data: bytes) -> int:
        if self.pipe_open:
            try:
                self.pipe.write(data)
            except BrokenPipeError:  # the list stopped reading (an error): the file goes on
                self.pipe_open = False
        return self.file.write(data)

    def flush(self) -> None:
        """After a whole block: both flushed, the file's complete length moved on."""
        if self.pipe_open:
            try:
                self.pipe.flush()
            except BrokenPipeError:
                self.pipe_open = False
        self.file.flush()
        self.complete = self.file.tell()


class LiveSession(Session):
    """A session on ``live``'s frames (see the module docstring)."""

    def __init__(self, live: LiveCapture, capture_filter: str | None) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="tcpscope-live-"))
        super().__init__(self._dir / "live.pcapng", f"{live.interface} (live)")
        self._live = live
        self._filter = capture_filter
        read_end, self._write_end = os.pipe()
        self.listed = f"/dev/fd/{read_end}"
        self._read_end = read_end
        self._out: _Both | None = None
        self._snapshot_bytes = 0
        self._snapshot_frames = 0
        self.captured = 0
        self.counts = Statistics(0, 0)
        self._capturing = threading.Thread(target=self._record, name="live capture", daemon=True)

    def start(self) -> None:
        """The capture, the list reading its pipe, and the snapshots once rows come."""
        self._capturing.start()
        super().start()

    def _record(self) -> None:
        start = time.time_ns()
        with os.fdopen(self._write_end, "wb") as pipe, self.path.open("wb") as file:
            out = self._out = _Both(pipe, file)
            live = self._live
            writer = PcapngWriter(out, live.interface, live.linktype, live.snaplen, self._filter)
            out.flush()
            for stamp, data, wire in live.frames():
                writer.packet(stamp, data, wire)
                out.flush()
                self.captured += 1
            self.counts = live.statistics()
            writer.statistics(start, time.time_ns(), self.counts.received, self.counts.dropped)
            out.flush()

    def stop(self) -> tuple[int, Statistics]:
        """Stop the capture (its file finished, the list's pipe closed): the frames
        captured and the kernel's counts."""
        self._live.stop()
        self._capturing.join()
        self._live.close()
        return self.captured, self.counts

    def close(self) -> None:
        """Remove the capture's file (after :meth:`stop`)."""
        self.path.unlink(missing_ok=True)
        self._dir.rmdir()

    # -- the snapshots ---------------------------------------------------------------------

    def _read_capture(self) -> None:
        """Take a snapshot whenever the file has grown, until the capture has stopped and
        the last one is taken."""
        while True:
            out = self._out
            written = out.complete if out is not None else 0
            last = not self._capturing.is_alive()
            took = 0.0
            if written > self._snapshot_bytes:
                began = time.monotonic()
                self._snapshot(written)
                took = time.monotonic() - began
            if last and (self._out is None or self._out.complete == self._snapshot_bytes):
                return
            time.sleep(max(REFRESH_S, 2 * took))

    def _snapshot(self, written: int) -> None:
        with self.path.open("rb") as f:
            data = f.read(written)
        try:
            fresh = tcpscope.open(io.BytesIO(data))
        except TcpscopeError as exc:
            self.error = str(exc)
            self._loaded.set()
            return
        with self._lock, self._tree_lock:
            self._capture = fresh
            self._snapshot_bytes, self._snapshot_frames = written, len(fresh)
            for kept in (self._displayed, self._margins, self._cache, self._trees):
                kept.clear()
        self._loaded.set()

    def displayed(self, display_filter: str) -> Index:
        """Without a filter: the frames of the latest snapshot that have their row."""
        if display_filter.strip():
            return super().displayed(display_filter)
        shown = min(self.rows.count, self._snapshot_frames)
        return np.arange(shown, dtype=np.int64)
