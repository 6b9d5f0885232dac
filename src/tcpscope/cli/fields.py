"""``tcpscope fields``: the ``tshark -T fields`` of tcpscope."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, BinaryIO

from tcpscope.cli.common import (
    EXIT_ERROR,
    capture_stream,
    compile_display_filter,
    finish,
)
from tcpscope.errors import CaptureWarning, FieldError

if TYPE_CHECKING:
    from tcpscope.table.schema import FieldDef
    from tcpscope.views.fields import FieldsOptions

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    from tcpscope.views.columns import full_registry as registry
    from tcpscope.views.fields import FieldsOptions, parse_e_option

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

