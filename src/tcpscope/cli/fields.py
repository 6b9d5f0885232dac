"""``tcpscope fields``: the ``tshark -T fields`` of tcpscope."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, BinaryIO

from tcpscope.cli.common import (
    EXIT_ERROR,
    add_file_argument,
    add_filter_argument,
    capture_stream,
    compile_display_filter,
    finish,
)
from tcpscope.errors import CaptureWarning, FieldError

if TYPE_CHECKING:
    from tcpscope.table.schema import FieldDef
    from tcpscope.views.fields import FieldsOptions

__all__ = ["register"]


def run(args: argparse.Namespace) -> int:
    from tcpscope.views.columns import full_registry as registry
    from tcpscope.views.fields import FieldsOptions, parse_e_option

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
    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", None)
    buf = None
    if out is None:  # a text stream without bytes underneath (tests, notebooks)
        import io

        out = buf = io.BytesIO()
    warnings = _stream(args, defs, opts, out)
    out.flush()
    if buf is not None:
        sys.stdout.write(buf.getvalue().decode("utf-8"))
    return finish(warnings)


def _stream(args: argparse.Namespace, defs: list[FieldDef], opts: FieldsOptions, out: BinaryIO,
            ) -> tuple[CaptureWarning, ...]:
    """Print the fields a piece of the capture at a time (:mod:`tcpscope.views.stream`)."""
    from tcpscope.filter.registry import analysis_need
    from tcpscope.views.stream import stream_fields

    flt = compile_display_filter(args.display_filter)
    # the analysis runs when a field or the filter needs it
    names = [d.name for d in defs] + sorted(flt.field_names() if flt is not None else ())
    with capture_stream(args.file, flt, analysis_need(names)) as stream:
        return stream_fields(stream, defs, opts, out)


class _ListFields(argparse.Action):
    """``--list-fields``: print every field's name, type and description, one a line
    separated by tabs (what ``tshark -G fields`` tells of them), and exit. The registry
    is imported only then, so that ``--help`` stays quick."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        from tcpscope.views.columns import full_registry

        sys.stdout.write("".join(f"{d.name}\t{d.ftype.value}\t{d.description}\n" for d in full_registry().values()))
        parser.exit()


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    f = sub.add_parser("fields", help="print fields of every frame, as tshark -T fields does")
    f.add_argument("--list-fields", action=_ListFields,
                   help="list every field: its name, type and description (no FILE needed), and exit")
    add_file_argument(f)
    f.add_argument("-e", action="append", metavar="FIELD", help="a Wireshark field name (repeatable)")
    f.add_argument("-E", action="append", metavar="OPT=VALUE",
                   help="header=y|n, separator=/t|/s|C, occurrence=f|l|a|N, aggregator=C, quote=d|s|n")
    add_filter_argument(f)
    f.set_defaults(run=run)
