"""``tcpscope fields``: the ``tshark -T fields`` of tcpscope."""

from __future__ import annotations

import argparse
import sys

from tcpscope.cli.common import EXIT_ERROR, add_file_argument, add_filter_argument, finish, load
from tcpscope.errors import FieldError

__all__ = ["register"]


def run(args: argparse.Namespace) -> int:
    from tcpscope.views.columns import full_registry as registry
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
    # the analysis runs when a field or the filter needs it
    loaded = load(args.file, args.display_filter, analyze=[d.name for d in defs])
    sys.stdout.flush()
    frames = None if loaded.frames.shape[0] == loaded.table.n else loaded.frames
    out = getattr(sys.stdout, "buffer", None)
    if out is not None:
        write_fields(loaded.table, defs, opts, out, frames)
        out.flush()
    else:  # a text stream without bytes underneath (tests, notebooks)
        import io

        buf = io.BytesIO()
        write_fields(loaded.table, defs, opts, buf, frames)
        sys.stdout.write(buf.getvalue().decode("utf-8"))
    return finish(loaded.warnings)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    f = sub.add_parser("fields", help="print fields of every frame, as tshark -T fields does")
    add_file_argument(f)
    f.add_argument("-e", action="append", metavar="FIELD", help="a Wireshark field name (repeatable)")
    f.add_argument("-E", action="append", metavar="OPT=VALUE",
                   help="header=y|n, separator=/t|/s|C, occurrence=f|l|a|N, aggregator=C, quote=d|s|n")
    add_filter_argument(f)
    f.set_defaults(run=run)
