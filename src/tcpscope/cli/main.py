"""The ``tcpscope`` command: argument parsing and terminal output only.

Subcommands mirror what a tshark user types: ``fields`` is ``tshark -T fields``.
Errors are one line on standard error (tshark's wording, with ``tcpscope:`` in front)
and exit status 2; a file cut short prints every whole frame first, then the warning.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from tcpscope.errors import CaptureWarning, FieldError, TcpscopeError

__all__ = ["main", "run"]

EXIT_ERROR = 2


def _fields(args: argparse.Namespace) -> int:
    from tcpscope.capture import read_records
    from tcpscope.dissect.pipeline import dissect
    from tcpscope.filter.registry import registry
    from tcpscope.views.fields import FieldsOptions, parse_e_option, write_fields

    if not args.e:
        print("tcpscope: fields needs at least one -e FIELD", file=sys.stderr)
        return EXIT_ERROR
    opts = FieldsOptions()
    for opt in args.E or []:
        try:
            opts = parse_e_option(opts, opt)
        except ValueError as exc:
            print(f"tcpscope: {exc}", file=sys.stderr)
            return EXIT_ERROR
    try:
        defs = registry().require(args.e)
    except FieldError as exc:
        sys.stderr.write(f"tcpscope: {exc}")
        return EXIT_ERROR
    records = read_records(args.file)
    table = dissect(records)
    sys.stdout.flush()
    out = sys.stdout.buffer
    write_fields(table, defs, opts, out)
    out.flush()
    return _warn(records.warnings)


def _warn(warnings: Sequence[CaptureWarning]) -> int:
    for w in warnings:
        print(f"tcpscope: {w.message}", file=sys.stderr)
    return EXIT_ERROR if warnings else 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tcpscope", description="Wireshark's TCP analysis, faster, in plain words.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    f = sub.add_parser("fields", help="print fields of every frame, as tshark -T fields does")
    f.add_argument("file", metavar="FILE", help="capture file (pcap, pcapng, gzip); - for standard input")
    f.add_argument("-e", action="append", metavar="FIELD", help="a Wireshark field name (repeatable)")
    f.add_argument("-E", action="append", metavar="OPT=VALUE",
                   help="header=y|n, separator=/t|/s|C, occurrence=f|l|a|N, aggregator=C, quote=d|s|n")
    f.set_defaults(run=_fields)
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
