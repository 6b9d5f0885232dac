"""Wireshark 4.0's TCP analysis, one pass over every segment in capture order, as a kernel.

This is ``dissect_tcp``'s per-segment bookkeeping and ``tcp_analyze_sequence_number``
(packet-tcp.c) in the order tshark runs them on its first (and, by default, only) pass.
docs/tcp-analysis-rules.md states every rule; each has a helper, with the rule in
words above it and its section there ("rules §5.1"): the conversations' here, the
sequence checks in :mod:`tcpscope.analysis.checks`, the unacknowledged segments and
what they give (ACK matching, RTT, bytes in flight) in :mod:`tcpscope.analysis.acks`.
The kernel sees only arrays, each field with a name (:mod:`tcpscope.analysis.layout`):
one row per TCP header, in frame order.

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
``nextseq``, ``lastack`` and ``maxseq``, exactly as Wireshark treats them.

The state lives in rows that :mod:`tcpscope.analysis.state` retires between pieces of
a capture: a conversation occupies a *slot* (its ``tcp.stream`` number is a field of
it), and a key whose conversation was retired keeps a small record (its stream number,
base sequence numbers and window scaling) that a later frame of it revives.
"""

from __future__ import annotations

import numpy as np

from tcpscope._jit import helper, kernel
from tcpscope._types import Array
from tcpscope.analysis.acks import (
    bytes_in_flight,
    count_push_bytes,
    match_ack,
    remember_segment,
    retransmission_timeout,
)
from tcpscope.analysis.checks import (
    REUSE_NEW_BASE,
    REUSE_NEW_CONVERSATION,
    REUSE_SYN_AGAIN,
    acks_unseen_segment,
    advance_nextseq,
    fin_kind,
    header_checks,
    in_handshake,
    next_completeness,
    note_accecn_handshake,
    note_acked_unseen,
    note_handshake,
    note_header_checks,
    note_last_segment,
    note_new_ack,
    occupies_sequence,
    port_reuse,
    retransmission_kind,
    set_base_seqs,
    verify_window_scaling,
)
from tcpscope.analysis.layout import (
    A_DUPLICATE_ACK,
    A_KEEP_ALIVE,
    A_LOST_PACKET,
    A_RETRANSMISSION,
    A_REUSED_PORTS,
    A_ZERO_WINDOW_PROBE,
    ENDED_FIN1,
    ENDED_FIN2,
    ENDED_RST,
    M32,
    OOO_DEFAULT_NS,
    Conversations,
    Counts,
    FlowNow,
    Flows,
    Inputs,
    Int,
    Outputs,
    Retired,
    Segment,
    State,
)
from tcpscope.constants import ACK, FIN, RST, SYN

__all__ = [
    "CONSTANTS_DIGEST",
    "HELPER_MODULES",
    "HELPER_MODULES_DIGEST",
    "WALK_BUDGET",
    "run_analysis",
]

#: The digest of :mod:`tcpscope.constants` this module's kernel was compiled for (the flag
#: bits it reads): numba's cache knows only this file, so a changed constant must change
#: this line too (tests/test_constants.py).
CONSTANTS_DIGEST = "9f669131f1707517"

#: The modules whose helpers and constants the kernel compiles in. numba's cache knows
#: only this file, so the digest of their source is recorded here: a change to one of
#: them changes this line, which compiles the kernel again
#: (tests/analysis/test_kernel_sources.py fails until it does, and says the new digest).
HELPER_MODULES = ("tcpscope.analysis.acks", "tcpscope.analysis.checks", "tcpscope.analysis.layout")
HELPER_MODULES_DIGEST = "7173d7ecce7f9559"

#: Segments times the segments that may wait for an ACK, above which the analysis runs
#: compiled even on a small input: uncompiled, an ACK's walk of a long unacknowledged list
#: costs about a microsecond a step (1,000 segments that all wait: about a second at worst).
WALK_BUDGET = 1_000_000


@helper
def _new_conv(conv: Conversations, flow: Flows, c: Int, ts: Int, stream: Int, key: Int) -> None:  # noqa: PLR0913, PLR0917 -- compiled helper: the state's parts (see _analyze_run)
    """init_tcp_conversation_data: a fresh conversation in slot ``c``, starting at ``ts``,
    its flows with no window scale known yet, the largest window, valid bytes in flight
    and no unacknowledged segment."""
    for field in conv:
        field[c] = 0
    conv.first_ts[c] = ts
    conv.prev_ts[c] = ts
    conv.stream[c] = stream
    conv.key[c] = key
    conv.last_ts[c] = ts
    for f in range(2 * c, 2 * c + 2):
        for field in flow:
            field[f] = 0
        flow.wscale[f] = -1
        flow.window[f] = M32
        flow.valid_bif[f] = 1
        flow.head[f] = -1


@helper
def _open_conv(conv: Conversations, flow: Flows, cur: Array, counts: Counts, key: Int, ts: Int) -> int:  # noqa: PLR0913, PLR0917 -- compiled helper: the state's parts, not the whole State (see _analyze_run)
    """Rules §2.2: a new conversation of ``key`` in the next free slot, with the next
    ``tcp.stream`` number; it becomes the key's current one. Returns its slot."""
    c: int = counts.slots[0]
    counts.slots[0] += 1
    _new_conv(conv, flow, c, ts, counts.streams[0], key)
    counts.streams[0] += 1
    cur[key] = c
    return c


@helper
def _revive_conv(conv: Conversations, flow: Flows, cur: Array, counts: Counts, retired: Retired, key: Int,  # noqa: PLR0913, PLR0917 -- compiled helper: the state's parts (see _analyze_run)
                 ts: Int) -> int:
    """A frame of a retired conversation (docs/deviations.md, "Retired conversations"): a
    fresh state in the next free slot with the stream number, base sequence numbers and
    window scaling the conversation had. Returns its slot."""
    c: int = counts.slots[0]
    counts.slots[0] += 1
    _new_conv(conv, flow, c, ts, retired.stream[key], key)
    for d in range(2):
        f = 2 * c + d
        if retired.base[key, d] >= 0:
            flow.base[f] = retired.base[key, d]
            flow.base_set[f] = 1
        flow.wscale[f] = retired.wscale[key, d]
    cur[key] = c
    return c


@helper
def _conversation_for(conv: Conversations, flow: Flows, cur: Array, counts: Counts, retired: Retired, key: Int,  # noqa: PLR0913, PLR0917 -- compiled helper: the state's parts (see _analyze_run)
                      ts: Int) -> tuple[Int, bool]:
    """Rules §2.1, for a key without a current conversation: the slot of its retired
    conversation revived, or of a new one; and whether a new ``tcp.stream`` was opened."""
    if retired.stream[key] >= 0:
        return _revive_conv(conv, flow, cur, counts, retired, key, ts), False
    return _open_conv(conv, flow, cur, counts, key, ts), True


@helper
def _port_reuse(conv: Conversations, flow: Flows, cur: Array, counts: Counts, c: Int, fd: Int,  # noqa: PLR0913, PLR0917 -- compiled helper: the state's parts (see _analyze_run)
                s: Segment, key: Int) -> tuple[Int, bool, int]:
    """PORT REUSE (rules §2.3a, §2.3b; decided by :func:`~tcpscope.analysis.checks.port_reuse`):
    a new conversation (REUSED_PORTS); the old SYN again, whose ``nextseq`` goes back to
    ``maxseq``; or a SYN/ACK's new base (REUSED_PORTS).

    Returns the conversation's slot, whether the segment gets an analysis record, and
    its flags."""
    f = 2 * c + fd
    reuse = port_reuse(s.flags, s.seq, flow.base_set[f], flow.base[f])
    if reuse == REUSE_SYN_AGAIN:
        flow.nextseq[f] = flow.maxseq[f]
        return c, True, 0
    if reuse == REUSE_NEW_CONVERSATION:
        c = _open_conv(conv, flow, cur, counts, key, s.ts)
        conv.completeness[c] = 1
        return c, True, A_REUSED_PORTS
    if reuse == REUSE_NEW_BASE:
        flow.base[f] = s.seq
        return c, True, A_REUSED_PORTS
    return c, False, 0


@helper
def _note_ending(last_ts: Array, ended: Array, c: Int, fd: Int, s: Segment) -> None:
    """For retirement (analysis/state.py): the segment's time stamp, if the latest, and
    whether it is a FIN (of flow ``fd``) or a RST."""
    last_ts[c] = max(last_ts[c], s.ts)
    if (s.flags & FIN) != 0:
        ended[c] |= ENDED_FIN1 if fd == 0 else ENDED_FIN2
    if (s.flags & RST) != 0:
        ended[c] |= ENDED_RST


# The kernel runs over the arrays of one batch of segments: its inputs, its outputs and
# the state, each a NamedTuple of arrays. Its body is the rules' order, each rule a
# helper; what remains is the bookkeeping of one segment, kept in one place so that each
# step's position in tshark's order stays visible (PLR0912, PLR0915). Compiled, a
# NamedTuple of arrays passed to a helper costs a copy of every array's descriptor at
# each call (the 21 arrays of Flows: 3.8 s instead of 0.13 s on the bench capture), so
# the helpers run for every segment take the few arrays they write, or plain numbers
# (layout.FlowNow), and those that take the whole groups run on the rare paths (a new
# conversation, a SYN, a FIN, a retransmission). The arrays are taken out of their
# groups once, here.
def _analyze_run(ins: Inputs, out: Outputs, st: State) -> int:  # noqa: PLR0912, PLR0915 -- see above
    """Run the analysis over every segment (see the module docstring); returns the number
    of conversations (``tcp.stream`` values) so far.

    ``st`` is the state (:class:`~tcpscope.analysis.layout.State`); its ``counts`` hold
    the streams numbered, the conversation slots and the unacknowledged-segment rows in
    use, on entry and on return, so that a later call continues the analysis.
    """
    conv = st.conv
    flow = st.flow
    sack = st.sack
    seg = st.seg
    cur = st.cur
    retired = st.retired
    counts = st.counts
    base, base_set, wscale, window, syn_window = flow.base, flow.base_set, flow.wscale, flow.window, flow.syn_window
    nextseq, nextseq_frame, nextseq_ts, maxseq = flow.nextseq, flow.nextseq_frame, flow.nextseq_ts, flow.maxseq
    lastack, lastack_ts, last_nondup, dupacks = flow.lastack, flow.lastack_ts, flow.last_nondup, flow.dupacks
    last_flags, valid_bif, nsack, head, unacked = flow.last_flags, flow.valid_bif, flow.nsack, flow.head, flow.unacked
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
        c = cur[key]
        opened = False
        if c < 0:
            c, opened = _conversation_for(conv, flow, cur, counts, retired, key, s.ts)
        ta = False
        found = 0
        if (fl & SYN) != 0:
            c, ta, found = _port_reuse(conv, flow, cur, counts, c, fd, s, key)
            note_accecn_handshake(conv, c, fl)
        f = 2 * c + fd
        g = f ^ 1
        out.stream[r] = conv.stream[c]
        out.completeness[r] = conv.completeness[c]
        _note_ending(conv.last_ts, conv.ended, c, fd, s)
        nsack[f] = 0

        # 2. timestamps (rules §7.2), computed before the header checks
        out.time_delta[r] = s.ts - conv.prev_ts[c]
        conv.prev_ts[c] = s.ts
        out.time_relative[r] = s.ts - conv.first_ts[c]

        acks_frame = 0
        ack_rtt = 0
        bif = 0
        push = 0
        dupnum = 0
        dupframe = 0
        rto_ns = 0
        rto_frame = 0
        disp_seq = s.seq
        disp_ack = s.ack
        disp_win = s.win
        if s.seglen >= 0:
            if base_set[f] == 0 or base_set[g] == 0:
                set_base_seqs(base, base_set, f, s)
            # the sequence checks (rules §5), in tshark's order
            if (fl & ACK) != 0:
                valid_bif[g] = 1
            me = FlowNow(nextseq[f], lastack[f], window[f], wscale[f], syn_window[f], last_flags[f])
            peer = FlowNow(nextseq[g], lastack[g], window[g], wscale[g], syn_window[g], last_flags[g])
            checked = header_checks(s, me, peer)
            if (checked & (A_LOST_PACKET | A_DUPLICATE_ACK)) != 0:
                note_header_checks(flow, f, checked)
            found |= checked
            if (found & A_DUPLICATE_ACK) != 0:
                dupnum = dupacks[f]
                dupframe = last_nondup[f]
            if s.ack != me.lastack:
                note_new_ack(last_nondup, dupacks, f, s)
            unseen = acks_unseen_segment(s, maxseq[g])
            if unseen:
                found |= note_acked_unseen(flow, g)
            if occupies_sequence(s) and (found & A_KEEP_ALIVE) == 0:
                thr = conv.initial_rtt[c] if conv.initial_rtt[c] != 0 else OOO_DEFAULT_NS
                kind = retransmission_kind(s, nextseq[f], s.ts - nextseq_ts[f], lastack[g], s.ts - lastack_ts[g],
                                           dupacks[g], thr)
                found |= kind
                if kind == A_RETRANSMISSION:
                    rto_ns, rto_frame = retransmission_timeout(flow, seg, f, s.ts)
            ta = ta or unseen or found != 0
            nxt = remember_segment(seg, head, unacked, counts.rows, f, s)
            if (found & A_ZERO_WINDOW_PROBE) == 0:
                advance_nextseq(nextseq, nextseq_frame, nextseq_ts, maxseq, f, s, nxt)
            note_last_segment(window, lastack, lastack_ts, last_flags, f, s, found)
            if head[g] >= 0:
                acked, acks_frame, ack_rtt = match_ack(seg, head, unacked, g, s)
                ta = ta or acked
            if s.seglen != 0 and head[f] >= 0 and valid_bif[f] != 0:
                ta = True
                bif = bytes_in_flight(seg, sack, head[f], base[f], g, nsack[g], s)
                push = count_push_bytes(flow.push_bytes, flow.push_last, f, s)
            # relative numbers and the scaled window (rules §3.3, §4.4)
            disp_seq = (s.seq - base[f]) & M32
            if (fl & ACK) != 0:
                disp_ack = (s.ack - base[g]) & M32
            if (fl & SYN) == 0 and wscale[f] >= 0:
                disp_win = s.win << wscale[f]
            out.nxtseq[r] = (disp_seq + s.seglen + (1 if (fl & (SYN | FIN)) != 0 else 0)) & M32
        out.seq[r] = disp_seq
        out.ack[r] = disp_ack
        out.window_size[r] = disp_win
        out.window_size_scalefactor[r] = wscale[f] if wscale[f] < 0 else (1 << wscale[f])
        out.use_ace[r] = 1 if ((fl & SYN) == 0 and (
            (conv.acc_syn[c] != 0 and conv.acc_synack[c] != 0) or conv.acc_opt[c] != 0)) else 0
        if ins.bogus[r] != 0:
            continue  # dissect_tcp returns after the bogus header length

        # 3. completeness, TFO, the handshake and the closing
        conv.completeness[c] = next_completeness(conv.completeness[c], opened, fl, s.seglen)
        if (fl & (SYN | ACK)) == (SYN | ACK):
            if disp_ack > 1:
                out.tfo[r] = 1
            elif conv.tfo_data[c] != 0:
                out.tfo[r] = 2
        if in_handshake(s, syn_window[f], conv.syn_ts[c], conv.initial_rtt[c]):
            note_handshake(conv, flow, f, s)
        if (fl & FIN) != 0:
            out.fin_kind[r] = fin_kind(flow, f)
        if reach < 4:
            continue  # the checksum or urgent pointer was cut off: dissect_tcp ends here

        # 4. options (after the analysis): window scale (rules §4.2), SACK blocks, AccECN, TFO
        if ins.ws_opt[r] >= 0:
            wscale[f] = ins.ws_opt[r]
        if ins.accecn_opt[r] != 0:
            conv.acc_opt[c] = 1
        sr = ins.sackrow[r]
        if sr >= 0:
            nsack[f] = ins.sackedges[sr, 6]
            for k in range(nsack[f]):
                sack.left[f, k] = (ins.sackedges[sr, 2 * k] - base[g]) & M32
                sack.right[f, k] = (ins.sackedges[sr, 2 * k + 1] - base[g]) & M32
        out.sack_base[r] = base[g]
        if ins.tfo_cookie[r] != 0 and (fl & (SYN | ACK)) == SYN and s.seglen > 0:
            conv.tfo_data[c] = 1
        if ins.opt_exception[r] != 0:
            continue  # the options threw: no analysis printout, no window-scale check
        # tcp_print_sequence_number_analysis
        if ta:
            out.ta[r] = 1
            out.aflags[r] = found
            out.acks_frame[r] = acks_frame
            out.ack_rtt[r] = ack_rtt
            out.initial_rtt[r] = conv.initial_rtt[c]
            out.bytes_in_flight[r] = bif
            out.push_bytes_sent[r] = push
            out.dupack_num[r] = dupnum
            out.dupack_frame[r] = dupframe
            out.rto[r] = rto_ns
            out.rto_frame[r] = rto_frame
        if (fl & SYN) != 0:
            verify_window_scaling(flow, f, fl)
    return int(counts.streams[0])


#: Without reference counting: the kernel creates no array and keeps none (tcpscope._jit).
_KERNEL = kernel(_analyze_run, refcounts=False)


def run_analysis(size: int, ins: Inputs, out: Outputs, st: State) -> int:
    """:func:`_analyze_run` on its arguments, compiled when ``size`` (the work it will do,
    in segments) is large (``tcpscope._jit``); returns the number of conversations."""
    return int(_KERNEL.run(size, ins, out, st))
