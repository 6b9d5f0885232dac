"""tshark's per-segment TCP checks, each a kernel helper with its rule in words above it.

The kernel of :mod:`tcpscope.analysis.sequence` calls them in tshark's order. Each rule
is stated in docs/tcp-analysis-rules.md under the section cited ("rules §5.3"); the
state they read and write is :mod:`tcpscope.analysis.layout`'s, flow ``f`` and its peer
``f ^ 1``. A check that only looks returns a bool; one that also updates the flow
says so.

Sequence numbers compare in 32-bit serial arithmetic (:func:`seq_gt` and the others).
"""

from __future__ import annotations

from tcpscope._jit import helper
from tcpscope._types import Array
from tcpscope.analysis.layout import (
    A_ACK_LOST_PACKET,
    A_DUPLICATE_ACK,
    A_FAST_RETRANSMISSION,
    A_KEEP_ALIVE,
    A_KEEP_ALIVE_ACK,
    A_LOST_PACKET,
    A_OUT_OF_ORDER,
    A_RETRANSMISSION,
    A_SPURIOUS_RETRANSMISSION,
    A_WINDOW_FULL,
    A_WINDOW_UPDATE,
    A_ZERO_WINDOW,
    A_ZERO_WINDOW_PROBE,
    A_ZERO_WINDOW_PROBE_ACK,
    COMPLETENESS_ACK,
    COMPLETENESS_DATA,
    COMPLETENESS_FIN,
    COMPLETENESS_RST,
    COMPLETENESS_SYNACK,
    COMPLETENESS_SYNSENT,
    FASTRT_WINDOW_NS,
    M32,
    Conversations,
    FlowNow,
    Flows,
    Int,
    Segment,
)
from tcpscope.constants import ACK, AE, CWR, ECE, FIN, RST, SYN

__all__ = [
    "CONSTANTS_DIGEST",
    "REUSE_NEW_BASE",
    "REUSE_NEW_CONVERSATION",
    "REUSE_NONE",
    "REUSE_SYN_AGAIN",
    "acks_unseen_segment",
    "advance_nextseq",
    "fin_kind",
    "header_checks",
    "in_handshake",
    "next_completeness",
    "note_accecn_handshake",
    "note_acked_unseen",
    "note_handshake",
    "note_header_checks",
    "note_last_segment",
    "note_new_ack",
    "occupies_sequence",
    "port_reuse",
    "retransmission_kind",
    "seq_gt",
    "seq_le",
    "seq_lt",
    "set_base_seqs",
    "verify_window_scaling",
]

#: The digest of :mod:`tcpscope.constants` this module's helpers were compiled for (the
#: flag bits they read): see tests/test_constants.py.
CONSTANTS_DIGEST = "9f669131f1707517"


#: What a SYN does to its conversation's key (:func:`port_reuse`): nothing, a new
#: conversation (a new ``tcp.stream``), the conversation's SYN again, a SYN/ACK's new base.
REUSE_NONE, REUSE_NEW_CONVERSATION, REUSE_SYN_AGAIN, REUSE_NEW_BASE = 0, 1, 2, 3


@helper
def _s32(x: Int) -> int:
    """A 32-bit difference as a signed number."""
    v = int(x) & 0xFFFFFFFF
    return v - 0x100000000 if v >= 0x80000000 else v


@helper
def seq_gt(x: Int, y: Int) -> bool:
    """``x > y`` in serial arithmetic."""
    return _s32(y - x) < 0


@helper
def seq_lt(x: Int, y: Int) -> bool:
    """``x < y`` in serial arithmetic."""
    return _s32(x - y) < 0


@helper
def seq_le(x: Int, y: Int) -> bool:
    """``x <= y`` in serial arithmetic."""
    return _s32(x - y) <= 0


@helper
def port_reuse(flags: Int, seq: Int, base_set: Int, base: Int) -> int:
    """PORT REUSE (rules §2.3a, §2.3b), for a segment with SYN on a flow whose base sequence
    number is ``base`` (when ``base_set``): a pure SYN on a flow whose base is set starts a
    new conversation if its number differs from the base, else it repeats the old SYN; a
    SYN/ACK whose number differs from a base already set replaces the base. The analysis
    kernel (:mod:`tcpscope.analysis.sequence`) and the stream numbering alone
    (:mod:`tcpscope.analysis.numbering`) both decide by it."""
    if (flags & (SYN | ACK)) == SYN and base_set != 0:
        return REUSE_SYN_AGAIN if seq == base else REUSE_NEW_CONVERSATION
    if (flags & (SYN | ACK)) == (SYN | ACK) and base_set != 0 and seq != base:
        return REUSE_NEW_BASE
    return REUSE_NONE


@helper
def note_accecn_handshake(conv: Conversations, c: Int, fl: Int) -> None:
    """AccECN negotiation (RFC 9768 §3.1.1): a SYN sets AE, CWR and ECE; a SYN/ACK answers
    with one of the codepoints that accept it."""
    if (fl & (SYN | ACK)) == SYN:
        conv.acc_syn[c] = 1 if (fl & (AE | CWR | ECE)) == (AE | CWR | ECE) else 0
    if (fl & (SYN | ACK)) == (SYN | ACK):
        conv.acc_synack[c] = 1 if ((fl & (AE | CWR)) == CWR) or ((fl & (AE | ECE)) == AE) else 0


@helper
def set_base_seqs(base: Array, base_set: Array, f: Int, s: Segment) -> None:
    """BASE SEQUENCE NUMBERS (rules §3.2): an unset base of this flow becomes the sequence
    number of a SYN, or one less than that of any other segment; then an unset base of
    the peer flow becomes one less than the ack of a segment with ACK (the flows' ``base``
    and ``base_set``: the analysis kernel's, or the stream numbering's alone)."""
    if base_set[f] == 0:
        base[f] = s.seq if (s.flags & SYN) != 0 else (s.seq - 1) & M32
        base_set[f] = 1
    g = f ^ 1
    if base_set[g] == 0 and (s.flags & ACK) != 0:
        base[g] = (s.ack - 1) & M32
        base_set[g] = 1


@helper
def _no_syn_fin_rst(s: Segment) -> bool:
    return (s.flags & (SYN | FIN | RST)) == 0


@helper
def _is_zero_window_probe(s: Segment, me: FlowNow, peer: FlowNow) -> bool:
    """ZERO WINDOW PROBE (rules §5.1): one byte at the next expected sequence number
    while the peer's last window was zero."""
    return s.seglen == 1 and s.seq == me.nextseq and peer.window == 0


@helper
def _is_zero_window(s: Segment) -> bool:
    """ZERO WINDOW (rules §5.2): a zero window on a segment that is not SYN/FIN/RST."""
    return s.win == 0 and _no_syn_fin_rst(s)


@helper
def _is_lost_segment(s: Segment, me: FlowNow) -> bool:
    """LOST SEGMENT (rules §5.3): a segment other than RST that starts beyond the next
    expected sequence number (once there is one)."""
    return me.nextseq != 0 and seq_gt(s.seq, me.nextseq) and (s.flags & RST) == 0


@helper
def _is_keep_alive(s: Segment, me: FlowNow) -> bool:
    """KEEP-ALIVE (rules §5.4): zero or one byte one below the next expected sequence
    number, not SYN/FIN/RST."""
    return s.seglen in (0, 1) and s.seq == ((me.nextseq - 1) & M32) and _no_syn_fin_rst(s)


@helper
def _repeats_last_ack(s: Segment, me: FlowNow) -> bool:
    """No data, at the next expected sequence number, with the flow's last ack, not
    SYN/FIN/RST: the common part of rules §5.5 and §5.7-5.9."""
    return s.seglen == 0 and s.seq == me.nextseq and s.ack == me.lastack and _no_syn_fin_rst(s)


@helper
def _is_window_update(s: Segment, me: FlowNow) -> bool:
    """WINDOW UPDATE (rules §5.5): a repeat of the last ack (no data, not SYN/FIN/RST) with
    a non-zero window that differs from the flow's last one."""
    return s.win not in (0, me.window) and _repeats_last_ack(s, me)


@helper
def _is_window_full(s: Segment, peer: FlowNow) -> bool:
    """WINDOW FULL (rules §5.6): data, not SYN/FIN/RST, ending exactly at the peer's last
    ack plus its window, once the peer's scaling is decided; the peer window is scaled
    unless it came from the peer's SYN or the peer does not scale."""
    if s.seglen <= 0 or peer.wscale == -1 or not _no_syn_fin_rst(s):
        return False
    shift: Int = 0
    if peer.syn_window == 0 and peer.wscale != -2:
        shift = peer.wscale
    edge = (peer.lastack + ((peer.window << shift) & M32)) & M32
    return bool(((s.seq + s.seglen) & M32) == edge)


@helper
def _is_duplicate_ack(s: Segment, me: FlowNow) -> bool:
    """DUPLICATE ACK (rules §5.9): a repeat of the last ack (no data, not SYN/FIN/RST) with
    the same non-zero window as the flow's last segment."""
    return s.win != 0 and s.win == me.window and _repeats_last_ack(s, me)


@helper
def _is_keep_alive_ack(s: Segment, me: FlowNow, peer: FlowNow) -> bool:
    """KEEP-ALIVE ACK (rules §5.7): what would be a duplicate ACK, answering a keep-alive."""
    return _is_duplicate_ack(s, me) and (peer.last_flags & A_KEEP_ALIVE) != 0


@helper
def _is_zero_window_probe_ack(s: Segment, me: FlowNow, peer: FlowNow) -> bool:
    """ZERO WINDOW PROBE ACK (rules §5.8): a repeat of the last ack with a zero window, as
    the flow's last one was, answering a zero window probe."""
    return (s.win == 0 and me.window == 0 and _repeats_last_ack(s, me)
            and (peer.last_flags & A_ZERO_WINDOW_PROBE) != 0)


@helper
def header_checks(s: Segment, me: FlowNow, peer: FlowNow) -> int:
    """Rules §5.1-5.9 in tshark's order, on this flow's and the peer's fields as they were
    before them: the flags they give the segment. A zero window probe skips the rest;
    the last three exclude each other."""
    if _is_zero_window_probe(s, me, peer):
        return A_ZERO_WINDOW_PROBE
    found = 0
    if _is_zero_window(s):
        found |= A_ZERO_WINDOW
    if _is_lost_segment(s, me):
        found |= A_LOST_PACKET
    if _is_keep_alive(s, me):
        found |= A_KEEP_ALIVE
    if _is_window_update(s, me):
        found |= A_WINDOW_UPDATE
    if _is_window_full(s, peer):
        found |= A_WINDOW_FULL
    if _is_keep_alive_ack(s, me, peer):
        found |= A_KEEP_ALIVE_ACK
    elif _is_zero_window_probe_ack(s, me, peer):
        found |= A_ZERO_WINDOW_PROBE_ACK
    elif _is_duplicate_ack(s, me):
        found |= A_DUPLICATE_ACK
    return found


@helper
def note_header_checks(flow: Flows, f: Int, found: Int) -> None:
    """What the header checks change in the flow: a LOST SEGMENT makes its bytes in flight
    invalid (rules §5.3); a DUPLICATE ACK counts (rules §5.9; from -1, it is the first)."""
    if (found & A_LOST_PACKET) != 0:
        flow.valid_bif[f] = 0
    if (found & A_DUPLICATE_ACK) != 0:
        flow.dupacks[f] = 1 if flow.dupacks[f] == -1 else flow.dupacks[f] + 1


@helper
def note_new_ack(last_nondup: Array, dupacks: Array, f: Int, s: Segment) -> None:
    """Rules §5.10, for a segment whose ack differs from the flow's last one: it is the
    flow's last non-duplicate ACK, and the duplicate count restarts."""
    last_nondup[f] = s.frame
    dupacks[f] = 0


@helper
def acks_unseen_segment(s: Segment, peer_maxseq: Int) -> bool:
    """ACKED UNSEEN SEGMENT (rules §5.11) applies: with ACK, an ack beyond the peer's
    ``maxseq``, once set."""
    return peer_maxseq != 0 and seq_gt(s.ack, peer_maxseq) and (s.flags & ACK) != 0


@helper
def note_acked_unseen(flow: Flows, g: Int) -> int:
    """ACKED UNSEEN SEGMENT (rules §5.11), once it applies to the peer flow ``g``: if the
    peer sent beyond ``maxseq``, ``maxseq`` catches up and the flag is set; else the flag
    is set only while the peer's duplicate count is 0, which becomes -1. Returns the
    flag (or 0)."""
    if seq_lt(flow.maxseq[g], flow.nextseq[g]):
        flow.maxseq[g] = flow.nextseq[g]
        return A_ACK_LOST_PACKET
    found = A_ACK_LOST_PACKET if flow.dupacks[g] == 0 else 0
    flow.dupacks[g] = -1
    return found


@helper
def occupies_sequence(s: Segment) -> bool:
    """Data, SYN or FIN: a segment that takes sequence space (rules §5.12, §5.13)."""
    return bool(s.seglen > 0 or (s.flags & (SYN | FIN)) != 0)


@helper
def retransmission_kind(s: Segment, nextseq: Int, since_advance: Int, peer_lastack: Int, since_peer_ack: Int,  # noqa: PLR0913, PLR0917 -- compiled helper: plain numbers cost nothing, arrays do (layout.FlowNow)
                        peer_dupacks: Int, ooo_threshold: Int) -> int:
    """The RETRANSMISSION family (rules §5.12), for a segment that takes sequence space
    and is no keep-alive: the first that holds of SPURIOUS (its data was acknowledged
    already), FAST (not advanced, at the peer's last ack after two duplicate ACKs of it,
    within 20 ms of that ack), OUT-OF-ORDER (not advanced, within ``ooo_threshold`` of
    the flow's last advance, not ending at ``nextseq``) and RETRANSMISSION (not
    advanced); 0 if none."""
    not_advanced = nextseq != 0 and seq_lt(s.seq, nextseq)
    if s.seglen > 1 and ((nextseq - 1) & M32) == s.seq:
        not_advanced = False
    if s.seglen > 0 and peer_lastack != 0 and seq_le((s.seq + s.seglen) & M32, peer_lastack):
        return A_SPURIOUS_RETRANSMISSION
    if not not_advanced:
        return 0
    # dupacknum is unsigned in tshark: the -1 left by rules §5.11 counts as ">= 2"
    if ((peer_dupacks >= 2 or peer_dupacks == -1) and peer_lastack == s.seq
            and 0 <= since_peer_ack < FASTRT_WINDOW_NS):
        return A_FAST_RETRANSMISSION
    end = (s.seq + s.seglen + (1 if (s.flags & (SYN | FIN)) != 0 else 0)) & M32
    if 0 <= since_advance < ooo_threshold and nextseq != end:
        return A_OUT_OF_ORDER
    return A_RETRANSMISSION


@helper
def advance_nextseq(nextseq: Array, nextseq_frame: Array, nextseq_ts: Array, maxseq: Array, f: Int,  # noqa: PLR0913, PLR0917 -- compiled helper: the arrays it writes, each cheap where a NamedTuple of them is not (layout.FlowNow)
                    s: Segment, nxt: Int) -> None:
    """Rules §5.13, unless the segment is a zero window probe: ``nextseq`` moves forward to
    the segment's end ``nxt`` (or is set), and ``maxseq`` follows it when the segment
    starts at ``maxseq`` (or it is unset)."""
    if seq_gt(nxt, nextseq[f]) or nextseq[f] == 0:
        nextseq[f] = nxt
        nextseq_frame[f] = s.frame
        nextseq_ts[f] = s.ts
    if s.seq == maxseq[f] or maxseq[f] == 0:
        maxseq[f] = nextseq[f]


@helper
def note_last_segment(window: Array, lastack: Array, lastack_ts: Array, last_flags: Array, f: Int,  # noqa: PLR0913, PLR0917 -- compiled helper: the arrays it writes (see advance_nextseq)
                      s: Segment, found: Int) -> None:
    """Rules §5.13: the segment's window, ack (the raw field, ACK flag or not), time and
    analysis flags ``found`` become the flow's last ones."""
    window[f] = s.win
    lastack[f] = s.ack
    lastack_ts[f] = s.ts
    last_flags[f] = found


@helper
def next_completeness(comp: Int, opened: bool, fl: Int, seglen: Int) -> int:
    """COMPLETENESS (rules §7.1): the conversation's bits ``comp`` (layout's
    ``COMPLETENESS_*``) after a segment. The first segment of a conversation records only
    a pure SYN (1, plus 8 with data); a later one adds SYN/ACK 2, ACK 4 (8 with data),
    FIN/ACK 16 and RST 32."""
    if opened:
        if (fl & (SYN | ACK)) != SYN:
            return 0
        return COMPLETENESS_SYNSENT | COMPLETENESS_DATA if seglen > 0 else COMPLETENESS_SYNSENT
    out = int(comp)
    if (fl & (SYN | ACK)) == (SYN | ACK):
        out |= COMPLETENESS_SYNACK
    if (fl & (SYN | ACK)) == ACK:
        out |= COMPLETENESS_DATA if seglen > 0 else COMPLETENESS_ACK
    if (fl & (FIN | ACK)) == (FIN | ACK):
        out |= COMPLETENESS_FIN
    if (fl & RST) != 0:
        out |= COMPLETENESS_RST
    return out


@helper
def in_handshake(s: Segment, syn_window: Int, syn_ts: Int, initial_rtt: Int) -> bool:
    """Whether :func:`note_handshake` has something to do: a SYN, or an ACK while its
    flow's window is still its SYN's or the initial RTT waits for it (rules §6.3)."""
    return (s.flags & SYN) != 0 or ((s.flags & ACK) != 0 and (syn_window != 0 or (syn_ts != 0 and initial_rtt == 0)))


@helper
def note_handshake(conv: Conversations, flow: Flows, f: Int, s: Segment) -> None:
    """INITIAL RTT (rules §6.3), for a segment with SYN, or with ACK while its flow's window
    is still its SYN's: a pure SYN records its time; the first later segment with ACK and
    without SYN sets the initial RTT to the time since. A flow's window is its SYN's from
    its SYN or SYN/ACK until it sends ACK without SYN (rules §5.6)."""
    c = f // 2
    if (s.flags & SYN) != 0:
        if (s.flags & ACK) == 0:
            conv.syn_ts[c] = s.ts
        flow.syn_window[f] = 1
    if (s.flags & (SYN | ACK)) == ACK:
        if conv.syn_ts[c] != 0 and conv.initial_rtt[c] == 0:
            conv.initial_rtt[c] = s.ts - conv.syn_ts[c]
        flow.syn_window[f] = 0


@helper
def fin_kind(flow: Flows, f: Int) -> int:
    """CLOSING INITIATOR (tcp.connection.fin_active/fin_passive), for a FIN: it initiates
    the closing (1) unless the peer flow initiated it (2), and marks its flow when it
    does."""
    if flow.closing[f ^ 1] != 0:
        return 2
    flow.closing[f] = 1
    return 1


@helper
def verify_window_scaling(flow: Flows, f: Int, fl: Int) -> None:
    """WINDOW SCALING CHECK (rules §4.3), after the options of a SYN or SYN/ACK: a flow
    without a shift means neither flow scales; a SYN/ACK after a SYN that does not scale
    does not scale either."""
    if flow.wscale[f] == -1:
        flow.wscale[f] = -2
        flow.wscale[f ^ 1] = -2
    elif (fl & ACK) != 0 and flow.wscale[f ^ 1] == -2:
        flow.wscale[f] = -2
