"""tcpscope's own fields of a connection's life per packet: each endpoint's TCP state,
the phase, the tutorial's rule, and the segments that make no sense in the state.

They read the columns :mod:`tcpscope.analysis.lifecycle` adds to the tcp layer and are
present on every segment that belongs to a conversation (``tcp.stream``), as strings
(``tcpscope.state.client == "TIME-WAIT"``); docs/tcp-states.md gives the states' table.
tshark has no such fields.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tcpscope.analysis.tcp_states import PHASE_LABELS, RULE_LABELS, STATE_LABELS, unexpected_texts
from tcpscope.table.access import Getter
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef, FieldType
from tcpscope.table.values import Values

__all__ = ["LIFECYCLE_FIELDS"]

_UNEXPECTED = {side: unexpected_texts(side) for side in ("client", "server")}


def _labelled(col: str, labels: NDArray[np.str_]) -> Getter:
    """The text of column ``col``'s code on every segment of a conversation."""

    def get(t: PacketTable) -> Values:
        lt = t.layer("tcp")
        if len(lt) == 0 or col not in lt.cols:
            return Values.empty()
        keep = np.asarray(lt.cols["stream"]) >= 0
        return Values(lt.pkt[keep], labels[np.asarray(lt.cols[col])[keep]], lt.layer[keep])

    return get


def _unexpected(t: PacketTable) -> Values:
    """The findings of the client's side, then the server's (a value each, where one is)."""
    lt = t.layer("tcp")
    if len(lt) == 0 or "lc_odd_client" not in lt.cols:
        return Values.empty()
    pkts: list[NDArray[np.int64]] = []
    texts: list[NDArray[np.str_]] = []
    for col, side in (("lc_odd_client", "client"), ("lc_odd_server", "server")):
        code = np.asarray(lt.cols[col])
        hit = np.flatnonzero(code)
        pkts.append(lt.pkt[hit])
        texts.append(_UNEXPECTED[side][code[hit]])
    pkt = np.concatenate(pkts)
    order = np.argsort(pkt, kind="stable")
    return Values(pkt[order], np.concatenate(texts)[order])


_STATE_WORDS = (" TCP state (RFC 9293 §3.3.2) after this segment, as an observer infers it from the segments"
                " seen: CLOSED, LISTEN, SYN-SENT, SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT,"
                " CLOSING, LAST-ACK, TIME-WAIT, or UNKNOWN when the segments do not show it (docs/tcp-states.md).")

LIFECYCLE_FIELDS: tuple[FieldDef, ...] = (
    FieldDef("tcpscope.state.client", FieldType.STRING, _labelled("lc_client", STATE_LABELS), "Client state",
             description="The client's" + _STATE_WORDS + " The client sent the first SYN without ACK"
             " (without a SYN seen: the side Zeek would call the originator)."),
    FieldDef("tcpscope.state.server", FieldType.STRING, _labelled("lc_server", STATE_LABELS), "Server state",
             description="The server's" + _STATE_WORDS),
    FieldDef("tcpscope.state.unexpected", FieldType.STRING, _unexpected, "Unexpected in this state",
             description="A segment that makes no sense in the state inferred for its sender or receiver"
             " (\"client in CLOSED sent ACK\"); the state stays as it was."),
    FieldDef("tcpscope.phase", FieldType.STRING, _labelled("lc_phase", PHASE_LABELS), "Connection phase",
             description="The part of the connection's life the segment belongs to: handshake, data, teardown"
             " or reset."),
    FieldDef("tcpscope.rule", FieldType.STRING, _labelled("lc_rule", RULE_LABELS), "Sequence rule",
             description="The rule of sequence arithmetic the segment follows (syn, fin: takes one sequence"
             " number; ack: takes none; data: takes its length; rst) or why it breaks them, as tshark's analysis"
             " names it (keep-alive, window-probe, fast-retransmission: asked for by duplicate ACKs,"
             " spurious-retransmission: of data already acknowledged, retransmission: neither, after a"
             " timeout; out-of-order, lost-segment, ack-unseen)."),
)
