"""A capture a piece at a time: dissect, analyse and print some frames, then the next ones.

``tcpscope fields`` needs nothing from a frame's successors: tshark prints each frame
after one pass over the frames before it. So the capture is cut into pieces of
:data:`PIECE_FRAMES` frames; each is dissected on its own (``Records.frames``), given
to one :class:`~tcpscope.analysis.TcpAnalyzer` that carries the conversations from
piece to piece, filtered, printed and dropped. Memory stays that of one piece and the
analysis state, whatever the capture's size, and each piece's arrays stay warm in the
processor's caches.

One thing does cross frames forward: IP reassembly. A piece ends before the first
fragment of any datagram it does not complete (the datagram's frames are dissected
again with the next piece); a datagram that never completes makes the pieces after its
first fragment one, to the end of the capture, as a whole-file dissection would.

A capture coming through a pipe arrives in batches (``capture.read_batches``), each cut
into pieces the same way; the frames from the first fragment a batch leaves open are
joined to the next batch, up to :data:`HOLD_FRAMES` of them (past that they are printed
without the rest of their datagram, so that a live capture's output never stops for good).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from itertools import chain
from typing import BinaryIO, Literal

import numpy as np

from tcpscope._jit import job, raise_job
from tcpscope.analysis import TcpAnalyzer
from tcpscope.analysis.fields import may_use_accecn
from tcpscope.capture.records import Records
from tcpscope.dissect.pipeline import FRAG_SPANS, dissect
from tcpscope.errors import CaptureWarning
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef
from tcpscope.views.fields import FieldsOptions, write_fields

__all__ = ["HOLD_FRAMES", "PIECE_FRAMES", "PIECE_FRAMES_ANALYSED", "TableStream", "pieces", "stream_fields"]

#: Frames dissected and printed together: enough for the per-piece work in Python to be
#: small beside the arrays', few enough for two pieces to stay a small part of the memory.
PIECE_FRAMES = 1 << 15
#: The same when the TCP analysis runs: its state (every conversation, every segment
#: waiting for its ACK) grows with the capture, so the pieces give it room.
PIECE_FRAMES_ANALYSED = 1 << 14
#: Frames of a pipe's batches that may wait for the rest of a datagram they leave open;
#: past this many they are printed as they are (a datagram that never completes must not
#: stop a live capture's output).
HOLD_FRAMES = 1 << 17


def _complete_prefix(table: PacketTable) -> int:
    """How many leading frames of ``table`` hold no fragment of a datagram left open after
    them (all of them when it has no fragments)."""
    spans = table.frame_cols.get(FRAG_SPANS)
    end = table.n
    if spans is None or spans.shape[0] == 0:
        return end
    first = np.asarray(spans[:, 0], dtype=np.int64)
    done = np.asarray(spans[:, 1], dtype=np.int64)
    while True:
        open_at_end = (first < end) & ((done < 0) | (done >= end))
        if not open_at_end.any():
            return end
        end = int(first[open_at_end].min())


def pieces(records: Records, size: int | None = None, last: bool = True) -> Iterator[PacketTable]:
    """The capture's frames dissected ``size`` (default :data:`PIECE_FRAMES`) at a time, in
    order (see the module docstring).

    ``last``: no frames follow these. Otherwise the frames from the first fragment of a
    datagram they leave open are not dissected: they wait for the frames that follow
    (``Records.join``), as a piece's would.
    """
    size = PIECE_FRAMES if size is None else size
    n = len(records)
    if n == 0:  # still a table: the header, and what the fields say of no frames
        yield dissect(records)
        return
    lo = 0
    hi = min(n, lo + size)
    while lo < n:
        table = dissect(records.frames(lo, hi))
        keep = table.n if hi == n and last else _complete_prefix(table)
        if keep == 0:  # a datagram open from the first frame on: take twice the frames
            if hi == n:  # (doubling: a datagram that never completes costs twice its frames, not their square)
                return
            hi = min(n, lo + 2 * (hi - lo))
            continue
        if keep < table.n:
            table = dissect(records.frames(lo, lo + keep))
        yield table
        lo += keep
        hi = min(n, lo + size)


def _caught_up(records: Records, upto: int) -> TcpAnalyzer:
    """An analyzer that has seen the frames before ``upto``."""
    analyzer = TcpAnalyzer()
    if upto:
        for table in pieces(records.frames(0, upto)):
            analyzer.feed(table)
    return analyzer


class TableStream:
    """A capture's pieces, dissected, analysed and filtered, in order: iterate for
    ``(table, mask)`` (``mask``: a boolean per frame, those the filter keeps; None for all).

    ``batches``: the capture's records, ``(records, last)`` (``capture.read_batches``):
    one batch for a file, a batch at a time as they come through a pipe. Frames of a
    datagram a batch leaves open wait for the next one (``Records.join``), unless
    :data:`HOLD_FRAMES` frames wait already.

    ``analyze``: run the TCP analysis (True), or ``"accecn"``: only from the first piece
    where a conversation may use AccECN (``may_use_accecn``; the fields that need the
    analysis only for that), after replaying the frames before it into the analysis
    (from a pipe, whose frames are gone once printed, from the first frame);
    ``select`` gives the frames of a piece to keep (a display filter's mask);
    ``progress`` hears the fraction of frames done after each piece (of a file read whole).

    After the first piece, ``whole`` says whether the capture came in one batch (then
    ``n`` is its frame count); after the last, ``warnings`` holds the reader's. Iterate
    inside a ``_jit.job`` block that also holds what is done with the pieces: the stream
    raises the job's size to the frames seen (``raise_job``), so that every piece, and
    its output, runs compiled once the capture is large.
    """

    def __init__(self, batches: Iterable[tuple[Records, bool]], analyze: bool | Literal["accecn"],
                 select: Callable[[PacketTable], np.ndarray] | None = None,
                 progress: Callable[[float], None] | None = None) -> None:
        self.batches, self.analyze, self.select, self.progress = batches, analyze, select, progress
        self.whole: bool | None = None
        self.n = 0
        self.warnings: tuple[CaptureWarning, ...] = ()

    def __iter__(self) -> Iterator[tuple[PacketTable, np.ndarray | None]]:
        analyze = self.analyze
        analyzer = TcpAnalyzer() if analyze is True else None
        size = PIECE_FRAMES_ANALYSED if analyze is True else PIECE_FRAMES
        held: Records | None = None
        for batch, last in self.batches:
            if self.whole is None:
                self.whole, self.n = last, len(batch)
                if not last and analyze == "accecn":
                    analyzer = TcpAnalyzer()
            if held is not None:
                batch = held.join(batch)
            done = 0
            raise_job(batch.first_frame + len(batch))
            for table in pieces(batch, size, last=last or len(batch) > HOLD_FRAMES):
                if analyzer is None and analyze == "accecn" and may_use_accecn(table):
                    analyzer = _caught_up(batch, table.records.first_frame)
                if analyzer is not None:
                    table = analyzer.feed(table)
                done += table.n
                yield table, None if self.select is None else np.asarray(self.select(table), dtype=np.bool_)
                if self.progress is not None and self.whole and self.n:
                    self.progress((table.records.first_frame + table.n) / self.n)
            held = batch.frames(done, len(batch)) if done < len(batch) else None
            self.warnings = batch.warnings


def stream_fields(stream: TableStream, fields: list[FieldDef], opts: FieldsOptions, out: BinaryIO,
                  ) -> tuple[CaptureWarning, ...]:
    """``-T fields`` output of a capture's :class:`TableStream`, written a piece at a time;
    returns the reader's warnings.

    Output through a pipe is flushed after each piece, so that a live capture shows as it
    comes. A piece is printed on a second thread while the next one is dissected (the
    rendering kernels release the interpreter), so at most two pieces are in memory; a
    capture that is one piece (any small file) is printed without that thread.
    """

    def write(table: PacketTable, piece_opts: FieldsOptions, mask: np.ndarray | None) -> None:
        write_fields(table, fields, piece_opts, out, None if mask is None else np.flatnonzero(mask).astype(np.int64))
        rec = table.records
        if table.n:
            rec.release_range(int(rec.offset[0]), int(rec.offset[-1] + rec.caplen[-1]))
        if not stream.whole:
            out.flush()

    with job(0):
        tables = iter(stream)
        first = next(tables, None)
        if first is not None and stream.whole and first[0].n == stream.n:  # the whole capture: printed here
            write(first[0], opts, first[1])
            for table, mask in tables:  # none: this ends the stream, which then holds its warnings
                write(table, replace(opts, header=False), mask)
        else:
            _write_ahead(write, chain([first] if first is not None else [], tables), opts)
    return stream.warnings


def _write_ahead(write: Callable[[PacketTable, FieldsOptions, np.ndarray | None], None],
                 tables: Iterator[tuple[PacketTable, np.ndarray | None]], opts: FieldsOptions) -> None:
    """Each piece written on a second thread while the next one is made."""
    from concurrent.futures import Future, ThreadPoolExecutor

    piece_opts = opts
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[None] | None = None
        for table, mask in tables:
            if pending is not None:
                pending.result()  # in order, and no more than two pieces at once
            pending = writer.submit(write, table, piece_opts, mask)
            piece_opts = replace(opts, header=False)
            del table
        if pending is not None:
            pending.result()
