"""``tcpscope show``: each selected frame's details tree, as ``tshark -V -r FILE`` prints it.

``-Y FILTER`` selects frames as tshark's does; ``--frame N`` (repeatable) selects frame
N, as ``-Y "frame.number == N"`` would, after the display filter. The whole capture is
read once, a piece at a time, with the TCP analysis carried from piece to piece (the
values of a frame depend on the frames before it, so reading stops after the last frame
asked for); only the frames shown are formatted. With ``--frame``, HTTP, TLS and DNS over
TCP are framed in those frames' conversations only (``Scan.focus``).
``-x`` adds each frame's bytes after its tree, as ``tshark -V -x`` prints them
(:mod:`tcpscope.views.hexdump`). MAC addresses are shown with their names, as tshark
resolves them by default; ``-n`` shows them as ``tshark -n`` does. ``-T json`` writes the same trees as ``tshark -T json``
does (:mod:`tcpscope.views.tree_json`), with ``-x`` each item's bytes as its ``*_raw`` array.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from tcpscope.cli.common import EXIT_ERROR, finish, reading_of, scan_capture

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from tcpscope._jit import job
    from tcpscope.views.columns import full_registry
    from tcpscope.views.hexdump import hex_dumps
    from tcpscope.views.tree_frames import show_bytes, show_text
    from tcpscope.views.tree_json import frame_details, json_close, json_frames

    wanted = sorted(set(args.frame or ()))
    out = sys.stdout
    registry = full_registry()
    before: int | None = None
    found: set[int] = set()
    total = 0
    as_json, written = getattr(args, "format", "text") == "json", 0
    names = not args.n
    reading = reading_of(args)
    tcp = None if reading is None else reading.tree  # (the drop-in's -o TCP preferences)
    if as_json:
        out.write("[")
    with scan_capture(args.file, args.display_filter, ["frame.protocols"],  # (HTTP's messages, for its tree)
                      reading=reading, focus=wanted or None) as scan:
        for piece in scan:
            table, frames = piece.table, piece.frames
            first = table.records.first_frame
            total = first + table.n
            if wanted:
                numbers = frames + first + 1
                keep = np.isin(numbers, np.asarray(wanted, dtype=np.int64))
                frames = frames[keep]
                found.update((frames + first + 1).tolist())
                if not frames.shape[0]:
                    continue
            with job(piece.job):
                if as_json:
                    out.write("".join(json_frames(frame_details(table, frames, registry, before, names, tcp=tcp), args.x, written)))
                    written += int(frames.shape[0])
                elif args.x:  # the tree (without the Data's own dump), its blank line, then the bytes and theirs
                    trees = (t.text + "\n" for t in show_text(table, frames, registry, before, names, tcp=tcp, data_dumps=False))
                    out.write("".join(tree + dump for tree, dump in zip(trees, hex_dumps(table, frames), strict=True)))
                else:
                    _write_bytes(out, show_bytes(table, frames, registry, before, names, tcp=tcp))
            if frames.shape[0]:
                before = int(table.ts_ns[frames[-1]])
            if not scan.whole:
                out.flush()
            if wanted and first + table.n >= wanted[-1]:
                break  # a frame's values depend on the frames before it only: read no further
    if as_json:
        out.write(json_close(written))
    out.flush()
    if _missing(wanted, found, max(total, scan.frames)):  # (a focused pass yields no piece when no frame asked for exists)
        return EXIT_ERROR
    return finish(scan.warnings)


def _missing(wanted: list[int], found: set[int], total: int) -> bool:
    """Whether a frame asked for is not in the capture of ``total`` frames (said on stderr)."""
    missing = [n for n in wanted if n not in found and not (1 <= n <= total)]
    if missing:
        print(f"tcpscope: frame {missing[0]} does not exist: the capture has {total} frames", file=sys.stderr)
    return bool(missing)


def _write_bytes(out: TextIO, data: bytes) -> None:
    """UTF-8 text written by the compiled tree writer, to a text stream (its bytes to its
    buffer when it has one)."""
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(data.decode())
        return
    out.flush()
    buffer.write(data)
