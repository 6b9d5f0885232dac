"""``tcpscope -r FILE`` without ``-T fields|json|ek``: tshark's text output, frame by frame.

What tshark's ``print_packet`` prints for each frame (WRITE_TEXT): the summary line when
asked for (the default without ``-V`` or ``-x``, or ``-P``), then the details tree (``-V``,
or ``-O`` with only the named protocols expanded) followed by an empty line unless the
bytes follow, then, with ``-x``, an empty line if anything came before and the bytes in
hex with their own empty line. ``-T tabs`` puts a tab between the summary's columns in
place of the space. ``-t`` chooses the time column's format (:func:`time_column`).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from tcpscope.cli.common import finish, scan_capture
from tcpscope.views.hexdump import DUMP_LINE

if TYPE_CHECKING:
    from tcpscope.cli.common import Reading
    from tcpscope.cli.dropin_options import Options
    from tcpscope.table.packets import PacketTable
    from tcpscope.views.packet_list import PacketRow

__all__ = ["print_text", "time_column"]

#: The first words of each protocol's top line in the details tree, with the names
#: ``-O`` gives it (tshark: the protocol's filter name).
_TREE_HEADS = (
    ("Frame ", "frame"), ("Ethernet II,", "eth"), ("IEEE 802.3 Ethernet", "eth"), ("802.1Q Virtual LAN", "vlan"),
    ("Null/Loopback", "null"), ("Raw packet data", "raw"), ("Internet Protocol Version 4,", "ip"),
    ("Internet Protocol Version 6,", "ipv6"), ("Transmission Control Protocol,", "tcp"), ("Data (", "data"),
    ("Hypertext Transfer Protocol", "http"), ("Linux cooked capture", "sll"), ("User Datagram Protocol,", "udp"),
)


def print_text(opts: Options, reading: Reading, out_write: object) -> int:
    """Print the frames of ``opts.file`` as ``opts`` asks; returns the exit status."""
    from tcpscope._jit import job
    from tcpscope.views.packet_list import packet_rows

    assert callable(out_write) and opts.file is not None
    summary = opts.summary or not (opts.details or opts.hex)
    delimiter = "\t" if opts.output == "tabs" else " "
    registry = None
    if opts.details:  # (each view imported only when asked for: a small capture starts quicker)
        from tcpscope.views.columns import full_registry
        from tcpscope.views.tree_frames import show_text

        registry = full_registry()
    if opts.hex:
        from tcpscope.views.hexdump import hex_dumps
    clock = _Clock(opts.time_format)
    before: int | None = None
    with scan_capture(opts.file, opts.display_filter, reading=reading) as scan:
        for piece in scan:
            table, frames = piece.table, piece.frames
            if not frames.shape[0]:
                clock.skip(table)
                continue
            with job(piece.job):
                parts: list[list[str]] = [[] for _ in range(frames.shape[0])]
                if summary:
                    times = clock.texts(table, frames)
                    for i, row in enumerate(packet_rows(table, frames)):
                        parts[i].append(_summary(row, times[i], delimiter) + "\n")
                if registry is not None:
                    for i, tree in enumerate(show_text(table, frames, registry, before, opts.mac_names,
                                                       tcp=reading.tree, data_dumps=not opts.hex)):
                        text = tree.text if opts.only is None else _only(tree.text, opts.only)
                        parts[i].append(text if opts.hex else text + "\n")
                if opts.hex:
                    for i, dump in enumerate(hex_dumps(table, frames)):
                        parts[i].append(("\n" if parts[i] else "") + dump)
                out_write("".join("".join(p) for p in parts))
            before = int(table.ts_ns[frames[-1]])
    return finish(scan.warnings)


def _summary(row: PacketRow, when: str, delimiter: str) -> str:
    """The summary line (``PacketRow.line``) with ``when`` in the time column and
    ``delimiter`` between the columns."""
    if delimiter == " ":
        return replace(row, time=when).line()
    return delimiter.join((f"{row.number:>5}", f"{when:>10}", f"{row.source:>12}", "\u2192",
                           f"{row.destination:<12}", row.protocol, str(row.length), row.info))


#: A line of a hex dump in the tree (the data protocol's bytes under its line)
def _only(text: str, protocols: list[str]) -> str:
    """``-O``: each protocol's top line, and the whole tree of those in ``protocols``."""
    keep = True
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.startswith(" ") and not DUMP_LINE.match(line) and line != "\n":  # (a dump: its Data's subtree)
            name = next((proto for head, proto in _TREE_HEADS if line.startswith(head)), "")
            keep = name in protocols
            lines.append(line)
        elif keep:
            lines.append(line)
    return "".join(lines)


class _Clock:
    """The time column of ``-t FORMAT`` (tshark's TS_* formats, column-utils.c), frame by
    frame across the pieces: ``r`` since the first frame, ``d`` since the frame before,
    ``dd`` since the frame displayed before, ``e`` since the epoch, ``a``/``ad``/``adoy``
    the local time of day (with the date, or the year and day of the year), ``u``/``ud``/
    ``udoy`` the same in UTC. Each with the frame's interface's precision, truncated."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.previous: int | None = None  # the time stamp of the frame before (read or displayed)

    def skip(self, table: PacketTable) -> None:
        """A piece none of whose frames is displayed."""
        if self.fmt == "d" and table.n:
            self.previous = int(table.ts_ns[-1])

    def texts(self, table: PacketTable, frames: np.ndarray) -> list[str]:  # type: ignore[type-arg]
        from tcpscope.views.packet_list import time_precision, time_text

        digits = time_precision(table)[frames].tolist()
        stamps = table.ts_ns.astype(np.int64)
        has_ts = np.ones(table.n, dtype=np.bool_) if table.records.has_ts is None else table.records.has_ts
        fmt = self.fmt
        if fmt == "r":
            first = table.records.ts_first if table.records.ts_first is not None else int(stamps[0])
            return [time_text(int(stamps[f]) - first, d, bool(has_ts[f])) for f, d in zip(frames.tolist(), digits,
                                                                                          strict=True)]
        if fmt in ("d", "dd"):
            out = []
            for f, d in zip(frames.tolist(), digits, strict=True):
                before = int(stamps[f - 1]) if fmt == "d" and f > 0 else self.previous
                now = int(stamps[f])
                out.append(time_text(now - (now if before is None else before), d, bool(has_ts[f])))
                if fmt == "dd":
                    self.previous = now
            if fmt == "d":
                self.previous = int(stamps[-1])
            return out
        return [time_column(fmt, int(stamps[f]), d) if has_ts[f] else "" for f, d in zip(frames.tolist(), digits,
                                                                                        strict=True)]


def time_column(fmt: str, ns: int, digits: int) -> str:
    """An absolute time as ``-t`` ``e``, ``a``, ``ad``, ``adoy``, ``u``, ``ud`` or ``udoy``
    shows it, with ``digits`` decimals (truncated, as tshark's column does)."""
    seconds, fraction = divmod(ns, 10**9)
    decimals = f".{fraction // 10 ** (9 - digits):0{digits}d}" if digits else ""
    if fmt == "e":
        return f"{seconds}{decimals}"
    parts = time.gmtime(seconds) if fmt.startswith("u") else time.localtime(seconds)
    day = {"a": "", "u": "", "ad": "%Y-%m-%d ", "ud": "%Y-%m-%d ", "adoy": "%Y/%j ", "udoy": "%Y/%j "}[fmt]
    return time.strftime(f"{day}%H:%M:%S", parts) + decimals
