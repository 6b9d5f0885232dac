"""The items the TCP tree shows for a segment a dissector above TCP keeps for a PDU it
has not got whole (packet-tcp.c ``desegment_tcp``, reference/pdu-framing.md §2), as
tshark's one pass shows them.

SEGMENT DATA OF A PDU NOT YET WHOLE: a segment whose payload HTTP, TLS or DNS asked TCP to
keep from its first byte on (the dissector took none of it, or was not called on it:
the middle of a PDU of known length) completes no PDU; TCP shows its whole payload as
``TCP segment data (N bytes)`` at the end of its tree, and the frame names no protocol
above TCP. (The one pass knows no later frame, so no ``[Reassembled PDU in frame: N]``.)
These are the segments the packet list marks ``[TCP segment of a reassembled PDU]``
after TCP's own Info, after the message's first line HTTP wrote before asking for more,
or alone where TLS cleared Info before asking for more (:mod:`tcpscope.analysis.http`,
:mod:`tcpscope.analysis.tls_frames`).

RETRANSMITTED DATA: a segment TCP's analysis calls a retransmission (not a fast or a
spurious one), with payload, all of it captured (TCP reassembles only what it can
checksum) and no RST, is handed to no dissector: TCP shows its payload as
``Retransmitted TCP segment data (N bytes)``, and the frame names no protocol above TCP.
Without reassembly (``tcp.desegment_tcp_streams:FALSE``, the frames marked
:data:`~tcpscope.analysis.PER_SEGMENT`) the segment is handed to no dissector either,
but TCP adds no item for its payload: the tree ends with TCP's own items.
"""

from __future__ import annotations

import weakref

import numpy as np
from numpy.typing import NDArray

from tcpscope.analysis import PER_SEGMENT
from tcpscope.analysis.layout import A_FAST_RETRANSMISSION, A_RETRANSMISSION, A_SPURIOUS_RETRANSMISSION
from tcpscope.constants import RST
from tcpscope.table.packets import PacketTable
from tcpscope.views.tree import Item

__all__ = ["is_retransmitted_data", "is_whole_segment_data", "retransmitted_data_label", "segment_data_label",
           "whole_segment_data"]

#: The last table asked about and its answer (one table is shown at a time)
_SEEN: list[tuple[weakref.ref[PacketTable], NDArray[np.bool_]]] = []


def whole_segment_data(table: PacketTable) -> NDArray[np.bool_]:
    """Per ``tcp`` row: whether its whole payload is segment data of a PDU not yet whole
    (module docstring), for HTTP's and TLS's or DNS's framing alike."""
    for ref, got in _SEEN:
        if ref() is table:
            return got
    # (imported here: the framing's kernels are not for the start-up of a command that
    # shows no tree; tests/cli/test_startup.py)
    from tcpscope.analysis.http import SHOW_LINE_MARK, SHOW_TCP_MARK, http_segments
    from tcpscope.analysis.tls_frames import SHOW_BARE_MARK, app_segments
    from tcpscope.analysis.tls_frames import SHOW_TCP_MARK as APP_TCP_MARK

    out = np.zeros(len(table.layer("tcp")), dtype=np.bool_)
    http = http_segments(table)
    out[http.row[(http.show == SHOW_TCP_MARK) | (http.show == SHOW_LINE_MARK)]] = True
    app = app_segments(table)
    rows, show = np.asarray(app.row, dtype=np.int64), np.asarray(app.show)
    out[rows[(show == APP_TCP_MARK) | (show == SHOW_BARE_MARK)]] = True
    _SEEN[:] = [(weakref.ref(table), out)]
    return out


def is_whole_segment_data(item: Item) -> bool:
    """Whether the TCP header shown is a segment of :func:`whole_segment_data`."""
    return bool(whole_segment_data(item.table)[item.where.rows["tcp"]])


def segment_data_label(item: Item) -> str:
    """``TCP segment data (N bytes)``: the segment's length on the wire."""
    n = int(item.get("tcp.len") or 0)
    return f"TCP segment data ({n} byte{'' if n == 1 else 's'})"


def is_retransmitted_data(item: Item) -> bool:
    """Whether the TCP header shown is a segment of RETRANSMITTED DATA (module docstring)
    that TCP shows the payload of (it reassembles)."""
    if PER_SEGMENT in item.table.frame_cols:
        return False
    c = item.table.layer("tcp").cols
    row = item.where.rows["tcp"]
    aflags = int(c["aflags"][row])
    length = int(c["len"][row])
    return (bool(aflags & A_RETRANSMISSION) and not aflags & (A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION)
            and length > 0 and int(c["payload_cap"][row]) >= length and not int(c["flags"][row]) & RST)


def retransmitted_data_label(item: Item) -> str:
    """``Retransmitted TCP segment data (N bytes)``: the segment's length on the wire."""
    n = int(item.get("tcp.len") or 0)
    return f"Retransmitted TCP segment data ({n} byte{'' if n == 1 else 's'})"
