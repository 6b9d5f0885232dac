"""``tcpscope iostat``: frames and bytes per time interval, as ``tshark -q -z io,stat``.

``tcpscope iostat FILE -i INTERVAL [--column FILTER ...]`` prints what ``tshark -r FILE -q
-z io,stat,INTERVAL,FILTER,...`` prints, byte for byte: a column per ``--column`` (a
display filter, or ``COUNT|SUM|MIN|MAX|AVG(field)FILTER``, ``FRAMES()FILTER``,
``BYTES()FILTER``; none: every frame; :mod:`tcpscope.views.iostat`). ``-Y FILTER`` counts
only the frames FILTER selects, as if it were part of every column's filter (tshark's own
``-Y`` leaves the statistics alone, as for ``tcpscope conv``). The capture is read a piece
at a time.
"""

from __future__ import annotations

import argparse
import sys

from tcpscope.cli.common import finish, reading_of, scan_capture

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    from tcpscope._jit import job
    from tcpscope.views.iostat import IoStat

    stat = IoStat(args.interval, [c.strip() or None for c in args.column or []], args.display_filter)
    with scan_capture(args.file, args.display_filter, reading=reading_of(args)) as scan:
        for piece in scan:
            with job(piece.job):
                stat.feed(piece.table, piece.frames)
    sys.stdout.write(stat.text())
    sys.stdout.flush()
    return finish(scan.warnings)
