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
from tcpscope.table.packets import PacketTable
from tcpscope.views.tree import Protocol
from tcpscope.views.tree_http_text import format_text, text_label

__all__ = ["TEXT_LINES", "text_lines_text"]

#: The kind of a request or response (not a Continuation) in the messages' layer
_MESSAGE_KINDS = (1, 2)
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _head(_item: object) -> str:
    return "Line-based text data"


#: Line-based text data, for the details view: its tree is written by :func:`text_lines_text`
TEXT_LINES = Protocol("data-text-lines", "", _head, ())


def _bodies(table: PacketTable, frame: int, protocol: str) -> list[tuple[str, bytes]]:
    """The media type and decoded body of each message frame ``frame`` completes whose
    body goes to ``protocol``, in order."""
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
            out.append((ctype.split(";", 1)[0].strip().lower(), body))
    return out


def text_lines_text(table: PacketTable, frame: int, layer: int, _payload: bytes, _ports: tuple[int, int]) -> str | None:
    """The ``layer``-th Line-based text data tree of the frame (module docstring)."""
    table = message_table(table)
    found = _bodies(table, frame, "data-text-lines")
    if layer > len(found):
        return None
    media, body = found[layer - 1]
    lines = _LINE.findall(body)
    return "".join([f"Line-based text data: {media} ({len(lines)} lines)\n",
                    *(f"    {text_label(format_text(line))}\n" for line in lines)])
