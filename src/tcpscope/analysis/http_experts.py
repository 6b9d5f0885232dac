"""HTTP's expert items: a chat on each request and response line (packet-http.c).

tshark's HTTP dissector adds to the first line of each request and each response an
expert item of severity Chat, group Sequence, whose message is that line as its item
shows it: its bytes made printable by ``format_text`` with the line end (``GET /
HTTP/1.1\\r\\n``), cut to the 239 bytes of a label's buffer (a character cut there is
dropped). A Continuation has no first line, so no chat.

The lines are those of the HTTP messages (:func:`tcpscope.analysis.http_fields.message_table`,
the layer the details tree reads them from too); :func:`with_http_experts` puts their
chats into the ``_expert`` layer after the items of the frame's lower layers, in the
order of the messages.
"""

from __future__ import annotations

import weakref
from functools import lru_cache

import numpy as np

from tcpscope._types import Array
from tcpscope.analysis.http_fields import LAYER, message_table
from tcpscope.dissect.experts import EXPERT_CODE, text_number
from tcpscope.dissect.text import format_text
from tcpscope.table.layers import Layer
from tcpscope.table.packets import PacketTable

__all__ = ["chat_message", "with_http_experts"]

#: The size of an item label's buffer (epan/proto.h), its closing NUL included
_LABEL_LENGTH = 240
#: The message kinds that have a first line: a request (1) and a response (2)
_FIRST_LINE_KINDS = (1, 2)
#: The slot of HTTP's items: after every item of the layers below it in the same frame
_HTTP_SLOT = 1 << 29

_DONE: list[tuple[weakref.ref[PacketTable], PacketTable]] = []


@lru_cache(maxsize=4096)
def chat_message(line: bytes) -> str:
    """The message of the chat on a first line (its bytes with the line end): formatted,
    cut to the label buffer's first 239 bytes. Cached: keep-alive traffic repeats its lines."""
    return format_text(line).encode("utf-8")[:_LABEL_LENGTH - 1].decode("utf-8", errors="ignore")


def _first_line(head: bytes) -> bytes:
    """A message's first line with its line end (LF, or CRLF)."""
    end = head.find(b"\n")
    return head if end < 0 else head[: end + 1]


def with_http_experts(t: PacketTable) -> PacketTable:
    """``t`` whose ``_expert`` layer has HTTP's chats too (the module docstring); a table
    without HTTP messages is returned as it is. The last table done is remembered while
    it lives."""
    for ref, got in _DONE:
        if ref() is t:
            return got
    done = _with_chats(t)
    _DONE[:] = [(weakref.ref(t), done)]
    return done


def _with_chats(t: PacketTable) -> PacketTable:
    if "stream" not in t.layer("tcp").cols:
        return t
    msgs = message_table(t).layer(LAYER)
    if len(msgs) == 0:
        return t
    c = msgs.cols
    rows = np.flatnonzero(np.isin(np.asarray(c["kind"]), _FIRST_LINE_KINDS))
    if rows.shape[0] == 0:
        return t
    table = message_table(t)
    args = np.empty(rows.shape[0], dtype=np.int64)
    for k, r in enumerate(rows.tolist()):
        buf = table.buffers[int(c["buf"][r])]
        head = buf[int(c["start"][r]): int(c["body"][r])].tobytes()
        args[k] = text_number(chat_message(_first_line(head)))
    old = t.layer("_expert")
    n = rows.shape[0]
    new_cols: dict[str, Array] = {
        "code": np.full(n, EXPERT_CODE["http.chat"], dtype=np.int32),
        "arg": args,
        "arg2": np.zeros(n, dtype=np.int64),
        "slot": np.full(n, _HTTP_SLOT, dtype=np.int32),
    }
    if len(old) == 0:
        return t.with_layer(Layer("_expert", msgs.pkt[rows], np.asarray(msgs.depth[rows]), np.ones(n, np.int32),
                                  new_cols))
    # after the frame's other items: ordered by frame, then older items first, each in its order
    pkt = np.concatenate([old.pkt, msgs.pkt[rows]])
    order = np.lexsort((np.arange(pkt.shape[0]), np.arange(pkt.shape[0]) >= len(old), pkt))
    depth = np.concatenate([old.depth, np.asarray(msgs.depth[rows]).astype(old.depth.dtype)])
    cols = {k: np.concatenate([np.asarray(old.cols[k]), v.astype(np.asarray(old.cols[k]).dtype)])[order]
            for k, v in new_cols.items()}
    return t.with_layer(Layer("_expert", pkt[order], depth[order], np.ones(pkt.shape[0], np.int32), cols))
