"""``tcpscope analyze``: the report a newcomer runs first (and what ``make demo`` runs);
``--explain`` adds each connection's step-by-step account (``tcpscope explain``);
``--dask SCHEDULER -o OUT`` runs the analysis on a Dask cluster and writes Parquet
(:mod:`tcpscope.dask`)."""

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

    if args.dask is not None:
        return _on_dask(args)
    lang = None
    if args.explain:
        from tcpscope.cli.explain import language

        lang = language(args.lang)
    sums = ReportSums(lang)
    # (_ws.expert named so that the pieces carry HTTP's messages over their bounds, for its chats)
    with scan_capture(args.file, args.display_filter, fields=("_ws.expert",)) as scan:
        for piece in scan:
            with job(piece.job):
                sums.add(piece.table, piece.mask)
    sys.stdout.write("\n".join(sums.lines(scan.warnings)) + "\n")
    sys.stdout.flush()
    return finish(scan.warnings)


def _on_dask(args: argparse.Namespace) -> int:
    """The per-packet analysis on the cluster at ``args.dask``, written under ``-o``."""
    from tcpscope.cli.common import EXIT_ERROR

    if args.output is None or args.display_filter or args.explain:
        print("tcpscope: --dask writes Parquet to -o OUT (and takes neither -Y nor --explain)", file=sys.stderr)
        return EXIT_ERROR
    try:
        from distributed import Client
    except ImportError:
        print("tcpscope: --dask needs Dask's distributed scheduler: pip install tcpscope[dask]", file=sys.stderr)
        return EXIT_ERROR
    from tcpscope.dask import analyze

    with Client(args.dask) as client:  # type: ignore[no-untyped-call]  # (distributed's Client is not annotated)
        rows = analyze(args.file, args.output, client)
    print(f"{rows} TCP frames written to {args.output}")
    return 0
