"""``tcpscope analyze``: the report a newcomer runs first (and what ``make demo`` runs)."""

from __future__ import annotations

import argparse
import sys

from tcpscope.cli.common import add_file_argument, add_filter_argument, finish, load

__all__ = ["register"]


def run(args: argparse.Namespace) -> int:
    from tcpscope.views.report import report_lines

    loaded = load(args.file, args.display_filter)
    sys.stdout.write("\n".join(report_lines(loaded.table, loaded.frames)) + "\n")
    sys.stdout.flush()
    return finish(loaded.warnings)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("analyze", help="report: the capture, its TCP connections, findings, how each opened and closed")
    add_file_argument(p)
    add_filter_argument(p)
    p.set_defaults(run=run)
