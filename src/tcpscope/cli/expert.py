"""``tcpscope expert``: the expert summary, as ``tshark -q -z expert`` prints it.

``--level`` keeps the severities from that one up (``-z expert,LEVEL``); ``--frames``
lists under each row the frames where it occurs; ``-Y FILTER`` keeps the items of the
frames FILTER selects (``tshark -q -z expert,FILTER``; tshark's own ``-Y`` leaves
statistics alone).
"""

from __future__ import annotations

import argparse
import sys

from tcpscope.cli.common import add_file_argument, add_filter_argument, finish, scan_capture

__all__ = ["register"]


def run(args: argparse.Namespace) -> int:
    """The summary counted a piece of the capture at a time (``tcpscope.scan``,
    ``views.expert.ExpertTally``): a large file in bounded memory."""
    from tcpscope._jit import job
    from tcpscope.views.expert import LEVEL_NAMES, ExpertTally, render_expert

    tally = ExpertTally(LEVEL_NAMES[args.level])
    with scan_capture(args.file, args.display_filter) as scan:
        for piece in scan:
            with job(piece.job):
                tally.add(piece.table, piece.mask)
    sys.stdout.write(render_expert(tally.entries(), frames=args.frames))
    sys.stdout.flush()
    return finish(scan.warnings)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    e = sub.add_parser("expert", help="expert summary by severity, as tshark -q -z expert")
    add_file_argument(e)
    add_filter_argument(e)
    e.add_argument("--level", choices=("error", "warn", "note", "chat", "comment"), default="comment",
                   help="lowest severity shown (default: all), as -z expert,LEVEL")
    e.add_argument("--frames", action="store_true", help="list the frames of each finding under its row")
    e.set_defaults(run=run)
