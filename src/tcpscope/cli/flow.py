"""``tcpscope flow``: the flow graph, as ``tshark -q -z flow,tcp,standard`` prints it.

``--network`` prints ``-z flow,tcp,network`` (the addresses the TCP dissector sees: an
IPv6 Routing header's final destination). ``-Y FILTER`` keeps the segments of the frames
FILTER selects, as the tap filter of ``-z flow,tcp,standard,FILTER`` does (tshark's own
``-Y`` leaves statistics alone). ``--states`` appends to each line the client's and the
server's TCP state where they change (the fields ``tcpscope.state.client`` and
``tcpscope.state.server``). ``--svg OUT`` and ``--html OUT`` draw the same graph as a
picture, with the states when the registry has those fields (``views.flow_svg``), and
print no text; the picture holds every segment (select a large capture's with ``-Y``).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from typing import TYPE_CHECKING, TextIO

from tcpscope.cli.common import finish, reading_of, scan_capture
from tcpscope.errors import TcpscopeError

if TYPE_CHECKING:
    from tcpscope.table.schema import FieldDef

__all__ = ["STATE_FIELDS", "run"]

#: The fields whose texts are each side's state.
STATE_FIELDS = ("tcpscope.state.client", "tcpscope.state.server")

#: Lines written at a time.
_LINES = 4096


def _state_fields(required: bool) -> tuple[FieldDef, FieldDef] | None:
    """The definitions of :data:`STATE_FIELDS` from the registry; without them, an error
    when ``required``, else None (the picture is then drawn without states)."""
    from tcpscope.views.columns import full_registry

    known = full_registry()
    if all(name in known for name in STATE_FIELDS):
        return known[STATE_FIELDS[0]], known[STATE_FIELDS[1]]
    if required:
        raise TcpscopeError("--states needs the tcpscope.state fields")
    return None


def _open(path: str) -> TextIO:
    """A picture's file, opened before the capture is read: a path that cannot be
    written is a one-line error at once, not after a large capture."""
    try:
        return open(path, "w", encoding="utf-8")  # closed by run's ExitStack
    except OSError as exc:
        raise TcpscopeError(f"cannot write {path}: {exc.strerror}") from exc


def run(args: argparse.Namespace) -> int:
    """The graph's items gathered a piece of the capture at a time (``tcpscope.scan``,
    ``views.flow.FlowGraph``), then its text or its pictures."""
    from tcpscope._jit import job
    from tcpscope.views.flow import FlowGraph, flow_lines

    with ExitStack() as files:
        svg = files.enter_context(_open(args.svg)) if args.svg else None
        html = files.enter_context(_open(args.html)) if args.html else None
        picture = svg is not None or html is not None
        graph = FlowGraph(network=args.network,
                          states=_state_fields(required=args.states) if args.states or picture else None)
        with scan_capture(args.file, args.display_filter, reading=reading_of(args)) as scan:
            for piece in scan:
                with job(piece.job):
                    graph.add(piece.table, piece.mask)
        items = graph.result()
        if picture:
            from tcpscope.views.flow_svg import html_parts, svg_parts

            title = f"{args.file}{f'  ({args.display_filter})' if args.display_filter else ''}"
            if svg is not None:
                svg.writelines(svg_parts(items, title))
            if html is not None:
                html.writelines(html_parts(items, title))
            return finish(scan.warnings)
    out = sys.stdout
    batch: list[str] = []
    for line in flow_lines(items, states=args.states):
        batch.append(line)
        if len(batch) == _LINES:
            out.write("\n".join(batch) + "\n")
            batch.clear()
    if batch:
        out.write("\n".join(batch) + "\n")
    out.flush()
    return finish(scan.warnings)
