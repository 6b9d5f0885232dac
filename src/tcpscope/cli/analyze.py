"""``tcpscope analyze``: the report a newcomer runs first (and what ``make demo`` runs);
``--explain`` adds each connection's step-by-step account (``tcpscope explain``)."""

from __future__ import annotations

import argparse
import sys

from tcpscope.cli.common import finish, scan_capture

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """The report summed a piece of the capture at a time (``tcpscope.scan``,
    ``views.report.ReportSums``): a large file in bounded memory."""
    from tcpscope._jit import job
    from tcpscope.views.report import ReportSums

    lang = None
    if args.explain:
        from tcpscope.cli.explain import language

        lang = language(args.lang)
    sums = ReportSums(lang)
    with scan_capture(args.file, args.display_filter) as scan:
        for piece in scan:
            with job(piece.job):
                sums.add(piece.table, piece.mask)
    sys.stdout.write("\n".join(sums.lines(scan.warnings)) + "\n")
    sys.stdout.flush()
    return finish(scan.warnings)

