"""UDP conversations: ``udp.stream`` and the conversation's time stamps (packet-udp.c).

tshark finds each UDP datagram's conversation by its unordered pair of endpoints
(address and port, ``find_or_create_conversation``) and numbers a conversation when it
first sees it: ``udp.stream`` counts from 0 in order of first appearance, and a UDP
conversation never ends, so a key keeps its number for the whole capture. The lookup
happens once the whole 8-byte header was read and its length is at least 8 (a shorter
length ends the dissection first).

With the default ``udp.calculate_timestamps``, a datagram whose length field is not 8
(it carries a payload) gets ``udp.time_relative``, its time since the conversation's
first datagram (the one that created it, payload or not), and ``udp.time_delta``, its
time since the conversation's previous datagram with a payload (the first datagram's
time before there is one); an empty datagram (length 8) gets neither and moves neither.

:class:`UdpStreams` is that state for a capture read a piece at a time: the key ids
(:class:`~tcpscope.analysis.keys.KeyIds`, whose ids are the stream numbers, as every key
looked up gets one) and, per conversation, the first time stamp and the time stamp the
next delta counts from (16 bytes a conversation: what grows is the number of
conversations, never the frames). Each piece is numbered and timed with whole-array
operations.
"""

from __future__ import annotations

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.analysis.conversations import endpoint_pairs
from tcpscope.analysis.keys import KeyIds
from tcpscope.table.packets import PacketTable

__all__ = ["UDP_COLUMNS", "UdpStreams", "udp_columns"]

#: udp-layer columns the analysis adds: the stream (-1: no conversation looked up), and the
#: two times (ns; meaningful where ``has_times``).
UDP_COLUMNS = ("stream", "time_relative", "time_delta", "has_times")


class UdpStreams:
    """The UDP conversations seen so far (module docstring)."""

    def __init__(self) -> None:
        self.ids = KeyIds()
        self.first_ts = np.zeros(0, dtype=np.int64)
        self.prev_ts = np.zeros(0, dtype=np.int64)

    @property
    def conversations(self) -> int:
        """How many ``udp.stream`` numbers have been given."""
        return self.ids.pairs.count

    @property
    def nbytes(self) -> int:
        """The bytes of the per-conversation arrays (not counting the key tables)."""
        return self.first_ts.nbytes + self.prev_ts.nbytes

    def grow(self, count: int) -> None:
        """Room for ``count`` conversations."""
        have = self.first_ts.shape[0]
        if count <= have:
            return
        size = max(count, 2 * have, 16)
        for name in ("first_ts", "prev_ts"):
            old = getattr(self, name)
            new = np.zeros(size, dtype=np.int64)
            new[:have] = old
            setattr(self, name, new)


def _looked_up(table: PacketTable) -> Array:
    """The udp rows that reach the conversation lookup: the whole header captured and a
    length of at least 8 (the caller adds: an IP header around it)."""
    udp = table.layer("udp")
    return (np.asarray(udp.cols["reach"]) >= 3) & ~np.asarray(udp.cols["length_short"], dtype=np.bool_)


def _previous_in_group(key: Index, ts: Array, carried: Array) -> Array:
    """For rows in frame order, the time stamp of the row before each one with the same
    key; for a key's first row here, ``carried[key]``."""
    order = np.argsort(key, kind="stable")
    k, t = key[order], ts[order]
    prev = np.empty_like(t)
    if k.shape[0]:
        first = np.ones(k.shape[0], dtype=np.bool_)
        first[1:] = k[1:] != k[:-1]
        prev[1:] = t[:-1]
        prev[first] = carried[k[first]]
    out = np.empty_like(prev)
    out[order] = prev
    return out


def udp_columns(table: PacketTable, state: UdpStreams | None = None) -> dict[str, Array]:
    """The columns of :data:`UDP_COLUMNS` for every row of the ``udp`` layer, continuing
    the conversations of the tables given before with ``state``."""
    state = state if state is not None else UdpStreams()
    udp = table.layer("udp")
    m = len(udp)
    stream = np.full(m, -1, dtype=np.int64)
    rel = np.zeros(m, dtype=np.int64)
    delta = np.zeros(m, dtype=np.int64)
    has = np.zeros(m, dtype=np.bool_)
    out = {"stream": stream, "time_relative": rel, "time_delta": delta, "has_times": has}
    if m == 0:
        return out
    lo, hi, found = endpoint_pairs(table, state.ids, "udp")
    rows = np.flatnonzero(_looked_up(table) & (found.ip_row >= 0))
    if rows.shape[0] == 0:
        return out
    before = state.conversations
    # (the keys of the rows looked up only, so that the ids count conversations)
    key = state.ids.pairs.ids(lo[rows], hi[rows])
    stream[rows] = key
    ts = table.ts_ns[udp.pkt[rows]]
    state.grow(state.conversations)
    new = key >= before
    if new.any():
        # a new conversation's first time stamp: its first datagram's (ids come in order)
        firsts = np.unique(key[new], return_index=True)[1]
        state.first_ts[key[new][firsts]] = ts[new][firsts]
        state.prev_ts[key[new][firsts]] = ts[new][firsts]
    timed = np.asarray(udp.cols["ulen"])[rows] != 8
    tk, tt = key[timed], ts[timed]
    prev = _previous_in_group(tk, tt, state.prev_ts)
    rel[rows[timed]] = tt - state.first_ts[tk]
    delta[rows[timed]] = tt - prev
    has[rows[timed]] = True
    if tk.shape[0]:
        last = tk.shape[0] - 1 - np.unique(tk[::-1], return_index=True)[1]  # each key's last row here
        state.prev_ts[tk[last]] = tt[last]
    return out
