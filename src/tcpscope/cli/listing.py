"""``tcpscope list``: the packet list, as plain ``tshark -r FILE`` prints it."""

from __future__ import annotations

import argparse
import sys

from tcpscope.cli.common import add_file_argument, add_filter_argument, finish, load

__all__ = ["register"]


def run(args: argparse.Namespace) -> int:
    from tcpscope.views.packet_list import packet_lines

    loaded = load(args.file, args.display_filter)
    write = sys.stdout.write
    for line in packet_lines(loaded.table, loaded.frames):
        write(line)
        write("\n")
    sys.stdout.flush()
    return finish(loaded.warnings)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("list", help="the packet list, one line per frame, as tshark prints it")
    add_file_argument(p)
    add_filter_argument(p)
    p.set_defaults(run=run)
