"""A capture read as tshark's ``-c`` and ``-o`` ask (:class:`tcpscope.cli.common.Reading`).

tshark reads at most ``-c COUNT`` frames of a file and stops, whatever its display filter
selects among them (``process_cap_file_single_pass``: the count is of frames read), so a
``-c`` that ends inside a piece keeps only the frames before it and reads no further
piece; the frames after it in that piece are out of both the selection and the display
filter's mask, so statistics do not count them either. Preferences that change values
(``tcp.relative_sequence_numbers:FALSE``) adjust each analysed piece first, and the
display filter then selects from the adjusted values, as tshark's filter sees the values
its dissector shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

# the view's piece record is the API's own; a drop-in piece is a PacketView like any other
from tcpscope.api import PacketView, _Piece

if TYPE_CHECKING:
    from tcpscope.api import Scan
    from tcpscope.cli.common import Reading
    from tcpscope.filter import Filter

__all__ = ["ReadPieces"]


class ReadPieces:
    """The pieces of ``scan`` cut at ``reading.count`` frames, adjusted by
    ``reading.adjust`` and then selected by ``flt`` (when the scan itself did not select)."""

    def __init__(self, scan: Scan, reading: Reading, flt: Filter | None) -> None:
        self._scan = scan
        self._reading = reading
        self._filter = flt
        self.whole: bool | None = False
        self.frames = 0
        self.warnings: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[PacketView]:
        count = self._reading.count
        adjust = self._reading.adjust
        for piece in self._scan:
            table, mask = piece.table, piece.mask
            self.whole, self.frames = self._scan.whole, self._scan.frames
            if adjust is not None:
                table = adjust(table)
            if self._filter is not None:
                mask = self._filter.mask(table)
            first = table.records.first_frame
            cut = count is not None and first + table.n >= count
            if cut:
                assert count is not None
                keep = np.arange(table.n) < count - first
                mask = keep if mask is None else mask & keep
                self.whole, self.frames = bool(self.whole) and first == 0, min(count, first + table.n)
            frames = np.arange(table.n, dtype=np.int64) if mask is None else np.flatnonzero(mask).astype(np.int64)
            if cut or table is not piece.table or mask is not piece.mask:
                piece = PacketView(table, frames, piece.columns, frozenset(),
                                   piece=_Piece(mask, piece.job))
            yield piece
            if cut:
                return
        self.whole, self.frames, self.warnings = self._scan.whole, self._scan.frames, self._scan.warnings

