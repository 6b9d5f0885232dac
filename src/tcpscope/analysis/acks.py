"""The unacknowledged segments of each flow and what they give: ACK matching, RTT, RTO,
bytes in flight and push bytes (docs/tcp-analysis-rules.md §5.12f, §5.13, §6), as
kernel helpers of :mod:`tcpscope.analysis.sequence`.

A flow's unacknowledged segments are a linked list of rows of
:class:`~tcpscope.analysis.layout.Unacked`, newest first, from ``flow.head[f]``; a row
is taken from the end of the rows in use (``counts.rows``) and marked free (``slot``
-1) when an ACK drops it, for :mod:`tcpscope.analysis.state` to reclaim between batches.
"""

from __future__ import annotations

from tcpscope._jit import helper
from tcpscope._types import Array
from tcpscope.analysis.checks import occupies_sequence, seq_gt, seq_le
from tcpscope.analysis.layout import M32, MAX_UNACKED, Flows, Int, SackBlocks, Segment, Unacked
from tcpscope.constants import FIN, PSH, SYN

__all__ = [
    "CONSTANTS_DIGEST",
    "bytes_in_flight",
    "count_push_bytes",
    "match_ack",
    "remember_segment",
    "retransmission_timeout",
]

#: The digest of :mod:`tcpscope.constants` this module's helpers were compiled for (the
#: flag bits they read): see tests/test_constants.py.
CONSTANTS_DIGEST = "9f669131f1707517"


@helper
def retransmission_timeout(flow: Flows, seg: Unacked, f: Int, ts: Int) -> tuple[int, int]:
    """The RTO of a RETRANSMISSION (rules §5.12f): the time since the oldest segment of the
    flow still unacknowledged, and its frame; without one, since ``nextseq`` moved."""
    since: int = ts - flow.nextseq_ts[f]
    frame: int = flow.nextseq_frame[f]
    p = flow.head[f]
    while p >= 0:
        since = ts - seg.ts[p]
        frame = seg.frame[p]
        p = seg.next[p]
    return since, frame


@helper
def remember_segment(seg: Unacked, head: Array, unacked: Array, rows: Array, f: Int, s: Segment) -> Int:  # noqa: PLR0913, PLR0917 -- compiled helper: the arrays it writes, each cheap where the whole Flows is not (layout.FlowNow)
    """Rules §5.13: a segment that takes sequence space joins the flow's unacknowledged
    list (at most MAX_UNACKED), its end counting SYN/FIN as a byte. Returns the end the
    flow's ``nextseq`` may move to (without that byte when the list is full)."""
    nxt = (s.seq + s.seglen) & M32
    if occupies_sequence(s) and unacked[f] < MAX_UNACKED:
        p = rows[0]
        rows[0] += 1
        seg.next[p] = head[f]
        head[f] = p
        unacked[f] += 1
        seg.frame[p] = s.frame
        seg.seq[p] = s.seq
        seg.ts[p] = s.ts
        seg.slot[p] = f // 2
        if (s.flags & (SYN | FIN)) != 0:
            nxt = (nxt + 1) & M32
        seg.nextseq[p] = nxt
    return nxt


@helper
def match_ack(seg: Unacked, head: Array, unacked: Array, g: Int, s: Segment) -> tuple[bool, int, int]:
    """ACK MATCHING (rules §6.1): walk the unacknowledged segments of the peer flow ``g``,
    newest first; one ending at the ack is acknowledged (the oldest such gives the frame
    and the RTT) and dropped, one the ack falls inside is trimmed to the ack and looked at
    again, one ending beyond the ack stays, one ending before it is dropped. Returns
    whether one was acknowledged, its frame and the RTT."""
    hit = False
    acks_frame = 0
    ack_rtt = 0
    prev = -1
    p = head[g]
    while p >= 0:
        if s.ack == seg.nextseq[p]:
            hit = True
            acks_frame = seg.frame[p]
            ack_rtt = s.ts - seg.ts[p]
        elif seq_gt(s.ack, seg.seq[p]) and seq_le(s.ack, seg.nextseq[p]):
            seg.seq[p] = s.ack
            continue
        elif seq_gt(seg.nextseq[p], s.ack):
            prev = p
            p = seg.next[p]
            continue
        nx = seg.next[p]
        if prev < 0:
            head[g] = nx
        else:
            seg.next[prev] = nx
        seg.slot[p] = -1
        p = nx
        unacked[g] -= 1
    return hit, acks_frame, ack_rtt


@helper
def bytes_in_flight(seg: Unacked, sack: SackBlocks, p: Int, base: Int, g: Int, nsack: Int, s: Segment) -> int:  # noqa: PLR0913, PLR0917 -- compiled helper: plain numbers and small groups of arrays (see remember_segment)
    """BYTES IN FLIGHT (rules §6.4), for data while the flow has unacknowledged segments
    (the newest is row ``p``) and valid bytes in flight: the span of those segments
    relative to the flow's ``base``, less what the ``nsack`` last SACK blocks of the peer
    flow ``g`` cover, shown between 0 and 2,000,000,000 exclusive (less one for SYN or
    FIN), else 0."""
    first = (seg.seq[p] - base) & M32
    last = (seg.nextseq[p] - base) & M32
    while p >= 0:
        last = max(last, (seg.nextseq[p] - base) & M32)
        first = min(first, (seg.seq[p] - base) & M32)
        p = seg.next[p]
    in_flight: int = (last - first) & M32
    for k in range(nsack):
        in_flight = (in_flight - sack.right[g, k] + sack.left[g, k]) & M32
    if not 0 < in_flight < 2000000000:
        return 0
    return in_flight - 1 if (s.flags & (SYN | FIN)) != 0 else in_flight


@helper
def count_push_bytes(push_bytes: Array, push_last: Array, f: Int, s: Segment) -> int:
    """PUSH BYTES (rules §6.4), alongside bytes in flight: the flow's counter restarts at
    the segment's length after a counted segment with PSH, else adds it."""
    if push_last[f] != 0:
        push_bytes[f] = s.seglen
    else:
        push_bytes[f] += s.seglen
    push_last[f] = 1 if (s.flags & PSH) != 0 else 0
    push: int = push_bytes[f]
    return push
