"""``tcpscope analyze``: the report a newcomer runs first (and what ``make demo`` runs)."""

from __future__ import annotations

import argparse
import sys

from tcpscope.cli.common import capture_stream, compile_display_filter, finish

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """The report summed a piece of the capture at a time (``views.stream.TableStream``,
    ``views.report.ReportSums``): a large file in bounded memory."""
    from tcpscope.views.report import ReportSums

    sums = ReportSums()
    with capture_stream(args.file, compile_display_filter(args.display_filter)) as stream:
        for table, mask in stream:
            sums.add(table, mask)
    sys.stdout.write("\n".join(sums.lines(stream.warnings)) + "\n")
    sys.stdout.flush()
    return finish(stream.warnings)

