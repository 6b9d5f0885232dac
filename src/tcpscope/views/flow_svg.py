"""The flow graph as a picture: an SVG (or an HTML page around it), self-contained.

The same items as the text (:mod:`tcpscope.views.flow`), drawn as Wireshark's Flow Graph
window draws them: one column per address (every address, not only the text's first
forty), a vertical line down each, and per segment, in frame order, an arrow from the
sender's column to the receiver's, labelled above with the flags and ``Len`` (the text's
label) and with the ports at its two ends; a segment from an address to itself loops
back to its column. At the left of each row, the frame number and its time; at the
right, the relative ``Seq``/``Ack`` (the text's comment) and, when the items carry
them, each side's TCP state where it changes. A rule separates the conversations when
there are several, with the ``tcp.stream`` number at the left of its first row.

The arrow's colour says what the segment does: green opens (SYN), blue closes (FIN),
red resets (RST), black carries data, grey only acknowledges.

Everything is in the one file: no stylesheet, font or script is fetched (generic
``monospace``), and every text from the capture (addresses, states) is escaped, so
that it is shown as text and never read as markup. Every item is an element ``<g
class="item" data-frame="N">`` holding one ``path.arrow`` and one ``text.label``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from html import escape

import numpy as np

from tcpscope.constants import FIN, RST, SYN
from tcpscope.views.flow import FlowItems, item_comment, item_label, state_changes, state_words
from tcpscope.views.packet_list import time_text

__all__ = ["html_parts", "render_html", "render_svg", "svg_parts"]

#: Pixels: the least width of an address's column (wider for a long address: :data:`CHAR`
#: per character of the longest, plus a margin), a row's height, the left and right columns.
COLUMN = 180
CHAR = 8
ROW = 40
LEFT = 150
RIGHT = 380
TOP = 56
#: Width of a loop from an address to itself.
LOOP = 46
#: Items drawn per piece of the document.
_BATCH = 4096

_FONT = "font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\""
_COLOURS = {"syn": "#2e7d32", "fin": "#1565c0", "rst": "#c62828", "data": "#212121", "ack": "#757575"}
_STATE_COLOUR = "#6a1b9a"
_LEGEND = (("syn", "SYN"), ("fin", "FIN"), ("rst", "RST"), ("data", "data"), ("ack", "ACK only"))


def _kind(flags: int, seglen: int) -> str:
    """What the segment does, for its colour: reset, open, close, data, or only ACK."""
    if flags & RST:
        return "rst"
    if flags & SYN:
        return "syn"
    if flags & FIN:
        return "fin"
    return "data" if seglen > 0 else "ack"


def _text(x: float, y: float, text: str, attrs: str = "") -> str:
    return f'<text x="{x:g}" y="{y:g}" {attrs}>{escape(text)}</text>'


@dataclass(frozen=True)
class _Layout:
    """Where the rows go: the picture's width, the x of the right column, the width of an
    address's column, and whether the graph has several conversations (a rule and a
    stream number where one starts)."""

    width: int
    right: int
    column: int
    several: bool


def _column_width(nodes: tuple[str, ...]) -> int:
    """The width of every address's column: room for the longest address in bold."""
    return max([COLUMN, *(CHAR * len(node) + 24 for node in nodes)])


def _head(items: FlowItems, layout: _Layout, height: int, title: str) -> list[str]:
    """The SVG element, its arrowheads, the title and the address columns."""
    width, column = layout.width, layout.column
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" {_FONT} font-size="12">',
        "<defs>" + "".join(
            f'<marker id="head-{k}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>'
            for k, c in _COLOURS.items()) + "</defs>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        _text(8, 18, title, 'font-size="13" font-weight="bold" class="title"'),
        _text(8, TOP - 10, "frame  time", 'fill="#555"'),
        _text(layout.right, TOP - 10, "seq / ack  (relative)", 'fill="#555"'),
    ]
    at = width - RIGHT + 8
    for kind, words in _LEGEND:
        out.append(_text(at, 18, words, f'fill="{_COLOURS[kind]}" font-size="11"'))
        at += 9 * len(words) + 12
    for k, node in enumerate(items.nodes):
        x = LEFT + k * column + column / 2
        out.append(_text(x, TOP - 10, node, 'text-anchor="middle" font-weight="bold" class="node"'))
        out.append(f'<line x1="{x:g}" y1="{TOP - 4}" x2="{x:g}" y2="{height - 8}" stroke="#b0bec5" '
                   'stroke-dasharray="4 3"/>')
    return out


def _arrow(x1: float, x2: float, y: float, kind: str) -> str:
    """The arrow of a segment: a line between two columns, or a loop back to one."""
    colour = _COLOURS[kind]
    if x1 == x2:
        d = f"M{x1:g},{y - 8:g} h{LOOP} v16 h{-LOOP}"
    else:
        d = f"M{x1:g},{y:g} H{x2:g}"
    return (f'<path class="arrow" d="{d}" fill="none" stroke="{colour}" stroke-width="1.6" '
            f'marker-end="url(#head-{kind})"/>')


#: One item's values, as :func:`_item` takes them.
_Row = tuple[int, int, int, int, bool, int, int, int, int, int, bool, int, int, int]


def _item(i: int, row: _Row, layout: _Layout, first: bool, said: str) -> str:
    """Item ``i`` of the graph: its row's texts, arrow and label (``first``: the first row
    of its conversation; ``said``: the states that changed)."""
    frame, c, rel, digits, has_ts, src, dst, sport, dport, flags, ace, seglen, seq, ack = row
    top = TOP + i * ROW
    y = top + ROW * 0.62
    parts = []
    if layout.several and first and i:
        parts.append(f'<line class="separator" x1="4" y1="{top:g}" x2="{layout.width - 4}" y2="{top:g}" '
                     'stroke="#90a4ae"/>')
    x1 = LEFT + src * layout.column + layout.column / 2
    x2 = LEFT + dst * layout.column + layout.column / 2
    kind = _kind(flags, seglen)
    parts += [f'<g class="item" data-frame="{frame}">',
              _text(8, y + 4, f"{frame:>6}  {time_text(rel, digits, has_ts)}", 'fill="#37474f" xml:space="preserve"')]
    if layout.several and first:
        parts.append(_text(8, top + 12, f"stream {c}", 'fill="#90a4ae" font-size="10"'))
    parts.append(_arrow(x1, x2, y, kind))
    mid = (x1 + x2) / 2 if x1 != x2 else x1 + LOOP / 2
    parts.append(_text(mid, y - 6 if x1 != x2 else y - 11, item_label(flags, ace, seglen),
                       f'text-anchor="middle" fill="{_COLOURS[kind]}" class="label"'))
    if x1 != x2:
        ahead = x2 > x1
        step = 4 if ahead else -4
        parts.append(_text(x1 + step, y + 13, str(sport),
                           f'text-anchor="{"start" if ahead else "end"}" fill="#78909c" font-size="10"'))
        parts.append(_text(x2 - step, y + 13, str(dport),
                           f'text-anchor="{"end" if ahead else "start"}" fill="#78909c" font-size="10"'))
    parts.append(_text(layout.right, y + 4, item_comment(flags, seq, ack), 'fill="#37474f" class="comment"'))
    if said:
        parts.append(_text(layout.right, y + 17, said, f'fill="{_STATE_COLOUR}" font-size="11" class="state"'))
    parts.append("</g>\n")
    return "".join(parts)


def svg_parts(items: FlowItems, title: str = "") -> Iterator[str]:
    """The flow graph of ``items`` as one SVG document (module docstring), in pieces of
    :data:`_BATCH` items: a large graph is written as it is drawn."""
    n = len(items)
    conv = items.stream
    column = _column_width(items.nodes)
    layout = _Layout(LEFT + max(len(items.nodes), 1) * column + RIGHT, LEFT + len(items.nodes) * column + 8, column,
                     n > 0 and bool((conv != conv[0]).any()))
    yield "\n".join(_head(items, layout, TOP + n * ROW + 16, title)) + "\n"
    client, server = state_changes(items)
    starts = np.ones(n, dtype=np.bool_)
    starts[1:] = conv[1:] != conv[:-1]
    columns = (items.frame, conv, items.rel_ns, items.digits, items.has_ts, items.src_node, items.dst_node,
               items.sport, items.dport, items.flags, items.use_ace, items.seglen, items.seq, items.ack)
    for lo in range(0, n, _BATCH):
        part = slice(lo, lo + _BATCH)
        rows = zip(*(col[part].tolist() for col in columns), strict=True)
        yield "".join(_item(i, row, layout, first, state_words(items, i, cl, sv) if cl or sv else "")
                      for i, row, first, cl, sv in zip(range(lo, n), rows, starts[part].tolist(),
                                                       client[part].tolist(), server[part].tolist(), strict=False))
    yield "</svg>\n"


def render_svg(items: FlowItems, title: str = "") -> str:
    """:func:`svg_parts` as one string."""
    return "".join(svg_parts(items, title))


def html_parts(items: FlowItems, title: str = "") -> Iterator[str]:
    """An HTML page holding the picture of :func:`svg_parts` inline, and its title."""
    heading = escape(f"tcpscope flow: {title}")
    yield ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           f"<title>{heading}</title>\n"
           "<style>body{margin:16px;background:#fafafa;color:#212121;"
           "font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace}"
           "h1{font-size:15px;font-weight:bold}svg{background:#fff;border:1px solid #cfd8dc}</style>\n"
           f"</head>\n<body>\n<h1>{heading} ({len(items)} segments, {len(items.nodes)} addresses)</h1>\n")
    yield from svg_parts(items, title)
    yield "</body>\n</html>\n"


def render_html(items: FlowItems, title: str = "") -> str:
    """:func:`html_parts` as one string."""
    return "".join(html_parts(items, title))
