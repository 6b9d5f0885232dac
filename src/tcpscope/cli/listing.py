"""``tcpscope list``: the packet list, as plain ``tshark -r FILE`` prints it; with
``--select N``, each line behind the margin Wireshark's packet list draws when frame N is
selected (:mod:`tcpscope.views.related`).

``--color`` draws each line in its colouring rule's colours (:mod:`tcpscope.views.colors`)
with 24-bit terminal escapes, byte for byte as ``tshark --color`` writes them to a
terminal that supports them: the foreground and background, the line, erase to the end
of the line, the newline, then a reset; a line no rule colours is plain; a last reset
ends the list.

``--select`` reads the capture once, a piece at a time, as the plain list does. A line's
margin can be drawn only once enough is known: before frame N, N's links and its
conversation's first frame; from N on, whether a later frame of N's conversation comes
(which makes the line solid or dashed, and the conversation's last frame its end). Lines
wait for that in a spool that stays in memory up to :data:`SPOOL_MEMORY` bytes and goes
to a temporary file past it, so memory stays bounded on any capture (a pipe too): every
line before N waits for N, and after N the lines from the conversation's latest frame
on wait for the next one (or the end of the capture).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING, NamedTuple

import numpy as np

from tcpscope.cli import EXIT_ERROR
from tcpscope.cli.common import finish, reading_of, scan_capture

if TYPE_CHECKING:
    from tcpscope._types import Index
    from tcpscope.api import PacketView
    from tcpscope.table.packets import PacketTable
    from tcpscope.views.related import FrameLink, Selection

__all__ = ["SPOOL_MEMORY", "run"]

#: Bytes of waiting lines held in memory before the spool moves to a temporary file
SPOOL_MEMORY = 32 << 20

#: The escapes that end a coloured line (erase to its end; after its newline, reset)
ERASE_LINE = "\x1b[K"
RESET = "\x1b[0m"

#: Waiting lines read back from the spool at a time
_BATCH = 65536


def run(args: argparse.Namespace) -> int:
    """The list a piece of the capture at a time (``tcpscope.scan``), with the TCP analysis
    carried from piece to piece: a large file in bounded memory, a pipe as its packets
    come."""
    if args.select is None:
        return _listed(args, None)
    import tempfile  # (only with --select: start-up time of the plain list)

    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY) as spool:
        return _listed(args, _Selected(args.select, sys.stdout, _Spool(spool)))


def _listed(args: argparse.Namespace, selected: _Selected | None) -> int:
    """Write the list, each line behind its margin if ``selected``."""
    from tcpscope._jit import job
    from tcpscope.views.packet_list import packet_bytes, packet_text

    out = sys.stdout
    raw = getattr(out, "buffer", None)  # (the plain list goes out as bytes where it can)
    paint = _painter() if args.color else None
    # (the selected frame's links include HTTP's request and response frames: its messages
    # carried from piece to piece, as frame.protocols asks for them)
    fields = ["frame.protocols"] if selected is not None else None
    with scan_capture(args.file, args.display_filter, fields, reading=reading_of(args)) as scan:
        for piece in scan:
            with job(piece.job):
                if paint is None and selected is None and raw is not None:
                    out.flush()
                    raw.write(packet_bytes(piece.table, piece.frames))
                    if not scan.whole:
                        raw.flush()
                    continue
                lines: list[str] = packet_text(piece.table, piece.frames).tolist()
                if paint is not None:
                    lines = paint(piece.table, piece.frames, lines, selected is None)
                if selected is None:  # (a painted line has its newline; the plain list, one string a piece)
                    out.write("".join(lines) if paint is not None else "\n".join(lines) + "\n" if lines else "")
                elif not selected.piece(piece, lines):
                    return EXIT_ERROR
            if not scan.whole:
                out.flush()
    if selected is not None and not selected.end():
        return EXIT_ERROR
    if paint is not None:
        out.write(RESET)
    out.flush()
    return finish(scan.warnings)


def _painter() -> Callable[[PacketTable, Index, Sequence[str], bool], list[str]]:
    """What gives each line of a piece its colours, with its newline if ``ended`` (behind
    a margin, the spool adds the newline: the reset comes before it); the note on standard
    error when there are no rules."""
    from tcpscope.views.colors import color_note, color_rules, frame_colors

    if note := color_note():
        print(f"tcpscope: {note}", file=sys.stderr)
    starts = [f"\x1b[38;2;{r.fg[0]};{r.fg[1]};{r.fg[2]}m\x1b[48;2;{r.bg[0]};{r.bg[1]};{r.bg[2]}m"
              for r in color_rules()]

    def paint(table: PacketTable, frames: Index, lines: Sequence[str], ended: bool) -> list[str]:
        rules = frame_colors(table, frames).tolist()
        plain, colored = ("\n", f"{ERASE_LINE}\n{RESET}") if ended else ("", f"{ERASE_LINE}{RESET}")
        return [f"{line}{plain}" if rule < 0 else f"{starts[rule]}{line}{colored}"
                for rule, line in zip(rules, lines, strict=True)]

    return paint


class _Spool:
    """Lines waiting for their margin, in frame order: each with its frame number and
    TCP conversation, in memory up to SPOOL_MEMORY bytes, in a temporary file past it."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self._read = 0
        self._write = 0

    def add(self, numbers: Index, streams: Index, lines: list[str]) -> None:
        text = "".join(f"{n}\t{s}\t{line}\n" for n, s, line in zip(numbers.tolist(), streams.tolist(), lines,
                                                                     strict=True))
        self._file.seek(self._write)
        self._file.write(text.encode())
        self._write = self._file.tell()

    def take(self, before: int | None) -> tuple[list[int], list[int], list[str]]:
        """Up to _BATCH waiting lines, in order, of frames numbered below ``before`` (None: any)."""
        numbers: list[int] = []
        streams: list[int] = []
        lines: list[str] = []
        self._file.seek(self._read)
        while self._read < self._write and len(lines) < _BATCH:
            number, stream, line = self._file.readline().decode().split("\t", 2)
            if before is not None and int(number) >= before:
                break
            self._read = self._file.tell()
            numbers.append(int(number))
            streams.append(int(stream))
            lines.append(line)
        if self._read == self._write:  # all taken: start the file over
            self._file.seek(0)
            self._file.truncate()
            self._read = self._write = 0
        return numbers, streams, lines


class _Found(NamedTuple):
    """What the selected frame's piece tells: its TCP conversation (-1: none), that
    conversation's first frame (0: none) and the frame's links."""

    stream: int
    first: int
    links: tuple[FrameLink, ...]


class _Selected:
    """The list with the margin of frame ``frame`` selected, written to ``out`` as the
    capture's pieces come (see the module docstring)."""

    def __init__(self, frame: int, out: IO[str], spool: _Spool) -> None:
        self.frame = frame
        self.out = out
        self.spool = spool
        self.first_of = np.zeros(0, dtype=np.int64)  # each conversation's first frame, until N's is known
        self.found: _Found | None = None
        self.last_seen = 0  # the latest frame of N's conversation so far

    def piece(self, piece: PacketView, lines: list[str]) -> bool:
        """Take a piece and write the lines it lets be drawn; False after an error message."""
        from tcpscope.views.related import frame_links, not_displayed, stream_of  # only with --select: start-up

        table = piece.table
        base = table.records.first_frame + 1
        streams = stream_of(table)
        if self.found is None:
            self._note_first_frames(streams, base)
            row = self.frame - base
            if 0 <= row < table.n:
                if not np.any(piece.frames == row):
                    return self._error(not_displayed(self.frame))
                stream = int(streams[row])
                first = int(self.first_of[stream]) if stream >= 0 else 0
                self.found = _Found(stream, first, frame_links(table, np.array([row], dtype=np.int64)).of(row))
                self.first_of = self.first_of[:0]  # no longer needed
        if self.found is not None and self.found.stream >= 0:
            mine = np.flatnonzero(streams == self.found.stream)
            if mine.shape[0]:
                self.last_seen = max(self.last_seen, int(mine[-1]) + base)
        self.spool.add(piece.frames + base, streams[piece.frames], lines)
        if self.found is not None:
            self._draw(final=False)
        return True

    def end(self) -> bool:
        """The capture has ended: write the lines still waiting; False after an error message."""
        from tcpscope.views.related import no_such_frame

        if self.found is None:
            return self._error(no_such_frame(self.frame))
        self._draw(final=True)
        return True

    def _note_first_frames(self, streams: Index, base: int) -> None:
        """Remember the first frame of each conversation this piece starts."""
        tcp = np.flatnonzero(streams >= 0)
        if not tcp.shape[0]:
            return
        ids, first = np.unique(streams[tcp], return_index=True)
        if ids[-1] >= self.first_of.shape[0]:
            grown = np.zeros(max(int(ids[-1]) + 1, 2 * self.first_of.shape[0]), dtype=np.int64)
            grown[: self.first_of.shape[0]] = self.first_of
            self.first_of = grown
        new = self.first_of[ids] == 0
        self.first_of[ids[new]] = tcp[first[new]] + base

    def _selection(self) -> Selection:
        """N's selection, the latest frame of its conversation so far standing for the
        last (only lines before it are drawn until the capture ends)."""
        from tcpscope.views.related import selection

        assert self.found is not None
        stream, first, links = self.found
        return selection(self.frame, stream, (first, self.last_seen) if stream >= 0 else (0, 0), links)

    def _draw(self, final: bool) -> None:
        """Write the waiting lines whose margin is known: all at the end, or when N is not
        TCP; else those before the latest frame of N's conversation."""
        from tcpscope.views.related import margin_texts

        sel = self._selection()
        before = None if final or sel.stream < 0 else self.last_seen
        while True:
            numbers, streams, lines = self.spool.take(before)
            if not lines:
                return
            margins = margin_texts(sel, np.array(numbers, dtype=np.int64), np.array(streams, dtype=np.int64))
            self.out.write("".join(m + line for m, line in zip(margins, lines, strict=True)))

    def _error(self, message: str) -> bool:
        print(f"tcpscope: {message}", file=sys.stderr)
        return False

