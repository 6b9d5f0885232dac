"""The trees of the dissectors an HTTP body is handed to, after the HTTP tree (the rules
of packet-text-media.c, written here in our own words).

Line-based text data (``data-text-lines``): the media type the body was matched by (lower
case, parameters dropped) on the top line with the count of lines, then each line of the
decoded body with its line end, as format_text shows it; a line ends at a CR LF, a lone
CR or a lone LF, and a last line without an end is a line too.

The ``k``-th such tree of a frame is the body of the ``k``-th message the frame completes
that is handed to that dissector (:func:`tcpscope.analysis.http_fields.media_protocol`).
"""

from __future__ import annotations

import re

import numpy as np

from tcpscope.analysis.http_fields import LAYER, file_data, first_headers, media_protocol, message_table
from tcpscope.dissect.text import format_texts
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldType
from tcpscope.views.tree import Protocol
from tcpscope.views.tree_http import body_place
from tcpscope.views.tree_http_text import HttpItem, item_lines, text_label

__all__ = ["TEXT_LINES", "text_lines_items", "text_lines_text"]

#: The kinds of a request, a response and a Continuation in the messages' layer (a
#: Continuation has a Content-Type when its header lines name one)
_MESSAGE_KINDS = (1, 2, 3)
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _head(_item: object) -> str:
    return "Line-based text data"


#: Line-based text data, for the details view: its tree is written by :func:`text_lines_text`
TEXT_LINES = Protocol("data-text-lines", "", _head, ())


def _bodies(table: PacketTable, frame: int, protocol: str) -> list[tuple[str, bytes, int]]:
    """The media type, decoded body and message row of each message frame ``frame``
    completes whose body goes to ``protocol``, in order."""
    lt = table.layer(LAYER)
    a, b = int(np.searchsorted(lt.pkt, frame)), int(np.searchsorted(lt.pkt, frame, side="right"))
    rows = np.arange(a, b, dtype=np.int64)
    ctypes = first_headers(table, "content_type", rows)
    out = []
    for row in rows.tolist():
        body = file_data(table, row)
        ctype = ctypes.get(row)
        if int(lt.cols["kind"][row]) in _MESSAGE_KINDS and body and ctype is not None \
                and media_protocol(ctype, body) == protocol:
            out.append((ctype.split(";", 1)[0].strip().lower(), body, row))
    return out


def text_lines_items(table: PacketTable, frame: int, layer: int) -> tuple[int, HttpItem] | None:
    """The ``layer``-th Line-based text data tree of the frame (module docstring), and the
    number of the message it is the body of among the frame's messages (from 1). Each line
    is an item that is text only; the protocol's bytes are the body's place
    (:func:`tcpscope.views.tree_http.body_place`)."""
    table = message_table(table)
    found = _bodies(table, frame, "data-text-lines")
    if layer > len(found):
        return None
    media, body, row = found[layer - 1]
    lines = _LINE.findall(body)
    at, source = body_place(table, row, body)
    first = int(np.searchsorted(table.layer(LAYER).pkt, frame))
    return row - first + 1, HttpItem("data-text-lines", f"Line-based text data: {media} ({len(lines)} lines)", "", at,
                                     len(body), FieldType.PROTOCOL, source=source,
                                     children=[HttpItem("", text_label(text)) for text in format_texts(lines)])


def text_lines_text(table: PacketTable, frame: int, layer: int, _payload: bytes, _ports: tuple[int, int]) -> str | None:
    """The ``layer``-th Line-based text data tree of the frame (module docstring)."""
    got = text_lines_items(table, frame, layer)
    return None if got is None else "".join(f"{line}\n" for line in item_lines([got[1]], 0))
