"""``tcpscope fields``: the ``tshark -T fields`` of tcpscope."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, BinaryIO, Literal

from tcpscope.cli.common import EXIT_ERROR, finish, reading_of, scan_capture
from tcpscope.errors import FieldError

if TYPE_CHECKING:
    from tcpscope.api import PacketView
    from tcpscope.table.schema import FieldDef
    from tcpscope.views.fields import FieldsOptions

__all__ = ["print_fields", "run"]


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
    return print_fields(args, defs, opts)


def print_fields(args: argparse.Namespace, defs: list[FieldDef], opts: FieldsOptions) -> int:
    """Print ``defs`` of the frames of ``args.file`` that ``args.display_filter`` selects
    (also for ``tcpscope -r FILE -T fields``, which resolves the names itself)."""
    from tcpscope.views.columns import full_registry as registry

    labelled = defs
    if any(d.ftype.value == "FT_PROTOCOL" for d in defs):  # (the enum is not imported before a file is read)
        from tcpscope.views.tree_frames import label_fields

        labelled = label_fields(defs, registry())
    # a protocol's label shows analysis fields (TCP's relative numbers)
    analyze = any(a is not b for a, b in zip(defs, labelled, strict=True))
    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", None)
    buf = None
    if out is None:  # a text stream without bytes underneath (tests, notebooks)
        import io

        out = buf = io.BytesIO()
    if opts.bom:
        out.write("\ufeff".encode())
    warnings = _stream(args, labelled, opts, out, True if analyze else "needed")
    out.flush()
    if buf is not None:
        sys.stdout.write(buf.getvalue().decode("utf-8"))
    return finish(warnings)


def _stream(args: argparse.Namespace, defs: list[FieldDef], opts: FieldsOptions, out: BinaryIO,
            analyze: bool | Literal["needed"]) -> tuple[str, ...]:
    """Print the fields a piece of the capture at a time (``tcpscope.scan``, the analysis
    only when a field or the filter reads it); returns the reader's warnings.

    Output through a pipe is flushed after each piece, so that a live capture shows as it
    comes. A piece is printed on a second thread while the next one is dissected (the
    rendering kernels release the interpreter), so at most two pieces are in memory.
    """
    from tcpscope._jit import job
    from tcpscope.views.fields import write_fields

    def write(piece: PacketView, piece_opts: FieldsOptions) -> None:
        with job(piece.job):  # the writer thread starts with no job: the piece brings its own
            write_fields(piece.table, defs, piece_opts, out, None if piece.mask is None else piece.frames)
        if not scan.whole:
            out.flush()

    from tcpscope.views.columns import full_registry

    known = full_registry()  # (tcpscope -r FILE -e NAME of a field not dissected yet: an empty column)
    names = [d.name for d in defs if d.name in known]
    with scan_capture(args.file, args.display_filter, names, analyze, reading_of(args)) as scan:
        pieces = iter(scan)
        first = next(pieces, None)
        if first is not None and scan.whole and first.table.n == scan.frames:  # one piece: no writer thread
            write(first, opts)
            for _ in pieces:  # none: this ends the scan, which then holds its warnings
                pass
        elif first is not None:
            _write_ahead(write, first, pieces, opts)
    return scan.warnings


def _write_ahead(write: Callable[[PacketView, FieldsOptions], None], first: PacketView, rest: Iterator[PacketView],
                 opts: FieldsOptions) -> None:
    """Each piece written on a second thread while the next one is made, so at most two
    pieces are in memory (the rendering kernels release the interpreter)."""
    from concurrent.futures import Future, ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[None] = writer.submit(write, first, opts)
        later = replace(opts, header=False)
        del first
        for piece in rest:
            pending.result()  # in order, and no more than two pieces at once
            pending = writer.submit(write, piece, later)
            del piece
        pending.result()
