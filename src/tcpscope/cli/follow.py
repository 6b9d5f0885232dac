"""``tcpscope follow``: ``tshark -q -z follow,tcp,MODE,N`` byte for byte, and the bytes to files.

``--stream N`` follows ``tcp.stream`` N, as tshark's index form does: a stream that does
not exist prints tshark's empty follow (nodes ``:0``), with exit status 0, as tshark
does. ``-Y FILTER`` instead follows the stream of the first frame FILTER selects that
belongs to a TCP stream (its first ``tcp.stream``); the capture is then read twice, the
first time only up to that frame, so ``-Y`` needs a file, not a pipe. A filter that
selects no such frame is an error. ``--out DIR`` also writes each node's bytes, as
printed (the chunks' bytes, without the missing-bytes markers), to
``DIR/tcp-stream-N-node0.bin`` and ``...-node1.bin``.

The capture is read a piece at a time (``tcpscope.scan``), and only the followed
stream's segments are kept (:class:`tcpscope.analysis.follow.FollowFeed`). A file is
read by a focused pass (``Scan.streams``, :mod:`tcpscope.pipeline.focus`): every frame's
TCP header numbered by a headers-only pass, and the followed conversation's frames only
dissected and analysed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tcpscope.cli.common import EXIT_ERROR, finish, reading_of, scan_capture, selected_streams

if TYPE_CHECKING:
    from tcpscope.analysis.follow import Chunks

__all__ = ["run"]

#: What the pieces are asked for: no column (the follow reads the analysed tables' ``tcp``
#: layer; a field named would import the field registry, a start-up cost, to check its name)
_FOLLOW_FIELDS: tuple[str, ...] = ()


def run(args: argparse.Namespace) -> int:
    from tcpscope._jit import job
    from tcpscope.analysis.follow import FollowFeed, follow_chunks
    from tcpscope.views.follow import follow_nodes, render_follow

    stream = args.stream
    if stream is None:
        found = _first_stream(args.file, args.display_filter)
        if found is None and getattr(args, "follow_filter", None):  # tshark's endpoints form: an empty follow
            found = -1
        if found is None:
            print(f"tcpscope: follow: no frame of a TCP stream matches the filter {args.display_filter!r}",
                  file=sys.stderr)
            return EXIT_ERROR
        stream = found
    feed = FollowFeed()
    # (no field named, not the packet list's: the pieces skip the HTTP, TLS and DNS framing
    # that only the list's columns and those protocols' fields read)
    reading = reading_of(args)
    # (a file is read by a focused pass, those frames only: the drop-in's -c and -o read as tshark does, whole)
    with scan_capture(args.file, None, _FOLLOW_FIELDS, reading=reading,
                      streams=[stream] if reading is None else None) as scan:
        for piece in scan:
            with job(piece.job):
                tcp = piece.table.layer("tcp")
                if len(tcp):
                    chosen = tcp.cols["stream"] == stream
                    if piece.mask is not None:  # (tcpscope -r F -c N: the frames read)
                        chosen &= piece.mask[tcp.pkt]
                    feed.add(piece.table, chosen)
    chunks = follow_chunks(feed.segments())
    # the Filter line: tshark's for the stream's index, or the one tcpscope -r F -z follow,tcp,MODE,A:P,B:Q gives
    label = getattr(args, "follow_filter", None) or f"tcp.stream eq {stream}"
    sys.stdout.write(render_follow(args.format, label, follow_nodes(feed.first), chunks))
    sys.stdout.flush()
    if args.out is not None:
        _write_nodes(Path(args.out), stream, chunks)
    return finish(scan.warnings)


def _first_stream(path: str, display_filter: str) -> int | None:
    """The ``tcp.stream`` of the first frame ``display_filter`` selects that has one."""
    for streams in selected_streams("follow", path, display_filter):
        if streams.shape[0]:
            return int(streams[0])
    return None


def _write_nodes(folder: Path, stream: int, chunks: Chunks) -> None:
    """Each node's bytes, as printed but without the markers, to a file of its own."""
    from tcpscope.errors import TcpscopeError

    try:
        folder.mkdir(parents=True, exist_ok=True)
        for node in (0, 1):
            data = b"".join(chunks.data(i) for i in range(len(chunks))
                            if chunks.node[i] == node and chunks.missing[i] == 0)
            (folder / f"tcp-stream-{stream}-node{node}.bin").write_bytes(data)
    except OSError as exc:
        raise TcpscopeError(f"follow: cannot write to {folder}: {exc.strerror}") from exc
