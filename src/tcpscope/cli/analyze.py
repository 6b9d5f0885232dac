"""``tcpscope analyze``: the report a newcomer runs first (and what ``make demo`` runs)."""

from __future__ import annotations

import argparse
import sys

from tcpscope.cli.common import add_file_argument, add_filter_argument, finish, scan_capture

__all__ = ["register"]


def run(args: argparse.Namespace) -> int:
    """The report summed a piece of the capture at a time (``tcpscope.scan``,
    ``views.report.ReportSums``): a large file in bounded memory."""
    from tcpscope._jit import job
    from tcpscope.views.report import ReportSums

    sums = ReportSums()
    with scan_capture(args.file, args.display_filter) as scan:
        for piece in scan:
            with job(piece.job):
                sums.add(piece.table, piece.mask)
    sys.stdout.write("\n".join(sums.lines(scan.warnings)) + "\n")
    sys.stdout.flush()
    return finish(scan.warnings)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("analyze", help="report: the capture, its TCP connections, findings, how each opened and closed")
    add_file_argument(p)
    add_filter_argument(p)
    p.set_defaults(run=run)
