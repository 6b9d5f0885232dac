"""The in-order rule that HTTP framing (:mod:`tcpscope.analysis.http_framing`) and TLS and
DNS framing (:mod:`tcpscope.analysis.tls_framing`) share: where a direction's segment lies
against the bytes the direction has taken so far, in 32-bit serial arithmetic.

tshark hands a segment whose bytes were all seen before (a retransmission, a keep-alive)
to no dissector; the next bytes in order continue what the dissector is reading; anything
else (a hole before the segment, or a segment that overlaps what was seen and goes on
past it) is for each framing to decide. Each framing keeps, per direction, the next
relative sequence number expected (``nxt``) and whether a segment was taken yet
(``have_next``): :func:`take_segment` moves them on.
"""

from __future__ import annotations

from typing import Any

from tcpscope._jit import helper

__all__ = ["ORDER_AHEAD", "ORDER_NEXT", "ORDER_OVERLAP", "ORDER_SEEN", "segment_order", "take_segment"]

#: Where a segment lies: its first byte is the next one expected, all its bytes were seen,
#: it starts after the next byte expected (a hole before it), it starts before the next
#: byte expected and ends after it
ORDER_NEXT, ORDER_SEEN, ORDER_AHEAD, ORDER_OVERLAP = 0, 1, 2, 3

_MOD = 0xFFFFFFFF
_HALF = 0x80000000


@helper
def segment_order(nxt: int, seq: int, seglen: int) -> int:
    """Where the segment ``[seq, seq + seglen)`` lies against ``nxt``, the relative
    sequence number the direction expects next (``ORDER_*``): a start before ``nxt`` is
    a distance of half the sequence space or more ahead of it, and the segment was all seen
    when its end is not after ``nxt`` either."""
    ahead = (seq - nxt) & _MOD
    if ahead == 0:
        return ORDER_NEXT
    if ahead < _HALF:
        return ORDER_AHEAD
    if ((seq + seglen - nxt) & _MOD) - 1 >= _HALF - 1:
        return ORDER_SEEN
    return ORDER_OVERLAP


@helper
def take_segment(nxt: Any, have_next: Any, key: int, seq: int, seglen: int) -> None:
    """Direction ``key`` took the segment ``[seq, seq + seglen)``: the next byte expected is
    after it, unless it lies before bytes already taken (a fast retransmission handed on)."""
    end = (seq + seglen) & _MOD
    if have_next[key] == 0 or segment_order(nxt[key], end, 0) != ORDER_SEEN:
        nxt[key] = end
    have_next[key] = 1
