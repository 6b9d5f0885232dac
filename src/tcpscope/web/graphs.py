"""The stream graphs of one connection, as the page's charts take them (uPlot: each chart
one time axis, every series a value or null at each of its times).

The data are ``views.graphs.stream_graphs`` (Wireshark's TCP Stream Graphs, checked
against tcptrace), for the direction that sends the most data (ties: the opener's):

* ``tseq``: the time-sequence graph (Stevens): each segment's end (``tcp.seq + tcp.len``),
  the other side's ACK line and window line;
* ``rtt``: ``tcp.analysis.ack_rtt`` of the ACKs of this side's data (ms);
* ``window``: the receive window the other side advertises (bytes);
* ``throughput``: bits per second per interval (a hundredth of the data's span, at least
  1 ms; frame -1) and Wireshark's 1 s moving average at each segment.

Times are seconds since the capture's first frame; each point keeps its frame number
(``frames``, aligned with the times; -1 for the throughput's intervals) so that the
page links the point under the cursor to its frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tcpscope.api import Capture
    from tcpscope.views.graphs import Series

__all__ = ["BINS", "chart_graphs"]

#: Intervals of the throughput chart over the span of the data.
BINS = 100
_NS = 1e9


def _aligned(series: list[tuple[Any, Any, Any]], scale: float = 1.0) -> dict[str, Any]:
    """Series of (times ns, frames, values) merged on one time axis, in time order: the
    times (s), the frames, and each series' values (times ``scale``) or None."""
    times = np.concatenate([np.asarray(t, dtype=np.int64) for t, _, _ in series])
    frames = np.concatenate([np.asarray(f, dtype=np.int64) for _, f, _ in series])
    which = np.concatenate([np.full(len(t), k) for k, (t, _, _) in enumerate(series)])
    order = np.lexsort((which, times))
    values: list[list[float | None]] = []
    start = 0
    at = np.empty(times.shape[0], dtype=np.int64)
    at[order] = np.arange(times.shape[0])
    for _, _, v in series:
        column: list[float | None] = [None] * times.shape[0]
        for place, value in zip(at[start:start + len(v)].tolist(), (np.asarray(v) * scale).tolist(), strict=True):
            column[place] = value
        values.append(column)
        start += len(v)
    return {"t": (times[order] / _NS).tolist(), "frames": frames[order].tolist(), "series": values}


def _points(s: Series, scale: float = 1.0) -> dict[str, Any]:
    return _aligned([(s.time_ns, s.frame, s.value)], scale)


def chart_graphs(part: Capture, stream: int, ends: tuple[str, str]) -> dict[str, Any]:
    """The charts of ``tcp.stream`` ``stream`` of ``part`` (a capture's frames); ``ends``:
    the opener's and the other side's ``address:port``."""
    from tcpscope.views.graphs import stream_graphs

    sides = stream_graphs(part.table, stream)
    sent = [int(g.segment_len.sum()) for g in sides]
    g = sides[1] if sent[1] > sent[0] else sides[0]
    segments = g.segments
    t = segments.time_ns
    span = int(t[-1] - t[0]) if t.shape[0] else 0
    interval = max(span // BINS, 1_000_000)
    starts, sums = g.throughput(interval)
    average = g.moving_average()
    return {
        "stream": stream, "sender": ends[g.direction], "receiver": ends[1 - g.direction],
        "tseq": _aligned([(t, segments.frame, g.segment_end), (g.acks.time_ns, g.acks.frame, g.acks.value),
                          (g.window_edge.time_ns, g.window_edge.frame, g.window_edge.value)]),
        "rtt": _points(g.rtt, 1e-6),
        "window": _points(g.receive_window),
        "throughput": _aligned([(starts, np.full(starts.shape[0], -1), sums * 8 * _NS / interval),
                                (average.time_ns, average.frame, average.value)]),
    }
