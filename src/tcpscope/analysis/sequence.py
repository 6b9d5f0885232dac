"""Wireshark 4.0's TCP analysis, one pass over every segment in capture order, as a kernel.

This is ``dissect_tcp``'s per-segment bookkeeping and ``tcp_analyze_sequence_number``
(packet-tcp.c) in the order tshark runs them on its first (and, by default, only) pass.
docs/tcp-analysis-rules.md states every rule; each has a helper below, with the rule in
words above it and its section there ("rules §5.1"). The kernel sees only arrays: one
row per TCP header, in frame order.

Per segment, in order:

1. Conversation (rules §2): the key's current conversation, or a new one (a new
   ``tcp.stream``), then port reuse (rules §2.3a, §2.3b).
2. Stream timestamps (rules §7.2), base sequence numbers (rules §3.2), then the
   sequence checks (rules §5.1-5.12): zero window probe, zero window, lost segment,
   keep-alive, window update, window full, keep-alive ACK, zero window probe ACK,
   duplicate ACK, ACKed unseen segment, and the retransmission family (spurious, fast,
   out-of-order, plain); then the state updates (rules §5.13), the ACK of the peer's
   unacknowledged segments (rules §6.1), bytes in flight and push bytes (rules §6.4).
3. Relative numbers and the scaled window (rules §3.3, §4.4); completeness (rules
   §7.1); the SYN, FIN (closing initiator) and initial-RTT bookkeeping (rules §6.3).
4. Options seen after the analysis: window scale and SACK blocks (used by later
   segments), then the window-scaling check of SYNs (rules §4.3); both skipped, like
   the analysis printout, when the options ran past the captured bytes.

Sequence numbers are compared in 32-bit serial arithmetic; 0 means "unset" for
``nextseq``, ``lastack`` and ``maxseqtobeacked``, exactly as Wireshark treats them.

The state lives in rows that :mod:`tcpscope.analysis.state` retires between pieces of
a capture: a conversation occupies a *slot* (its ``tcp.stream`` number is a field of
it), and a key whose conversation was retired keeps a small record (its stream number,
base sequence numbers and window scaling) that a later frame of it revives.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tcpscope._jit import helper, kernel
from tcpscope._types import Array
from tcpscope.constants import ACK, AE, CWR, ECE, FIN, PSH, RST, SYN

#: A scalar the kernel reads from its int64 arrays, or a Python int.
Int = int | np.int64

__all__ = [
    "A_ACK_LOST_PACKET",
    "A_DUPLICATE_ACK",
    "A_FAST_RETRANSMISSION",
    "A_KEEP_ALIVE",
    "A_KEEP_ALIVE_ACK",
    "A_LOST_PACKET",
    "A_OUT_OF_ORDER",
    "A_RETRANSMISSION",
    "A_REUSED_PORTS",
    "A_SPURIOUS_RETRANSMISSION",
    "A_WINDOW_FULL",
    "A_WINDOW_UPDATE",
    "A_ZERO_WINDOW",
    "A_ZERO_WINDOW_PROBE",
    "A_ZERO_WINDOW_PROBE_ACK",
    "CONSTANTS_DIGEST",
    "C_ENDED",
    "C_KEY",
    "C_LAST_TS",
    "C_N",
    "C_STREAM",
    "ENDED_FIN1",
    "ENDED_FIN2",
    "ENDED_RST",
    "F_BASE",
    "F_BASE_SET",
    "F_HEAD",
    "F_N",
    "F_WSCALE",
    "INPUTS",
    "OUTPUTS",
    "R_BASE",
    "R_N",
    "R_STREAM",
    "R_WSCALE",
    "S_CONV",
    "S_N",
    "S_NEXT",
    "WALK_BUDGET",
    "Inputs",
    "Outputs",
    "State",
    "run_analysis",
]

#: The digest of :mod:`tcpscope.constants` this module's kernels were compiled for (the flag
#: bits they read): numba's cache knows only this file, so a changed constant must change
#: this line too (tests/test_constants.py).
CONSTANTS_DIGEST = "9f669131f1707517"

# analysis flag bits (TCP_A_* in packet-tcp.h)
A_RETRANSMISSION = 0x0001
A_LOST_PACKET = 0x0002
A_ACK_LOST_PACKET = 0x0004
A_KEEP_ALIVE = 0x0008
A_DUPLICATE_ACK = 0x0010
A_ZERO_WINDOW = 0x0020
A_ZERO_WINDOW_PROBE = 0x0040
A_ZERO_WINDOW_PROBE_ACK = 0x0080
A_KEEP_ALIVE_ACK = 0x0100
A_OUT_OF_ORDER = 0x0200
A_FAST_RETRANSMISSION = 0x0400
A_WINDOW_UPDATE = 0x0800
A_WINDOW_FULL = 0x1000
A_REUSED_PORTS = 0x2000
A_SPURIOUS_RETRANSMISSION = 0x4000

MAX_UNACKED = 10000
FASTRT_WINDOW_NS = 20_000_000
OOO_DEFAULT_NS = 3_000_000


# per-conversation state; C_STREAM is its tcp.stream, C_KEY its key; for retirement,
# C_LAST_TS is its latest time stamp and C_ENDED the bits of ENDED_FIN1, ENDED_FIN2 (a
# FIN from flow 1, 2) and ENDED_RST seen
C_FIRST_TS, C_PREV_TS, C_COMPLETE, C_MRU_SYN, C_FIRST_RTT = 0, 1, 2, 3, 4
C_ACC_SYN, C_ACC_SYNACK, C_ACC_OPT, C_TFO_DATA, C_STREAM, C_KEY, C_ENDED, C_LAST_TS = 5, 6, 7, 8, 9, 10, 11, 12
C_N = 13
ENDED_FIN1, ENDED_FIN2, ENDED_RST = 1, 2, 4
# per-flow state (flow = 2 * conversation + 0|1)
F_BASE, F_BASE_SET, F_WSCALE, F_WINDOW, F_NEXTSEQ, F_NEXTSEQFRAME, F_NEXTSEQTIME = 0, 1, 2, 3, 4, 5, 6
F_MAXSEQ, F_LASTACK, F_LASTACKTIME, F_LASTNONDUP, F_DUPACKNUM, F_LASTSEGFLAGS = 7, 8, 9, 10, 11, 12
F_VALID_BIF, F_PUSH, F_PUSH_LAST, F_FIRST_ACK, F_CLOSING, F_NSACK = 13, 14, 15, 16, 17, 18
F_SLE1, F_SRE1, F_SLE2, F_SRE2, F_SLE3, F_SRE3, F_HEAD, F_COUNT = 19, 20, 21, 22, 23, 24, 25, 26
F_N = 27
# unacknowledged segments: a linked list per flow, newest first; S_CONV is the slot of
# the segment's conversation, -1 once the segment is acknowledged (the row is free)
S_FRAME, S_SEQ, S_NEXTSEQ, S_TS, S_NEXT, S_CONV = 0, 1, 2, 3, 4, 5
S_N = 6
# per key, what a retired conversation leaves: its stream (-1: none), the base sequence
# number of each flow (-1: not set) and the window scaling of each flow
R_STREAM, R_BASE, R_WSCALE = 0, 1, 3
R_N = 5

M32 = 0xFFFFFFFF


@helper
def _s32(x: Int) -> int:
    """A 32-bit difference as a signed number."""
    v = int(x) & 0xFFFFFFFF
    return v - 0x100000000 if v >= 0x80000000 else v


@helper
def _gt(x: Int, y: Int) -> bool:
    return _s32(y - x) < 0


@helper
def _lt(x: Int, y: Int) -> bool:
    return _s32(x - y) < 0


@helper
def _le(x: Int, y: Int) -> bool:
    return _s32(x - y) <= 0


class Inputs(NamedTuple):
    """The segments, one element per TCP header in frame order (names as :data:`INPUTS`):
    frame number, time stamp (ns), conversation key, flow (0, 1), raw seq and ack, the
    12 flag bits, raw window, segment length (-1: unknown), how far the header was
    captured (2: ports and numbers, 4: all of it), bogus header length, options that
    threw, window scale option (-1: none), AccECN option, TFO cookie; and the SACK
    blocks: ``sackrow[r]`` the row of ``sackedges`` with segment r's (-1: none), up to
    three (left, right) raw edges then their count."""

    frame: Array
    ts: Array
    key: Array
    flow: Array
    seq: Array
    ack: Array
    flags: Array
    window: Array
    seglen: Array
    reach: Array
    bogus: Array
    opt_exception: Array
    ws_opt: Array
    accecn_opt: Array
    tfo_cookie: Array
    sackrow: Array
    sackedges: Array


class Outputs(NamedTuple):
    """The analysis of each segment, one array per column of :data:`OUTPUTS`."""

    stream: Array
    completeness: Array
    time_relative: Array
    time_delta: Array
    seq: Array
    ack: Array
    nxtseq: Array
    window_size: Array
    window_size_scalefactor: Array
    ta: Array
    aflags: Array
    acks_frame: Array
    ack_rtt: Array
    initial_rtt: Array
    bytes_in_flight: Array
    push_bytes_sent: Array
    dupack_num: Array
    dupack_frame: Array
    rto: Array
    rto_frame: Array
    fin_kind: Array
    use_ace: Array
    sack_base: Array
    tfo: Array


class Segment(NamedTuple):
    """One TCP header as the rules see it: absolute numbers, the raw window (rules §5)."""

    frame: Int
    ts: Int
    seq: Int
    ack: Int
    flags: Int
    win: Int
    seglen: Int


class State(NamedTuple):
    """The analysis state the kernel carries (see :mod:`tcpscope.analysis.state`).

    ``conv`` holds a row per conversation slot (C_*), ``flow`` two per slot (F_*; flow
    ``f`` of slot ``c`` is ``2 * c + direction`` and its peer ``f ^ 1``), ``seg`` a row per
    unacknowledged segment (S_*), ``cur`` the slot of each key's current conversation
    (-1: none), ``retired`` what a key's retired conversation left (R_*), and ``counts``
    the streams numbered, the slots and the ``seg`` rows in use.
    """

    conv: Array
    flow: Array
    seg: Array
    cur: Array
    retired: Array
    counts: Array


@helper
def _new_conv(st: State, c: Int, ts: Int, stream: Int, key: Int) -> None:
    """init_tcp_conversation_data: a fresh conversation in slot ``c``, starting at ``ts``."""
    conv = st.conv
    flow = st.flow
    for j in range(C_N):
        conv[c, j] = 0
    conv[c, C_FIRST_TS] = ts
    conv[c, C_PREV_TS] = ts
    conv[c, C_STREAM] = stream
    conv[c, C_KEY] = key
    conv[c, C_LAST_TS] = ts
    for f in range(2 * c, 2 * c + 2):
        for j in range(F_N):
            flow[f, j] = 0
        flow[f, F_WSCALE] = -1
        flow[f, F_WINDOW] = M32
        flow[f, F_VALID_BIF] = 1
        flow[f, F_HEAD] = -1


@helper
def _open_conv(st: State, key: Int, ts: Int) -> int:
    """Rules §2.2: a new conversation of ``key`` in the next free slot, with the next
    ``tcp.stream`` number; it becomes the key's current one. Returns its slot."""
    c: int = st.counts[1]
    st.counts[1] += 1
    _new_conv(st, c, ts, st.counts[0], key)
    st.counts[0] += 1
    st.cur[key] = c
    return c


@helper
def _revive_conv(st: State, key: Int, ts: Int) -> int:
    """A frame of a retired conversation (docs/deviations.md, "Retired conversations"): a
    fresh state in the next free slot with the stream number, base sequence numbers and
    window scaling the conversation had. Returns its slot."""
    c: int = st.counts[1]
    st.counts[1] += 1
    retired = st.retired
    _new_conv(st, c, ts, retired[key, R_STREAM], key)
    for d in range(2):
        f = 2 * c + d
        if retired[key, R_BASE + d] >= 0:
            st.flow[f, F_BASE] = retired[key, R_BASE + d]
            st.flow[f, F_BASE_SET] = 1
        st.flow[f, F_WSCALE] = retired[key, R_WSCALE + d]
    st.cur[key] = c
    return c


@helper
def _conversation_of(st: State, key: Int, ts: Int) -> tuple[Int, bool]:
    """Rules §2.1: the slot of the key's current conversation, revived or opened when it
    has none; and whether a new ``tcp.stream`` was opened."""
    c: int = st.cur[key]
    if c >= 0:
        return c, False
    if st.retired[key, R_STREAM] >= 0:
        return _revive_conv(st, key, ts), False
    return _open_conv(st, key, ts), True


@helper
def _port_reuse(st: State, c: Int, key: Int, fd: Int, s: Segment) -> tuple[Int, bool, int]:
    """PORT REUSE (rules §2.3a, §2.3b). A pure SYN on a flow whose base sequence number is
    set starts a new conversation if its number differs from the base (REUSED_PORTS),
    else it repeats the old SYN and ``nextseq`` goes back to ``maxseq``. A SYN/ACK whose
    number differs from a base already set replaces the base (REUSED_PORTS).

    Returns the conversation's slot, whether the segment gets an analysis record, and
    its flags."""
    flow = st.flow
    f = 2 * c + fd
    if (s.flags & (SYN | ACK)) == SYN and flow[f, F_BASE_SET] != 0:
        if s.seq == flow[f, F_BASE]:
            flow[f, F_NEXTSEQ] = flow[f, F_MAXSEQ]
            return c, True, 0
        c = _open_conv(st, key, s.ts)
        st.conv[c, C_COMPLETE] = 1
        return c, True, A_REUSED_PORTS
    if (s.flags & (SYN | ACK)) == (SYN | ACK) and flow[f, F_BASE_SET] != 0 and s.seq != flow[f, F_BASE]:
        flow[f, F_BASE] = s.seq
        return c, True, A_REUSED_PORTS
    return c, False, 0


@helper
def _note_accecn_handshake(conv: Array, c: Int, fl: Int) -> None:
    """AccECN negotiation (RFC 9768 §3.1.1): a SYN sets AE, CWR and ECE; a SYN/ACK answers
    with one of the codepoints that accept it."""
    if (fl & (SYN | ACK)) == SYN:
        conv[c, C_ACC_SYN] = 1 if (fl & (AE | CWR | ECE)) == (AE | CWR | ECE) else 0
    if (fl & (SYN | ACK)) == (SYN | ACK):
        conv[c, C_ACC_SYNACK] = 1 if ((fl & (AE | CWR)) == CWR) or ((fl & (AE | ECE)) == AE) else 0


@helper
def _set_base_seqs(flow: Array, f: Int, s: Segment) -> None:
    """BASE SEQUENCE NUMBERS (rules §3.2): an unset base of this flow becomes the sequence
    number of a SYN, or one less than that of any other segment; then an unset base of
    the peer flow becomes one less than the ack of a segment with ACK."""
    if flow[f, F_BASE_SET] == 0:
        flow[f, F_BASE] = s.seq if (s.flags & SYN) != 0 else (s.seq - 1) & M32
        flow[f, F_BASE_SET] = 1
    if flow[f ^ 1, F_BASE_SET] == 0 and (s.flags & ACK) != 0:
        flow[f ^ 1, F_BASE] = (s.ack - 1) & M32
        flow[f ^ 1, F_BASE_SET] = 1


@helper
def _no_syn_fin_rst(s: Segment) -> bool:
    return (s.flags & (SYN | FIN | RST)) == 0


@helper
def _is_zero_window_probe(flow: Array, f: Int, s: Segment) -> bool:
    """ZERO WINDOW PROBE (rules §5.1): one byte at the next expected sequence number
    while the peer's last window was zero."""
    return s.seglen == 1 and s.seq == flow[f, F_NEXTSEQ] and flow[f ^ 1, F_WINDOW] == 0


@helper
def _is_zero_window(s: Segment) -> bool:
    """ZERO WINDOW (rules §5.2): a zero window on a segment that is not SYN/FIN/RST."""
    return s.win == 0 and _no_syn_fin_rst(s)


@helper
def _is_lost_segment(flow: Array, f: Int, s: Segment) -> bool:
    """LOST SEGMENT (rules §5.3): a segment other than RST that starts beyond the next
    expected sequence number (once there is one)."""
    nextseq = flow[f, F_NEXTSEQ]
    return nextseq != 0 and _gt(s.seq, nextseq) and (s.flags & RST) == 0


@helper
def _is_keep_alive(flow: Array, f: Int, s: Segment) -> bool:
    """KEEP-ALIVE (rules §5.4): zero or one byte one below the next expected sequence
    number, not SYN/FIN/RST."""
    return s.seglen in (0, 1) and s.seq == ((flow[f, F_NEXTSEQ] - 1) & M32) and _no_syn_fin_rst(s)


@helper
def _repeats_last_ack(flow: Array, f: Int, s: Segment) -> bool:
    """No data, at the next expected sequence number, with the flow's last ack, not
    SYN/FIN/RST: the common part of rules §5.5 and §5.7-5.9."""
    return (s.seglen == 0 and s.seq == flow[f, F_NEXTSEQ] and s.ack == flow[f, F_LASTACK]
            and _no_syn_fin_rst(s))


@helper
def _is_window_update(flow: Array, f: Int, s: Segment) -> bool:
    """WINDOW UPDATE (rules §5.5): a repeat of the last ack (no data, not SYN/FIN/RST) with
    a non-zero window that differs from the flow's last one."""
    return s.win != 0 and s.win != flow[f, F_WINDOW] and _repeats_last_ack(flow, f, s)


@helper
def _is_window_full(flow: Array, f: Int, s: Segment) -> bool:
    """WINDOW FULL (rules §5.6): data, not SYN/FIN/RST, ending exactly at the peer's last
    ack plus its window, once the peer's scaling is decided; the peer window is scaled
    unless it came from the peer's SYN or the peer does not scale."""
    g = f ^ 1
    if s.seglen <= 0 or flow[g, F_WSCALE] == -1 or not _no_syn_fin_rst(s):
        return False
    shift = 0
    if flow[g, F_FIRST_ACK] == 0 and flow[g, F_WSCALE] != -2:
        shift = flow[g, F_WSCALE]
    edge: int = (flow[g, F_LASTACK] + ((flow[g, F_WINDOW] << shift) & M32)) & M32
    return ((s.seq + s.seglen) & M32) == edge


@helper
def _is_keep_alive_ack(flow: Array, f: Int, s: Segment) -> bool:
    """KEEP-ALIVE ACK (rules §5.7): what would be a duplicate ACK, answering a keep-alive."""
    return _is_duplicate_ack(flow, f, s) and (flow[f ^ 1, F_LASTSEGFLAGS] & A_KEEP_ALIVE) != 0


@helper
def _is_zero_window_probe_ack(flow: Array, f: Int, s: Segment) -> bool:
    """ZERO WINDOW PROBE ACK (rules §5.8): a repeat of the last ack with a zero window, as
    the flow's last one was, answering a zero window probe."""
    return (s.win == 0 and flow[f, F_WINDOW] == 0 and _repeats_last_ack(flow, f, s)
            and (flow[f ^ 1, F_LASTSEGFLAGS] & A_ZERO_WINDOW_PROBE) != 0)


@helper
def _is_duplicate_ack(flow: Array, f: Int, s: Segment) -> bool:
    """DUPLICATE ACK (rules §5.9): a repeat of the last ack (no data, not SYN/FIN/RST) with
    the same non-zero window as the flow's last segment."""
    return s.win != 0 and s.win == flow[f, F_WINDOW] and _repeats_last_ack(flow, f, s)


@helper
def _header_checks(flow: Array, f: Int, s: Segment) -> int:
    """Rules §5.1-5.9 in tshark's order: the flags they give the segment. A zero window
    probe skips the rest; the last three exclude each other. A lost segment makes the
    flow's bytes in flight invalid; a duplicate ACK counts in the flow (rules §5.9)."""
    if _is_zero_window_probe(flow, f, s):
        return A_ZERO_WINDOW_PROBE
    found = 0
    if _is_zero_window(s):
        found |= A_ZERO_WINDOW
    if _is_lost_segment(flow, f, s):
        found |= A_LOST_PACKET
        flow[f, F_VALID_BIF] = 0
    if _is_keep_alive(flow, f, s):
        found |= A_KEEP_ALIVE
    if _is_window_update(flow, f, s):
        found |= A_WINDOW_UPDATE
    if _is_window_full(flow, f, s):
        found |= A_WINDOW_FULL
    if _is_keep_alive_ack(flow, f, s):
        found |= A_KEEP_ALIVE_ACK
    elif _is_zero_window_probe_ack(flow, f, s):
        found |= A_ZERO_WINDOW_PROBE_ACK
    elif _is_duplicate_ack(flow, f, s):
        found |= A_DUPLICATE_ACK
        flow[f, F_DUPACKNUM] = 1 if flow[f, F_DUPACKNUM] == -1 else flow[f, F_DUPACKNUM] + 1
    return found


@helper
def _note_new_ack(flow: Array, f: Int, s: Segment) -> None:
    """Rules §5.10: a segment whose ack differs from the flow's last one is the flow's
    last non-duplicate ACK, and its duplicate count restarts."""
    if s.ack != flow[f, F_LASTACK]:
        flow[f, F_LASTNONDUP] = s.frame
        flow[f, F_DUPACKNUM] = 0


@helper
def _acked_unseen_segment(flow: Array, f: Int, s: Segment) -> tuple[bool, int]:
    """ACKED UNSEEN SEGMENT (rules §5.11): with ACK, an ack beyond the peer's ``maxseq``
    (once set). If the peer sent beyond ``maxseq``, ``maxseq`` catches up and the flag is
    set; else the flag is set only while the peer's duplicate count is 0, which becomes
    -1. Returns whether the rule applied (the segment gets an analysis record) and the
    flag."""
    g = f ^ 1
    if flow[g, F_MAXSEQ] == 0 or not _gt(s.ack, flow[g, F_MAXSEQ]) or (s.flags & ACK) == 0:
        return False, 0
    if _lt(flow[g, F_MAXSEQ], flow[g, F_NEXTSEQ]):
        flow[g, F_MAXSEQ] = flow[g, F_NEXTSEQ]
        return True, A_ACK_LOST_PACKET
    found = A_ACK_LOST_PACKET if flow[g, F_DUPACKNUM] == 0 else 0
    flow[g, F_DUPACKNUM] = -1
    return True, found


@helper
def _occupies_sequence(s: Segment) -> bool:
    """Data, SYN or FIN: a segment that takes sequence space (rules §5.12, §5.13)."""
    return bool(s.seglen > 0 or (s.flags & (SYN | FIN)) != 0)


@helper
def _retransmission_kind(flow: Array, f: Int, s: Segment, ooo_threshold: Int) -> int:
    """The RETRANSMISSION family (rules §5.12), for a segment that takes sequence space
    and is no keep-alive: the first that holds of SPURIOUS (its data was acknowledged
    already), FAST (not advanced, at the peer's last ack after two duplicate ACKs of it,
    within 20 ms), OUT-OF-ORDER (not advanced, within ``ooo_threshold`` of the last
    advance, not ending at ``nextseq``) and RETRANSMISSION (not advanced); 0 if none."""
    g = f ^ 1
    nextseq = flow[f, F_NEXTSEQ]
    not_advanced = nextseq != 0 and _lt(s.seq, nextseq)
    if s.seglen > 1 and ((nextseq - 1) & M32) == s.seq:
        not_advanced = False
    rev_lastack = flow[g, F_LASTACK]
    if s.seglen > 0 and rev_lastack != 0 and _le((s.seq + s.seglen) & M32, rev_lastack):
        return A_SPURIOUS_RETRANSMISSION
    if not not_advanced:
        return 0
    since_ack = s.ts - flow[g, F_LASTACKTIME]
    # dupacknum is unsigned in tshark: the -1 left by rules §5.11 counts as ">= 2"
    dupn = flow[g, F_DUPACKNUM]
    if (dupn >= 2 or dupn == -1) and rev_lastack == s.seq and 0 <= since_ack < FASTRT_WINDOW_NS:
        return A_FAST_RETRANSMISSION
    since_advance = s.ts - flow[f, F_NEXTSEQTIME]
    end = (s.seq + s.seglen + (1 if (s.flags & (SYN | FIN)) != 0 else 0)) & M32
    if 0 <= since_advance < ooo_threshold and nextseq != end:
        return A_OUT_OF_ORDER
    return A_RETRANSMISSION


@helper
def _rto(st: State, f: Int, ts: Int) -> tuple[int, int]:
    """The RTO of a RETRANSMISSION (rules §5.12f): the time since the oldest segment of the
    flow still unacknowledged, and its frame; without one, since ``nextseq`` moved."""
    flow = st.flow
    seg = st.seg
    rto: int = ts - flow[f, F_NEXTSEQTIME]
    rto_frame: int = flow[f, F_NEXTSEQFRAME]
    p = flow[f, F_HEAD]
    while p >= 0:
        rto = ts - seg[p, S_TS]
        rto_frame = seg[p, S_FRAME]
        p = seg[p, S_NEXT]
    return rto, rto_frame


@helper
def _remember_segment(st: State, f: Int, s: Segment) -> Int:
    """Rules §5.13: a segment that takes sequence space joins the flow's unacknowledged
    list (at most MAX_UNACKED), its end counting SYN/FIN as a byte. Returns the end the
    flow's ``nextseq`` may move to (without that byte when the list is full)."""
    flow = st.flow
    seg = st.seg
    nxt = (s.seq + s.seglen) & M32
    if _occupies_sequence(s) and flow[f, F_COUNT] < MAX_UNACKED:
        p = st.counts[2]
        st.counts[2] += 1
        seg[p, S_NEXT] = flow[f, F_HEAD]
        flow[f, F_HEAD] = p
        flow[f, F_COUNT] += 1
        seg[p, S_FRAME] = s.frame
        seg[p, S_SEQ] = s.seq
        seg[p, S_TS] = s.ts
        seg[p, S_CONV] = f // 2
        if (s.flags & (SYN | FIN)) != 0:
            nxt = (nxt + 1) & M32
        seg[p, S_NEXTSEQ] = nxt
    return nxt


@helper
def _advance_flow(flow: Array, f: Int, s: Segment, nxt: Int, found: Int) -> None:
    """Rules §5.13: unless the segment is a zero window probe, ``nextseq`` moves forward to
    its end ``nxt`` (or is set) and ``maxseq`` follows it when the segment starts at
    ``maxseq`` (or it is unset); the window, ack, time and flags ``found`` become the
    flow's last ones."""
    if (found & A_ZERO_WINDOW_PROBE) == 0:
        if _gt(nxt, flow[f, F_NEXTSEQ]) or flow[f, F_NEXTSEQ] == 0:
            flow[f, F_NEXTSEQ] = nxt
            flow[f, F_NEXTSEQFRAME] = s.frame
            flow[f, F_NEXTSEQTIME] = s.ts
        if s.seq == flow[f, F_MAXSEQ] or flow[f, F_MAXSEQ] == 0:
            flow[f, F_MAXSEQ] = flow[f, F_NEXTSEQ]
    flow[f, F_WINDOW] = s.win
    flow[f, F_LASTACK] = s.ack
    flow[f, F_LASTACKTIME] = s.ts
    flow[f, F_LASTSEGFLAGS] = found


@helper
def _match_ack(st: State, f: Int, s: Segment) -> tuple[bool, int, int]:
    """ACK MATCHING (rules §6.1): walk the peer's unacknowledged segments, newest first;
    one ending at the ack is acknowledged (the oldest such gives the frame and the RTT)
    and dropped, one the ack falls inside is trimmed to the ack and looked at again, one
    ending beyond the ack stays, one ending before it is dropped. Returns whether one
    was acknowledged, its frame and the RTT."""
    flow = st.flow
    seg = st.seg
    g = f ^ 1
    hit = False
    acks_frame = 0
    ack_rtt = 0
    prev = -1
    p = flow[g, F_HEAD]
    while p >= 0:
        if s.ack == seg[p, S_NEXTSEQ]:
            hit = True
            acks_frame = seg[p, S_FRAME]
            ack_rtt = s.ts - seg[p, S_TS]
        elif _gt(s.ack, seg[p, S_SEQ]) and _le(s.ack, seg[p, S_NEXTSEQ]):
            seg[p, S_SEQ] = s.ack
            continue
        elif _gt(seg[p, S_NEXTSEQ], s.ack):
            prev = p
            p = seg[p, S_NEXT]
            continue
        nx = seg[p, S_NEXT]
        if prev < 0:
            flow[g, F_HEAD] = nx
        else:
            seg[prev, S_NEXT] = nx
        seg[p, S_CONV] = -1
        p = nx
        flow[g, F_COUNT] -= 1
    return hit, acks_frame, ack_rtt


@helper
def _bytes_in_flight(st: State, f: Int, s: Segment) -> int:
    """BYTES IN FLIGHT (rules §6.4), for data while the flow has unacknowledged segments
    and valid bytes in flight: the span of those segments relative to the base, less
    what the peer's last SACK blocks cover, shown between 0 and 2,000,000,000 exclusive
    (less one for SYN or FIN), else 0. -1 when the rule does not apply."""
    flow = st.flow
    seg = st.seg
    p = flow[f, F_HEAD]
    if s.seglen == 0 or p < 0 or flow[f, F_VALID_BIF] == 0:
        return -1
    base = flow[f, F_BASE]
    first = (seg[p, S_SEQ] - base) & M32
    last = (seg[p, S_NEXTSEQ] - base) & M32
    while p >= 0:
        last = max(last, (seg[p, S_NEXTSEQ] - base) & M32)
        first = min(first, (seg[p, S_SEQ] - base) & M32)
        p = seg[p, S_NEXT]
    in_flight: int = (last - first) & M32
    g = f ^ 1
    for k in range(flow[g, F_NSACK]):
        in_flight = (in_flight - flow[g, F_SRE1 + 2 * k] + flow[g, F_SLE1 + 2 * k]) & M32
    if not 0 < in_flight < 2000000000:
        return 0
    return in_flight - 1 if (s.flags & (SYN | FIN)) != 0 else in_flight


@helper
def _push_bytes(flow: Array, f: Int, s: Segment) -> int:
    """PUSH BYTES (rules §6.4), alongside bytes in flight: the flow's counter restarts at
    the segment's length after a counted segment with PSH, else adds it."""
    if flow[f, F_PUSH_LAST] != 0:
        flow[f, F_PUSH] = s.seglen
    else:
        flow[f, F_PUSH] += s.seglen
    flow[f, F_PUSH_LAST] = 1 if (s.flags & PSH) != 0 else 0
    push: int = flow[f, F_PUSH]
    return push


@helper
def _completeness(conv: Array, c: Int, opened: bool, fl: Int, seglen: Int) -> int:
    """COMPLETENESS (rules §7.1): the first segment of a conversation records only a pure
    SYN (1, plus 8 with data); a later one adds SYN/ACK 2, ACK 4 (8 with data), FIN/ACK
    16 and RST 32."""
    if opened:
        if (fl & (SYN | ACK)) != SYN:
            return 0
        return 9 if seglen > 0 else 1
    comp: int = conv[c, C_COMPLETE]
    if (fl & (SYN | ACK)) == (SYN | ACK):
        comp |= 2
    if (fl & (SYN | ACK)) == ACK:
        comp |= 8 if seglen > 0 else 4
    if (fl & (FIN | ACK)) == (FIN | ACK):
        comp |= 16
    if (fl & RST) != 0:
        comp |= 32
    return comp


@helper
def _note_handshake(conv: Array, flow: Array, f: Int, s: Segment) -> None:
    """INITIAL RTT (rules §6.3): a pure SYN records its time; the first later segment with
    ACK and without SYN sets the initial RTT to the time since. A flow's window is its
    SYN's from its SYN or SYN/ACK until it sends ACK without SYN (rules §5.6)."""
    c = f // 2
    if (s.flags & SYN) != 0:
        if (s.flags & ACK) == 0:
            conv[c, C_MRU_SYN] = s.ts
        flow[f, F_FIRST_ACK] = 1
    if (s.flags & (SYN | ACK)) == ACK:
        if conv[c, C_MRU_SYN] != 0 and conv[c, C_FIRST_RTT] == 0:
            conv[c, C_FIRST_RTT] = s.ts - conv[c, C_MRU_SYN]
        flow[f, F_FIRST_ACK] = 0


@helper
def _fin_kind(flow: Array, f: Int, fl: Int) -> int:
    """CLOSING INITIATOR (tcp.connection.fin_active/fin_passive): a FIN initiates the
    closing (1) unless the peer flow initiated it (2), and marks its flow when it does;
    0 without FIN."""
    if (fl & FIN) == 0:
        return 0
    if flow[f ^ 1, F_CLOSING] != 0:
        return 2
    flow[f, F_CLOSING] = 1
    return 1


@helper
def _verify_window_scaling(flow: Array, f: Int, fl: Int) -> None:
    """WINDOW SCALING CHECK (rules §4.3), after the options of a SYN or SYN/ACK: a flow
    without a shift means neither flow scales; a SYN/ACK after a SYN that does not scale
    does not scale either."""
    if (fl & SYN) == 0:
        return
    if flow[f, F_WSCALE] == -1:
        flow[f, F_WSCALE] = -2
        flow[f ^ 1, F_WSCALE] = -2
    elif (fl & ACK) != 0 and flow[f ^ 1, F_WSCALE] == -2:
        flow[f, F_WSCALE] = -2


# A kernel runs over the arrays of one batch of segments: its inputs, its outputs and
# the state, each a NamedTuple of arrays that numba compiles field by field. Its body
# is the rules' order, each rule a helper above; what remains is the bookkeeping of one
# segment, kept in one place so that each step's position in tshark's order stays
# visible (PLR0912, PLR0915).
def _analyze_run(ins: Inputs, out: Outputs, st: State) -> int:  # noqa: PLR0912, PLR0915 -- see above
    """Run the analysis over every segment (see the module docstring); returns the number
    of conversations (``tcp.stream`` values) so far.

    ``st`` is the state (:class:`State`); its ``counts`` hold the streams numbered, the
    conversation slots and the unacknowledged-segment rows in use, on entry and on
    return, so that a later call continues the analysis.
    """
    conv = st.conv
    flow = st.flow
    for r in range(ins.frame.shape[0]):
        reach = np.int64(ins.reach[r])
        if reach < 2:
            continue
        s = Segment(np.int64(ins.frame[r]), np.int64(ins.ts[r]), np.int64(ins.seq[r]), np.int64(ins.ack[r]),
                    np.int64(ins.flags[r]), np.int64(ins.window[r]), np.int64(ins.seglen[r]))
        fl = s.flags
        key = np.int64(ins.key[r])
        fd = np.int64(ins.flow[r])

        # 1. the conversation (rules §2)
        c, opened = _conversation_of(st, key, s.ts)
        c, ta, found = _port_reuse(st, c, key, fd, s)
        _note_accecn_handshake(conv, c, fl)
        f = 2 * c + fd
        g = f ^ 1
        out.stream[r] = conv[c, C_STREAM]
        out.completeness[r] = conv[c, C_COMPLETE]
        conv[c, C_LAST_TS] = max(conv[c, C_LAST_TS], s.ts)
        if (fl & FIN) != 0:
            conv[c, C_ENDED] |= ENDED_FIN1 if fd == 0 else ENDED_FIN2
        if (fl & RST) != 0:
            conv[c, C_ENDED] |= ENDED_RST
        flow[f, F_NSACK] = 0

        # 2. timestamps (rules §7.2), computed before the header checks
        out.time_delta[r] = s.ts - conv[c, C_PREV_TS]
        conv[c, C_PREV_TS] = s.ts
        out.time_relative[r] = s.ts - conv[c, C_FIRST_TS]

        acks_frame = 0
        ack_rtt = 0
        bif = 0
        push = 0
        dupnum = 0
        dupframe = 0
        rto = 0
        rto_frame = 0
        disp_seq = s.seq
        disp_ack = s.ack
        disp_win = s.win
        if s.seglen >= 0:
            _set_base_seqs(flow, f, s)
            # the sequence checks (rules §5), in tshark's order
            if (fl & ACK) != 0:
                flow[g, F_VALID_BIF] = 1
            found |= _header_checks(flow, f, s)
            if (found & A_DUPLICATE_ACK) != 0:
                dupnum = flow[f, F_DUPACKNUM]
                dupframe = flow[f, F_LASTNONDUP]
            _note_new_ack(flow, f, s)
            unseen, unseen_flag = _acked_unseen_segment(flow, f, s)
            found |= unseen_flag
            if _occupies_sequence(s) and (found & A_KEEP_ALIVE) == 0:
                thr = conv[c, C_FIRST_RTT] if conv[c, C_FIRST_RTT] != 0 else OOO_DEFAULT_NS
                kind = _retransmission_kind(flow, f, s, thr)
                found |= kind
                if kind == A_RETRANSMISSION:
                    rto, rto_frame = _rto(st, f, s.ts)
            ta = ta or unseen or found != 0
            _advance_flow(flow, f, s, _remember_segment(st, f, s), found)
            acked, acks_frame, ack_rtt = _match_ack(st, f, s)
            ta = ta or acked
            in_flight = _bytes_in_flight(st, f, s)
            if in_flight >= 0:
                ta = True
                bif = in_flight
                push = _push_bytes(flow, f, s)
            # relative numbers and the scaled window (rules §3.3, §4.4)
            disp_seq = (s.seq - flow[f, F_BASE]) & M32
            if (fl & ACK) != 0:
                disp_ack = (s.ack - flow[g, F_BASE]) & M32
            if (fl & SYN) == 0 and flow[f, F_WSCALE] >= 0:
                disp_win = s.win << flow[f, F_WSCALE]
            out.nxtseq[r] = (disp_seq + s.seglen + (1 if (fl & (SYN | FIN)) != 0 else 0)) & M32
        out.seq[r] = disp_seq
        out.ack[r] = disp_ack
        out.window_size[r] = disp_win
        out.window_size_scalefactor[r] = flow[f, F_WSCALE] if flow[f, F_WSCALE] < 0 else (1 << flow[f, F_WSCALE])
        out.use_ace[r] = 1 if ((fl & SYN) == 0 and (
            (conv[c, C_ACC_SYN] != 0 and conv[c, C_ACC_SYNACK] != 0) or conv[c, C_ACC_OPT] != 0)) else 0
        if ins.bogus[r] != 0:
            continue  # dissect_tcp returns after the bogus header length

        # 3. completeness, TFO, the handshake and the closing
        conv[c, C_COMPLETE] = _completeness(conv, c, opened, fl, s.seglen)
        if (fl & (SYN | ACK)) == (SYN | ACK):
            if disp_ack > 1:
                out.tfo[r] = 1
            elif conv[c, C_TFO_DATA] != 0:
                out.tfo[r] = 2
        _note_handshake(conv, flow, f, s)
        out.fin_kind[r] = _fin_kind(flow, f, fl)
        if reach < 4:
            continue  # the checksum or urgent pointer was cut off: dissect_tcp ends here

        # 4. options (after the analysis): window scale (rules §4.2), SACK blocks, AccECN, TFO
        if ins.ws_opt[r] >= 0:
            flow[f, F_WSCALE] = ins.ws_opt[r]
        if ins.accecn_opt[r] != 0:
            conv[c, C_ACC_OPT] = 1
        nsack = (ins.sackedges[ins.sackrow[r], 6] if ins.sackrow[r] >= 0 else 0)
        flow[f, F_NSACK] = nsack
        for k in range(nsack):
            flow[f, F_SLE1 + 2 * k] = (ins.sackedges[ins.sackrow[r], 2 * k] - flow[g, F_BASE]) & M32
            flow[f, F_SRE1 + 2 * k] = (ins.sackedges[ins.sackrow[r], 2 * k + 1] - flow[g, F_BASE]) & M32
        out.sack_base[r] = flow[g, F_BASE]
        if ins.tfo_cookie[r] != 0 and (fl & (SYN | ACK)) == SYN and s.seglen > 0:
            conv[c, C_TFO_DATA] = 1
        if ins.opt_exception[r] != 0:
            continue  # the options threw: no analysis printout, no window-scale check
        # tcp_print_sequence_number_analysis
        if ta:
            out.ta[r] = 1
            out.aflags[r] = found
            out.acks_frame[r] = acks_frame
            out.ack_rtt[r] = ack_rtt
            out.initial_rtt[r] = conv[c, C_FIRST_RTT]
            out.bytes_in_flight[r] = bif
            out.push_bytes_sent[r] = push
            out.dupack_num[r] = dupnum
            out.dupack_frame[r] = dupframe
            out.rto[r] = rto
            out.rto_frame[r] = rto_frame
        _verify_window_scaling(flow, f, fl)
    return int(st.counts[0])


_KERNEL = kernel(_analyze_run)


def run_analysis(size: int, ins: Inputs, out: Outputs, st: State) -> int:
    """:func:`_analyze_run` on its arguments, compiled when ``size`` (the work it will do,
    in segments) is large (``tcpscope._jit``); returns the number of conversations."""
    return int(_KERNEL.run(size, ins, out, st))


#: Output columns of the analysis and their types (narrow where the values allow).
OUTPUTS: dict[str, type] = {
    "stream": np.int32, "completeness": np.uint8, "time_relative": np.int64, "time_delta": np.int64,
    "seq": np.uint32, "ack": np.uint32, "nxtseq": np.uint32, "window_size": np.int64,
    "window_size_scalefactor": np.int32, "ta": np.bool_, "aflags": np.uint16, "acks_frame": np.int32,
    "ack_rtt": np.int64, "initial_rtt": np.int64, "bytes_in_flight": np.uint32, "push_bytes_sent": np.uint32,
    "dupack_num": np.uint32, "dupack_frame": np.int32, "rto": np.int64, "rto_frame": np.int32,
    "fin_kind": np.uint8, "use_ace": np.bool_, "sack_base": np.uint32, "tfo": np.uint8,
}

#: Input columns, in the kernel's order (the SACK blocks come as ``sackrow``/``sackedges``).
INPUTS: tuple[str, ...] = Inputs._fields[:-2]


#: Segments times the segments that may wait for an ACK, above which the analysis runs
#: compiled even on a small input: uncompiled, an ACK's walk of a long unacknowledged list
#: costs about a microsecond a step (1,000 segments that all wait: about a second at worst).
WALK_BUDGET = 1_000_000
