"""``tcpscope expert``: the expert summary, as ``tshark -q -z expert`` prints it.

``--level`` keeps the severities from that one up (``-z expert,LEVEL``); ``--frames``
lists under each row the frames where it occurs; ``-Y FILTER`` keeps the items of the
frames FILTER selects (``tshark -q -z expert,FILTER``; tshark's own ``-Y`` leaves
statistics alone).
"""

from __future__ import annotations

import argparse
import sys

from tcpscope.cli.common import finish, reading_of, scan_capture

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """The summary counted a piece of the capture at a time (``tcpscope.scan``,
    ``views.expert.ExpertTally``): a large file in bounded memory."""
    from tcpscope._jit import job
    from tcpscope.views.expert import LEVEL_NAMES, ExpertTally, render_expert

    tally = ExpertTally(LEVEL_NAMES[args.level])
    # (named so that the pieces carry HTTP's messages over their bounds, for its chats)
    with scan_capture(args.file, args.display_filter, fields=("_ws.expert",), reading=reading_of(args)) as scan:
        for piece in scan:
            with job(piece.job):
                tally.add(piece.table, piece.mask)
    sys.stdout.write(render_expert(tally.entries(), frames=args.frames))
    sys.stdout.flush()
    return finish(scan.warnings)

