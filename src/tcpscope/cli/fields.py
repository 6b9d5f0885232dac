"""``tcpscope fields``: the ``tshark -T fields`` of tcpscope."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, BinaryIO

from tcpscope.cli.common import EXIT_ERROR, add_file_argument, add_filter_argument, finish, scan_capture
from tcpscope.errors import FieldError

if TYPE_CHECKING:
    from tcpscope.api import PacketView
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
            ) -> tuple[str, ...]:
    """Print the fields a piece of the capture at a time (``tcpscope.scan``, the analysis
    only when a field or the filter reads it); returns the reader's warnings.

    Output through a pipe is flushed after each piece, so that a live capture shows as it
    comes. A piece is printed on a second thread while the next one is dissected (the
    rendering kernels release the interpreter), so at most two pieces are in memory.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    from tcpscope._jit import job
    from tcpscope.views.fields import write_fields

    def write(piece: PacketView, piece_opts: FieldsOptions) -> None:
        table = piece.table
        with job(piece.job):  # the thread starts with no job: the piece brings its own
            write_fields(table, defs, piece_opts, out, None if piece.mask is None else piece.frames)
        if not scan.whole:
            out.flush()

    piece_opts = opts
    with (scan_capture(args.file, args.display_filter, [d.name for d in defs], "needed") as scan,
          ThreadPoolExecutor(max_workers=1) as writer):
        pending: Future[None] | None = None
        for piece in scan:
            if pending is not None:
                pending.result()  # in order, and no more than two pieces at once
            pending = writer.submit(write, piece, piece_opts)
            piece_opts = replace(opts, header=False)
            del piece
        if pending is not None:
            pending.result()
    return scan.warnings


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
