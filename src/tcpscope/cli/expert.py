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
    add_file_argument,
    add_filter_argument,
    capture_stream,
    compile_display_filter,
    finish,
)

__all__ = ["register"]


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


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    e = sub.add_parser("expert", help="expert summary by severity, as tshark -q -z expert")
    add_file_argument(e)
    add_filter_argument(e)
    e.add_argument("--level", choices=("error", "warn", "note", "chat", "comment"), default="comment",
                   help="lowest severity shown (default: all), as -z expert,LEVEL")
    e.add_argument("--frames", action="store_true", help="list the frames of each finding under its row")
    e.set_defaults(run=run)
