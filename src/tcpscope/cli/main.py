"""The ``tcpscope`` command: argument parsing and terminal output only.

Subcommands mirror what a tshark user types: ``fields`` is ``tshark -T fields``, ``list``
the packet list, ``conv`` and ``expert`` the ``-z`` statistics, ``analyze`` the report a
newcomer runs first. Errors are one line on standard error (tshark's wording, with
``tcpscope:`` in front) and exit status 2; a file cut short prints every whole frame
first, then the warning.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from tcpscope.cli import analyze, conv, expert, fields, listing
from tcpscope.cli.common import EXIT_ERROR
from tcpscope.errors import TcpscopeError

__all__ = ["build_parser", "main", "run"]

#: The subcommand modules, in the order ``--help`` lists them; each has ``register``.
COMMANDS = (analyze, fields, listing, conv, expert)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tcpscope",
                                description="Wireshark's TCP analysis on whole captures, faster, in plain words.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for mod in COMMANDS:
        mod.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return int(args.run(args))
    except TcpscopeError as exc:
        print(f"tcpscope: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


def run() -> None:  # pragma: no cover - the console script; exits the process
    """``tcpscope`` from the shell: :func:`main`, then exit without tearing the interpreter down.

    After a large capture, freeing every array and module one by one takes a noticeable
    part of a second that the operating system does at once on exit; output and errors
    are flushed first, and nothing else is pending (worker threads have finished).
    """
    code = main()
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
