"""Wireshark 4.0's TCP analysis, one pass over every segment in capture order, as a kernel.

This is ``dissect_tcp``'s per-segment bookkeeping and ``tcp_analyze_sequence_number``
(packet-tcp.c) in the order tshark runs them on its first (and, by default, only) pass;
``../shared/reference/tcp-analysis.md`` states every rule, and the comments below cite
its sections. The kernel sees only arrays: one row per TCP header, in frame order.

Per segment, in order:

1. Conversation (§2): the key's current conversation, or a new one (a new
   ``tcp.stream``). A pure SYN whose sequence number differs from its flow's base starts
   a new conversation on the same key (port reuse, §2.3a); one with the same number
   rewinds ``nextseq`` to ``maxseqtobeacked`` (it will be a retransmission). A SYN/ACK
   whose number differs from a base already set overwrites the base (§2.3b). Both
   mark the segment REUSED_PORTS.
2. Stream timestamps (§7.2), base sequence numbers (§3.2), then the analysis (§5):
   zero-window probe, zero window, lost segment, keep-alive, window update, window full,
   keep-alive ACK, zero-window-probe ACK, duplicate ACK, ACKed unseen segment, and the
   retransmission family (spurious, fast, out-of-order, plain), then the state updates,
   the ACK of the peer's unacknowledged segments (§6.1) and bytes in flight (§6.4).
3. Relative numbers and the scaled window (§3.3, §4.4); completeness (§7.1); the SYN,
   FIN (closing initiator) and initial-RTT bookkeeping (§6.3).
4. Options seen after the analysis: window scale and SACK blocks (used by later
   segments), then the window-scaling check of SYNs (§4.3) — both skipped, like the
   analysis printout, when the options ran past the captured bytes.

Sequence numbers are compared in 32-bit serial arithmetic; 0 means "unset" for
``nextseq``, ``lastack`` and ``maxseqtobeacked``, exactly as Wireshark treats them.

The state lives in rows that :mod:`tcpscope.analysis.state` retires between pieces of
a capture: a conversation occupies a *slot* (its ``tcp.stream`` number is a field of
it), and a key whose conversation was retired keeps a small record (its stream number,
base sequence numbers and window scaling) that a later frame of it revives.
"""

from __future__ import annotations

import numpy as np

from tcpscope._jit import helper, kernel
from tcpscope._types import Array
from tcpscope.constants import ACK, AE, CWR, ECE, FIN, PSH, RST, SYN

#: A scalar the kernel reads from its int64 arrays, or a Python int.
Int = int | np.int64

__all__ = [
    "A_ACK_LOST_PACKET", "A_DUPLICATE_ACK", "A_FAST_RETRANSMISSION", "A_KEEP_ALIVE", "A_KEEP_ALIVE_ACK",
    "A_LOST_PACKET", "A_OUT_OF_ORDER", "A_RETRANSMISSION", "A_REUSED_PORTS", "A_SPURIOUS_RETRANSMISSION",
    "A_WINDOW_FULL", "A_WINDOW_UPDATE", "A_ZERO_WINDOW", "A_ZERO_WINDOW_PROBE", "A_ZERO_WINDOW_PROBE_ACK", "CONSTANTS_DIGEST", "C_ENDED",
    "C_KEY", "C_LAST_TS", "C_N", "C_STREAM", "ENDED_FIN1", "ENDED_FIN2", "ENDED_RST", "F_BASE", "F_BASE_SET",
    "F_HEAD", "F_N", "F_WSCALE", "INPUTS", "OUTPUTS", "R_BASE", "R_N", "R_STREAM", "R_WSCALE", "S_CONV", "S_N",
    "S_NEXT", "WALK_BUDGET", "run_analysis",
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


@helper
def _new_conv(conv: Array, flow: Array, c: int, ts: Int, stream: Int, key: Int) -> None:
    """init_tcp_conversation_data: a fresh conversation in slot ``c``, starting at ``ts``."""
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
def _revive_conv(conv: Array, flow: Array, retired: Array, c: int, ts: Int, key: Int) -> None:
    """A frame of a retired conversation (docs/deviations.md, "Retired conversations"): a
    fresh state in slot ``c`` with the stream number, base sequence numbers and window
    scaling the conversation had."""
    _new_conv(conv, flow, c, ts, retired[key, R_STREAM], key)
    for d in range(2):
        f = 2 * c + d
        if retired[key, R_BASE + d] >= 0:
            flow[f, F_BASE] = retired[key, R_BASE + d]
            flow[f, F_BASE_SET] = 1
        flow[f, F_WSCALE] = retired[key, R_WSCALE + d]


def _analyze_run(frame_a: Array, ts_a: Array, key_a: Array, flowdir: Array, seqv: Array, ackv: Array, flags: Array,
                 win_a: Array, seglen_a: Array, reach_a: Array, bogus_a: Array, optexc: Array, wsopt: Array,
                 accopt: Array, tfocookie: Array, sackrow: Array, sackedges: Array,
                 o_stream: Array, o_comp: Array, o_trel: Array, o_tdelta: Array, o_seq: Array, o_ack: Array,
                 o_nxt: Array, o_win: Array, o_scale: Array, o_ta: Array, o_flags: Array, o_acksf: Array,
                 o_rtt: Array, o_irtt: Array, o_bif: Array, o_push: Array, o_dupn: Array, o_dupf: Array,
                 o_rto: Array, o_rtof: Array, o_fin: Array, o_ace: Array, o_sackbase: Array, o_tfo: Array,
                 conv: Array, flow: Array, seg: Array, cur: Array, retired: Array, counts: Array) -> int:
    """Run the analysis over every segment (see the module docstring); returns the number
    of conversations (``tcp.stream`` values) so far.

    ``conv``, ``flow``, ``seg``, ``cur`` (the slot of each key's current conversation, -1:
    none) and ``retired`` (per key, see R_*) are the state; ``counts`` holds the streams
    numbered, the conversation slots and the unacknowledged-segment rows in use, on entry
    and on return, so that a later call continues the analysis.
    """
    m = frame_a.shape[0]
    nstreams: int = counts[0]
    nconv: int = counts[1]
    nseg = counts[2]
    for r in range(m):
        reach = np.int64(reach_a[r])
        if reach < 2:
            continue
        frame = np.int64(frame_a[r])
        ts = np.int64(ts_a[r])
        key = np.int64(key_a[r])
        fd = np.int64(flowdir[r])
        seq = np.int64(seqv[r])
        ack = np.int64(ackv[r])
        fl = np.int64(flags[r])
        win = np.int64(win_a[r])
        seglen = np.int64(seglen_a[r])
        bogus = bogus_a[r] != 0

        # 1. conversation lookup (find_conversation / conversation_new)
        is_new = False
        c = cur[key]
        if c < 0:
            c = nconv
            nconv += 1
            if retired[key, R_STREAM] >= 0:
                _revive_conv(conv, flow, retired, c, ts, key)
            else:
                _new_conv(conv, flow, c, ts, nstreams, key)
                nstreams += 1
                is_new = True
            cur[key] = c
        f = 2 * c + fd
        g = 2 * c + 1 - fd
        ta = False
        taflags = 0
        acks_frame = 0
        ack_rtt = 0
        bif = 0
        push = 0
        dupnum = 0
        dupframe = 0
        rto = 0
        rto_frame = 0
        if (fl & (SYN | ACK)) == SYN:
            if flow[f, F_BASE_SET] != 0:
                if seq != flow[f, F_BASE]:
                    # §2.3a: a new conversation on the same ports
                    c = nconv
                    nconv += 1
                    _new_conv(conv, flow, c, ts, nstreams, key)
                    nstreams += 1
                    cur[key] = c
                    f = 2 * c + fd
                    g = 2 * c + 1 - fd
                    ta = True
                    taflags |= A_REUSED_PORTS
                    conv[c, C_COMPLETE] = 1
                else:
                    flow[f, F_NEXTSEQ] = flow[f, F_MAXSEQ]
                    ta = True
            conv[c, C_ACC_SYN] = 1 if (fl & (AE | CWR | ECE)) == (AE | CWR | ECE) else 0
        if (fl & (SYN | ACK)) == (SYN | ACK):
            if flow[f, F_BASE_SET] != 0 and seq != flow[f, F_BASE]:
                flow[f, F_BASE] = seq  # §2.3b
                ta = True
                taflags |= A_REUSED_PORTS
            conv[c, C_ACC_SYNACK] = 1 if ((fl & (AE | CWR)) == CWR) or ((fl & (AE | ECE)) == AE) else 0
        o_stream[r] = conv[c, C_STREAM]
        o_comp[r] = conv[c, C_COMPLETE]
        conv[c, C_LAST_TS] = max(conv[c, C_LAST_TS], ts)
        if (fl & FIN) != 0:
            conv[c, C_ENDED] |= ENDED_FIN1 if fd == 0 else ENDED_FIN2
        if (fl & RST) != 0:
            conv[c, C_ENDED] |= ENDED_RST
        flow[f, F_NSACK] = 0

        # 2. timestamps (tcp_calculate_timestamps), computed before the header checks
        o_tdelta[r] = ts - conv[c, C_PREV_TS]
        conv[c, C_PREV_TS] = ts
        o_trel[r] = ts - conv[c, C_FIRST_TS]

        disp_seq = seq
        disp_ack = ack
        disp_win = win
        if seglen >= 0:
            if flow[f, F_BASE_SET] == 0:
                flow[f, F_BASE] = seq if (fl & SYN) != 0 else (seq - 1) & M32
                flow[f, F_BASE_SET] = 1
            if flow[g, F_BASE_SET] == 0 and (fl & ACK) != 0:
                flow[g, F_BASE] = (ack - 1) & M32
                flow[g, F_BASE_SET] = 1
            # ---- tcp_analyze_sequence_number (§5) ----
            if (fl & ACK) != 0:
                flow[g, F_VALID_BIF] = 1
            nextseq = flow[f, F_NEXTSEQ]
            lastack = flow[f, F_LASTACK]
            goto_fwd = False
            if seglen == 1 and seq == nextseq and flow[g, F_WINDOW] == 0:
                ta = True
                taflags |= A_ZERO_WINDOW_PROBE
                goto_fwd = True
            if not goto_fwd:
                if win == 0 and (fl & (RST | FIN | SYN)) == 0:
                    ta = True
                    taflags |= A_ZERO_WINDOW
                if nextseq != 0 and _gt(seq, nextseq) and (fl & RST) == 0:
                    ta = True
                    taflags |= A_LOST_PACKET
                    flow[f, F_VALID_BIF] = 0
                if seglen in (0, 1) and seq == ((nextseq - 1) & M32) and (fl & (SYN | FIN | RST)) == 0:
                    ta = True
                    taflags |= A_KEEP_ALIVE
                if (seglen == 0 and win != 0 and win != flow[f, F_WINDOW] and seq == nextseq
                        and ack == lastack and (fl & (SYN | FIN | RST)) == 0):
                    ta = True
                    taflags |= A_WINDOW_UPDATE
                if seglen > 0 and flow[g, F_WSCALE] != -1 and (fl & (SYN | FIN | RST)) == 0:
                    sh = 0
                    if flow[g, F_FIRST_ACK] == 0 and flow[g, F_WSCALE] != -2:
                        sh = flow[g, F_WSCALE]
                    edge = (flow[g, F_LASTACK] + ((flow[g, F_WINDOW] << sh) & M32)) & M32
                    if ((seq + seglen) & M32) == edge:
                        ta = True
                        taflags |= A_WINDOW_FULL
                same = seglen == 0 and seq == nextseq and ack == lastack and (fl & (SYN | FIN | RST)) == 0
                if same and win != 0 and win == flow[f, F_WINDOW] and (flow[g, F_LASTSEGFLAGS] & A_KEEP_ALIVE) != 0:
                    ta = True
                    taflags |= A_KEEP_ALIVE_ACK
                    goto_fwd = True
                elif (same and win == 0 and flow[f, F_WINDOW] == 0
                        and (flow[g, F_LASTSEGFLAGS] & A_ZERO_WINDOW_PROBE) != 0):
                    ta = True
                    taflags |= A_ZERO_WINDOW_PROBE_ACK
                    goto_fwd = True
                elif same and win != 0 and win == flow[f, F_WINDOW]:
                    if flow[f, F_DUPACKNUM] == -1:
                        flow[f, F_DUPACKNUM] = 1
                    else:
                        flow[f, F_DUPACKNUM] += 1
                    ta = True
                    taflags |= A_DUPLICATE_ACK
                    dupnum = flow[f, F_DUPACKNUM]
                    dupframe = flow[f, F_LASTNONDUP]
            # finished_fwd
            if ack != flow[f, F_LASTACK]:
                flow[f, F_LASTNONDUP] = frame
                flow[f, F_DUPACKNUM] = 0
            if flow[g, F_MAXSEQ] != 0 and _gt(ack, flow[g, F_MAXSEQ]) and (fl & ACK) != 0:
                ta = True
                if _lt(flow[g, F_MAXSEQ], flow[g, F_NEXTSEQ]):
                    flow[g, F_MAXSEQ] = flow[g, F_NEXTSEQ]
                    taflags |= A_ACK_LOST_PACKET
                else:
                    if flow[g, F_DUPACKNUM] == 0:
                        taflags |= A_ACK_LOST_PACKET
                    flow[g, F_DUPACKNUM] = -1
            if seglen > 0 or (fl & (SYN | FIN)) != 0:
                nextseq = flow[f, F_NEXTSEQ]
                not_adv = nextseq != 0 and _lt(seq, nextseq)
                if not (taflags & A_KEEP_ALIVE):
                    if seglen > 1 and ((nextseq - 1) & M32) == seq:
                        not_adv = False
                    rev_lastack = flow[g, F_LASTACK]
                    if seglen > 0 and rev_lastack != 0 and _le((seq + seglen) & M32, rev_lastack):
                        ta = True
                        taflags |= A_SPURIOUS_RETRANSMISSION
                    else:
                        t = ts - flow[g, F_LASTACKTIME]
                        # dupacknum is a guint32 in Wireshark: the -1 left by "ACKed unseen
                        # segment" counts as ">= 2" here
                        dupn = flow[g, F_DUPACKNUM]
                        if (not_adv and (dupn >= 2 or dupn == -1) and rev_lastack == seq
                                and 0 <= t < FASTRT_WINDOW_NS):
                            ta = True
                            taflags |= A_FAST_RETRANSMISSION
                        else:
                            t2 = ts - flow[f, F_NEXTSEQTIME]
                            thr = conv[c, C_FIRST_RTT] if conv[c, C_FIRST_RTT] != 0 else OOO_DEFAULT_NS
                            end = (seq + seglen + (1 if (fl & (SYN | FIN)) != 0 else 0)) & M32
                            if not_adv and 0 <= t2 < thr and nextseq != end:
                                ta = True
                                taflags |= A_OUT_OF_ORDER
                            elif not_adv:
                                ta = True
                                taflags |= A_RETRANSMISSION
                                rto = ts - flow[f, F_NEXTSEQTIME]
                                rto_frame = flow[f, F_NEXTSEQFRAME]
                                p = flow[f, F_HEAD]
                                while p >= 0:
                                    rto = ts - seg[p, S_TS]
                                    rto_frame = seg[p, S_FRAME]
                                    p = seg[p, S_NEXT]
            # finished_checking_retransmission_type: state updates
            nxt = (seq + seglen) & M32
            if (seglen > 0 or (fl & (SYN | FIN)) != 0) and flow[f, F_COUNT] < MAX_UNACKED:
                p = nseg
                nseg += 1
                seg[p, S_NEXT] = flow[f, F_HEAD]
                flow[f, F_HEAD] = p
                flow[f, F_COUNT] += 1
                seg[p, S_FRAME] = frame
                seg[p, S_SEQ] = seq
                seg[p, S_TS] = ts
                seg[p, S_CONV] = c
                if (fl & (SYN | FIN)) != 0:
                    nxt = (nxt + 1) & M32
                seg[p, S_NEXTSEQ] = nxt
            zwp = (taflags & A_ZERO_WINDOW_PROBE) != 0
            if (_gt(nxt, flow[f, F_NEXTSEQ]) or flow[f, F_NEXTSEQ] == 0) and not zwp:
                flow[f, F_NEXTSEQ] = nxt
                flow[f, F_NEXTSEQFRAME] = frame
                flow[f, F_NEXTSEQTIME] = ts
            if (seq == flow[f, F_MAXSEQ] or flow[f, F_MAXSEQ] == 0) and not zwp:
                flow[f, F_MAXSEQ] = flow[f, F_NEXTSEQ]
            flow[f, F_WINDOW] = win
            flow[f, F_LASTACK] = ack
            flow[f, F_LASTACKTIME] = ts
            flow[f, F_LASTSEGFLAGS] = taflags if ta else 0
            # §6.1: the peer's segments this acknowledges
            prev = -1
            p = flow[g, F_HEAD]
            while p >= 0:
                if ack == seg[p, S_NEXTSEQ]:
                    ta = True
                    acks_frame = seg[p, S_FRAME]
                    ack_rtt = ts - seg[p, S_TS]
                elif _gt(ack, seg[p, S_SEQ]) and _le(ack, seg[p, S_NEXTSEQ]):
                    seg[p, S_SEQ] = ack
                    continue
                elif _gt(seg[p, S_NEXTSEQ], ack):
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
            # §6.4: bytes in flight, from the payload of the unacknowledged segments
            p = flow[f, F_HEAD]
            if seglen != 0 and p >= 0 and flow[f, F_VALID_BIF] != 0:
                base = flow[f, F_BASE]
                first = (seg[p, S_SEQ] - base) & M32
                last = (seg[p, S_NEXTSEQ] - base) & M32
                while p >= 0:
                    v = (seg[p, S_NEXTSEQ] - base) & M32
                    last = max(last, v)
                    v = (seg[p, S_SEQ] - base) & M32
                    first = min(first, v)
                    p = seg[p, S_NEXT]
                in_flight = (last - first) & M32
                nsack = flow[g, F_NSACK]
                delivered = 0
                for k in range(nsack):
                    delivered = (delivered + flow[g, F_SRE1 + 2 * k] - flow[g, F_SLE1 + 2 * k]) & M32
                in_flight = (in_flight - delivered) & M32
                if 0 < in_flight < 2000000000:
                    ta = True
                    bif = in_flight
                    if (fl & (SYN | FIN)) != 0:
                        bif -= 1
                psh = (fl & PSH) != 0
                if psh and flow[f, F_PUSH_LAST] == 0:
                    flow[f, F_PUSH] += seglen
                    flow[f, F_PUSH_LAST] = 1
                elif psh:
                    flow[f, F_PUSH] = seglen
                    flow[f, F_PUSH_LAST] = 1
                elif flow[f, F_PUSH_LAST] != 0:
                    flow[f, F_PUSH] = seglen
                    flow[f, F_PUSH_LAST] = 0
                else:
                    flow[f, F_PUSH] += seglen
                ta = True
                push = flow[f, F_PUSH]
            # ---- end of tcp_analyze_sequence_number ----
            disp_seq = (seq - flow[f, F_BASE]) & M32
            if (fl & ACK) != 0:
                disp_ack = (ack - flow[g, F_BASE]) & M32
            if (fl & SYN) == 0 and flow[f, F_WSCALE] >= 0:
                disp_win = win << flow[f, F_WSCALE]
            o_nxt[r] = (disp_seq + seglen + (1 if (fl & (SYN | FIN)) != 0 else 0)) & M32
        o_seq[r] = disp_seq
        o_ack[r] = disp_ack
        o_win[r] = disp_win
        o_scale[r] = flow[f, F_WSCALE] if flow[f, F_WSCALE] < 0 else (1 << flow[f, F_WSCALE])
        o_ace[r] = 1 if ((fl & SYN) == 0 and (
            (conv[c, C_ACC_SYN] != 0 and conv[c, C_ACC_SYNACK] != 0) or conv[c, C_ACC_OPT] != 0)) else 0
        if bogus:
            continue  # dissect_tcp returns after the bogus header length

        # 3. completeness (§7.1)
        if is_new:
            comp = 0
            if (fl & (SYN | ACK)) == SYN:
                comp = 1
                if seglen > 0:
                    comp |= 8
        else:
            comp = conv[c, C_COMPLETE]
            if (fl & (SYN | ACK)) == (SYN | ACK):
                comp |= 2
            if (fl & (SYN | ACK)) == ACK:
                comp |= 8 if seglen > 0 else 4
            if (fl & (FIN | ACK)) == (FIN | ACK):
                comp |= 16
            if (fl & RST) != 0:
                comp |= 32
        conv[c, C_COMPLETE] = comp
        if (fl & (SYN | ACK)) == (SYN | ACK):
            if disp_ack > 1:
                o_tfo[r] = 1
            elif conv[c, C_TFO_DATA] != 0:
                o_tfo[r] = 2
        if (fl & SYN) != 0:
            if (fl & ACK) == 0:
                conv[c, C_MRU_SYN] = ts
            flow[f, F_FIRST_ACK] = 1
        if (fl & FIN) != 0:
            if flow[g, F_CLOSING] == 0:
                flow[f, F_CLOSING] = 1
                o_fin[r] = 1
            else:
                o_fin[r] = 2
        if (fl & (SYN | ACK)) == ACK:
            if conv[c, C_MRU_SYN] != 0 and conv[c, C_FIRST_RTT] == 0:
                conv[c, C_FIRST_RTT] = ts - conv[c, C_MRU_SYN]
            flow[f, F_FIRST_ACK] = 0
        if reach < 4:
            continue  # the checksum or urgent pointer was cut off: dissect_tcp ends here

        # 4. options (after the analysis): window scale, SACK blocks, AccECN, TFO
        if wsopt[r] >= 0:
            flow[f, F_WSCALE] = wsopt[r]
        if accopt[r] != 0:
            conv[c, C_ACC_OPT] = 1
        nsack = (sackedges[sackrow[r], 6] if sackrow[r] >= 0 else 0)
        flow[f, F_NSACK] = nsack
        for k in range(nsack):
            flow[f, F_SLE1 + 2 * k] = (sackedges[sackrow[r], 2 * k] - flow[g, F_BASE]) & M32
            flow[f, F_SRE1 + 2 * k] = (sackedges[sackrow[r], 2 * k + 1] - flow[g, F_BASE]) & M32
        o_sackbase[r] = flow[g, F_BASE]
        if tfocookie[r] != 0 and (fl & (SYN | ACK)) == SYN and seglen > 0:
            conv[c, C_TFO_DATA] = 1
        if optexc[r] != 0:
            continue  # the options threw: no analysis printout, no window-scale check
        # tcp_print_sequence_number_analysis
        if ta:
            o_ta[r] = 1
            o_flags[r] = taflags
            o_acksf[r] = acks_frame
            o_rtt[r] = ack_rtt
            o_irtt[r] = conv[c, C_FIRST_RTT]
            o_bif[r] = bif
            o_push[r] = push
            o_dupn[r] = dupnum
            o_dupf[r] = dupframe
            o_rto[r] = rto
            o_rtof[r] = rto_frame
        # verify_tcp_window_scaling (§4.3)
        if (fl & SYN) != 0:
            if flow[f, F_WSCALE] == -1:
                flow[f, F_WSCALE] = -2
                flow[g, F_WSCALE] = -2
            elif (fl & ACK) != 0 and flow[g, F_WSCALE] == -2:
                flow[f, F_WSCALE] = -2
    counts[0] = nstreams
    counts[1] = nconv
    counts[2] = nseg
    return nstreams


_KERNEL = kernel(_analyze_run)


def run_analysis(size: int, *args: Array) -> int:
    """:func:`_analyze_run` on its arguments, compiled when ``size`` (the work it will do,
    in segments) is large (``tcpscope._jit``); returns the number of conversations."""
    return int(_KERNEL.run(size, *args))


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
INPUTS: tuple[str, ...] = ("frame", "ts", "key", "flow", "seq", "ack", "flags", "window", "seglen", "reach",
                           "bogus", "opt_exception", "ws_opt", "accecn_opt", "tfo_cookie")


#: Segments times the segments that may wait for an ACK, above which the analysis runs
#: compiled even on a small input: uncompiled, an ACK's walk of a long unacknowledged list
#: costs about a microsecond a step (1,000 segments that all wait: about a second at worst).
WALK_BUDGET = 1_000_000
