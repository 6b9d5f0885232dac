"""``tcpscope expert``: the expert summary, as ``tshark -q -z expert`` prints it.

``--level`` keeps the severities from that one up (``-z expert,LEVEL``); ``--frames``
lists under each row the frames where it occurs; ``-Y FILTER`` keeps the items of the
frames FILTER selects (``tshark -q -z expert,FILTER``; tshark's own ``-Y`` leaves
statistics alone).
"""

from __future__ import annotations

import argparse
import sys

from tcpscope.cli.common import (
    capture_stream,
    compile_display_filter,
    finish,
)

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """The summary counted a piece of the capture at a time (``views.stream.TableStream``,
    ``views.expert.ExpertTally``): a large file in bounded memory."""
    from tcpscope.views.expert import LEVEL_NAMES, ExpertTally, render_expert

    tally = ExpertTally(LEVEL_NAMES[args.level])
    with capture_stream(args.file, compile_display_filter(args.display_filter)) as stream:
        for table, mask in stream:
            tally.add(table, mask)
    sys.stdout.write(render_expert(tally.entries(), frames=args.frames))
    sys.stdout.flush()
    return finish(stream.warnings)

