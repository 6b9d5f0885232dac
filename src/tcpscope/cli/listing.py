"""``tcpscope list``: the packet list, as plain ``tshark -r FILE`` prints it."""

from __future__ import annotations

import argparse
import sys

from tcpscope.cli.common import finish, scan_capture

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """The list a piece of the capture at a time (``tcpscope.scan``), with the TCP analysis
    carried from piece to piece: a large file in bounded memory, a pipe as its packets
    come."""
    from tcpscope._jit import job
    from tcpscope.views.packet_list import packet_lines

    out = sys.stdout
    with scan_capture(args.file, args.display_filter) as scan:
        for piece in scan:
            with job(piece.job):
                out.write("".join(line + "\n" for line in packet_lines(piece.table, piece.frames)))
            if not scan.whole:
                out.flush()
    out.flush()
    return finish(scan.warnings)

