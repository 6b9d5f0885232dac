"""``tcpscope list``: the packet list, as plain ``tshark -r FILE`` prints it."""

from __future__ import annotations

import argparse
import sys

from tcpscope.cli.common import (
    add_file_argument,
    add_filter_argument,
    compile_display_filter,
    finish,
    read_capture_batches,
)

__all__ = ["register"]


def run(args: argparse.Namespace) -> int:
    """The list a piece of the capture at a time (``views.stream.TableStream``), with the
    TCP analysis carried from piece to piece: a large file in bounded memory, a pipe as
    its packets come."""
    from tcpscope._jit import job
    from tcpscope.cli.progress import Progress
    from tcpscope.views.packet_list import packet_lines
    from tcpscope.views.stream import TableStream

    flt = compile_display_filter(args.display_filter)
    stream = TableStream(read_capture_batches(args.file), True, select=flt.mask if flt is not None else None)
    out = sys.stdout
    with Progress(args.file) as progress, job(0):
        for table, frames in stream:
            out.write("".join(line + "\n" for line in packet_lines(table, frames)))
            if not stream.whole:
                out.flush()
            elif stream.n:
                progress.stage("decoding", (table.records.first_frame + table.n) / stream.n)
    out.flush()
    return finish(stream.warnings)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("list", help="the packet list, one line per frame, as tshark prints it")
    add_file_argument(p)
    add_filter_argument(p)
    p.set_defaults(run=run)
