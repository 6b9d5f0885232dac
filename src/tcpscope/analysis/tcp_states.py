"""TCP's connection states as an observer infers them: the transition table, in one place.

RFC 9293 §3.3.2 gives each endpoint of a connection one of eleven states. A capture
shows segments, not states, so tcpscope infers each endpoint's state from the segments
it sees, as RFC 9293's own figures do (Figures 6-7 and 12-13 draw both endpoints' states
beside each segment): a segment seen on the wire is taken to arrive, so it moves its
*sender* (what sending it tells about the sender) and its *receiver* (what receiving it
does, RFC 9293 §3.10.7) at once. :data:`TRANSITIONS` maps (state, segment, role) to the
next state; a (state, segment, role) it does not list makes no sense (the RFC would
drop or reset the segment, or the endpoint cannot have sent it): the state stays as it
was and the segment is a finding (``tcpscope.state.unexpected``), never an exception.

A segment is classified once (:class:`Segment`), from its flags and from whether its
acknowledgment number covers a FIN its receiver sent (a FIN the observer saw). Two
states are tcpscope's own: ``UNKNOWN``, before the segments show a state (a capture that
starts mid-connection: a state is never guessed), and ``LISTEN`` as the receiver's
state before a connection's first SYN (never printed after a packet, since the SYN
arrives; but a reset in SYN-RECEIVED returns a passive endpoint to it).

Where the table goes beyond the RFC's own transitions, because a segment was lost
before the capture point or the two endpoints' segments crossed on the wire, its entry
carries a note saying so. docs/tcp-states.md is generated from this table
(``python docs/make_tcp_states.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "PHASE_LABELS",
    "RULE_LABELS",
    "SEGMENT_MEANINGS",
    "STATE_LABELS",
    "TRANSITIONS",
    "Phase",
    "Role",
    "Rule",
    "Segment",
    "TcpState",
    "next_state",
    "next_state_array",
    "unexpected_texts",
]


class TcpState(IntEnum):
    """An endpoint's state (RFC 9293 §3.3.2), plus UNKNOWN: not shown by the segments."""

    CLOSED = 0
    LISTEN = 1
    SYN_SENT = 2
    SYN_RECEIVED = 3
    ESTABLISHED = 4
    FIN_WAIT_1 = 5
    FIN_WAIT_2 = 6
    CLOSE_WAIT = 7
    CLOSING = 8
    LAST_ACK = 9
    TIME_WAIT = 10
    UNKNOWN = 11

    @property
    def label(self) -> str:
        """The name as RFC 9293 spells it (``FIN-WAIT-1``)."""
        return self.name.replace("_", "-")


class Segment(IntEnum):
    """What a segment is to the state machine, classified once per segment in RFC 9293
    §3.10.7's order (RST, SYN, ACK, FIN): see :data:`SEGMENT_MEANINGS`."""

    SYN = 0
    SYN_ACK = 1
    ACK = 2
    ACK_OF_FIN = 3
    FIN = 4
    FIN_ACK_OF_FIN = 5
    RST = 6
    RST_NOT_ACKING_SYN = 7
    INVALID = 8
    DATA_AFTER_FIN = 9

    @property
    def label(self) -> str:
        return SEGMENT_MEANINGS[self][0]


#: Each segment class's label and what it covers.
SEGMENT_MEANINGS: Final[Mapping[Segment, tuple[str, str]]] = {
    Segment.SYN: ("SYN", "SYN without ACK"),
    Segment.SYN_ACK: ("SYN-ACK", "SYN with ACK"),
    Segment.ACK: ("ACK", "the ACK bit and none of SYN, FIN, RST: a pure ACK or data"),
    Segment.ACK_OF_FIN: ("ACK of FIN", "the same, whose acknowledgment number covers a FIN its receiver sent"),
    Segment.FIN: ("FIN", "FIN with ACK, not acknowledging a FIN of its receiver"),
    Segment.FIN_ACK_OF_FIN: ("FIN with ACK of FIN", "FIN whose acknowledgment number covers a FIN its receiver sent"),
    Segment.RST: ("RST", "a RST (with any other flags)"),
    Segment.RST_NOT_ACKING_SYN: ("RST not acking the SYN", "a RST to an endpoint whose SYN was seen, without the"
                                 " ACK of that SYN (a SYN-SENT endpoint drops it, RFC 9293 §3.10.7.3)"),
    Segment.INVALID: ("invalid flags", "SYN with FIN, or none of SYN, RST and ACK, such as a scan's FIN or NULL"
                      " probe (RFC 9293 §3.10.7.4: \"if the ACK bit is off, drop the segment\"): no state takes it"),
    Segment.DATA_AFTER_FIN: ("data after its FIN", "data at or beyond the sequence number after its sender's own FIN"
                             " (RFC 9293 §3.10.7.4: \"this should not occur, since a FIN has been received\"):"
                             " no state takes it"),
}


class Role(IntEnum):
    """The endpoint's part in a segment."""

    SENT = 0
    RECEIVED = 1


class Phase(IntEnum):
    """Which part of a connection's life a segment belongs to (``tcpscope.phase``).

    In order of precedence: ``reset`` a RST, or any segment after one; ``handshake`` a
    SYN, or the ACK that ends the handshake; ``teardown`` a FIN, or a segment without
    data after a FIN; ``data`` the rest (data a half-closed connection still carries,
    too).
    """

    HANDSHAKE = 0
    DATA = 1
    TEARDOWN = 2
    RESET = 3


class Rule(IntEnum):
    """Which of the tutorial's rules of sequence arithmetic a segment follows, or why it
    breaks them (``tcpscope.rule``).

    Followed: a SYN (or SYN-ACK) takes one sequence number; a FIN takes one (after its
    data); a pure ACK takes none, and its ack is the peer's seq plus its length; a data
    segment takes its length, starting where the peer's last ack (the sender's next
    sequence number) says. A RST follows none. Broken, with the cause tshark's analysis
    names (in this order of precedence when it names several): keep-alive, window probe
    (zero window probe), a retransmission by its cause, out of order, lost segment (a
    gap: the previous segment was not captured), ACK of unseen data.

    A retransmission is one of three, as tshark tells them apart (one flag each, never
    two): ``fast-retransmission`` (tcp.analysis.fast_retransmission: the segment the
    peer's duplicate ACKs asked for, at least two of them, sent again within 20 ms of
    the last), ``spurious-retransmission`` (tcp.analysis.spurious_retransmission: data
    the peer had already acknowledged, sent again), and ``retransmission`` (the plain
    tcp.analysis.retransmission: sent again with no duplicate ACKs asking for it, which
    is what a sender does when its retransmission timer runs out).
    """

    SYN = 0
    FIN = 1
    ACK = 2
    DATA = 3
    RST = 4
    KEEP_ALIVE = 5
    WINDOW_PROBE = 6
    RETRANSMISSION = 7
    FAST_RETRANSMISSION = 8
    SPURIOUS_RETRANSMISSION = 9
    OUT_OF_ORDER = 10
    LOST_SEGMENT = 11
    ACK_UNSEEN = 12


S, R = Role.SENT, Role.RECEIVED
T = TcpState
G = Segment

#: (state, segment, role) -> (next state, note). The note is empty for a transition of
#: RFC 9293's own; otherwise it says why an observer infers it. A next state of None
#: says the segment makes no sense there, where a default would otherwise apply: every
#: state is left for CLOSED by a RST, sent or received, unless listed here (see
#: :func:`next_state`).
TRANSITIONS: Final[Mapping[tuple[TcpState, Segment, Role], tuple[TcpState | None, str]]] = {
    # opening (RFC 9293 §3.5, Figures 6 and 7)
    (T.CLOSED, G.SYN, S): (T.SYN_SENT, ""),
    (T.SYN_SENT, G.SYN, S): (T.SYN_SENT, "retransmitted SYN"),
    (T.LISTEN, G.SYN, R): (T.SYN_RECEIVED, ""),
    (T.CLOSED, G.SYN, R): (T.SYN_RECEIVED, "a listener takes the SYN (a RST follows if none does)"),
    (T.SYN_SENT, G.SYN, R): (T.SYN_RECEIVED, "simultaneous open"),
    (T.SYN_RECEIVED, G.SYN, R): (T.SYN_RECEIVED, "retransmitted SYN"),
    (T.SYN_RECEIVED, G.SYN, S): (T.SYN_RECEIVED, "simultaneous open: the SYNs crossed"),
    (T.ESTABLISHED, G.SYN, R): (T.ESTABLISHED, "a late retransmitted SYN (answered by an ACK)"),
    (T.SYN_RECEIVED, G.SYN_ACK, S): (T.SYN_RECEIVED, ""),
    (T.ESTABLISHED, G.SYN_ACK, S): (T.ESTABLISHED, "retransmitted SYN-ACK, or simultaneous open"),
    (T.SYN_SENT, G.SYN_ACK, R): (T.ESTABLISHED, ""),
    (T.SYN_RECEIVED, G.SYN_ACK, R): (T.ESTABLISHED, "simultaneous open"),
    (T.ESTABLISHED, G.SYN_ACK, R): (T.ESTABLISHED, "retransmitted SYN-ACK"),
    (T.SYN_RECEIVED, G.ACK, R): (T.ESTABLISHED, ""),
    (T.SYN_SENT, G.ACK, S): (T.ESTABLISHED, "the SYN-ACK was not captured"),
    (T.SYN_SENT, G.ACK, R): (T.ESTABLISHED, "the SYN-ACK was not captured"),
    (T.SYN_RECEIVED, G.ACK, S): (T.ESTABLISHED, "the ACK of the SYN-ACK was not captured"),
    # data (RFC 9293 §3.10.7.4, ESTABLISHED and the states that still take data or ACKs)
    (T.ESTABLISHED, G.ACK, S): (T.ESTABLISHED, ""),
    (T.ESTABLISHED, G.ACK, R): (T.ESTABLISHED, ""),
    (T.FIN_WAIT_1, G.ACK, S): (T.FIN_WAIT_1, ""),
    (T.FIN_WAIT_1, G.ACK, R): (T.FIN_WAIT_1, ""),
    (T.FIN_WAIT_2, G.ACK, S): (T.FIN_WAIT_2, ""),
    (T.FIN_WAIT_2, G.ACK, R): (T.FIN_WAIT_2, ""),
    (T.FIN_WAIT_2, G.ACK_OF_FIN, R): (T.FIN_WAIT_2, "half-close: the peer still sends"),
    (T.CLOSE_WAIT, G.ACK, S): (T.CLOSE_WAIT, ""),
    (T.CLOSE_WAIT, G.ACK_OF_FIN, S): (T.CLOSE_WAIT, "half-close: data after the peer's FIN"),
    (T.CLOSE_WAIT, G.ACK, R): (T.CLOSE_WAIT, ""),
    (T.CLOSING, G.ACK, S): (T.CLOSING, ""),
    (T.CLOSING, G.ACK_OF_FIN, S): (T.CLOSING, ""),
    (T.CLOSING, G.ACK, R): (T.CLOSING, ""),
    (T.LAST_ACK, G.ACK, S): (T.LAST_ACK, ""),
    (T.LAST_ACK, G.ACK_OF_FIN, S): (T.LAST_ACK, ""),
    (T.LAST_ACK, G.ACK, R): (T.LAST_ACK, ""),
    (T.TIME_WAIT, G.ACK, S): (T.TIME_WAIT, ""),
    (T.TIME_WAIT, G.ACK_OF_FIN, S): (T.TIME_WAIT, ""),
    (T.TIME_WAIT, G.ACK, R): (T.TIME_WAIT, ""),
    (T.TIME_WAIT, G.ACK_OF_FIN, R): (T.TIME_WAIT, ""),
    # closing (RFC 9293 §3.6, Figures 12 and 13)
    (T.ESTABLISHED, G.FIN, S): (T.FIN_WAIT_1, ""),
    (T.SYN_RECEIVED, G.FIN, S): (T.FIN_WAIT_1, ""),
    (T.SYN_SENT, G.FIN, S): (T.FIN_WAIT_1, "the SYN-ACK was not captured"),
    (T.CLOSE_WAIT, G.FIN_ACK_OF_FIN, S): (T.LAST_ACK, ""),
    (T.CLOSE_WAIT, G.FIN, S): (T.CLOSING, "simultaneous close: the FINs crossed"),
    (T.FIN_WAIT_1, G.FIN, S): (T.FIN_WAIT_1, "retransmitted FIN"),
    (T.FIN_WAIT_2, G.FIN, S): (T.FIN_WAIT_2, "retransmitted FIN"),
    (T.CLOSING, G.FIN, S): (T.CLOSING, "retransmitted FIN"),
    (T.CLOSING, G.FIN_ACK_OF_FIN, S): (T.CLOSING, "retransmitted FIN"),
    (T.LAST_ACK, G.FIN, S): (T.LAST_ACK, "retransmitted FIN"),
    (T.LAST_ACK, G.FIN_ACK_OF_FIN, S): (T.LAST_ACK, "retransmitted FIN"),
    (T.TIME_WAIT, G.FIN, S): (T.TIME_WAIT, "retransmitted FIN"),
    (T.TIME_WAIT, G.FIN_ACK_OF_FIN, S): (T.TIME_WAIT, "retransmitted FIN"),
    (T.FIN_WAIT_1, G.ACK_OF_FIN, R): (T.FIN_WAIT_2, ""),
    (T.CLOSING, G.ACK_OF_FIN, R): (T.TIME_WAIT, ""),
    (T.LAST_ACK, G.ACK_OF_FIN, R): (T.CLOSED, ""),
    (T.ESTABLISHED, G.FIN, R): (T.CLOSE_WAIT, ""),
    (T.SYN_RECEIVED, G.FIN, R): (T.CLOSE_WAIT, ""),
    (T.SYN_SENT, G.FIN, R): (T.CLOSE_WAIT, "the SYN-ACK was not captured"),
    (T.FIN_WAIT_1, G.FIN, R): (T.CLOSING, ""),
    (T.FIN_WAIT_1, G.FIN_ACK_OF_FIN, R): (T.TIME_WAIT, ""),
    (T.FIN_WAIT_2, G.FIN, R): (T.TIME_WAIT, ""),
    (T.FIN_WAIT_2, G.FIN_ACK_OF_FIN, R): (T.TIME_WAIT, ""),
    (T.CLOSE_WAIT, G.FIN, R): (T.CLOSE_WAIT, "retransmitted FIN"),
    (T.CLOSING, G.FIN, R): (T.CLOSING, "retransmitted FIN"),
    (T.CLOSING, G.FIN_ACK_OF_FIN, R): (T.TIME_WAIT, ""),
    (T.LAST_ACK, G.FIN, R): (T.LAST_ACK, "retransmitted FIN"),
    (T.LAST_ACK, G.FIN_ACK_OF_FIN, R): (T.CLOSED, ""),
    (T.TIME_WAIT, G.FIN, R): (T.TIME_WAIT, "retransmitted FIN"),
    (T.TIME_WAIT, G.FIN_ACK_OF_FIN, R): (T.TIME_WAIT, "retransmitted FIN"),
    # reset (RFC 9293 §3.10.7): a passive open goes back to LISTEN; a SYN-SENT endpoint
    # takes a RST only with the ACK of its SYN, and no TCP answers a SYN with another
    (T.SYN_RECEIVED, G.RST, R): (T.LISTEN, "a passive open returns to LISTEN"),
    (T.SYN_RECEIVED, G.RST_NOT_ACKING_SYN, R): (T.LISTEN, "a passive open returns to LISTEN"),
    (T.SYN_SENT, G.RST_NOT_ACKING_SYN, R): (T.SYN_SENT, "the RST does not acknowledge the SYN: dropped"),
    (T.SYN_RECEIVED, G.RST_NOT_ACKING_SYN, S): (None, "a RST answering a SYN acknowledges it (§3.10.7.1)"),
    # a capture that starts mid-connection: what the segments show for certain
    (T.UNKNOWN, G.SYN, S): (T.SYN_SENT, ""),
    (T.UNKNOWN, G.SYN, R): (T.SYN_RECEIVED, ""),
    (T.UNKNOWN, G.SYN_ACK, S): (T.SYN_RECEIVED, "the SYN was not captured"),
    (T.UNKNOWN, G.SYN_ACK, R): (T.ESTABLISHED, "the SYN was not captured"),
    (T.UNKNOWN, G.ACK, S): (T.UNKNOWN, "ESTABLISHED once new data has gone both ways"),
    (T.UNKNOWN, G.ACK, R): (T.UNKNOWN, "ESTABLISHED once new data has gone both ways"),
    (T.UNKNOWN, G.ACK_OF_FIN, S): (T.UNKNOWN, ""),
    (T.UNKNOWN, G.ACK_OF_FIN, R): (T.UNKNOWN, ""),
    (T.UNKNOWN, G.FIN, S): (T.UNKNOWN, ""),
    (T.UNKNOWN, G.FIN, R): (T.UNKNOWN, ""),
    (T.UNKNOWN, G.FIN_ACK_OF_FIN, S): (T.UNKNOWN, ""),
    (T.UNKNOWN, G.FIN_ACK_OF_FIN, R): (T.UNKNOWN, ""),
}

STATE_LABELS: Final[NDArray[np.str_]] = np.array([s.label for s in TcpState])
PHASE_LABELS: Final[NDArray[np.str_]] = np.array([p.name.lower() for p in Phase])
RULE_LABELS: Final[NDArray[np.str_]] = np.array([r.name.lower().replace("_", "-") for r in Rule])


def next_state(state: TcpState, segment: Segment, role: Role) -> TcpState | None:
    """The state after ``segment`` (None: it makes no sense in ``state``)."""
    hit = TRANSITIONS.get((state, segment, role))
    if hit is None:
        return TcpState.CLOSED if segment in (Segment.RST, Segment.RST_NOT_ACKING_SYN) else None
    return hit[0]


def next_state_array() -> NDArray[np.int8]:
    """:data:`TRANSITIONS` as an array for the kernel: ``[state, segment, role]`` is the
    next state, -1 where the segment makes no sense."""
    out = np.full((len(TcpState), len(Segment), len(Role)), -1, dtype=np.int8)
    for st in TcpState:
        for g in Segment:
            for role in Role:
                nxt = next_state(st, g, role)
                if nxt is not None:
                    out[st, g, role] = nxt
    return out


def unexpected_texts(side: str) -> NDArray[np.str_]:
    """The finding for each code the kernel gives (1 + its (state, segment, role) index,
    0: none): ``client in CLOSED sent ACK``."""
    texts = [""]
    for st in TcpState:
        for g in Segment:
            for role in Role:
                verb = "sent" if role is Role.SENT else "received"
                texts.append(f"{side} in {st.label} {verb} {g.label}")
    return np.array(texts)
