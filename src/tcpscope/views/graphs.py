"""The data of a TCP connection's graphs, per direction, as numpy arrays for a chart.

Wireshark's Statistics > TCP Stream Graphs draw, for the segments one side sends:

* the **time-sequence graph** (Stevens / tcptrace): each segment at its time, from its
  relative sequence number to the one after its data (``tcp.seq`` to ``tcp.seq +
  tcp.len``); tcptrace adds the other side's acknowledgements (``tcp.ack``, the ACK line)
  and the edge of the window it advertises (``tcp.ack + tcp.window_size``, the window
  line), each at the time of the frame that carries it (frames with the ACK flag only);
* **throughput**: the bytes of the segments' data (``tcp.len``) per interval, and a
  moving average over the last ``window`` of time at each segment;
* **round-trip time**: ``tcp.analysis.ack_rtt`` on the other side's frames that
  acknowledge this side's data, at their time;
* **window size**: the receive window the other side advertises (``tcp.window_size``),
  at the time of each of its frames but resets (whose window means nothing).

A direction is 0 for the segments of the side that sent the connection's first frame
(usually the client), 1 for the other. Times are ``frame.time_relative`` in int64 ns
(the packet list's Time column), and each point keeps its frame number, so that a chart
links the point under the cursor to its frame. Everything is computed with numpy over
the whole table: :func:`stream_graphs` for one connection, :func:`all_graphs` for each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tcpscope.table.packets import PacketTable

__all__ = ["DirectionGraphs", "Series", "all_graphs", "stream_graphs"]

I64 = NDArray[np.int64]

#: Wireshark's default moving-average window of the throughput graph, in ns
MA_WINDOW_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Series:
    """Points over time: each one's time (ns since the first frame), frame number and value."""

    time_ns: I64
    frame: I64
    value: I64

    def __len__(self) -> int:
        return int(self.time_ns.shape[0])


@dataclass(frozen=True, slots=True)
class DirectionGraphs:
    """The graphs of the segments one side of a connection sends (see the module docstring).

    ``segments`` values are each segment's relative sequence number and ``segment_end``
    the one after its data; ``acks`` and ``window_edge`` are the other side's ACK and
    window lines; ``rtt`` the other side's ``tcp.analysis.ack_rtt`` (ns);
    ``receive_window`` its ``tcp.window_size``."""

    stream: int
    direction: int
    segments: Series
    segment_end: I64
    segment_len: I64
    acks: Series
    window_edge: Series
    rtt: Series
    receive_window: Series

    def throughput(self, interval_ns: int) -> tuple[I64, I64]:
        """The start of each interval (from the connection's first segment here) and the
        bytes of data sent in it."""
        t = self.segments.time_ns
        if not t.shape[0] or interval_ns <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        bins = (t - t[0]) // interval_ns
        sums = np.bincount(bins, weights=self.segment_len, minlength=int(bins[-1]) + 1 if bins.shape[0] else 0)
        return t[0] + np.arange(sums.shape[0], dtype=np.int64) * interval_ns, sums.astype(np.int64)

    def moving_average(self, window_ns: int = MA_WINDOW_NS) -> Series:
        """At each segment, the bits per second of the data sent in the ``window_ns`` up to
        and including it."""
        t = self.segments.time_ns
        total = np.concatenate([[0], np.cumsum(self.segment_len)])
        first = np.searchsorted(t, t - window_ns, side="right")
        sent = total[np.arange(t.shape[0]) + 1] - total[first]
        bits = sent * 8 * 1_000_000_000 // max(window_ns, 1)
        return Series(t, self.segments.frame, bits.astype(np.int64))


@dataclass(frozen=True, slots=True)
class _Frames:
    """Per TCP frame (its first TCP header), in frame order: stream, direction, time,
    frame number and the fields the graphs read (absent: -1)."""

    stream: I64
    direction: I64
    time: I64
    frame: I64
    seq: I64
    length: I64
    ack: I64
    ack_flag: I64
    reset: I64
    window: I64
    rtt: I64


def _first_values(table: PacketTable, name: str, frames: I64) -> I64:
    """A field's first value in each of ``frames`` (-1 where absent)."""
    from tcpscope.filter.registry import registry

    values = registry()[name].get(table)
    out = np.full(table.n, -1, dtype=np.int64)
    pkt = values.pkt[::-1]  # the first occurrence wins: written last
    out[pkt] = np.asarray(values.data, dtype=np.int64)[::-1]
    return out[frames]


def _tcp_frames(table: PacketTable) -> _Frames:
    tcp = table.layer("tcp")
    if len(tcp) == 0 or "stream" not in tcp.cols:
        empty = np.zeros(0, dtype=np.int64)
        return _Frames(*(empty,) * 11)
    pkt = np.asarray(tcp.pkt, dtype=np.int64)
    frames, rows = np.unique(pkt, return_index=True)
    stream = np.asarray(tcp.cols["stream"], dtype=np.int64)[rows]
    flow = np.asarray(tcp.cols["_flow"], dtype=np.int64)[rows]
    keep = stream >= 0
    frames, stream, flow = frames[keep], stream[keep], flow[keep]
    ids, first = np.unique(stream, return_index=True)
    opener = np.zeros(int(ids[-1]) + 1 if ids.shape[0] else 0, dtype=np.int64)
    opener[ids] = flow[first]
    direction = (flow != opener[stream]).astype(np.int64)

    def get(name: str) -> I64:
        return _first_values(table, name, frames)

    return _Frames(stream, direction, get("frame.time_relative"), frames + table.records.first_frame + 1,
                   get("tcp.seq"), get("tcp.len"), get("tcp.ack"), get("tcp.flags.ack"), get("tcp.flags.reset"),
                   get("tcp.window_size"),
                   get("tcp.analysis.ack_rtt"))


def _series(f: _Frames, pick: NDArray[np.bool_], value: I64) -> Series:
    return Series(f.time[pick], f.frame[pick], value[pick])


def _direction(f: _Frames, stream: int, direction: int) -> DirectionGraphs:
    mine = f.stream == stream
    sent = mine & (f.direction == direction) & (f.seq >= 0)
    other = mine & (f.direction != direction)
    length = np.maximum(f.length, 0)
    acked = other & (f.ack >= 0) & (f.ack_flag > 0)  # a SYN's or RST's ack of 0 acknowledges nothing
    windowed = (f.window >= 0) & (f.reset <= 0)  # a reset advertises no window
    return DirectionGraphs(
        stream, direction,
        segments=_series(f, sent, f.seq),
        segment_end=(f.seq + length)[sent],
        segment_len=length[sent],
        acks=_series(f, acked, f.ack),
        window_edge=_series(f, acked & windowed, f.ack + f.window),
        rtt=_series(f, other & (f.rtt >= 0), f.rtt),
        receive_window=_series(f, other & windowed, f.window),
    )


def stream_graphs(table: PacketTable, stream: int) -> tuple[DirectionGraphs, DirectionGraphs]:
    """The graphs of ``tcp.stream`` ``stream``: the opener's direction, then the other's
    (empty series for a stream the table does not have)."""
    f = _tcp_frames(table)
    return _direction(f, stream, 0), _direction(f, stream, 1)


def all_graphs(table: PacketTable) -> dict[int, tuple[DirectionGraphs, DirectionGraphs]]:
    """:func:`stream_graphs` of every stream of the table, by stream number (the frames
    sorted by stream once, each stream's graphs from its own slice)."""
    f = _tcp_frames(table)
    order = np.argsort(f.stream, kind="stable")
    cuts = np.flatnonzero(np.diff(f.stream[order])) + 1
    out = {}
    for part in np.split(order, cuts) if order.shape[0] else []:
        sub = _Frames(*(getattr(f, name)[part] for name in _Frames.__dataclass_fields__))
        s = int(sub.stream[0])
        out[s] = (_direction(sub, s, 0), _direction(sub, s, 1))
    return out
