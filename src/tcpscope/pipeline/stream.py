"""A capture a piece at a time: dissect, analyse and show some frames, then the next ones.

tshark shows each frame after one pass over the frames before it, so nothing of a
frame's output needs its successors. The capture is cut into pieces of
:data:`PIECE_FRAMES` frames; each is dissected on its own (``Records.frames``), given
to one :class:`~tcpscope.analysis.TcpAnalyzer` that carries the conversations from
piece to piece, filtered, handed on (``tcpscope.scan``, and through it every command)
and dropped. Memory stays that of one piece and the analysis state, whatever the
capture's size, and each piece's arrays stay warm in the processor's caches.

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

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Literal

import numpy as np

from tcpscope._jit import own_context, raise_job
from tcpscope.analysis import TcpAnalyzer, port_pairs
from tcpscope.capture.records import Records
from tcpscope.dissect.pipeline import FRAG_SPANS, dissect
from tcpscope.errors import CaptureWarning
from tcpscope.table.packets import PacketTable

__all__ = ["HOLD_FRAMES", "PIECE_FRAMES", "PIECE_FRAMES_ANALYSED", "TableStream", "pieces"]

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


def _focus_pairs(records: Records, frames: Sequence[int]) -> np.ndarray | None:
    """The port pairs (``analysis.port_pairs``) of the TCP conversations of ``frames`` (frame
    numbers in ``records``, a whole capture), each frame dissected alone; None (every
    conversation) when one of them holds an IP fragment, whose datagram needs the frames
    around it."""
    pairs = [np.zeros(0, dtype=np.int64)]
    for number in frames:
        if not 1 <= number <= len(records):
            continue
        table = dissect(records.frames(number - 1, number))
        spans = table.frame_cols.get(FRAG_SPANS)
        if spans is not None and spans.shape[0]:
            return None
        pairs.append(port_pairs(table))
    return np.unique(np.concatenate(pairs))


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
    ``progress`` hears the fraction of frames done after each piece (of a file read whole);
    ``http``: the analysis frames HTTP too (``TcpAnalyzer(http=True)``), for the packet
    list's columns (``"messages"``: with the messages, for the http.* fields);
    ``desegment``: False frames HTTP, TLS and DNS a segment at a time (``TcpAnalyzer``).
    ``focus`` (an attribute, set before the iteration): the numbers of the only frames the
    caller will use, from a file: HTTP, TLS and DNS framing then run on their TCP
    conversations only (:func:`_focus_pairs`), and the other frames' fields of those
    protocols are absent; ``streams`` likewise the only ``tcp.stream`` numbers the caller
    will use. With either, a file is read by a focused pass (:meth:`_focused`): the
    pieces hold the frames those need, the others blanked (no layers).

    After the first piece, ``whole`` says whether the capture came in one batch (then
    ``n`` is its frame count); after the last, ``warnings`` holds the reader's.

    The compile job: each piece is made in a context of the iteration's own
    (``_jit.own_context``), whose job the stream raises to the frames known so far, so
    that every piece of a large capture is dissected and analysed compiled, and the
    caller's choice is left as it was. ``size`` holds that count when a piece is handed
    on: what is done with the piece runs inside ``_jit.job(size)`` to choose the same.
    """

    def __init__(self, batches: Iterable[tuple[Records, bool]], analyze: bool | Literal["accecn"],  # noqa: PLR0913, PLR0917 -- the stream's settings, each documented above
                 select: Callable[[PacketTable], np.ndarray] | None = None,
                 progress: Callable[[float], None] | None = None, http: bool | str = False,
                 desegment: bool = True) -> None:
        self.batches, self.analyze, self.select, self.progress = batches, analyze, select, progress
        self.http, self.desegment = http, desegment
        self.focus: Sequence[int] | None = None
        self.sequence_analysis = True  # (False: the framers see no analysis flag, TcpAnalyzer.sequence_analysis)
        self.streams: Sequence[int] | None = None
        self.whole: bool | None = None
        self.n = 0
        self.size = 0
        self.warnings: tuple[CaptureWarning, ...] = ()

    def __iter__(self) -> Iterator[tuple[PacketTable, np.ndarray | None]]:
        return own_context(self._pieces())

    def _focused(self, batch: Records, analyzer: TcpAnalyzer, size: int,
                 ) -> Iterator[tuple[PacketTable, np.ndarray | None]] | None:
        """The pieces of a focused pass over ``batch`` (a whole file; ``focus`` or ``streams``
        set: :mod:`tcpscope.pipeline.focus`): the frames that show those frames or
        conversations only, dissected and analysed with the capture's ``tcp.stream``
        numbers, the others blanked; None when neither is set, or when the headers-only
        pass reads too few frames to gain. The compile job is the frames dissected (the
        numbering alone runs with the capture's size)."""
        if not self.focus and self.streams is None:
            return None
        from tcpscope.pipeline.focus import focus_frames, number_capture, sparse_tables

        def piece(records: Records) -> Iterator[PacketTable]:
            return pieces(records, size)

        numbered = number_capture(batch, piece)  # (its kernels compiled by the capture's size, the other frames' dissection by theirs)
        if numbered is None:
            return None
        keep = focus_frames(numbered, self.focus or (), self.streams or ())
        analyzer.numbers = numbered.streams_of
        self.size = int(keep.shape[0])
        raise_job(self.size)

        def tables() -> Iterator[tuple[PacketTable, np.ndarray | None]]:
            for table in sparse_tables(batch, keep, not numbered.fragments, piece):
                table = analyzer.feed(table)
                yield table, None if self.select is None else np.asarray(self.select(table), dtype=np.bool_)
            if self.progress is not None and self.n:
                self.progress(1.0)

        return tables()

    def _pieces(self) -> Iterator[tuple[PacketTable, np.ndarray | None]]:
        analyze = self.analyze
        analyzer = TcpAnalyzer(self.http, self.desegment, self.sequence_analysis) if analyze is True else None
        size = PIECE_FRAMES_ANALYSED if analyze is True else PIECE_FRAMES
        held: Records | None = None
        for batch, last in self.batches:
            if self.whole is None:
                self.whole, self.n = last, len(batch)
                if not last and analyze == "accecn":
                    analyzer = TcpAnalyzer()
                if last and analyzer is not None and self.focus:
                    analyzer.framed = _focus_pairs(batch, self.focus)
                focused = self._focused(batch, analyzer, size) if last and analyzer is not None else None
                if focused is not None:
                    yield from focused
                    self.warnings = batch.warnings
                    return
            if held is not None:
                batch = held.join(batch)
            done = 0
            self.size = batch.first_frame + len(batch)
            raise_job(self.size)
            for table in pieces(batch, size, last=last or len(batch) > HOLD_FRAMES):
                if analyzer is None and analyze == "accecn":
                    from tcpscope.analysis.fields import may_use_accecn  # (the analysis fields: start-up of list)

                    if may_use_accecn(table):
                        analyzer = _caught_up(batch, table.records.first_frame)
                if analyzer is not None:
                    table = analyzer.feed(table)
                done += table.n
                yield table, None if self.select is None else np.asarray(self.select(table), dtype=np.bool_)
                if self.progress is not None and self.whole and self.n:
                    self.progress((table.records.first_frame + table.n) / self.n)
            held = batch.frames(done, len(batch)) if done < len(batch) else None
            self.warnings = batch.warnings

