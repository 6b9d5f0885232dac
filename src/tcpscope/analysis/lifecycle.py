"""Each endpoint's TCP state after every segment, its phase and its rule, as a kernel.

One pass over the segments in frame order, after the sequence analysis (which gives
each segment its ``tcp.stream``, its flow and its analysis flags), runs the state
machine of :mod:`tcpscope.analysis.tcp_states` per conversation: per segment, its
:class:`~tcpscope.analysis.tcp_states.Segment` class, the sender's transition and the
receiver's, then the mid-stream rule. The outputs are small integer codes (the tcp
layer's columns :data:`LIFECYCLE_COLUMNS`) that the fields turn into text.

Which endpoint is the client: the one that sent the conversation's first segment if
that is a SYN without ACK, the receiver if it is a SYN-ACK; otherwise the one Zeek would
call the originator (docs: shared reference zeek-conn.md §1): the sender of the first
segment, unless its source port is a likely server port (:data:`LIKELY_SERVER_PORTS`)
and its destination port is not, or both are and the source port is the lower.

The state per conversation (:class:`Lifecycle`, rows of ``L_*`` columns keyed by
``tcp.stream``) carries from one piece of a capture to the next, and is retired with
the sequence analysis' own conversations: a row whose stream the analysis no longer
keeps (:meth:`tcpscope.analysis.state.SequenceState.streams`) is dropped. A stream the
analysis revives after retiring it starts again from its next segment, as a capture
that starts mid-connection would.
"""

from __future__ import annotations

import numpy as np

from tcpscope._jit import helper, kernel
from tcpscope._types import Array
from tcpscope.analysis.layout import (
    A_ACK_LOST_PACKET,
    A_FAST_RETRANSMISSION,
    A_KEEP_ALIVE,
    A_LOST_PACKET,
    A_OUT_OF_ORDER,
    A_RETRANSMISSION,
    A_SPURIOUS_RETRANSMISSION,
    A_ZERO_WINDOW_PROBE,
)
from tcpscope.analysis.tcp_states import Phase, Role, Rule, Segment, TcpState, next_state_array
from tcpscope.constants import ACK, FIN, RST, SYN

__all__ = ["CONSTANTS_DIGEST", "LIFECYCLE_COLUMNS", "LIKELY_SERVER_PORTS", "Lifecycle", "rules"]

#: The digest of :mod:`tcpscope.constants` this module's kernel was compiled for (tests/test_constants.py).
CONSTANTS_DIGEST = "9f669131f1707517"

#: Ports Zeek takes for a server's (its ``likely_server_ports`` in a default ``zeek -r``:
#: every base protocol script's ``Analyzer::register_for_ports``; shared reference
#: zeek-conn.md §1), to orient a conversation seen without a SYN; views.zeek uses them too.
LIKELY_SERVER_PORTS: frozenset[int] = frozenset({
    21, 22, 25, 79, 80, 81, 88, 135, 139, 143, 389, 443, 445, 465, 502, 514, 563, 585, 587, 614, 631, 636, 989,
    990, 992, 993, 995, 1080, 1434, 1883, 2811, 3128, 3268, 3306, 3389, 5222, 5223, 5269, 5432, 6379, 6666, 6667,
    6668, 6669, 8000, 8080, 8888, 20000,
})

#: tcp-layer columns the lifecycle adds: the client's and the server's state
#: (TcpState), the phase (Phase), the rule (Rule), per side the finding (0: none,
#: else 1 + the (state, segment, role) index, see tcp_states.unexpected_texts), and the
#: client's flow (the analysis' ``flow``, 0 or 1: the one choice of client the views
#: read too).
LIFECYCLE_COLUMNS: dict[str, type] = {
    "lc_client": np.uint8, "lc_server": np.uint8, "lc_phase": np.uint8, "lc_rule": np.uint8,
    "lc_odd_client": np.uint16, "lc_odd_server": np.uint16, "lc_client_flow": np.uint8,
}

# per conversation row: the client's flow (0, 1; -1 before its first segment), each
# flow's state, the raw sequence number just past each flow's FIN and SYN (-1: none
# seen), whether each flow has sent new data, and whether a RST was seen
L_CLIENT, L_STATE, L_FIN_END, L_SYN_END, L_DATA, L_RESET = 0, 1, 3, 5, 7, 9
L_N = 10

_CLOSED, _LISTEN, _UNKNOWN = int(TcpState.CLOSED), int(TcpState.LISTEN), int(TcpState.UNKNOWN)
_SYN_SENT, _SYN_RECEIVED, _ESTABLISHED = int(TcpState.SYN_SENT), int(TcpState.SYN_RECEIVED), int(TcpState.ESTABLISHED)
_G_SYN, _G_SYN_ACK, _G_ACK, _G_ACK_OF_FIN = int(Segment.SYN), int(Segment.SYN_ACK), int(Segment.ACK), int(Segment.ACK_OF_FIN)
_G_FIN, _G_FIN_ACK_OF_FIN, _G_INVALID = int(Segment.FIN), int(Segment.FIN_ACK_OF_FIN), int(Segment.INVALID)
_G_RST, _G_RST_NOT_ACKING_SYN = int(Segment.RST), int(Segment.RST_NOT_ACKING_SYN)
_G_DATA_AFTER_FIN = int(Segment.DATA_AFTER_FIN)
_SENT, _RECEIVED = int(Role.SENT), int(Role.RECEIVED)
_N_SEGMENT, _N_ROLE = len(Segment), len(Role)
_HANDSHAKE, _DATA, _TEARDOWN, _RESET = int(Phase.HANDSHAKE), int(Phase.DATA), int(Phase.TEARDOWN), int(Phase.RESET)
#: Analysis flags of a segment that brings no new data (for the mid-stream rule).
_OLD_DATA = A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION | A_KEEP_ALIVE
#: The transition table as an array (tcp_states.next_state_array), read by the kernel as
#: a constant (numba freezes a global array into the compiled code), and the likely
#: server ports as a mask, passed to it (64 KiB: too large a constant).
_TABLE = next_state_array()
_SERVER_PORT = np.zeros(1 << 16, dtype=np.bool_)
_SERVER_PORT[sorted(LIKELY_SERVER_PORTS)] = True


#: A scalar the kernel reads from its int64 arrays, or a Python int.
Int = int | np.int64
#: A segment's raw sequence and acknowledgment numbers and its length.
Numbers = tuple[Int, Int, Int]


@helper
def _covers(ack: Int, end: Int) -> bool:
    """Serial arithmetic (RFC 1982): does acknowledgment number ``ack`` reach ``end``?"""
    d = (ack - end) & 0xFFFFFFFF
    return bool(d < 0x80000000)


@helper
def _client_flow(fl: Int, flags: Int, sport: Int, dport: Int, server_port: Array) -> Int:
    """CLIENT: the sender of a conversation's first segment if it is a SYN without ACK,
    the receiver if it is a SYN-ACK; otherwise Zeek's originator: the sender, unless its
    source port is a likely server port and the destination port is not (or is too,
    and is the higher)."""
    syn, ack = (flags & SYN) != 0, (flags & ACK) != 0
    if syn:
        return fl ^ 1 if ack else fl
    if server_port[sport] and (not server_port[dport] or sport < dport):
        return fl ^ 1
    return fl


@helper
def _start(carry: Array, r: Int, fl: Int, flags: Int, client: Int) -> None:
    """A conversation's first segment: its client, and the states before it: CLOSED
    for a SYN's sender and LISTEN for its receiver (RFC 9293 Figure 6, line 1); UNKNOWN
    both otherwise (a SYN-ACK's sender and receiver get theirs from the table)."""
    syn, ack = (flags & SYN) != 0, (flags & ACK) != 0
    carry[r, L_CLIENT] = client
    if syn and not ack:
        carry[r, L_STATE + fl] = _CLOSED
        carry[r, L_STATE + (fl ^ 1)] = _LISTEN
    else:
        carry[r, L_STATE] = _UNKNOWN
        carry[r, L_STATE + 1] = _UNKNOWN
    for f in range(2):
        carry[r, L_FIN_END + f] = -1
        carry[r, L_SYN_END + f] = -1
    carry[r, L_DATA] = 0
    carry[r, L_DATA + 1] = 0
    carry[r, L_RESET] = 0


@helper
def _segment_kind(carry: Array, r: Int, fl: Int, flags: Int, s: Numbers) -> int:
    """The segment's class (tcp_states.Segment): RST first, then SYN, then whether the
    ACK bit is set, then data after the sender's own FIN, then FIN; ``..._OF_FIN`` when
    the ack covers the FIN its receiver sent; a RST to an endpoint whose SYN was seen,
    without the ACK of that SYN, apart."""
    seq, ack, seglen = s
    if flags & RST:
        peer_syn = carry[r, L_SYN_END + (fl ^ 1)]
        if peer_syn >= 0 and not (flags & ACK and ack == peer_syn):
            return _G_RST_NOT_ACKING_SYN
        return _G_RST
    if flags & SYN:
        if flags & FIN:
            return _G_INVALID
        return _G_SYN_ACK if flags & ACK else _G_SYN
    if not flags & ACK:
        return _G_INVALID
    own_fin = carry[r, L_FIN_END + fl]
    if seglen > 0 and own_fin >= 0 and _covers(seq, own_fin):
        return _G_DATA_AFTER_FIN
    peer_fin = carry[r, L_FIN_END + (fl ^ 1)]
    acks_fin = peer_fin >= 0 and _covers(ack, peer_fin)
    if flags & FIN:
        return _G_FIN_ACK_OF_FIN if acks_fin else _G_FIN
    return _G_ACK_OF_FIN if acks_fin else _G_ACK


@helper
def _step(carry: Array, r: Int, fl: Int, kind: Int, role: Int) -> int:
    """Move flow ``fl``'s state by the table; returns the finding's code (0: none), and
    leaves the state as it was when the segment makes no sense in it."""
    state = carry[r, L_STATE + fl]
    nxt = _TABLE[state, kind, role]
    if nxt < 0:
        return int(1 + (state * _N_SEGMENT + kind) * _N_ROLE + role)
    carry[r, L_STATE + fl] = nxt
    return 0


@helper
def _mid_stream(carry: Array, r: Int) -> None:
    """MID-STREAM: an endpoint whose state is UNKNOWN is ESTABLISHED once new data
    (not a retransmission) has gone both ways and no FIN or RST has been seen: only an
    established connection carries new data both ways."""
    if carry[r, L_DATA] == 0 or carry[r, L_DATA + 1] == 0:
        return
    if carry[r, L_FIN_END] >= 0 or carry[r, L_FIN_END + 1] >= 0 or carry[r, L_RESET] != 0:
        return
    for f in range(2):
        if carry[r, L_STATE + f] == _UNKNOWN:
            carry[r, L_STATE + f] = _ESTABLISHED


@helper
def _phase(carry: Array, r: Int, flags: Int, seglen: Int, opening: bool) -> int:
    """The segment's phase (tcp_states.Phase, in its order of precedence); ``opening``:
    an endpoint was in SYN-SENT or SYN-RECEIVED before the segment."""
    if flags & RST or carry[r, L_RESET] != 0:
        return _RESET
    if flags & SYN:
        return _HANDSHAKE
    if flags & FIN:
        return _TEARDOWN
    if seglen > 0:
        return _DATA
    if carry[r, L_FIN_END] >= 0 or carry[r, L_FIN_END + 1] >= 0:
        return _TEARDOWN
    return _HANDSHAKE if opening else _DATA


@helper
def _is_opening(state: Int) -> bool:
    return state in (_SYN_SENT, _SYN_RECEIVED)


# A kernel takes its arrays one by one (PLR0913, PLR0917): grouped in NamedTuples,
# numba counts references on each array at each access, which the render kernels
# showed to cost (table/render.py's docstring).
def _lifecycle_run(row: Array, flow: Array, flags: Array, seglen: Array, seq: Array,  # noqa: PLR0913, PLR0917 -- see above
                   ack: Array, aflags: Array, sport: Array, dport: Array, carry: Array, server_port: Array,
                   out_client: Array, out_server: Array, out_phase: Array, out_odd_client: Array,
                   out_odd_server: Array, out_client_flow: Array) -> None:
    """Run the state machine over every segment whose conversation row ``row`` gives
    (-1: none): see the module docstring."""
    for i in range(row.shape[0]):
        r = np.int64(row[i])
        if r < 0:
            continue
        fl = np.int64(flow[i])
        fg = np.int64(flags[i])
        n = max(np.int64(seglen[i]), np.int64(0))
        if carry[r, L_CLIENT] < 0:
            _start(carry, r, fl, fg, _client_flow(fl, fg, np.int64(sport[i]), np.int64(dport[i]), server_port))
        opening = _is_opening(carry[r, L_STATE]) or _is_opening(carry[r, L_STATE + 1])
        kind = _segment_kind(carry, r, fl, fg, (np.int64(seq[i]), np.int64(ack[i]), n))
        odd_sender = _step(carry, r, fl, kind, _SENT)
        odd_receiver = _step(carry, r, fl ^ 1, kind, _RECEIVED)
        if kind in (_G_FIN, _G_FIN_ACK_OF_FIN):
            carry[r, L_FIN_END + fl] = (np.int64(seq[i]) + n + 1) & 0xFFFFFFFF
        if kind in (_G_SYN, _G_SYN_ACK):
            carry[r, L_SYN_END + fl] = (np.int64(seq[i]) + 1) & 0xFFFFFFFF
        if kind in (_G_RST, _G_RST_NOT_ACKING_SYN) and odd_sender == 0:
            carry[r, L_RESET] = 1
        if n > 0 and (np.int64(aflags[i]) & _OLD_DATA) == 0:
            carry[r, L_DATA + fl] = 1
        _mid_stream(carry, r)
        client = carry[r, L_CLIENT]
        out_client_flow[i] = client
        out_client[i] = carry[r, L_STATE + client]
        out_server[i] = carry[r, L_STATE + (client ^ 1)]
        out_phase[i] = _phase(carry, r, fg, n, opening)
        if fl == client:
            out_odd_client[i], out_odd_server[i] = odd_sender, odd_receiver
        else:
            out_odd_client[i], out_odd_server[i] = odd_receiver, odd_sender


_KERNEL = kernel(_lifecycle_run)

# tshark's analysis flags naming why a segment breaks the rules, by precedence (tcp_states.Rule)
_RULE_CAUSES: tuple[tuple[int, Rule], ...] = (
    (A_KEEP_ALIVE, Rule.KEEP_ALIVE),
    (A_ZERO_WINDOW_PROBE, Rule.WINDOW_PROBE),
    (A_FAST_RETRANSMISSION, Rule.FAST_RETRANSMISSION),
    (A_SPURIOUS_RETRANSMISSION, Rule.SPURIOUS_RETRANSMISSION),
    (A_RETRANSMISSION, Rule.RETRANSMISSION),
    (A_OUT_OF_ORDER, Rule.OUT_OF_ORDER),
    (A_LOST_PACKET, Rule.LOST_SEGMENT),
    (A_ACK_LOST_PACKET, Rule.ACK_UNSEEN),
)


def rules(flags: Array, seglen: Array, aflags: Array) -> Array:
    """Each segment's ``tcp.rule`` code (tcp_states.Rule): the cause tshark's analysis
    names, else what the segment is (RST, SYN, FIN, data, pure ACK)."""
    fg = np.asarray(flags, dtype=np.int64)
    out = np.where(np.asarray(seglen) > 0, np.uint8(Rule.DATA), np.uint8(Rule.ACK)).astype(np.uint8)
    out[(fg & FIN) != 0] = Rule.FIN
    out[(fg & SYN) != 0] = Rule.SYN
    out[(fg & RST) != 0] = Rule.RST
    af = np.asarray(aflags, dtype=np.int64)
    for bits, rule in reversed(_RULE_CAUSES):
        out[(af & bits) != 0] = rule
    return out


class Lifecycle:
    """The state per conversation between pieces of a capture (module docstring):
    ``ids`` the ``tcp.stream`` of each row, ``carry`` its ``L_*`` columns, ``rows`` the
    rows in use. Rows are retired once they have doubled since the last retirement, or
    at every piece when ``eager`` (for tests)."""

    def __init__(self, eager: bool = False) -> None:
        self.ids = np.zeros(0, dtype=np.int64)
        self.carry = np.zeros((0, L_N), dtype=np.int64)
        self.rows = 0
        self.eager = eager
        self._retire_at = 1 << 10

    def _rows_of(self, stream: Array) -> Array:
        """Each segment's row (-1: no conversation); streams not seen before get new rows.

        Through a table over the piece's span of stream numbers (a piece's streams are
        close together: numbers grow with the capture), not a sort."""
        stream = np.asarray(stream, dtype=np.int64)
        out = np.full(stream.shape[0], -1, dtype=np.int64)
        valid = stream >= 0
        if not valid.any():
            return out
        lo, hi = int(stream[valid].min()), int(stream[valid].max())
        row_of = np.full(hi - lo + 1, -1, dtype=np.int64)
        have = self.ids[: self.rows]
        inside = (have >= lo) & (have <= hi)
        row_of[have[inside] - lo] = np.flatnonzero(inside)
        seen = np.zeros(hi - lo + 1, dtype=np.bool_)
        seen[stream[valid] - lo] = True
        new = np.flatnonzero(seen & (row_of < 0))
        self._grow(self.rows + new.shape[0])
        row_of[new] = np.arange(self.rows, self.rows + new.shape[0])
        self.ids[self.rows:self.rows + new.shape[0]] = new + lo
        self.carry[self.rows:self.rows + new.shape[0]] = -1
        self.rows += new.shape[0]
        out[valid] = row_of[stream[valid] - lo]
        return out

    def _grow(self, rows: int) -> None:
        if rows <= self.ids.shape[0]:
            return
        size = max(rows, 2 * self.ids.shape[0])
        ids = np.zeros(size, dtype=np.int64)
        ids[: self.rows] = self.ids[: self.rows]
        carry = np.zeros((size, L_N), dtype=np.int64)
        carry[: self.rows] = self.carry[: self.rows]
        self.ids, self.carry = ids, carry

    def retire(self, live: Array) -> None:
        """Drop the rows of the streams not in ``live`` (those the sequence analysis
        still keeps), once the rows in use have doubled since the last time."""
        if self.rows < self._retire_at and not self.eager:
            return
        keep = np.isin(self.ids[: self.rows], live)
        kept = int(np.count_nonzero(keep))
        self.ids[:kept] = self.ids[: self.rows][keep]
        self.carry[:kept] = self.carry[: self.rows][keep]
        self.rows = kept
        self._retire_at = max(1 << 10, 2 * kept)

    def run(self, size: int, cols: dict[str, Array]) -> dict[str, Array]:
        """The :data:`LIFECYCLE_COLUMNS` of a piece's segments, from its columns
        ``stream``, ``flow``, ``flags``, ``seglen``, ``seq``, ``ack`` (raw), ``aflags``,
        ``srcport`` and ``dstport``; compiled when ``size`` is large (tcpscope._jit)."""
        m = int(cols["stream"].shape[0])
        out: dict[str, Array] = {name: np.zeros(m, dtype=dtype) for name, dtype in LIFECYCLE_COLUMNS.items()}
        row = self._rows_of(cols["stream"])
        _KERNEL.run(size, row, *(np.ascontiguousarray(cols[k]) for k in (
            "flow", "flags", "seglen", "seq", "ack", "aflags", "srcport", "dstport")),
            self.carry, _SERVER_PORT, out["lc_client"], out["lc_server"], out["lc_phase"],
            out["lc_odd_client"], out["lc_odd_server"], out["lc_client_flow"])
        out["lc_rule"] = rules(cols["flags"], cols["seglen"], cols["aflags"])
        return out
